"""The server-rendered progress chart (recall.charts): a scalable SVG with a text alternative,
no script and no style attribute, legible on a 390 px phone (at least 12 px text, round axis
values) and with labels that nothing crosses."""

import datetime as dt
import re

import pytest

from recall import charts

START, END = dt.date(2026, 11, 1), dt.date(2026, 12, 1)
# A 390 px phone gives the chart 390 - 2 x 16 px of the page's margins.
PHONE_BOX = 390 - 32


def test_the_chart_steps_up_with_the_running_total_and_marks_the_requirement():
    points = charts.cumulative([(dt.date(2026, 11, 2), 30), (dt.date(2026, 11, 5), 20)])
    assert [p.total for p in points] == [30, 50]
    svg = charts.progress_svg(points, required=100, start=START, end=END, today=dt.date(2026, 11, 10))
    assert svg.startswith('<div class="chart-box"><svg') and svg.count('role="img"') == 2 and "<desc" in svg
    assert "50 valid signatures of 100 required" in svg
    assert 'class="chart-required"' in svg and 'class="chart-today"' in svg
    assert "<script" not in svg and "style=" not in svg
    # The two drawings' titles are named by ids of their own.
    ids = re.findall(r'id="([^"]+)"', svg)
    assert len(ids) == len(set(ids)) == 4


def test_a_chart_without_signatures_or_requirement_still_draws_its_axes():
    svg = charts.progress_svg([], required=None, start=START, end=END, today=dt.date(2027, 1, 1))
    assert "0 valid signatures" in svg and "chart-line" not in svg and "chart-today" not in svg


def test_text_in_the_chart_is_escaped():
    svg = charts.progress_svg([], required=1, start=START, end=END, title="<b>&</b>")
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in svg


def test_the_phones_drawing_shows_its_text_at_twelve_pixels_or_more():
    name, width, _height = charts.SIZES[0]
    assert name == "narrow"
    # site.css: the narrow drawing is as wide as its box (at most 400 px) below 40rem.
    assert charts.FONT * min(PHONE_BOX, 400) / width >= 12
    # The wide one is shown from 40rem (640 px) up, in a box of at least 640 - 32 px.
    _name, wide, _ = charts.SIZES[1]
    assert charts.FONT * (640 - 32) / wide >= 12


@pytest.mark.parametrize(
    "top, expected",
    [(52, [0, 10, 20, 30, 40, 50, 60]), (10, [0, 2, 4, 6, 8, 10]), (1, [0, 1]), (1234, [0, 500, 1000, 1500])],
)
def test_the_y_axis_has_round_values(top, expected):
    ticks = charts.nice_ticks(top, most=6 if top == 52 else 5)
    assert ticks[0] == 0 and ticks[-1] >= top and len(ticks) <= 7
    assert ticks == expected


CASES = {
    # The demo's case: the projection line reaches the requirement inside the window.
    "projection crosses the requirement": {
        "points": [(START + dt.timedelta(days=d), 2) for d in range(10)],
        "required": 50,
        "today": START + dt.timedelta(days=10),
        "projection": (START + dt.timedelta(days=25), 50),
    },
    "the requirement reached early": {
        "points": [(START, 48), (START + dt.timedelta(days=1), 10)],
        "required": 50,
        "today": START + dt.timedelta(days=3),
        "projection": None,
    },
    "almost nothing yet": {
        "points": [(START, 1)],
        "required": 12_345,
        "today": START + dt.timedelta(days=29),
        "projection": (END, 400),
    },
    "far past the requirement": {
        "points": [(START + dt.timedelta(days=d), 40) for d in range(20)],
        "required": 50,
        "today": START + dt.timedelta(days=20),
        "projection": None,
    },
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("size", charts.SIZES, ids=lambda s: s[0])
def test_no_label_collides_with_a_line_or_another_label(case, size):
    spec = CASES[case]
    _name, width, height = size
    layout, _parts = charts.progress_layout(
        charts.cumulative(spec["points"]),
        required=spec["required"],
        start=START,
        end=END,
        today=spec["today"],
        projection=spec["projection"],
        width=width,
        height=height,
    )
    assert layout.collisions() == []
    assert any(kind == "chart-label" for kind, _text, _box in layout.labels)


def test_a_collision_is_found_when_there_is_one():
    box = charts.text_box(10, 20, "required: 50")
    assert box.crossed_by((0, 0), (200, 40))
    assert not box.crossed_by((0, 40), (200, 40))
    layout = charts.Layout(200, 100, [("chart-line", (0, 15), (200, 15))], [("chart-label", "x", box)])
    assert layout.collisions() == ["'x' is crossed by the chart-line line"]
