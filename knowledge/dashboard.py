"""The knowledge section of the coordinators' health dashboard (`cop.dashboard`).

`build_section(community=, period=)` is registered in `KnowledgeConfig.ready()`; the
nightly task stores what it returns as JSON in the community's snapshot, so it holds
only numbers, strings, lists and dicts. Every health section of the practice apps
(meetings, knowledge, mentoring) has the same shape:

    {
        "order": int,                 # where the section sits on the page
        "title": str,                 # an English message id, translated at render time
        "stats": [{"key": str, "value": int | float | None, "unit": "count" | "share" | "hours"}],
        "series": {name: [{"month": "YYYY-MM", "value": int}, ...]},  # the period's months
        "table": [{"title": str, "age_hours": float, "url": str}],   # oldest waiting first
        "labels": {key: str},         # message ids for stats, series, "chart" and "table"
    }

A median over no values is None (shown as "—"). Durations are hours as floats. Labels
are marked with `gettext_noop` so they are extracted, and translated when the page is
drawn, so one snapshot serves every language.

Indicators (CHAOSS time to first response; KCS validation):
- problems asked in the period: median hours to the first reply by someone other than
  the asker, and to the accepted solution;
- unanswered problems: open, not deleted, with no reply by anyone but the asker (all of
  them, whenever asked), and the oldest few;
- practice entries validated in the period and the median hours from creation to
  validation (the moment an entry left draft is not recorded, so creation it is);
- entries past their review date: live (published or validated) entries whose review
  date is before the period's end.
"""

from datetime import datetime

from django.db.models import Exists, F, Min, OuterRef, Q
from django.utils.translation import gettext_noop

from cop.dashboard import Period, monthly_counts, register_dashboard_section, section, stat
from cop.metrics import median
from cop.models import Community

from .enums import EntryStatus, ProblemStatus
from .models import PracticeEntry, Problem, Reply

ORDER = 20
OLDEST_SHOWN = 5

LABELS = {
    "median_first_reply_hours": gettext_noop("Median time to first reply"),
    "median_solution_hours": gettext_noop("Median time to an accepted solution"),
    "problems_asked": gettext_noop("Problems asked"),
    "unanswered": gettext_noop("Unanswered problems"),
    "entries_validated": gettext_noop("Practices validated"),
    "median_validation_hours": gettext_noop("Median time to validation"),
    "past_review": gettext_noop("Practices past their review date"),
    "asked": gettext_noop("Problems asked"),
    "validated": gettext_noop("Practices validated"),
    "chart": gettext_noop("Problems asked and practices validated per month"),
    "table": gettext_noop("Oldest unanswered problems"),
}


def _hours(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def problem_times(community: Community, period: Period) -> dict:
    """Median hours to the first reply by someone else, and to an accepted solution, of
    the problems asked in the period. One query."""
    others_reply = Q(replies__deleted_at__isnull=True) & (
        Q(replies__author__isnull=True) | ~Q(replies__author=F("author"))
    )
    rows = list(
        Problem.objects.filter(
            period.within("created_at"), community=community, deleted_at__isnull=True
        )
        .annotate(first_reply=Min("replies__created_at", filter=others_reply))
        .values_list("created_at", "first_reply", "status", "solved_at")
    )
    to_reply = [_hours(first, asked) for asked, first, _s, _d in rows if first is not None]
    to_solution = [
        _hours(solved, asked)
        for asked, _f, status, solved in rows
        if status == ProblemStatus.SOLVED and solved is not None
    ]
    return {
        "asked": len(rows),
        "median_first_reply_hours": _rounded(median(to_reply)),
        "median_solution_hours": _rounded(median(to_solution)),
    }


def unanswered_problems(community: Community, period: Period) -> dict:
    """Open problems nobody but the asker has replied to: how many, and the oldest few
    with their age in hours at the period's end. Two queries."""
    replies_by_others = Reply.objects.filter(
        # The asker's own replies do not answer; anyone's do when the asker is gone.
        Q(author__isnull=True) | Q(problem__author__isnull=True) | ~Q(author=OuterRef("author")),
        problem=OuterRef("pk"),
        deleted_at__isnull=True,
    )
    unanswered = Problem.objects.filter(
        ~Exists(replies_by_others),
        community=community,
        deleted_at__isnull=True,
        status=ProblemStatus.OPEN,
        created_at__lt=period.end,
    )
    oldest = unanswered.order_by("created_at", "pk").values_list("pk", "title", "created_at")[
        :OLDEST_SHOWN
    ]
    return {
        "count": unanswered.count(),
        "oldest": [
            {
                "title": title,
                "age_hours": _rounded(_hours(period.end, created)),
                "url": Problem(pk=pk, community=community).get_absolute_url(),
            }
            for pk, title, created in oldest
        ],
    }


def validation(community: Community, period: Period) -> dict:
    """Entries validated in the period, the median hours from creation to validation,
    and live entries past their review date. Two queries."""
    entries = PracticeEntry.objects.filter(community=community, deleted_at__isnull=True)
    validated = list(
        entries.filter(period.within("validated_at"), status=EntryStatus.VALIDATED).values_list(
            "created_at", "validated_at"
        )
    )
    past_review = entries.filter(
        status__in=[EntryStatus.NOT_VALIDATED, EntryStatus.VALIDATED],
        review_date__lt=period.end.date(),
    ).count()
    return {
        "validated": len(validated),
        "median_validation_hours": _rounded(
            median([_hours(done, made) for made, done in validated])
        ),
        "past_review": past_review,
    }


def build_section(*, community: Community, period: Period) -> dict:
    """The knowledge section of the dashboard snapshot (see the module docstring)."""
    times = problem_times(community, period)
    waiting = unanswered_problems(community, period)
    entries = validation(community, period)
    return section(
        order=ORDER,
        title=gettext_noop("Problems and knowledge"),
        stats=[
            stat("problems_asked", times["asked"]),
            stat("median_first_reply_hours", times["median_first_reply_hours"], "hours"),
            stat("median_solution_hours", times["median_solution_hours"], "hours"),
            stat("unanswered", waiting["count"]),
            stat("entries_validated", entries["validated"]),
            stat("median_validation_hours", entries["median_validation_hours"], "hours"),
            stat("past_review", entries["past_review"]),
        ],
        series={
            "asked": monthly_counts(
                Problem.objects.filter(community=community, deleted_at__isnull=True),
                "created_at",
                period,
            ),
            "validated": monthly_counts(
                PracticeEntry.objects.filter(
                    community=community, deleted_at__isnull=True, status=EntryStatus.VALIDATED
                ),
                "validated_at",
                period,
            ),
        },
        table=waiting["oldest"],
        labels=LABELS,
    )


def register_section() -> None:
    """Put this section on the health dashboard (called from the app's `ready()`)."""

    register_dashboard_section(order=ORDER, key="knowledge", build=build_section)
