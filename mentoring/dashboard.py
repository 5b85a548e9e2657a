"""The mentoring section of the coordinators' health dashboard (`cop.dashboard`).

`build_section(community=, period=)` is registered in `MentoringConfig.ready()` and
returns the shape every section has (`cop.dashboard.register_dashboard_section`); its
table lists the oldest stalled requests.

Indicators:
- open requests: those still live at the period's end (waiting for a mentor, offered,
  or unmatched);
- stalled requests, among them: unmatched, or offered and past the mentor's deadline;
  the oldest few are listed;
- median hours to match: from the request to the mentorship's start (the mentor
  accepting), over the mentorships that started in the period;
- mentorships active (and paused) now, and completed in the period.
"""

from datetime import datetime

from django.db.models import Count, F, Q
from django.utils.translation import gettext_noop

from cop.dashboard import Period, monthly_counts, register_dashboard_section, section, stat
from cop.metrics import median
from cop.models import Community

from .enums import LIVE_REQUEST_STATUSES, MentorshipStatus, RequestStatus
from .models import MentorRequest, Mentorship

ORDER = 30
OLDEST_SHOWN = 5

LABELS = {
    "open_requests": gettext_noop("Open requests"),
    "stalled_requests": gettext_noop("Stalled requests (unmatched or overdue)"),
    "median_match_hours": gettext_noop("Median time to match"),
    "matched": gettext_noop("Mentorships started"),
    "active": gettext_noop("Active mentorships"),
    "paused": gettext_noop("Paused mentorships"),
    "completed": gettext_noop("Mentorships completed"),
    "requests": gettext_noop("Requests"),
    "chart": gettext_noop("Mentor requests and matches per month"),
    "table": gettext_noop("Oldest stalled requests"),
}


def _hours(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def requests_waiting(community: Community, period: Period) -> dict:
    """Live requests, the stalled ones among them, and the oldest stalled. Two queries."""
    live = MentorRequest.objects.filter(
        community=community, status__in=LIVE_REQUEST_STATUSES, created_at__lt=period.end
    )
    stalled_q = Q(status=RequestStatus.UNMATCHED) | Q(
        status=RequestStatus.OFFERED, deadline__lte=period.end
    )
    counts = live.aggregate(open=Count("pk"), stalled=Count("pk", filter=stalled_q))
    oldest = (
        live.filter(stalled_q)
        .select_related("requester", "community")
        .order_by("created_at", "pk")[:OLDEST_SHOWN]
    )
    return {
        "open": counts["open"],
        "stalled": counts["stalled"],
        "oldest": [
            {
                "title": request.requester.name,
                "age_hours": round(_hours(period.end, request.created_at), 2),
                "url": request.get_absolute_url(),
            }
            for request in oldest
        ],
    }


def matching(community: Community, period: Period) -> dict:
    """Mentorships that started in the period and the median hours from request to
    start. One query."""
    spans = [
        _hours(started, asked)
        for started, asked in Mentorship.objects.filter(
            period.within("started_at"), community=community
        ).values_list("started_at", F("request__created_at"))
    ]
    median_hours = median(spans)
    return {
        "matched": len(spans),
        "median_hours": None if median_hours is None else round(median_hours, 2),
    }


def mentorship_counts(community: Community, period: Period) -> dict:
    """Mentorships active and paused now, and completed within the period. One query."""
    return Mentorship.objects.filter(community=community).aggregate(
        active=Count("pk", filter=Q(status=MentorshipStatus.ACTIVE)),
        paused=Count("pk", filter=Q(status=MentorshipStatus.PAUSED)),
        completed=Count(
            "pk",
            filter=Q(status=MentorshipStatus.COMPLETED) & period.within("completed_at"),
        ),
    )


def build_section(*, community: Community, period: Period) -> dict:
    """The mentoring section of the dashboard snapshot (see the module docstring)."""
    waiting = requests_waiting(community, period)
    matched = matching(community, period)
    mentorships = mentorship_counts(community, period)
    return section(
        order=ORDER,
        title=gettext_noop("Mentoring"),
        stats=[
            stat("open_requests", waiting["open"]),
            stat("stalled_requests", waiting["stalled"]),
            stat("median_match_hours", matched["median_hours"], "hours"),
            stat("matched", matched["matched"]),
            stat("active", mentorships["active"]),
            stat("paused", mentorships["paused"]),
            stat("completed", mentorships["completed"]),
        ],
        series={
            "requests": monthly_counts(
                MentorRequest.objects.filter(community=community), "created_at", period
            ),
            "matched": monthly_counts(
                Mentorship.objects.filter(community=community), "started_at", period
            ),
        },
        table=waiting["oldest"],
        labels=LABELS,
    )


def register_section() -> None:
    """Put this section on the health dashboard (called from the app's `ready()`)."""

    register_dashboard_section(order=ORDER, key="mentoring", build=build_section)
