"""Builders of contract events for tests: valid by default, overridable field by field."""

import itertools
from typing import Any

import orjson

_ids = itertools.count(1)

DEFAULT_DATA: dict[str, dict[str, Any]] = {
    "ApplicationIssued": {
        "issued_on": "2024-06-03",
        "children": [{"child_id": "C1"}, {"child_id": "C2"}],
        "harm_alleged": False,
    },
    "SafeguardingChecksCompleted": {
        "completed_on": "2024-06-04",
        "la_involved_last_12_weeks": False,
        "domestic_abuse_indicated": False,
    },
    "GatekeepingDecisionMade": {"decided_on": "2024-06-05"},
    "CirTransferred": {"transferred_on": "2024-06-20", "to_author": "local_authority"},
    "CirDueDateExtended": {"extended_on": "2024-07-25", "new_due_on": "2024-08-30"},
    "ChildSeen": {"child_id": "C1", "seen_on": "2024-06-17", "in_person": True},
    "CirFiled": {
        "filed_on": "2024-07-24",
        "child_voice_included": True,
        "recommendation": "final_order",
    },
    "IdvaReferralAccepted": {"accepted_on": "2024-06-10"},
    "IdvaReferralDeclined": {"declined_on": "2024-06-10"},
    "HearingHeld": {"held_on": "2024-08-12", "hearing_type": "decision"},
    "FinalOrderMade": {"made_on": "2024-08-12", "by_consent": True, "without_hearing": False},
    "ApplicationWithdrawn": {"withdrawn_on": "2024-07-01"},
    "ReviewCompleted": {"completed_on": "2025-02-03"},
}


def event(
    event_type: str, subject: str = "PF-DOR-000001", site: str = "dorset", **data: Any
) -> dict[str, Any]:
    """A valid CloudEvent of the given type; keyword arguments replace data fields."""
    return {
        "specversion": "1.0",
        "id": f"evt-{next(_ids)}",
        "source": "hmcts/prl-cos-api",
        "type": event_type,
        "subject": subject,
        "time": "2024-06-03T10:15:00+01:00",
        "site": site,
        "datacontenttype": "application/json",
        "data": {**DEFAULT_DATA[event_type], **data},
    }


def line(obj: Any) -> bytes:
    """One JSON Lines line (without the newline)."""
    return orjson.dumps(obj)


def feed(fold: Any, *events: dict[str, Any]) -> list[Any]:
    """Ingest events into a replay fold, numbering them; the refusals they caused."""
    refusals = []
    for number, obj in enumerate(events, 1):
        refusals += fold.ingest(line(obj), number)
    return refusals
