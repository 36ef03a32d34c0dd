"""The contract's vocabulary as plain constants, shared by the pydantic models and the fast validator."""

from typing import Final

SPEC_VERSION: Final = "1.0"

# Every inbound event type, mapped to the data field that carries its business date.
BUSINESS_DATE_FIELD: Final[dict[str, str]] = {
    "ApplicationIssued": "issued_on",
    "SafeguardingChecksCompleted": "completed_on",
    "GatekeepingDecisionMade": "decided_on",
    "CirTransferred": "transferred_on",
    "CirDueDateExtended": "extended_on",
    "ChildSeen": "seen_on",
    "CirFiled": "filed_on",
    "IdvaReferralAccepted": "accepted_on",
    "IdvaReferralDeclined": "declined_on",
    "HearingHeld": "held_on",
    "FinalOrderMade": "made_on",
    "ApplicationWithdrawn": "withdrawn_on",
    "ReviewCompleted": "completed_on",
}
EVENT_TYPES: Final = tuple(BUSINESS_DATE_FIELD)

CIR_AUTHORS: Final = ("cafcass", "cafcass_cymru", "local_authority")
RECOMMENDATIONS: Final = (
    "final_order",
    "decision_hearing",
    "further_investigation",
    "fact_finding",
    "dispute_resolution",
)
HEARING_TYPES: Final = ("decision", "fact_finding", "dispute_resolution", "review", "other")
NATIONS: Final = ("england", "wales")

# RFC 3339 date-time: full date, full time, optional fraction, mandatory offset.
RFC3339_PATTERN: Final = (
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
SITE_CODE_PATTERN: Final = r"^[a-z0-9]+(-[a-z0-9]+)*$"
