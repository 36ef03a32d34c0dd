"""`pathfinder up` stopped as systemd, Docker, `timeout`, a terminal or a hang-up stop it."""

import os
import signal

import pytest

from services.stack.stop_signals import StopSignals
from tests.stack.harness import Up, alive, port_free


@pytest.mark.e2e
@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda signum: signum.name
)
def test_a_stop_signal_stops_everything_within_30_seconds_and_frees_every_port(tmp_path, signum):
    with Up(tmp_path) as system:
        # given a system with its broker and three workers up
        children = system.wait_until_up()
        # when the supervisor gets the signal
        code, seconds = system.stop(signum)
        # then it exits 0 within 30 s, leaving nothing running and every port free
        assert code == 0, system.errors()
        assert seconds < 30
        assert [name for name, pid in children.items() if alive(pid)] == []
        assert system.processes() == {}
        assert [port for port in system.ports.values() if not port_free(port)] == []
        assert f"{signal.Signals(signum).name} received" in system.output()


def test_signals_inherited_ignored_stay_ignored_except_sigterm():
    # given a process started by nohup, as a background job of a shell: SIGHUP and SIGINT ignored
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGHUP, signal.SIGINT)}
    try:
        with StopSignals() as signals:
            # then those stay ignored, and SIGTERM still asks for a stop
            assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
            assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGHUP)
            assert signals.received is None
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN)
            os.kill(os.getpid(), signal.SIGTERM)
            assert signals.received == "SIGTERM"
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@pytest.mark.e2e
def test_the_children_run_outside_the_supervisors_session(running_system):
    # a terminal's Ctrl-C reaches its session's foreground group: the supervisor, not them
    session = os.getsid(running_system.supervisor.pid)
    children = running_system.children()
    assert [name for name, pid in children.items() if os.getsid(pid) == session] == []
