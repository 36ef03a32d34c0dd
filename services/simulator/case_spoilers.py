"""Bad lines that are well formed but break the rules of the case they name."""

from services.simulator.draft import COURT, case_reference
from services.simulator.envelopes import Envelope
from services.simulator.lines import CONFLICT, MISSING_PREREQUISITE
from services.simulator.spoiling import NoiseContext, Spoiler, business_date, recast


def _issued_again(envelope: Envelope, context: NoiseContext) -> Envelope:
    return envelope  # the case's own ApplicationIssued under a new id


def _child_not_on_case(envelope: Envelope, context: NoiseContext) -> Envelope:
    data = envelope["data"]
    reporter = context.registry[envelope["site"]].default_cir_author
    stranger = f"C{len(data['children']) + 1}"
    return recast(
        envelope,
        "ChildSeen",
        reporter,
        child_id=stranger,
        seen_on=data["issued_on"],
        in_person=True,
    )


def _case_never_issued(envelope: Envelope, context: NoiseContext) -> Envelope:
    held_on = business_date(envelope)
    hearing = recast(envelope, "HearingHeld", COURT, held_on=held_on, hearing_type="decision")
    orphan = case_reference(context.prefix, envelope["site"], next(context.orphan_numbers))
    return {**hearing, "subject": orphan}


# Conflicts are made from the case's ApplicationIssued, so that they find the case in place.
CASE_SPOILERS: list[tuple[str, Spoiler]] = [
    (CONFLICT, _issued_again),
    (CONFLICT, _child_not_on_case),
    (MISSING_PREREQUISITE, _case_never_issued),
]
