"""What a real member tripped over on the pages: raw Markdown in notifications, wording,
the header, the unverified founder, contrast, the glossary queue."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from cop.enums import NotificationKind
from cop.forms.core import ProfileForm, SignupExtraForm, curated_timezones
from cop.middleware import TIMEZONE_COOKIE
from cop.models import Notification
from knowledge.services import entries
from mentoring.models import MentorRequest
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db

MARKDOWN = "Please use the **handover checklist** & [the form](https://example.org/f).\n\n- one"


def test_notifications_show_plain_text_not_markdown(client):
    user = UserFactory()
    notification = Notification.objects.create(
        recipient=user, kind=NotificationKind.REPLY, title="A reply", body=MARKDOWN
    )
    client.force_login(user)
    html = client.get(reverse("notification_list")).content.decode()
    assert "Please use the handover checklist &amp; the form." in html
    assert "**" not in html and "](" not in html
    context = {"notification": notification, "user": user, "link": "https://x/"}
    text = render_to_string("cop/email/notification.txt", context)
    assert "Please use the handover checklist & the form.\none" in text
    assert "**" not in render_to_string("cop/email/notification.html", context)


def test_header_links_my_meetings_search_and_settings(client):
    user = UserFactory()
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    nav = html[html.index('class="main-nav"') : html.index("</nav>")]
    assert f'href="{reverse("meetings:mine")}">My meetings<' in nav
    assert f'href="{reverse("knowledge:search")}">Search<' in nav
    assert f'href="{reverse("profile_settings")}"' in nav and ">Settings<" in nav
    settings_page = client.get(reverse("profile_settings")).content.decode()
    assert f'href="{reverse("notification_preferences")}">Notifications<' in settings_page
    client.logout()
    anonymous = client.get(reverse("home")).content.decode()
    assert "Log in" not in anonymous and "Sign in" in anonymous
    assert ">Search<" in anonymous


def test_wording_just_now_and_nobody_yet(client):

    community = CommunityFactory()
    author = make_member(community)
    entry = entries.write_entry(
        community=community, author=author, title="Fresh", body="Body", publish=True
    )
    client.force_login(make_member(community))
    html = client.get(entry.get_absolute_url()).content.decode()
    assert "0 minutes" not in html and "updated just now" in html
    assert "0 members say" not in html and "Nobody has said this worked for them yet" in html
    assert "Published, awaiting validation" in html
    listing = client.get(reverse("knowledge:entry_list", args=[community.slug])).content.decode()
    assert "0 “worked for me”" not in listing


def test_own_mentor_request_is_yours_not_in_the_third_person(client):

    community = CommunityFactory()
    eli = make_member(community, display_name="Eli Haddad")
    request = MentorRequest.objects.create(
        community=community, requester=eli, goals="Learn", timezone="UTC", status="open"
    )
    client.force_login(eli)
    html = client.get(reverse("mentoring_request", args=[community.slug, request.pk]))
    html = html.content.decode()
    assert "Eli Haddad asks for a mentor" not in html and "Your request for a mentor" in html


def test_checkbox_labels_have_no_trailing_colon(client):
    html = client.get(reverse("account_login")).content.decode()
    assert "Remember Me</label>" in html and "Remember Me:</label>" not in html


def test_unverified_founder_is_told_before_any_form(client):
    user = UserFactory(verified=False, email="new@example.org")
    client.force_login(user)
    html = client.get(reverse("community_create")).content.decode()
    assert "First, confirm your email address" in html
    assert "Confirm new@example.org" in html and reverse("account_email") in html
    assert '<form method="post" class="card"' not in html and " disabled" not in html
    verified = UserFactory()
    client.force_login(verified)
    html = client.get(reverse("community_create")).content.decode()
    assert "Start the community" in html and "First, confirm" not in html


def test_time_zones_are_a_curated_searchable_list():

    zones = curated_timezones()
    assert "UTC" in zones and "Europe/Berlin" in zones and "America/Argentina/Salta" in zones
    for odd in ("Factory", "localtime", "W-SU", "US/Eastern", "Etc/GMT+5", "GB", "posixrules",
                "Australia/NSW"):  # fmt: skip
        assert odd not in zones, odd
    html = str(SignupExtraForm()["timezone"])
    assert 'list="id_timezone-zones"' in html and "<datalist" in html
    assert "data-detect-timezone" in html
    # Someone whose profile still says an old alias can save it unchanged.
    user = UserFactory(timezone="US/Eastern")
    form = ProfileForm({"display_name": "X", "timezone": "US/Eastern", "bio": ""}, instance=user)
    assert form.is_valid(), form.errors
    assert not ProfileForm(
        {"display_name": "X", "timezone": "W-SU", "bio": ""}, instance=user
    ).is_valid()


def test_visitor_zone_cookie_is_used_when_valid(client):

    community = CommunityFactory()
    address = reverse("meetings:community", args=[community.slug])
    client.cookies[TIMEZONE_COOKIE] = "Asia/Tokyo"
    assert "your time zone, Asia/Tokyo" in client.get(address).content.decode()
    client.cookies[TIMEZONE_COOKIE] = "Factory"
    assert "your time zone, UTC" in client.get(address).content.decode()
