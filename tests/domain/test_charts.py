"""The server-rendered progress chart (recall.charts): a scalable SVG with a text alternative,
no script and no style attribute."""

import datetime as dt

from recall import charts

START, END = dt.date(2026, 11, 1), dt.date(2026, 12, 1)


def test_the_chart_steps_up_with_the_running_total_and_marks_the_requirement():
    points = charts.cumulative([(dt.date(2026, 11, 2), 30), (dt.date(2026, 11, 5), 20)])
    assert [p.total for p in points] == [30, 50]
    svg = charts.progress_svg(points, required=100, start=START, end=END, today=dt.date(2026, 11, 10))
    assert svg.startswith("<svg") and 'role="img"' in svg and "<desc" in svg
    assert "50 valid signatures of 100 required" in svg
    assert 'class="chart-required"' in svg and 'class="chart-today"' in svg
    assert "<script" not in svg and "style=" not in svg


def test_a_chart_without_signatures_or_requirement_still_draws_its_axes():
    svg = charts.progress_svg([], required=None, start=START, end=END, today=dt.date(2027, 1, 1))
    assert "0 valid signatures" in svg and "chart-line" not in svg and "chart-today" not in svg


def test_text_in_the_chart_is_escaped():
    svg = charts.progress_svg([], required=1, start=START, end=END, title="<b>&</b>")
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in svg
