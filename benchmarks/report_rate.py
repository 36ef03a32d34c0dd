"""How long `pathfinder report` takes, and how much memory, on a simulated year and decade.

    python benchmarks/report_rate.py [--year-cases 3000] [--decade-cases 400000] [--no-decade]

Simulates (once, cached under out/bench/) a year of every pilot site (2025) and a decade of
the pilot (issues from February 2022, when the first sites went live, to 2031), then runs
`pathfinder report` on each as a command, with per-case rows, timing it from outside and
sampling the resident memory of the command and its replay workers together every 20 ms.
Prints wall time, the peak of that sum, and the peak of the largest single process.
"""

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from services.reference.sites_file import load_sites
from services.simulator import SimulationConfig, write_log

LOG_DIR = Path("out/bench")
KEY = b"benchmark pseudonym key, 32 byte"


def ensure_log(cases: int, seed: int, start: dt.date, end: dt.date) -> Path:
    path = LOG_DIR / f"report-{cases}-{seed}-{start.year}-{end.year}.jsonl.gz"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        registry = load_sites()
        config = SimulationConfig(cases, seed, tuple(registry), start, end, noise=0.01)
        summary = write_log(path, config, registry)
        print(f"simulated {summary.lines:,} lines ({summary.cases:,} cases) -> {path}")
    return path


def _tree_rss_bytes(root: int) -> int:
    """Resident memory of `root` and every descendant, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        pending += children.get(pid, [])
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf(
                "SC_PAGE_SIZE"
            )
        except OSError:
            continue
    return total


def measure(log: Path) -> tuple[float, int, int, str]:
    """Wall seconds, peak summed resident bytes, peak single-process bytes, the command's line."""
    with tempfile.TemporaryDirectory() as scratch:
        key = Path(scratch) / "key"
        key.write_bytes(KEY)
        command = [sys.executable, "-m", "services.cli", "report", str(log), "--out",
                   f"{scratch}/out", "--pseudonym-key-file", str(key), "--no-progress"]  # fmt: skip
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_rss_bytes(process.pid))
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        output = process.stdout.read() if process.stdout else ""
        if process.returncode != 0:
            raise SystemExit(f"report failed with status {process.returncode}")
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return elapsed, peak, largest, output.strip()


def report(name: str, log: Path) -> None:
    elapsed, peak, largest, output = measure(log)
    print(f"{name}: {output}")
    print(f"  {elapsed:.1f} s; peak resident {peak / 2**20:,.0f} MiB (command and workers"
          f" together), {largest / 2**20:,.0f} MiB (largest process)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year-cases", type=int, default=3_000)
    parser.add_argument("--decade-cases", type=int, default=400_000)
    parser.add_argument("--no-decade", action="store_true")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    year = ensure_log(args.year_cases, args.seed, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    report(f"year, {args.year_cases:,} cases", year)
    if not args.no_decade:
        first, last = dt.date(2022, 2, 1), dt.date(2031, 12, 31)
        decade = ensure_log(args.decade_cases, args.seed, first, last)
        report(f"decade, {args.decade_cases:,} cases", decade)


if __name__ == "__main__":
    main()
