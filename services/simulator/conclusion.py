"""How a case ends: withdrawn before its report, or the CIR filed, hearings held and the case
withdrawn or concluded by a final order (perhaps reviewed later)."""

import datetime as dt

from services.simulator.dates import DAY
from services.simulator.draft import COURT, CaseDraft


def conclude(draft: CaseDraft, filed_on: dt.date, author: str) -> None:
    """End the case whose report `author` would file on `filed_on`."""
    p, rng = draft.parameters, draft.rng
    withdrawn = p.withdrawal_share.happens(rng)
    if withdrawn and p.withdrawal_before_report_share.happens(rng):
        _withdraw_early(draft, draft.day_between(draft.plan.issued_on + DAY, filed_on - DAY))
    else:
        _after_report(draft, filed_on, author, withdrawn)


def _withdraw_early(draft: CaseDraft, withdrawn_on: dt.date) -> None:
    draft.facts = [fact for fact in draft.facts if fact.on < withdrawn_on]
    draft.add(COURT, "ApplicationWithdrawn", withdrawn_on=withdrawn_on)


def _after_report(draft: CaseDraft, filed_on: dt.date, author: str, withdrawn: bool) -> None:
    p, rng = draft.parameters, draft.rng
    concluded_on = draft.later(filed_on, _days_after_report(draft))
    hearings = p.hearings_after_report.draw(rng)
    recommendation = p.recommendations.draw(rng) if hearings else "final_order"
    voice = draft.child_seen and p.child_voice_share.happens(rng)
    draft.add(
        author,
        "CirFiled",
        filed_on=filed_on,
        child_voice_included=voice,
        recommendation=recommendation,
    )
    final_hearing = hearings > 0 and not withdrawn
    for _ in range(hearings - final_hearing):
        held_on = draft.day_between(filed_on, concluded_on)
        draft.add(COURT, "HearingHeld", held_on=held_on, hearing_type=p.hearing_types.draw(rng))
    if withdrawn:
        draft.add(COURT, "ApplicationWithdrawn", withdrawn_on=concluded_on)
        return
    if final_hearing:
        draft.add(COURT, "HearingHeld", held_on=concluded_on, hearing_type="decision")
    _final_order(draft, concluded_on, without_hearing=not final_hearing)


def _days_after_report(draft: CaseDraft) -> int:
    mean = draft.plan.mean_days_after_report  # calibrated for the site (see `calibration`)
    shape = draft.parameters.post_report_duration_shape.value
    return round(draft.rng.gammavariate(shape, mean / shape))


def _final_order(draft: CaseDraft, made_on: dt.date, without_hearing: bool) -> None:
    p, rng = draft.parameters, draft.rng
    by_consent = without_hearing or p.by_consent_after_hearing_share.happens(rng)
    draft.add(
        COURT,
        "FinalOrderMade",
        made_on=made_on,
        by_consent=by_consent,
        without_hearing=without_hearing,
    )
    if p.review_share.happens(rng):
        reviewed_on = draft.later(made_on, p.review_days.draw(rng))
        draft.add(COURT, "ReviewCompleted", completed_on=reviewed_on)
