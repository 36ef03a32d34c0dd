"""`pathfinder up` run as an operator runs it: a process on free ports with a data dir of its own.

Every process a run starts inherits its PATHFINDER_DATA_DIR, so scanning /proc for that setting
finds all of them (guards, broker, workers), even once their supervisor is gone.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import closing, suppress
from pathlib import Path

from services.stack.broker import free_port
from tests.polling import wait_for

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("intake", "gatekeeping", "reporting")
PORT_VARIABLES = {
    "broker": "PATHFINDER_BROKER_PORT",
    "intake": "PATHFINDER_INTAKE_METRICS_PORT",
    "gatekeeping": "PATHFINDER_GATEKEEPING_METRICS_PORT",
    "reporting": "PATHFINDER_REPORTING_METRICS_PORT",
    "reporting-admin": "PATHFINDER_REPORTING_ADMIN_PORT",  # /cases; it answers /healthz too
}
PROMETHEUS_PORT_VARIABLE = "PATHFINDER_PROMETHEUS_PORT"  # needed only with --prometheus


def _restore_stop_signals() -> None:
    # A test runner started as a background job ignores SIGINT, and its children would too.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


class Up:
    """One `pathfinder up --no-simulate`; on exit, whatever it left running is killed."""

    def __init__(
        self, workdir: Path, ports: dict[str, int] | None = None, options: tuple[str, ...] = ()
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.ports = ports or {name: free_port() for name in PORT_VARIABLES}
        if "--prometheus" in options:
            self.ports.setdefault("prometheus", free_port())
        variables = {**PORT_VARIABLES, "prometheus": PROMETHEUS_PORT_VARIABLE}
        kept = {k: v for k, v in os.environ.items() if not k.startswith("PATHFINDER_")}
        settings = {variables[name]: str(port) for name, port in self.ports.items()}
        self.environment = {**kept, **settings, "PATHFINDER_DATA_DIR": str(self.data_dir)}
        self._marker = f"PATHFINDER_DATA_DIR={self.data_dir}".encode()
        self.options = options
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "Up":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill_everything()

    def start(self) -> None:
        with (
            (self.workdir / "up.out").open("ab") as out,
            (self.workdir / "up.err").open("ab") as err,
        ):
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.cli", "up", "--no-simulate", *self.options],
                cwd=ROOT, env=self.environment, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                preexec_fn=_restore_stop_signals,
            )  # fmt: skip

    @property
    def supervisor(self) -> subprocess.Popen[bytes]:
        assert self.process is not None, "not started"
        return self.process

    def processes(self) -> dict[int, str]:
        """Every live process this run started, the supervisor included: pid -> command line."""
        found = {}
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and self._marker in (entry / "environ").read_bytes().split(
                    b"\0"
                ):
                    found[int(entry.name)] = (
                        (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                    )
            except OSError:  # it ended meanwhile, or is not ours to read
                continue
        return found

    def children(self) -> dict[str, int]:
        """The pids of the broker binary and of each service's faust worker (not their guards)."""
        named = {}
        for pid, command in self.processes().items():
            if "services.stack.guard" in command:
                continue
            if "tansu" in command and " broker " in command:
                named["broker"] = pid
            for service in SERVICES:
                if f"-m faust -A services.{service}.app worker" in command:
                    named[service] = pid
        return named

    def answering(self) -> list[str]:
        """The services whose /healthz answers {"status": "ok"}."""
        return [service for service in SERVICES if healthy(self.ports[service])]

    def wait_until_up(self, timeout: float = 90.0) -> dict[str, int]:
        """Wait until the four children run and every worker consumes; their pids."""
        up = wait_for(
            lambda: len(self.children()) == 4 and all(ready(self.ports[s]) for s in SERVICES),
            timeout,
            0.3,
        )
        assert up, f"not up in {timeout} s: {self.answering()} {self.children()}\n{self.errors()}"
        return self.children()

    def stop(self, signum: int, timeout: float = 45.0) -> tuple[int, float]:
        """Send the signal; the exit code and the seconds until the supervisor ended."""
        sent = time.monotonic()
        self.supervisor.send_signal(signum)
        code = self.supervisor.wait(timeout)
        return code, time.monotonic() - sent

    def kill_everything(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in self.processes():
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def output(self) -> str:
        return (self.workdir / "up.out").read_text()

    def errors(self) -> str:
        return (self.workdir / "up.err").read_text()

    def log(self, name: str = "supervisor") -> str:
        path = self.data_dir / "logs" / f"{name}.log"
        return path.read_text() if path.exists() else ""


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return bool(json.loads(response.read()) == {"status": "ok"})
    except (OSError, ValueError):
        return False


def ready(port: int) -> bool:
    """Whether the worker on this port has its partitions: /readyz answers 200."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2):
            return True
    except OSError:  # refused, or 503 while it joins its group
        return False


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def port_free(port: int) -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
