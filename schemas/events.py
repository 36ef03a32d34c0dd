"""Pydantic models of the event contract: a CloudEvents 1.0 envelope around each event's data.

These models are the published contract; the JSON Schema files beside them are generated from here
(`python -m schemas.generate`). The services validate with a faster hand-written check that a test
holds to exactly these models.
"""

import datetime as dt
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
    model_validator,
)

from schemas.catalogue import (
    EARLIEST_BUSINESS_DATE,
    EVENT_TYPES,
    LATEST_BUSINESS_DATE,
    MAX_REASON_LENGTH,
    MAX_REFERENCE_LENGTH,
    RFC3339_PATTERN,
)

CirAuthor = Literal["cafcass", "cafcass_cymru", "local_authority"]
Recommendation = Literal[
    "final_order", "decision_hearing", "further_investigation", "fact_finding", "dispute_resolution"
]
HearingType = Literal["decision", "fact_finding", "dispute_resolution", "review", "other"]
BusinessDate = Annotated[
    dt.date,
    Field(
        ge=EARLIEST_BUSINESS_DATE,
        le=LATEST_BUSINESS_DATE,
        description="ISO YYYY-MM-DD business date, 2000-01-01 to 2099-12-31.",
        json_schema_extra={
            "formatMinimum": EARLIEST_BUSINESS_DATE.isoformat(),
            "formatMaximum": LATEST_BUSINESS_DATE.isoformat(),
        },
    ),
]
Reference = Annotated[str, StringConstraints(min_length=1, max_length=MAX_REFERENCE_LENGTH)]


def _is_real_instant(value: str) -> str:
    dt.datetime.fromisoformat(value.upper())  # raises on an impossible date, hour or offset
    return value


Rfc3339Timestamp = Annotated[
    str,
    StringConstraints(pattern=RFC3339_PATTERN),
    AfterValidator(_is_real_instant),
    Field(json_schema_extra={"format": "date-time"}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


class ChildRef(_Strict):
    child_id: Reference


class ApplicationIssued(_Strict):
    """The court issued a C100 application (day 1)."""

    issued_on: BusinessDate
    children: list[ChildRef] = Field(min_length=1, json_schema_extra={"uniqueItems": True})
    harm_alleged: bool
    without_notice: bool = False

    @model_validator(mode="after")
    def _child_ids_unique(self) -> "ApplicationIssued":
        ids = [child.child_id for child in self.children]
        if len(set(ids)) != len(ids):
            raise ValueError("child_id values must be unique within the case")
        return self


class SafeguardingChecksCompleted(_Strict):
    """Police and local authority safeguarding checks came back."""

    completed_on: BusinessDate
    la_involved_last_12_weeks: bool
    domestic_abuse_indicated: bool


class GatekeepingDecisionMade(_Strict):
    """Gatekeeping 1: the court ordered the Child Impact Report (and any IDVA referral)."""

    decided_on: BusinessDate
    cir_author: CirAuthor | None = None
    idva_referral: bool | None = None


class CirTransferred(_Strict):
    """The court moved the CIR to another author; the filing clock runs on."""

    transferred_on: BusinessDate
    to_author: CirAuthor


class CirDueDateExtended(_Strict):
    """The court extended the CIR's due date."""

    extended_on: BusinessDate
    new_due_on: BusinessDate
    reason: Annotated[str, StringConstraints(max_length=MAX_REASON_LENGTH)] | None = None


class ChildSeen(_Strict):
    """The report writer saw a child of the case."""

    child_id: Reference
    seen_on: BusinessDate
    in_person: bool


class CirFiled(_Strict):
    """The Child Impact Report was filed with its recommendation."""

    filed_on: BusinessDate
    child_voice_included: bool
    recommendation: Recommendation


class IdvaReferralAccepted(_Strict):
    """The domestic abuse (IDVA) service accepted the referral."""

    accepted_on: BusinessDate


class IdvaReferralDeclined(_Strict):
    """The domestic abuse (IDVA) service declined the referral."""

    declined_on: BusinessDate


class HearingHeld(_Strict):
    """A hearing took place."""

    held_on: BusinessDate
    hearing_type: HearingType


class FinalOrderMade(_Strict):
    """The court made a final order, concluding the case."""

    made_on: BusinessDate
    by_consent: bool
    without_hearing: bool


class ApplicationWithdrawn(_Strict):
    """The application was withdrawn, concluding the case."""

    withdrawn_on: BusinessDate


class ReviewCompleted(_Strict):
    """A review after the final order was completed."""

    completed_on: BusinessDate


_BY_NAME = {model.__name__: model for model in _Strict.__subclasses__()}
DATA_MODELS: dict[str, type[_Strict]] = {name: _BY_NAME[name] for name in EVENT_TYPES}


class Envelope(BaseModel):
    """CloudEvents 1.0 attributes (structured JSON mode); extension attributes are allowed."""

    model_config = ConfigDict(frozen=True, strict=True, extra="allow")

    specversion: Literal["1.0"]
    id: Reference
    source: Reference
    type: Literal[tuple(DATA_MODELS)]  # type: ignore[valid-type]
    subject: Reference = Field(description="Pseudonymous case reference, e.g. PF-DOR-000123.")
    time: Rfc3339Timestamp
    site: Reference = Field(description="Pilot site code from the site registry, e.g. dorset.")
    schemaversion: Annotated[int, Field(strict=True, ge=1, le=1)] = 1  # true == 1 in a Literal
    datacontenttype: Literal["application/json"] | None = None
    data: dict[str, Any]


def _typed_envelope(type_name: str, data_model: type[_Strict]) -> type[Envelope]:
    type_literal: Any = Literal[type_name]
    return create_model(
        f"{type_name}Event",
        __base__=Envelope,
        __doc__=f"A `{type_name}` CloudEvent. {data_model.__doc__}",
        type=(type_literal, ...),
        data=(data_model, ...),
    )


EVENT_MODELS: dict[str, type[Envelope]] = {
    name: _typed_envelope(name, model) for name, model in DATA_MODELS.items()
}

# Built at run time from the catalogue, so a value for TypeAdapter rather than a static type.
PathfinderEvent: Any = Annotated[
    Union[tuple(EVENT_MODELS.values())],  # noqa: UP007
    Field(discriminator="type"),
]
