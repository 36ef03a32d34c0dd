"""`data-dictionary.md`: every column and metric of the report's files, its type and meaning."""

from collections.abc import Iterable

from services.evaluator.report.cases import CASE_COLUMNS
from services.evaluator.report.files import PERIOD_COLUMNS
from services.evaluator.report.metrics import METRICS
from services.evaluator.report.page import SUPPRESSED_MARK

_KINDS = {
    "count": "count (flow): cases or children with the event in the period",
    "stock": "count (stock): at the period's end",
    "share": "share: numerator / denominator, 95% Wilson interval",
    "mean": "mean over the denominator's cases, 95% Student's t interval",
    "median": "median over the denominator's cases, 95% order-statistic (binomial) interval",
    "rate": "numerator / denominator, no interval",
}


def _columns(columns: Iterable[tuple[str, str, str]]) -> str:
    lines = ["| column | type | definition |", "|---|---|---|"]
    lines += [f"| `{name}` | {kind} | {definition} |" for name, kind, definition in columns]
    return "\n".join(lines)


def dictionary(threshold: int, period: str) -> str:
    metrics = ["| metric | kind | definition |", "|---|---|---|"]
    metrics += [f"| `{m.name}` | {_KINDS[m.kind]} | {m.definition} |" for m in METRICS]
    return f"""# Data dictionary

Files of a `pathfinder report`. Dates are ISO 8601 (`YYYY-MM-DD`); in Parquet, `date` is a
date32 column. Empty means null.

## periods.parquet, periods.csv

One row per area, {period} and metric, in long form. Areas: each site (`site` its code, `nation`
its nation), each nation (`site` = `all`), and every site together (`site` = `nation` = `all`).
Periods are calendar {period}s; `period_end` is inclusive, and the last period ends at the as-of
date (`partial` true when that cuts it short).

{_columns(PERIOD_COLUMNS)}

### Metrics

Flows count what happened in the period; a share belongs to the period of its denominator's
event and counts its numerator as known on the as-of date, so it never exceeds 1. The sum of a
flow over the periods up to a date equals `pathfinder replay --as-of` that date (for a share's
numerator, at the report's as-of date); a stock in a period equals the replay as of the
period's end.

{chr(10).join(metrics)}

### Suppression

A figure counting from 1 to {threshold - 1} cases or children (`--suppress-below {threshold}`)
is suppressed: `value`, `numerator`, `denominator`, `lower` and `upper` are empty and
`suppressed` is true (in the page: {SUPPRESSED_MARK}). A share is suppressed when its numerator
or its denominator is; a mean, median or rate when its denominator is. So that no suppressed
cell can be worked out as a total minus the others (a nation and its sites, all sites and the
nations, a total to date and its periods, CIRs filed and the bins of the page's working-days
chart), every such sum left with exactly one hidden cell gets a second one: the smallest
non-zero part still shown, else the total. Zeros are shown.

## cases.parquet, cases.csv

One row per case issued by the as-of date, holding only what was known on it. Written only with
`--pseudonym-key-file`: case references and child ids are the hex HMAC-SHA256 of their UTF-8
bytes under the key (the file's bytes, one trailing newline stripped), so two reports under one
key join and nobody without it can test a guessed reference.

{_columns(CASE_COLUMNS)}

## provenance.json

What the figures were computed from, as in `pathfinder replay --json`: each input's path, size,
SHA-256 and line count; the version; the calendar (bank-holiday years from GOV.UK and from the
rule-based fallback, court closures); the as-of date and how it was chosen; and, under
`report`, the period and the suppression threshold.

## index.html

The figures to date and over time per site and nation, against the published figures, in one
self-contained page.
"""
