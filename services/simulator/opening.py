"""A case's first stages: the application, the safeguarding checks and gatekeeping."""

import datetime as dt
from typing import Any

from services.simulator.dates import add_working_days
from services.simulator.draft import COURT, IDVA, LOCAL_AUTHORITY, CaseDraft


def issue(draft: CaseDraft) -> bool:
    """Issue the application (heard at once if without notice); whether harm is alleged."""
    p, rng, issued_on = draft.parameters, draft.rng, draft.plan.issued_on
    harm_alleged = p.harm_alleged_share.happens(rng)
    without_notice = p.without_notice_share.happens(rng)
    children = [{"child_id": child} for child in draft.children]
    draft.add(
        COURT,
        "ApplicationIssued",
        issued_on=issued_on,
        children=children,
        harm_alleged=harm_alleged,
        without_notice=without_notice,
    )
    if without_notice:
        held_on = add_working_days(issued_on, rng.randint(0, 1))
        draft.add(COURT, "HearingHeld", held_on=held_on, hearing_type="other")
    return harm_alleged


def check_safeguarding(draft: CaseDraft, harm_alleged: bool) -> tuple[dt.date | None, bool, bool]:
    """The checks' date (None if never completed), local authority involvement and abuse."""
    p, rng = draft.parameters, draft.rng
    la_involved = p.la_involved_share.happens(rng)
    abuse = (
        p.abuse_indicated_if_harm_alleged if harm_alleged else p.abuse_indicated_otherwise
    ).happens(rng)
    if not p.safeguarding_completed_share.happens(rng):
        return None, False, False  # the rules see no involvement and no abuse indicated
    completed_on = add_working_days(draft.plan.issued_on, p.safeguarding_working_days.draw(rng))
    draft.add(
        COURT,
        "SafeguardingChecksCompleted",
        completed_on=completed_on,
        la_involved_last_12_weeks=la_involved,
        domestic_abuse_indicated=abuse,
    )
    return completed_on, la_involved, abuse


def gatekeep(
    draft: CaseDraft, checked_on: dt.date | None, la_involved: bool, referral: bool
) -> tuple[dt.date, str]:
    """The gatekeeping decision, and the IDVA's answer if referred; its date and CIR author."""
    p, rng, issued_on = draft.parameters, draft.rng, draft.plan.issued_on
    decided_on = add_working_days(issued_on, p.gatekeeping_working_days.draw(rng))
    decided_on = max(decided_on, checked_on or issued_on)
    author = LOCAL_AUTHORITY if la_involved else draft.plan.site.default_cir_author
    # without the checks there is nothing to derive from, so the court states both
    unchecked = checked_on is None
    stated: dict[str, Any] = {}
    if p.explicit_cir_author_share.happens(rng) or unchecked:
        stated["cir_author"] = author
    if p.explicit_idva_referral_share.happens(rng) or unchecked:
        stated["idva_referral"] = referral
    draft.add(COURT, "GatekeepingDecisionMade", decided_on=decided_on, **stated)
    if referral:
        _answer_idva_referral(draft, decided_on)
    return decided_on, author


def _answer_idva_referral(draft: CaseDraft, decided_on: dt.date) -> None:
    p, rng = draft.parameters, draft.rng
    answer = p.idva_response.draw(rng)
    answered_on = draft.later(decided_on, p.idva_response_days.draw(rng))
    if answer == "accepted":
        draft.add(IDVA, "IdvaReferralAccepted", accepted_on=answered_on)
    elif answer == "declined":
        draft.add(IDVA, "IdvaReferralDeclined", declined_on=answered_on)
