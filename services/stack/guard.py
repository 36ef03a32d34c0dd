"""Runs one of `pathfinder up`'s commands and stops it when the supervisor goes away.

    python -m services.stack.guard --watch FD --stop-signal SIGTERM --grace 10 -- COMMAND ...

The supervisor keeps the write end of a pipe whose read end is FD here and never writes to it.
When the pipe closes (the supervisor stopping this command, exiting, or being killed with
SIGKILL), and on SIGTERM, SIGINT or SIGHUP, the guard sends its command the stop signal, waits
up to the grace period, then kills it. If the guard itself is killed, the kernel kills the
command (PR_SET_PDEATHSIG). The guard ends as its command did, so the supervisor reads the
command's exit status from the guard's. It imports nothing from the project: it starts at once.
"""

import argparse
import contextlib
import ctypes
import os
import select
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from types import FrameType

_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 0.2
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


class _StopRequest:
    """Set by a stop signal; the loop below acts on it between polls."""

    def __init__(self) -> None:
        self.received = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.received = True


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m services.stack.guard")
    parser.add_argument("--watch", type=int, required=True, metavar="FD")
    parser.add_argument("--stop-signal", type=lambda name: signal.Signals[name], required=True)
    parser.add_argument("--grace", type=float, required=True, metavar="SECONDS")
    parser.add_argument("command", nargs="+")
    return parser.parse_args(argv)


def _die_with_guard(guard_pid: int) -> Callable[[], None]:
    """Run in the command's process before exec: be killed when the guard dies."""

    def prepare() -> None:
        if _LIBC is not None:
            _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != guard_pid:  # the guard died before the request took effect
            os._exit(1)

    return prepare


def _pipe_closed(fd: int) -> bool:
    readable, _, _ = select.select([fd], [], [], _POLL_SECONDS)
    return bool(readable) and os.read(fd, 1) == b""


def _stop(command: subprocess.Popen[bytes], stop_signal: signal.Signals, grace: float) -> None:
    command.send_signal(stop_signal)
    try:
        command.wait(grace)
    except subprocess.TimeoutExpired:
        command.kill()
        command.wait()


def _end_as(returncode: int) -> None:
    """Exit with the command's code, or die of the signal that killed it."""
    if returncode < 0:
        with contextlib.suppress(OSError, ValueError):  # SIGKILL's action cannot be set
            signal.signal(-returncode, signal.SIG_DFL)
        os.kill(os.getpid(), -returncode)
    sys.exit(returncode if returncode >= 0 else 128 - returncode)


def main(argv: Sequence[str] | None = None) -> None:
    """Start the command, watch the pipe and the stop signals, and end as the command ended."""
    args = _arguments(argv)
    stop_request = _StopRequest()
    # Installed before the command starts: exec resets a handler to the default action, while
    # an inherited "ignore" (a background job's SIGINT, nohup's SIGHUP) would survive it.
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, stop_request)
    command = subprocess.Popen(args.command, preexec_fn=_die_with_guard(os.getpid()))
    while command.poll() is None:
        if stop_request.received or _pipe_closed(args.watch):
            _stop(command, args.stop_signal, args.grace)
    _end_as(command.returncode)


if __name__ == "__main__":
    main()
