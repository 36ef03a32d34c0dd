"""Replay rate against a bare orjson.loads loop over the same log, measured in one run.

    python benchmarks/replay_rate.py [--events 1000000] [--seed 7] [--log PATH] [--repeat 2]

Simulates a log of about --events events (kept under out/bench/ and reused), then times, alternately
and --repeat times each, (a) reading and parsing every line with orjson.loads and (b) the full
replay: validate, de-duplicate, hold, fold, project. Prints lines per second for each, the ratio
of the best replay rate to the best parse rate, and the replay's peak resident memory.
"""

import argparse
import datetime as dt
import resource
import time
from pathlib import Path

import orjson

from services.bootstrap import build_rules
from services.replay import replay
from services.simulator import SimulationConfig, write_log
from services.sites_file import load_sites

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
    print(f"simulated {summary} -> {path}")
    return path


def parse_only(path: Path) -> tuple[int, float]:
    loads = orjson.loads
    start = time.perf_counter()
    with path.open("rb") as log:
        count = 0
        for line in log:
            loads(line)
            count += 1
    return count, time.perf_counter() - start


def full_replay(path: Path) -> tuple[int, float]:
    rules = build_rules()
    start = time.perf_counter()
    result = replay([path], rules, show_progress=False)
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
    parse_rates, replay_rates = [], []
    for _ in range(args.repeat):
        lines, seconds = parse_only(path)
        parse_rates.append(lines / seconds)
        print(f"parse only : {lines:,} lines in {seconds:.2f} s = {lines / seconds:,.0f} lines/s")
        lines, seconds = full_replay(path)
        replay_rates.append(lines / seconds)
        print(f"replay     : {lines:,} lines in {seconds:.2f} s = {lines / seconds:,.0f} lines/s")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"ratio (best replay / best parse): {max(replay_rates) / max(parse_rates):.3f}")
    print(f"peak resident memory: {peak_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
