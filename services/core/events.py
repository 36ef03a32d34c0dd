"""The core's event records: typed, frozen msgspec structs decoded straight from a message's bytes.

They mirror the published pydantic contract in `schemas.events`; a differential test holds the two
together. msgspec decodes and type-checks a whole event in about the time a plain JSON parse takes,
which is what keeps validation from dominating a replay.
"""

import datetime as dt
from operator import attrgetter
from typing import Annotated, Any, ClassVar, Literal

from msgspec import Meta, Struct

from schemas.catalogue import EVENT_TYPES as EVENT_TYPE_NAMES
from schemas.catalogue import MAX_REASON_LENGTH, MAX_REFERENCE_LENGTH

Reference = Annotated[str, Meta(min_length=1, max_length=MAX_REFERENCE_LENGTH)]
CirAuthor = Literal["cafcass", "cafcass_cymru", "local_authority"]
Recommendation = Literal[
    "final_order", "decision_hearing", "further_investigation", "fact_finding", "dispute_resolution"
]
HearingType = Literal["decision", "fact_finding", "dispute_resolution", "review", "other"]


class _Data(Struct, frozen=True, forbid_unknown_fields=True, gc=False):
    date_fields: ClassVar[tuple[str, ...]]  # the business date first

    on: ClassVar[property]  # the business date, read straight from its field (set below)


class ChildRef(Struct, frozen=True, forbid_unknown_fields=True, gc=False):
    child_id: Reference


class ApplicationIssued(_Data, frozen=True):
    date_fields = ("issued_on",)
    issued_on: dt.date
    children: Annotated[list[ChildRef], Meta(min_length=1)]
    harm_alleged: bool
    without_notice: bool = False


class SafeguardingChecksCompleted(_Data, frozen=True):
    date_fields = ("completed_on",)
    completed_on: dt.date
    la_involved_last_12_weeks: bool
    domestic_abuse_indicated: bool


class GatekeepingDecisionMade(_Data, frozen=True):
    date_fields = ("decided_on",)
    decided_on: dt.date
    cir_author: CirAuthor | None = None
    idva_referral: bool | None = None


class CirTransferred(_Data, frozen=True):
    date_fields = ("transferred_on",)
    transferred_on: dt.date
    to_author: CirAuthor


class CirDueDateExtended(_Data, frozen=True):
    date_fields = ("extended_on", "new_due_on")
    extended_on: dt.date
    new_due_on: dt.date
    reason: Annotated[str, Meta(max_length=MAX_REASON_LENGTH)] | None = None


class ChildSeen(_Data, frozen=True):
    date_fields = ("seen_on",)
    child_id: Reference
    seen_on: dt.date
    in_person: bool


class CirFiled(_Data, frozen=True):
    date_fields = ("filed_on",)
    filed_on: dt.date
    child_voice_included: bool
    recommendation: Recommendation


class IdvaReferralAccepted(_Data, frozen=True):
    date_fields = ("accepted_on",)
    accepted_on: dt.date


class IdvaReferralDeclined(_Data, frozen=True):
    date_fields = ("declined_on",)
    declined_on: dt.date


class HearingHeld(_Data, frozen=True):
    date_fields = ("held_on",)
    held_on: dt.date
    hearing_type: HearingType


class FinalOrderMade(_Data, frozen=True):
    date_fields = ("made_on",)
    made_on: dt.date
    by_consent: bool
    without_hearing: bool


class ApplicationWithdrawn(_Data, frozen=True):
    date_fields = ("withdrawn_on",)
    withdrawn_on: dt.date


class ReviewCompleted(_Data, frozen=True):
    date_fields = ("completed_on",)
    completed_on: dt.date


# In catalogue order: the data record of every event type.
DATA_TYPES: dict[str, type[_Data]] = {
    data_type.__name__: data_type for data_type in _Data.__subclasses__()
}
DATA_TYPES = {name: DATA_TYPES[name] for name in EVENT_TYPE_NAMES}


for _data_type in DATA_TYPES.values():
    _data_type.on = property(attrgetter(_data_type.date_fields[0]))


class Envelope(Struct, frozen=True, kw_only=True, tag_field="type"):
    """CloudEvents 1.0 attributes; extension attributes are ignored."""

    type: ClassVar[str]
    specversion: Literal["1.0"]
    id: Reference
    source: Reference
    subject: Reference
    time: str  # RFC 3339, checked by the validator (a msgspec pattern would allow a final newline)
    site: Reference
    schemaversion: Literal[1] = 1
    datacontenttype: Literal["application/json"] | None = None
    data: Any

    @property
    def on(self) -> dt.date:
        """The event's business date."""
        return self.data.on  # type: ignore[no-any-return]


def _envelope_for(name: str, data_type: type[_Data]) -> type[Envelope]:
    # `on` read in one C call, not through Envelope.on: the fold reads it several times an event
    on = property(attrgetter(f"data.{data_type.date_fields[0]}"), doc=Envelope.on.__doc__)
    namespace = {"__annotations__": {"data": data_type}, "type": name, "on": on}
    return type(f"{name}Event", (Envelope,), namespace, tag=name, frozen=True)


EVENT_TYPES: dict[str, type[Envelope]] = {
    name: _envelope_for(name, data_type) for name, data_type in DATA_TYPES.items()
}
