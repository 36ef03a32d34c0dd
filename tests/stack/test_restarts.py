"""Workers that die are started again with backoff; one that keeps dying, or the broker dying,
stops everything with one line and exit code 1."""

import os
import signal
import socket

import pytest

from services.stack.workers import RestartPolicy
from tests.polling import wait_for
from tests.stack.harness import Up, alive, healthy, port_free


def test_the_wait_before_a_restart_doubles_up_to_its_cap():
    policy = RestartPolicy(first_delay=1.0, longest_delay=30.0)
    assert [policy.delay(deaths) for deaths in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


@pytest.mark.e2e
def test_a_worker_killed_from_outside_is_restarted_and_shown(running_system):
    # given a system up
    killed = running_system.children()["reporting"]
    # when its reporting worker is killed from outside
    os.kill(killed, signal.SIGKILL)
    # then a new one serves again, and the view and the supervisor's log say so
    restarted = lambda: running_system.children().get("reporting", killed) != killed  # noqa: E731
    assert wait_for(restarted, 30, 0.2), running_system.log()
    assert wait_for(lambda: healthy(running_system.ports["reporting"]), 30)
    shown = "reporting    up          restarts 1, last exit: killed by SIGKILL"
    assert wait_for(lambda: shown in running_system.output(), 10), running_system.output()
    assert "reporting exited (killed by SIGKILL); restarting it in 1 s" in running_system.log()


@pytest.mark.e2e
def test_a_worker_that_keeps_failing_stops_everything_with_one_line(tmp_path):
    with Up(tmp_path) as system:
        # given a system up
        children = system.wait_until_up()
        # when its intake worker dies and something else takes its port before it restarts
        os.kill(children["intake"], signal.SIGKILL)
        squatter = _listen_when_free(system.ports["intake"])
        with squatter:
            code = system.supervisor.wait(90)
            # then after five deaths everything stops, with one line naming it and its log
            assert code == 1
            intake_log = system.data_dir / "logs" / "intake.log"
            assert system.errors() == (
                "pathfinder: stopped everything: intake failed 5 times within 5 minutes"
                f" (the last time: exit code 1); its log: {intake_log}\n"
            )
            assert "address already in use" in intake_log.read_text()
            assert system.processes() == {}
            ports = [port for name, port in system.ports.items() if name != "intake"]
            assert [port for port in ports if not port_free(port)] == []


@pytest.mark.e2e
def test_the_broker_dying_stops_everything_with_one_line(tmp_path):
    with Up(tmp_path) as system:
        children = system.wait_until_up()
        os.kill(children["broker"], signal.SIGKILL)
        assert system.supervisor.wait(45) == 1
        broker_log = system.data_dir / "logs" / "broker.log"
        assert system.errors() == (
            "pathfinder: stopped everything: the embedded broker exited (killed by SIGKILL) and"
            f" its topics were in memory; its log: {broker_log}\n"
        )
        assert [name for name, pid in children.items() if alive(pid)] == []
        assert system.processes() == {}


def _listen_when_free(port: int) -> socket.socket:
    def listen() -> socket.socket | None:
        squatter = socket.socket()
        # Past the worker's connections in TIME_WAIT; its own bind still fails while we listen.
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            squatter.bind(("127.0.0.1", port))
        except OSError:
            squatter.close()
            return None
        squatter.listen()
        return squatter

    squatter = wait_for(listen, 5, 0.01)
    assert squatter is not None, f"port {port} never came free"
    return squatter
