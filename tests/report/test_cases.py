"""Per-case rows hold only what was known on the as-of date."""

import datetime as dt

from services.core.case import CaseState
from services.core.rules import Rules
from services.evaluator.report.cases import CASE_COLUMNS, case_rows

D = dt.date


def a_case() -> CaseState:
    return CaseState(
        site="dorset", issued_on=D(2025, 3, 3), children=("C-1", "C-2"), harm_alleged=True,
        checks_on=D(2025, 3, 4), la_involved=False, abuse_indicated=True,
        ordered_on=D(2025, 3, 5), author_at_order="cafcass", author="local_authority",
        due_original=D(2025, 5, 2), extensions=[(D(2025, 4, 20), D(2025, 5, 30))],
        transfers=1, transfers_on=[(D(2025, 4, 10), "local_authority")],
        filed_on=D(2025, 5, 20), working_days_to_file=51, voice_included=True,
        seen={"C-1": D(2025, 3, 20), "C-2": D(2025, 5, 1)}, idva_referred=True,
        idva_response="accepted", idva_response_on=D(2025, 3, 12),
        hearings=[(D(2025, 6, 2), "other"), (D(2025, 7, 1), "decision")],
        concluded_on=D(2025, 7, 1), outcome="final_order",
    )  # fmt: skip


def row(rules: Rules, as_of: dt.date) -> dict:
    [found] = case_rows([("PF1-DOR-000001", a_case())], rules.sites, as_of, lambda t: f"<{t}>")
    assert set(found) == {name for name, _, _ in CASE_COLUMNS}
    return found


def test_the_whole_case_once_concluded(rules: Rules) -> None:
    found = row(rules, D(2025, 12, 31))
    assert found["case"] == "<PF1-DOR-000001>" and found["child_ids"] == ["<C-1>", "<C-2>"]
    assert (found["nation"], found["go_live"]) == ("england", "after")
    assert found["cir_author_at_filing"] == "local_authority" and found["transfers"] == 1
    assert (found["due_date_current"], found["extensions"]) == (D(2025, 5, 30), 1)
    assert (found["filed_within_40_working_days"], found["filed_by_due_date"]) == (False, True)
    assert (found["children_seen"], found["hearings"]) == (2, 2)
    assert (found["outcome"], found["final_order_date"]) == ("final_order", D(2025, 7, 1))
    assert found["duration_weeks"] == (D(2025, 7, 1) - D(2025, 3, 3)).days / 7


def test_nothing_later_than_the_as_of_date(rules: Rules) -> None:
    found = row(rules, D(2025, 4, 15))
    assert found["transfers"] == 1 and found["extensions"] == 0
    assert found["due_date_current"] == D(2025, 5, 2)
    assert found["filed_date"] is found["cir_author_at_filing"] is None
    assert found["working_days_to_file"] is found["filed_by_due_date"] is None
    assert found["children_seen"] == 1 and found["hearings"] == 0
    assert found["outcome"] is found["conclusion_date"] is found["duration_weeks"] is None
    before_the_order = row(rules, D(2025, 3, 4))
    assert before_the_order["gatekeeping_date"] is before_the_order["idva_referred"] is None
    assert before_the_order["checks_date"] == D(2025, 3, 4)
    assert list(case_rows([("X", a_case())], rules.sites, D(2025, 3, 2), str)) == []
