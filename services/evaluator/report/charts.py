"""The report's charts, drawn with matplotlib into PNG bytes: small multiples, one panel per
area, so sites, nations and all read side by side on the same scale.

A suppressed figure leaves a gap with a grey mark on the axis; the last period, when cut at the
as-of date, is drawn hollow.
"""

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: draw to memory only

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure as Canvas

from services.evaluator.report.areas import Area
from services.evaluator.report.table import Figure

COLUMNS = 4
DPI = 90
SUPPRESSED_COLOUR = "#9a9a9a"
GO_LIVE_COLOUR = "#6a3d9a"
COLOURS = ("#1f5f99", "#c4501b", "#3a7d2c")


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    note: str  # one line: what the chart shows
    png: bytes


@dataclass(frozen=True, slots=True)
class Line:
    metric: str
    label: str


def grid(
    areas: Sequence[Area] | Sequence[str], title: str, height: float = 2.7
) -> tuple[Canvas, list[Axes]]:
    """A figure with one panel per area (or per title), four to a row."""
    titles = [area if isinstance(area, str) else area.title for area in areas]
    rows = math.ceil(len(titles) / COLUMNS)
    canvas, axes = plt.subplots(
        rows, COLUMNS, figsize=(3.6 * COLUMNS, height * rows + 0.6), squeeze=False
    )
    panels = list(axes.flat)
    for panel in panels[len(titles) :]:
        panel.set_visible(False)
    for panel, name in zip(panels, titles, strict=False):
        panel.set_title(name, fontsize=10)
        panel.grid(alpha=0.3)
    canvas.suptitle(title, fontsize=12, fontweight="bold")
    return canvas, panels[: len(titles)]


def png(canvas: Canvas) -> bytes:
    buffer = io.BytesIO()
    canvas.tight_layout()
    canvas.savefig(buffer, format="png", dpi=DPI)
    plt.close(canvas)
    return buffer.getvalue()


def series_chart(
    areas: Sequence[Area],
    figures_of: Callable[[Area, str], list[Figure]],
    title: str,
    lines: Sequence[Line],
    y_label: str,
    note: str,
    x_label: str,
    percent: bool = False,
) -> Chart:
    """One line per metric over the periods in each area's panel, 95% intervals shaded."""
    canvas, panels = grid(areas, title)
    for panel, area in zip(panels, areas, strict=True):
        for number, (colour, line) in enumerate(zip(COLOURS, lines, strict=False)):
            figures = figures_of(area, line.metric)
            _draw_series(panel, figures, colour, line.label, percent, marks=number == 0)
        _mark_go_live(panel, area, figures_of(area, lines[0].metric))
        months = mdates.DateFormatter("%b\n%Y")  # type: ignore[no-untyped-call]
        panel.xaxis.set_major_formatter(months)
        panel.xaxis.set_major_locator(_month_ticks(figures_of(area, lines[0].metric)))
        panel.set_xlabel(x_label, fontsize=8)
        panel.set_ylabel(y_label, fontsize=8)
        panel.tick_params(labelsize=7)
        panel.yaxis.set_tick_params(labelleft=True)
        if percent:
            panel.set_ylim(0, 102)
    panels[0].legend(fontsize=7, loc="best")
    return Chart(title, note, png(canvas))


def _mark_go_live(panel: Axes, area: Area, figures: list[Figure]) -> None:
    """A site's go-live as a dotted line, when it falls within the periods drawn: cases before
    it went through the standard process."""
    if (
        area.go_live
        and figures
        and figures[0].period.start < area.go_live <= figures[-1].period.end
    ):
        day: Any = area.go_live
        panel.axvline(day, color=GO_LIVE_COLOUR, linestyle=":", linewidth=1.2, label="go-live")


def _month_ticks(figures: list[Figure]) -> mdates.MonthLocator:
    """At most five ticks, on the first of a month."""
    if not figures:
        return mdates.MonthLocator()  # type: ignore[no-untyped-call]
    first, last = figures[0].period.start, figures[-1].period.start
    months = (last.year - first.year) * 12 + last.month - first.month
    return mdates.MonthLocator(interval=max(1, math.ceil(months / 4)))  # type: ignore[no-untyped-call]


def _draw_series(
    panel: Axes, figures: list[Figure], colour: str, label: str, percent: bool, marks: bool
) -> None:
    """The line breaks where a figure is suppressed or has nothing to compute it from; the first
    line of a panel `marks` its suppressed periods on the axis."""
    scale = 100 if percent else 1
    x: list[Any] = [figure.period.start for figure in figures]  # dates: matplotlib converts
    y = [math.nan if figure.value is None else figure.value * scale for figure in figures]
    panel.plot(x, y, color=colour, linewidth=1.4, marker="o", markersize=2.5, label=label)
    lower = [math.nan if figure.lower is None else figure.lower * scale for figure in figures]
    upper = [math.nan if figure.upper is None else figure.upper * scale for figure in figures]
    if any(not math.isnan(value) for value in lower):
        panel.fill_between(x, lower, upper, color=colour, alpha=0.15, linewidth=0)
    if figures and figures[-1].period.partial and figures[-1].value is not None:
        last: list[Any] = [figures[-1].period.start]
        panel.plot(last, [figures[-1].value * scale], marker="o", markersize=6,
                   markerfacecolor="white", color=colour)  # fmt: skip
    hidden: list[Any] = [figure.period.start for figure in figures if figure.suppressed]
    if hidden and marks:
        panel.plot(hidden, [0] * len(hidden), linestyle="none", marker="|", markersize=8,
                   color=SUPPRESSED_COLOUR, label="suppressed (small count)")  # fmt: skip


def bars_chart(
    areas: Sequence[Area],
    bars_of: Callable[[Area], list[tuple[str, float | None]]],
    title: str,
    x_label: str,
    y_label: str,
    note: str,
    marker_at: float | None = None,
) -> Chart:
    """Bars per area (a value of None is a suppressed bar, marked on the axis)."""
    canvas, panels = grid(areas, title)
    for panel, area in zip(panels, areas, strict=True):
        bars = bars_of(area)
        labels = [label for label, _ in bars]
        values = [value or 0 for _, value in bars]
        colours = [COLOURS[0] if value is not None else SUPPRESSED_COLOUR for _, value in bars]
        panel.bar(range(len(bars)), values, color=colours)
        for position, (_, value) in enumerate(bars):
            if value is None:
                panel.text(position, 0, "s", ha="center", va="bottom", fontsize=7,
                           color=SUPPRESSED_COLOUR)  # fmt: skip
        panel.set_xticks(range(len(bars)), labels, rotation=90, fontsize=6)
        if marker_at is not None:
            panel.axvline(marker_at, color=COLOURS[1], linestyle="--", linewidth=1)
        panel.set_xlabel(x_label, fontsize=8)
        panel.set_ylabel(y_label, fontsize=8)
        panel.tick_params(axis="y", labelsize=7)
        panel.yaxis.set_tick_params(labelleft=True)
    return Chart(title, note, png(canvas))


@dataclass(frozen=True, slots=True)
class Estimate:
    label: str
    value: float | None  # None: suppressed
    lower: float | None = None
    upper: float | None = None
    colour: str = COLOURS[0]


def estimates_chart(
    groups: Sequence[tuple[str, list[Estimate]]], title: str, x_label: str, note: str
) -> Chart:
    """Points with 95% intervals, one panel per group, on one scale."""
    rows = max(len(estimates) for _, estimates in groups)
    canvas, panels = grid([group for group, _ in groups], title, height=0.4 * rows + 1.2)
    right = 1.1 * max(
        max(value for value in (e.value, e.upper) if value is not None)
        for _, estimates in groups
        for e in estimates
        if e.value is not None
    )
    for panel, (_, estimates) in zip(panels, groups, strict=True):
        for row, estimate in enumerate(reversed(estimates)):
            if estimate.value is None:
                panel.text(0, row, " suppressed", va="center", fontsize=7, color=SUPPRESSED_COLOUR)
                continue
            if estimate.lower is not None and estimate.upper is not None:
                panel.plot([estimate.lower, estimate.upper], [row, row], color=estimate.colour)
            panel.plot([estimate.value], [row], marker="o", color=estimate.colour)
        panel.set_yticks(range(len(estimates)), [e.label for e in reversed(estimates)], fontsize=7)
        panel.set_ylim(-0.6, len(estimates) - 0.4)
        panel.set_xlabel(x_label, fontsize=8)
        panel.set_xlim(0, right)
        panel.tick_params(axis="x", labelsize=7)
    return Chart(title, note, png(canvas))
