"""Mentoring pages: content, permissions, visibility and query counts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cop.enums import Level, Visibility
from cop.extensions import COMMUNITY_TABS, DEMO_SEEDERS, HOME_SECTIONS
from cop.models import Membership
from mentoring import services
from mentoring.demo import seed_mentoring
from mentoring.models import CheckIn, MentorRequest, OnboardingProgress
from tests.factories import (
    CommunityFactory,
    TagFactory,
    UserFactory,
    make_member,
    make_mentor,
    make_mentorship,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    coordinator = UserFactory(display_name="Cora")
    community = CommunityFactory(coordinator=coordinator)
    tag = TagFactory(community=community, name="Incidents", slug="incidents")
    mentor = make_mentor(community, display_name="Mina", topics=[tag])
    newcomer = make_member(community, display_name="Newt")
    return {
        "community": community,
        "slug": community.slug,
        "coordinator": coordinator,
        "tag": tag,
        "mentor": mentor,
        "newcomer": newcomer,
    }


def _url(name, place, **kwargs):
    return reverse(name, kwargs={"slug": place["slug"], **kwargs})


def _ask(place, requester=None):
    return services.request_mentor(
        community=place["community"],
        requester=requester or place["newcomer"],
        goals="Learn **incident** reviews",
        topics=[place["tag"]],
        cadence="weekly",
        timezone_name="Europe/Berlin",
    )


def _more_mentors(place, n):
    for i in range(n):
        make_mentor(place["community"], display_name=f"Extra {i}", topics=[place["tag"]])


# --- the tab and finding a mentor -------------------------------------------------------


def test_tab_lists_mentors_to_visitors_of_a_public_community(client, place):
    response = client.get(_url("mentoring_home", place))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mina" in body and "Incidents" in body
    assert "Join the community to take part" in body


def test_private_community_mentoring_is_404_to_non_members(client, place):
    place["community"].visibility = Visibility.PRIVATE
    place["community"].save()
    client.force_login(UserFactory())
    for name in ("mentoring_home", "mentoring_find", "mentoring_overview", "mentoring_inbox"):
        assert client.get(_url(name, place)).status_code == 404


def test_find_shows_the_explained_ranking(client, place):
    client.force_login(place["newcomer"])
    response = client.get(
        _url("mentoring_find", place), {"topics": [place["tag"].pk], "timezone": "Europe/Berlin"}
    )
    body = response.content.decode()
    assert "1 topic in common: Incidents" in body
    assert "Same time of day as you (Europe/Berlin)" in body
    assert "2 of 2 places free" in body


def test_find_sends_the_request_to_the_best_match(client, place):
    client.force_login(place["newcomer"])
    response = client.post(
        _url("mentoring_find", place),
        {
            "goals": "Learn reviews",
            "topics": [place["tag"].pk],
            "cadence": "weekly",
            "timezone": "Europe/Berlin",
            "mentor": "",
            "send": "1",
        },
    )
    request = MentorRequest.objects.get(requester=place["newcomer"])
    assert response.status_code == 302
    assert response["Location"] == request.get_absolute_url()
    assert request.current_mentor == place["mentor"]


def test_find_shows_form_errors_and_refuses_non_members(client, place):
    client.force_login(place["newcomer"])
    response = client.post(_url("mentoring_find", place), {"goals": "", "send": "1"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    client.force_login(UserFactory())
    response = client.get(_url("mentoring_find", place))
    assert response.status_code == 403
    assert "Join the community first" in response.content.decode()


def test_find_query_count_is_the_same_for_one_and_many_mentors(
    client, place, django_assert_num_queries
):
    client.force_login(place["newcomer"])
    url = _url("mentoring_find", place)
    params = {"topics": [place["tag"].pk]}
    client.get(url, params)
    with django_assert_num_queries(9):
        client.get(url, params)
    _more_mentors(place, 6)
    with django_assert_num_queries(9):
        response = client.get(url, params)
    assert response.content.decode().count('class="reasons"') == 7


def test_tab_query_count_is_the_same_for_one_and_many_items(
    client, place, django_assert_num_queries
):
    client.force_login(place["mentor"])
    make_mentorship(place["community"], mentor=place["mentor"], mentee=place["newcomer"])
    url = _url("mentoring_home", place)
    # The first request of a session does one-off work (session, last seen).
    client.get(url)
    with django_assert_num_queries(12):
        client.get(url)
    _more_mentors(place, 5)
    for mentee in [make_member(place["community"]) for _ in range(3)]:
        make_mentorship(place["community"], mentor=place["mentor"], mentee=mentee)
    with django_assert_num_queries(12):
        response = client.get(url)
    assert response.content.decode().count("Extra ") == 5


# --- the mentor's side ------------------------------------------------------------------


def test_offer_form_saves_and_pauses(client, place):
    client.force_login(place["newcomer"])
    response = client.post(
        _url("mentoring_offer", place),
        {"topics": [place["tag"].pk], "capacity": 1, "timezone": "Europe/Paris", "languages": ""},
    )
    assert response.status_code == 302
    offer = place["newcomer"].mentor_offers.get()
    assert offer.capacity == 1 and offer.timezone == "Europe/Paris"
    client.post(_url("mentoring_offer", place), {"action": "pause"})
    offer.refresh_from_db()
    assert offer.paused
    response = client.post(_url("mentoring_offer", place), {"capacity": 0, "timezone": "UTC"})
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()


def test_inbox_query_count_is_the_same_for_one_and_many_requests(
    client, place, django_assert_num_queries
):
    place["mentor"].mentor_offers.update(capacity=20)
    _ask(place)
    client.force_login(place["mentor"])
    url = _url("mentoring_inbox", place)
    # The first request of a session does one-off work (session, last seen).
    client.get(url)
    with django_assert_num_queries(9):
        response = client.get(url)
    assert "Accept Newt" in response.content.decode()
    for _ in range(4):
        _ask(place, requester=make_member(place["community"]))
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.content.decode().count("Decline with a message") == 5


def test_mentor_accepts_from_the_request_page(client, place):
    request = _ask(place)
    client.force_login(place["mentor"])
    page = client.get(request.get_absolute_url()).content.decode()
    assert "Accept and become their mentor" in page
    assert "<strong>incident</strong>" in page
    response = client.post(_url("mentoring_accept", place, pk=request.pk))
    mentorship = request.mentorship if hasattr(request, "mentorship") else None
    request.refresh_from_db()
    mentorship = request.mentorship
    assert response["Location"] == mentorship.get_absolute_url()


def test_someone_else_cannot_answer_and_outsiders_cannot_see_a_request(client, place):
    request = _ask(place)
    other = make_member(place["community"])
    client.force_login(other)
    assert client.get(request.get_absolute_url()).status_code == 404
    assert client.post(_url("mentoring_accept", place, pk=request.pk)).status_code == 404
    client.force_login(place["newcomer"])
    response = client.post(_url("mentoring_accept", place, pk=request.pk))
    assert response.status_code == 403


def test_decline_with_message_and_withdraw(client, place):
    second = make_mentor(place["community"], display_name="Sol")
    request = _ask(place)
    client.force_login(place["mentor"])
    client.post(_url("mentoring_decline", place, pk=request.pk), {"message": "Busy this month"})
    request.refresh_from_db()
    assert request.current_mentor == second
    client.force_login(place["newcomer"])
    page = client.get(request.get_absolute_url()).content.decode()
    assert "Busy this month" in page
    client.post(_url("mentoring_withdraw", place, pk=request.pk))
    request.refresh_from_db()
    assert request.status == "withdrawn"


# --- the mentorship page ----------------------------------------------------------------


@pytest.fixture
def mentorship(place):
    return services.accept_request(request=_ask(place), mentor=place["mentor"])


def _log(mentorship, n):
    for i in range(n):
        CheckIn.objects.create(
            mentorship=mentorship,
            date=timezone.localdate() - timedelta(days=i),
            notes=f"Note {i}",
            author=mentorship.mentor,
        )


def test_pair_logs_a_checkin_and_sees_it(client, place, mentorship):
    client.force_login(place["newcomer"])
    url = _url("mentoring_mentorship_action", place, pk=mentorship.pk, action="checkin")
    client.post(
        url, {"date": timezone.localdate().isoformat(), "notes": "We met", "next_steps": ""}
    )
    page = client.get(mentorship.get_absolute_url()).content.decode()
    assert "We met" in page and "logged by Newt" in page


def test_bad_action_input_is_a_message_not_a_500(client, place, mentorship):
    client.force_login(place["newcomer"])
    url = _url("mentoring_mentorship_action", place, pk=mentorship.pk, action="extend")
    response = client.post(url, {"end_date": "not a date"}, follow=True)
    assert "Enter a valid date." in response.content.decode()
    response = client.post(url, {"end_date": mentorship.end_date.isoformat()}, follow=True)
    assert "Choose a date after the current end date" in response.content.decode()
    bogus = _url("mentoring_mentorship_action", place, pk=mentorship.pk, action="bogus")
    assert client.post(bogus).status_code == 404


def test_coordinator_sees_the_summary_and_only_shared_checkins(client, place, mentorship):
    _log(mentorship, 1)
    client.force_login(place["coordinator"])
    page = client.get(mentorship.get_absolute_url()).content.decode()
    assert "Mina mentors Newt" in page
    assert "Note 0" not in page and "keeps its check-in notes private" in page
    mentorship.share_checkins_with_coordinators = True
    mentorship.save()
    assert "Note 0" in client.get(mentorship.get_absolute_url()).content.decode()
    response = client.post(
        _url("mentoring_mentorship_action", place, pk=mentorship.pk, action="pause")
    )
    assert response.status_code == 403


def test_other_members_get_404_for_a_mentorship(client, place, mentorship):
    client.force_login(make_member(place["community"]))
    assert client.get(mentorship.get_absolute_url()).status_code == 404


def test_mentorship_query_count_is_the_same_for_one_and_many_checkins(
    client, place, mentorship, django_assert_num_queries
):
    _log(mentorship, 1)
    client.force_login(place["newcomer"])
    # The first request of a session does one-off work (session, last seen).
    client.get(mentorship.get_absolute_url())
    # 8: the seven of the page and the mentor's message on accepting.
    with django_assert_num_queries(7):
        client.get(mentorship.get_absolute_url())
    _log(mentorship, 6)
    with django_assert_num_queries(7):
        response = client.get(mentorship.get_absolute_url())
    assert response.content.decode().count("logged by Mina") == 7


# --- coordinators -----------------------------------------------------------------------


def test_overview_is_for_coordinators_and_assigns(client, place):
    community = place["community"]
    lonely = make_member(community, display_name="Lonely")
    place["mentor"].mentor_offers.update(paused=True)
    request = _ask(place, requester=lonely)
    assert request.status == "open"
    client.force_login(place["newcomer"])
    assert client.get(_url("mentoring_overview", place)).status_code == 403
    client.force_login(place["coordinator"])
    page = client.get(_url("mentoring_overview", place)).content.decode()
    assert "Lonely" in page and "Requests without a mentor" in page
    client.post(
        _url("mentoring_assign", place, pk=request.pk),
        {"mentor": place["mentor"].pk, "next": _url("mentoring_overview", place)},
    )
    request.refresh_from_db()
    assert request.current_mentor == place["mentor"]


def test_overview_query_count_is_the_same_for_one_and_many_requests(
    client, place, django_assert_num_queries
):
    place["mentor"].mentor_offers.update(paused=True)
    _ask(place)
    client.force_login(place["coordinator"])
    url = _url("mentoring_overview", place)
    # The first request of a session does one-off work (session, last seen).
    client.get(url)
    with django_assert_num_queries(9):
        client.get(url)
    for _ in range(4):
        _ask(place, requester=make_member(place["community"]))
    make_mentorship(place["community"], mentor=place["mentor"], mentee=UserFactory())
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.content.decode().count("asked ") == 5


# --- onboarding -------------------------------------------------------------------------


def test_newcomers_see_the_checklist_on_the_community_home_and_others_do_not(client, place):
    client.force_login(place["newcomer"])
    page = client.get(place["community"].get_absolute_url()).content.decode()
    assert "Your first steps here" in page and "Read the starter practices" in page
    Membership.objects.filter(user=place["newcomer"]).update(level=Level.ACTIVE)
    page = client.get(place["community"].get_absolute_url()).content.decode()
    assert "Your first steps here" not in page
    client.logout()
    assert (
        "Your first steps here"
        not in client.get(place["community"].get_absolute_url()).content.decode()
    )


def test_newcomer_ticks_a_manual_step_from_the_home(client, place):
    client.force_login(place["newcomer"])
    client.get(place["community"].get_absolute_url())
    step = place["community"].onboarding_steps.get(title="Read the starter practices")
    response = client.post(
        _url("mentoring_onboarding", place),
        {"step": step.pk, "done": "1", "next": place["community"].get_absolute_url()},
    )
    assert response["Location"] == place["community"].get_absolute_url()
    assert OnboardingProgress.objects.filter(step=step, how="manual").exists()


def test_home_section_query_count_is_the_same_for_one_and_many_steps(
    client, place, django_assert_num_queries
):
    community = place["community"]
    steps = services.ensure_onboarding_steps(community=community)
    for step in steps[1:]:
        services.remove_onboarding_step(step=step)
    client.force_login(place["newcomer"])
    url = community.get_absolute_url()
    client.get(url)
    # The home page with its pinned announcements, the spotlight and the related
    # communities; the same for one step as for seven.
    with django_assert_num_queries(16):
        client.get(url)
    for i in range(6):
        services.add_onboarding_step(community=community, title=f"Extra step {i}")
    with django_assert_num_queries(16):
        response = client.get(url)
    assert response.content.decode().count('name="step"') == 7


def test_coordinator_edits_the_checklist(client, place):
    client.force_login(place["coordinator"])
    url = _url("mentoring_onboarding_edit", place)
    client.post(url, {"action": "add", "title": "Meet your mentor", "auto_kind": "was_mentored"})
    step = place["community"].onboarding_steps.get(title="Meet your mentor")
    client.post(url, {"action": "up", "step": step.pk})
    client.post(
        url,
        {
            "action": "edit",
            "step": step.pk,
            f"s{step.pk}-title": "Meet a mentor",
            f"s{step.pk}-auto_kind": "",
        },
    )
    step.refresh_from_db()
    assert (step.title, step.auto_kind, step.position) == ("Meet a mentor", "", 5)
    client.post(url, {"action": "remove", "step": step.pk}, follow=True)
    page = client.get(_url("mentoring_onboarding", place)).content.decode()
    assert "Meet a mentor" not in page
    client.force_login(place["newcomer"])
    assert client.get(url).status_code == 403


def test_request_page_query_count_is_the_same_for_one_and_many_offers(
    client, place, django_assert_num_queries
):
    request = _ask(place)
    client.force_login(place["coordinator"])
    url = request.get_absolute_url()
    client.get(url)
    with django_assert_num_queries(9):
        client.get(url)
    for i in range(4):
        make_mentor(place["community"], display_name=f"Later {i}")
    for _ in range(4):
        request.refresh_from_db()
        services.decline_request(request=request, mentor=request.current_mentor)
    with django_assert_num_queries(9):
        response = client.get(url)
    assert response.content.decode().count("offered ") == 5


def test_onboarding_page_query_count_is_the_same_for_one_and_many_steps(
    client, place, django_assert_num_queries
):
    community = place["community"]
    for step in services.ensure_onboarding_steps(community=community)[1:]:
        services.remove_onboarding_step(step=step)
    client.force_login(place["newcomer"])
    url = _url("mentoring_onboarding", place)
    client.get(url)
    with django_assert_num_queries(6):
        client.get(url)
    for i in range(6):
        services.add_onboarding_step(community=community, title=f"Extra step {i}")
    with django_assert_num_queries(6):
        response = client.get(url)
    assert response.content.decode().count('name="step"') == 7


def test_tab_home_section_and_seeder_are_registered_at_their_places():
    assert any(t.url_name == "mentoring_home" and t.order == 30 for t in COMMUNITY_TABS)
    assert any(s.template == "mentoring/home_section.html" and s.order == 5 for s in HOME_SECTIONS)
    assert any(d.seed is seed_mentoring and d.order == 30 for d in DEMO_SEEDERS)
