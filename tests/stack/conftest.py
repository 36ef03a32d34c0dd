from collections.abc import Iterator

import pytest

from tests.stack.harness import Up


@pytest.fixture(scope="session")
def running_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    """One system up for the tests that only look at it, or kill a worker it restarts."""
    with Up(tmp_path_factory.mktemp("running")) as system:
        system.wait_until_up()
        yield system
