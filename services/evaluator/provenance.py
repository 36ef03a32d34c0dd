"""What a replay's figures were computed from: inputs, version, calendar, and the as-of date.

An evaluator quoting a figure can say exactly which logs (by SHA-256), which release of the rules
and which bank-holiday years produced it, and whether the as-of date was chosen or defaulted.
"""

import datetime as dt
import importlib.metadata
from collections.abc import Iterable, Sequence
from typing import Any

from services.evaluator.inputs import InputFacts
from services.reference.holiday_sources import england_and_wales_bank_holidays

AS_OF_GIVEN = "given with --as-of"
AS_OF_LATEST = "the latest business date among the accepted events"


def provenance(
    inputs: Sequence[InputFacts],
    as_of: dt.date | None,
    as_of_given: bool,
    calendar_years: tuple[int, int],
    court_closures: Iterable[dt.date],
    first_business_date: dt.date | None,
) -> dict[str, Any]:
    """The provenance object of `pathfinder replay --json`."""
    holidays = england_and_wales_bank_holidays(*calendar_years)
    figures_span = (
        range(first_business_date.year, as_of.year + 1) if first_business_date and as_of else ()
    )
    return {
        "inputs": [facts.as_json() for facts in inputs],
        "version": importlib.metadata.version("pathfinder"),
        "calendar": {
            "years": list(calendar_years),
            "bank_holidays_from_govuk": year_ranges(holidays.govuk_years),
            "bank_holidays_from_rules": year_ranges(holidays.fallback_years),
            "rule_based_years_in_the_figures": year_ranges(
                year for year in figures_span if year in holidays.fallback_years
            ),
            "court_closures": sorted(day.isoformat() for day in set(court_closures)),
        },
        "as_of": {
            "date": as_of.isoformat() if as_of else None,
            "chosen": AS_OF_GIVEN if as_of_given else AS_OF_LATEST,
        },
    }


def year_ranges(years: Iterable[int]) -> list[list[int]]:
    """Years as [first, last] runs of consecutive years: [2018, 2019, 2021] -> [[2018, 2019],
    [2021, 2021]]."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and runs[-1][1] == year - 1:
            runs[-1][1] = year
        else:
            runs.append([year, year])
    return runs
