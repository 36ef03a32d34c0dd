"""A real Prometheus beside the local stack: the project's recording and alerting rules, and a
scrape of each worker under the job names the production configuration uses.

`pathfinder up --prometheus` runs it (on 127.0.0.1:9090 by default), and the end-to-end tests
run it against their own pipeline. It runs under a guard, as the broker and the workers do, and
keeps its data under the stack's data directory.
"""

import json
import os
import shutil
import signal
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from services.stack.children import GuardedProcess, describe_exit

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "rules.yml"
STOP_GRACE_SECONDS = 5.0
INSTALL_HINT = "Debian: apt-get install prometheus"


class PrometheusUnavailable(RuntimeError):
    """No Prometheus to run, or one that did not become ready."""


def prometheus_binary() -> str:
    found = shutil.which("prometheus")
    if found is None:
        raise PrometheusUnavailable(f"prometheus is not on PATH ({INSTALL_HINT})")
    return found


def local_configuration(
    worker_ports: Mapping[str, int], host: str, every_seconds: float, rules: Path = RULES
) -> dict[str, Any]:
    """Scrape each worker as job `pathfinder-<service>` and evaluate the rules every
    `every_seconds`, as deploy/prometheus/prometheus.yml does in compose."""
    interval = f"{every_seconds:g}s"
    return {
        "global": {
            "scrape_interval": interval,
            "scrape_timeout": interval,
            "evaluation_interval": interval,
        },
        "rule_files": [str(rules)],
        "scrape_configs": [
            {
                "job_name": f"pathfinder-{service}",
                "metrics_path": "/metrics",
                "static_configs": [{"targets": [f"{host}:{port}"]}],
            }
            for service, port in worker_ports.items()
        ],
    }


class PrometheusServer:
    """Prometheus on 127.0.0.1:port with a configuration written into `directory`."""

    def __init__(
        self, port: int, directory: Path, configuration: dict[str, Any], log_path: Path
    ) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._directory = directory
        self._configuration = configuration
        self._log_path = log_path
        self._process: GuardedProcess | None = None

    def start(self, timeout: float = 30.0) -> None:
        """Start Prometheus and return once it reports ready."""
        binary = prometheus_binary()
        self._directory.mkdir(parents=True, exist_ok=True)
        config = self._directory / "prometheus.yml"
        config.write_text(json.dumps(self._configuration, indent=2))  # JSON is YAML too
        command = [
            binary, f"--config.file={config}", f"--storage.tsdb.path={self._directory / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}", "--web.enable-lifecycle",
        ]  # fmt: skip
        self._process = GuardedProcess(
            command, self._log_path, os.environ, signal.SIGTERM, STOP_GRACE_SECONDS
        )
        deadline = time.monotonic() + timeout
        while not self.ready():
            code = self._process.poll()
            if code is not None:
                raise PrometheusUnavailable(
                    f"prometheus exited ({describe_exit(code)}); its log: {self._log_path}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise PrometheusUnavailable(f"prometheus not ready in {timeout:g} s")
            time.sleep(0.2)

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def poll(self) -> int | None:
        return None if self._process is None else self._process.poll()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None
