"""The processes `pathfinder up` starts, each under a guard (services.stack.guard) that stops it
when the supervisor closes the guard's pipe, exits or is killed, so none outlives the supervisor.
"""

import os
import signal
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from pathlib import Path

# How long past its command's grace period a guard may take before it is killed itself.
_GUARD_MARGIN = 2.0


class GuardedProcess:
    """A command run under a guard, its output appended to a log file."""

    def __init__(
        self,
        command: Sequence[str],
        log_path: Path,
        environment: Mapping[str, str],
        stop_signal: signal.Signals,
        grace: float,
    ) -> None:
        self.grace = grace
        watched, self._keep_alive = os.pipe()  # both ends close on exec unless passed on
        guard = [sys.executable, "-m", "services.stack.guard", "--watch", str(watched)]
        options = ["--stop-signal", stop_signal.name, "--grace", str(grace), "--"]
        try:
            with log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    [*guard, *options, *command], stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, env=dict(environment), pass_fds=(watched,),
                    start_new_session=True,  # a terminal's Ctrl-C reaches the supervisor only
                )  # fmt: skip
        except BaseException:
            os.close(self._keep_alive)
            raise
        finally:
            os.close(watched)

    @property
    def pid(self) -> int:
        """The guard's process id; signalling it stops the command."""
        return self.process.pid

    def poll(self) -> int | None:
        """None while running, else the command's exit code (negative: the signal)."""
        code = self.process.poll()
        if code is not None:
            self.request_stop()
        return code

    def request_stop(self) -> None:
        """Close the pipe: the guard stops its command and exits."""
        if self._keep_alive >= 0:
            os.close(self._keep_alive)
            self._keep_alive = -1

    def wait_stopped(self) -> int:
        """Wait for the guard to end; kill it (and so its command) if it overruns."""
        try:
            return self.process.wait(self.grace + _GUARD_MARGIN)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                self.process.kill()
            return self.process.wait()

    def stop(self) -> int:
        """Stop the command (stop signal, grace period, SIGKILL) and return its exit code."""
        self.request_stop()
        return self.wait_stopped()


def stop_together(processes: Iterable[GuardedProcess]) -> None:
    """Stop several at once, so their grace periods overlap instead of adding up."""
    running = list(processes)
    for process in running:
        process.request_stop()
    for process in running:
        process.wait_stopped()


def describe_exit(code: int) -> str:
    """An exit code as an operator reads it: 'exit code 1' or 'killed by SIGKILL'."""
    if code < 0:
        with suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return f"exit code {code}"
