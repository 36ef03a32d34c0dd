"""Live throughput on the embedded broker: the pipeline against one idiomatic faust agent, per hop.

    python benchmarks/live_throughput.py [--events 20000] [--seed 11] [--timeout 300]
                                         [--workdir DIR] [--set NAME=VALUE ...]

In one run, each on a fresh embedded broker with 4 partitions, the same simulated log (noise 0;
its duplicates and late arrivals kept) published at once by one aiokafka producer:

(r) the reference (benchmarks/reference_agent.py): one faust agent that reads and writes one
    table entry and sends the message on, per message. From the first publish until it has
    sent the last line on.
(e) end to end: the three workers. From the first publish until gatekeeping has applied every
    event the replay accepts and reporting's figures equal the replay's.
(h) per hop: the workers started one at a time, each once the one before has handled the whole
    log, so each hop runs alone on a full input topic. A hop's time runs from its first message
    taken to its last, read from its counters every 20 ms (the consumer group join before it is
    left out): intake's routing and admitting (two hops, one process), gatekeeping, reporting.

Every run is warmed up by one message that must come out at the end before the clock starts.
The workers keep the wall clock, as in production (the event clock would add its idle time to
the end of every run), and the replay they are held to is as of today in London. Counters and
figures are read every 100 ms. `--set` passes a setting to the workers (e.g. to measure an
earlier version, or another batch size).
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from services.bootstrap import build_rules
from services.core.fold import ReplayResult
from services.core.routing import case_key
from services.evaluator.replay import replay
from services.reference.sites_file import load_sites
from services.simulator import SimulationConfig, simulate
from services.stack.broker import EmbeddedBroker, free_port
from services.streaming.clock import london_today

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file, only benchmarks/ is on the path
    sys.path.insert(0, str(ROOT))

from benchmarks.stream_rate import (  # noqa: E402
    END,
    START,
    application,
    broker_pid,
    cpu_seconds,
    fresh,
    warm_up,
)
from tests.e2e.harness import Pipeline  # noqa: E402
from tests.e2e.test_pipeline import differences  # noqa: E402
from tests.polling import wait_for  # noqa: E402

POLL_SECONDS = 0.1
WALL_CLOCK = {"PATHFINDER_CLOCK": "wall"}
REFERENCE_PREFIX = "reference"
PROBE_CASES = 200  # simulated first, to size the log


def simulated_lines(events: int, seed: int) -> list[bytes]:
    """A log of about `events` lines, every pilot site over 2025, without bad lines."""
    registry = load_sites()

    def config(cases: int) -> SimulationConfig:
        return SimulationConfig(cases, seed, tuple(registry), START, END, noise=0.0)

    lines_per_case = len(list(simulate(config(PROBE_CASES), registry))) / PROBE_CASES
    return list(simulate(config(max(1, round(events / lines_per_case))), registry))


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


# (r) the reference agent -------------------------------------------------------------------------


async def _publish(bootstrap: str, topic: str, lines: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for line in lines:
            await producer.send(topic, key=case_key(line), value=line)
        await producer.flush()
    finally:
        await producer.stop()


async def _count_until(bootstrap: str, topic: str, wanted: int, timeout: float) -> float | None:
    """When `topic` first holds `wanted` records (perf_counter), or None after `timeout`."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", fetch_max_wait_ms=20
    )
    await consumer.start()
    try:
        counted, deadline = 0, time.perf_counter() + timeout
        while counted < wanted and time.perf_counter() < deadline:
            batches = await consumer.getmany(timeout_ms=100)
            counted += sum(len(records) for records in batches.values())
        return time.perf_counter() if counted >= wanted else None
    finally:
        await consumer.stop()


def measure_reference(workdir: Path, lines: list[bytes], timeout: float) -> dict[str, float]:
    """Lines per second through the reference agent, on its own broker."""
    broker = EmbeddedBroker(free_port(), workdir / "broker.log")
    broker.start()
    environment = {
        **os.environ,
        "REFERENCE_BOOTSTRAP": broker.bootstrap,
        "REFERENCE_PREFIX": REFERENCE_PREFIX,
        "REFERENCE_PORT": str(free_port()),
        "REFERENCE_DATA_DIR": str(workdir / "data"),
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, str(ROOT / "benchmarks" / "reference_agent.py"), "worker"]
    with (workdir / "agent.log").open("ab") as log:
        agent = subprocess.Popen(
            [*command, "-l", "info"], cwd=ROOT, env=environment, stdout=log, stderr=log
        )
    source, sink = f"{REFERENCE_PREFIX}.in", f"{REFERENCE_PREFIX}.out"
    try:
        warm = application("PF-BENCH-WARMUP")
        asyncio.run(_publish(broker.bootstrap, source, [warm]))
        if asyncio.run(_count_until(broker.bootstrap, sink, 1, 120.0)) is None:
            raise RuntimeError(f"the reference agent never answered; logs in {workdir}")
        with ThreadPoolExecutor(1) as pool:
            begin = time.perf_counter()
            publishing = pool.submit(
                timed(lambda: asyncio.run(_publish(broker.bootstrap, source, lines)))
            )
            done = asyncio.run(_count_until(broker.bootstrap, sink, len(lines) + 1, timeout))
            publishing.result()
        if done is None:
            raise RuntimeError(f"the reference agent did not finish; logs in {workdir}")
        return {"seconds": done - begin, "rate": len(lines) / (done - begin)}
    finally:
        agent.terminate()
        agent.wait(30)
        broker.stop()


# (e) end to end ----------------------------------------------------------------------------------


def _log_with_warm_up(workdir: Path, lines: list[bytes]) -> tuple[bytes, ReplayResult]:
    warm = application("PF-BENCH-WARMUP")
    log = workdir / "log.jsonl"
    log.write_bytes(b"".join(raw + b"\n" for raw in [warm, *lines]))
    return warm, replay([log], build_rules(), as_of=london_today(), show_progress=False)


def _settled(pipeline: Pipeline, expected: ReplayResult) -> bool:
    applied = outcomes(pipeline, "gatekeeping").get("accepted", 0) >= expected.accepted
    return applied and not differences(pipeline.metrics(), expected.sites)


def _processes(pipeline: Pipeline) -> dict[str, int]:
    pids = {name: worker.pid for name, worker in pipeline.workers.items()}
    broker = broker_pid(pipeline)
    return {**pids, "broker": broker} if broker is not None else pids


def measure_end_to_end(
    workdir: Path, lines: list[bytes], timeout: float, settings: dict[str, str]
) -> dict[str, Any]:
    """Lines per second from the first publish to reporting's figures equal to the replay's, and
    the CPU each process used meanwhile (seconds of CPU per second: 1.0 is one core)."""
    warm, expected = _log_with_warm_up(workdir, lines)
    with (
        Pipeline(fresh(workdir / "pipeline"), **WALL_CLOCK, **settings) as pipeline,
        ThreadPoolExecutor(1) as pool,
    ):
        warm_up(pipeline, warm)
        processes = _processes(pipeline)
        cpu_before = {name: cpu_seconds(pid) for name, pid in processes.items()}
        begin = time.perf_counter()
        publishing = pool.submit(timed(lambda: pipeline.publish(lines)))
        if not wait_for(lambda: _settled(pipeline, expected), timeout, POLL_SECONDS):
            raise RuntimeError(f"the pipeline did not settle; logs in {pipeline.workdir}")
        seconds = time.perf_counter() - begin
        used = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in processes.items()}
        publish_seconds = publishing.result()
    return {
        "seconds": seconds,
        "rate": len(lines) / seconds,
        "publish_rate": len(lines) / publish_seconds,
        "cores": {name: cpu / seconds for name, cpu in used.items()},
    }


# (h) per hop -------------------------------------------------------------------------------------


def _when(reached: Callable[[], bool], timeout: float) -> float:
    """When (perf_counter) `reached()` first holds, read every 20 ms."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if reached():
            return time.perf_counter()
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"a hop did not finish within {timeout:.0f} s")


def _span(count: Callable[[], float], start: float, end: float, timeout: float) -> float:
    """Seconds from `count()` first passing `start` to it reaching `end`."""
    first = _when(lambda: count() > start, timeout)
    return _when(lambda: count() >= end, timeout) - first


def _received(pipeline: Pipeline, service: str) -> float:
    metrics = pipeline.metrics(service)
    return metrics.get(("pathfinder_kafka_messages_received_total", (("service", service),)), 0.0)


def measure_hops(
    workdir: Path, lines: list[bytes], timeout: float, settings: dict[str, str]
) -> dict[str, float]:
    """Messages per second through each hop running alone on its full input topic."""
    warm, expected = _log_with_warm_up(workdir, lines)
    accepted = expected.accepted
    admitted = ("accepted", "duplicate", "refused")
    hops = fresh(workdir / "hops")
    with Pipeline(hops, services=("intake",), **WALL_CLOCK, **settings) as pipeline:
        pipeline.publish([warm])
        if not wait_for(lambda: outcomes(pipeline, "intake").get("accepted") == 1, 120, 0.2):
            raise RuntimeError(f"intake never took the warm-up line; logs in {pipeline.workdir}")
        with ThreadPoolExecutor(2) as pool:
            route = pool.submit(
                _span, lambda: outcomes(pipeline, "intake").get("received", 0), 1,
                len(lines) + 1, timeout,
            )  # fmt: skip
            admit = pool.submit(
                _span,
                lambda: sum(outcomes(pipeline, "intake").get(kind, 0) for kind in admitted),
                1, len(lines) + 1, timeout,
            )  # fmt: skip
            pipeline.publish(lines)
            route_seconds, admit_seconds = route.result(), admit.result()
        pipeline.start("gatekeeping")
        gatekeeping = _span(
            lambda: outcomes(pipeline, "gatekeeping").get("accepted", 0), 0, accepted, timeout
        )
        pipeline.start("reporting")
        first = _when(lambda: _received(pipeline, "reporting") > 0, timeout)
        settled = _when(lambda: not differences(pipeline.metrics(), expected.sites), timeout)
        reporting = settled - first
    return {
        "intake.route": (len(lines) + 1) / route_seconds,
        "intake.admit": (len(lines) + 1) / admit_seconds,
        "gatekeeping": accepted / gatekeeping,
        "reporting": accepted / reporting,
    }


def measure(
    events: int, seed: int, timeout: float, workdir: Path, settings: dict[str, str] | None = None
) -> dict[str, object]:
    """Every figure of this benchmark from one run."""
    lines = simulated_lines(events, seed)
    settings = settings or {}
    return {
        "lines": len(lines),
        "reference": measure_reference(fresh(workdir / "reference"), lines, timeout),
        "end_to_end": measure_end_to_end(fresh(workdir / "end-to-end"), lines, timeout, settings),
        "hops": measure_hops(fresh(workdir / "per-hop"), lines, timeout, settings),
    }


def setting(text: str) -> tuple[str, str]:
    """NAME=VALUE, a worker setting."""
    name, equals, value = text.partition("=")
    if not equals or not name.startswith("PATHFINDER_"):
        raise argparse.ArgumentTypeError(f"{text!r}: expected PATHFINDER_NAME=VALUE")
    return name, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="lines in the log")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--timeout", type=float, default=300.0, help="give up on a run after it")
    parser.add_argument("--workdir", type=Path, help="keep logs here (default: a temporary dir)")
    parser.add_argument(
        "--set", type=setting, action="append", default=[], metavar="PATHFINDER_NAME=VALUE",
        help="a setting for the workers (repeatable)",
    )  # fmt: skip
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        workdir = arguments.workdir or Path(scratch)
        figures = measure(
            arguments.events, arguments.seed, arguments.timeout, workdir, dict(arguments.set)
        )
    reference = figures["reference"]["rate"]  # type: ignore[index]
    print(f"{figures['lines']:,} lines, each run on its own embedded broker")
    print(f"  reference agent (one table read and write and one send per line): {reference:,.0f}/s")
    end_to_end = figures["end_to_end"]["rate"]  # type: ignore[index]
    print(
        f"  pipeline end to end: {end_to_end:,.0f}/s = {end_to_end / reference:.2f} x the reference"
    )
    cores = figures["end_to_end"]["cores"]  # type: ignore[index]
    busy = ", ".join(f"{name} {share:.2f}" for name, share in cores.items())
    print(f"    cores busy meanwhile: {sum(cores.values()):.2f} of 2 ({busy})")
    for hop, rate in figures["hops"].items():  # type: ignore[attr-defined]
        print(f"  {hop} alone: {rate:,.0f}/s = {rate / reference:.2f} x the reference")


if __name__ == "__main__":
    main()
