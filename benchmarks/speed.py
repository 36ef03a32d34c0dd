"""Every speed and memory figure of the pipeline in one table, measured in one run.

    python benchmarks/speed.py [--events 20000] [--sizes 6000 100000 400000]
                               [--replay-lines 1000000] [--latency-seconds 60]

Runs, one after another on this machine: the live throughput against the reference agent and per
hop (benchmarks/live_throughput.py), the publish-to-metric latency at 100 events/s
(benchmarks/stream_rate.py), reporting's scrape time and every worker's resident memory with
6,000, 100,000 and 400,000 cases in its tables (benchmarks/scrape_rate.py), and the replay
against a bare parse loop (benchmarks/replay_rate.py). Each prints as it goes; the table at the
end sets every figure beside its target.
"""

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file, only benchmarks/ is on the path
    sys.path.insert(0, str(ROOT))

from benchmarks import live_throughput, replay_rate, scrape_rate, stream_rate  # noqa: E402

Row = tuple[str, str, str, bool | None]  # figure, measured, target, target met


def throughput_rows(figures: dict[str, Any]) -> list[Row]:
    reference = figures["reference"]["rate"]
    end_to_end = figures["end_to_end"]["rate"]
    ratio = end_to_end / reference
    rows: list[Row] = [
        ("reference agent, lines/s", f"{reference:,.0f}", "", None),
        (
            "pipeline end to end, lines/s",
            f"{end_to_end:,.0f} ({ratio:.2f} x)",
            ">= 0.8 x",
            ratio >= 0.8,
        ),
    ]
    cores = figures["end_to_end"]["cores"]
    rows.append(("  cores busy meanwhile (of 2)", f"{sum(cores.values()):.2f}", "", None))
    for hop, rate in figures["hops"].items():
        rows.append(
            (f"  {hop} alone, messages/s", f"{rate:,.0f} ({rate / reference:.2f} x)", "", None)
        )
    return rows


def latency_rows(figures: dict[str, Any]) -> list[Row]:
    median, p99 = figures["median"], figures["p99"]
    return [
        ("publish to metric at 100/s, median ms", f"{median:,.0f}", "<= 100", median <= 100),
        ("publish to metric at 100/s, p99 ms", f"{p99:,.0f}", "<= 250", p99 <= 250),
    ]


def scrape_rows(rows: list[dict[str, Any]]) -> list[Row]:
    table: list[Row] = []
    for row in rows:
        cases = f"{row['cases']:,} cases"
        p99 = row["scrape_p99_ms"]
        largest = row["cases"] >= 400_000
        table.append(
            (
                f"scrape p99 ms, {cases}",
                f"{p99:,.1f}",
                "<= 50" if largest else "",
                p99 <= 50 if largest else None,
            )
        )
        for worker in scrape_rate.WORKERS:
            resident = row[f"{worker}_rss_mib"]
            table.append(
                (
                    f"  {worker} resident MiB, {cases}",
                    f"{resident:,.0f}",
                    "< 1,536" if largest else "",
                    resident < 1536 if largest else None,
                )
            )
    return table


def replay_rows(figures: dict[str, Any]) -> list[Row]:
    rows: list[Row] = [
        ("bare orjson.loads loop, lines/s", f"{figures['parse_per_s']:,.0f}", "", None)
    ]
    for workers, ratio in figures["ratio"].items():
        rate = figures["replay_per_s"][workers]
        rows.append(
            (
                f"replay, {workers} worker(s), lines/s",
                f"{rate:,.0f} ({ratio:.3f} x)",
                ">= 0.35 x",
                ratio >= 0.35,
            )
        )
    return rows


def print_table(rows: list[Row]) -> None:
    width = max(len(row[0]) for row in rows)
    print(f"\n{'figure':<{width}}  {'measured':>22}  {'target':>10}  met")
    for figure, measured, target, met in rows:
        mark = "" if met is None else ("yes" if met else "NO")
        print(f"{figure:<{width}}  {measured:>22}  {target:>10}  {mark}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="lines in the throughput log")
    parser.add_argument("--sizes", type=int, nargs="+", default=[6_000, 100_000, 400_000])
    parser.add_argument("--replay-lines", type=int, default=1_000_000)
    parser.add_argument("--latency-seconds", type=float, default=60.0)
    parser.add_argument("--workdir", type=Path, help="keep logs here (default: a temporary dir)")
    arguments = parser.parse_args()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as scratch:
        workdir = arguments.workdir or Path(scratch)
        print("throughput ...", flush=True)
        throughput = live_throughput.measure(arguments.events, 11, 600.0, workdir / "throughput")
        rows += throughput_rows(throughput)
        print("latency ...", flush=True)
        latency = stream_rate.measure_latency_figures(
            workdir / "latency", seconds=arguments.latency_seconds
        )
        rows += latency_rows(latency)
    print("scrapes and memory ...", flush=True)
    rows += scrape_rows(scrape_rate.measure(tuple(arguments.sizes), before=False))
    print("replay ...", flush=True)
    rows += replay_rows(replay_rate.measure(arguments.replay_lines, repeat=1))
    print_table(rows)


if __name__ == "__main__":
    main()
