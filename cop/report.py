"""The sponsor report: a community's value stories, health figures and charts for a
chosen period, as a printable page and as a PDF (reportlab).

Figures are the health dashboard's (`cop.dashboard.compute_dashboard`, with the apps'
sections from its registry) for the chosen dates instead of a stored snapshot; the value
stories are the newest `MAX_STORIES` told in the period. A fixed number of queries,
whatever the period's length (bounded to two years by the form).
"""

import io
from dataclasses import dataclass
from datetime import date, datetime, time
from xml.sax.saxutils import escape

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from cop.dashboard import Period, compute_dashboard, with_labels
from cop.models import Community, Membership, Thanks, ValueStory

MAX_STORIES = 20


@dataclass(frozen=True)
class SponsorReport:
    community: Community
    period: Period
    data: dict
    stories: list
    joined: int
    thanks: int


def period_between(start: date, end: date) -> Period:
    """The period from the start of `start` to the end of `end`, in the current zone."""
    zone = timezone.get_current_timezone()
    return Period(
        key="custom",
        label=f"{start:%d %b %Y} – {end:%d %b %Y}",
        start=datetime.combine(start, time.min, tzinfo=zone),
        end=datetime.combine(end, time.max, tzinfo=zone),
    )


def sponsor_report(*, community: Community, start: date, end: date) -> SponsorReport:
    period = period_between(start, end)
    data = with_labels(compute_dashboard(community, period))
    stories = list(
        ValueStory.objects.filter(
            community=community, created_at__gte=period.start, created_at__lte=period.end
        )
        .select_related("narrator")
        .only(
            "id",
            "community_id",
            "title",
            "immediate",
            "realized",
            "created_at",
            "narrator__id",
            "narrator__display_name",
            "narrator__email",
        )
        .order_by("-created_at")[:MAX_STORIES]
    )
    counts = Membership.objects.filter(
        community=community, joined_at__gte=period.start, joined_at__lte=period.end
    ).aggregate(n=Count("id"))
    thanks = Thanks.objects.filter(
        community=community, created_at__gte=period.start, created_at__lte=period.end
    ).count()
    return SponsorReport(
        community=community,
        period=period,
        data=data,
        stories=stories,
        joined=counts["n"],
        thanks=thanks,
    )


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def report_pdf(report: SponsorReport) -> bytes:
    """The report as an A4 PDF: figures, the contributors chart, the participation mix,
    and the value stories (their text escaped: reportlab reads a markup of its own)."""
    styles = getSampleStyleSheet()
    body, h1, h2 = styles["BodyText"], styles["Title"], styles["Heading2"]
    data = report.data
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=_("Sponsor report: %(name)s") % {"name": report.community.name},
        leftMargin=2 * cm,
        rightMargin=2 * cm,
    )
    story = [
        _p(_("Sponsor report: %(name)s") % {"name": report.community.name}, h1),
        _p(report.period.label, body),
        _p(report.community.domain, body),
        Spacer(1, 0.4 * cm),
        _p(_("Figures"), h2),
    ]
    concentration = data["concentration"]
    figures = [
        [_("Active members"), str(data["mix"]["total"])],
        [_("Joined in the period"), str(report.joined)],
        [_("Contributed in the period"), str(concentration["contributors"])],
        [_("Contributions"), str(concentration["contributions"])],
        [_("Thanks given"), str(report.thanks)],
        [_("Value stories told"), str(len(report.stories))],
        [_("Stage of development"), str(data["stage_label"])],
    ]
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("FONTSIZE", (0, 0), (-1, -1), 9),
        ]
    )
    story += [Table(figures, colWidths=[9 * cm, 4 * cm], style=grid), Spacer(1, 0.4 * cm)]
    contributors = data["contributors"]
    if contributors:
        story.append(_p(_("Contributors per month"), h2))
        drawing = Drawing(460, 180)
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 40, 30, 400, 130
        chart.data = [
            [row["new"] for row in contributors],
            [row["returning"] for row in contributors],
        ]
        chart.categoryAxis.categoryNames = [str(row["month"]) for row in contributors]
        chart.categoryAxis.labels.fontSize = 7
        chart.valueAxis.valueMin = 0
        chart.bars[0].fillColor = colors.HexColor("#2f6246")
        chart.bars[1].fillColor = colors.HexColor("#8fbf9f")
        drawing.add(chart)
        story += [drawing, _p(_("Dark: new contributors; light: returning."), body)]
    story.append(_p(_("Participation mix"), h2))
    mix = [[_("Level"), _("Members"), _("Share")]] + [
        [str(row["label"]), str(row["count"]), f"{round(row['share'] * 100)} %"]
        for row in data["mix"]["rows"]
    ]
    story += [Table(mix, style=grid), Spacer(1, 0.4 * cm)]
    story.append(_p(_("Value stories"), h2))
    if not report.stories:
        story.append(_p(_("No value story was told in this period."), body))
    for value_story in report.stories:
        story += [
            _p(f"{value_story.title} ({value_story.narrator.name if value_story.narrator else ''},"
               f" {value_story.created_at:%d %b %Y})", styles["Heading4"]),
            _p(value_story.immediate[:1500], body),
        ]  # fmt: skip
        if value_story.realized:
            story.append(_p(value_story.realized[:1500], body))
    doc.build(story)
    return out.getvalue()
