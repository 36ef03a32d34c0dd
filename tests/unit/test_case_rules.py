"""The Pathfinder rules, folded from events: author, filing clock, referral, conclusion, holding."""

import datetime as dt

import pytest

from services.core.case import CaseState
from services.core.fold import ReplayFold
from tests.builders import event, feed, line

D = dt.date
CASE = "PF-DOR-000001"
WELSH_CASE = "PF-NWA-000001"


def case(fold: ReplayFold, subject: str = CASE) -> CaseState:
    return fold.cases[subject].state


def issued(**data) -> dict:
    return event("ApplicationIssued", **data)


def checks(la: bool = False, abuse: bool = False, **data) -> dict:
    return event(
        "SafeguardingChecksCompleted",
        la_involved_last_12_weeks=la,
        domestic_abuse_indicated=abuse,
        **data,
    )


def gatekeeping(**data) -> dict:
    return event("GatekeepingDecisionMade", **data)


# --- CIR author ---


def test_the_courts_named_author_wins(fold):
    feed(fold, issued(), checks(la=True), gatekeeping(cir_author="cafcass"))
    assert case(fold).author_at_order == "cafcass"


def test_a_local_authority_involved_in_the_last_12_weeks_writes_the_cir(fold):
    feed(fold, issued(), checks(la=True), gatekeeping())
    assert case(fold).author_at_order == "local_authority"


def test_otherwise_cafcass_writes_it_in_england(fold):
    feed(fold, issued(), checks(), gatekeeping())
    assert case(fold).author_at_order == "cafcass"


def test_otherwise_cafcass_cymru_writes_it_in_wales(fold):
    welsh = {"subject": WELSH_CASE, "site": "north-wales"}
    feed(fold, *({**e, **welsh} for e in (issued(), checks(), gatekeeping())))
    assert case(fold, WELSH_CASE).author_at_order == "cafcass_cymru"


def test_a_transfer_changes_the_author_but_not_the_clock_or_the_author_at_ordering(fold):
    feed(fold, issued(), checks(), gatekeeping(decided_on="2024-06-05"))
    due = case(fold).due_original
    feed(fold, event("CirTransferred", transferred_on="2024-06-20", to_author="local_authority"))
    assert case(fold).author == "local_authority"
    assert case(fold).author_at_order == "cafcass"
    assert case(fold).due_original == due


# --- the 40-working-day filing clock ---


@pytest.mark.parametrize(
    ("decided_on", "due_on"),
    [
        # Mon 3 Jun 2024: no bank holiday in the window; 8 whole weeks later
        ("2024-06-03", D(2024, 7, 29)),
        # Fri 7, Sat 8 and Sun 9 June: Mon 10 June is working day 1 in each case
        ("2024-06-07", D(2024, 8, 2)),
        ("2024-06-08", D(2024, 8, 2)),
        ("2024-06-09", D(2024, 8, 2)),
        # Fri 26 Jul 2024: Mon 26 Aug (August bank holiday) is skipped, so Mon 23 Sep, not Fri 20
        ("2024-07-26", D(2024, 9, 23)),
        # Mon 2 Dec 2024: 25, 26 Dec and 1 Jan skipped
        ("2024-12-02", D(2025, 1, 30)),
        # Mon 3 Mar 2025: Good Friday 18 Apr and Easter Monday 21 Apr skipped
        ("2025-03-03", D(2025, 4, 30)),
        # Fri 2 Dec 2022: Christmas Day was a Sunday, substitute Tue 27 Dec; 26 Dec and 2 Jan too
        ("2022-12-02", D(2023, 2, 1)),
        # Fri 24 May 2024: Mon 27 May (late May bank holiday) skipped, and Mon 26 Aug
        ("2024-05-24", D(2024, 7, 22)),
    ],
)
def test_the_cir_is_due_40_working_days_after_the_order(fold, decided_on, due_on):
    feed(fold, issued(issued_on="2022-01-04"), checks(completed_on="2022-01-04"))
    feed(fold, gatekeeping(decided_on=decided_on))
    assert case(fold).due_original == due_on


def test_working_days_to_file_skip_the_bank_holidays_between_order_and_filing(fold):
    # Thu 22 Aug 2024 to Tue 27 Aug: Fri 23, (Mon 26 bank holiday), Tue 27 -> 2 working days
    feed(fold, issued(issued_on="2024-08-20"), checks(completed_on="2024-08-21"))
    feed(fold, gatekeeping(decided_on="2024-08-22"), event("CirFiled", filed_on="2024-08-27"))
    assert case(fold).working_days_to_file == 2


def test_an_extension_replaces_the_due_date_and_keeps_the_original(fold):
    feed(fold, issued(), checks(completed_on="2024-06-03"), gatekeeping(decided_on="2024-06-03"))
    feed(fold, event("CirDueDateExtended", extended_on="2024-07-20", new_due_on="2024-08-30"))
    state = case(fold)
    assert state.due_original == D(2024, 7, 29)
    assert state.extensions == [(D(2024, 7, 20), D(2024, 8, 30))]


# --- IDVA referral ---


@pytest.mark.parametrize(
    ("harm", "abuse", "ordered", "referred"),
    [
        (False, False, None, False),
        (True, False, None, True),
        (False, True, None, True),
        (True, True, False, False),
        (False, False, True, True),
    ],
)
def test_idva_referral_follows_the_court_or_else_harm_and_abuse(
    fold, harm, abuse, ordered, referred
):
    feed(fold, issued(harm_alleged=harm), checks(abuse=abuse), gatekeeping(idva_referral=ordered))
    assert case(fold).idva_referred is referred


def test_an_idva_response_without_a_referral_is_a_conflict(fold):
    feed(fold, issued(), checks(), gatekeeping(idva_referral=False))
    [refusal] = feed(fold, event("IdvaReferralAccepted"))
    assert refusal.rejection.reason == "conflict"


# --- conclusion ---


def test_a_final_order_concludes_the_case(fold):
    feed(fold, issued(issued_on="2024-06-03"), event("FinalOrderMade", made_on="2024-09-02"))
    assert (case(fold).outcome, case(fold).concluded_on) == ("final_order", D(2024, 9, 2))


def test_a_withdrawal_concludes_the_case(fold):
    feed(fold, issued(), event("ApplicationWithdrawn", withdrawn_on="2024-07-01"))
    assert case(fold).outcome == "withdrawn"


# --- holding and release ---


def test_events_before_the_application_are_held_then_released_in_causal_order(fold):
    # given a filing, a decision and checks that all arrive before the application
    refusals = feed(
        fold,
        event("CirFiled", filed_on="2024-07-24"),
        gatekeeping(decided_on="2024-06-05"),
        checks(completed_on="2024-06-04"),
    )
    assert refusals == [] and fold.counts.accepted == 0
    # when the application arrives
    feed(fold, issued(issued_on="2024-06-03"))
    # then everything applies
    assert fold.counts.accepted == 4
    assert case(fold).filed_on == D(2024, 7, 24)
    assert case(fold).working_days_to_file == 35
    assert fold.cases[CASE].held == []


def test_a_decision_that_reads_the_checks_waits_for_them(fold):
    feed(fold, issued(), gatekeeping())
    assert case(fold).ordered_on is None
    feed(fold, checks(la=True))
    assert case(fold).author_at_order == "local_authority"


def test_a_decision_naming_author_and_referral_does_not_wait_for_the_checks(fold):
    feed(fold, issued(), gatekeeping(cir_author="cafcass", idva_referral=False))
    assert case(fold).ordered_on is not None


def test_what_never_gets_its_prerequisite_is_rejected_at_the_end(fold):
    feed(fold, event("CirFiled", subject="PF-DOR-999999"), issued(), gatekeeping())
    refusals = fold.finish()
    assert sorted(r.rejection.reason for r in refusals) == ["missing_prerequisite"] * 2
    assert fold.counts.rejected["missing_prerequisite"] == 2


def test_a_held_idva_response_is_rejected_when_the_decision_made_no_referral(fold):
    feed(fold, issued(), checks(), event("IdvaReferralDeclined"))
    [refusal] = feed(fold, gatekeeping(idva_referral=False))
    assert refusal.rejection.reason == "conflict"


# --- conflicts and duplicates ---


@pytest.mark.parametrize(
    "second",
    [
        lambda: issued(),
        lambda: checks(),
        lambda: gatekeeping(),
        lambda: event("ChildSeen", child_id="C9"),
        lambda: event("CirFiled", filed_on="2024-06-04"),  # before the decision
        lambda: event("HearingHeld", held_on="2024-06-01"),  # before the issue
        lambda: event("HearingHeld", site="north-wales"),  # another site
        lambda: event("FinalOrderMade"),  # after the withdrawal
        lambda: event("IdvaReferralDeclined"),  # a second response
    ],
)
def test_events_that_contradict_the_case_are_conflicts(fold, second):
    feed(fold, issued(harm_alleged=True), checks(), gatekeeping(decided_on="2024-06-05"))
    feed(fold, event("IdvaReferralAccepted"), event("ApplicationWithdrawn"))
    [refusal] = feed(fold, second())
    assert refusal.rejection.reason == "conflict"


def test_a_second_filing_is_a_conflict(fold):
    feed(fold, issued(), checks(), gatekeeping(), event("CirFiled"))
    [refusal] = feed(fold, event("CirFiled"))
    assert refusal.rejection.reason == "conflict"


def test_a_copy_of_an_accepted_or_held_event_is_a_duplicate(fold):
    filing, application = event("CirFiled"), issued()
    feed(fold, filing, filing, application, application)
    assert (fold.counts.accepted, fold.counts.duplicates) == (1, 2)
    assert len(fold.cases[CASE].held) == 1


def test_every_line_is_counted_once(fold):
    good = [issued(), checks(), gatekeeping(), event("CirFiled")]
    lines = [line(e) for e in good] + [
        line(good[0]),
        b"nonsense",
        line(event("HearingHeld", site="x")),
    ]
    lines += [line(event("ChildSeen", child_id="C7")), line(event("CirFiled", subject="PF-X"))]
    for number, raw in enumerate(lines, 1):
        fold.ingest(raw, number)
    fold.finish()
    result = fold.result()
    assert result.lines == len(lines)
    assert (result.accepted, result.duplicates) == (4, 1)
    assert {k: v for k, v in result.rejected.items() if v} == {
        "malformed": 1,
        "unknown_site": 1,
        "conflict": 1,
        "missing_prerequisite": 1,
    }
