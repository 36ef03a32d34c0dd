"""The simulator as an evaluator measures it: a simulated log replayed as of its last date gives
the published figures (docs/sources.md)."""

import datetime as dt
import math
from typing import Any

import pytest

from services.core.rules import Rules
from services.evaluator.replay import replay
from services.reference.sites_file import load_sites
from services.simulator import SimulationConfig, default_parameters, write_log
from services.simulator.calibration import (
    Window,
    concluded_mean_days,
    gamma_cdf,
    mean_days_after_report,
)

REGISTRY = load_sites()
# `pathfinder simulate`'s default dates
START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
PUBLISHED_MEAN_WEEKS = {"dorset": 27, "north-wales": 18, "south-east-wales": 12, "birmingham": 23}
LA_SHARE = (0.15, 0.25)  # at least 15%, and "up to 25%" as published
CHILDREN_SEEN_SHARE = (0.60, 0.85)  # around Cafcass's 65% and the evaluation's 80%


@pytest.fixture(scope="module", params=[1, 2025], ids=lambda seed: f"seed {seed}")
def replayed(
    request: pytest.FixtureRequest, rules: Rules, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    log = tmp_path_factory.mktemp("calibration") / "pilot.jsonl"
    config = SimulationConfig(
        cases=20_000, seed=request.param, sites=tuple(REGISTRY), start=START, end=END
    )
    write_log(log, config, REGISTRY)
    return replay([log], rules, show_progress=False, workers=2).sites


@pytest.mark.parametrize("site", PUBLISHED_MEAN_WEEKS)
def test_each_sites_mean_duration_is_the_published_one(replayed: dict[str, Any], site: str) -> None:
    measured = replayed[site]["mean_duration_weeks"]
    assert measured == pytest.approx(PUBLISHED_MEAN_WEEKS[site], rel=0.1)


@pytest.mark.parametrize("site", [*PUBLISHED_MEAN_WEEKS, "all"])
def test_local_authorities_write_up_to_a_quarter_of_reports(
    replayed: dict[str, Any], site: str
) -> None:
    low, high = LA_SHARE
    assert low <= replayed[site]["cir_ordered_la_share"] <= high


@pytest.mark.parametrize("site", [*PUBLISHED_MEAN_WEEKS, "all"])
def test_most_children_are_seen(replayed: dict[str, Any], site: str) -> None:
    low, high = CHILDREN_SEEN_SHARE
    assert low <= replayed[site]["children_seen_share"] <= high


@pytest.mark.parametrize("x", [0.0, 0.01, 0.5, 1.0, 2.5, 10.0, 80.0])
def test_the_gamma_distribution_function_agrees_with_its_closed_forms(x: float) -> None:
    assert gamma_cdf(1, x) == pytest.approx(1 - math.exp(-x), abs=1e-12)
    assert gamma_cdf(0.5, x) == pytest.approx(math.erf(math.sqrt(x)), abs=1e-12)
    assert gamma_cdf(2, x) == pytest.approx(1 - (1 + x) * math.exp(-x), abs=1e-12)


def test_a_shorter_follow_up_needs_a_longer_wait_after_the_report() -> None:
    p, target_days = default_parameters(), 27 * 7
    waits = []
    for follow_up_days in (10_000, 365, 182):
        window = Window(issue_days=364, follow_up_days=follow_up_days)
        wait = mean_days_after_report(p, target_days, window)
        assert concluded_mean_days(p, wait, window) == pytest.approx(target_days, rel=1e-6)
        waits.append(wait)
    assert waits == sorted(waits)


def test_a_window_too_short_for_the_target_gets_the_closest_wait() -> None:
    p, window = default_parameters(), Window(issue_days=0, follow_up_days=91)
    wait = mean_days_after_report(p, 27 * 7, window)
    closest = concluded_mean_days(p, wait, window)
    assert closest < 27 * 7
    assert all(concluded_mean_days(p, wait * factor, window) <= closest for factor in (0.8, 1.25))
