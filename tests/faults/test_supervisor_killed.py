"""Nothing `pathfinder up` started outlives it, even when it is killed with SIGKILL."""

import signal

import pytest

from tests.polling import wait_for
from tests.stack.harness import Up, alive, port_free

pytestmark = pytest.mark.e2e


def test_a_supervisor_killed_with_sigkill_leaves_nothing_running(tmp_path):
    with Up(tmp_path) as system:
        # given a system up
        children = system.wait_until_up()
        # when its supervisor is killed outright
        system.supervisor.send_signal(signal.SIGKILL)
        system.supervisor.wait()
        # then its guards stop the broker and the workers within their grace periods
        assert wait_for(lambda: not system.processes(), 20, 0.2), system.processes()
        assert [name for name, pid in children.items() if alive(pid)] == []
        assert [port for port in system.ports.values() if not port_free(port)] == []
