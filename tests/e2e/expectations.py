"""What a live run must end with, computed independently of the workers: the replay of its log.

Every end-to-end and fault test ends with the same three checks: the served figures (summed over
the reporting workers, as the Prometheus rules sum them) equal the replay's; the dead-letter topic
holds every refused line (at least once, exactly once by source position); and the dead-letter
counts served equal the replay's refusals.
"""

import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

from services.core.fold import ReplayFold, ReplayResult
from services.core.rules import Rules
from services.reporting.collector import COUNTED, GAUGED, SHARES
from tests.e2e.harness import KeyedRecord, Observed
from tests.polling import wait_for

Metrics = dict[tuple[str, tuple[tuple[str, str], ...]], float]
PREFIX_COMPARED = 1000  # a truncated dead letter keeps far more than this of the message


def replay_lines(
    lines: Iterable[bytes], rules: Rules
) -> tuple[ReplayResult, list[tuple[bytes, str]]]:
    """The replay of the lines as published, and every refused line with its reason."""
    fold, refused = ReplayFold(rules), []
    for line in lines:
        refused += fold.ingest(line, line)
    refused += fold.finish()
    return fold.result(), [(refusal.token, refusal.rejection.reason) for refusal in refused]


def summed(workers: list[Metrics]) -> dict[str, dict[str, Any]]:
    """Per-site figures from several reporting workers, added up before dividing."""

    def total(name: str, site: str) -> float:
        return sum(metrics.get((name, (("site", site),)), 0.0) for metrics in workers)

    sites = {dict(labels).get("site") for metrics in workers for _, labels in metrics} - {None}
    figures: dict[str, dict[str, Any]] = {}
    for site in sites:
        values: dict[str, Any] = {key: total(f"pathfinder_{key}_total", site) for key in COUNTED}
        values |= {key: total(f"pathfinder_{key}", site) for key in GAUGED}
        for share in SHARES:
            denominator = total(f"pathfinder_{share}_denominator", site)
            numerator = total(f"pathfinder_{share}_numerator", site)
            values[share] = numerator / denominator if denominator else None
            values[f"{share}_numerator"], values[f"{share}_denominator"] = numerator, denominator
        for key, histogram in (
            ("mean_duration_weeks", "pathfinder_duration_weeks"),
            ("cir_mean_working_days_to_file", "pathfinder_cir_working_days_to_file"),
        ):
            count = total(f"{histogram}_count", site)
            values[key] = total(f"{histogram}_sum", site) / count if count else None
        figures[str(site)] = values
    return figures


def figure_differences(workers: list[Metrics], expected: ReplayResult) -> list[str]:
    """Every figure that the summed live metrics show differently from the replay."""
    live, problems = summed(workers), []
    for site, values in expected.sites.items():
        for key, actual in live.get(site, {}).items():
            wanted = values[key]
            same = actual is None if wanted is None else (
                actual is not None and math.isclose(actual, wanted, rel_tol=1e-9)
            )  # fmt: skip
            if not same:
                problems.append(f"{site} {key}: live {actual}, replay {wanted}")
        if site not in live:
            problems.append(f"{site}: not served")
    return problems


def dead_letters_by_position(records: list[KeyedRecord]) -> dict[tuple[bytes, ...], KeyedRecord]:
    """The dead letters de-duplicated by source topic, partition and offset."""
    distinct: dict[tuple[bytes, ...], KeyedRecord] = {}
    for record in records:
        headers = record[2]
        position = tuple(headers[h] for h in ("source-topic", "source-partition", "source-offset"))
        distinct.setdefault(position, record)
    return distinct


def _comparable(value: bytes, original_length: int, reason: str) -> tuple[str, int, bytes]:
    return reason, original_length, value[:PREFIX_COMPARED]


def dead_letter_differences(
    records: list[KeyedRecord], refused: list[tuple[bytes, str]]
) -> list[str]:
    """How the dead-letter topic differs from the replay's refusals (empty when it holds each)."""
    live = Counter()
    for _, value, headers in dead_letters_by_position(records).values():
        length = int(headers.get("truncated-from-bytes", len(value)))
        if length != len(value) and len(value) < PREFIX_COMPARED:
            return [f"a truncated dead letter kept only {len(value)} bytes"]
        live[_comparable(value, length, headers["reason"].decode())] += 1
    wanted = Counter(_comparable(raw, len(raw), reason) for raw, reason in refused)
    missing, extra = wanted - live, live - wanted
    return [f"missing {item[:2]}" for item in missing] + [f"extra {item[:2]}" for item in extra]


def served_dead_letters(workers: list[Metrics]) -> Counter[str]:
    """pathfinder_dead_lettered_total by reason, summed over the reporting workers."""
    served: Counter[str] = Counter()
    for metrics in workers:
        for (name, labels), value in metrics.items():
            if name == "pathfinder_dead_lettered_total":
                served[dict(labels)["reason"]] += int(value)
    return served


def assert_settles_on_the_replay(
    pipeline: Observed,
    expected: ReplayResult,
    refused: list[tuple[bytes, str]],
    reporting: tuple[str, ...] = ("reporting",),
    timeout: float = 240,
) -> None:
    """The live system ends with the replay's figures, dead letters and dead-letter counts."""

    def scrape() -> list[Metrics]:
        return [pipeline.metrics(name) for name in reporting]

    settled = wait_for(lambda: not figure_differences(scrape(), expected), timeout, 2)
    assert settled, figure_differences(scrape(), expected)
    wanted = Counter({reason: count for reason, count in expected.rejected.items() if count})
    counted = wait_for(lambda: +served_dead_letters(scrape()) == wanted, 60, 1)
    assert counted, (served_dead_letters(scrape()), wanted)
    dead = pipeline.read_keyed(pipeline.topics.dead_letter)
    assert not dead_letter_differences(dead, refused), dead_letter_differences(dead, refused)
