"""The contract's vocabulary as constants, shared by the pydantic models and the fast validator."""

import datetime as dt
from typing import Final

# Business dates outside this range are rejected as invalid data: the working-day calendar
# covers it (with margin for due dates), and nothing in the pilot can lie outside it.
EARLIEST_BUSINESS_DATE: Final = dt.date(2000, 1, 1)
LATEST_BUSINESS_DATE: Final = dt.date(2099, 12, 31)

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

# RFC 3339 date-time: full date, full time (hours 00-23, no leap second), optional fraction,
# mandatory offset. The date part is checked for being a real date separately.
RFC3339_PATTERN: Final = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?"
    r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
# Kafka's default message limit (1 MiB). A longer message could not pass through the topics of a
# default Kafka, so the contract refuses it (as malformed) wherever it is read, the replay included.
MAX_MESSAGE_BYTES: Final = 1_048_576
MAX_REFERENCE_LENGTH: Final = 200
MAX_REASON_LENGTH: Final = 500
SITE_CODE_PATTERN: Final = r"^[a-z0-9]+(-[a-z0-9]+)*$"
