"""Aiming durations at the published means as an evaluator measures them.

A published mean duration is the mean over the cases concluded by the time it was measured, and
an evaluator replaying a log measures the same: the mean over the cases concluded by the log's
last date. A case issued late in the window is in that mean only if it is short, so the mean
falls short of the mean over every case drawn, the more so the longer the tail of durations and
the shorter the follow-up. The wait from CIR filing to conclusion is therefore chosen so that the
expected mean over the concluded cases hits the target, given the site's issue window and how
long the log runs after it.

The expectation is exact for what the simulator draws (a gamma wait after the report), with two
simplifications: issue dates spread evenly over the window, and every report is filed after the
mean time to it.
"""

import itertools
import math
from dataclasses import dataclass

from services.simulator.parameters import Parameters
from services.simulator.report import expected_days_to_report

SHORTEST_MEAN_WAIT_DAYS = 7.0  # even a case settled on paper waits for the court to act
LONGEST_MEAN_WAIT_DAYS = 3_650.0  # far beyond any target: only a hopeless window gets there
_WAIT_STEP = 1.1  # the waits tried grow by 10%, then the crossing is bisected
_BISECTIONS = 40


@dataclass(frozen=True)
class Window:
    """When a site's cases are issued: over `issue_days` days, the last of them `follow_up_days`
    before the log ends."""

    issue_days: int
    follow_up_days: int

    def share_followed_for(self, days: float) -> float:
        """The share of the site's cases issued at least `days` before the log ends."""
        if self.issue_days == 0:
            return float(days <= self.follow_up_days)
        share = (self.follow_up_days + self.issue_days - days) / self.issue_days
        return min(max(share, 0.0), 1.0)


def mean_days_after_report(p: Parameters, target_days: float, window: Window) -> float:
    """The mean wait from CIR filing to conclusion that makes the cases concluded by the log's
    end average `target_days`: the shortest such wait, or where none does (a window too short
    for the target), the one that comes closest."""
    waits = _waits_to_try()
    means = [concluded_mean_days(p, wait, window) for wait in waits]
    if means[0] >= target_days:
        return waits[0]
    for (shorter, longer), mean in zip(itertools.pairwise(waits), means[1:], strict=True):
        if mean >= target_days:
            return _bisect(p, target_days, window, shorter, longer)
    return waits[means.index(max(means))]


def concluded_mean_days(p: Parameters, mean_wait: float, window: Window) -> float:
    """The expected mean duration, in days, of the cases concluded by the log's end."""
    to_report = expected_days_to_report(p)
    early = p.withdrawal_share.value * p.withdrawal_before_report_share.value
    # cases withdrawn before their report end about halfway to it
    early_concluded = early * window.share_followed_for(to_report / 2)
    reported = _ReportedCases(p.post_report_duration_shape.value, mean_wait, to_report, window)
    concluded = early_concluded + (1 - early) * reported.concluded_share()
    total_days = early_concluded * to_report / 2 + (1 - early) * reported.concluded_days()
    return total_days / concluded if concluded else 0.0


def _waits_to_try() -> list[float]:
    steps = math.ceil(math.log(LONGEST_MEAN_WAIT_DAYS / SHORTEST_MEAN_WAIT_DAYS, _WAIT_STEP))
    return [SHORTEST_MEAN_WAIT_DAYS * _WAIT_STEP**step for step in range(steps + 1)]


def _bisect(p: Parameters, target_days: float, window: Window, short: float, long: float) -> float:
    for _ in range(_BISECTIONS):
        middle = (short + long) / 2
        if concluded_mean_days(p, middle, window) >= target_days:
            long = middle
        else:
            short = middle
    return long


@dataclass(frozen=True)
class _ReportedCases:
    """Cases that reach their report: they last `to_report` days plus a gamma wait W, and are
    concluded by the log's end with the chance `window.share_followed_for(to_report + W)`, which
    is 1 up to the follow-up and falls linearly to 0 across the issue window."""

    shape: float
    mean_wait: float
    to_report: float
    window: Window

    def concluded_share(self) -> float:
        return self._followed_moment(0)

    def concluded_days(self) -> float:
        """The expected duration times the chance of being concluded."""
        return self.to_report * self._followed_moment(0) + self._followed_moment(1)

    def _followed_moment(self, power: int) -> float:
        """E[W**power * share_followed_for(to_report + W)]."""
        everyone = self.window.follow_up_days - self.to_report  # waits every case has time for
        no_one = everyone + self.window.issue_days  # waits no case has time for
        moment = self._partial_moment(power, everyone)
        if self.window.issue_days:
            in_between = self._partial_moment(power, no_one) - moment
            next_in_between = self._partial_moment(power + 1, no_one)
            next_in_between -= self._partial_moment(power + 1, everyone)
            moment += (no_one * in_between - next_in_between) / self.window.issue_days
        return moment

    def _partial_moment(self, power: int, most: float) -> float:
        """E[W**power; W <= most] for W ~ Gamma(shape, mean_wait / shape)."""
        scale = self.mean_wait / self.shape
        rising = math.exp(math.lgamma(self.shape + power) - math.lgamma(self.shape))
        return scale**power * rising * gamma_cdf(self.shape + power, most / scale)


def gamma_cdf(shape: float, x: float) -> float:
    """P(shape, x), the regularised lower incomplete gamma function: the chance that a
    Gamma(shape, 1) draw is at most x (Numerical Recipes, 6.2)."""
    if x <= 0:
        return 0.0
    log_front = shape * math.log(x) - x - math.lgamma(shape)
    if x < shape + 1:
        return math.exp(log_front) * _lower_series(shape, x)
    return 1 - math.exp(log_front) * _upper_continued_fraction(shape, x)


def _lower_series(shape: float, x: float) -> float:
    term = total = 1 / shape
    denominator = shape
    while abs(term) > abs(total) * 1e-15:
        denominator += 1
        term *= x / denominator
        total += term
    return total


def _upper_continued_fraction(shape: float, x: float) -> float:
    """Lentz's method; converges quickly where the series would be slow (x >= shape + 1)."""
    tiny = 1e-300
    b = x + 1 - shape
    c, d = 1 / tiny, 1 / b
    fraction = d
    for i in itertools.count(1):
        a = -i * (i - shape)
        b += 2
        d = 1 / (a * d + b or tiny)
        c = b + a / c or tiny
        fraction *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return fraction
