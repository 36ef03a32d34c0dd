"""The pilot metrics: per-site figures as of a date, projected from case states.

A case contributes to a `Tally` (numerators and denominators); figures are derived from tallies,
so sites can be summed into `all` (and live workers summed in Prometheus) before dividing.
"""

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from services.core.case import CaseState
from services.core.rules import LOCAL_AUTHORITY, duration_weeks

ALL_SITES = "all"
DAYS_52_WEEKS = 364
DAYS_100_WEEKS = 700
WEEKS_26 = 26


@dataclass(slots=True)
class Tally:
    """Counts behind the figures of one site (or of several sites added together)."""

    applications: int = 0
    children: int = 0
    open_cases: int = 0
    open_over_52_weeks: int = 0
    open_over_100_weeks: int = 0
    cir_ordered: int = 0
    cir_ordered_la: int = 0
    cir_filed: int = 0
    cir_filed_within_40_working_days: int = 0
    cir_filed_by_due_date: int = 0
    cir_working_days_to_file: int = 0
    cir_extended: int = 0
    cir_overdue: int = 0
    children_on_cir_cases: int = 0
    children_seen: int = 0
    idva_referrals: int = 0
    idva_accepted: int = 0
    concluded: int = 0
    concluded_within_26_weeks: int = 0
    hearings_on_concluded: int = 0
    durations_weeks: list[float] = field(default_factory=list)

    def add(self, other: "Tally") -> None:
        """Add another tally's counts to this one."""
        for name in _COUNT_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.durations_weeks.extend(other.durations_weeks)


_COUNT_FIELDS = tuple(f.name for f in fields(Tally) if f.name != "durations_weeks")


def current_due_date(case: CaseState, as_of: dt.date) -> dt.date | None:
    """The CIR's due date as of a date: the latest extension made by then, else the original."""
    made = [extension for extension in case.extensions if extension[0] <= as_of]
    return max(made)[1] if made else case.due_original


def concluded_by(case: CaseState, as_of: dt.date) -> bool:
    """Whether the case had concluded (final order or withdrawal) by the date."""
    return case.concluded_on is not None and case.concluded_on <= as_of


def count_case(tally: Tally, case: CaseState, as_of: dt.date) -> None:
    """Add one case, as it stood on `as_of`, to a tally."""
    if case.issued_on is None or case.issued_on > as_of:
        return
    tally.applications += 1
    tally.children += len(case.children)
    if concluded_by(case, as_of):
        count_conclusion(tally, case, as_of)
    else:
        _count_open(tally, case, as_of)
    if case.ordered_on is not None and case.ordered_on <= as_of:
        _count_cir(tally, case, as_of)


def _count_open(tally: Tally, case: CaseState, as_of: dt.date) -> None:
    assert case.issued_on is not None
    tally.open_cases += 1
    age = (as_of - case.issued_on).days
    tally.open_over_52_weeks += age >= DAYS_52_WEEKS
    tally.open_over_100_weeks += age >= DAYS_100_WEEKS


def count_conclusion(tally: Tally, case: CaseState, as_of: dt.date) -> None:
    """A case concluded by `as_of`: its duration and the hearings held by then."""
    assert case.issued_on is not None and case.concluded_on is not None
    weeks = duration_weeks(case.issued_on, case.concluded_on)
    tally.concluded += 1
    tally.durations_weeks.append(weeks)
    tally.concluded_within_26_weeks += weeks <= WEEKS_26
    tally.hearings_on_concluded += sum(1 for held_on, _ in case.hearings if held_on <= as_of)


def _count_cir(tally: Tally, case: CaseState, as_of: dt.date) -> None:
    count_order(tally, case, as_of)
    if case.filed_on is not None and case.filed_on <= as_of:
        count_filing(tally, case, as_of)
    else:
        due = current_due_date(case, as_of)
        assert due is not None
        tally.cir_overdue += due < as_of and not concluded_by(case, as_of)


def count_order(tally: Tally, case: CaseState, as_of: dt.date) -> None:
    """A CIR ordered by `as_of`, with what was known of it then (extensions, children seen,
    IDVA answers)."""
    tally.cir_ordered += 1
    tally.cir_ordered_la += case.author_at_order == LOCAL_AUTHORITY
    tally.cir_extended += any(extended_on <= as_of for extended_on, _ in case.extensions)
    tally.children_on_cir_cases += len(case.children)
    tally.children_seen += sum(1 for seen_on in case.seen.values() if seen_on <= as_of)
    if case.idva_referred:
        tally.idva_referrals += 1
        accepted = case.idva_response == "accepted"
        tally.idva_accepted += accepted and case.idva_response_on <= as_of  # type: ignore[operator]


def count_filing(tally: Tally, case: CaseState, as_of: dt.date) -> None:
    """A CIR filed by `as_of`: on time against the original and the then-current due date."""
    due = current_due_date(case, as_of)
    assert case.filed_on is not None and due is not None and case.due_original is not None
    tally.cir_filed += 1
    tally.cir_filed_within_40_working_days += case.filed_on <= case.due_original
    tally.cir_filed_by_due_date += case.filed_on <= due
    tally.cir_working_days_to_file += case.working_days_to_file or 0


def tally_sites(
    cases: Iterable[CaseState], site_codes: Iterable[str], as_of: dt.date
) -> dict[str, Tally]:
    """A tally per registered site and one for all sites together."""
    tallies = {code: Tally() for code in site_codes}
    for case in cases:
        if case.site is not None:
            count_case(tallies[case.site], case, as_of)
    everything = Tally()
    for tally in tallies.values():
        everything.add(tally)
    tallies[ALL_SITES] = everything
    return tallies


def _share(numerator: float, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


# Each share and the tally counts it divides, named `<share>_numerator` and `<share>_denominator`
# beside the share in the figures, as on /metrics.
SHARES = {
    "cir_ordered_la_share": ("cir_ordered_la", "cir_ordered"),
    "cir_filed_within_40_working_days_share": ("cir_filed_within_40_working_days", "cir_filed"),
    "cir_filed_by_due_date_share": ("cir_filed_by_due_date", "cir_filed"),
    "cir_extended_share": ("cir_extended", "cir_ordered"),
    "children_seen_share": ("children_seen", "children_on_cir_cases"),
    "idva_accepted_share": ("idva_accepted", "idva_referrals"),
    "concluded_within_26_weeks_share": ("concluded_within_26_weeks", "concluded"),
}
SHARE_PARTS = ("numerator", "denominator")


def figures(tally: Tally) -> dict[str, Any]:
    """The contract's metric keys, in the contract's order, from a tally; each share followed by
    its numerator and denominator."""
    document: dict[str, Any] = {}
    for key, value in _figures(tally).items():
        document[key] = value
        for part, count in zip(SHARE_PARTS, SHARES.get(key, ()), strict=False):
            document[f"{key}_{part}"] = getattr(tally, count)
    return document


def _figures(tally: Tally) -> dict[str, Any]:
    durations = tally.durations_weeks
    return {
        "applications": tally.applications,
        "children": tally.children,
        "open_cases": tally.open_cases,
        "open_over_52_weeks": tally.open_over_52_weeks,
        "open_over_100_weeks": tally.open_over_100_weeks,
        "cir_ordered": tally.cir_ordered,
        "cir_ordered_la_share": _share(tally.cir_ordered_la, tally.cir_ordered),
        "cir_filed": tally.cir_filed,
        "cir_filed_within_40_working_days_share": _share(
            tally.cir_filed_within_40_working_days, tally.cir_filed
        ),
        "cir_filed_by_due_date_share": _share(tally.cir_filed_by_due_date, tally.cir_filed),
        "cir_mean_working_days_to_file": _share(tally.cir_working_days_to_file, tally.cir_filed),
        "cir_extended_share": _share(tally.cir_extended, tally.cir_ordered),
        "cir_overdue": tally.cir_overdue,
        "children_seen_share": _share(tally.children_seen, tally.children_on_cir_cases),
        "idva_referrals": tally.idva_referrals,
        "idva_accepted_share": _share(tally.idva_accepted, tally.idva_referrals),
        "concluded": tally.concluded,
        "mean_duration_weeks": statistics.fmean(durations) if durations else None,
        "median_duration_weeks": statistics.median(durations) if durations else None,
        "concluded_within_26_weeks_share": _share(tally.concluded_within_26_weeks, tally.concluded),
        "hearings_per_concluded_case": _share(tally.hearings_on_concluded, tally.concluded),
    }


def site_figures(tallies: Mapping[str, Tally]) -> dict[str, dict[str, Any]]:
    """Figures for every tallied site, `all` last."""
    return {site: figures(tally) for site, tally in tallies.items()}


def nation_figures(
    tallies: Mapping[str, Tally], nation_of: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """Figures per nation (every nation with a registered site), its sites' tallies added."""
    nations: dict[str, Tally] = {nation: Tally() for nation in sorted(set(nation_of.values()))}
    for site, tally in tallies.items():
        if site in nation_of:
            nations[nation_of[site]].add(tally)
    return {nation: figures(tally) for nation, tally in nations.items()}
