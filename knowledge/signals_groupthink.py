"""Groupthink and insularity signals for the coordinators' health dashboard.

A community that listens only to itself narrows: a few voices carry the conversation,
nobody new speaks up, answers come from the core alone, validated practices go
unquestioned, one person's word makes a practice "validated", and nothing comes in from
outside. Each signal below is a monthly figure over the 12 calendar months that end
with the period's end, computed in SQL by month (`TruncMonth`), set against a stated
reference and explained in plain words. A fixed number of queries (fourteen, plus those
of each registered outside-input source), whatever the size of the community.

- **top_voices**: share of the month's replies and published practices written by the
  top 10 % of the month's voices (at least one person). Reference: at most 50 %.
- **new_voices**: members whose first post (problem, story or practice) or first answer
  (reply) in the community fell in the month. Reference: at least one a month.
- **outside_core**: share of the month's replies by members who are not at the core
  level now (their current level: levels are not kept per month). Reference: at least 50 %.
- **notes_per_practice**: dissenting and alternative notes written in the month per
  practice validated by the month's end. Reference: above 0 (some questioning).
- **single_validator**: of the practices validated in the month, the share that one
  person alone vouched for (endorsements and expert validations together). Reference:
  at most 25 %.
- **outside_input**: guests invited to the community's meetings held in the month, plus
  what `cop.extensions.OUTSIDE_INPUT_SOURCES` report (practices shared from related
  communities, once that exists). Reference: at least one a quarter.
"""

from datetime import date, datetime

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_noop

from cop.dashboard import Period, register_dashboard_section
from cop.enums import Level
from cop.extensions import OUTSIDE_INPUT_SOURCES
from cop.metrics import top_share
from cop.models import Community, Membership
from meetings.models import MeetingGuest

from .enums import EntryStatus, NoteKind
from .models import Endorsement, ExpertValidation, Note, PracticeEntry, Problem, Reply, Story

ORDER = 25
MONTHS = 12
TOP_FRACTION = 0.1

# (key, unit, reference value, "higher is better"?): a month is flagged when it is on
# the wrong side of its reference.
SIGNALS = [
    ("top_voices", "share", 0.5, False),
    ("new_voices", "count", 1, True),
    ("outside_core", "share", 0.5, True),
    ("notes_per_practice", "ratio", 0.0, True),
    ("single_validator", "share", 0.25, False),
    ("outside_input", "count", 1, True),
]

LABELS = {
    "top_voices": gettext_noop("Replies and practices by the top 10 % of voices"),
    "top_voices_reference": gettext_noop("Reference: at most 50 %."),
    "top_voices_explained": gettext_noop(
        "Of the replies and practices written each month, the share written by the most "
        "active tenth of the people who wrote that month. Far above half, a few voices "
        "carry the conversation."
    ),
    "new_voices": gettext_noop("New voices"),
    "new_voices_reference": gettext_noop("Reference: at least one a month."),
    "new_voices_explained": gettext_noop(
        "Members whose first post (a problem, story or practice) or first answer fell in "
        "the month. Months without any mean the same people keep talking."
    ),
    "first_post": gettext_noop("First post"),
    "first_answer": gettext_noop("First answer"),
    "outside_core": gettext_noop("Answers from outside the core"),
    "outside_core_reference": gettext_noop("Reference: at least 50 %."),
    "outside_core_explained": gettext_noop(
        "The share of replies written by members who are not at the core level (their "
        "level today). Low, and only the core answers: others may not feel invited."
    ),
    "notes_per_practice": gettext_noop("Dissenting and alternative notes per validated practice"),
    "notes_per_practice_reference": gettext_noop("Reference: above 0."),
    "notes_per_practice_explained": gettext_noop(
        "Notes disagreeing with a practice or offering another way, written in the month, "
        "per practice validated by then. None for months while practices keep being "
        "validated: nobody questions them."
    ),
    "single_validator": gettext_noop("Practices validated by one person"),
    "single_validator_reference": gettext_noop("Reference: at most 25 %."),
    "single_validator_explained": gettext_noop(
        "Of the practices validated in the month, the share that only one person vouched "
        "for (“this worked for me” or an expert's validation). One pair of eyes is thin "
        "evidence."
    ),
    "outside_input": gettext_noop("Outside input"),
    "outside_input_reference": gettext_noop("Reference: at least one a quarter."),
    "outside_input_explained": gettext_noop(
        "Guests invited to the community's meetings held in the month, and practices "
        "shared from related communities."
    ),
    "guests": gettext_noop("Guests at meetings"),
    "shared": gettext_noop("Shared from related communities"),
    "shared_unavailable": gettext_noop(
        "Practices shared from related communities: not yet available."
    ),
    "title": gettext_noop("Groupthink and insularity"),
}


def signal_months(end: datetime) -> list[date]:
    """First days of the `MONTHS` calendar months ending with `end`'s month."""
    year, month = end.year, end.month
    months = []
    for _i in range(MONTHS):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def _key(value) -> str:
    return value.strftime("%Y-%m")


def _window(months: list[date], end: datetime) -> tuple[datetime, datetime]:
    start = datetime(months[0].year, months[0].month, 1, tzinfo=end.tzinfo)
    return start, end


def _by_month(queryset, field: str, **aggregates) -> dict[str, dict]:
    rows = (
        queryset.annotate(month=TruncMonth(field)).order_by().values("month").annotate(**aggregates)
    )
    return {_key(row["month"]): row for row in rows}


def _series(months, values: dict[str, float], missing=0) -> list[dict]:
    """One point per month; a share of nothing (no replies that month) is None."""
    return [{"month": _key(m), "value": values.get(_key(m), missing)} for m in months]


def groupthink_signals(community: Community, *, end: datetime) -> dict:
    """The six signals of `community` over the 12 months ending at `end` (see the module
    docstring): {"months": [...], "signals": [{key, unit, reference, higher_is_better,
    current, flagged, series: {name: [{month, value}]}}], "shared_available": bool}."""
    months = signal_months(end)
    start, end = _window(months, end)
    in_window = {"created_at__gte": start, "created_at__lt": end}
    live = {"deleted_at__isnull": True, "hidden_at__isnull": True}

    # Voices: per month and author, replies and published practices (two queries).
    voices: dict[str, dict[int, int]] = {}
    for queryset in (
        Reply.objects.filter(problem__community=community, author__isnull=False, **live),
        PracticeEntry.objects.filter(community=community, author__isnull=False, **live).exclude(
            status=EntryStatus.DRAFT
        ),
    ):
        rows = (
            queryset.filter(**in_window)
            .annotate(month=TruncMonth("created_at"))
            .order_by()
            .values_list("month", "author")
            .annotate(n=Count("pk"))
        )
        for month, author, n in rows:
            per_author = voices.setdefault(_key(month), {})
            per_author[author] = per_author.get(author, 0) + n
    top = {
        month: round(top_share(list(c.values()), TOP_FRACTION), 4) for month, c in voices.items()
    }

    # New voices: each author's first post and first answer ever (three + one queries).
    first_post: dict[int, datetime] = {}
    for queryset in (
        Problem.objects.filter(community=community, author__isnull=False),
        Story.objects.filter(community=community, author__isnull=False),
        PracticeEntry.objects.filter(community=community, author__isnull=False).exclude(
            status=EntryStatus.DRAFT
        ),
    ):
        for author, first in (
            queryset.order_by().values_list("author").annotate(first=Min("created_at"))
        ):
            if author not in first_post or first < first_post[author]:
                first_post[author] = first
    first_answer = dict(
        Reply.objects.filter(problem__community=community, author__isnull=False)
        .order_by()
        .values_list("author")
        .annotate(first=Min("created_at"))
    )
    posts_by_month: dict[str, int] = {}
    for first in first_post.values():
        posts_by_month[_key(first)] = posts_by_month.get(_key(first), 0) + 1
    answers_by_month: dict[str, int] = {}
    for first in first_answer.values():
        answers_by_month[_key(first)] = answers_by_month.get(_key(first), 0) + 1
    # Someone whose first post and first answer fall in different months counts once,
    # in the month of the earlier.
    earliest: dict[int, str] = {}
    for firsts in (first_post, first_answer):
        for author, first in firsts.items():
            if author not in earliest or _key(first) < earliest[author]:
                earliest[author] = _key(first)
    new_voices: dict[str, int] = {}
    for month in earliest.values():
        new_voices[month] = new_voices.get(month, 0) + 1

    # Answers from outside the core (one query).
    core = Membership.objects.filter(community=community, user=OuterRef("author"), level=Level.CORE)
    replies = _by_month(
        Reply.objects.filter(problem__community=community, **live, **in_window).annotate(
            by_core=Exists(core)
        ),
        "created_at",
        total=Count("pk"),
        outside=Count("pk", filter=Q(by_core=False)),
    )
    outside = {m: round(r["outside"] / r["total"], 4) for m, r in replies.items() if r["total"]}

    # Notes per validated practice (three queries).
    notes = _by_month(
        Note.objects.filter(
            entry__community=community,
            entry__deleted_at__isnull=True,
            kind__in=[NoteKind.DISSENT, NoteKind.ALTERNATIVE],
            **in_window,
        ),
        "created_at",
        n=Count("pk"),
    )
    validated = PracticeEntry.objects.filter(
        community=community, deleted_at__isnull=True, status=EntryStatus.VALIDATED
    )
    validated_before = validated.filter(validated_at__lt=start).count()
    validated_monthly = _by_month(
        validated.filter(validated_at__gte=start, validated_at__lt=end),
        "validated_at",
        n=Count("pk"),
    )
    notes_ratio, running = {}, validated_before
    for m in months:
        running += validated_monthly.get(_key(m), {}).get("n", 0)
        n = notes.get(_key(m), {}).get("n", 0)
        notes_ratio[_key(m)] = round(n / running, 4) if running else 0

    # Practices validated by one person (three queries: the practices, their
    # endorsers, their expert validators; distinct people per practice).
    validated_months = dict(
        validated.filter(validated_at__gte=start, validated_at__lt=end)
        .annotate(month=TruncMonth("validated_at"))
        .values_list("pk", "month")
    )
    people: dict[int, set] = {pk: set() for pk in validated_months}
    for entry_id, user_id in Endorsement.objects.filter(
        entry_id__in=list(validated_months)
    ).values_list("entry_id", "user_id"):
        people[entry_id].add(user_id)
    for entry_id, user_id in ExpertValidation.objects.filter(
        entry_id__in=list(validated_months)
    ).values_list("entry_id", "validator_id"):
        people[entry_id].add(user_id)
    per_month: dict[str, list[int]] = {}
    for pk, month in validated_months.items():
        counts = per_month.setdefault(_key(month), [0, 0])
        counts[0] += 1
        counts[1] += len(people[pk]) <= 1
    alone = {m: round(single / total, 4) for m, (total, single) in per_month.items()}

    # Outside input: guests of meetings held in the month (one query), and the sources.
    guests = _by_month(
        MeetingGuest.objects.filter(
            meeting__community=community,
            revoked_at__isnull=True,
            meeting__starts_at__gte=start,
            meeting__starts_at__lt=end,
        ),
        "meeting__starts_at",
        n=Count("pk"),
    )
    guests_n = {m: row["n"] for m, row in guests.items()}
    shared: dict[str, int] = {}
    for source in OUTSIDE_INPUT_SOURCES:
        for month, n in source(community=community, since=start, until=end).items():
            shared[month] = shared.get(month, 0) + n
    outside_input = {_key(m): guests_n.get(_key(m), 0) + shared.get(_key(m), 0) for m in months}

    series = {
        "top_voices": {"top_voices": _series(months, top, None)},
        "new_voices": {
            "new_voices": _series(months, new_voices),
            "first_post": _series(months, posts_by_month),
            "first_answer": _series(months, answers_by_month),
        },
        "outside_core": {"outside_core": _series(months, outside, None)},
        "notes_per_practice": {"notes_per_practice": _series(months, notes_ratio)},
        "single_validator": {"single_validator": _series(months, alone, None)},
        "outside_input": {
            "guests": _series(months, guests_n),
            **({"shared": _series(months, shared)} if OUTSIDE_INPUT_SOURCES else {}),
        },
    }
    current = {
        "top_voices": top.get(_key(months[-1])),
        "new_voices": new_voices.get(_key(months[-1]), 0),
        "outside_core": outside.get(_key(months[-1])),
        "notes_per_practice": notes_ratio[_key(months[-1])],
        "single_validator": alone.get(_key(months[-1])),
        # a quarter: the last three months together
        "outside_input": sum(outside_input[_key(m)] for m in months[-3:]),
    }
    signals = []
    for key, unit, reference, higher_is_better in SIGNALS:
        value = current[key]
        if value is None:
            flagged = False
        elif key == "notes_per_practice":
            flagged = (
                value <= reference
                and validated_before + sum(r["n"] for r in validated_monthly.values()) > 0
            )
        else:
            flagged = value < reference if higher_is_better else value > reference
        signals.append(
            {
                "key": key,
                "unit": unit,
                "reference": reference,
                "higher_is_better": higher_is_better,
                "current": value,
                "flagged": flagged,
                "series": series[key],
            }
        )
    return {
        "months": [_key(m) for m in months],
        "signals": signals,
        "shared_available": bool(OUTSIDE_INPUT_SOURCES),
    }


def build_section(*, community: Community, period: Period) -> dict:
    """The dashboard section (shape in `knowledge/dashboard.py`), with the signals under
    "signals"; always the 12 months ending at the period's end."""
    found = groupthink_signals(community, end=period.end)
    return {
        "order": ORDER,
        "title": LABELS["title"],
        "stats": [
            {"key": s["key"], "value": s["current"], "unit": s["unit"]} for s in found["signals"]
        ],
        "series": {},
        "signals": found["signals"],
        "months": found["months"],
        "shared_available": found["shared_available"],
        "labels": LABELS,
    }


def register_section() -> None:
    register_dashboard_section(order=ORDER, key="groupthink", build=build_section)
