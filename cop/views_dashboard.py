"""The coordinators' health dashboard and its CSV exports. Reads the stored snapshot."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from cop import selectors
from cop.charts import column_chart, hbar_chart, lorenz_chart
from cop.dashboard import (
    DASHBOARD_SECTIONS,
    PERIODS,
    dashboard_snapshot,
    period_for,
    with_labels,
)
from cop.rules import is_coordinator, membership_of


def _coordinator_community(request: HttpRequest, slug: str):
    community = selectors.access_community(request.user, slug)
    if not is_coordinator(request.user, community):
        # The dashboard is the coordinators' tool; for others it does not exist.
        raise Http404("No such page.")
    return community


@login_required
def community_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    community = _coordinator_community(request, slug)
    period = period_for(request.GET.get("period", "90d"))
    snapshot = dashboard_snapshot(community, period.key)
    data = with_labels(snapshot.data)
    contributors = data["contributors"]
    charts = {
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


CSV_SERIES = {
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


@login_required
def dashboard_csv(request: HttpRequest, slug: str, series: str) -> HttpResponse:
    community = _coordinator_community(request, slug)
    if series not in CSV_SERIES:
        raise Http404("No such series.")
    period = period_for(request.GET.get("period", "90d"))
    data = dashboard_snapshot(community, period.key).data
    header, rows = CSV_SERIES[series]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{community.slug}-{series}-{period.key}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows(data))
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
        chart = column_chart(months, dict(zip(names, values, strict=True)), title=label("chart"))
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
                "table_title": label("table") if "table" in labels else "",
                "table": [
                    {**row, "age_days": int(row["age_hours"] // 24)}
                    for row in section.get("table", [])
                ],
            }
        )
    return views


def _section_csv(key: str) -> dict:
    """CSV exports of one section: its monthly series (long format), its figures, and
    the oldest waiting items it lists."""

    def section(d: dict) -> dict:
        return d.get("sections", {}).get(key, {})

    return {
        f"{key}-series": (["series", "month", "value"], lambda d: [
            [name, point["month"], point["value"]]
            for name, points in section(d).get("series", {}).items() for point in points
        ]),
        f"{key}-figures": (["figure", "value", "unit"], lambda d: [
            [stat["key"], "" if stat["value"] is None else stat["value"], stat["unit"]]
            for stat in section(d).get("stats", [])
        ]),
        f"{key}-waiting": (["title", "age_hours", "url"], lambda d: [
            [row["title"], row["age_hours"], row["url"]] for row in section(d).get("table", [])
        ]),
    }  # fmt: skip


for _order, _key, _build in DASHBOARD_SECTIONS:
    CSV_SERIES.update(_section_csv(_key))
