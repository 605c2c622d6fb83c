"""Bar charts as geometry for an inline SVG the server draws: no script and no library reach
the page, and the page's table carries the same numbers for those who cannot see the bars."""

from __future__ import annotations

from dataclasses import dataclass

CHART_WIDTH = 640
LABEL_WIDTH = 180
"""Room at the left for each bar's label; the value is written after the bar."""
VALUE_WIDTH = 110
ROW_HEIGHT = 24
BAR_HEIGHT = 16


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    """The value as the page writes it (e.g. "$0.012000")."""
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    width: int
    height: int
    bar_x: int
    bar_height: int


def bar_chart(title: str, rows: list[tuple[str, int, str]]) -> BarChart:
    """One horizontal bar per ``(label, value, text)``, the longest filling the room; values
    below zero draw as nothing rather than leftwards."""
    largest = max((value for _, value, _ in rows), default=0)
    room = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = [
        Bar(
            label=label,
            text=text,
            y=index * ROW_HEIGHT,
            width=round(room * max(value, 0) / largest, 1) if largest > 0 else 0.0,
        )
        for index, (label, value, text) in enumerate(rows)
    ]
    return BarChart(
        title=title,
        bars=bars,
        width=CHART_WIDTH,
        height=max(len(rows), 1) * ROW_HEIGHT,
        bar_x=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
    )
