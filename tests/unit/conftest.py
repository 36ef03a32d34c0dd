import pytest

from services.core.fold import ReplayFold
from tests.builders import event, feed


@pytest.fixture
def cir_ordered(fold: ReplayFold) -> ReplayFold:
    """A fold holding one case (the builders' default, PF-DOR-000001) whose CIR was ordered from
    Cafcass on Mon 3 Jun 2024: due Mon 29 Jul 2024."""
    feed(fold, event("ApplicationIssued", issued_on="2024-06-03"))
    feed(fold, event("GatekeepingDecisionMade", decided_on="2024-06-03", cir_author="cafcass"))
    feed(fold, event("SafeguardingChecksCompleted", completed_on="2024-06-03"))
    return fold
