"""Services of scheduling polls: propose candidate slots, vote, turn the best into a
meeting.

Slots are instants. A coordinator proposes them as local date-times in the poll's zone
(`local_slots`), so "17:00 on Friday and 17:00 on Monday" stay 17:00 there across a
daylight-saving change; each member then sees each slot in their own zone. Who may do
what is declared in `meetings.rules`; these functions keep the invariants.
"""

import zoneinfo
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.enums import MembershipStatus, NotificationKind
from cop.models import Community, Membership, User
from cop.queue import enqueue_on_commit
from cop.services.notifications import notify_many
from cop.text import single_line

from . import services
from .enums import MeetingKind, PollAnswer, PollStatus, RSVPAnswer
from .models import Meeting, Poll, PollResponse, PollSlot, PollVote

MAX_SLOTS = 20
MIN_DURATION, MAX_DURATION = 15, 24 * 60
ANNOUNCE_BATCH = 500
# A poll not yet announced this long after it opened lost its task: the sweeper goes on.
ANNOUNCE_STALLED_AFTER = timedelta(minutes=2)


def local_slots(lines: Iterable[tuple[date, time]], tz_name: str) -> list[datetime]:
    """Local (date, time) pairs in `tz_name` as aware instants. A wall-clock time that
    does not exist (skipped by a DST change) is refused rather than guessed."""
    try:
        zone = zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError({"timezone": _("Unknown time zone.")}) from exc
    instants = []
    for day, clock in lines:
        local = datetime.combine(day, clock, tzinfo=zone)
        # Round trip through UTC: a time in the spring gap comes back different.
        if local.astimezone(zoneinfo.ZoneInfo("UTC")).astimezone(zone).replace(
            tzinfo=None
        ) != local.replace(tzinfo=None):
            raise ValidationError(
                {
                    "slots": _("%(when)s does not exist in %(zone)s (the clocks change).")
                    % {"when": f"{day} {clock:%H:%M}", "zone": tz_name}
                }
            )
        instants.append(local)
    return instants


def _check_slots(slots: list[datetime]) -> list[datetime]:
    if not slots:
        raise ValidationError({"slots": _("Propose at least one slot.")})
    if len(slots) > MAX_SLOTS:
        raise ValidationError({"slots": _("Propose at most %(n)s slots.") % {"n": MAX_SLOTS}})
    now = timezone.now()
    for start in slots:
        if timezone.is_naive(start):
            raise ValueError("Slots must be aware datetimes.")
        if start <= now:
            raise ValidationError({"slots": _("Every slot must be in the future.")})
        try:
            services.check_meeting_start(start)
        except ValidationError as exc:
            raise ValidationError({"slots": exc.messages}) from None
    unique = sorted(set(slots))
    if len(unique) != len(slots):
        raise ValidationError({"slots": _("A slot is proposed twice.")})
    return unique


@transaction.atomic
def create_poll(
    *,
    community: Community,
    by: User,
    title: str,
    slots: list[datetime],
    timezone_name: str,
    duration_minutes: int = 60,
    description: str = "",
    kind: str = MeetingKind.REGULAR,
) -> Poll:
    """Propose a new meeting's candidate slots. Side effects: the Poll and its slots."""
    title = single_line(str(title)).strip()[:200]
    if not title:
        raise ValidationError({"title": _("Give the meeting a title.")})
    if not MIN_DURATION <= int(duration_minutes) <= MAX_DURATION:
        raise ValidationError({"duration_minutes": _("A meeting lasts 15 minutes to 24 hours.")})
    if len(description) > 5000:
        raise ValidationError({"description": _("At most 5000 characters.")})
    if kind not in MeetingKind.values:
        raise ValidationError({"kind": _("Unknown kind of meeting.")})
    try:
        zoneinfo.ZoneInfo(timezone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError({"timezone": _("Unknown time zone.")}) from exc
    slots = _check_slots(slots)
    poll = Poll.objects.create(
        community=community,
        title=title,
        description=description,
        kind=kind,
        duration_minutes=duration_minutes,
        timezone=timezone_name,
        created_by=by,
    )
    PollSlot.objects.bulk_create([PollSlot(poll=poll, starts_at=start) for start in slots])
    enqueue_on_commit("meetings.announce_poll", poll_id=poll.pk)
    return poll


def announce_poll_batch(*, poll_id: int, batch_size: int = ANNOUNCE_BATCH) -> int:
    """Tell the next `batch_size` active members (by user id, its creator aside) that the
    poll is open; how many were told, 0 once everyone was (then `announced_at` is set).
    One transaction under the poll's row lock writes the notifications and moves
    `announced_through`, so a batch retried or run twice tells nobody twice."""
    with transaction.atomic():
        poll = (
            Poll.objects.select_for_update(of=("self",))
            .select_related("community")
            .filter(pk=poll_id)
            .first()
        )
        if poll is None or poll.announced_at is not None:
            return 0
        user_ids = []
        if poll.status == PollStatus.OPEN:
            user_ids = list(
                Membership.objects.filter(
                    community_id=poll.community_id,
                    status=MembershipStatus.ACTIVE,
                    user_id__gt=poll.announced_through,
                )
                .exclude(user_id=poll.created_by_id)
                .order_by("user_id")
                .values_list("user_id", flat=True)[:batch_size]
            )
        if not user_ids:  # everyone told, or the poll was decided meanwhile
            Poll.objects.filter(pk=poll.pk).update(announced_at=timezone.now())
            return 0
        notify_many(
            recipients=list(User.objects.filter(pk__in=user_ids).only("id", "email", "is_active")),
            kind=NotificationKind.MEETING_INVITATION,
            title=_("When should we meet? Vote on “%(title)s”") % {"title": poll.title},
            url=poll.get_absolute_url(),
            community=poll.community,
            actor=poll.created_by,
        )
        Poll.objects.filter(pk=poll.pk).update(announced_through=user_ids[-1])
    return len(user_ids)


def announce_poll(*, poll_id: int) -> int:
    """Tell every member of the poll's community, batch after batch; how many were told."""
    told = 0
    while batch := announce_poll_batch(poll_id=poll_id):
        told += batch
    return told


def resume_poll_announcements(*, now: datetime | None = None) -> int:
    """Finish the announcements of polls whose task was lost (broker down, worker
    killed); how many polls it finished."""
    cutoff = (now or timezone.now()) - ANNOUNCE_STALLED_AFTER
    stalled = list(
        Poll.objects.filter(announced_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:20]
    )
    for poll_id in stalled:
        announce_poll(poll_id=poll_id)
    return len(stalled)


@transaction.atomic
def vote(
    *, poll: Poll, user: User, answers: dict[int, str], rsvp_if_chosen: bool = True
) -> PollResponse:
    """Mark the poll's slots (slot id → yes / if need be / no; a slot left out is no).
    Voting again replaces the earlier marks. Side effects: PollVote rows, the member's
    PollResponse, and the slots' counters (recounted under the poll's row lock)."""
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.status != PollStatus.OPEN:
        raise ValidationError(_("This poll is closed."))
    if not Membership.objects.filter(
        community_id=poll.community_id, user=user, status=MembershipStatus.ACTIVE
    ).exists():
        raise ValidationError(_("Only members of the community can vote."))
    slots = {slot.pk: slot for slot in poll.slots.all()}
    unknown = set(answers) - set(slots)
    if unknown:
        raise ValidationError({"answers": _("A slot is not part of this poll.")})
    if any(answer not in PollAnswer.values for answer in answers.values()):
        raise ValidationError({"answers": _("Answer yes, if need be or no.")})
    PollVote.objects.filter(slot__poll=poll, user=user).delete()
    PollVote.objects.bulk_create(
        [
            PollVote(slot_id=slot_id, user=user, answer=answers.get(slot_id, PollAnswer.NO))
            for slot_id in slots
        ]
    )
    response, created = PollResponse.objects.update_or_create(
        poll=poll,
        user=user,
        defaults={"rsvp_if_chosen": bool(rsvp_if_chosen), "updated_at": timezone.now()},
    )
    if created:
        poll.voters_count += 1
        poll.save(update_fields=["voters_count"])
    counts = poll.slots.annotate(
        yes=Count("votes", filter=Q(votes__answer=PollAnswer.YES)),
        maybe=Count("votes", filter=Q(votes__answer=PollAnswer.IF_NEED_BE)),
        no=Count("votes", filter=Q(votes__answer=PollAnswer.NO)),
    ).values_list("pk", "yes", "maybe", "no")
    for slot_id, yes, maybe, no in counts:
        PollSlot.objects.filter(pk=slot_id).update(
            yes_count=yes, if_need_be_count=maybe, no_count=no
        )
    return response


def ranked_slots(poll: Poll) -> list[PollSlot]:
    """The slots best first: most who can come (yes or if need be), then most yes,
    then the earliest."""
    return sorted(
        poll.slots.all(),
        key=lambda s: (-(s.yes_count + s.if_need_be_count), -s.yes_count, s.starts_at),
    )


@transaction.atomic
def schedule_from_poll(*, poll: Poll, slot: PollSlot, by: User) -> Meeting:
    """Turn a slot into a meeting hosted by the coordinator. Everyone who said yes to
    that slot and chose so is RSVPed going (first the earliest voters, so a capacity
    set later keeps the order fair). Side effects: the Meeting, the poll marked
    scheduled with its meeting, the RSVPs and their participation."""
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.status != PollStatus.OPEN:
        raise ValidationError(_("This poll is already decided."))
    if slot.poll_id != poll.pk:
        raise ValidationError({"slot": _("That slot is not part of this poll.")})
    if slot.starts_at <= timezone.now():
        raise ValidationError({"slot": _("That slot has passed.")})
    meeting = services.schedule_meeting(
        community=poll.community,
        by=by,
        title=poll.title,
        kind=poll.kind,
        starts_at=slot.starts_at,
        ends_at=slot.starts_at + timedelta(minutes=poll.duration_minutes),
        timezone_name=poll.timezone,
        description=poll.description,
    )
    poll.status = PollStatus.SCHEDULED
    poll.meeting = meeting
    poll.save(update_fields=["status", "meeting"])
    wanted = set(
        PollResponse.objects.filter(poll=poll, rsvp_if_chosen=True).values_list(
            "user_id", flat=True
        )
    )
    yes_voters = (
        User.objects.filter(
            pk__in=PollVote.objects.filter(slot=slot, answer=PollAnswer.YES).values("user_id"),
            memberships__community=poll.community,
            memberships__status=MembershipStatus.ACTIVE,
        )
        .filter(pk__in=wanted)
        .order_by("pk")
    )
    for user in yes_voters:
        services.rsvp(meeting=meeting, user=user, answer=RSVPAnswer.GOING)
    return meeting


@transaction.atomic
def close_poll(*, poll: Poll, by: User) -> Poll:
    """Close an open poll without a meeting (its votes stay readable)."""
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.status != PollStatus.OPEN:
        raise ValidationError(_("This poll is already decided or closed."))
    poll.status = PollStatus.CLOSED
    poll.save(update_fields=["status"])
    return poll
