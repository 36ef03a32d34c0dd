"""The parts of a system `pathfinder up` runs: the embedded broker (unless one is configured),
a worker per service and, optionally, the simulator."""

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from services.config import Settings
from services.stack.broker import EmbeddedBroker, create_topics
from services.stack.children import describe_exit, stop_together
from services.stack.ports import worker_ports
from services.stack.prometheus import PrometheusServer, local_configuration
from services.stack.simulation import Simulator
from services.stack.workers import RestartPolicy, Worker, worker_environment
from services.topics import Topics

SIMULATOR_GRACE_SECONDS = 3.0


class System:
    """The broker, the workers and the simulator: started in order, stopped in reverse."""

    def __init__(
        self, settings: Settings, log_dir: Path, log: logging.Logger, prometheus: bool = False
    ) -> None:
        self.settings = settings
        self.log_dir = log_dir
        self.log = log
        self.with_prometheus = prometheus
        self.prometheus: PrometheusServer | None = None
        self.broker: EmbeddedBroker | None = None
        self.workers: list[Worker] = []
        self.simulator: Simulator | None = None

    def start(self, simulate_rate: float | None, stopping: Callable[[], bool]) -> None:
        """Start each part unless a stop was asked for meanwhile."""
        if self.settings.kafka_bootstrap is None:
            self.broker = EmbeddedBroker(self.settings.broker_port, self.log_dir / "broker.log")
            self.broker.start()
            self.log.info(
                "broker started on %s (guard pid %s)", self.broker.bootstrap, self.broker.pid
            )
        topics = Topics(self.settings.topic_prefix)
        asyncio.run(create_topics(self.settings.bootstrap, topics, self.settings.partitions))
        for service, port in worker_ports(self.settings).items():
            if stopping():
                return
            environment = worker_environment(self.settings, port)
            log_path = self.log_dir / f"{service}.log"
            self.workers.append(Worker(service, environment, log_path, RestartPolicy(), self.log))
            self.workers[-1].start()
        if self.with_prometheus and not stopping():
            self._start_prometheus()
        if simulate_rate and not stopping():
            self.simulator = Simulator(self.settings, simulate_rate, self.log)
            self.simulator.start()

    def _start_prometheus(self) -> None:
        """Prometheus scraping the workers every 5 seconds, its data beside the logs."""
        configuration = local_configuration(worker_ports(self.settings), "127.0.0.1", 5)
        self.prometheus = PrometheusServer(
            self.settings.prometheus_port, self.settings.data_dir / "prometheus", configuration,
            self.log_dir / "prometheus.log",
        )  # fmt: skip
        self.prometheus.start()
        self.log.info("prometheus started on %s (guard pid %s)", self.prometheus.url,
                      self.prometheus.pid)  # fmt: skip

    def check(self, now: float) -> str | None:
        """Restart the workers that are due; the reason to stop everything, if there is one."""
        code = self.broker.poll() if self.broker else None
        if code is not None:
            return (
                f"the embedded broker exited ({describe_exit(code)}) and its topics were in"
                f" memory; its log: {self.log_dir / 'broker.log'}"
            )
        for worker in self.workers:
            reason = worker.supervise(now)
            if reason is not None:
                return reason
        if self.prometheus is not None and (code := self.prometheus.poll()) is not None:
            self.prometheus = None  # the pipeline runs on; only its monitoring is gone
            self.log.error("prometheus exited (%s); its log: %s", describe_exit(code),
                           self.log_dir / "prometheus.log")  # fmt: skip
        return None

    def stop(self) -> None:
        """The simulator first (it publishes to the broker), the workers together, the broker."""
        if self.simulator is not None:
            self.simulator.stop(SIMULATOR_GRACE_SECONDS)
        if self.prometheus is not None:
            self.prometheus.stop()
        stop_together(worker.process for worker in self.workers if worker.process is not None)
        if self.broker is not None:
            self.broker.stop()
