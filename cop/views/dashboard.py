"""The coordinators' health dashboard and its CSV exports. Reads the stored snapshot."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from cop.charts import column_chart, hbar_chart, line_chart, lorenz_chart
from cop.dashboard import (
    PERIODS,
    dashboard_snapshot,
    export_series,
    period_for,
    spreadsheet_safe,
    with_labels,
)
from cop.permissions import allowed, authorizes
from cop.rules import membership_of
from cop.selectors import communities as selectors


def _coordinator_community(request: HttpRequest, slug: str):
    community = selectors.access_community(request.user, slug)
    if not allowed(request.user, "cop.view_coordination", community):
        # The dashboard is the coordinators' tool; for others it does not exist.
        raise Http404("No such page.")
    return community


def people_charts(data: dict) -> dict:
    """The charts of who takes part, from dashboard or sponsor report data: members by
    level, and contributors per month (new, returning, lapsed)."""
    contributors = data["contributors"]
    return {
        "mix": hbar_chart(data["mix"]["rows"], title=_("Members by participation level")),
        "contributors": column_chart(
            [row["month"] for row in contributors],
            {
                _("New"): [row["new"] for row in contributors],
                _("Returning"): [row["returning"] for row in contributors],
                _("Lapsed"): [row["lapsed"] for row in contributors],
            },
            title=_("Contributors per month"),
        ),
    }


@authorizes("cop.view_coordination", "cop.view_community")
@login_required
def community_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    community = _coordinator_community(request, slug)
    period = period_for(request.GET.get("period", "90d"))
    snapshot = dashboard_snapshot(community, period.key)
    data = with_labels(snapshot.data)
    charts = {
        **people_charts(data),
        "lorenz": lorenz_chart(
            [tuple(point) for point in data["concentration"]["lorenz"]],
            title=_("Concentration of contributions (Lorenz curve)"),
        ),
    }
    return render(
        request,
        "cop/dashboard.html",
        {
            "community": community,
            "membership": membership_of(request.user, community),
            "period": period,
            "periods": [(key, label) for key, (label, _days) in PERIODS.items()],
            "snapshot": snapshot,
            "data": data,
            "charts": charts,
            "sections": section_views(data),
        },
    )


@authorizes("cop.view_coordination", "cop.view_community")
@login_required
def dashboard_csv(request: HttpRequest, slug: str, series: str) -> HttpResponse:
    community = _coordinator_community(request, slug)
    exports = export_series()
    if series not in exports:
        raise Http404("No such series.")
    period = period_for(request.GET.get("period", "90d"))
    data = dashboard_snapshot(community, period.key).data
    header, rows = exports[series]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{community.slug}-{series}-{period.key}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows(data))
    return response


# --- Sections from the practice apps (meetings, knowledge, mentoring) ---------------------
# Each section in the snapshot has the shape documented in `knowledge/dashboard.py`; its
# labels are English message ids, translated here when the page is drawn.


def section_views(data: dict) -> list[dict]:
    """The snapshot's sections in their order, each with translated labels, its chart
    and the rows of the table beside the chart (one row per month)."""
    views = []
    ordered = sorted(data.get("sections", {}).items(), key=lambda item: item[1].get("order", 0))
    for key, section in ordered:
        labels = section.get("labels", {})

        def label(name: str, labels=labels) -> str:
            return _(labels[name]) if labels.get(name) else name

        series = section.get("series", {})
        months = [point["month"] for point in next(iter(series.values()), [])]
        names = [label(name) for name in series]
        values = [[point["value"] for point in points] for points in series.values()]
        chart = (
            column_chart(months, dict(zip(names, values, strict=True)), title=label("chart"))
            if series
            else None
        )
        views.append(
            {
                "key": key,
                "title": _(section["title"]),
                "stats": [
                    {**stat, "label": label(stat["key"]), "days": (stat["value"] or 0) / 24}
                    for stat in section["stats"]
                ],
                "chart": chart,
                "series_names": names,
                "months": [
                    {"month": month, "values": [column[i] for column in values]}
                    for i, month in enumerate(months)
                ],
                "signals": signal_views(section, label),
                "table_title": label("table") if "table" in labels else "",
                "table": [
                    {**row, "age_days": int(row["age_hours"] // 24)}
                    for row in section.get("table", [])
                ],
            }
        )
    return views


def signal_views(section: dict, label) -> list[dict]:
    """A section's signals (`knowledge.signals_groupthink`): each with its label, stated
    reference and explanation, a line chart over its months and the rows beside it."""
    views = []
    for signal in section.get("signals", []):
        key, percent = signal["key"], signal["unit"] == "share"
        names = [label(name) for name in signal["series"]]
        columns = [[p["value"] for p in points] for points in signal["series"].values()]
        months = [p["month"] for p in next(iter(signal["series"].values()), [])]
        views.append(
            {
                **signal,
                "label": label(key),
                "reference_text": label(f"{key}_reference"),
                "explained": label(f"{key}_explained"),
                "percent": percent,
                "chart": line_chart(
                    months,
                    dict(zip(names, columns, strict=True)),
                    title=label(key),
                    reference=signal["reference"] if signal["reference"] else None,
                    percent=percent,
                ),
                "series_names": names,
                "rows": [
                    {"month": month, "values": [column[i] for column in columns]}
                    for i, month in enumerate(months)
                ],
            }
        )
    if views and not section.get("shared_available", True):
        views[-1]["note"] = label("shared_unavailable")
    return views
