"""The coordinators' health dashboard: selectors that compute each indicator with a
bounded number of queries, and the snapshot the periodic task stores for the page.

References: Wenger, McDermott and Snyder (2002) on participation (a core of about
10-15 %, an active ring of 15-20 %, the rest peripheral) and on stages of
development; CHAOSS (new, returning and lapsed contributors).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cop.enums import FollowUpOutcome, Level, MembershipStatus, ParticipationKind, Stage, ValueCycle
from cop.metrics import gini, shares, top_share
from cop.models import (
    Community,
    CommunityMetricSnapshot,
    LevelChange,
    Membership,
    ParticipationEvent,
    ValueFollowUp,
    ValueStory,
)

REFERENCE_BANDS = {Level.CORE: (0.10, 0.15), Level.ACTIVE: (0.15, 0.20)}
SNAPSHOT_MAX_AGE = timedelta(hours=26)


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: datetime
    end: datetime

    @property
    def months(self) -> list[date]:
        """First days of the calendar months the period touches, oldest first."""
        first = date(self.start.year, self.start.month, 1)
        last = date(self.end.year, self.end.month, 1)
        months = []
        while first <= last:
            months.append(first)
            first = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        return months

    def within(self, field: str) -> Q:
        """Rows whose datetime `field` falls in the period (start included, end not)."""
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})


PERIODS = {
    "90d": ("Last 90 days", 90),
    "6m": ("Last 6 months", 183),
    "12m": ("Last 12 months", 365),
}


def period_for(key: str, *, now: datetime | None = None) -> Period:
    """A named period ending now; unknown keys fall back to the last 90 days."""
    if key not in PERIODS:
        key = "90d"
    label, days = PERIODS[key]
    now = now or timezone.now()
    return Period(key=key, label=label, start=now - timedelta(days=days), end=now)


def participation_mix(community: Community) -> dict:
    """Counts and shares of members at each level, beside the reference bands."""
    rows = (
        Membership.objects.filter(community=community, status=MembershipStatus.ACTIVE)
        .values("level")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(reversed(Level.values), 0)
    counts.update({row["level"]: row["n"] for row in rows})
    share = shares(counts)
    return {
        "rows": [
            {
                "level": level,
                "count": counts[level],
                "share": share[level],
                "reference": REFERENCE_BANDS.get(level),
            }
            for level in counts
        ],
        "total": sum(counts.values()),
    }


def level_movements(community: Community, period: Period) -> list[dict]:
    """How many moved from each level to each other level within the period."""
    rows = (
        LevelChange.objects.filter(
            membership__community=community, changed_at__gte=period.start, changed_at__lt=period.end
        )
        .values("from_level", "to_level")
        .annotate(n=Count("pk"))
        .order_by("from_level", "to_level")
    )
    order = {level: i for i, level in enumerate(Level.values)}
    return [
        {
            "from": row["from_level"],
            "to": row["to_level"],
            "count": row["n"],
            "direction": "up" if order[row["to_level"]] > order[row["from_level"]] else "down",
        }
        for row in rows
    ]


def contributors_by_month(community: Community, period: Period) -> list[dict]:
    """CHAOSS-style contributors per month: new (first contribution ever that month),
    returning (contributed before and again that month) and lapsed (contributed the
    month before, not this one). One query over (member, month) pairs."""

    pairs = (
        ParticipationEvent.objects.filter(
            membership__community=community, occurred_at__lt=period.end
        )
        .annotate(month=TruncMonth("occurred_at"))
        .values_list("membership_id", "month")
        .distinct()
    )
    months_of: dict[int, set[date]] = defaultdict(set)
    for member_id, month in pairs:
        months_of[member_id].add(month.date() if isinstance(month, datetime) else month)
    first_month = {member: min(months) for member, months in months_of.items()}
    active_in: dict[date, set[int]] = defaultdict(set)
    for member, months in months_of.items():
        for month in months:
            active_in[month].add(member)
    rows = []
    for month in period.months:
        previous = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
        active = active_in.get(month, set())
        new = {m for m in active if first_month[m] == month}
        rows.append(
            {
                "month": month.isoformat()[:7],
                "new": len(new),
                "returning": len(active - new),
                "lapsed": len(active_in.get(previous, set()) - active),
            }
        )
    return rows


def concentration(community: Community, period: Period) -> dict:
    """How concentrated contributions are among active members: the share given by the
    top 10 % of members and the Gini coefficient (members who gave nothing count as
    zero, so free-riding and over-reliance on a few both show)."""
    counts = list(
        Membership.objects.filter(community=community, status=MembershipStatus.ACTIVE)
        .annotate(
            n=Count(
                "participation_events",
                filter=Q(
                    participation_events__occurred_at__gte=period.start,
                    participation_events__occurred_at__lt=period.end,
                ),
            )
        )
        .values_list("n", flat=True)
    )
    ordered = sorted(counts)
    total = sum(ordered)
    lorenz = [(0.0, 0.0)]
    running = 0
    for i, value in enumerate(ordered, start=1):
        running += value
        lorenz.append((i / len(ordered), running / total if total else i / len(ordered)))
    return {
        "members": len(counts),
        "contributors": sum(1 for c in counts if c),
        "contributions": total,
        "top10_share": top_share(counts, 0.1),
        "gini": gini(counts),
        "lorenz": _thin(lorenz, 50),
    }


def _thin(points: list[tuple[float, float]], most: int) -> list[tuple[float, float]]:
    if len(points) <= most:
        return points
    step = (len(points) - 1) / (most - 1)
    return [points[round(i * step)] for i in range(most)]


# --- Sections from the practice apps, and the stored snapshot -----------------------------

# build(community=, period=) -> dict, registered by apps in AppConfig.ready()
DASHBOARD_SECTIONS: list[tuple[int, str, Callable[..., dict]]] = []


def register_dashboard_section(*, order: int, key: str, build: Callable[..., dict]) -> None:
    """Add an app's section to the health dashboard (from its `AppConfig.ready()`).

    `build(community=, period=)` runs in the nightly task, which stores what it returns
    as JSON in the community's snapshot, in this shape (`stat()` makes one indicator):

        {
            "order": int,             # where the section sits on the page
            "title": str,             # an English message id, translated at render time
            "stats": [{"key": str, "value": int | float | None,
                       "unit": "count" | "share" | "hours"}],
            "series": {name: [{"month": "YYYY-MM", "value": int}, ...]},  # the months
            "table": [{"title": str, "age_hours": float, "url": str}],  # oldest first
            "labels": {key: str},     # message ids for stats, series, "chart", "table"
        }
    """
    if any(existing == key for _, existing, _ in DASHBOARD_SECTIONS):
        return
    DASHBOARD_SECTIONS.append((order, key, build))
    DASHBOARD_SECTIONS.sort(key=lambda item: item[0])


def with_labels(data: dict) -> dict:
    """The stored data (keys only, so it is language-neutral) with display labels added."""

    data = {**data}
    data["stage_label"] = Stage(data["stage"]).label
    data["mix"] = {
        **data["mix"],
        "rows": [{**row, "label": Level(row["level"]).label} for row in data["mix"]["rows"]],
    }
    data["movements"] = [
        {**row, "from_label": Level(row["from"]).label, "to_label": Level(row["to"]).label}
        for row in data["movements"]
    ]
    return data


def compute_dashboard(community: Community, period: Period) -> dict:
    data = {
        "stage": community.stage,
        "mix": participation_mix(community),
        "movements": level_movements(community, period),
        "contributors": contributors_by_month(community, period),
        "concentration": concentration(community, period),
        "sections": {},
    }
    for _, key, build in DASHBOARD_SECTIONS:
        data["sections"][key] = build(community=community, period=period)
    return data


@transaction.atomic
def store_snapshot(community: Community, period: Period) -> CommunityMetricSnapshot:
    """Compute and store (or replace) the snapshot of one community and period."""
    snapshot, _ = CommunityMetricSnapshot.objects.update_or_create(
        community=community,
        period_key=period.key,
        defaults={
            "data": compute_dashboard(community, period),
            "computed_at": timezone.now(),
            "period_start": period.start,
            "period_end": period.end,
        },
    )
    return snapshot


def dashboard_snapshot(community: Community, period_key: str) -> CommunityMetricSnapshot:
    """What the page shows: the stored snapshot, computed now if missing or stale."""
    snapshot = CommunityMetricSnapshot.objects.filter(
        community=community, period_key=period_key
    ).first()
    if snapshot is None or timezone.now() - snapshot.computed_at > SNAPSHOT_MAX_AGE:
        snapshot = store_snapshot(community, period_for(period_key))
    return snapshot


def refresh_all_snapshots() -> int:
    """The periodic task's work: every community, every period."""
    count = 0
    for community in Community.objects.all().iterator():
        for key in PERIODS:
            store_snapshot(community, period_for(key))
            count += 1
    return count


def section(*, order: int, title: str, stats: list, series: dict, labels: dict, table=()) -> dict:
    """One app's section, in the shape `register_dashboard_section` describes."""
    return {
        "order": order,
        "title": title,
        "stats": stats,
        "series": series,
        "table": list(table),
        "labels": labels,
    }


def stat(key: str, value, unit: str = "count") -> dict:
    """One indicator of an app's dashboard section; `unit` is "count", "share" or "hours"."""
    return {"key": key, "value": value, "unit": unit}


def monthly_counts(queryset, field: str, period: Period) -> list[dict]:
    """Rows of `queryset` whose datetime `field` falls in the period, per calendar month,
    one entry for each of the period's months (zero when none):
    [{"month": "YYYY-MM", "value": n}]. One query. The apps' dashboard sections build
    their monthly series with it."""
    rows = (
        queryset.filter(period.within(field))
        .annotate(month=TruncMonth(field))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    counts = {month.strftime("%Y-%m"): n for month, n in rows}
    return [
        {"month": month.strftime("%Y-%m"), "value": counts.get(month.strftime("%Y-%m"), 0)}
        for month in period.months
    ]


# Which recorded activity speaks to each cycle of value, for the value matrix.
CYCLE_INDICATORS = {
    ValueCycle.IMMEDIATE: [ParticipationKind.ATTENDED_MEETING, ParticipationKind.ASKED_PROBLEM],
    ValueCycle.POTENTIAL: [ParticipationKind.ANSWERED_PROBLEM, ParticipationKind.WROTE_ENTRY,
                           ParticipationKind.TOLD_STORY],
    ValueCycle.APPLIED: [ParticipationKind.VALIDATED_ENTRY, ParticipationKind.SOLUTION_ACCEPTED],
    ValueCycle.REALIZED: [],
    ValueCycle.TRANSFORMATIVE: [ParticipationKind.MENTORED, ParticipationKind.HOSTED_MEETING],
}  # fmt: skip


def value_matrix_rows(community: Community, period: Period) -> dict:
    """The coordinators' value matrix: for each cycle of value, the stories that reach
    it and the recorded activity that speaks to it, plus the follow-up outcomes.
    Three queries."""

    stories = list(
        ValueStory.objects.filter(community=community, created_at__gte=period.start)
        .select_related("narrator", "community")
        .order_by("-created_at")
    )
    activity = dict(
        ParticipationEvent.objects.filter(
            membership__community=community, occurred_at__gte=period.start
        )
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    outcomes = ValueFollowUp.objects.filter(
        story__community=community, answered_at__gte=period.start
    ).aggregate(
        happened=Count("pk", filter=Q(outcome=FollowUpOutcome.HAPPENED)),
        partly=Count("pk", filter=Q(outcome=FollowUpOutcome.PARTLY)),
        not_yet=Count("pk", filter=Q(outcome=FollowUpOutcome.NOT_YET)),
        no=Count("pk", filter=Q(outcome=FollowUpOutcome.NO)),
    )
    labels = dict(ParticipationKind.choices)
    rows = []
    for key, label in ValueCycle.choices:
        reaching = [story for story in stories if getattr(story, key).strip()]
        rows.append(
            {
                "key": key,
                "label": label,
                "stories": len(reaching),
                "examples": reaching[:3],
                "indicators": [
                    {"label": labels[kind], "value": activity.get(kind, 0)}
                    for kind in CYCLE_INDICATORS[key]
                ],
            }
        )
    return {"rows": rows, "outcomes": outcomes, "total": len(stories)}


# --- Exports: each series of the dashboard as rows (the CSV downloads and the API) --------

_BASE_EXPORTS = {
    "mix": (["level", "count", "share"], lambda d: [
        [r["level"], r["count"], f"{r['share']:.4f}"] for r in d["mix"]["rows"]
    ]),
    "movements": (["from", "to", "count"], lambda d: [
        [r["from"], r["to"], r["count"]] for r in d["movements"]
    ]),
    "contributors": (["month", "new", "returning", "lapsed"], lambda d: [
        [r["month"], r["new"], r["returning"], r["lapsed"]] for r in d["contributors"]
    ]),
    "concentration": (["members", "contributors", "contributions", "top10_share", "gini"],
                      lambda d: [[
        d["concentration"]["members"], d["concentration"]["contributors"],
        d["concentration"]["contributions"], f"{d['concentration']['top10_share']:.4f}",
        f"{d['concentration']['gini']:.4f}",
    ]]),
}  # fmt: skip


def _section_exports(key: str) -> dict:
    """CSV exports of one section: its monthly series (long format), its figures, and
    the oldest waiting items it lists."""

    def section(d: dict) -> dict:
        return d.get("sections", {}).get(key, {})

    return {
        f"{key}-series": (["series", "month", "value"], lambda d: [
            [name, point["month"], point["value"]]
            for name, points in [
                *section(d).get("series", {}).items(),
                *[(f"{signal['key']}:{name}", points) for signal in section(d).get("signals", [])
                  for name, points in signal["series"].items()],
            ] for point in points
        ]),
        f"{key}-figures": (["figure", "value", "unit"], lambda d: [
            [stat["key"], "" if stat["value"] is None else stat["value"], stat["unit"]]
            for stat in section(d).get("stats", [])
        ]),
        f"{key}-waiting": (["title", "age_hours", "url"], lambda d: [
            [row["title"], row["age_hours"], row["url"]] for row in section(d).get("table", [])
        ]),
    }  # fmt: skip


# A cell a spreadsheet would read as a formula (OWASP "CSV injection"): a title such as
# `=HYPERLINK(...)`, `+cmd|...` or `@SUM(...)` must stay text when a coordinator opens
# the export.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A CSV cell that no spreadsheet evaluates: text that starts (after any spaces)
    with = + - @, a tab or a carriage return gets a leading apostrophe. Numbers are
    left as they are (a negative number is not a formula)."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_series() -> dict:
    """Every exportable series by name: (header, rows of a snapshot's data). The
    practice apps' sections are registered when the apps load, so this is built on use."""
    series = dict(_BASE_EXPORTS)
    for _order, key, _build in DASHBOARD_SECTIONS:
        series.update(_section_exports(key))
    return series
