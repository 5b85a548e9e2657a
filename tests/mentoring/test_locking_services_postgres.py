"""The mentoring services that lock rows, called as a view or task calls them: in
autocommit on PostgreSQL, where `select_for_update` outside `transaction.atomic` raises.
Concurrent accepts at capacity are in test_concurrency.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cop.enums import Role
from cop.models import Membership
from mentoring import services
from mentoring.enums import MentorshipStatus, RequestStatus
from mentoring.models import CheckIn, MentorRequest, Mentorship, OnboardingProgress, OnboardingStep
from tests.factories import CommunityFactory, UserFactory, make_member, make_mentor, make_mentorship

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def coordinator():
    return UserFactory()


@pytest.fixture
def community(coordinator):
    return CommunityFactory(coordinator=coordinator)


@pytest.fixture
def mentor(community):
    return make_mentor(community)


@pytest.fixture
def mentee(community):
    return make_member(community)


@pytest.fixture
def request_(community, mentor, mentee):
    """A request offered to `mentor`, the only mentor of the community."""
    return services.request_mentor(
        community=community,
        requester=mentee,
        goals="Learn on-call",
        topics=[],
        cadence="weekly",
        timezone_name="UTC",
        mentor=mentor,
    )


def _request(request):
    return MentorRequest.objects.get(pk=request.pk)


def test_accept_request_starts_a_mentorship(request_, mentor):
    services.accept_request(request=request_, mentor=mentor)
    assert _request(request_).status == RequestStatus.ACCEPTED
    assert Mentorship.objects.filter(request=request_, mentor=mentor).exists()


@pytest.mark.parametrize(
    "close",
    [
        lambda r, mentor: services.decline_request(request=r, mentor=mentor, message="Busy"),
        lambda r, mentor: services.hand_off_request(request=r, now=r.deadline + timedelta(1)),
        lambda r, mentor: services.hand_off_stale_requests(now=r.deadline + timedelta(1)),
    ],
    ids=["decline_request", "hand_off_request", "hand_off_stale_requests"],
)
def test_a_request_the_only_mentor_lets_go_is_unmatched(request_, mentor, close):
    close(request_, mentor)
    request = _request(request_)
    assert (request.status, request.current_mentor_id) == (RequestStatus.UNMATCHED, None)


def test_withdraw_request_closes_it(request_, mentee):
    services.withdraw_request(request=request_, by=mentee)
    assert _request(request_).status == RequestStatus.WITHDRAWN


def test_assign_mentor_offers_the_request_to_another_mentor(request_, community, coordinator):
    other = make_mentor(community)
    services.assign_mentor(request=request_, mentor=other, by=coordinator)
    assert _request(request_).current_mentor_id == other.pk


@pytest.fixture
def mentorship(community, mentor, mentee):
    return make_mentorship(community, mentor=mentor, mentee=mentee)


def _later(mentorship):
    return mentorship.end_date + timedelta(days=30)


@pytest.mark.parametrize(
    ("act", "field", "expected"),
    [
        (
            lambda m, by: services.pause_mentorship(mentorship=m, by=by),
            "status",
            lambda m: MentorshipStatus.PAUSED,
        ),
        (
            lambda m, by: services.extend_mentorship(mentorship=m, by=by, end_date=_later(m)),
            "end_date",
            _later,
        ),
        (
            lambda m, by: services.update_agreement(
                mentorship=m, by=by, goals="Run an incident", cadence="monthly", share_checkins=True
            ),
            "goals",
            lambda m: "Run an incident",
        ),
        (
            lambda m, by: services.complete_mentorship(mentorship=m, by=by, reflection="Grew"),
            "status",
            lambda m: MentorshipStatus.COMPLETED,
        ),
    ],
    ids=["pause_mentorship", "extend_mentorship", "update_agreement", "complete_mentorship"],
)
def test_changing_a_mentorship_locks_it(mentorship, mentor, act, field, expected):
    act(mentorship, mentor)
    assert getattr(Mentorship.objects.get(pk=mentorship.pk), field) == expected(mentorship)


def test_resume_mentorship_after_a_pause(mentorship, mentee):
    services.pause_mentorship(mentorship=mentorship, by=mentee)
    services.resume_mentorship(mentorship=mentorship, by=mentee)
    assert Mentorship.objects.get(pk=mentorship.pk).status == MentorshipStatus.ACTIVE


def test_leave_feedback_on_a_completed_mentorship(community, mentor, mentee):
    done = make_mentorship(community, mentor=mentor, mentee=mentee, status="completed")
    services.leave_feedback(mentorship=done, by=mentee, feedback="Thank you")
    assert Mentorship.objects.get(pk=done.pk).mentee_feedback == "Thank you"


def test_log_checkin_records_it(mentorship, mentee):
    today = timezone.localdate()
    services.log_checkin(mentorship=mentorship, author=mentee, on=today, notes="Paired on a fix")
    assert CheckIn.objects.filter(mentorship=mentorship, notes="Paired on a fix").exists()


def _titles(community):
    steps = OnboardingStep.objects.filter(community=community, archived=False)
    return list(steps.order_by("position").values_list("title", flat=True))


def test_onboarding_steps_are_made_added_and_moved(community):
    """A fresh community: the first use seeds the checklist under the community's lock."""
    seeded = services.ensure_onboarding_steps(community=community)
    assert _titles(community) == [step.title for step in seeded] and len(seeded) > 1
    added = services.add_onboarding_step(community=community, title="Meet your buddy")
    assert _titles(community)[-1] == "Meet your buddy"
    services.move_onboarding_step(step=added, up=True)
    assert _titles(community)[-2] == "Meet your buddy"


def test_sync_onboarding_seeds_the_checklist_and_ticks_a_completed_profile(community):
    member = make_member(community, bio="On call since 2019.")
    membership = Membership.objects.get(community=community, user=member, role=Role.MEMBER)
    services.sync_onboarding(membership=membership)
    assert OnboardingProgress.objects.filter(membership=membership).exists()
