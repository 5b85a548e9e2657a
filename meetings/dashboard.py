"""The meetings section of the coordinators' health dashboard (`cop.dashboard`).

`build_section(community=, period=)` is registered in `MeetingsConfig.ready()` and
returns the shape every section has (`cop.dashboard.register_dashboard_section`); its
table is empty.

Indicators, over the meetings that started within the period:
- attendance trend: people marked as attending, per month of the meeting;
- no-show rate: of the "going" answers (not waitlisted) to meetings that were held,
  the share whose member was not marked as attending; None when nobody said "going";
- waitlist pressure: the share of the period's meetings that were not cancelled and
  still have a waitlist (nobody is promoted once a meeting has started, so a past
  meeting keeps the waitlist it had), and the average length of those waitlists.
"""

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from cop.dashboard import Period, monthly_counts, register_dashboard_section, section, stat
from cop.models import Community

from .enums import MeetingStatus, RSVPAnswer
from .models import RSVP, Attendance, Meeting

ORDER = 10

LABELS = {
    "meetings": gettext_noop("Meetings"),
    "held": gettext_noop("Meetings held"),
    "attended": gettext_noop("Attendances"),
    "no_show_rate": gettext_noop("No-show rate (going but absent)"),
    "waitlist_share": gettext_noop("Meetings with a waitlist"),
    "waitlist_average": gettext_noop("Average waitlist length"),
    "attendance": gettext_noop("Attended"),
    "chart": gettext_noop("Attendance per month"),
}


def attendance_by_month(community: Community, period: Period) -> list[dict]:
    """People marked as attending, per month the meeting started in. One query."""
    return monthly_counts(
        Attendance.objects.filter(meeting__community=community), "meeting__starts_at", period
    )


def no_shows(community: Community, period: Period) -> dict:
    """Going (not waitlisted) answers to held meetings of the period, and how many of
    those members were not marked as attending. One query."""
    attended = Attendance.objects.filter(meeting=OuterRef("meeting"), user=OuterRef("user"))
    totals = RSVP.objects.filter(
        period.within("meeting__starts_at"),
        meeting__community=community,
        meeting__status=MeetingStatus.HELD,
        answer=RSVPAnswer.GOING,
        waitlisted=False,
    ).aggregate(going=Count("pk"), absent=Count("pk", filter=~Exists(attended)))
    going, absent = totals["going"], totals["absent"]
    return {"going": going, "absent": absent, "rate": absent / going if going else None}


def _count_of(rows) -> Coalesce:
    """How many of `rows` (filtered on an OuterRef to the meeting), as a subquery: two
    joins side by side would multiply RSVPs by attendances."""
    counted = rows.order_by().values("meeting").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def waitlists(community: Community, period: Period) -> dict:
    """Meetings of the period that were not cancelled, how many were held, how many have
    a waitlist and its average length, and attendances in all. One query."""
    rows = list(
        Meeting.objects.filter(period.within("starts_at"), community=community)
        .exclude(status=MeetingStatus.CANCELLED)
        .annotate(
            waiting=_count_of(RSVP.objects.filter(meeting=OuterRef("pk"), waitlisted=True)),
            attended=_count_of(Attendance.objects.filter(meeting=OuterRef("pk"))),
        )
        .values_list("status", "waiting", "attended")
    )
    lengths = [waiting for _status, waiting, _attended in rows if waiting]
    return {
        "meetings": len(rows),
        "held": sum(1 for status, _w, _a in rows if status == MeetingStatus.HELD),
        "attended": sum(attended for _s, _w, attended in rows),
        "with_waitlist": len(lengths),
        "share": len(lengths) / len(rows) if rows else None,
        "average": sum(lengths) / len(lengths) if lengths else None,
    }


def build_section(*, community: Community, period: Period) -> dict:
    """The meetings section of the dashboard snapshot (see the module docstring)."""
    absent = no_shows(community, period)
    pressure = waitlists(community, period)
    return section(
        order=ORDER,
        title=gettext_noop("Meetings"),
        stats=[
            stat("meetings", pressure["meetings"]),
            stat("held", pressure["held"]),
            stat("attended", pressure["attended"]),
            stat("no_show_rate", absent["rate"], "share"),
            stat("waitlist_share", pressure["share"], "share"),
            stat(
                "waitlist_average",
                None if pressure["average"] is None else round(pressure["average"], 2),
            ),
        ],
        series={"attendance": attendance_by_month(community, period)},
        labels=LABELS,
    )


def register_section() -> None:
    """Put this section on the health dashboard (called from the app's `ready()`)."""

    register_dashboard_section(order=ORDER, key="meetings", build=build_section)
