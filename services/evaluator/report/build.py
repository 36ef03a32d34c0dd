"""A report from a replay: tables, files, charts and the page, written into one directory."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from services.core.rules import Rules
from services.evaluator.replay import Replayed
from services.evaluator.report.cases import Pseudonym, case_rows
from services.evaluator.report.dictionary import dictionary
from services.evaluator.report.files import (
    CASES_FILE,
    PERIODS_FILE,
    cases_table,
    periods_table,
    write_table,
    write_text,
)
from services.evaluator.report.page import page
from services.evaluator.report.table import Figure, figures, tabulate, totals
from services.evaluator.report.views import charts

NO_KEY_NOTE = (
    "Per-case rows (cases.parquet, cases.csv) were not written: they are written only with"
    " --pseudonym-key-file, so that no case reference or child id leaves the replay unkeyed."
)
KEY_NOTE = (
    "Per-case rows are in cases.parquet and cases.csv, case references and child ids"
    " pseudonymised under the evaluator's key."
)


@dataclass(frozen=True, slots=True)
class ReportOptions:
    as_of: dt.date
    period: str
    threshold: int
    pseudonym: Pseudonym | None  # None: no per-case rows


@dataclass(frozen=True, slots=True)
class Written:
    files: list[Path]
    periods: int
    figures: int
    suppressed: int
    cases: int | None


def write_report(
    replayed: Replayed, rules: Rules, options: ReportOptions, origin: dict[str, Any], out: Path
) -> Written:
    """Every file of the report into `out` (which exists)."""
    states = [state for _, state in replayed.cases]
    tables = tabulate(states, rules.sites, options.as_of, options.period, options.threshold)
    found = figures(tables)
    to_date = totals(tables)
    written = write_table(periods_table(found), out, PERIODS_FILE)
    cases = None
    if options.pseudonym is not None:
        rows = list(case_rows(replayed.cases, rules.sites, options.as_of, options.pseudonym))
        written += write_table(cases_table(rows), out, CASES_FILE)
        cases = len(rows)
    else:
        for stale in (out / f"{CASES_FILE}.parquet", out / f"{CASES_FILE}.csv"):
            stale.unlink(missing_ok=True)  # an earlier report's rows must not pass for these
    document = origin | {"report": {"period": options.period, "suppress_below": options.threshold}}
    written.append(
        write_text(
            out / "provenance.json", orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
        )
    )
    written.append(
        write_text(out / "data-dictionary.md", dictionary(options.threshold, options.period))
    )
    facts = {
        "provenance": origin,
        "period": options.period,
        "cases_note": KEY_NOTE if cases is not None else NO_KEY_NOTE,
        "files": _file_notes(cases is not None),
    }
    drawn = charts(tables, _by_area_and_metric(found), to_date)
    written.append(write_text(out / "index.html", page(tables, to_date, drawn, facts)))
    suppressed = sum(figure.suppressed for figure in found)
    return Written(written, len(tables.periods), len(found), suppressed, cases)


def _by_area_and_metric(found: list[Figure]) -> Any:
    index: dict[tuple[tuple[str, str], str], list[Figure]] = defaultdict(list)
    for figure in found:
        index[(figure.area.key, figure.metric)].append(figure)
    return lambda area, metric: index[(area.key, metric)]


def _file_notes(with_cases: bool) -> list[tuple[str, str]]:
    notes = [
        ("index.html", "this page"),
        ("periods.parquet, periods.csv", "every figure per area and period, in long form"),
    ]
    if with_cases:
        notes.append(("cases.parquet, cases.csv", "one row per case, pseudonymised"))
    notes += [
        ("data-dictionary.md", "every column and metric, its type and definition"),
        ("provenance.json", "the inputs (SHA-256), version, calendar and as-of date"),
    ]
    return notes
