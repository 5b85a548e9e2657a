"""Agenda suggestions for a meeting's hosts: topics worth a meeting, ranked, each with
the plain-words reason it was suggested. Read-only counts over the meeting's own
community; nothing is added until a host accepts one (`meetings.services.
accept_agenda_suggestion`, through `cop.extensions.agenda_suggestions`).

Four sources, each scored so that they can be ranked together (higher first):

- **votes**: topics proposed for an earlier meeting of the last `VOTES_DAYS` days,
  voted for and never taken up: `3 + votes`.
- **unanswered**: open problems without a reply for at least `UNANSWERED_DAYS` days,
  the `MAX_UNANSWERED` oldest: `2 + min(age in weeks, 2)`.
- **gaps**: the community's knowledge gaps (`knowledge.gaps`) where problems stay
  unanswered (2.5) or solved problems have no validated practice (2).
- **trending**: topics whose rate of new problems, stories and published practices over
  the last `TREND_RECENT_DAYS` days is at least `TREND_RATIO` times its rate over the
  `TREND_BEFORE_DAYS` days before (both per day, so the longer window does not weigh
  more), with at least `TREND_MIN_RECENT` new items: `2 + min(ratio, 4) / 4`. A topic
  with nothing before counts as ratio 4.

Only the meeting's community, only live, unhidden, published items: what its hosts
may see. A topic or problem already on the meeting's agenda is not suggested again.
"""

from datetime import timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cop.extensions import AgendaSuggestion
from cop.models import Tag
from cop.rules import can_view_community
from meetings.enums import AgendaItemStatus
from meetings.models import AgendaItem, Meeting

from .enums import EntryStatus, ProblemStatus
from .gaps import knowledge_gaps
from .models import PracticeEntry, Problem, Story

VOTES_DAYS = 90
UNANSWERED_DAYS = 3
MAX_UNANSWERED = 5
MAX_VOTED = 5
TREND_RECENT_DAYS = 30
TREND_BEFORE_DAYS = 90
TREND_RATIO = 2.0
TREND_MIN_RECENT = 3
GAP_SCORES = {"unanswered": 2.5, "no_practice": 2.0}


def _list_url(name: str, community, **params) -> str:
    url = reverse(f"knowledge:{name}", kwargs={"slug": community.slug})
    return f"{url}?{urlencode(params)}" if params else url


def _source_details(reason: str, url: str, label: str) -> str:
    """The agenda item's details: why it is there and a link to its source. The reason
    is our own text; the label may hold a member's words, so Markdown's link brackets
    are taken out of it (the Markdown is sanitised when rendered in any case)."""
    label = label.replace("[", "(").replace("]", ")")
    return f"{reason}\n\n[{label}]({url})" if url else reason


def suggest_agenda(*, user, meeting: Meeting, now=None) -> list[AgendaSuggestion]:
    """Suggestions for `meeting`'s agenda as `user` may see them (nothing when they may
    not see the community). A fixed number of queries (about a dozen)."""
    community = meeting.community
    if not can_view_community(user, community):
        return []
    now = now or timezone.now()
    on_agenda = list(
        meeting.agenda_items.exclude(status=AgendaItemStatus.DECLINED).values_list(
            "problem_id", "title"
        )
    )
    taken_problems = {pk for pk, _title in on_agenda if pk}
    taken_titles = {title.casefold() for _pk, title in on_agenda}
    found: list[AgendaSuggestion] = []
    found += _voted(community, meeting, now)
    found += _unanswered(community, now)
    found += _gaps(community, now)
    found += _trending(community, now)
    return [
        s
        for s in found
        if s.problem_id not in taken_problems and s.title.casefold() not in taken_titles
    ]


def _voted(community, meeting, now) -> list[AgendaSuggestion]:
    items = (
        AgendaItem.objects.filter(
            meeting__community=community,
            meeting__starts_at__gte=now - timedelta(days=VOTES_DAYS),
            meeting__starts_at__lt=now,
            status=AgendaItemStatus.PROPOSED,
        )
        .exclude(meeting=meeting)
        .annotate(vote_count=Count("votes"))
        .filter(vote_count__gt=0)
        .select_related("meeting", "problem")
        .order_by("-vote_count", "-meeting__starts_at", "pk")[:MAX_VOTED]
    )
    found = []
    for item in items:
        problem = item.problem
        if problem is not None and (problem.deleted_at or problem.hidden_at):
            problem = None
        reason = ngettext(
            "%(n)d member voted for it for “%(meeting)s”, and it was not taken up.",
            "%(n)d members voted for it for “%(meeting)s”, and it was not taken up.",
            item.vote_count,
        ) % {"n": item.vote_count, "meeting": item.meeting.title}
        url = problem.get_absolute_url() if problem else item.meeting.get_absolute_url()
        found.append(
            AgendaSuggestion(
                key=f"votes:{item.pk}",
                kind="votes",
                title=item.title,
                reason=reason,
                score=3 + item.vote_count,
                url=url,
                details=_source_details(
                    reason, url, problem.title if problem else item.meeting.title
                ),
                problem_id=problem.pk if problem else None,
            )
        )
    return found


def _unanswered(community, now) -> list[AgendaSuggestion]:
    problems = (
        Problem.objects.filter(
            community=community,
            deleted_at__isnull=True,
            hidden_at__isnull=True,
            status=ProblemStatus.OPEN,
            reply_count=0,
            created_at__lte=now - timedelta(days=UNANSWERED_DAYS),
        )
        .select_related("community")
        .only("pk", "title", "created_at", "community__slug")
        .order_by("created_at", "id")[:MAX_UNANSWERED]
    )
    found = []
    for problem in problems:
        days = (now - problem.created_at).days
        reason = ngettext(
            "Asked %(n)d day ago and nobody has answered yet.",
            "Asked %(n)d days ago and nobody has answered yet.",
            days,
        ) % {"n": days}
        url = problem.get_absolute_url()
        found.append(
            AgendaSuggestion(
                key=f"problem:{problem.pk}",
                kind="unanswered",
                title=problem.title,
                reason=reason,
                score=2 + min(days / 7, 2),
                url=url,
                details=_source_details(reason, url, problem.title),
                problem_id=problem.pk,
            )
        )
    return found


def _gaps(community, now) -> list[AgendaSuggestion]:
    found = []
    for gap in knowledge_gaps(community, now=now):
        if gap.kind not in GAP_SCORES or gap.topic is None:
            continue
        if gap.kind == "unanswered":
            title = _("Unanswered problems on “%(topic)s”") % {"topic": gap.topic.name}
        else:
            title = _("A practice for “%(topic)s”") % {"topic": gap.topic.name}
        found.append(
            AgendaSuggestion(
                key=f"gap:{gap.kind}:{gap.topic.pk}",
                kind="gap",
                title=title,
                reason=gap.figure,
                score=GAP_SCORES[gap.kind],
                url=gap.evidence_url,
                details=_source_details(gap.figure, gap.evidence_url, gap.evidence_label),
            )
        )
    return found


def topic_trends(community, now=None) -> dict[int, tuple[int, int]]:
    """Per topic id, (new items in the last `TREND_RECENT_DAYS` days, new items in the
    `TREND_BEFORE_DAYS` days before): problems, stories and published practices, live and
    not hidden. Three grouped queries."""
    now = now or timezone.now()
    split = now - timedelta(days=TREND_RECENT_DAYS)
    start = split - timedelta(days=TREND_BEFORE_DAYS)
    counts: dict[int, list[int]] = {}
    sources = [
        (Problem.objects.all(), "created_at"),
        (Story.objects.all(), "created_at"),
        (
            PracticeEntry.objects.exclude(status__in=[EntryStatus.DRAFT, EntryStatus.ARCHIVED]),
            "created_at",
        ),
    ]
    for queryset, when in sources:
        rows = (
            queryset.filter(
                community=community,
                deleted_at__isnull=True,
                hidden_at__isnull=True,
                **{f"{when}__gte": start, f"{when}__lte": now},
                tags__isnull=False,
            )
            .order_by()
            .values("tags")
            .annotate(
                recent=Count("pk", filter=Q(**{f"{when}__gte": split})),
                before=Count("pk", filter=Q(**{f"{when}__lt": split})),
            )
        )
        for row in rows:
            pair = counts.setdefault(row["tags"], [0, 0])
            pair[0] += row["recent"]
            pair[1] += row["before"]
    return {pk: (recent, before) for pk, (recent, before) in counts.items()}


def trend_ratio(recent: int, before: int) -> float | None:
    """How many times its earlier daily rate a topic runs at now; None when it is not
    rising by the module's rule (too few recent items, or under `TREND_RATIO`)."""
    if recent < TREND_MIN_RECENT:
        return None
    if before == 0:
        return 4.0
    ratio = (recent / TREND_RECENT_DAYS) / (before / TREND_BEFORE_DAYS)
    return ratio if ratio >= TREND_RATIO else None


def _trending(community, now) -> list[AgendaSuggestion]:
    trends = topic_trends(community, now)
    rising = {pk: trend_ratio(*pair) for pk, pair in trends.items()}
    rising = {pk: ratio for pk, ratio in rising.items() if ratio is not None}
    if not rising:
        return []
    found = []
    for tag in Tag.objects.filter(community=community, pk__in=rising).only("pk", "name", "slug"):
        recent, before = trends[tag.pk]
        per_month_before = before * TREND_RECENT_DAYS / TREND_BEFORE_DAYS
        figures = {
            "recent": recent,
            "days": TREND_RECENT_DAYS,
            "before": before,
            "before_days": TREND_BEFORE_DAYS,
            "rate": per_month_before,
        }
        if before:
            reason = (
                _(
                    "Rising: %(recent)d new problems, stories and practices in the last "
                    "%(days)d days, against %(before)d in the %(before_days)d days before "
                    "(about %(rate).1f a month then)."
                )
                % figures
            )
        else:
            reason = (
                _(
                    "New: %(recent)d new problems, stories and practices in the last %(days)d "
                    "days, and none in the %(before_days)d days before."
                )
                % figures
            )
        url = _list_url("problem_list", community, tag=tag.slug)
        found.append(
            AgendaSuggestion(
                key=f"trending:{tag.pk}",
                kind="trending",
                title=_("What is new on “%(topic)s”") % {"topic": tag.name},
                reason=reason,
                score=2 + min(rising[tag.pk], 4) / 4,
                url=url,
                details=_source_details(reason, url, tag.name),
            )
        )
    return found
