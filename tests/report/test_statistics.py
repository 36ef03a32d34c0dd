"""Intervals, suppression and pseudonyms: the statistics a report publishes and what it hides."""

import hashlib
import hmac
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from services.evaluator.report.cases import (
    PseudonymKeyError,
    key_from_file_bytes,
    pseudonymiser,
)
from services.evaluator.report.intervals import mean_interval, median_interval, wilson
from services.evaluator.report.suppression import Relation, suppressed_cells


def test_wilson_matches_the_published_values_and_scipy() -> None:
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(10, 10)[1] == 1.0
    assert wilson(0, 0) == (None, None)
    for successes, trials in [(1, 3), (17, 40), (399, 400), (12_345, 20_000)]:
        expected = stats.binomtest(successes, trials).proportion_ci(method="wilson")
        assert wilson(successes, trials) == pytest.approx((expected.low, expected.high))


def test_median_interval_is_the_binomial_order_statistics() -> None:
    values = list(range(1, 101))  # x(i) = i
    assert median_interval(values) == (40.0, 61.0)  # the textbook ranks for n = 100
    assert median_interval([3.0, 1.0, 2.0]) == (1.0, 3.0)  # too few: the whole range
    assert median_interval([]) == (None, None)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=6, max_value=400))
def test_median_interval_covers_at_least_95_percent(n: int) -> None:
    lower, upper = median_interval(list(range(n)))  # x(i) = i - 1: the values are the ranks
    below = int(lower)  # order statistics below the interval
    assert 1 - 2 * stats.binom.cdf(below, n, 0.5) >= 0.95  # P(x(below + 1) <= median <= ...)
    assert 1 - 2 * stats.binom.cdf(below + 1, n, 0.5) < 0.95  # and no narrower one would do
    assert upper == n - 1 - lower


def test_mean_interval_is_students_t() -> None:
    values = [10.0, 12.0, 9.0, 15.0, 11.0]
    low, high = mean_interval(values)
    half = stats.t.ppf(0.975, 4) * statistics.stdev(values) / len(values) ** 0.5
    assert (low, high) == pytest.approx((11.4 - half, 11.4 + half))
    assert mean_interval([3.0]) == (None, None)


def test_primary_suppression_hides_one_to_four_and_shows_zeros() -> None:
    cells = {"a": 0, "b": 1, "c": 4, "d": 5}
    assert suppressed_cells(cells, [], 5) == {"b", "c"}
    assert suppressed_cells(cells, [], 1) == set()


def test_a_lone_hidden_part_gets_the_smallest_non_zero_sibling_hidden_too() -> None:
    cells = {"total": 60, "small": 3, "zero": 0, "mid": 20, "large": 37}
    hidden = suppressed_cells(cells, [Relation("total", ("small", "zero", "mid", "large"))], 5)
    assert hidden == {"small", "mid"}


def test_when_no_sibling_can_hide_it_the_total_is_hidden_and_that_carries_upwards() -> None:
    cells = {"wales": 3, "north": 3, "south": 0, "england": 40, "all": 43}
    relations = [Relation("wales", ("north", "south")), Relation("all", ("england", "wales"))]
    assert suppressed_cells(cells, relations, 5) == {"north", "wales", "england"}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 12), min_size=2, max_size=5), min_size=1, max_size=5))
def test_no_sum_is_left_with_exactly_one_hidden_cell(table: list[list[int]]) -> None:
    """A table of rows with row totals, column totals and a grand total."""
    width = min(len(row) for row in table)
    rows = [row[:width] for row in table]
    cells = {(r, c): value for r, row in enumerate(rows) for c, value in enumerate(row)}
    cells |= {(r, "total"): sum(row) for r, row in enumerate(rows)}
    cells |= {("total", c): sum(row[c] for row in rows) for c in range(width)}
    cells[("total", "total")] = sum(map(sum, rows))
    relations = [
        Relation((r, "total"), tuple((r, c) for c in range(width))) for r in range(len(rows))
    ]
    relations += [
        Relation(("total", c), tuple((r, c) for r in range(len(rows)))) for c in range(width)
    ]
    relations.append(Relation(("total", "total"), tuple(("total", c) for c in range(width))))
    hidden = suppressed_cells(cells, relations, 5)
    assert {cell for cell, value in cells.items() if 0 < value < 5} <= hidden
    for relation in relations:
        assert sum(cell in hidden for cell in (relation.total, *relation.parts)) != 1


def test_pseudonyms_are_hmac_sha256_under_the_key() -> None:
    key = b"0123456789abcdef"
    name = pseudonymiser(key)
    assert (
        name("PF1-DORSET-000001") == hmac.new(key, b"PF1-DORSET-000001", hashlib.sha256).hexdigest()
    )
    assert name("PF1-DORSET-000001") != pseudonymiser(key + b"!")("PF1-DORSET-000001")


def test_a_key_file_loses_one_trailing_newline_and_must_hold_16_bytes() -> None:
    assert key_from_file_bytes(b"secret-key-16-bytes\n") == b"secret-key-16-bytes"
    assert key_from_file_bytes(b"secret-key-16-bytes\r\n") == b"secret-key-16-bytes"
    assert key_from_file_bytes(b"secret\n\n") == b"secret\n"
    with pytest.raises(PseudonymKeyError, match="has 15 bytes; at least 16 are needed"):
        pseudonymiser(b"x" * 15)
