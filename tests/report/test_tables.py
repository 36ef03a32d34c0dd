"""The report's figures per period add up to the replay: flows summed over the periods up to a
date equal `replay --as-of` that date, stocks at a period's end equal the replay as of it, and
the figures to date equal the replay as of the report's date, for every site, nation and all."""

import datetime as dt
import math
from pathlib import Path

import pytest

from services.core.rules import Rules
from services.evaluator.replay import replay_logs
from services.evaluator.report.areas import Area
from services.evaluator.report.periods import MONTH, QUARTER
from services.evaluator.report.table import Figure, Tables, figures, tabulate, totals
from services.reference.sites_file import load_sites
from services.simulator import SimulationConfig, write_log

# Replay's key for each count the report adds over periods, where the count depends only on
# its own event's date.
FLOWS = {
    "applications": "applications",
    "children": "children",
    "cir_ordered": "cir_ordered",
    "cir_ordered_la": "cir_ordered_la_share_numerator",
    "children_on_cir_cases": "children_seen_share_denominator",
    "idva_referrals": "idva_referrals",
    "cir_filed": "cir_filed",
    "cir_filed_within_40_working_days": "cir_filed_within_40_working_days_share_numerator",
    "concluded": "concluded",
    "concluded_within_26_weeks": "concluded_within_26_weeks_share_numerator",
}
STOCKS = ("open_cases", "open_over_52_weeks", "open_over_100_weeks", "cir_overdue")
# Numerators counted as known on the report's as-of date.
AS_OF_NUMERATORS = {
    "cir_extended": "cir_extended_share_numerator",
    "children_seen": "children_seen_share_numerator",
    "idva_accepted": "idva_accepted_share_numerator",
    "cir_filed_by_due_date": "cir_filed_by_due_date_share_numerator",
}
# Figures to date that are not counts.
DERIVED = (
    "cir_ordered_la_share", "cir_filed_within_40_working_days_share",
    "cir_filed_by_due_date_share", "cir_mean_working_days_to_file", "cir_extended_share",
    "children_seen_share", "idva_accepted_share", "mean_duration_weeks", "median_duration_weeks",
    "concluded_within_26_weeks_share", "hearings_per_concluded_case",
)  # fmt: skip


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "pilot.jsonl.gz"
    registry = load_sites()
    config = SimulationConfig(
        cases=1_500, seed=31, sites=tuple(registry), start=dt.date(2024, 6, 1),
        end=dt.date(2025, 9, 30), noise=0.02,
    )  # fmt: skip
    write_log(path, config, registry)
    return path


@pytest.fixture(scope="module")
def replayed(log: Path, rules: Rules):
    return replay_logs([log], rules, workers=2, keep_cases=True)


def replay_figures(log: Path, rules: Rules, as_of: dt.date) -> dict[tuple[str, str], dict]:
    result = replay_logs([log], rules, as_of, workers=1).result
    found = {(code, rules.sites[code].nation): figures for code, figures in result.sites.items()
             if code in rules.sites}  # fmt: skip
    found |= {("all", nation): figures for nation, figures in result.nations.items()}
    found[("all", "all")] = result.sites["all"]
    return found


def dates_to_check(tables: Tables) -> list[dt.date]:
    ends = [period.end for period in tables.periods]
    return sorted({ends[0], ends[len(ends) // 3], ends[len(ends) // 2], ends[-2], ends[-1]})


@pytest.mark.parametrize("kind", [MONTH, QUARTER])
def test_flows_add_up_and_stocks_match_the_replay_as_of_each_period_end(
    replayed, log: Path, rules: Rules, kind: str
) -> None:
    as_of = replayed.result.as_of
    tables = tabulate([state for _, state in replayed.cases], rules.sites, as_of, kind, 1)
    assert tables.periods[-1].end == as_of
    for day in dates_to_check(tables):
        expected = replay_figures(log, rules, day)
        number = next(n for n, period in enumerate(tables.periods) if period.end == day)
        for area in tables.areas:
            series = tables.series[area.key][: number + 1]
            for count, key in FLOWS.items():
                assert sum(getattr(t, count) for t in series) == expected[area.key][key], (
                    area.key, day, count,
                )  # fmt: skip
            for stock in STOCKS:
                assert getattr(series[-1], stock) == expected[area.key][stock], (area.key, day)


def test_a_report_cut_mid_period_equals_the_replay_as_of_its_date(
    replayed, log: Path, rules: Rules
) -> None:
    as_of = dt.date(2025, 5, 14)
    tables = tabulate([state for _, state in replayed.cases], rules.sites, as_of, MONTH, 1)
    last = tables.periods[-1]
    assert (last.start, last.end, last.partial) == (dt.date(2025, 5, 1), as_of, True)
    assert not any(period.partial for period in tables.periods[:-1])
    expected = replay_figures(log, rules, as_of)
    found = totals(tables)
    for area in tables.areas:
        total = tables.totals[area.key]
        for count, key in {**FLOWS, **AS_OF_NUMERATORS}.items():
            assert getattr(total, count) == expected[area.key][key], (area.key, count)
        for stock in STOCKS:
            assert getattr(total, stock) == expected[area.key][stock]
        for name in DERIVED:
            assert _same(found[area.key][name].value, expected[area.key][name]), (area.key, name)


def _same(ours: float | None, theirs: float | None) -> bool:
    if ours is None or theirs is None:
        return ours is theirs
    return math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-12)


def test_every_share_lies_within_zero_and_one_and_inside_its_interval(replayed, rules: Rules):
    tables = tabulate(
        [state for _, state in replayed.cases], rules.sites, replayed.result.as_of, MONTH, 1
    )
    shares = [figure for figure in figures(tables) if figure.metric.endswith("_share")]
    assert shares
    for figure in shares:
        if figure.value is None:
            assert figure.denominator == 0
            continue
        assert 0 <= figure.value <= 1
        assert figure.numerator is not None and figure.numerator <= figure.denominator
        assert figure.lower <= figure.value <= figure.upper


def test_cohorts_are_shown_only_once_old_enough(replayed, rules: Rules):
    as_of = replayed.result.as_of
    tables = tabulate([state for _, state in replayed.cases], rules.sites, as_of, MONTH, 1)
    cohorts = [f for f in figures(tables) if f.metric == "cohort_concluded_within_26_weeks_share"]
    assert cohorts
    assert all((as_of - figure.period.end).days >= 182 for figure in cohorts)
    young = [p for p in tables.periods if (as_of - p.end).days >= 182]
    assert {figure.period for figure in cohorts} == set(young)


def test_suppression_hides_small_cells_and_no_single_hidden_cell_in_any_sum(
    replayed, rules: Rules
) -> None:
    as_of = replayed.result.as_of
    tables = tabulate([state for _, state in replayed.cases], rules.sites, as_of, MONTH, 5)
    found = figures(tables)
    for figure in found:
        if figure.suppressed:
            assert figure.value is figure.numerator is figure.denominator is None
        elif figure.metric in FLOWS or figure.metric in STOCKS:
            assert figure.value == 0 or figure.value >= 5
    assert any(figure.suppressed for figure in found)
    by_cell = {(f.area.key, f.period, f.metric): f for f in found}
    _no_sum_with_one_hidden(tables, by_cell)


def _no_sum_with_one_hidden(tables: Tables, by_cell: dict) -> None:
    for area in (a for a in tables.areas if a.parts):
        for period in tables.periods:
            for metric in FLOWS.keys() & {"applications", "cir_ordered", "concluded"}:
                cells = [by_cell[(key, period, metric)] for key in (area.key, *area.parts)]
                assert sum(cell.suppressed for cell in cells) != 1, (area.key, period, metric)


def test_areas_are_sites_then_nations_then_all(rules: Rules) -> None:
    from services.evaluator.report.areas import areas_of

    keys = [area.key for area in areas_of(rules.sites)]
    sites = [(code, site.nation) for code, site in rules.sites.items()]
    assert keys == [*sites, ("all", "england"), ("all", "wales"), ("all", "all")]
    assert all(isinstance(area, Area) for area in areas_of(rules.sites))


def test_no_case_issued_by_the_as_of_date_is_one_clear_error(replayed, rules: Rules) -> None:
    with pytest.raises(ValueError, match="no case was issued by the as-of date 2000-01-01"):
        tabulate([s for _, s in replayed.cases], rules.sites, dt.date(2000, 1, 1), MONTH, 5)


def test_figures_are_in_area_period_metric_order(replayed, rules: Rules) -> None:
    tables = tabulate(
        [s for _, s in replayed.cases], rules.sites, replayed.result.as_of, QUARTER, 5
    )
    found: list[Figure] = figures(tables)
    order = [(tables.areas.index(f.area), f.period.start) for f in found]
    assert order == sorted(order)
