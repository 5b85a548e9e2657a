"""The mentoring services: offers, the request flow, hand-off, mentorships, onboarding."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cop.enums import NotificationKind, ParticipationKind
from cop.models import Membership, Notification, ParticipationEvent
from cop.services.participation import record_participation
from mentoring import services
from mentoring.enums import MentorshipStatus, OfferOutcome, ProgressHow, RequestStatus
from mentoring.models import Mentorship, OnboardingProgress, OnboardingStep
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
def setup():
    coordinator = UserFactory(display_name="Cora")
    community = CommunityFactory(coordinator=coordinator)
    tag = TagFactory(community=community, name="Incidents", slug="incidents")
    first = make_mentor(community, display_name="First", topics=[tag], timezone="Europe/Berlin")
    second = make_mentor(community, display_name="Second", timezone="Europe/Berlin")
    newcomer = make_member(community, display_name="Newt", timezone="Europe/Paris")
    return {
        "community": community,
        "coordinator": coordinator,
        "tag": tag,
        "first": first,
        "second": second,
        "newcomer": newcomer,
    }


def _ask(setup, **kwargs):
    return services.request_mentor(
        community=setup["community"],
        requester=setup["newcomer"],
        goals="Run my first incident review",
        topics=[setup["tag"]],
        cadence="weekly",
        timezone_name="Europe/Paris",
        **kwargs,
    )


def _notes(user, kind):
    return list(Notification.objects.filter(recipient=user, kind=kind).order_by("pk"))


# --- offers -----------------------------------------------------------------------------


def test_save_offer_creates_then_updates_the_one_offer(setup):
    community, newcomer = setup["community"], setup["newcomer"]
    offer = services.save_offer(
        community=community, mentor=newcomer, topics=[setup["tag"]], capacity=1
    )
    again = services.save_offer(
        community=community, mentor=newcomer, topics=[], capacity=3, languages="English, Arabic"
    )
    assert again.pk == offer.pk
    assert again.capacity == 3 and list(again.topics.all()) == []
    assert again.timezone == "Europe/Paris"
    assert again.language_list == ["English", "Arabic"]


def test_save_offer_refuses_topics_of_another_community_and_non_members(setup):
    foreign = TagFactory()
    with pytest.raises(ValidationError, match="vocabulary"):
        services.save_offer(
            community=setup["community"], mentor=setup["newcomer"], topics=[foreign], capacity=1
        )
    with pytest.raises(ValidationError, match="Only active members"):
        services.save_offer(
            community=setup["community"], mentor=UserFactory(), topics=[], capacity=1
        )


def test_a_paused_offer_gets_no_requests_until_resumed(setup):
    offer = setup["first"].mentor_offers.get()
    services.pause_offer(offer=offer)
    assert _ask(setup).current_mentor == setup["second"]
    services.resume_offer(offer=offer)
    offer.refresh_from_db()
    assert offer.paused is False


# --- requests ----------------------------------------------------------------------------


def test_request_goes_to_the_top_ranked_mentor_who_is_told_with_a_link(setup):
    request = _ask(setup)

    assert request.status == RequestStatus.OFFERED
    assert request.current_mentor == setup["first"]
    assert request.deadline == request.offered_at + timedelta(days=3)
    [offer] = request.offers.all()
    assert (offer.mentor, offer.outcome) == (setup["first"], OfferOutcome.PENDING)
    [note] = _notes(setup["first"], NotificationKind.MENTOR_REQUEST)
    assert note.title == f"Newt asks you to be their mentor in {setup['community'].name}"
    assert note.url == f"/c/{setup['community'].slug}/mentoring/requests/{request.pk}/"


def test_request_goes_to_the_chosen_mentor_if_free(setup):
    assert _ask(setup, mentor=setup["second"]).current_mentor == setup["second"]


def test_request_to_a_full_mentor_is_refused(setup):
    make_mentorship(
        setup["community"], mentor=setup["second"], mentee=make_member(setup["community"])
    )
    make_mentorship(
        setup["community"], mentor=setup["second"], mentee=make_member(setup["community"])
    )
    with pytest.raises(ValidationError, match="cannot take a new mentee"):
        _ask(setup, mentor=setup["second"])


def test_one_live_request_at_a_time(setup):
    _ask(setup)
    with pytest.raises(ValidationError, match="already have a mentor request"):
        _ask(setup)


def test_request_with_nobody_free_stays_open_and_tells_the_coordinators(setup):
    community = CommunityFactory(coordinator=setup["coordinator"])
    asker = make_member(community)
    request = services.request_mentor(
        community=community,
        requester=asker,
        goals="Anything",
        topics=[],
        cadence="monthly",
        timezone_name="",
    )
    assert request.status == RequestStatus.OPEN
    assert request.timezone == asker.timezone
    assert len(_notes(setup["coordinator"], NotificationKind.MENTOR_REQUEST)) == 1


def test_accept_starts_a_mentorship_and_records_participation_for_both(setup):
    request = _ask(setup)
    mentorship = services.accept_request(request=request, mentor=setup["first"])

    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED
    assert request.offers.get().outcome == OfferOutcome.ACCEPTED
    assert (mentorship.mentor, mentorship.mentee) == (setup["first"], setup["newcomer"])
    assert mentorship.goals == "Run my first incident review"
    assert mentorship.cadence == "weekly"
    assert mentorship.next_checkin_on == timezone.localdate() + timedelta(days=7)
    kinds = set(
        ParticipationEvent.objects.filter(membership__community=setup["community"]).values_list(
            "membership__user", "kind"
        )
    )
    assert (setup["first"].pk, ParticipationKind.MENTORED) in kinds
    assert (setup["newcomer"].pk, ParticipationKind.WAS_MENTORED) in kinds
    [note] = _notes(setup["newcomer"], NotificationKind.MENTOR_ANSWER)
    assert note.url == mentorship.get_absolute_url()


def test_only_the_offered_mentor_can_accept_and_only_once(setup):
    request = _ask(setup)
    with pytest.raises(ValidationError, match="no longer waiting"):
        services.accept_request(request=request, mentor=setup["second"])
    services.accept_request(request=request, mentor=setup["first"])
    with pytest.raises(ValidationError, match="no longer waiting"):
        services.accept_request(request=request, mentor=setup["first"])


def test_accept_refuses_beyond_capacity(setup):
    request = _ask(setup)
    for _ in range(2):
        make_mentorship(
            setup["community"], mentor=setup["first"], mentee=make_member(setup["community"])
        )
    with pytest.raises(ValidationError, match="your capacity"):
        services.accept_request(request=request, mentor=setup["first"])
    assert not Mentorship.objects.filter(request=request).exists()


def test_decline_passes_to_the_next_mentor_and_tells_the_requester(setup):
    request = _ask(setup)
    services.decline_request(request=request, mentor=setup["first"], message="Away in May")

    request.refresh_from_db()
    assert request.current_mentor == setup["second"]
    assert [(o.mentor, o.outcome, o.message) for o in request.offers.all()] == [
        (setup["first"], OfferOutcome.DECLINED, "Away in May"),
        (setup["second"], OfferOutcome.PENDING, ""),
    ]
    [note] = _notes(setup["newcomer"], NotificationKind.MENTOR_ANSWER)
    assert note.title == "First can't mentor you right now; your request went to Second"
    assert note.body == "Away in May"
    assert len(_notes(setup["second"], NotificationKind.MENTOR_REQUEST)) == 1


def test_declined_by_everyone_the_request_is_unmatched_for_the_coordinators(setup):
    request = _ask(setup)
    services.decline_request(request=request, mentor=setup["first"])
    services.decline_request(request=request, mentor=setup["second"])

    request.refresh_from_db()
    assert request.status == RequestStatus.UNMATCHED
    assert request.current_mentor is None
    assert len(_notes(setup["coordinator"], NotificationKind.MENTOR_REQUEST)) == 1


def test_withdraw_closes_the_request_and_tells_the_mentor(setup):
    request = _ask(setup)
    with pytest.raises(ValidationError, match="Only the person who asked"):
        services.withdraw_request(request=request, by=setup["first"])
    services.withdraw_request(request=request, by=setup["newcomer"])

    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert request.offers.get().outcome == OfferOutcome.WITHDRAWN
    assert _notes(setup["first"], NotificationKind.MENTOR_REQUEST)[-1].title == (
        "Newt withdrew their mentor request"
    )
    with pytest.raises(ValidationError, match="already closed"):
        services.withdraw_request(request=request, by=setup["newcomer"])


def test_unanswered_request_passes_on_after_the_community_timeout(setup):
    setup["community"].mentor_request_timeout_days = 2
    setup["community"].save()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        request = _ask(setup)
    with time_machine.travel(start + timedelta(days=1, hours=23), tick=False):
        assert services.hand_off_stale_requests() == 0
    with time_machine.travel(start + timedelta(days=2, minutes=1), tick=False):
        assert services.hand_off_stale_requests() == 1
        assert services.hand_off_stale_requests() == 0  # safe to run twice

    request.refresh_from_db()
    assert request.current_mentor == setup["second"]
    assert [o.outcome for o in request.offers.all()] == [OfferOutcome.EXPIRED, "pending"]
    assert _notes(setup["first"], NotificationKind.MENTOR_REQUEST)[-1].title == (
        "Newt's mentor request passed on after 2 days without an answer"
    )
    assert _notes(setup["newcomer"], NotificationKind.MENTOR_ANSWER)[-1].title == (
        "First didn't answer in time, so your mentor request went to Second"
    )


def test_coordinator_assigns_a_mentor_to_an_unmatched_request(setup):
    request = _ask(setup)
    services.decline_request(request=request, mentor=setup["first"])
    services.decline_request(request=request, mentor=setup["second"])

    services.assign_mentor(request=request, mentor=setup["first"], by=setup["coordinator"])

    request.refresh_from_db()
    assert (request.status, request.current_mentor) == (RequestStatus.OFFERED, setup["first"])
    assert request.offers.last().assigned_by == setup["coordinator"]
    assert _notes(setup["newcomer"], NotificationKind.MENTOR_ANSWER)[-1].title == (
        "A coordinator asked First to be your mentor"
    )
    with pytest.raises(ValidationError, match="already waiting"):
        services.assign_mentor(request=request, mentor=setup["first"], by=setup["coordinator"])
    with pytest.raises(ValidationError, match="not offered to mentor"):
        services.assign_mentor(
            request=request, mentor=setup["coordinator"], by=setup["coordinator"]
        )
    services.assign_mentor(request=request, mentor=setup["second"], by=setup["coordinator"])
    assert request.offers.filter(outcome=OfferOutcome.REASSIGNED).count() == 1


# --- mentorships -------------------------------------------------------------------------


@pytest.fixture
def mentorship(setup):
    return services.accept_request(request=_ask(setup), mentor=setup["first"])


def test_only_the_pair_change_a_mentorship(setup, mentorship, client):
    """Who may change it is the page's check: the coordinator sees it and is refused."""
    client.force_login(setup["coordinator"])
    url = reverse(
        "mentoring_mentorship_action",
        kwargs={"slug": setup["community"].slug, "pk": mentorship.pk, "action": "pause"},
    )
    response = client.post(url)
    assert response.status_code == 403
    assert "Only the mentor and the mentee" in response.content.decode()
    mentorship.refresh_from_db()
    assert mentorship.status == MentorshipStatus.ACTIVE


def test_pause_resume_extend_and_complete_with_feedback(setup, mentorship):
    mentor, mentee = setup["first"], setup["newcomer"]
    assert services.pause_mentorship(mentorship=mentorship, by=mentee).status == "paused"
    with pytest.raises(ValidationError):
        services.pause_mentorship(mentorship=mentorship, by=mentee)
    assert services.resume_mentorship(mentorship=mentorship, by=mentor).status == "active"

    later = mentorship.end_date + timedelta(days=30)
    with pytest.raises(ValidationError, match="after the current end date"):
        services.extend_mentorship(mentorship=mentorship, by=mentor, end_date=mentorship.end_date)
    assert (
        services.extend_mentorship(mentorship=mentorship, by=mentor, end_date=later).end_date
        == later
    )

    done = services.complete_mentorship(
        mentorship=mentorship, by=mentee, reflection="I can run reviews now", feedback="Patient"
    )
    assert done.status == MentorshipStatus.COMPLETED
    assert (done.mentee_feedback, done.mentor_feedback) == ("Patient", "")
    assert _notes(mentor, NotificationKind.MENTOR_REQUEST)[-1].url == done.get_absolute_url()
    services.leave_feedback(mentorship=done, by=mentor, feedback="Asked great questions")
    done.refresh_from_db()
    assert done.mentor_feedback == "Asked great questions"
    with pytest.raises(ValidationError, match="already completed"):
        services.complete_mentorship(mentorship=done, by=mentor)
    # The place is free again.
    assert services.open_mentorship_count(community=setup["community"], mentor=mentor) == 0


def test_log_checkin_moves_the_next_due_date(setup, mentorship):
    today = timezone.localdate()
    checkin = services.log_checkin(
        mentorship=mentorship, author=setup["newcomer"], on=today, notes="Talked", next_steps="Read"
    )
    mentorship.refresh_from_db()
    assert checkin.author == setup["newcomer"]
    assert mentorship.next_checkin_on == today + timedelta(days=7)
    with pytest.raises(ValidationError):
        services.log_checkin(
            mentorship=mentorship, author=setup["first"], on=today + timedelta(days=5), notes="x"
        )
    with pytest.raises(ValidationError):
        services.log_checkin(mentorship=mentorship, author=setup["first"], on=today, notes=" ")


def test_checkin_reminder_goes_once_per_due_date(setup, mentorship):
    due = mentorship.next_checkin_on
    assert services.due_checkin_ids(today=due - timedelta(days=1)) == []
    assert services.due_checkin_ids(today=due) == [mentorship.pk]
    assert services.remind_checkin(mentorship_id=mentorship.pk, today=due) is True
    assert services.remind_checkin(mentorship_id=mentorship.pk, today=due) is False
    assert services.due_checkin_ids(today=due) == []
    for person in (setup["first"], setup["newcomer"]):
        assert len(_notes(person, NotificationKind.CHECKIN_DUE)) == 1
    # A new check-in sets a new due date, which gets its own reminder.
    with time_machine.travel(timezone.now() + timedelta(days=7)):
        services.log_checkin(mentorship=mentorship, author=setup["first"], on=due, notes="Met")
    mentorship.refresh_from_db()
    assert services.remind_checkin(mentorship_id=mentorship.pk, today=mentorship.next_checkin_on)


def test_paused_mentorship_gets_no_checkin_reminder(setup, mentorship):
    services.pause_mentorship(mentorship=mentorship, by=setup["first"])
    assert services.due_checkin_ids(today=mentorship.next_checkin_on) == []
    assert (
        services.remind_checkin(mentorship_id=mentorship.pk, today=mentorship.next_checkin_on)
        is False
    )


# --- onboarding --------------------------------------------------------------------------


def test_default_onboarding_steps_are_created_once_on_first_use():
    community = CommunityFactory()
    steps = services.ensure_onboarding_steps(community=community)
    assert [s.title for s in steps] == [
        "Complete your profile",
        "Introduce yourself",
        "RSVP to a meeting",
        "Read the starter practices",
        "Ask or answer a problem",
    ]
    assert services.ensure_onboarding_steps(community=community) == steps
    for step in steps:
        services.remove_onboarding_step(step=step)
    assert services.ensure_onboarding_steps(community=community) == []
    assert OnboardingStep.objects.filter(community=community).count() == 5


def test_coordinators_add_edit_and_reorder_steps():
    community = CommunityFactory()
    step = services.add_onboarding_step(community=community, title="Say hi in chat")
    assert step.position == 6
    services.update_onboarding_step(
        step=step, title="Say hi", description="", auto_kind="introduced_self"
    )
    services.move_onboarding_step(step=step, up=True)
    titles = [s.title for s in services.ensure_onboarding_steps(community=community)]
    assert titles[-2:] == ["Say hi", "Ask or answer a problem"]
    with pytest.raises(ValidationError):
        services.update_onboarding_step(step=step, title="x", description="", auto_kind="bogus")


def test_sync_ticks_steps_from_participation_and_profile():
    community = CommunityFactory()
    user = make_member(community, display_name="Newt")
    membership = Membership.objects.get(user=user)
    steps = {s.title: s for s in services.ensure_onboarding_steps(community=community)}
    assert services.sync_onboarding(membership=membership) == {}

    record_participation(kind=ParticipationKind.ASKED_PROBLEM, member=membership)
    record_participation(kind=ParticipationKind.INTRODUCED_SELF, member=membership)
    user.bio = "I fix pagers."
    user.save()
    membership.refresh_from_db()
    done = services.sync_onboarding(membership=membership)

    assert set(done) == {
        steps["Complete your profile"].pk,
        steps["Introduce yourself"].pk,
        steps["Ask or answer a problem"].pk,
    }
    assert {p.how for p in done.values()} == {ProgressHow.AUTO}


def test_manual_tick_and_untick_but_automatic_ticks_stay():
    community = CommunityFactory()
    membership = Membership.objects.get(user=make_member(community))
    steps = {s.title: s for s in services.ensure_onboarding_steps(community=community)}
    read = steps["Read the starter practices"]
    services.tick_onboarding_step(membership=membership, step=read)
    assert OnboardingProgress.objects.get(step=read).how == ProgressHow.MANUAL
    services.tick_onboarding_step(membership=membership, step=read, done=False)
    assert not OnboardingProgress.objects.filter(step=read).exists()

    intro = steps["Introduce yourself"]
    OnboardingProgress.objects.create(membership=membership, step=intro, how=ProgressHow.AUTO)
    services.tick_onboarding_step(membership=membership, step=intro, done=False)
    assert OnboardingProgress.objects.filter(step=intro).exists()
    with pytest.raises(ValidationError):
        services.tick_onboarding_step(
            membership=membership,
            step=services.ensure_onboarding_steps(community=CommunityFactory())[0],
        )
