"""The participation path: events other apps record, and the level they add up to.

A member's score is the sum of the weights of their events within the community's
window (90 days by default). The level follows from the score and from how long
they have been a member:

- core: score >= community.core_threshold (default 25)
- active: score >= community.active_threshold (default 8)
- newcomer: below active and a member for less than community.newcomer_days (30)
- peripheral: everyone else. Reading without posting is a legitimate way to belong.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.enums import PARTICIPATION_WEIGHTS, Level, MembershipStatus, ParticipationKind
from cop.models import Community, LevelChange, Membership, ParticipationEvent, User

LEVEL_ORDER = [Level.NEWCOMER, Level.PERIPHERAL, Level.ACTIVE, Level.CORE]


def level_for(*, score: int, membership: Membership, now: datetime) -> str:
    """The level a score gives this member at `now`, by the community's thresholds."""
    community = membership.community
    if score >= community.core_threshold:
        return Level.CORE
    if score >= community.active_threshold:
        return Level.ACTIVE
    since = membership.joined_at or membership.created_at
    if now - since < timedelta(days=community.newcomer_days):
        return Level.NEWCOMER
    return Level.PERIPHERAL


def window_start(community: Community, now: datetime) -> datetime:
    return now - timedelta(days=community.level_window_days)


def compute_score(*, membership: Membership, now: datetime | None = None) -> int:
    now = now or timezone.now()
    total = membership.participation_events.filter(
        occurred_at__gte=window_start(membership.community, now), occurred_at__lte=now
    ).aggregate(total=Sum("weight"))["total"]
    return total or 0


def _apply_level(membership: Membership, *, score: int, now: datetime) -> bool:
    """Store score and level; keep a history row when the level changes."""
    new_level = level_for(score=score, membership=membership, now=now)
    changed = new_level != membership.level
    if changed:
        LevelChange.objects.create(
            membership=membership,
            from_level=membership.level,
            to_level=new_level,
            score=score,
            changed_at=now,
        )
    membership.level = new_level
    membership.score = score
    membership.level_computed_at = now
    # The level is written only when it changes: the directory's kept rows follow it
    # (`cop.cache.membership_changed`), not every act that keeps it.
    fields = ["score", "level_computed_at", "updated_at"]
    membership.save(update_fields=[*fields, "level"] if changed else fields)
    return changed


@transaction.atomic
def recompute_level(*, membership: Membership, now: datetime | None = None) -> bool:
    """Recompute one member's score and level. Returns whether the level changed."""
    now = now or timezone.now()
    return _apply_level(membership, score=compute_score(membership=membership, now=now), now=now)


def recompute_community_levels(*, community: Community, now: datetime | None = None) -> int:
    """Recompute every active member of a community with one aggregate query.
    Returns how many levels changed. Used by the periodic task, as events age out."""
    now = now or timezone.now()
    start = window_start(community, now)
    members = (
        Membership.objects.filter(community=community, status=MembershipStatus.ACTIVE)
        .select_related("community")
        .annotate(
            window_score=Sum(
                "participation_events__weight",
                filter=Q(
                    participation_events__occurred_at__gte=start,
                    participation_events__occurred_at__lte=now,
                ),
            )
        )
    )
    changed = 0
    with transaction.atomic():
        for membership in members:
            score = membership.window_score or 0
            new_level = level_for(score=score, membership=membership, now=now)
            if new_level == membership.level and score == membership.score:
                continue
            changed += _apply_level(membership, score=score, now=now)
    return changed


def record_participation(
    *,
    kind: str,
    member: Membership | None = None,
    user: User | None = None,
    community: Community | None = None,
    subject=None,
    summary: str = "",
    occurred_at: datetime | None = None,
) -> ParticipationEvent | None:
    """Record that a member did something that counts, and update their level.

    Pass the membership, or the user and community. Nothing is recorded for
    someone who is not an active member. The same kind on the same subject counts
    once: a second call returns the first event. Side effects: a ParticipationEvent
    row, the member's score and level, and a LevelChange row when the level moves.
    """
    if kind not in ParticipationKind.values:
        raise ValueError(f"Unknown participation kind: {kind}")
    if member is None:
        member = (
            Membership.objects.select_related("community")
            .filter(user=user, community=community, status=MembershipStatus.ACTIVE)
            .first()
        )
    if member is None or member.status != MembershipStatus.ACTIVE:
        return None
    fields = {
        "membership": member,
        "kind": kind,
        "weight": PARTICIPATION_WEIGHTS[kind],
        "summary": summary[:200],
        "occurred_at": occurred_at or timezone.now(),
    }
    if subject is not None:
        fields["subject_type"] = ContentType.objects.get_for_model(subject)
        fields["subject_id"] = subject.pk
        existing = ParticipationEvent.objects.filter(
            membership=member,
            kind=kind,
            subject_type=fields["subject_type"],
            subject_id=subject.pk,
        ).first()
        if existing:
            return existing
    try:
        with transaction.atomic():
            event = ParticipationEvent.objects.create(**fields)
    except IntegrityError:  # a concurrent call recorded the same act
        return ParticipationEvent.objects.get(
            membership=member,
            kind=kind,
            subject_type=fields["subject_type"],
            subject_id=fields["subject_id"],
        )
    # The outreach list reads this column instead of the newest event per member.
    Membership.objects.filter(pk=member.pk).filter(
        Q(last_active_at__isnull=True) | Q(last_active_at__lt=event.occurred_at)
    ).update(last_active_at=event.occurred_at)
    recompute_level(membership=member)
    return event


@dataclass(frozen=True)
class NextStep:
    next_level: str | None
    points_needed: int
    suggestion: str


def next_step(membership: Membership) -> NextStep:
    """What would move this member one step towards the core, said kindly."""
    community = membership.community
    level = membership.level
    if level == Level.CORE:
        return NextStep(
            None,
            0,
            _(
                "You are part of the core. Mentoring a newcomer or validating practices "
                "keeps the community's knowledge alive."
            ),
        )
    if level == Level.ACTIVE:
        return NextStep(
            Level.CORE,
            max(community.core_threshold - membership.score, 0),
            _("Host a meeting, answer an open problem or offer to mentor someone."),
        )
    needed = max(community.active_threshold - membership.score, 0)
    if level == Level.NEWCOMER:
        return NextStep(
            Level.ACTIVE,
            needed,
            _(
                "Introduce yourself, come to a meeting, or ask about something you are "
                "working on. Reading along is welcome too."
            ),
        )
    return NextStep(
        Level.ACTIVE,
        needed,
        _(
            "Whenever you like: tell a story from your work, answer a problem you know "
            "about, or say “this worked for me” on a practice."
        ),
    )


@transaction.atomic
def withdraw_participation(
    *,
    kind: str,
    subject,
    member: Membership | None = None,
    user: User | None = None,
    community: Community | None = None,
) -> bool:
    """Take back an act recorded by mistake (say, attendance marked for someone who was
    not there) and recompute the member's level. Returns whether anything was removed."""
    if member is None:
        member = (
            Membership.objects.select_related("community")
            .filter(user=user, community=community)
            .first()
        )
    if member is None:
        return False
    deleted, _detail = ParticipationEvent.objects.filter(
        membership=member,
        kind=kind,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
    ).delete()
    if deleted:
        recompute_level(membership=member)
    return bool(deleted)
