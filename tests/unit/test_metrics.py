"""The pilot metrics as of a date: only what had happened by then counts."""

import datetime as dt

import pytest

from services.core.fold import ReplayFold
from services.core.metrics import ALL_SITES
from tests.builders import event, line

D = dt.date


def replay(fold: ReplayFold, events: list[dict], as_of: str | None = None) -> dict:
    for number, obj in enumerate(events, 1):
        fold.ingest(line(obj), number)
    fold.finish()
    return fold.result(D.fromisoformat(as_of) if as_of else None).as_json()


def one_case(subject="PF-DOR-1", site="dorset", **dates) -> list[dict]:
    """A whole case: issued 3 Jun 2024, decision 5 Jun (due 31 Jul), filed, concluded."""
    on = {
        "issued": "2024-06-03",
        "decided": "2024-06-05",
        "seen": "2024-06-17",
        "filed": "2024-07-24",
        "extended": None,
        "new_due": None,
        "heard": "2024-08-12",
        "concluded": "2024-08-12",
        **dates,
    }
    at = {"subject": subject, "site": site}
    events = [
        event("ApplicationIssued", **at, issued_on=on["issued"], harm_alleged=True),
        event("SafeguardingChecksCompleted", **at, completed_on=on["issued"]),
        event(
            "GatekeepingDecisionMade", **at, decided_on=on["decided"], cir_author="local_authority"
        ),
        event("ChildSeen", **at, child_id="C1", seen_on=on["seen"]),
        event("IdvaReferralAccepted", **at, accepted_on=on["decided"]),
        event("HearingHeld", **at, held_on=on["heard"]),
    ]
    if on["filed"]:
        events.append(event("CirFiled", **at, filed_on=on["filed"]))
    if on["extended"]:
        events.append(
            event("CirDueDateExtended", **at, extended_on=on["extended"], new_due_on=on["new_due"])
        )
    if on["concluded"]:
        events.append(event("FinalOrderMade", **at, made_on=on["concluded"]))
    return events


def test_a_whole_case_gives_the_expected_figures(fold):
    figures = replay(fold, one_case())["sites"]["dorset"]
    assert figures == {
        "applications": 1,
        "children": 2,
        "open_cases": 0,
        "open_over_52_weeks": 0,
        "open_over_100_weeks": 0,
        "cir_ordered": 1,
        "cir_ordered_la_share": 1.0,
        "cir_ordered_la_share_numerator": 1,
        "cir_ordered_la_share_denominator": 1,
        "cir_filed": 1,
        "cir_filed_within_40_working_days_share": 1.0,
        "cir_filed_within_40_working_days_share_numerator": 1,
        "cir_filed_within_40_working_days_share_denominator": 1,
        "cir_filed_by_due_date_share": 1.0,
        "cir_filed_by_due_date_share_numerator": 1,
        "cir_filed_by_due_date_share_denominator": 1,
        "cir_mean_working_days_to_file": 35.0,
        "cir_extended_share": 0.0,
        "cir_extended_share_numerator": 0,
        "cir_extended_share_denominator": 1,
        "cir_overdue": 0,
        "children_seen_share": 0.5,
        "children_seen_share_numerator": 1,
        "children_seen_share_denominator": 2,
        "idva_referrals": 1,
        "idva_accepted_share": 1.0,
        "idva_accepted_share_numerator": 1,
        "idva_accepted_share_denominator": 1,
        "concluded": 1,
        "mean_duration_weeks": 10.0,
        "median_duration_weeks": 10.0,
        "concluded_within_26_weeks_share": 1.0,
        "concluded_within_26_weeks_share_numerator": 1,
        "concluded_within_26_weeks_share_denominator": 1,
        "hearings_per_concluded_case": 1.0,
    }


def test_a_nation_adds_its_sites_together_and_a_nation_without_cases_has_zero_counts(fold):
    document = replay(fold, one_case())
    assert list(document["nations"]) == ["england", "wales"]
    assert document["nations"]["england"] == document["sites"]["dorset"]
    assert document["nations"]["wales"]["applications"] == 0
    assert document["nations"]["wales"]["children_seen_share"] is None
    assert document["nations"]["wales"]["children_seen_share_denominator"] == 0


def test_the_default_as_of_is_the_latest_business_date(fold):
    assert replay(fold, one_case())["as_of"] == "2024-08-12"


def test_events_after_the_as_of_date_do_not_count(fold):
    figures = replay(fold, one_case(), as_of="2024-07-01")["sites"]["dorset"]
    assert figures["open_cases"] == 1
    assert figures["cir_filed"] == 0
    assert figures["concluded"] == 0
    assert figures["mean_duration_weeks"] is None
    assert figures["cir_filed_by_due_date_share"] is None


def test_a_case_issued_after_the_as_of_date_is_not_counted(fold):
    figures = replay(fold, one_case(), as_of="2024-06-02")["sites"]["dorset"]
    assert figures["applications"] == 0 and figures["cir_ordered_la_share"] is None


def test_an_unfiled_cir_past_its_due_date_is_overdue(fold):
    events = one_case(filed=None, concluded=None)
    assert replay(fold, events, as_of="2024-07-31")["sites"]["dorset"]["cir_overdue"] == 0
    assert fold.result(D(2024, 8, 1)).sites["dorset"]["cir_overdue"] == 1


def test_an_extension_counts_once_made_and_moves_the_due_date(fold):
    events = one_case(filed="2024-08-20", extended="2024-07-25", new_due="2024-08-30")
    before = replay(fold, events, as_of="2024-07-24")["sites"]["dorset"]
    assert before["cir_extended_share"] == 0.0
    after = fold.result(D(2024, 8, 30)).sites["dorset"]
    assert after["cir_extended_share"] == 1.0
    assert after["cir_filed_within_40_working_days_share"] == 0.0
    assert after["cir_filed_by_due_date_share"] == 1.0


@pytest.mark.parametrize(
    ("as_of", "over_52", "over_100"),
    [("2025-05-31", 0, 0), ("2025-06-02", 1, 0), ("2026-05-03", 1, 0), ("2026-05-04", 1, 1)],
)
def test_open_case_age_thresholds_are_364_and_700_days(fold, as_of, over_52, over_100):
    # issued 3 Jun 2024: 364 days later is 2 Jun 2025; 700 days later is 4 May 2026
    figures = replay(fold, one_case(filed=None, concluded=None), as_of=as_of)["sites"]["dorset"]
    assert (figures["open_over_52_weeks"], figures["open_over_100_weeks"]) == (over_52, over_100)


@pytest.mark.parametrize(("concluded", "within"), [("2024-12-02", 1.0), ("2024-12-03", 0.0)])
def test_26_weeks_means_182_days_or_fewer(fold, concluded, within):
    figures = replay(fold, one_case(concluded=concluded))["sites"]["dorset"]
    assert figures["concluded_within_26_weeks_share"] == within


def test_all_sites_sum_numerators_and_denominators_not_shares(fold):
    events = one_case() + one_case("PF-NWA-1", "north-wales", filed=None, concluded=None)
    events += one_case("PF-NWA-2", "north-wales", concluded="2024-12-02")
    result = replay(fold, events, as_of="2024-12-31")["sites"]
    assert result[ALL_SITES]["applications"] == 3
    assert result[ALL_SITES]["cir_filed"] == 2
    assert result[ALL_SITES]["median_duration_weeks"] == pytest.approx((10 + 26) / 2)
    assert result["birmingham"]["applications"] == 0
    assert result["birmingham"]["mean_duration_weeks"] is None
