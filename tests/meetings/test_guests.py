"""Guests: invited by email to one meeting, answering without an account, seeing only it."""

import re
from datetime import timedelta

import icalendar
import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from cop.enums import JoinPolicy, MembershipStatus, NotificationKind, Visibility
from cop.models import Membership, Notification, User
from cop.services.notifications import deliver_notification_email
from meetings import guests, services
from meetings.enums import RSVPAnswer
from meetings.links import guest_url, read_guest_token
from meetings.models import RSVP, MeetingGuest
from tests.factories import CommunityFactory, MeetingFactory, StoryFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def private(host):
    return CommunityFactory(
        coordinator=host,
        name="Quiet Guild",
        slug="quiet",
        visibility=Visibility.PRIVATE,
        join_policy=JoinPolicy.APPROVAL,
    )


@pytest.fixture
def talk(private, host):
    return MeetingFactory(community=private, hosts=[host], title="Guest talk", capacity=2)


def _email_of(notification: Notification):
    mail.outbox.clear()
    assert deliver_notification_email(notification_id=notification.pk)
    [message] = mail.outbox
    return message


def _path(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def _calendar(message) -> icalendar.Calendar:
    [part] = [p for p in message.attachments if p.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_payload(decode=True)), part


def test_invite_guest_makes_a_passwordless_account_and_emails_the_invitation(talk, host):
    guest = guests.invite_guest(
        meeting=talk, by=host, email=" Ada@Example.COM ", name="Ada", is_speaker=True, bio="SRE"
    )
    assert guest.email == "ada@example.com"
    assert not guest.user.has_usable_password()
    assert guest.user.timezone == talk.timezone  # times in their emails: the meeting's zone
    assert not Membership.objects.filter(user=guest.user).exists()
    notification = Notification.objects.get(recipient=guest.user)
    assert notification.kind == NotificationKind.MEETING_INVITATION
    message = _email_of(notification)
    assert message.to == ["ada@example.com"]
    cal, part = _calendar(message)
    assert part.get_param("method") == "REQUEST"
    assert cal["method"] == "REQUEST"
    [event] = cal.walk("VEVENT")
    assert str(event["uid"]).startswith(f"meeting-{talk.uid}@")
    assert int(event["sequence"]) == talk.sequence
    assert "mailto:ada@example.com" in str(event["attendee"])
    # The guest's own link (signed with a timestamp, so read it back rather than compare).
    [token] = re.findall(r"/meetings/guest/([^/\s]+)/", message.body)
    assert read_guest_token(token) == guest
    assert "/meetings/answer/" in message.body


def test_guest_journey_answers_without_account_and_counts_in_capacity(client, talk, host):
    first = make_member(talk.community)
    services.rsvp(meeting=talk, user=first, answer=RSVPAnswer.GOING)
    guest = guests.invite_guest(meeting=talk, by=host, email="ada@example.com")
    page = _path(guest_url(guest))
    response = client.get(page)
    assert response.status_code == 200
    assert b"Guest talk" in response.content
    response = client.post(page, {"answer": "going"})
    assert response.status_code == 302
    assert RSVP.objects.get(meeting=talk, user=guest.user).is_going
    # The meeting (capacity 2) is now full: the next member waits.
    late = make_member(talk.community)
    assert services.rsvp(meeting=talk, user=late, answer=RSVPAnswer.GOING).waitlisted


def test_guest_sees_nothing_else_of_a_private_community(client, talk, private, host):
    other = MeetingFactory(community=private, hosts=[host], title="Members only")
    story = StoryFactory(community=private, title="Internal story")
    guest = guests.invite_guest(meeting=talk, by=host, email="ada@example.com")
    assert client.get(_path(guest_url(guest))).status_code == 200
    # The guest has no session: every other page of the community is closed to them...
    for url in (
        other.get_absolute_url(),
        talk.get_absolute_url(),
        reverse("community_home", kwargs={"slug": private.slug}),
        reverse("meetings:community", kwargs={"slug": private.slug}),
        reverse("meetings:community_ics", kwargs={"slug": private.slug}),
        story.get_absolute_url(),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert b"Members only" not in response.content
        assert b"Internal story" not in response.content
    # ... and signed in (an account they set up later), still not a member: the same.
    client.force_login(guest.user)
    for url in (other.get_absolute_url(), story.get_absolute_url()):
        assert client.get(url).status_code in (403, 404)
    # Nor does the guest hear about other meetings of the community.
    services.cancel_meeting(meeting=other, by=host)
    assert not Notification.objects.filter(recipient=guest.user, title__contains="Members only")


def test_guest_link_bound_to_address_and_expiring(talk, host):
    guest = guests.invite_guest(meeting=talk, by=host, email="ada@example.com")
    token = guest_url(guest).rstrip("/").rsplit("/", 1)[1]
    assert read_guest_token(token) == guest
    with pytest.raises(ValidationError, match="not valid"):
        read_guest_token(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])
    MeetingGuest.objects.filter(pk=guest.pk).update(email="eve@example.com")
    with pytest.raises(ValidationError, match="not valid"):
        read_guest_token(token)
    MeetingGuest.objects.filter(pk=guest.pk).update(email="ada@example.com")
    later = talk.ends_at + guests.GUEST_LINK_AFTER_MEETING + timedelta(hours=1)
    with time_machine.travel(later), pytest.raises(ValidationError, match="expired"):
        read_guest_token(token)


def test_withdrawn_guest_frees_the_place_and_loses_the_link(talk, host):
    a = make_member(talk.community)
    guest = guests.invite_guest(meeting=talk, by=host, email="ada@example.com")
    services.rsvp(meeting=talk, user=a, answer=RSVPAnswer.GOING)
    services.rsvp(meeting=talk, user=guest.user, answer=RSVPAnswer.GOING)
    b = make_member(talk.community)
    assert services.rsvp(meeting=talk, user=b, answer=RSVPAnswer.GOING).waitlisted
    guests.withdraw_guest(guest=guest, by=host)
    assert RSVP.objects.get(meeting=talk, user=b).is_going
    with pytest.raises(ValidationError, match="withdrawn"):
        read_guest_token(guest_url(guest).rstrip("/").rsplit("/", 1)[1])
    with pytest.raises(ValidationError, match="Only members"):
        services.rsvp(meeting=talk, user=guest.user, answer=RSVPAnswer.MAYBE)


def test_inviting_a_member_or_to_a_past_meeting_is_refused(talk, host):
    make_member(talk.community, email="mo@example.com")
    with pytest.raises(ValidationError, match="is a member"):
        guests.invite_guest(meeting=talk, by=host, email="MO@example.com")
    with pytest.raises(ValidationError, match="valid email"):
        guests.invite_guest(meeting=talk, by=host, email="not an address")
    with pytest.raises(ValidationError, match="at most"):
        guests.invite_guest(meeting=talk, by=host, email="a@example.com", bio="x" * 601)
    started = time_machine.travel(talk.starts_at + timedelta(minutes=1))
    with started, pytest.raises(ValidationError, match="still ahead"):
        guests.invite_guest(meeting=talk, by=host, email="b@example.com")


def test_existing_account_invited_as_guest_is_reused(talk, host):
    outsider = make_member(CommunityFactory(), email="ada@example.com")
    guest = guests.invite_guest(meeting=talk, by=host, email="ada@example.com")
    assert guest.user == outsider
    assert User.objects.filter(email__iexact="ada@example.com").count() == 1


def test_guest_reminder_and_cancellation_reach_them_with_the_calendar(talk, host):
    guest = guests.invite_guest(meeting=talk, by=host, email="ada@example.com")
    services.rsvp(meeting=talk, user=guest.user, answer=RSVPAnswer.GOING)
    assert services.send_reminder(meeting=talk, user=guest.user, kind="24h")
    reminder = Notification.objects.get(
        recipient=guest.user, kind=NotificationKind.MEETING_REMINDER
    )
    cal, _part = _calendar(_email_of(reminder))
    assert cal["method"] == "REQUEST"
    services.cancel_meeting(meeting=talk, by=host, reason="Speaker ill")
    changed = NotificationKind.MEETING_CHANGED
    cancelled = Notification.objects.get(recipient=guest.user, kind=changed)
    message = _email_of(cancelled)
    cal, part = _calendar(message)
    assert (cal["method"], part.get_param("method")) == ("CANCEL", "CANCEL")
    [event] = cal.walk("VEVENT")
    assert event["status"] == "CANCELLED"
    assert int(event["sequence"]) == 1
    assert "/meetings/answer/" not in message.body  # nothing to answer any more


def test_speaker_bio_shown_on_the_meeting_page(client, community, host):
    meeting = MeetingFactory(community=community, hosts=[host], title="Open talk")
    guest = guests.invite_guest(
        meeting=meeting,
        by=host,
        email="ada@example.com",
        name="Ada L.",
        is_speaker=True,
        bio="Runs <b>SRE</b> at a bank.",
    )
    member = make_member(community)
    client.force_login(member)
    response = client.get(meeting.get_absolute_url())
    assert "Ada L." in response.content.decode()
    assert "Runs &lt;b&gt;SRE&lt;/b&gt; at a bank." in response.content.decode()
    guests.update_guest(guest=guest, by=host, is_speaker=False)
    assert "Ada L." not in client.get(meeting.get_absolute_url()).content.decode()


def test_guest_joins_the_community_with_one_click(client, talk, host, private):
    guest = guests.invite_guest(meeting=talk, by=host, email="ada@example.com")
    response = client.post(_path(guest_url(guest)), {"join": "1"})
    assert response.status_code == 200
    membership = Membership.objects.get(user=guest.user, community=private)
    assert membership.status == MembershipStatus.PENDING  # an approval community
    assert b"Set a password" in response.content


def test_hosts_page_invites_and_lists_guests(client, talk, host, private):
    client.force_login(host)
    url = reverse("meetings:guests", kwargs={"slug": private.slug, "meeting_id": talk.pk})
    response = client.post(url, {"email": "ada@example.com", "name": "Ada", "bio": ""})
    assert response.status_code == 302
    assert MeetingGuest.objects.filter(meeting=talk, email="ada@example.com").exists()
    page = client.get(url).content.decode()
    assert "ada@example.com" in page and "No answer yet" in page
    response = client.post(url, {"email": "bad"})
    assert "valid email" in response.content.decode()
    member = make_member(private)
    client.force_login(member)
    assert client.get(url).status_code == 403


def test_hosts_page_queries_do_not_grow_with_guests(
    client, talk, host, private, django_assert_max_num_queries
):
    client.force_login(host)
    url = reverse("meetings:guests", kwargs={"slug": private.slug, "meeting_id": talk.pk})
    guests.invite_guest(meeting=talk, by=host, email="g0@example.com")
    with django_assert_max_num_queries(14) as one:
        client.get(url)
    for i in range(1, 8):
        guests.invite_guest(meeting=talk, by=host, email=f"g{i}@example.com")
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url)


def test_a_guest_who_joins_sets_a_password_and_signs_in(client, talk, host, private):
    """The guest's whole way in: join from the guest page, ask for the password link,
    set a password from the email, sign in, and find the community."""
    private.join_policy = JoinPolicy.OPEN
    private.save(update_fields=["join_policy"])
    guest = guests.invite_guest(meeting=talk, by=host, email="ada@example.com")
    response = client.post(_path(guest_url(guest)), {"join": "1"})
    assert b"Set a password" in response.content
    membership = Membership.objects.get(user=guest.user, community=private)
    assert membership.status == MembershipStatus.ACTIVE  # an open community: at once
    StoryFactory(community=private, title="What the guild keeps to itself")
    mail.outbox.clear()
    response = client.post(reverse("account_reset_password"), {"email": "ada@example.com"})
    assert response.status_code == 302
    [message] = mail.outbox
    link = re.search(r"https?://\S+/password/reset/key/\S+", message.body).group(0)
    response = client.get(_path(link), follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else _path(link)
    response = client.post(
        form_url, {"password1": "a long guest password", "password2": "a long guest password"}
    )
    assert response.status_code == 302
    client.logout()
    assert client.login(email="ada@example.com", password="a long guest password")
    stories = client.get(reverse("knowledge:story_list", kwargs={"slug": private.slug}))
    assert "What the guild keeps to itself" in stories.content.decode()
