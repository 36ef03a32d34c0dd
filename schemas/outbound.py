"""JSON Schemas of what gatekeeping and intake publish, made from the msgspec structs that
encode it.

The case facts (`CaseFacts`) and the derived events (the `Derived` structs, and the deadline
alerts: a `CirAlert` sent with its kind as `type`) are encoded by msgspec, so their schemas come
from those same structs (`msgspec.json.schema_components`) and follow any change to them; so
does intake's refusal (`RefusalNotice`, on the refusals topic). The encoder writes every field,
so every field is required; consumers should ignore fields they do not know. Descriptions,
and the enumerations the structs type as plain text, are added here: a field without a
description stops the generator, so a new field cannot go out undocumented.
"""

from typing import Any, Final, get_args

import msgspec

from schemas.catalogue import MAX_REFERENCE_LENGTH
from schemas.events import CirAuthor, HearingType, Recommendation
from services.core.alerts import CIR_DUE_SOON, CIR_OVERDUE, CirAlert
from services.core.derived import CaseFacts, Derived
from services.core.refusals import RefusalNotice
from services.core.validation import REJECTION_REASONS

REF_TEMPLATE: Final = "#/$defs/{name}"
CIR_AUTHORS: Final = get_args(CirAuthor)
ALERT_KINDS: Final = (CIR_DUE_SOON, CIR_OVERDUE)
DERIVED_STRUCTS: Final[dict[str, type[Derived]]] = {
    str(struct.__struct_config__.tag): struct for struct in Derived.__subclasses__()
}
# Every kind of message on the derived-events topic, each told apart by its `type`.
DERIVED_KINDS: Final = (*DERIVED_STRUCTS, *ALERT_KINDS)

_COMMON = {
    "type": "The kind of derived event, what a consumer dispatches on.",
    "id": "Identity of this derived event, the same on every delivery and every raising: drop "
    "repeats by it. `<case>/<type>` for an event that happens once per case, "
    "`<case>/<type>/<due date>` for a deadline alert.",
    "subject": "Pseudonymous case reference: the inbound events' `subject`, and the message key.",
    "site": "Pilot site code of the case, from the site registry (`schemas/sites.json`).",
}
_ALERT_FIELDS = {
    "author": "Who writes the CIR now (after any transfer).",
    "due_on": "The due date the alert is about: the latest extension made by `raised_on`, "
    "else the original due date.",
    "raised_on": "The business day on which the alert was raised.",
}
_KINDS: dict[str, tuple[str, dict[str, str]]] = {
    "CirOrdered": (
        "Gatekeeping ordered the Child Impact Report: who writes it and when it is due. Sent "
        "once per case, when its `GatekeepingDecisionMade` applies.",
        {
            "author": "Who was ordered to write the CIR.",
            "ordered_on": "Business date of the gatekeeping decision that ordered the CIR.",
            "due_on": "The original due date: 40 working days after `ordered_on`, that day not "
            "counted (England-and-Wales bank holidays and court closures excluded).",
        },
    ),
    "IdvaReferralMade": (
        "The gatekeeping decision referred the family to domestic abuse (IDVA) support, as the "
        "court stated, else because harm was alleged or the safeguarding checks indicated "
        "abuse. Sent once per case, after its `CirOrdered`.",
        {"referred_on": "Business date of the gatekeeping decision that made the referral."},
    ),
    "FilingAssessed": (
        "The CIR was filed: how long it took and whether it met its deadlines. Sent once per "
        "case, when its `CirFiled` applies.",
        {
            "filed_on": "Business date the CIR was filed.",
            "working_days_to_file": "Working days from the order to the filing, the order "
            "day not counted.",
            "within_40_working_days": "Filed on or before the original due date (40 working "
            "days after the order).",
            "by_due_date": "Filed on or before the due date in force on the filing date (the "
            "latest extension made by then, else the original).",
        },
    ),
    "CaseConcluded": (
        "The case concluded by a final order or a withdrawal, with its duration. Sent once per "
        "case.",
        {
            "outcome": "How the case concluded.",
            "concluded_on": "Business date of the final order or the withdrawal.",
            "duration_weeks": "Calendar days from issue to conclusion, divided by 7.",
        },
    ),
    CIR_DUE_SOON: (
        "An alert for operators: the CIR is due within 5 working days and not yet filed. "
        "Raised once per case and due date; an extension (a new due date) can raise it again.",
        _ALERT_FIELDS,
    ),
    CIR_OVERDUE: (
        "An alert for operators: the CIR is past its due date and not filed, the case not "
        "concluded. Raised once per case and due date; an extension can raise it again.",
        _ALERT_FIELDS,
    ),
}
_FACTS = {
    "subject": _COMMON["subject"],
    "version": "Grows with every event applied to the case: keep a case's facts only when "
    "their version is newer than those held (a redelivery repeats a version).",
    "state": "The case's whole state once that event applied.",
}
_STATE_DESCRIPTION = (
    "The whole state of one case, folded from its accepted events in the order they applied. "
    "A field is null (or empty) until the event that sets it has applied."
)
_STATE = {
    "version": "Events applied to the case so far (the facts' `version`).",
    "last_on": "The latest business date among the events applied.",
    "site": "Pilot site code, from the `ApplicationIssued`.",
    "issued_on": "Business date the application was issued.",
    "children": "The `child_id` of each child on the application, in its order.",
    "harm_alleged": "Harm was alleged on the application.",
    "checks_on": "Business date the safeguarding checks were completed.",
    "la_involved": "The local authority was involved with the family in the 12 weeks before "
    "(from the safeguarding checks).",
    "abuse_indicated": "The safeguarding checks indicated domestic abuse.",
    "ordered_on": "Business date of the gatekeeping decision that ordered the CIR.",
    "author_at_order": "Who was ordered to write the CIR.",
    "author": "Who writes the CIR now, after any transfer.",
    "due_original": "The CIR's original due date: 40 working days after `ordered_on`.",
    "extensions": "Each extension of the due date as `[extended_on, new_due_on]`, in the order "
    "applied.",
    "transfers": "How many times the CIR was transferred to another author.",
    "transfers_on": "Each transfer as `[transferred_on, to_author]`, in the order applied.",
    "filed_on": "Business date the CIR was filed.",
    "working_days_to_file": _KINDS["FilingAssessed"][1]["working_days_to_file"],
    "voice_included": "The filed CIR includes the child's voice.",
    "recommendation": "The filed CIR's recommendation.",
    "seen": "Each child seen by the report writer (by `child_id`), with the first date seen.",
    "idva_referred": "The gatekeeping decision referred the family to the IDVA service.",
    "idva_response": "The IDVA service's answer to the referral.",
    "idva_response_on": "Business date of the IDVA service's answer.",
    "hearings": "Each hearing as `[held_on, hearing_type]`, in the order applied.",
    "concluded_on": "Business date of the final order or the withdrawal.",
    "outcome": "How the case concluded.",
    "reviews": "Business dates of the reviews completed after the final order.",
    "alerts_raised": "Each deadline alert raised for the case as `[kind, due_on]`.",
}
OUTCOMES: Final = ("final_order", "withdrawn")
IDVA_RESPONSES: Final = ("accepted", "declined")
# Values a field typed as plain text can take: by field name, or (field name, tuple position).
_ENUMS: dict[str | tuple[str, int], tuple[str, ...]] = {
    "author": CIR_AUTHORS,
    "author_at_order": CIR_AUTHORS,
    ("transfers_on", 1): CIR_AUTHORS,
    "recommendation": get_args(Recommendation),
    ("hearings", 1): get_args(HearingType),
    "outcome": OUTCOMES,
    "idva_response": IDVA_RESPONSES,
    ("alerts_raised", 0): ALERT_KINDS,
}


def _components(*structs: type) -> dict[str, dict[str, Any]]:
    components: dict[str, dict[str, Any]]
    _, components = msgspec.json.schema_components(structs, ref_template=REF_TEMPLATE)
    return components


def _text_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The `{"type": "string"}` part of a field's schema (nullable or not)."""
    return next(part for part in schema.get("anyOf", [schema]) if part.get("type") == "string")


def _as_sent(schema: dict[str, Any], descriptions: dict[str, str]) -> dict[str, Any]:
    """A struct's schema as a consumer reads what was sent: every field described and
    required, no defaults (every field is written), text fields with their values."""
    properties: dict[str, Any] = schema["properties"]
    undescribed = properties.keys() - descriptions.keys()
    if undescribed:
        raise KeyError(f"describe {schema['title']}.{', '.join(sorted(undescribed))}")
    for name, field in properties.items():
        field.pop("default", None)
        field["description"] = descriptions[name]
        for key, values in _ENUMS.items():
            if key == name:
                _text_schema(field)["enum"] = list(values)
            elif isinstance(key, tuple) and key[0] == name:
                _text_schema(field["items"]["prefixItems"][key[1]])["enum"] = list(values)
    return {**schema, "required": list(properties)}


def case_facts_schema() -> dict[str, Any]:
    """The schema of a case-facts message: `CaseFacts` with the `CaseState` it holds."""
    components = _components(CaseFacts)
    state = components["CaseState"]
    components["CaseState"] = _as_sent({**state, "description": _STATE_DESCRIPTION}, _STATE)
    return {**_as_sent(components.pop("CaseFacts"), _FACTS), "$defs": components}


def derived_schema(kind: str) -> dict[str, Any]:
    """The schema of one kind of derived-events message."""
    if kind not in _KINDS:
        raise KeyError(f"describe the derived event {kind}")
    description, fields = _KINDS[kind]
    if kind in DERIVED_STRUCTS:
        schema = _components(DERIVED_STRUCTS[kind])[kind]
    else:  # an alert: the CirAlert's fields, its `kind` sent as `type`
        alert = _components(CirAlert)["CirAlert"]
        properties = {name: field for name, field in alert["properties"].items() if name != "kind"}
        schema = {"type": "object", "properties": {"type": {"enum": [kind]}, **properties}}
    return _as_sent({**schema, "title": kind, "description": description}, _COMMON | fields)


_REFUSAL_DESCRIPTION = (
    "A message a publisher sent that intake refused: what identifies it and why, never what it "
    "held (no `subject`, no `data`, no bytes). Keyed by the message's `source` (empty when it "
    "has none that can be read). One per refused message: a refusal sent again has the same "
    "`id`. Messages a worker failed on (`processing_error`) are not refusals."
)
_READ_IF_POSSIBLE = (
    ", when the message is a JSON object holding it as a string of 1 to 200 characters; else null."
)
_REFUSAL = {
    "id": "Identity of this refusal, the same on every delivery: where the refused message was "
    "read, `<topic>/<partition>/<offset>`. Drop repeats by it.",
    "ce_id": "The refused message's CloudEvents `id`" + _READ_IF_POSSIBLE,
    "ce_source": "The refused message's CloudEvents `source` (also the message key)"
    + _READ_IF_POSSIBLE,
    "ce_type": "The refused message's CloudEvents `type` as sent (it may be one the catalogue does "
    "not have)" + _READ_IF_POSSIBLE,
    "reason": 'Why it was refused: the first check it failed (see the README, "For publishers").',
    "detail": "The field and the rule broken (`data.recommendation: not one of the allowed "
    "values`), never the value sent.",
    "topic": "The topic the refused message was read from (court-events).",
    "partition": "The partition it was read from.",
    "offset": "Its offset in that partition.",
    "refused_at": "When intake refused it (UTC, the wall clock); a refusal sent again may carry "
    "a later time.",
}


def refusal_schema() -> dict[str, Any]:
    """The schema of a refusals message: `RefusalNotice`, with its reasons and lengths."""
    schema = _as_sent(
        {**_components(RefusalNotice)["RefusalNotice"], "title": "Refusal",
         "description": _REFUSAL_DESCRIPTION},
        _REFUSAL,
    )  # fmt: skip
    properties = schema["properties"]
    for name in ("ce_id", "ce_source", "ce_type"):
        _text_schema(properties[name]).update(minLength=1, maxLength=MAX_REFERENCE_LENGTH)
    properties["reason"]["enum"] = list(REJECTION_REASONS)
    properties["refused_at"]["format"] = "date-time"
    for name in ("partition", "offset"):
        properties[name]["minimum"] = 0
    return schema
