"""How long a scrape of the reporting worker takes, and how much memory the workers hold, by size.

    python benchmarks/scrape_rate.py [--sizes 6000 100000 400000] [--scrapes 200] [--no-before]

For each size, a decade of every pilot site (issues from February 2022 to 2031, as
`benchmarks/report_rate.py` simulates it, cached under out/bench/) is folded through the replay's
fold (`ReplayFold`, the core the replay and the workers share) into each case's ledger: its state
and the ids it accepted. From those the tables are filled directly, as a worker holds them once its
partitions are recovered (a decade through the embedded broker would need several GB):

- reporting-facts: key = case reference, value = `store_facts(partition, CaseFacts)`, the exact
  bytes `_keep_if_newer` writes, with the version the state has;
- intake-ledgers and gatekeeping-cases: value = `encode_ledger(ledger, partition)`, as both
  workers write it; nothing held (a finished log holds nothing), gatekeeping's ledger with the
  alerts its clock would have raised (due soon when filed in the last 5 working days or not at
  all, overdue when filed late or not at all).

The values go into the in-memory store's dict with each key's partition beside it, as the store
holds them after a recovery (`Store.apply_changelog_batch`); the partition is the key's CRC32
modulo the partitions, one reporting worker owning them all. The reporting worker's figures are
then built from its table by the same `_rebuild` a recovery calls.

Scrapes are `generate_latest(registry)`, the whole /metrics body as the worker's page makes it,
`--scrapes` of them with the business date a day later every 10th; "before" is the full
recompute (`PilotCollector`, every case projected on every scrape) on the same table. Taking in
a fact is one newer version of a case through the agent (`project.test_context`: decode, replace
its contribution, write the table), and the core's part of it alone. Resident memory is read from
/proc in a fresh process per worker and size, after the table is filled (and, for reporting, its
figures built and served once).

`measure(sizes, scrapes, before)` returns the figures as a list of dicts for a combined table.
"""

import argparse
import asyncio
import datetime as dt
import gc
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

import msgspec

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.bootstrap import build_gatekeeping, build_intake, build_reporting, build_rules  # noqa: E402
from services.config import Settings  # noqa: E402
from services.core.case import CaseState  # noqa: E402
from services.core.derived import CaseFacts  # noqa: E402
from services.core.fold import ReplayFold  # noqa: E402
from services.core.standing import due_soon_from  # noqa: E402
from services.reference.sites_file import load_sites  # noqa: E402
from services.simulator import SimulationConfig, write_log  # noqa: E402

LOG_DIR = ROOT / "out" / "bench"
SEED = 2025
FIRST, LAST = dt.date(2022, 2, 1), dt.date(2031, 12, 31)
PARTITIONS = 4
WORKERS = {"reporting": build_reporting, "intake": build_intake, "gatekeeping": build_gatekeeping}
TABLES = {"reporting": "facts", "intake": "ledgers", "gatekeeping": "cases"}


class Case(msgspec.Struct, array_like=True):
    subject: str
    state: CaseState
    ids: list[str]


class Prepared(msgspec.Struct, array_like=True):
    as_of: dt.date
    cases: list[Case]


def ensure_log(cases: int) -> Path:
    """The simulated decade of `cases` cases (shared with report_rate.py's cache)."""
    path = LOG_DIR / f"report-{cases}-{SEED}-{FIRST.year}-{LAST.year}.jsonl.gz"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        registry = load_sites()
        config = SimulationConfig(cases, SEED, tuple(registry), FIRST, LAST, noise=0.01)
        write_log(path, config, registry)
    return path


def ensure_cases(cases: int) -> Path:
    """Every case's state and accepted ids after the decade, folded once and cached."""
    path = LOG_DIR / f"scrape-cases-{cases}-{SEED}.msgpack"
    if path.exists():
        return path
    fold = ReplayFold(build_rules())
    with gzip.open(ensure_log(cases), "rb") as log:
        for number, raw in enumerate(log, 1):
            fold.ingest(raw.rstrip(b"\n"), number)
    fold.finish()
    as_of = fold.counts.latest_business_date
    assert as_of is not None
    held = [
        Case(subject, ledger.state, sorted(ledger.ids)) for subject, ledger in fold.cases.items()
    ]
    path.write_bytes(msgspec.msgpack.encode(Prepared(as_of, held)))
    return path


def partition_of(key: bytes) -> int:
    return zlib.crc32(key) % PARTITIONS


def table_values(worker: str, prepared: Prepared) -> list[tuple[bytes, int, bytes]]:
    """(key, partition, value) of every case, as the worker's table holds it."""
    from services.core.ledger import CaseLedger
    from services.reporting.stored import store_facts
    from services.streaming.ledgers import encode_ledger

    rules = build_rules()
    values = []
    for case in prepared.cases:
        key = case.subject.encode()
        partition = partition_of(key)
        if worker == "reporting":
            facts = CaseFacts(subject=case.subject, version=case.state.version, state=case.state)
            value = store_facts(partition, msgspec.json.encode(facts))
        else:
            ledger = CaseLedger()
            ledger.state, ledger.ids = case.state, set(case.ids)
            if worker == "gatekeeping":
                _raised_alerts(case.state, rules.calendar)
            value = encode_ledger(ledger, partition)
        values.append((key, partition, value))
    return values


def _raised_alerts(state: CaseState, calendar: Any) -> None:
    if state.due_original is None:
        return
    due = state.due_original
    if state.filed_on is None or state.filed_on >= due_soon_from(due, calendar):
        state.alerts_raised.append(("CirDueSoon", due))
    if state.filed_on is None or state.filed_on > due:
        state.alerts_raised.append(("CirOverdue", due))


def built_worker(name: str, data_dir: Path) -> Any:
    settings = Settings(data_dir=data_dir, clock="wall", sites_file=None, partitions=PARTITIONS)
    worker = WORKERS[name](settings)
    worker.app.finalize()
    worker.owned = lambda topic: set(range(PARTITIONS))  # type: ignore[method-assign]
    return worker


def fill(worker: Any, name: str, values: list[tuple[bytes, int, bytes]]) -> None:
    """The table's store as a recovery leaves it: each key's value and partition."""
    store = getattr(worker, TABLES[name]).data
    for key, partition, value in values:
        store.data[key] = value
        store._key_partition[key] = partition


def resident_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def child(name: str, cases: int) -> None:
    """In a fresh process: fill one worker's table, print its resident memory as JSON."""
    with tempfile.TemporaryDirectory() as scratch:
        worker = built_worker(name, Path(scratch))
        baseline = resident_bytes()
        prepared = msgspec.msgpack.decode(ensure_cases(cases).read_bytes(), type=Prepared)
        values = table_values(name, prepared)
        as_of = prepared.as_of
        del prepared
        fill(worker, name, values)
        del values
        gc.collect()
        if name == "reporting":
            from prometheus_client import generate_latest

            worker.clock._wall_today = lambda: as_of
            asyncio.run(worker._rebuild())
            generate_latest(worker.registry)
            gc.collect()
        print(json.dumps({"baseline": baseline, "resident": resident_bytes()}))


def memory(name: str, cases: int) -> dict[str, int]:
    command = [sys.executable, __file__, "--child", name, "--cases", str(cases)]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    figures: dict[str, int] = json.loads(output.stdout.strip().splitlines()[-1])
    return figures


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _take_in(worker: Any, prepared: Prepared, count: int) -> float:
    """Seconds per newer version of a case, through the agent."""
    from services.reporting.stored import decode_stored_facts

    async with worker.project.test_context() as agent:
        start = time.perf_counter()
        for case in prepared.cases[:count]:
            key = case.subject.encode()
            state = msgspec.structs.replace(case.state, version=case.state.version + 1)
            facts = CaseFacts(subject=case.subject, version=state.version, state=state)
            message = msgspec.json.encode(facts)
            await agent.put(message, key=key, partition=partition_of(key), wait=False)
        # the agent takes its messages a batch at a time: done once the last one is kept
        while decode_stored_facts(worker.facts[key]).facts.version != state.version:
            await asyncio.sleep(0.001)
        return (time.perf_counter() - start) / count


def scrape_figures(cases: int, scrapes: int, before: bool) -> dict[str, Any]:
    from prometheus_client import CollectorRegistry, generate_latest

    from services.reporting.collector import PilotCollector
    from services.reporting.stored import decode_stored_facts

    prepared = msgspec.msgpack.decode(ensure_cases(cases).read_bytes(), type=Prepared)
    with tempfile.TemporaryDirectory() as scratch:
        worker = built_worker("reporting", Path(scratch))
        worker.app.flow_control.resume()
        fill(worker, "reporting", table_values("reporting", prepared))
        today = [prepared.as_of]
        worker.clock._wall_today = lambda: today[0]
        start = time.perf_counter()
        asyncio.run(worker._rebuild())
        build_seconds = time.perf_counter() - start
        times = []
        for number in range(scrapes):
            if number % 10 == 9:
                today[0] += dt.timedelta(days=1)
            start = time.perf_counter()
            generate_latest(worker.registry)
            times.append(time.perf_counter() - start)
        dates = sum(figures.dates_held() for figures in worker.standing.partitions.values())
        figures: dict[str, Any] = {
            "cases": len(prepared.cases),
            "scrape_p50_ms": statistics.median(times) * 1000,
            "scrape_p99_ms": _percentile(times, 0.99) * 1000,
            "build_s": build_seconds,
            "dates_kept": dates,
        }
        if before:
            states = [
                decode_stored_facts(value).facts.state for value in worker.facts.data.data.values()
            ]
            registry = CollectorRegistry()
            rules = worker.rules
            registry.register(
                PilotCollector(lambda: states, rules.sites, lambda: today[0], rules.calendar)
            )
            full = []
            for _ in range(3 if cases <= 100_000 else 2):
                start = time.perf_counter()
                generate_latest(registry)
                full.append(time.perf_counter() - start)
            figures["before_scrape_ms"] = statistics.median(full) * 1000
        count = min(2000, len(prepared.cases))
        figures["take_in_us"] = asyncio.run(_take_in(worker, prepared, count)) * 1e6
        core_start = time.perf_counter()
        for case in prepared.cases[:count]:
            key = case.subject.encode()
            worker.standing.replace(partition_of(key), key, case.state, case.state)
        figures["core_replace_us"] = (time.perf_counter() - core_start) / count * 1e6
    return figures


def measure(
    sizes: tuple[int, ...] = (6_000, 100_000, 400_000), scrapes: int = 200, before: bool = True
) -> list[dict[str, Any]]:
    """Per size: scrape p50/p99 (and the full recompute's), build and take-in times, and each
    worker's resident memory."""
    rows = []
    for cases in sizes:
        row = scrape_figures(cases, scrapes, before)
        for name in WORKERS:
            row[f"{name}_rss_mib"] = memory(name, cases)["resident"] / 2**20
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[6_000, 100_000, 400_000])
    parser.add_argument("--scrapes", type=int, default=200)
    parser.add_argument("--no-before", action="store_true")
    parser.add_argument("--child", choices=sorted(WORKERS))
    parser.add_argument("--cases", type=int)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.cases)
        return
    for cases in args.sizes:
        [row] = measure((cases,), args.scrapes, not args.no_before)
        before = (
            f"; full recompute {row['before_scrape_ms']:,.0f} ms"
            if "before_scrape_ms" in row
            else ""
        )
        print(
            f"{row['cases']:,} cases: scrape p50 {row['scrape_p50_ms']:.1f} ms, p99"
            f" {row['scrape_p99_ms']:.1f} ms{before}; built in {row['build_s']:.1f} s"
            f" ({row['dates_kept']:,} dates kept); a new fact {row['take_in_us']:.0f} µs through"
            f" the agent ({row['core_replace_us']:.0f} µs in the core)"
        )
        print(
            "  resident: "
            + ", ".join(f"{name} {row[f'{name}_rss_mib']:,.0f} MiB" for name in WORKERS)
        )


if __name__ == "__main__":
    main()
