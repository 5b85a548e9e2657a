"""Small server-rendered SVG charts: no script, readable in print, each drawn beside
a table with the same numbers. Every label passes through `escape`."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#2f6246", "#8fbf9f", "#c7772e", "#5b6ea8"]


def _svg(width: int, height: int, title: str, body: str, css: str = "") -> SafeString:
    return mark_safe(  # noqa: S308 -- every piece of text below is escaped
        f'<svg class="chart {css}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def hbar_chart(
    rows: list[dict], *, title: str, value_key: str = "share", percent: bool = True
) -> SafeString:
    """Horizontal bars, one per row ({"label", value_key, optional "reference": (lo, hi)}).
    Reference bands are drawn as a hatched range behind the bar."""
    width, bar_h, gap, label_w = 560, 26, 12, 120
    plot_w = width - label_w - 70
    height = len(rows) * (bar_h + gap) + gap
    peak = 1.0 if percent else max([row[value_key] for row in rows] + [1])
    parts = []
    for i, row in enumerate(rows):
        y = gap + i * (bar_h + gap)
        value = row[value_key]
        bar = value / peak * plot_w if peak else 0
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" '
            f'font-size="14">{escape(row["label"])}</text>'
            f'<rect x="{label_w}" y="{y}" width="{bar:.1f}" height="{bar_h}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{label_w + bar + 6:.1f}" y="{y + bar_h * 0.7:.1f}" font-size="13">'
            f"{escape(f'{value:.0%}' if percent else value)}</text>"
        )
        if row.get("reference"):  # drawn over the bar, translucent
            lo, hi = row["reference"]
            parts.append(
                f'<rect x="{label_w + lo / peak * plot_w:.1f}" y="{y - 3}" '
                f'width="{(hi - lo) / peak * plot_w:.1f}" height="{bar_h + 6}" '
                'class="band" fill="#f0b429" fill-opacity="0.25" stroke="#c7772e" '
                'stroke-dasharray="3 2"/>'
            )

    return _svg(width, height, title, "".join(parts))


def column_chart(
    categories: list[str], series: dict[str, list[float]], *, title: str
) -> SafeString:
    """Grouped columns: one group per category, one column per series, with a legend."""
    width, height, left, bottom, top = 640, 260, 40, 40, 30
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max([v for values in series.values() for v in values] + [1])
    group_w = plot_w / max(len(categories), 1)
    col_w = group_w * 0.8 / max(len(series), 1)
    parts = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
        'stroke="#888"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="11">{peak:g}</text>',
    ]
    for s, (name, values) in enumerate(series.items()):
        color = PALETTE[s % len(PALETTE)]
        parts.append(
            f'<rect x="{left + s * 130}" y="6" width="12" height="12" fill="{color}"/>'
            f'<text x="{left + s * 130 + 16}" y="16" font-size="12">{escape(name)}</text>'
        )
        for c, value in enumerate(values):
            h = value / peak * plot_h
            x = left + c * group_w + group_w * 0.1 + s * col_w
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{col_w:.1f}" '
                f'height="{h:.1f}" fill="{color}"><title>{escape(name)} '
                f"{escape(categories[c])}: {value:g}</title></rect>"
            )
    step = max(1, len(categories) // 12)
    for c, label in enumerate(categories):
        if c % step == 0:
            x = left + c * group_w + group_w / 2
            parts.append(
                f'<text x="{x:.1f}" y="{height - 18}" text-anchor="middle" font-size="11">'
                f"{escape(label)}</text>"
            )
    return _svg(width, height, title, "".join(parts))


def lorenz_chart(points: list[tuple[float, float]], *, title: str) -> SafeString:
    """The Lorenz curve of contributions against the line of perfect equality."""
    size, pad = 260, 30
    plot = size - 2 * pad

    def xy(px: float, py: float) -> str:
        return f"{pad + px * plot:.1f},{pad + (1 - py) * plot:.1f}"

    curve = " ".join(xy(x, y) for x, y in points)
    body = (
        f'<rect x="{pad}" y="{pad}" width="{plot}" height="{plot}" fill="none" stroke="#bbb"/>'
        f'<line x1="{pad}" y1="{pad + plot}" x2="{pad + plot}" y2="{pad}" stroke="#888" '
        'stroke-dasharray="4 3"/>'
        f'<polyline points="{curve}" fill="none" stroke="{PALETTE[0]}" stroke-width="3"/>'
        f'<text x="{pad}" y="{size - 8}" font-size="11">members, fewest to most</text>'
        f'<text x="{pad}" y="{pad - 10}" font-size="11">share of contributions</text>'
    )
    return _svg(size, size, title, body, css="square")


def line_chart(
    categories: list[str],
    series: dict[str, list[float]],
    *,
    title: str,
    reference: float | None = None,
    percent: bool = False,
) -> SafeString:
    """Lines over the categories (months), one per series, with a legend; a dashed
    horizontal line marks `reference` when given. Values are drawn as shares when
    `percent` (0 to 100 %)."""
    width, height, left, bottom, top = 640, 240, 46, 36, 30
    plot_w, plot_h = width - left - 34, height - bottom - top  # room for the last label
    known = [v for points in series.values() for v in points if v is not None]
    peak = 1.0 if percent else max([*known, reference or 0, 1])
    step_x = plot_w / max(len(categories) - 1, 1)

    def y(value: float) -> float:
        return top + plot_h - value / peak * plot_h

    def fmt(value: float) -> str:
        return f"{value:.0%}" if percent else f"{value:g}"

    parts = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#888"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="11">'
        f"{escape(fmt(peak))}</text>",
        f'<text x="{left - 6}" y="{top + plot_h + 4}" text-anchor="end" font-size="11">0</text>',
    ]
    if reference is not None:
        parts.append(
            f'<line x1="{left}" y1="{y(reference):.1f}" x2="{left + plot_w}" '
            f'y2="{y(reference):.1f}" stroke="#c7772e" stroke-dasharray="5 3" class="reference">'
            f"<title>{escape(fmt(reference))}</title></line>"
        )
    for s, (name, points) in enumerate(series.items()):
        color = PALETTE[s % len(PALETTE)]
        parts.append(
            f'<rect x="{left + s * 170}" y="6" width="12" height="12" fill="{color}"/>'
            f'<text x="{left + s * 170 + 16}" y="16" font-size="12">{escape(name)}</text>'
        )
        # A month without a value (None: a share of nothing) is a gap in the line.
        known = [(i, value) for i, value in enumerate(points) if value is not None]
        coords = [(left + i * step_x, y(value)) for i, value in known]
        runs, run, previous = [], [], None
        for (i, _value), point in zip(known, coords, strict=True):
            if previous is not None and i != previous + 1:
                runs.append(run)
                run = []
            run.append(point)
            previous = i
        runs.append(run)
        for run in runs:
            if len(run) > 1:
                parts.append(
                    '<polyline fill="none" stroke-width="2.5" stroke="{}" points="{}"/>'.format(
                        color, " ".join(f"{px:.1f},{py:.1f}" for px, py in run)
                    )
                )
        labels = [categories[i] if i < len(categories) else "" for i, _v in known]
        values = [value for _i, value in known]
        for (px, py), value, label in zip(coords, values, labels, strict=True):
            parts.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{color}">'
                f"<title>{escape(name)} {escape(label)}: {escape(fmt(value))}</title></circle>"
            )
    every = max(1, len(categories) // 6)
    for i, label in enumerate(categories):
        if i % every == 0 or i == len(categories) - 1:
            parts.append(
                f'<text x="{left + i * step_x:.1f}" y="{height - 14}" text-anchor="middle" '
                f'font-size="11">{escape(label)}</text>'
            )
    return _svg(width, height, title, "".join(parts))
