"""`index.html`: one self-contained page (charts inline as PNG data, no script, no network)."""

import base64
from collections.abc import Sequence
from html import escape
from typing import Any

from services.evaluator.report.areas import Area, AreaKey
from services.evaluator.report.charts import Chart
from services.evaluator.report.metrics import COUNT, METRIC_BY_NAME, STOCK
from services.evaluator.report.published import BASELINES, SITE_DURATIONS
from services.evaluator.report.table import Figure, Tables

SUPPRESSED_MARK = "[c]"  # as published statistics mark a confidential cell

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1300px; color: #1b1b1b;
       padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.8em; margin: 1em 0; }
.interval { color: #666; font-size: 0.85em; white-space: nowrap; }
.wide { overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
figure { margin: 1.5em 0; } figcaption { color: #444; font-size: 0.9em; }
figure img { max-width: 100%; height: auto; }
.note { color: #444; font-size: 0.9em; }
code { background: #f3f3f3; padding: 0 0.2em; }
"""

# The columns of the figures-to-date table: metric and heading.
SUMMARY_COLUMNS = (
    ("applications", "Applications"),
    ("cir_ordered", "CIRs ordered"),
    ("cir_ordered_la_share", "Local authority"),
    ("cir_filed", "CIRs filed"),
    ("cir_filed_within_40_working_days_share", "Filed within 40 working days"),
    ("children_seen_share", "Children seen"),
    ("idva_referrals", "IDVA referrals"),
    ("idva_accepted_share", "IDVA accepted"),
    ("concluded", "Concluded"),
    ("mean_duration_weeks", "Mean weeks"),
    ("median_duration_weeks", "Median weeks"),
    ("concluded_within_26_weeks_share", "Within 26 weeks"),
    ("open_cases", "Open"),
    ("open_over_52_weeks", "Open 52+ weeks"),
)


def formatted(figure: Figure) -> str:
    """A figure for the page: shares in %, weeks and days to one decimal, 95% interval after."""
    if figure.suppressed:
        return SUPPRESSED_MARK
    if figure.value is None:
        return "-"
    if METRIC_BY_NAME[figure.metric].kind in (COUNT, STOCK):
        return f"{int(figure.value):,}"
    form = "{:.1%}" if figure.metric.endswith("_share") else "{:.1f}"
    text = form.format(figure.value)
    if figure.lower is not None and figure.upper is not None:
        interval = f"{form.format(figure.lower)}-{form.format(figure.upper)}"
        text += f'<br><span class="interval">{interval}</span>'
    return text


def page(
    tables: Tables,
    totals: dict[AreaKey, dict[str, Figure]],
    charts: Sequence[Chart],
    facts: dict[str, Any],
) -> str:
    """The whole page."""
    as_of = tables.periods[-1].end
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Private Law Pathfinder: the pilot as of {as_of}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Private Law Pathfinder: the pilot as of {as_of}</h1>",
        _about(tables, facts),
        "<h2>Figures to date</h2>",
        _summary(tables.areas, totals),
        "<h2>Against the published figures</h2>",
        _published(tables.areas, totals),
        "<h2>Over time</h2>",
        *(_figure(chart) for chart in charts),
        "<h2>Files</h2>",
        _files(facts),
        "</body></html>",
    ]
    return "\n".join(parts)


def _about(tables: Tables, facts: dict[str, Any]) -> str:
    periods = tables.periods
    last = periods[-1]
    inputs = "".join(
        f"<li><code>{escape(item['path'])}</code>: {item['lines']:,} lines, {item['size']:,}"
        f" bytes, SHA-256 <code>{item['sha256']}</code></li>"
        for item in facts["provenance"]["inputs"]
    )
    cut = (
        f" The last period ends at the as-of date ({last.end}) and is partial."
        if last.partial
        else ""
    )
    return (
        f"<p class=\"note\">{len(periods)} {escape(facts['period'])}s from {periods[0].start} to"
        f" {last.end}.{cut} As-of date {facts['provenance']['as_of']['chosen']}. Version"
        f" {escape(facts['provenance']['version'])}.</p>"
        f"<p class=\"note\">Computed from:</p><ul class=\"note\">{inputs}</ul>"
        f"<p class=\"note\">Figures counting 1 to {tables.threshold - 1} cases or children are"
        f" suppressed and shown as {SUPPRESSED_MARK}, as are others that would let one be"
        " worked out from a total ({len} cells in all); zeros are shown. Intervals are 95%:"
        " Wilson for shares, Student's t for means, order statistics for medians.</p>"
        .replace("{len}", f"{len(tables.hidden):,}")
        + f"<p class=\"note\">{escape(facts['cases_note'])}</p>"
    )  # fmt: skip


def _summary(areas: Sequence[Area], totals: dict[AreaKey, dict[str, Figure]]) -> str:
    head = "".join(f"<th>{escape(heading)}</th>" for _, heading in SUMMARY_COLUMNS)
    rows = "".join(
        f"<tr><td>{escape(area.title)}</td>"
        + "".join(
            f"<td>{formatted(totals[area.key][metric])}</td>" for metric, _ in SUMMARY_COLUMNS
        )
        + "</tr>"
        for area in areas
    )
    return (
        f'<div class="wide"><table><tr><th>Area</th>{head}</tr>{rows}</table></div>'
        '<p class="note">Shares and durations to date, with their 95% intervals in brackets.'
        " Every figure by period is in <code>periods.csv</code>.</p>"
    )


def _published(areas: Sequence[Area], totals: dict[AreaKey, dict[str, Figure]]) -> str:
    rows = []
    for area in areas:
        published = SITE_DURATIONS.get(area.site)
        if published is None:
            continue
        figures = totals[area.key]
        rows.append(
            f"<tr><td>{escape(area.title)}</td><td>{published.before_weeks:g}</td>"
            f"<td>{published.after_weeks:g}</td><td>{formatted(figures['mean_duration_weeks'])}</td>"
            f"<td>{formatted(figures['median_duration_weeks'])}</td>"
            f"<td>{formatted(figures['concluded'])}</td><td>{escape(published.source)}</td></tr>"
        )
    everything = next(area for area in areas if area.site == area.nation)
    baselines = "".join(
        f"<tr><td>{escape(baseline.what)}</td>"
        f"<td>{_baseline_value(baseline.value, baseline.unit)}</td>"
        f"<td>{formatted(totals[everything.key][baseline.metric])}</td>"
        f"<td>{escape(baseline.source)}</td></tr>"
        for baseline in BASELINES
    )
    return (
        "<table><tr><th>Site</th><th>Published before (weeks)</th><th>Published after"
        " (weeks)</th><th>Measured mean (weeks)</th><th>Measured median (weeks)</th>"
        f"<th>Cases concluded</th><th>Source</th></tr>{''.join(rows)}</table>"
        "<table><tr><th>National figure</th><th>Published</th><th>Measured, all sites</th>"
        f"<th>Source</th></tr>{baselines}</table>"
        '<p class="note">Sources are listed with each figure in <code>docs/sources.md</code>'
        " of the project. The measured figures cover the cases concluded (or CIRs ordered and"
        " filed) by the as-of date.</p>"
    )


def _baseline_value(value: float, unit: str) -> str:
    return f"{value:.1%}" if unit == "share" else f"{value:g} {escape(unit)}"


def _figure(chart: Chart) -> str:
    data = base64.b64encode(chart.png).decode()
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{escape(chart.title)}">'
        f"<figcaption><strong>{escape(chart.title)}.</strong> {escape(chart.note)}"
        "</figcaption></figure>"
    )


def _files(facts: dict[str, Any]) -> str:
    items = "".join(
        f"<li><code>{escape(name)}</code>: {escape(what)}</li>" for name, what in facts["files"]
    )
    return (
        f'<ul>{items}</ul><p class="note">Columns and metrics: <code>data-dictionary.md</code>.</p>'
    )
