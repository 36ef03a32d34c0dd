"""The reporting agent keeps the newest facts of each case, whatever order they come in."""

import msgspec
import pytest

from services.core.case import CaseState
from services.core.derived import CaseFacts
from services.reporting import app as reporting

CASE = b"PF-DOR-000001"


def facts(version: int) -> bytes:
    state = CaseState(version=version, site="dorset")
    return msgspec.json.encode(CaseFacts(subject=CASE.decode(), version=version, state=state))


@pytest.fixture(autouse=True)
def empty_tables(fresh):
    fresh(reporting.app, reporting.facts)


async def test_an_older_or_repeated_version_changes_nothing():
    async with reporting.project.test_context() as agent:
        for version in (1, 3, 2, 3):
            await agent.put(facts(version), key=CASE)
    kept = msgspec.json.decode(reporting.facts[CASE], type=CaseFacts)
    assert kept.version == 3
