"""Bad lines the processor rejects on their own, before looking at the case they name."""

from schemas.catalogue import BUSINESS_DATE_FIELD
from services.simulator.draft import COURT
from services.simulator.envelopes import Envelope
from services.simulator.lines import (
    ENVELOPE,
    INVALID_DATA,
    MALFORMED,
    UNKNOWN_SITE,
    UNKNOWN_TYPE,
    dumps,
)
from services.simulator.spoiling import NoiseContext, Spoiler, business_date, recast


def _cut_short(envelope: Envelope, context: NoiseContext) -> bytes:
    return dumps(envelope)[:40]


def _not_an_object(envelope: Envelope, context: NoiseContext) -> bytes:
    return dumps([envelope])


def _without_id(envelope: Envelope, context: NoiseContext) -> Envelope:
    return {name: value for name, value in envelope.items() if name != "id"}


def _old_specversion(envelope: Envelope, context: NoiseContext) -> Envelope:
    return {**envelope, "specversion": "0.3"}


def _time_without_offset(envelope: Envelope, context: NoiseContext) -> Envelope:
    return {**envelope, "time": envelope["time"][:19]}


def _misspelt_type(envelope: Envelope, context: NoiseContext) -> Envelope:
    return {**envelope, "type": "CirFilled"}


def _site_name_for_code(envelope: Envelope, context: NoiseContext) -> Envelope:
    return {**envelope, "site": context.registry[envelope["site"]].name}


def _without_business_date(envelope: Envelope, context: NoiseContext) -> Envelope:
    field = BUSINESS_DATE_FIELD[envelope["type"]]
    return {**envelope, "data": {k: v for k, v in envelope["data"].items() if k != field}}


def _impossible_date(envelope: Envelope, context: NoiseContext) -> Envelope:
    field = BUSINESS_DATE_FIELD[envelope["type"]]
    impossible = f"{business_date(envelope).year}-02-30"
    return {**envelope, "data": {**envelope["data"], field: impossible}}


def _cap_first_hearing(envelope: Envelope, context: NoiseContext) -> Envelope:
    held_on = business_date(envelope)  # FHDRA: the CAP hearing the Pathfinder does without
    return recast(envelope, "HearingHeld", COURT, held_on=held_on, hearing_type="FHDRA")


def _no_children(envelope: Envelope, context: NoiseContext) -> Envelope:
    issued_on = business_date(envelope)
    return recast(
        envelope, "ApplicationIssued", COURT, issued_on=issued_on, children=[], harm_alleged=False
    )


LINE_SPOILERS: list[tuple[str, Spoiler]] = [
    (MALFORMED, _cut_short),
    (MALFORMED, _not_an_object),
    (ENVELOPE, _without_id),
    (ENVELOPE, _old_specversion),
    (ENVELOPE, _time_without_offset),
    (UNKNOWN_TYPE, _misspelt_type),
    (UNKNOWN_SITE, _site_name_for_code),
    (INVALID_DATA, _without_business_date),
    (INVALID_DATA, _impossible_date),
    (INVALID_DATA, _cap_first_hearing),
    (INVALID_DATA, _no_children),
]
