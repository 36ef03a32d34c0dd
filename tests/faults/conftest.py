import pytest

from tests.e2e.privacy import leaks


@pytest.fixture(autouse=True)
def logs_keep_childrens_data_in(tmp_path):
    """After the test, no log it wrote holds an identifier or payload it published."""
    yield
    assert not leaks(tmp_path), leaks(tmp_path)
