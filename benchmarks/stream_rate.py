"""The live pipeline on the embedded broker: publish-to-metric latency and idle CPU.

    python benchmarks/stream_rate.py [--rate 100] [--seconds 60] [--poll-ms 25]
                                     [--idle-seconds 30] [--workdir DIR] [--only latency|idle ...]
                                     [--set PATHFINDER_NAME=VALUE ...] [--before-after]

Throughput is measured by benchmarks/live_throughput.py, against one faust agent.

Each measurement gets a fresh pipeline (tests/e2e/harness.py: the embedded broker and the intake,
gatekeeping and reporting workers as processes, 4 partitions, event clock), warmed up by one
application that must show on reporting's /metrics before the clock starts, so broker start-up
and the first consumer group joins stay out of the figures. `--before-after` runs each
measurement twice in turn: with the delays the workers had before services/config.py set them
(faust's fixed 1,500 ms fetch wait), then with the configured ones.

(a) Latency: new ApplicationIssued events, one case each, at a steady --rate for --seconds, while
    reporting's /metrics is scraped every --poll-ms for pathfinder_applications_total{site="all"}.
    The latency of the n-th event is when that count first shows n (when the scrape's response
    arrived) minus when the event was handed to the producer. Each hop along the chain is then
    read from the Kafka record timestamps (a worker's producer stamps a record when the worker
    sends it): court-events, intake-by-case, case-events, case-facts, and the scrape that showed
    the case. `measure_latency_figures` returns the figures for other tables to import.
(b) Idle CPU: each worker's and the broker's CPU time over --idle-seconds with no events (the
    workers' clock ticks aside), as % of one core.
"""

import argparse
import asyncio
import datetime as dt
import itertools
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from services.core.routing import case_key
from services.topics import Topics

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file, only benchmarks/ is on the path; the harness isn't
    sys.path.insert(0, str(ROOT))

from tests.builders import event, line  # noqa: E402
from tests.e2e.harness import Pipeline  # noqa: E402
from tests.polling import wait_for  # noqa: E402

START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
APPLICATIONS = ("pathfinder_applications_total", (("site", "all"),))
APPLICATIONS_LINE = re.compile(rb'^pathfinder_applications_total\{site="all"\} (\S+)$', re.M)
# For --before-after: the delays as they were before services/config.py set them, faust's own
# (the fetch wait was fixed in faust; the others are faust's defaults, or what make_app passed).
BEFORE = {
    "PATHFINDER_FETCH_WAIT_MS": "1500",
    "PATHFINDER_FETCH_MIN_BYTES": "1",
    "PATHFINDER_PRODUCER_LINGER_MS": "0",
    "PATHFINDER_COMMIT_INTERVAL_SECONDS": "1.0",
}


def application(subject: str) -> bytes:
    """One valid ApplicationIssued line for a new case."""
    return line(event("ApplicationIssued", subject=subject, issued_on=START.isoformat()))


def fresh(directory: Path) -> Path:
    """An empty directory for one pipeline's logs and state."""
    directory.mkdir(parents=True)
    return directory


def warm_up(pipeline: Pipeline, raw: bytes, timeout: float = 120.0) -> None:
    """Publish one application and wait until reporting counts it: every worker is consuming."""
    pipeline.publish([raw])
    if not wait_for(lambda: pipeline.metrics().get(APPLICATIONS) == 1, timeout, 0.2):
        raise RuntimeError(f"the warm-up application never showed; logs in {pipeline.workdir}")


# (b) latency -------------------------------------------------------------------------------------


async def send_steadily(bootstrap: str, topic: str, lines: list[bytes], rate: float) -> list[float]:
    """Send the lines at `rate` per second; when each was handed to the producer."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    sent_at: list[float] = []
    deliveries = []
    try:
        start = time.perf_counter()
        for index, raw in enumerate(lines):
            delay = start + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent_at.append(time.perf_counter())
            deliveries.append(await producer.send(topic, key=case_key(raw), value=raw))
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()
    return sent_at


@dataclass(frozen=True)
class Scrape:
    at: float  # when the response had arrived
    count: int
    seconds: float


def scrape_applications(url: str) -> Scrape:
    begin = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        body = response.read()
    end = time.perf_counter()
    found = APPLICATIONS_LINE.search(body)
    return Scrape(end, int(float(found[1])) if found else 0, end - begin)


def scrape_until(url: str, count: int, poll: float, deadline: float) -> list[Scrape]:
    """Scrape every `poll` seconds (start to start) until the count shows `count`."""
    scrapes: list[Scrape] = []
    while time.perf_counter() < deadline:
        begin = time.perf_counter()
        scrapes.append(scrape_applications(url))
        if scrapes[-1].count >= count:
            break
        time.sleep(max(0.0, begin + poll - time.perf_counter()))
    return scrapes


def shown_at(scrapes: list[Scrape], events: int, already: int) -> list[float]:
    """For each event n, when the first scrape showing `already + n` cases arrived."""
    found: list[float] = []
    for scrape in scrapes:
        while len(found) < events and scrape.count >= already + len(found) + 1:
            found.append(scrape.at)
    return found


# The chain an application takes, as topics whose record timestamps mark when each stage sent it
# on (a worker's producer stamps a record when the worker sends it, the benchmark's when it is
# handed over): the difference between two neighbours is one hop, fetch and processing included.
HOPS = (
    ("court-events", "intake route: court-events -> intake-by-case"),
    ("intake-by-case", "intake admit: intake-by-case -> case-events"),
    ("case-events", "gatekeeping: case-events -> case-facts"),
    ("case-facts", "reporting and scrape: case-facts -> /metrics shows it"),
)


def chain_topics(topics: Topics) -> dict[str, str]:
    return {
        "court-events": topics.court_events,
        "intake-by-case": topics.intake_by_case,
        "case-events": topics.case_events,
        "case-facts": topics.case_facts,
    }


async def first_stamps(
    bootstrap: str, topic: str, keys: set[bytes], idle_seconds: float = 3.0
) -> dict[bytes, float]:
    """The timestamp (wall clock, seconds) of each key's first record on `topic`."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
        enable_auto_commit=False, fetch_max_wait_ms=100,
    )  # fmt: skip
    await consumer.start()
    stamps: dict[bytes, float] = {}
    try:
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < idle_seconds and len(stamps) < len(keys):
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                quiet_since = time.monotonic()
                for record in records:
                    if record.key in keys:
                        stamps.setdefault(record.key, record.timestamp / 1000)
    finally:
        await consumer.stop()
    return stamps


def hop_figures(
    pipeline: Pipeline, keys: list[bytes], sent_wall: list[float], shown_wall: list[float]
) -> dict[str, dict[str, float]]:
    """Per hop, the median, p99 and max in ms, from the record timestamps along the chain."""
    wanted = set(keys)
    stamps = {
        stage: asyncio.run(first_stamps(pipeline.bootstrap, topic, wanted))
        for stage, topic in chain_topics(pipeline.topics).items()
    }
    marks: list[tuple[str, dict[bytes, float]]] = [
        ("sent", dict(zip(keys, sent_wall, strict=True))),
        *stamps.items(),
        ("shown", dict(zip(keys, shown_wall, strict=False))),
    ]
    names = {"sent": "publisher: handed over -> court-events record", **dict(HOPS)}
    figures: dict[str, dict[str, float]] = {}
    for (before, earlier), (_, later) in itertools.pairwise(marks):
        gaps = [later[key] - earlier[key] for key in keys if key in earlier and key in later]
        if len(gaps) >= 2:
            figures[names[before]] = summary_ms(gaps)
    return figures


def summary_ms(seconds: list[float]) -> dict[str, float]:
    """The count, median, p90, p99 and max of durations given in seconds, in milliseconds."""
    return {
        "samples": len(seconds),
        "median": statistics.median(seconds) * 1000,
        "p90": percentile(seconds, 90) * 1000,
        "p99": percentile(seconds, 99) * 1000,
        "max": max(seconds) * 1000,
    }


def measure_latency_figures(
    workdir: Path,
    rate: float = 100.0,
    seconds: float = 60.0,
    poll: float = 0.025,
    timeout: float = 300.0,
    **settings: str,
) -> dict[str, Any]:
    """Publish-to-metric latency on a fresh pipeline (`settings`: PATHFINDER_* overrides for the
    workers): {"samples", "median", "p90", "p99", "max"} in ms, with "missing" (events never
    shown), "sent_per_second", "scrape" (durations in ms) and "hops" (name -> figures in ms)."""
    total = round(rate * seconds)
    keys = [f"PF-BENCH-{number:06d}".encode() for number in range(1, total + 1)]
    lines = [application(key.decode()) for key in keys]
    with Pipeline(fresh(workdir), **settings) as pipeline, ThreadPoolExecutor(1) as pool:
        warm_up(pipeline, application("PF-BENCH-WARMUP"))
        url = f"http://127.0.0.1:{pipeline.ports['reporting']}/metrics"
        send = send_steadily(pipeline.bootstrap, pipeline.topics.court_events, lines, rate)
        wall_minus_perf = time.time() - time.perf_counter()
        sending = pool.submit(asyncio.run, send)
        scrapes = scrape_until(url, 1 + total, poll, time.perf_counter() + seconds + timeout)
        sent_at = sending.result()
        shown = shown_at(scrapes, total, already=1)
        hops = hop_figures(
            pipeline, keys,
            [at + wall_minus_perf for at in sent_at], [at + wall_minus_perf for at in shown],
        )  # fmt: skip
    span = sent_at[-1] - sent_at[0]
    found = [at - sent for at, sent in zip(shown, sent_at, strict=False)]
    durations = [scrape.seconds for scrape in scrapes]
    return {
        **(summary_ms(found) if len(found) >= 2 else {"samples": len(found)}),
        "missing": total - len(found),
        "sent_per_second": (len(sent_at) - 1) / span,
        "scrape": {**summary_ms(durations), "last": durations[-1] * 1000,
                   "last_cases": scrapes[-1].count},
        "hops": hops,
    }  # fmt: skip


def measure_latency(
    workdir: Path, rate: float, seconds: float, poll: float, timeout: float, **settings: str
) -> dict[str, Any]:
    print(
        f"(b) latency: {round(rate * seconds):,} new cases at {rate:g}/s, /metrics scraped every"
        f" {poll * 1000:g} ms{described(settings)}"
    )
    figures = measure_latency_figures(workdir, rate, seconds, poll, timeout, **settings)
    print(f"    sent at {figures['sent_per_second']:.1f}/s")
    if figures["missing"]:
        print(f"    {figures['missing']:,} events never showed within {timeout:.0f} s of the end")
    if figures["samples"] >= 2:
        print(f"    publish to metric update, {figures['samples']:,} samples: {ms(figures)}")
    for hop, hop_figures_ms in figures["hops"].items():
        print(f"      {hop}: {ms(hop_figures_ms)}")
    scrape = figures["scrape"]
    print(
        f"    scrape duration, {scrape['samples']:,} scrapes: {ms(scrape, 1)},"
        f" last (with {scrape['last_cases']:,} cases) {scrape['last']:.1f} ms"
    )
    return figures


def ms(figures: dict[str, float], digits: int = 0) -> str:
    return ", ".join(
        f"{name} {figures[name]:,.{digits}f} ms" for name in ("median", "p90", "p99", "max")
    )


def described(settings: dict[str, str]) -> str:
    return "".join(f"; {name}={value}" for name, value in sorted(settings.items()))


# (c) idle CPU ------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process, all its threads, so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def broker_pid(pipeline: Pipeline) -> int | None:
    """The broker process itself (the pipeline knows its guard's)."""
    guard = pipeline.broker.pid if pipeline.broker else None
    if guard is None:
        return None
    children = Path(f"/proc/{guard}/task/{guard}/children").read_text().split()
    return int(children[0]) if children else None


def measure_idle_cpu(
    workdir: Path, seconds: float = 30.0, settle: float = 10.0, **settings: str
) -> dict[str, float]:
    """Each worker's and the broker's CPU use, % of one core, over `seconds` with no traffic
    (but the workers' own clock ticks), once warmed up and `settle` seconds quiet."""
    with Pipeline(fresh(workdir), **settings) as pipeline:
        warm_up(pipeline, application("PF-BENCH-WARMUP"))
        time.sleep(settle)
        pids = {name: worker.pid for name, worker in pipeline.workers.items()}
        broker = broker_pid(pipeline)
        if broker is not None:
            pids["broker"] = broker
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        begin = time.perf_counter()
        time.sleep(seconds)
        after = {name: cpu_seconds(pid) for name, pid in pids.items()}
        elapsed = time.perf_counter() - begin
    return {name: 100 * (after[name] - before[name]) / elapsed for name in pids}


def measure_idle(workdir: Path, seconds: float, **settings: str) -> dict[str, float]:
    print(f"(c) idle CPU over {seconds:g} s, % of one core{described(settings)}")
    figures = measure_idle_cpu(workdir, seconds, **settings)
    print("    " + ", ".join(f"{name} {percent:.1f}%" for name, percent in figures.items()))
    return figures


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


MEASUREMENTS = ("latency", "idle")


def overrides(pairs: list[str]) -> dict[str, str]:
    """NAME=VALUE pairs as environment overrides for the workers."""
    settings = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name.startswith("PATHFINDER_"):
            raise SystemExit(f"stream_rate: --set wants PATHFINDER_NAME=VALUE, not {pair!r}")
        settings[name] = value
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="events/s in the latency run")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the latency run")
    parser.add_argument("--poll-ms", type=float, default=25.0, help="latency run scrape interval")
    parser.add_argument("--idle-seconds", type=float, default=30.0, help="length of the idle run")
    parser.add_argument("--timeout", type=float, default=300.0, help="give up on a run after it")
    parser.add_argument("--only", choices=MEASUREMENTS, action="append",
                        help="run only this measurement (repeatable)")  # fmt: skip
    parser.add_argument("--workdir", type=Path, help="keep logs here (default: a temporary dir)")
    parser.add_argument("--set", action="append", default=[], metavar="PATHFINDER_NAME=VALUE",
                        help="a setting for the workers of every run (repeatable)")  # fmt: skip
    parser.add_argument(
        "--before-after", action="store_true",
        help="run each measurement twice, alternately: with the delays faust's defaults gave"
        " (BEFORE, above), then with the configured ones",
    )  # fmt: skip
    args = parser.parse_args()
    chosen = args.only or MEASUREMENTS
    common = overrides(args.set)
    variants = [{**BEFORE, **common}, common] if args.before_after else [common]
    with tempfile.TemporaryDirectory(prefix="stream-rate-") as temporary:
        workdir = args.workdir or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        run = itertools.count()
        for measurement in chosen:
            for settings in variants:
                if measurement == "latency":
                    measure_latency(
                        workdir / f"run-{next(run)}", args.rate, args.seconds,
                        args.poll_ms / 1000, args.timeout, **settings,
                    )  # fmt: skip
                else:
                    measure_idle(workdir / f"run-{next(run)}", args.idle_seconds, **settings)


if __name__ == "__main__":
    main()
