"""The figures kept standing equal the full projection's, family for family, at every step.

A random run of facts (newer, older and repeated versions of cases on several partitions),
partitions revoked and assigned, and the business date moving (a day, a jump across months, now
and then back), is fed to the kept figures as the reporting worker feeds them; after every step
their families must equal, value for value, those `PilotCollector` computes afresh from the same
held facts of the owned partitions as of the same date.
"""

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.core.case import CaseState
from services.core.rules import Rules, cir_due_date
from services.core.standing import StandingFigures
from services.reporting.collector import PilotCollector, StandingCollector

SITES = ["dorset", "birmingham", "west-yorkshire", "north-wales", "south-east-wales"]
START = dt.date(2024, 1, 1)
PARTITIONS = 4
AUTHORS = ["cafcass", "cafcass_cymru", "local_authority"]


def day(draw: Any, earliest: dt.date, most: int) -> dt.date:
    return earliest + dt.timedelta(days=draw(st.integers(0, most)))


@st.composite
def case_states(draw: Any, rules: Rules) -> CaseState:
    """A case as gatekeeping could hold it (dates in any order a lagging clock lets through)."""
    issued = day(draw, START, 500)
    children = tuple(f"C{n}" for n in range(draw(st.integers(0, 3))))
    site = draw(st.sampled_from([*SITES, None]))
    case = CaseState(site=site, issued_on=issued, children=children)
    if draw(st.integers(0, 9)) == 0:
        case.issued_on = None  # facts of a case whose issue never arrived
    if draw(st.booleans()):
        ordered = day(draw, issued, 40)
        case.ordered_on = ordered
        case.author_at_order = case.author = draw(st.sampled_from(AUTHORS))
        case.due_original = cir_due_date(ordered, rules.calendar)
        for _ in range(draw(st.integers(0, 2))):
            made = day(draw, ordered, 90)
            case.extensions.append((made, day(draw, made - dt.timedelta(days=10), 60)))
        if draw(st.booleans()):
            filed = day(draw, ordered, 120)
            case.filed_on = filed
            case.working_days_to_file = rules.calendar.working_days_between(ordered, filed)
        for child in draw(st.lists(st.sampled_from(children), max_size=3)) if children else ():
            case.seen[child] = day(draw, ordered, 80)
        case.idva_referred = draw(st.sampled_from([None, True, False]))
        if case.idva_referred and draw(st.booleans()):
            case.idva_response = draw(st.sampled_from(["accepted", "declined"]))
            case.idva_response_on = day(draw, ordered, 30)
    for _ in range(draw(st.integers(0, 3))):
        case.hearings.append((day(draw, issued, 300), "decision"))
    if draw(st.booleans()):
        case.concluded_on = day(draw, issued, 900)
        case.outcome = "final_order"
    return case


def operations(rules: Rules) -> st.SearchStrategy[tuple[Any, ...]]:
    keys = st.integers(0, 11)
    return st.one_of(
        st.tuples(st.just("facts"), keys, st.integers(1, 6), case_states(rules)),
        st.tuples(st.just("revoke"), st.sets(st.integers(0, PARTITIONS - 1), max_size=2)),
        st.tuples(st.just("assign"), st.sets(st.integers(0, PARTITIONS - 1), max_size=3)),
        st.tuples(st.just("move"), st.integers(-3, 12)),
        st.tuples(st.just("move"), st.integers(-60, 900)),
    )


def samples(families: Any) -> tuple[list[tuple[str, str, str]], dict[tuple[Any, ...], float]]:
    """The families in order (name, type, help), and every sample's value by name and labels."""
    order, values = [], {}
    for family in families:
        order.append((family.name, family.type, family.documentation))
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return order, values


class Reporting:
    """The worker's bookkeeping, without faust: held facts, owned partitions, kept figures."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.held: dict[bytes, tuple[int, int, CaseState]] = {}  # key -> partition, version, state
        self.owned = set(range(PARTITIONS))
        self.as_of = START
        self.kept = StandingFigures(rules.sites, rules.calendar)

    def facts(self, number: int, version: int, state: CaseState) -> None:
        key, partition = f"PF-{number:06d}".encode(), number % PARTITIONS
        if partition not in self.owned:
            return  # only an owner is given a partition's messages
        held = self.held.get(key)
        if held is None or held[1] < version:
            self.kept.replace(partition, key, held[2] if held else None, state)
            self.held[key] = (partition, version, state)

    def build_missing(self) -> None:
        for partition in self.kept.missing(self.owned):
            built = self.kept.new_partition()
            for key, (held_partition, _, state) in self.held.items():
                if held_partition == partition:
                    built.replace(key, None, state)
            self.kept.install(partition, built)

    def standing(self) -> StandingCollector:
        self.build_missing()
        return StandingCollector(lambda as_of: self.kept.served(self.owned, as_of), self.as_of_)

    def full(self) -> PilotCollector:
        states = [state for p, _, state in self.held.values() if p in self.owned]
        return PilotCollector(lambda: states, self.rules.sites, self.as_of_, self.rules.calendar)

    def as_of_(self) -> dt.date:
        return self.as_of


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_kept_figures_equal_the_full_projection_at_every_step(rules, data):
    reporting = Reporting(rules)
    steps = data.draw(st.lists(operations(rules), min_size=1, max_size=25))
    for step in steps:
        if step[0] == "facts":
            reporting.facts(*step[1:])
        elif step[0] == "revoke":
            reporting.owned -= step[1]
            reporting.kept.forget(step[1])
        elif step[0] == "assign":
            reporting.owned |= step[1]
        else:
            reporting.as_of += dt.timedelta(days=step[1])
        assert samples(reporting.standing().collect()) == samples(reporting.full().collect())


def test_a_case_counts_from_the_dates_it_names_not_from_when_its_facts_came(rules):
    # given a case decided on 3 June 2024 whose facts arrive while the clock is at 1 May
    reporting = Reporting(rules)
    reporting.as_of = dt.date(2024, 5, 1)
    case = CaseState(site="dorset", issued_on=dt.date(2024, 5, 20), children=("C1",))
    case.ordered_on, case.author_at_order = dt.date(2024, 6, 3), "cafcass"
    case.due_original = cir_due_date(case.ordered_on, rules.calendar)
    reporting.facts(1, 1, case)
    # when the clock passes its issue, its order, its due date and 100 weeks
    for as_of in ("2024-05-01", "2024-05-20", "2024-06-03", "2024-07-25", "2026-04-20"):
        reporting.as_of = dt.date.fromisoformat(as_of)
        # then the kept figures are the full projection's each time
        assert samples(reporting.standing().collect()) == samples(reporting.full().collect())
