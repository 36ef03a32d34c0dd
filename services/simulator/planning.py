"""Planning a run: which cases to generate, at which sites, issued on which dates."""

import datetime as dt
import random
from operator import itemgetter

from schemas.catalogue import LATEST_BUSINESS_DATE
from services.core.sites import SiteRegistry
from services.simulator.calibration import Window, mean_days_after_report
from services.simulator.draft import CasePlan
from services.simulator.parameters import Parameters, SimulationConfig

IssueWindows = dict[str, tuple[dt.date, dt.date]]  # each site's first and last issue dates


def plan_cases(
    config: SimulationConfig, registry: SiteRegistry, p: Parameters
) -> list[tuple[CasePlan, int]]:
    """Every case with its own seed, numbered in issue order; sites share cases by volume."""
    rng = random.Random(config.seed)
    windows = _issue_windows(config, registry)
    volumes = [
        p.families_per_year.for_site(code) * ((last - first).days + 1)
        for code, (first, last) in windows.items()
    ]
    drafts = []
    for (code, (first, last)), count in zip(
        windows.items(), _apportion(config.cases, volumes), strict=True
    ):
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        weekdays = [day for day in days if day.weekday() < 5] or days
        for _ in range(count):
            pool = weekdays if p.weekday_issue_share.happens(rng) else days
            drafts.append((rng.choice(pool), code, rng.getrandbits(64)))
    drafts.sort(key=itemgetter(0))
    waits = _mean_days_after_report(windows, log_end(config, p), p)
    return [
        (CasePlan(number, registry[code], issued_on, config.reference_prefix, waits[code]), seed)
        for number, (issued_on, code, seed) in enumerate(drafts, start=1)
    ]


def log_end(config: SimulationConfig, p: Parameters) -> dt.date:
    """The last date the log follows its cases to: the follow-up after the last issue date, and
    never past the last date the contract accepts."""
    return min(config.end + dt.timedelta(days=p.follow_up_days.value), LATEST_BUSINESS_DATE)


def _mean_days_after_report(windows: IssueWindows, end: dt.date, p: Parameters) -> dict[str, float]:
    """Each site's mean wait after the report, aimed at its target mean duration as measured
    over the cases concluded by the log's end."""
    waits = {}
    for code, (first, last) in windows.items():
        window = Window(issue_days=(last - first).days, follow_up_days=(end - last).days)
        target_days = p.mean_duration_weeks.for_site(code) * 7
        waits[code] = mean_days_after_report(p, target_days, window)
    return waits


def _issue_windows(config: SimulationConfig, registry: SiteRegistry) -> IssueWindows:
    unknown = [code for code in config.sites if code not in registry]
    if unknown:
        known = ", ".join(sorted(registry))
        raise ValueError(f"unknown site(s) {', '.join(unknown)}; the registry has {known}")
    not_live = [registry[code] for code in config.sites if registry[code].go_live > config.end]
    if not_live:
        named = ", ".join(f"{site.code} (go-live {site.go_live})" for site in not_live)
        raise ValueError(f"site(s) not yet live by the end date {config.end}: {named}")
    return {code: (max(config.start, registry[code].go_live), config.end) for code in config.sites}


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights`, largest remainders first."""
    shares = [total * weight / sum(weights) for weight in weights]
    counts = [int(share) for share in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: counts[i] - shares[i])
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts
