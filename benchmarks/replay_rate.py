"""Replay rate against a bare orjson.loads loop over the same log, measured in one run.

    python benchmarks/replay_rate.py [--events 1000000] [--seed 7] [--log PATH] [--repeat 2]

Simulates a log of about --events events (kept under out/bench/ and reused), then times, alternately
and --repeat times each, (a) reading and parsing every line with orjson.loads in one process and
(b) the full replay (validate, de-duplicate, hold, fold, project) with one worker and with one
worker per core. Prints lines per second, the ratio of each best replay rate to the best parse
rate, and peak resident memory.
"""

import argparse
import datetime as dt
import resource
import time
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--log", type=Path)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    path = ensure_log(args.events, args.seed, args.log)
    build_rules()  # build the calendar outside the timings
    worker_counts = sorted({1, default_workers()})
    rates: dict[str, list[float]] = {"parse": [], **{f"replay x{n}": [] for n in worker_counts}}
    for _ in range(args.repeat):
        lines, seconds = parse_only(path)
        rates["parse"].append(lines / seconds)
        print(f"parse only      : {lines:,} lines in {seconds:.2f} s = {lines / seconds:,.0f}/s")
        for workers in worker_counts:
            lines, seconds = full_replay(path, workers)
            rates[f"replay x{workers}"].append(lines / seconds)
            print(
                f"replay, {workers} worker{'s' if workers > 1 else ' '}: {lines:,} lines"
                f" in {seconds:.2f} s = {lines / seconds:,.0f}/s"
            )
    best_parse = max(rates["parse"])
    for workers in worker_counts:
        ratio = max(rates[f"replay x{workers}"]) / best_parse
        print(f"ratio, best replay with {workers} worker(s) / best parse: {ratio:.3f}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"peak resident memory: single fold {own:,.0f} MiB; largest worker {workers_peak:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
