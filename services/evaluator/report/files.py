"""The report's data files: figures per period and cases, as Parquet and CSV.

Each file is written beside its final name and renamed into place, so a reader never sees half
a file and an interrupted report leaves the previous one whole.
"""

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from services.evaluator.report.cases import CASE_COLUMNS
from services.evaluator.report.table import Figure

_ARROW_TYPES = {
    "string": pa.string(),
    "date": pa.date32(),
    "int": pa.int64(),
    "bool": pa.bool_(),
    "float": pa.float64(),
    "list": pa.list_(pa.string()),
}

PERIOD_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("site", "string", "The site's code; `all` for a nation's or every site's figures."),
    ("nation", "string", "england or wales; `all` for every site's figures."),
    ("period_start", "date", "The first day of the calendar month or quarter."),
    ("period_end", "date", "Its last day (inclusive), or the as-of date for the last period."),
    ("partial", "bool", "The period was cut at the as-of date."),
    ("metric", "string", "What the row measures (see Metrics)."),
    ("value", "float", "The figure; empty if suppressed or if nothing to compute it from."),
    ("numerator", "int", "A share's or rate's numerator."),
    ("denominator", "int", "The cases (or children) the figure covers; a count's own value."),
    ("lower", "float", "The 95% interval's lower bound (shares, means, medians)."),
    ("upper", "float", "Its upper bound."),
    ("suppressed", "bool", "The figure is hidden by small-count suppression."),
)

PERIODS_FILE, CASES_FILE = "periods", "cases"


def _schema(columns: Iterable[tuple[str, str, str]]) -> pa.Schema:
    return pa.schema([(name, _ARROW_TYPES[kind]) for name, kind, _ in columns])


def periods_table(figures: Iterable[Figure]) -> pa.Table:
    """The figures in long form."""
    rows = [
        {
            "site": figure.area.site,
            "nation": figure.area.nation,
            "period_start": figure.period.start,
            "period_end": figure.period.end,
            "partial": figure.period.partial,
            "metric": figure.metric,
            "value": figure.value,
            "numerator": figure.numerator,
            "denominator": figure.denominator,
            "lower": figure.lower,
            "upper": figure.upper,
            "suppressed": figure.suppressed,
        }
        for figure in figures
    ]
    return pa.Table.from_pylist(rows, schema=_schema(PERIOD_COLUMNS))


def cases_table(rows: Iterable[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=_schema(CASE_COLUMNS))


def write_table(table: pa.Table, directory: Path, stem: str) -> list[Path]:
    """`stem.parquet` and `stem.csv`; a list column is `;`-joined in the CSV."""
    parquet, csv = directory / f"{stem}.parquet", directory / f"{stem}.csv"
    with _replacing(parquet) as partial:
        pq.write_table(table, partial, compression="zstd")
    with _replacing(csv) as partial:
        pa_csv.write_csv(_flat(table), partial)
    return [parquet, csv]


def _flat(table: pa.Table) -> pa.Table:
    for index, field in enumerate(table.schema):
        if pa.types.is_list(field.type):
            joined = pc.binary_join(table.column(index), ";")
            table = table.set_column(index, field.name, joined)
    return table


@contextmanager
def _replacing(path: Path) -> Iterator[str]:
    partial = path.with_name(f".{path.name}.partial")
    try:
        yield str(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_text(path: Path, text: str | bytes) -> Path:
    """A whole text file, replaced at once."""
    with _replacing(path) as partial:
        Path(partial).write_bytes(text.encode() if isinstance(text, str) else text)
    return path
