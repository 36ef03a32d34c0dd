import pytest

from services.bootstrap import build_rules
from services.config import Settings
from services.core.fold import ReplayFold
from services.core.rules import Rules


@pytest.fixture(scope="session")
def rules() -> Rules:
    return build_rules(Settings(sites_file=None, court_closures=()))


@pytest.fixture
def fold(rules: Rules) -> ReplayFold:
    return ReplayFold(rules)
