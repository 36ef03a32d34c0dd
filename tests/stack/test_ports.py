"""`pathfinder up` refuses a port in use before it starts anything, and runs beside another
system on ports of its own."""

import signal
import socket
import time
from contextlib import closing

import pytest

from services.stack.broker import free_port
from tests.stack.harness import PORT_VARIABLES, SERVICES, Up, alive

pytestmark = pytest.mark.e2e
HOLDERS = {
    "broker": "a Kafka broker answers there (a pathfinder system already running?); stop it"
    " first, or set PATHFINDER_BROKER_PORT to a free port, or PATHFINDER_KAFKA_BOOTSTRAP to use it",
    **{
        service: "a pathfinder system already runs there (its /healthz answers); stop it first,"
        f" or set {PORT_VARIABLES[service]} to a free port"
        for service in (*SERVICES, "reporting-admin")
    },
}


def up_refused(workdir, taken: str, port: int) -> tuple[Up, int, float]:
    """`pathfinder up` with one port set to `port` and the others free, run to its end."""
    ports = {name: free_port() for name in PORT_VARIABLES} | {taken: port}
    started = time.monotonic()
    with Up(workdir, ports) as system:
        code = system.supervisor.wait(30)
    return system, code, time.monotonic() - started


@pytest.mark.parametrize("taken", list(PORT_VARIABLES))
def test_a_port_another_program_holds_is_refused_before_anything_starts(tmp_path, taken):
    # given a port held by a program that is not pathfinder
    with closing(socket.socket()) as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        # when pathfinder is asked to use it
        system, code, seconds = up_refused(tmp_path, taken, port)
    # then it refuses in one line naming the port and its setting, having started nothing
    variable = PORT_VARIABLES[taken]
    assert code == 2
    assert system.errors() == (
        f"pathfinder: port {port} ({variable}) is already in use by another program;"
        f" set {variable} to a free port\n"
    )
    assert seconds < 10
    assert not (system.data_dir / "logs").exists()


@pytest.mark.parametrize("taken", list(PORT_VARIABLES))
def test_a_running_system_is_named_and_left_untouched(running_system, tmp_path, taken):
    # given a system up
    children = running_system.children()
    # when a second one is asked to use one of its ports
    port = running_system.ports[taken]
    system, code, seconds = up_refused(tmp_path, taken, port)
    # then the second refuses in one line saying what runs there; the first runs on unharmed
    assert code == 2
    expected = f"pathfinder: port {port} ({PORT_VARIABLES[taken]}) is already in use: "
    assert system.errors() == expected + HOLDERS[taken] + "\n"
    assert seconds < 10
    assert running_system.supervisor.poll() is None
    assert running_system.children() == children
    assert all(alive(pid) for pid in children.values())
    assert running_system.answering() == list(SERVICES)


def test_two_systems_side_by_side_both_come_up(running_system, tmp_path):
    with Up(tmp_path) as second:
        # given a system up, when a second starts on other ports
        second_children = second.wait_until_up()
        # then both run, each with its own processes
        assert running_system.answering() == list(SERVICES)
        assert set(second_children.values()).isdisjoint(running_system.children().values())
        assert second.stop(signal.SIGTERM)[0] == 0
    assert running_system.answering() == list(SERVICES)
