"""The replay result depends on the events, not on their arrival order or on duplicates."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from services.core.fold import ReplayFold
from tests.builders import event, line

SITES = ["dorset", "birmingham", "west-yorkshire", "north-wales", "south-east-wales"]
START = dt.date(2024, 1, 1)


def iso(day: dt.date) -> str:
    return day.isoformat()


@st.composite
def case_histories(draw, number: int) -> list[dict]:
    """One valid case: every event dated on or after the events it needs."""
    at = {"subject": f"PF-{number:06d}", "site": draw(st.sampled_from(SITES))}
    day = START + dt.timedelta(days=draw(st.integers(0, 400)))

    def later(max_days: int = 60) -> dt.date:
        return day + dt.timedelta(days=draw(st.integers(0, max_days)))

    children = [f"C{i}" for i in range(1, draw(st.integers(1, 3)) + 1)]
    harm = draw(st.booleans())
    events = [
        event(
            "ApplicationIssued",
            **at,
            issued_on=iso(day),
            children=[{"child_id": c} for c in children],
            harm_alleged=harm,
        )
    ]
    if draw(st.booleans()):
        day = later(5)
        events.append(
            event(
                "SafeguardingChecksCompleted",
                **at,
                completed_on=iso(day),
                la_involved_last_12_weeks=draw(st.booleans()),
                domestic_abuse_indicated=draw(st.booleans()),
            )
        )
        author = draw(st.sampled_from([None, "cafcass", "cafcass_cymru", "local_authority"]))
        referral = draw(st.sampled_from([None, True, False]))
    else:  # without checks, the decision must name both author and referral
        author = draw(st.sampled_from(["cafcass", "local_authority"]))
        referral = draw(st.booleans())
    for child in draw(st.lists(st.sampled_from(children), max_size=3)):
        events.append(event("ChildSeen", **at, child_id=child, seen_on=iso(later(80))))
    for _ in range(draw(st.integers(0, 2))):
        events.append(event("HearingHeld", **at, held_on=iso(later(200))))
    if draw(st.booleans()):
        ordered = day = later(10)
        events.append(
            event(
                "GatekeepingDecisionMade",
                **at,
                decided_on=iso(day),
                cir_author=author,
                idva_referral=referral,
            )
        )
        for _ in range(draw(st.integers(0, 2))):
            extended = later(70)
            new_due = extended + dt.timedelta(days=draw(st.integers(1, 40)))
            events.append(
                event(
                    "CirDueDateExtended", **at, extended_on=iso(extended), new_due_on=iso(new_due)
                )
            )
        if draw(st.booleans()):
            events.append(event("CirTransferred", **at, transferred_on=iso(later(30))))
        if draw(st.booleans()):
            day = later(90)
            events.append(event("CirFiled", **at, filed_on=iso(day)))
        referred = referral if referral is not None else None
        if referred and draw(st.booleans()):
            kind = draw(st.sampled_from(["IdvaReferralAccepted", "IdvaReferralDeclined"]))
            field = "accepted_on" if kind == "IdvaReferralAccepted" else "declined_on"
            events.append(event(kind, **at, **{field: iso(ordered + dt.timedelta(days=3))}))
    if draw(st.booleans()):
        kind = draw(st.sampled_from(["FinalOrderMade", "ApplicationWithdrawn"]))
        field = "made_on" if kind == "FinalOrderMade" else "withdrawn_on"
        events.append(event(kind, **at, **{field: iso(later(120))}))
    return events


@st.composite
def logs_in_two_orders(draw):
    """A log of a few cases, plus the same events shuffled with some published twice."""
    cases = [draw(case_histories(number)) for number in range(draw(st.integers(1, 4)))]
    in_order = [line(e) for history in cases for e in history]
    copies = draw(st.lists(st.sampled_from(in_order), max_size=5))
    shuffled = draw(st.permutations(in_order + copies))
    return in_order, shuffled, len(copies)


def replay(rules, lines) -> ReplayFold:
    fold = ReplayFold(rules)
    for number, raw in enumerate(lines, 1):
        fold.ingest(raw, number)
    fold.finish()
    return fold


@settings(max_examples=400, deadline=None)
@given(logs_in_two_orders(), st.lists(st.integers(0, 700), min_size=1, max_size=3))
def test_arrival_order_and_duplicates_do_not_change_the_result(rules, logs, as_of_offsets):
    # given the same events in causal order, and shuffled with duplicates
    in_order, shuffled, copies = logs
    # when both are replayed
    expected_fold, actual_fold = replay(rules, in_order), replay(rules, shuffled)
    # then the figures agree on any as-of date
    for offset in as_of_offsets:
        as_of = START + dt.timedelta(days=offset)
        assert actual_fold.result(as_of).sites == expected_fold.result(as_of).sites
    # and so do the counts: copies counted as duplicates, nothing rejected
    expected, actual = expected_fold.result(), actual_fold.result()
    assert actual.sites == expected.sites
    assert actual.as_of == expected.as_of
    assert (actual.accepted, actual.rejected) == (expected.accepted, expected.rejected)
    assert actual.accepted == len(in_order) and sum(expected.rejected.values()) == 0
    assert (expected.duplicates, actual.duplicates) == (0, copies)
