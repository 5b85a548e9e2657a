"""Knowledge gaps for coordinators: where the community's knowledge is thin, each with
the figure that shows it, a link to its evidence and a next step. Read-only counts over
the community's own problems, replies, practices and memberships.

Per topic of the community (problems of the last `WINDOW_DAYS`):

- **unanswered**: of the problems at least `ANSWER_DAYS` old, the share that had no
  reply within `ANSWER_DAYS` is at least `UNANSWERED_SHARE` (and at least
  `MIN_PROBLEMS` such problems); the median time to a first reply is given beside it.
- **no practice**: solved problems on the topic, and no validated practice.
- **no expert**: at least `MIN_PROBLEMS` problems on the topic and no active member the
  coordinators recognised as an expert in it.
- **review due**: published practices (any topic) past their review date.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Min, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from cop.enums import MembershipStatus
from cop.metrics import median
from cop.models import Community, Membership, Tag, User

from .enums import EntryStatus, ProblemStatus
from .models import PracticeEntry, Problem, Reply

WINDOW_DAYS = 365
ANSWER_DAYS = 7
UNANSWERED_SHARE = 0.5
MIN_PROBLEMS = 2


@dataclass
class Gap:
    kind: str  # unanswered | no_practice | no_expert | review_due
    title: str
    figure: str
    evidence_url: str
    evidence_label: str
    topic: Tag | None = None
    next_steps: list[tuple[str, str]] = field(default_factory=list)  # (label, url)


def _list_url(name: str, community: Community, **params) -> str:
    url = reverse(f"knowledge:{name}", kwargs={"slug": community.slug})
    return f"{url}?{urlencode(params)}" if params else url


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return (
        _("%(n).0f hours") % {"n": hours} if hours < 48 else _("%(n).1f days") % {"n": hours / 24}
    )


def knowledge_gaps(community: Community, *, now=None) -> list[Gap]:
    """The gaps of `community`, unanswered topics first. A fixed number of queries."""
    now = now or timezone.now()
    since = now - timedelta(days=WINDOW_DAYS)
    first_reply = (
        Reply.objects.filter(problem=OuterRef("pk"), deleted_at__isnull=True)
        .order_by()
        .values("problem")
        .annotate(first=Min("created_at"))
        .values("first")
    )
    rows = (
        Problem.objects.filter(community=community, deleted_at__isnull=True, created_at__gte=since)
        .annotate(first_reply_at=Subquery(first_reply))
        .values("pk", "created_at", "status", "first_reply_at", "tags")
    )
    topics = {tag.pk: tag for tag in community.tags.order_by("name")}
    by_topic: dict[int, list[dict]] = {}
    for row in rows:
        if row["tags"] in topics:
            by_topic.setdefault(row["tags"], []).append(row)
    validated = set(
        PracticeEntry.objects.filter(
            community=community, deleted_at__isnull=True, status=EntryStatus.VALIDATED
        ).values_list("tags", flat=True)
    )
    recognised = set(
        Membership.objects.filter(community=community, status=MembershipStatus.ACTIVE).values_list(
            "recognised_expertise", flat=True
        )
    )
    helpers = _top_helpers(community, since)
    gaps = []
    for tag_pk, problems in by_topic.items():
        tag = topics[tag_pk]
        aged = [p for p in problems if p["created_at"] <= now - timedelta(days=ANSWER_DAYS)]
        late = [
            p
            for p in aged
            if p["first_reply_at"] is None
            or p["first_reply_at"] - p["created_at"] > timedelta(days=ANSWER_DAYS)
        ]
        waits = [p["first_reply_at"] - p["created_at"] for p in problems if p["first_reply_at"]]
        if len(late) >= MIN_PROBLEMS and len(late) / len(aged) >= UNANSWERED_SHARE:
            wait = median([w.total_seconds() for w in waits]) if waits else None
            steps = []
            helper = helpers.get(tag_pk)
            if helper is not None:
                steps.append(
                    (
                        _("Ask %(name)s, who answered problems on it") % {"name": helper.name},
                        _list_url("problem_list", community, tag=tag.slug, status="unanswered"),
                    )
                )
            steps.append(
                (
                    _("Put it on a meeting's agenda"),
                    reverse("meetings:community", kwargs={"slug": community.slug}),
                )
            )
            gaps.append(
                Gap(
                    kind="unanswered",
                    topic=tag,
                    title=_("“%(topic)s”: problems stay unanswered") % {"topic": tag.name},
                    figure=_(
                        "%(late)d of %(aged)d problems older than %(days)d days had no reply "
                        "within %(days)d days (%(share).0f %%); median time to a first "
                        "reply: %(wait)s."
                    )
                    % {
                        "late": len(late),
                        "aged": len(aged),
                        "days": ANSWER_DAYS,
                        "share": 100 * len(late) / len(aged),
                        "wait": _hours(timedelta(seconds=wait)) if wait is not None else _("none"),
                    },
                    evidence_url=_list_url(
                        "problem_list", community, tag=tag.slug, status="unanswered"
                    ),
                    evidence_label=_("Unanswered problems on “%(topic)s”") % {"topic": tag.name},
                    next_steps=steps,
                )
            )
        solved = [p for p in problems if p["status"] == ProblemStatus.SOLVED]
        if solved and tag_pk not in validated:
            newest = max(solved, key=lambda p: p["created_at"])
            gaps.append(
                Gap(
                    kind="no_practice",
                    topic=tag,
                    title=_("“%(topic)s”: solved, but no validated practice") % {"topic": tag.name},
                    figure=_("%(n)d solved problems, no validated practice on the topic.")
                    % {"n": len(solved)},
                    evidence_url=_list_url(
                        "problem_list", community, tag=tag.slug, status="solved"
                    ),
                    evidence_label=_("Solved problems on “%(topic)s”") % {"topic": tag.name},
                    next_steps=[
                        (
                            _("Start a practice from the newest solved problem"),
                            reverse(
                                "knowledge:problem_promote",
                                kwargs={"slug": community.slug, "pk": newest["pk"]},
                            ),
                        )
                    ],
                )
            )
        if len(problems) >= MIN_PROBLEMS and tag_pk not in recognised:
            gaps.append(
                Gap(
                    kind="no_expert",
                    topic=tag,
                    title=_("“%(topic)s”: nobody recognised as expert") % {"topic": tag.name},
                    figure=_("%(n)d problems in the last year, no recognised expert.")
                    % {"n": len(problems)},
                    evidence_url=reverse("community_members", kwargs={"slug": community.slug}),
                    evidence_label=_("The members"),
                    next_steps=[],
                )
            )
    due = (
        PracticeEntry.objects.filter(
            community=community,
            deleted_at__isnull=True,
            status__in=[EntryStatus.NOT_VALIDATED, EntryStatus.VALIDATED],
            review_date__lt=now.date(),
        )
        .only("pk")
        .count()
    )
    if due:
        gaps.append(
            Gap(
                kind="review_due",
                title=_("Practices past their review date"),
                figure=_("%(n)d published practices are past their review date.") % {"n": due},
                evidence_url=_list_url("entry_list", community, review="due"),
                evidence_label=_("Practices to review"),
            )
        )
    order = {"unanswered": 0, "no_practice": 1, "no_expert": 2, "review_due": 3}
    gaps.sort(key=lambda g: (order[g.kind], g.topic.name if g.topic else ""))
    return gaps


def _top_helpers(community: Community, since) -> dict[int, User]:
    """Per topic, the member with the most replies to its problems (ties: the earliest
    user id), for "ask a member who answered similar problems"."""
    counts: dict[int, dict[int, int]] = {}
    for tag_pk, author_pk in Reply.objects.filter(
        problem__community=community,
        deleted_at__isnull=True,
        created_at__gte=since,
        author__isnull=False,
    ).values_list("problem__tags", "author"):
        if tag_pk is not None:
            counts.setdefault(tag_pk, {}).setdefault(author_pk, 0)
            counts[tag_pk][author_pk] += 1
    best = {
        tag_pk: min(authors.items(), key=lambda item: (-item[1], item[0]))[0]
        for tag_pk, authors in counts.items()
    }
    users = User.objects.in_bulk(set(best.values()))
    return {tag_pk: users[pk] for tag_pk, pk in best.items() if pk in users}
