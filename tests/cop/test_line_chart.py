"""The line chart of the dashboard's signals: escaped text, a reference line, and gaps
where a month has no value."""

from cop.charts import line_chart


def test_line_chart_escapes_and_breaks_at_missing_months():
    svg = str(
        line_chart(
            ["2026-01", "2026-02", "2026-03", "2026-04"],
            {"<b>share</b>": [0.2, None, 0.5, 0.6]},
            title="Top <voices>",
            reference=0.5,
            percent=True,
        )
    )
    assert "<b>" not in svg and "&lt;b&gt;share&lt;/b&gt;" in svg
    assert "Top &lt;voices&gt;" in svg
    assert svg.count("<polyline") == 1  # 2026-03 to 2026-04; 2026-01 stands alone
    assert svg.count("<circle") == 3
    assert 'class="reference"' in svg and "50%" in svg
