"""Which CIRs are overdue or due soon, case by case: what the metrics count, most urgent first."""

import datetime as dt
from collections import Counter

import pytest

from services.core.deadlines import (
    DUE_SOON,
    OVERDUE,
    CirDeadline,
    cir_deadline,
    cir_deadlines,
    merge_deadlines,
)
from services.core.metrics import ALL_SITES, tally_sites
from services.reference.sites_file import load_sites
from services.reporting.collector import PilotCollector
from services.simulator import SimulationConfig, simulate
from tests.builders import event, feed

D = dt.date
CASE = "PF-DOR-000001"


def row_on(fold, as_of, rules, case=CASE):
    return cir_deadline(case, fold.cases[case].state, as_of, rules.calendar)


@pytest.mark.parametrize(
    ("as_of", "status", "working_days"),
    [
        (D(2024, 7, 19), None, None),  # Fri: 6 working days left, not yet due soon
        (D(2024, 7, 22), DUE_SOON, 5),  # Mon: 5 working days left
        (D(2024, 7, 29), DUE_SOON, 0),  # the due date itself
        (D(2024, 7, 30), OVERDUE, 1),
        (D(2024, 8, 3), OVERDUE, 4),  # Saturday: Tue to Fri have passed
        (D(2024, 9, 2), OVERDUE, 24),  # Mon 26 August 2024 is a bank holiday
    ],
)
def test_a_cir_is_due_soon_then_overdue_by_working_days(
    cir_ordered, rules, as_of, status, working_days
):
    row = row_on(cir_ordered, as_of, rules)
    if status is None:
        assert row is None
        return
    assert row == CirDeadline(
        case=CASE, site="dorset", author="cafcass", ordered_on=D(2024, 6, 3),
        due_original=D(2024, 7, 29), due_current=D(2024, 7, 29), status=status,
        working_days=working_days,
    )  # fmt: skip


def test_an_extension_moves_the_current_due_date_and_keeps_the_original(cir_ordered, rules):
    feed(
        cir_ordered, event("CirDueDateExtended", extended_on="2024-07-25", new_due_on="2024-08-30")
    )
    assert row_on(cir_ordered, D(2024, 7, 30), rules) is None  # the extension was made on the 25th
    row = row_on(cir_ordered, D(2024, 8, 28), rules)
    assert (row.status, row.due_original, row.due_current) == (
        DUE_SOON,
        D(2024, 7, 29),
        D(2024, 8, 30),
    )
    assert row.working_days == 2
    # as of a date before the extension was made, the original date held
    assert row_on(cir_ordered, D(2024, 7, 24), rules).due_current == D(2024, 7, 29)


def test_a_filed_cir_is_listed_until_the_day_it_was_filed(cir_ordered, rules):
    feed(cir_ordered, event("CirFiled", filed_on="2024-08-05"))
    assert row_on(cir_ordered, D(2024, 8, 2), rules).status == OVERDUE
    assert row_on(cir_ordered, D(2024, 8, 5), rules) is None


def test_a_case_concluded_with_its_cir_unfiled_is_no_longer_overdue(cir_ordered, rules):
    # once the case is withdrawn its report is not awaited: neither listed nor counted
    feed(cir_ordered, event("ApplicationWithdrawn", withdrawn_on="2024-07-01"))
    assert row_on(cir_ordered, D(2024, 7, 22), rules) is None
    assert row_on(cir_ordered, D(2024, 7, 30), rules) is None


def _row(case: str, status: str, days: int, due: dt.date, site: str = "dorset") -> CirDeadline:
    return CirDeadline(
        case=case, site=site, author="cafcass", ordered_on=D(2024, 1, 2), due_original=due,
        due_current=due, status=status, working_days=days,
    )  # fmt: skip


def test_rows_are_sorted_most_urgent_first_and_merged_once_per_case():
    a = _row("A", OVERDUE, 3, D(2024, 3, 1))
    b = _row("B", OVERDUE, 12, D(2024, 2, 1))
    c = _row("C", DUE_SOON, 4, D(2024, 3, 8))
    d = _row("D", DUE_SOON, 0, D(2024, 3, 4))
    e = _row("E", OVERDUE, 3, D(2024, 2, 29), site="birmingham")  # same days, earlier date
    merged = merge_deadlines([c, a], [b, d, e], [a, d])
    assert [row.case for row in merged] == ["B", "E", "A", "D", "C"]


def test_rows_of_one_status_and_site(cir_ordered, rules):
    feed(
        cir_ordered,
        event("ApplicationIssued", subject="PF-BHM-000002", site="birmingham",
              issued_on="2024-06-03"),
        event("GatekeepingDecisionMade", subject="PF-BHM-000002", site="birmingham",
              decided_on="2024-06-10", cir_author="cafcass", idva_referral=False),
    )  # fmt: skip
    cases = cir_ordered.states()
    as_of = D(2024, 7, 31)  # Dorset 2 working days overdue; Birmingham due 5 Aug, 3 left
    assert [r.case for r in cir_deadlines(cases, as_of, rules.calendar)] == [
        CASE,
        "PF-BHM-000002",
    ]
    assert [r.case for r in cir_deadlines(cases, as_of, rules.calendar, DUE_SOON)] == [
        "PF-BHM-000002"
    ]
    assert cir_deadlines(cases, as_of, rules.calendar, OVERDUE, "birmingham") == []


@pytest.fixture(scope="module")
def simulated_states(rules):
    from services.core.fold import ReplayFold

    registry = load_sites()
    config = SimulationConfig(
        cases=600, seed=5, sites=tuple(registry), start=D(2025, 1, 1), end=D(2025, 9, 30),
        noise=0.02,
    )  # fmt: skip
    fold = ReplayFold(rules)
    for number, raw in enumerate(simulate(config, registry)):
        fold.ingest(raw, number)
    fold.finish()
    return fold.states()


def _served(states, rules, as_of) -> dict[str, dict[str, float]]:
    collector = PilotCollector(lambda: (s for _, s in states), rules.sites, lambda: as_of,
                               rules.calendar)  # fmt: skip
    served: dict[str, dict[str, float]] = {}
    for family in collector.collect():
        if family.name in ("pathfinder_cir_overdue", "pathfinder_cir_due_soon"):
            served[family.name] = {s.labels["site"]: s.value for s in family.samples}
    return served


def test_the_rows_of_each_site_are_what_the_metrics_count(simulated_states, rules):
    # at dates across a simulated year and after, with extensions, filings and conclusions
    as_of = D(2025, 2, 1)
    checked = 0
    while as_of <= D(2026, 3, 31):
        served = _served(simulated_states, rules, as_of)
        tallies = tally_sites((s for _, s in simulated_states), rules.sites, as_of)
        for status, metric in ((OVERDUE, "pathfinder_cir_overdue"),
                               (DUE_SOON, "pathfinder_cir_due_soon")):  # fmt: skip
            rows = cir_deadlines(simulated_states, as_of, rules.calendar, status)
            per_site = Counter(row.site for row in rows)
            listed = {site: per_site.get(site, 0) for site in rules.sites}
            listed[ALL_SITES] = len(rows)
            assert listed == served[metric], (as_of, status)
            checked += len(rows)
        assert {s: t.cir_overdue for s, t in tallies.items()} == served["pathfinder_cir_overdue"]
        as_of += dt.timedelta(days=9)
    assert checked > 50  # the dates met many rows of both kinds
