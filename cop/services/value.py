"""Value-creation stories (Wenger, Trayner and de Laat 2011) and their follow-ups."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cop.enums import FollowUpOutcome, MembershipStatus, NotificationKind, ParticipationKind
from cop.models import Community, Membership, User, ValueFollowUp, ValueStory
from cop.services.notifications import notify
from cop.services.participation import record_participation

FOLLOW_UP_DAYS = (30, 90)


@transaction.atomic
def tell_value_story(
    *,
    community: Community,
    narrator: User,
    title: str,
    immediate: str,
    potential: str = "",
    applied: str = "",
    realized: str = "",
    transformative: str = "",
    aspirational_ending: str = "",
    meetings=(),
    entries=(),
) -> ValueStory:
    """Record a value story by an active member, linked to meetings and practices of the
    same community. Counts as telling a story."""
    if not Membership.objects.filter(
        community=community, user=narrator, status=MembershipStatus.ACTIVE
    ).exists():
        raise ValidationError(_("Only members can tell the community's value stories."))
    if any(m.community_id != community.pk for m in meetings) or any(
        e.community_id != community.pk for e in entries
    ):
        raise ValidationError(_("Link only meetings and practices of this community."))
    story = ValueStory.objects.create(
        community=community,
        narrator=narrator,
        title=title,
        immediate=immediate,
        potential=potential,
        applied=applied,
        realized=realized,
        transformative=transformative,
        aspirational_ending=aspirational_ending,
    )
    story.meetings.set(meetings)
    story.entries.set(entries)
    record_participation(
        user=narrator,
        community=community,
        kind=ParticipationKind.TOLD_STORY,
        subject=story,
        summary=title,
    )
    return story


def _claim(story: ValueStory, days: int, now: datetime) -> ValueFollowUp | None:
    try:
        with transaction.atomic():
            return ValueFollowUp.objects.create(story=story, after_days=days, asked_at=now)
    except IntegrityError:  # asked already, perhaps by a concurrent run
        return None


def send_due_follow_ups(*, now: datetime | None = None) -> int:
    """Ask narrators whether their aspirational ending happened, 30 and 90 days on.
    Each question is claimed (a unique row) before it is sent, so it goes out once even
    when two workers run this at the same time. Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    candidates = (
        ValueStory.objects.exclude(aspirational_ending="")
        .filter(created_at__lte=now - timedelta(days=min(FOLLOW_UP_DAYS)))
        .select_related("community", "narrator")
        .prefetch_related("follow_ups")
    )
    for story in candidates.iterator(chunk_size=200):
        asked = {follow_up.after_days for follow_up in story.follow_ups.all()}
        due = [
            d
            for d in FOLLOW_UP_DAYS
            if d not in asked and story.created_at <= now - timedelta(days=d)
        ]
        if not due:
            continue
        claimed = [f for f in (_claim(story, days, now) for days in due) if f is not None]
        if not claimed:
            continue
        latest = max(claimed, key=lambda f: f.after_days)
        notify(
            recipient=story.narrator,
            kind=NotificationKind.VALUE_FOLLOW_UP,
            title=_("%(days)d days on: did “%(ending)s” happen?")
            % {"days": latest.after_days, "ending": story.aspirational_ending[:80]},
            url=latest_url(latest),
            community=story.community,
        )
        sent += 1
    return sent


def latest_url(follow_up: ValueFollowUp) -> str:

    return reverse(
        "value_follow_up",
        kwargs={"slug": follow_up.story.community.slug, "pk": follow_up.pk},
    )


@transaction.atomic
def answer_follow_up(
    *, follow_up: ValueFollowUp, by: User, outcome: str, note: str = ""
) -> ValueFollowUp:
    """The narrator says whether the hoped-for ending happened."""
    if by.pk != follow_up.story.narrator_id:
        raise ValidationError(_("Only the narrator can answer this."))
    if outcome not in FollowUpOutcome.values:
        raise ValidationError(_("Choose one of the answers."))
    follow_up.outcome = outcome
    follow_up.note = note
    follow_up.answered_at = timezone.now()
    follow_up.save(update_fields=["outcome", "note", "answered_at"])
    return follow_up
