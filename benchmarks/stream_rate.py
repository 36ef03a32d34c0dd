"""The live pipeline on the embedded broker: sustained throughput and publish-to-metric latency.

    python benchmarks/stream_rate.py [--events 20000] [--seed 11] [--rate 100] [--seconds 60]
                                     [--poll-ms 25] [--only throughput|latency] [--workdir DIR]
                                     [--batching one-record|usual|compare]

Each measurement gets a fresh pipeline (tests/e2e/harness.py: the embedded broker and the intake,
gatekeeping and reporting workers as processes, 4 partitions, event clock), warmed up by one
application that must show on reporting's /metrics before the clock starts, so broker start-up
and the first consumer group joins stay out of the figures.

(a) Throughput: a simulated log with no bad lines (noise 0; its duplicates and late arrivals
    kept) is published as fast as one aiokafka producer sends it. The clock runs from the first
    publish to the first scrape at which gatekeeping has applied every event the replay accepts
    and reporting's figures equal the replay's for every site.
(b) Latency: new ApplicationIssued events, one case each, at a steady --rate for --seconds, while
    reporting's /metrics is scraped every --poll-ms for pathfinder_applications_total{site="all"}.
    The latency of the n-th event is when that count first shows n (when the scrape's response
    arrived) minus when the event was handed to the producer. A scrape projects every case the
    worker holds, on the worker's event loop, so its duration (printed) is part of what is
    measured and grows with the number of cases.
"""

import argparse
import asyncio
import datetime as dt
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaProducer

from services.bootstrap import build_rules
from services.core.fold import ReplayResult
from services.core.routing import case_key
from services.evaluator.replay import replay
from services.reference.sites_file import load_sites
from services.simulator import SimulationConfig, simulate

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file, only benchmarks/ is on the path; the harness isn't
    sys.path.insert(0, str(ROOT))

from tests.builders import event, line  # noqa: E402
from tests.e2e.harness import Pipeline  # noqa: E402
from tests.e2e.test_pipeline import differences  # noqa: E402
from tests.polling import wait_for  # noqa: E402

START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
APPLICATIONS = ("pathfinder_applications_total", (("site", "all"),))
APPLICATIONS_LINE = re.compile(rb'^pathfinder_applications_total\{site="all"\} (\S+)$', re.M)
PROBE_CASES = 200


def simulated_lines(events: int, seed: int) -> list[bytes]:
    """A log of about `events` lines, every pilot site over 2025, without bad lines."""
    registry = load_sites()

    def config(cases: int) -> SimulationConfig:
        return SimulationConfig(cases, seed, tuple(registry), START, END, noise=0.0)

    lines_per_case = len(list(simulate(config(PROBE_CASES), registry))) / PROBE_CASES
    return list(simulate(config(max(1, round(events / lines_per_case))), registry))


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


def outcomes(pipeline: Pipeline, service: str) -> dict[str, float]:
    """The service's pathfinder_events_processed_total by outcome."""
    return {
        dict(labels)["outcome"]: value
        for (name, labels), value in pipeline.metrics(service).items()
        if name == "pathfinder_events_processed_total"
    }


def timed(work: Callable[[], object]) -> Callable[[], float]:
    """`work` wrapped to return how long it took."""

    def run() -> float:
        begin = time.perf_counter()
        work()
        return time.perf_counter() - begin

    return run


# (a) throughput ----------------------------------------------------------------------------------


def follow(
    pipeline: Pipeline,
    lines: int,
    expected: ReplayResult,
    begin: float,
    poll: float,
    timeout: float,
) -> dict[str, float]:
    """Seconds from `begin` until intake took every line, gatekeeping applied every accepted
    event and reporting's figures equal the replay's; the stages not reached are left out."""
    reached: dict[str, float] = {}
    while time.perf_counter() - begin < timeout:
        if "intake" not in reached and outcomes(pipeline, "intake").get("received", 0) >= lines:
            reached["intake"] = time.perf_counter() - begin
        accepted = outcomes(pipeline, "gatekeeping").get("accepted", 0)
        if "gatekeeping" not in reached and accepted >= expected.accepted:
            reached["gatekeeping"] = time.perf_counter() - begin
        # reporting cannot hold the final figures before gatekeeping has sent the final facts
        if "gatekeeping" in reached and not differences(pipeline.metrics(), expected.sites):
            reached["reporting"] = time.perf_counter() - begin
            return reached
        time.sleep(poll)
    return reached


def measure_throughput(
    workdir: Path, events: int, seed: int, poll: float, timeout: float, one_record: bool = True
) -> None:
    lines = simulated_lines(events, seed)
    warm = application("PF-BENCH-WARMUP")
    log = workdir / "throughput.jsonl"
    log.write_bytes(b"".join(raw + b"\n" for raw in [warm, *lines]))
    expected = replay([log], build_rules(), show_progress=False)
    cases = expected.sites["all"]["applications"] - 1
    print(
        f"(a) throughput: {len(lines):,} lines ({cases:,} cases, {expected.duplicates:,} "
        f"duplicates; the replay accepts {expected.accepted - 1:,}, refuses "
        f"{sum(expected.rejected.values()):,})"
    )
    started = time.perf_counter()
    print(f"    workers produce {'one record per batch' if one_record else 'batches as usual'}")
    with (
        Pipeline(
            fresh(workdir / "throughput"), PATHFINDER_ONE_RECORD_PER_BATCH=str(one_record).lower()
        ) as pipeline,
        ThreadPoolExecutor(1) as pool,
    ):
        warm_up(pipeline, warm)
        print(f"    pipeline up and warmed in {time.perf_counter() - started:.1f} s")
        begin = time.perf_counter()
        publishing = pool.submit(timed(lambda: pipeline.publish(lines)))
        reached = follow(pipeline, len(lines) + 1, expected, begin, poll, timeout)
        publish_seconds = publishing.result()
    print(
        f"    publish only: {len(lines):,} lines in {publish_seconds:.2f} s"
        f" = {len(lines) / publish_seconds:,.0f}/s"
    )
    for stage, what in (
        ("intake", "intake received every line"),
        ("gatekeeping", "gatekeeping applied every accepted event"),
        ("reporting", "reporting's figures equal the replay's"),
    ):
        if stage in reached:
            seconds = reached[stage]
            print(f"    {what}: {seconds:.2f} s = {len(lines) / seconds:,.0f} lines/s")
        else:
            print(f"    {what}: not within {timeout:.0f} s; logs in {pipeline.workdir}")
    if "reporting" in reached:
        print(
            f"    end to end (resolution {poll:.2f} s): {len(lines) / reached['reporting']:,.0f}/s"
        )


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


def latencies(sent_at: list[float], scrapes: list[Scrape], already: int) -> list[float]:
    """For each event n, the first scrape showing `already + n` cases minus its send time."""
    found: list[float] = []
    for scrape in scrapes:
        while len(found) < len(sent_at) and scrape.count >= already + len(found) + 1:
            found.append(scrape.at - sent_at[len(found)])
    return found


def measure_latency(
    workdir: Path, rate: float, seconds: float, poll: float, timeout: float
) -> None:
    total = round(rate * seconds)
    lines = [application(f"PF-BENCH-{number:06d}") for number in range(1, total + 1)]
    print(
        f"(b) latency: {total:,} new cases at {rate:g}/s, /metrics scraped every {poll * 1000:g} ms"
    )
    with Pipeline(fresh(workdir / "latency")) as pipeline, ThreadPoolExecutor(1) as pool:
        warm_up(pipeline, application("PF-BENCH-WARMUP"))
        url = f"http://127.0.0.1:{pipeline.ports['reporting']}/metrics"
        send = send_steadily(pipeline.bootstrap, pipeline.topics.court_events, lines, rate)
        sending = pool.submit(asyncio.run, send)
        scrapes = scrape_until(url, 1 + total, poll, time.perf_counter() + seconds + timeout)
        sent_at = sending.result()
    span = sent_at[-1] - sent_at[0]
    print(f"    sent {len(sent_at):,} events in {span:.1f} s = {(len(sent_at) - 1) / span:.1f}/s")
    found = latencies(sent_at, scrapes, already=1)
    if len(found) < total:
        print(f"    {total - len(found):,} events never showed within {timeout:.0f} s of the end")
    if len(found) >= 2:
        print(
            f"    publish to metric update, {len(found):,} samples: median"
            f" {statistics.median(found) * 1000:.0f} ms, p99 {percentile(found, 99) * 1000:.0f} ms,"
            f" max {max(found) * 1000:.0f} ms"
        )
    durations = [scrape.seconds for scrape in scrapes]
    print(
        f"    scrape duration, {len(durations):,} scrapes: median"
        f" {statistics.median(durations) * 1000:.1f} ms, p99"
        f" {percentile(durations, 99) * 1000:.1f} ms, max {max(durations) * 1000:.1f} ms,"
        f" last (with {scrapes[-1].count:,} cases) {durations[-1] * 1000:.1f} ms"
    )


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


BATCHINGS = {"one-record": (True,), "usual": (False,), "compare": (True, False, True, False)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="lines in the throughput log")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rate", type=float, default=100.0, help="events/s in the latency run")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the latency run")
    parser.add_argument("--poll-ms", type=float, default=25.0, help="latency run scrape interval")
    parser.add_argument("--timeout", type=float, default=300.0, help="give up on a run after it")
    parser.add_argument("--only", choices=("throughput", "latency"))
    parser.add_argument("--workdir", type=Path, help="keep logs here (default: a temporary dir)")
    parser.add_argument(
        "--batching", choices=("one-record", "usual", "compare"), default="one-record",
        help="the throughput run's producer batches: one record each (as on the embedded broker),"
        " the Kafka clients' usual, or both alternately twice",
    )  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stream-rate-") as temporary:
        workdir = args.workdir or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        if args.only in (None, "throughput"):
            for run, one_record in enumerate(BATCHINGS[args.batching]):
                directory = workdir / f"run-{run}"
                directory.mkdir()
                measure_throughput(
                    directory, args.events, args.seed, 0.25, args.timeout, one_record
                )
        if args.only in (None, "latency"):
            measure_latency(workdir, args.rate, args.seconds, args.poll_ms / 1000, args.timeout)


if __name__ == "__main__":
    main()
