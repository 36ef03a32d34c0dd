"""95% intervals: Wilson for a share, the order-statistic (binomial) interval for a median, and
Student's t for a mean."""

import math
import statistics
from collections.abc import Sequence

from scipy import stats

CONFIDENCE = 0.95
_Z = statistics.NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)

Interval = tuple[float, float] | tuple[None, None]
NO_INTERVAL: Interval = (None, None)


def wilson(successes: int, trials: int) -> Interval:
    """The Wilson score interval of successes / trials."""
    if trials == 0:
        return NO_INTERVAL
    share = successes / trials
    spread = _Z * math.sqrt(share * (1 - share) / trials + _Z**2 / (4 * trials**2))
    centre = share + _Z**2 / (2 * trials)
    scale = 1 + _Z**2 / trials
    lower = 0.0 if successes == 0 else (centre - spread) / scale  # exact at the ends, where
    upper = 1.0 if successes == trials else (centre + spread) / scale  # rounding would miss
    return lower, upper


def median_interval(values: Sequence[float]) -> Interval:
    """The distribution-free interval for a median: the order statistics x(l) and x(u) with
    l, u the binomial(n, 1/2) quantiles, so it covers the median with at least 95% probability.
    Too few values for that coverage (n < 6) give the whole range."""
    n = len(values)
    if n == 0:
        return NO_INTERVAL
    ordered = sorted(values)
    alpha = 1 - CONFIDENCE
    lower = int(stats.binom.ppf(alpha / 2, n, 0.5))  # P(B < lower) <= alpha / 2
    if stats.binom.cdf(lower, n, 0.5) > alpha / 2:
        lower -= 1
    lower = max(lower, 0)  # 0-based: x(lower + 1) in 1-based terms
    upper = n - 1 - lower
    return float(ordered[lower]), float(ordered[upper])


def mean_interval(values: Sequence[float]) -> Interval:
    """Student's t interval for a mean (none from fewer than two values)."""
    n = len(values)
    if n < 2:
        return NO_INTERVAL
    mean = statistics.fmean(values)
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * statistics.stdev(values) / math.sqrt(n)
    return mean - half, mean + half
