"""Replay rate against a bare orjson.loads loop over the same log, measured in one run.

    python benchmarks/replay_rate.py [--events 1000000] [--seed 7] [--log PATH] [--repeat 2]

Simulates a log of about --events events (kept under out/bench/ and reused), then times, alternately
and --repeat times each, (a) reading and parsing every line with orjson.loads in one process and
(b) the full replay (validate, de-duplicate, hold, fold, project) with one worker and with one
worker per core. Prints lines per second, the ratio of each best replay rate to the best parse
rate, and peak resident memory. Other scripts import `measure`, which returns the figures.
"""

import argparse
import datetime as dt
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from services.bootstrap import build_rules
from services.evaluator.replay import default_workers, replay
from services.reference.sites_file import load_sites
from services.simulator import SimulationConfig, write_log

DEFAULT_LOG_DIR = Path("out/bench")


def ensure_log(events: int, seed: int, path: Path | None) -> Path:
    """The log to measure: given, or simulated once and cached by size and seed."""
    if path is not None:
        return path
    path = DEFAULT_LOG_DIR / f"pilot-{events}-{seed}.jsonl"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    registry = load_sites()
    probe = SimulationConfig(
        1000, seed, tuple(registry), dt.date(2024, 1, 1), dt.date(2025, 12, 31)
    )
    events_per_case = write_log(path, probe, registry).lines / 1000
    cases = max(1, round(events / events_per_case))
    config = SimulationConfig(
        cases, seed, tuple(registry), dt.date(2024, 1, 1), dt.date(2025, 12, 31), noise=0.002
    )
    summary = write_log(path, config, registry)
    print(f"simulated {summary.lines:,} lines ({summary.cases:,} cases) -> {path}")
    return path


def parse_only(path: Path) -> tuple[int, float]:
    loads = orjson.loads
    start = time.perf_counter()
    with path.open("rb") as log:
        count = 0
        for line in log:
            try:  # noqa: SIM105 - contextlib.suppress would add its own cost to the measured loop
                loads(line)
            except ValueError:  # the log's deliberately malformed lines
                pass
            count += 1
    return count, time.perf_counter() - start


def full_replay(path: Path, workers: int) -> tuple[int, float]:
    rules = build_rules()
    start = time.perf_counter()
    result = replay([path], rules, show_progress=False, workers=workers)
    return result.lines, time.perf_counter() - start


def measure(
    lines: int = 1_000_000,
    seed: int = 7,
    repeat: int = 2,
    log: Path | None = None,
    say: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Time the parse-only loop and the replay with 1 worker and one per core, alternately and
    `repeat` times each, over a log of about `lines` lines (simulated once, or `log`).

    Returns {"log", "lines", "parse_per_s", "replay_per_s": {workers: rate}, "ratio": {workers:
    best replay rate / best parse rate}, "runs": {name: [rate, ...]}, "peak_mib": {"single_fold",
    "largest_worker"}}; `say` is given a line per run as it ends.
    """
    path = ensure_log(lines, seed, log)
    build_rules()  # build the calendar outside the timings
    worker_counts = sorted({1, default_workers()})
    runs: dict[str, list[float]] = {"parse": [], **{f"replay x{n}": [] for n in worker_counts}}
    count = 0
    for _ in range(repeat):
        count, seconds = parse_only(path)
        runs["parse"].append(count / seconds)
        if say:
            say(f"parse only      : {count:,} lines in {seconds:.2f} s = {count / seconds:,.0f}/s")
        for workers in worker_counts:
            count, seconds = full_replay(path, workers)
            runs[f"replay x{workers}"].append(count / seconds)
            if say:
                say(
                    f"replay, {workers} worker{'s' if workers > 1 else ' '}: {count:,} lines"
                    f" in {seconds:.2f} s = {count / seconds:,.0f}/s"
                )
    best_parse = max(runs["parse"])
    replay_rates = {n: max(runs[f"replay x{n}"]) for n in worker_counts}
    return {
        "log": str(path),
        "lines": count,
        "parse_per_s": best_parse,
        "replay_per_s": replay_rates,
        "ratio": {n: rate / best_parse for n, rate in replay_rates.items()},
        "runs": runs,
        "peak_mib": {
            "single_fold": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "largest_worker": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--log", type=Path)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    figures = measure(args.events, args.seed, args.repeat, args.log, say=print)
    for workers, ratio in figures["ratio"].items():
        print(f"ratio, best replay with {workers} worker(s) / best parse: {ratio:.3f}")
    peak = figures["peak_mib"]
    print(
        f"peak resident memory: single fold {peak['single_fold']:,.0f} MiB;"
        f" largest worker {peak['largest_worker']:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
