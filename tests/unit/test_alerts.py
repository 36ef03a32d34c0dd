"""Deadline alerts: due soon within 5 working days, overdue after the due date, each raised once."""

import datetime as dt

import pytest

from services.core.alerts import CIR_DUE_SOON, CIR_OVERDUE, raise_alerts
from tests.builders import event, feed

CASE = "PF-DOR-000001"

D = dt.date


def alerts(fold, today, rules):
    state = fold.cases[CASE].state
    return [(a.kind, a.due_on) for a in raise_alerts(state, CASE, today, rules.calendar)]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2024, 7, 19), []),  # Fri: 6 working days before the due date
        (D(2024, 7, 22), [(CIR_DUE_SOON, D(2024, 7, 29))]),  # Mon: 5 working days before
        (D(2024, 7, 29), [(CIR_DUE_SOON, D(2024, 7, 29))]),  # the due date itself
        (D(2024, 7, 30), [(CIR_OVERDUE, D(2024, 7, 29))]),
    ],
)
def test_an_unfiled_cir_raises_due_soon_then_overdue(cir_ordered, rules, today, expected):
    assert alerts(cir_ordered, today, rules) == expected


def test_each_alert_is_raised_once(cir_ordered, rules):
    assert alerts(cir_ordered, D(2024, 7, 22), rules) != []
    assert alerts(cir_ordered, D(2024, 7, 23), rules) == []
    assert alerts(cir_ordered, D(2024, 7, 30), rules) == [(CIR_OVERDUE, D(2024, 7, 29))]
    assert alerts(cir_ordered, D(2024, 8, 30), rules) == []


def test_an_extension_moves_the_alerts_to_the_new_due_date(cir_ordered, rules):
    assert alerts(cir_ordered, D(2024, 7, 30), rules) == [(CIR_OVERDUE, D(2024, 7, 29))]
    feed(
        cir_ordered, event("CirDueDateExtended", extended_on="2024-07-30", new_due_on="2024-08-30")
    )
    assert alerts(cir_ordered, D(2024, 8, 23), rules) == [(CIR_DUE_SOON, D(2024, 8, 30))]


def test_a_filed_or_concluded_case_raises_nothing(cir_ordered, rules):
    feed(cir_ordered, event("CirFiled", filed_on="2024-07-20"))
    assert alerts(cir_ordered, D(2024, 7, 30), rules) == []
