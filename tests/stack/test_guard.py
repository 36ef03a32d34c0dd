"""The guard each child of `pathfinder up` runs under, around a small Python program."""

import os
import signal
import sys
import time

from services.stack.children import GuardedProcess
from tests.polling import wait_for
from tests.stack.harness import alive

# Writes its pid, says which signal it got, and exits 0 on SIGTERM unless told to ignore it.
PROGRAM = """
import os, signal, sys, time
print(os.getpid(), flush=True)
def stop(signum, frame):
    print("got", signal.Signals(signum).name, flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, signal.SIG_IGN if "--stubborn" in sys.argv else stop)
time.sleep(120)
"""


def guarded(tmp_path, *options: str, grace: float = 5.0) -> GuardedProcess:
    command = [sys.executable, "-c", PROGRAM, *options]
    return GuardedProcess(command, tmp_path / "out.log", os.environ, signal.SIGTERM, grace)


def command_pid(tmp_path) -> int:
    line = wait_for(lambda: (tmp_path / "out.log").read_text().partition("\n")[0], 20, 0.05)
    assert line, "the command never started"
    return int(line)


def test_closing_the_pipe_stops_the_command_with_its_stop_signal(tmp_path):
    # given a running command
    child = guarded(tmp_path)
    pid = command_pid(tmp_path)
    # when its guard's pipe is closed
    code = child.stop()
    # then the command got SIGTERM and the guard ended as it did
    assert "got SIGTERM" in (tmp_path / "out.log").read_text()
    assert code == 0
    assert not alive(pid)


def test_a_command_that_ignores_its_stop_signal_is_killed_after_the_grace_period(tmp_path):
    child = guarded(tmp_path, "--stubborn", grace=1.0)
    pid = command_pid(tmp_path)
    started = time.monotonic()
    assert child.stop() == -signal.SIGKILL
    assert 1.0 <= time.monotonic() - started < 5.0
    assert not alive(pid)


def test_the_command_dies_with_its_guard(tmp_path):
    child = guarded(tmp_path)
    pid = command_pid(tmp_path)
    os.kill(child.pid, signal.SIGKILL)
    assert wait_for(lambda: not alive(pid), 5, 0.05)
    child.stop()


def test_the_guard_reports_how_its_command_ended(tmp_path):
    child = guarded(tmp_path)
    os.kill(command_pid(tmp_path), signal.SIGKILL)
    assert wait_for(child.poll, 5, 0.05) == -signal.SIGKILL
