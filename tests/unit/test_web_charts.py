"""The account page's bar chart geometry: pure, so checked without a page."""

from __future__ import annotations

from mimeo.web.charts import CHART_WIDTH, LABEL_WIDTH, ROW_HEIGHT, VALUE_WIDTH, bar_chart


def test_the_largest_value_fills_the_room_and_the_others_are_in_proportion() -> None:
    chart = bar_chart("Spent", [("a", 200, "$2"), ("b", 50, "$0.5"), ("c", -10, "-$0.1")])

    room = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    assert [bar.width for bar in chart.bars] == [room, room / 4, 0.0]
    assert [bar.y for bar in chart.bars] == [0, ROW_HEIGHT, 2 * ROW_HEIGHT]
    assert chart.height == 3 * ROW_HEIGHT


def test_nothing_spent_draws_empty_bars_rather_than_dividing_by_zero() -> None:
    assert [bar.width for bar in bar_chart("Spent", [("a", 0, "$0")]).bars] == [0.0]
    assert bar_chart("Spent", []).bars == []
