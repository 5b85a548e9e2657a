from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from cop.enums import Level, ParticipationKind
from cop.models import LevelChange, ParticipationEvent
from cop.services.participation import (
    compute_score,
    level_for,
    next_step,
    recompute_community_levels,
    recompute_level,
    record_participation,
    withdraw_participation,
)
from cop.tasks import recompute_levels
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def membership():
    community = CommunityFactory()
    return MembershipFactory(community=community, joined_at=timezone.now() - timedelta(days=100))


def test_level_for_thresholds(membership):
    now = timezone.now()
    assert level_for(score=25, membership=membership, now=now) == Level.CORE
    assert level_for(score=24, membership=membership, now=now) == Level.ACTIVE
    assert level_for(score=8, membership=membership, now=now) == Level.ACTIVE
    assert level_for(score=7, membership=membership, now=now) == Level.PERIPHERAL
    assert level_for(score=0, membership=membership, now=now) == Level.PERIPHERAL


def test_level_for_newcomer_during_first_days():
    member = MembershipFactory(joined_at=timezone.now() - timedelta(days=10))
    assert level_for(score=3, membership=member, now=timezone.now()) == Level.NEWCOMER
    assert level_for(score=9, membership=member, now=timezone.now()) == Level.ACTIVE


def test_level_for_uses_community_thresholds():
    community = CommunityFactory(active_threshold=3, core_threshold=5)
    member = MembershipFactory(community=community, joined_at=timezone.now() - timedelta(days=60))
    assert level_for(score=5, membership=member, now=timezone.now()) == Level.CORE
    assert level_for(score=3, membership=member, now=timezone.now()) == Level.ACTIVE


def test_record_participation_weights_and_level(membership):
    record_participation(member=membership, kind=ParticipationKind.ANSWERED_PROBLEM)
    record_participation(member=membership, kind=ParticipationKind.SOLUTION_ACCEPTED)
    membership.refresh_from_db()
    assert membership.score == 3 + 5
    assert membership.level == Level.ACTIVE
    changes = LevelChange.objects.filter(membership=membership).order_by("changed_at", "pk")
    assert [(c.from_level, c.to_level, c.score) for c in changes] == [
        ("newcomer", "peripheral", 3),
        ("peripheral", "active", 8),
    ]


def test_record_participation_once_per_subject(membership):
    subject = UserFactory()  # any model instance can be the subject
    first = record_participation(
        member=membership, kind=ParticipationKind.ATTENDED_MEETING, subject=subject
    )
    again = record_participation(
        member=membership, kind=ParticipationKind.ATTENDED_MEETING, subject=subject
    )
    assert first.pk == again.pk
    assert ParticipationEvent.objects.filter(membership=membership).count() == 1


def test_record_participation_by_user_and_community(membership):
    event = record_participation(
        user=membership.user, community=membership.community, kind=ParticipationKind.TOLD_STORY
    )
    assert event.membership == membership
    assert event.weight == 3


def test_record_participation_ignores_non_members():
    community = CommunityFactory()
    assert (
        record_participation(
            user=UserFactory(), community=community, kind=ParticipationKind.TOLD_STORY
        )
        is None
    )
    assert not ParticipationEvent.objects.exists()


def test_record_participation_rejects_unknown_kind(membership):
    with pytest.raises(ValueError, match="Unknown participation kind"):
        record_participation(member=membership, kind="sang_a_song")


def test_events_age_out_of_window(membership):
    now = timezone.now()
    record_participation(
        member=membership,
        kind=ParticipationKind.HOSTED_MEETING,
        occurred_at=now - timedelta(days=91),
    )
    record_participation(
        member=membership,
        kind=ParticipationKind.ASKED_PROBLEM,
        occurred_at=now - timedelta(days=89),
    )
    assert compute_score(membership=membership, now=now) == 2


def test_periodic_recompute_demotes_when_events_age_out(membership):
    for _ in range(3):
        record_participation(member=membership, kind=ParticipationKind.HOSTED_MEETING)
    membership.refresh_from_db()
    assert membership.level == Level.ACTIVE
    with time_machine.travel(timezone.now() + timedelta(days=95)):
        assert recompute_levels() == 1
    membership.refresh_from_db()
    assert membership.level == Level.PERIPHERAL
    assert membership.level_changes.first().to_level == Level.PERIPHERAL


def test_newcomer_becomes_peripheral_after_newcomer_period():
    member = MembershipFactory(joined_at=timezone.now())
    recompute_level(membership=member)
    assert member.level == Level.NEWCOMER
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        recompute_community_levels(community=member.community)
    member.refresh_from_db()
    assert member.level == Level.PERIPHERAL


def test_recompute_community_levels_queries_are_bounded(django_assert_max_num_queries):
    community = CommunityFactory()
    for _ in range(20):
        MembershipFactory(community=community, joined_at=timezone.now() - timedelta(days=40))
    # Nothing changes: one aggregate query and a transaction, whatever the member count.
    recompute_community_levels(community=community)
    with django_assert_max_num_queries(3):
        assert recompute_community_levels(community=community) == 0


def test_next_step_is_kind_to_readers(membership):
    recompute_level(membership=membership)
    step = next_step(membership)
    assert step.next_level == Level.ACTIVE
    assert step.points_needed == 8
    assert "Whenever you like" in step.suggestion


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_scripted_events_give_documented_levels_on_postgres():
    """The thresholds in cop/services/participation.py, walked through event by event."""
    community = CommunityFactory()
    now = timezone.now()
    newcomer = MembershipFactory(community=community, joined_at=now - timedelta(days=5))
    veteran = MembershipFactory(community=community, joined_at=now - timedelta(days=200))

    record_participation(member=newcomer, kind=ParticipationKind.INTRODUCED_SELF)
    newcomer.refresh_from_db()
    assert (newcomer.score, newcomer.level) == (1, Level.NEWCOMER)

    recompute_level(membership=veteran)
    assert veteran.level == Level.PERIPHERAL  # a reader who joined long ago

    script = [
        (ParticipationKind.ATTENDED_MEETING, 2, Level.PERIPHERAL),
        (ParticipationKind.ANSWERED_PROBLEM, 5, Level.PERIPHERAL),
        (ParticipationKind.TOLD_STORY, 8, Level.ACTIVE),
        (ParticipationKind.HOSTED_MEETING, 12, Level.ACTIVE),
        (ParticipationKind.SOLUTION_ACCEPTED, 17, Level.ACTIVE),
        (ParticipationKind.WROTE_ENTRY, 21, Level.ACTIVE),
        (ParticipationKind.MENTORED, 25, Level.CORE),
    ]
    for kind, score, level in script:
        record_participation(member=veteran, kind=kind)
        veteran.refresh_from_db()
        assert (veteran.score, veteran.level) == (score, level), kind
    assert [c.to_level for c in veteran.level_changes.order_by("changed_at", "pk")] == [
        Level.PERIPHERAL,
        Level.ACTIVE,
        Level.CORE,
    ]


def test_withdraw_participation_removes_event_and_recomputes(membership):

    subject = UserFactory()
    record_participation(member=membership, kind=ParticipationKind.HOSTED_MEETING, subject=subject)
    membership.refresh_from_db()
    assert membership.score == 4
    assert withdraw_participation(
        member=membership, kind=ParticipationKind.HOSTED_MEETING, subject=subject
    )
    membership.refresh_from_db()
    assert membership.score == 0
    assert not withdraw_participation(
        member=membership, kind=ParticipationKind.HOSTED_MEETING, subject=subject
    )
