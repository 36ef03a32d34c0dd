"""The synthetic pilot: deterministic, faithful to the contract, valid case histories, and mess
(duplicates, late and out-of-order arrivals, bad lines) of the kinds the processor must handle."""

import datetime as dt
import gzip
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import TypeAdapter, ValidationError

from schemas.catalogue import BUSINESS_DATE_FIELD
from schemas.events import PathfinderEvent
from services.core.validation import Rejection, Validator
from services.reference.sites_file import load_sites
from services.simulator import (
    Line,
    Parameters,
    SimulationConfig,
    default_parameters,
    load_parameters,
    simulate,
    simulate_lines,
    write_log,
)
from services.simulator.parameters import DEFAULT_PATH
from services.simulator.planning import plan_cases

CONTRACT = TypeAdapter(PathfinderEvent)
REGISTRY = load_sites()
ALL_SITES = tuple(REGISTRY)
# West Yorkshire, the latest site, went live on 3 June 2025
START, END = dt.date(2025, 6, 3), dt.date(2025, 12, 31)
GOOD = {"event", "duplicate"}
LINE_LEVEL = {"malformed", "envelope", "unknown_type", "unknown_site", "invalid_data"}
CASE_LEVEL = {"conflict", "missing_prerequisite"}
NEEDS_GATEKEEPING = {
    "CirTransferred",
    "CirDueDateExtended",
    "CirFiled",
    "IdvaReferralAccepted",
    "IdvaReferralDeclined",
}
AT_MOST_ONCE = {"SafeguardingChecksCompleted", "GatekeepingDecisionMade", "CirFiled"}
Event = dict[str, Any]


def config(**overrides: Any) -> SimulationConfig:
    settings: dict[str, Any] = dict(cases=2_000, seed=11, sites=ALL_SITES, start=START, end=END)
    return SimulationConfig(**{**settings, **overrides})


@pytest.fixture(scope="module")
def messy() -> list[Line]:
    return list(simulate_lines(config(noise=0.1, duplicate_rate=0.05), REGISTRY))


@pytest.fixture(scope="module")
def clean() -> list[bytes]:
    return list(simulate(config(noise=0.0), REGISTRY))


def events_by_case(lines: list[Line]) -> dict[str, list[Event]]:
    cases: dict[str, list[Event]] = defaultdict(list)
    for line in lines:
        if line.kind == "event":
            event = orjson.loads(line.payload)
            cases[event["subject"]].append(event)
    return cases


def on(event: Event) -> dt.date:
    return dt.date.fromisoformat(event["data"][BUSINESS_DATE_FIELD[event["type"]]])


def history_problems(events: list[Event]) -> list[str]:
    """The rules a valid case history keeps, whatever order its events arrived in."""
    kinds: dict[str, list[Event]] = defaultdict(list)
    for event in sorted(events, key=on):
        kinds[event["type"]].append(event)
    if len(kinds["ApplicationIssued"]) != 1:
        return ["not exactly one ApplicationIssued"]
    issue = kinds["ApplicationIssued"][0]
    problems = [f"{t} more than once" for t in AT_MOST_ONCE if len(kinds[t]) > 1]
    problems += [f"{e['type']} before the issue" for e in events if on(e) < on(issue)]
    problems += gatekeeping_problems(kinds)
    problems += report_problems(kinds, {c["child_id"] for c in issue["data"]["children"]})
    problems += conclusion_problems(events, kinds)
    return problems


def gatekeeping_problems(kinds: dict[str, list[Event]]) -> list[str]:
    gatekeeping, checks = kinds["GatekeepingDecisionMade"], kinds["SafeguardingChecksCompleted"]
    if not gatekeeping:
        return [f"{t} without gatekeeping" for t in NEEDS_GATEKEEPING if kinds[t]]
    decided_on = on(gatekeeping[0])
    problems = [
        f"{t} before gatekeeping" for t in NEEDS_GATEKEEPING for e in kinds[t] if on(e) < decided_on
    ]
    if checks and decided_on < on(checks[0]):
        problems.append("gatekeeping before the safeguarding checks")
    stated = gatekeeping[0]["data"]
    if not checks and (stated.get("cir_author") is None or stated.get("idva_referral") is None):
        problems.append("gatekeeping derives from safeguarding checks the case does not have")
    answers = kinds["IdvaReferralAccepted"] + kinds["IdvaReferralDeclined"]
    if answers and not idva_referral(gatekeeping[0], kinds):
        problems.append("IDVA answer without a referral")
    if len(answers) > 1:
        problems.append("more than one IDVA answer")
    author = cir_author(gatekeeping[0], kinds)
    for transfer in kinds["CirTransferred"]:
        if transfer["data"]["to_author"] == author:
            problems.append("transfer to the current author")
        author = transfer["data"]["to_author"]
    # 40 working days plus the most bank holidays eight weeks can hold stay within nine weeks
    due_on = decided_on + dt.timedelta(weeks=9)
    for extension in kinds["CirDueDateExtended"]:
        new_due_on = dt.date.fromisoformat(extension["data"]["new_due_on"])
        if new_due_on <= due_on:
            problems.append("extension not later than the due date")
        due_on = new_due_on
    return problems


def report_problems(kinds: dict[str, list[Event]], children: set[str]) -> list[str]:
    problems = [
        f"{e['data']['child_id']} seen, not on the case"
        for e in kinds["ChildSeen"]
        if e["data"]["child_id"] not in children
    ]
    seen = Counter(e["data"]["child_id"] for e in kinds["ChildSeen"])
    return problems + [f"{child} seen twice" for child, times in seen.items() if times > 1]


def conclusion_problems(events: list[Event], kinds: dict[str, list[Event]]) -> list[str]:
    endings = kinds["FinalOrderMade"] + kinds["ApplicationWithdrawn"]
    if len(endings) > 1:
        return ["concluded more than once"]
    reviews = kinds["ReviewCompleted"]
    if not endings:
        return ["review of an open case"] if reviews else []
    ended_on = on(endings[0])
    problems = [
        f"{e['type']} after the conclusion"
        for e in events
        if e["type"] != "ReviewCompleted" and on(e) > ended_on
    ]
    if reviews and (not kinds["FinalOrderMade"] or on(reviews[0]) < ended_on):
        problems.append("review without a final order before it")
    return problems


def cir_author(gatekeeping: Event, kinds: dict[str, list[Event]]) -> str:
    stated = gatekeeping["data"].get("cir_author")
    checks = kinds["SafeguardingChecksCompleted"]
    if stated:
        return str(stated)
    if checks and checks[0]["data"]["la_involved_last_12_weeks"]:
        return "local_authority"
    return REGISTRY[gatekeeping["site"]].default_cir_author


def idva_referral(gatekeeping: Event, kinds: dict[str, list[Event]]) -> bool:
    stated = gatekeeping["data"].get("idva_referral")
    if stated is not None:
        return bool(stated)
    checks = kinds["SafeguardingChecksCompleted"]
    abuse = bool(checks) and checks[0]["data"]["domestic_abuse_indicated"]
    return bool(kinds["ApplicationIssued"][0]["data"]["harm_alleged"] or abuse)


def breaks_the_contract(payload: bytes) -> bool:
    try:
        event = CONTRACT.validate_json(payload)
    except ValidationError:
        return True
    return event.site not in REGISTRY


# determinism


def test_same_config_and_seed_give_identical_bytes() -> None:
    first = list(simulate(config(cases=300, noise=0.2), REGISTRY))
    assert first == list(simulate(config(cases=300, noise=0.2), REGISTRY))
    assert first != list(simulate(config(cases=300, noise=0.2, seed=12), REGISTRY))


def test_noise_leaves_the_good_lines_unchanged() -> None:
    noisy = simulate_lines(config(cases=300, noise=0.3), REGISTRY)
    assert [line.payload for line in noisy if line.kind in GOOD] == list(
        simulate(config(cases=300), REGISTRY)
    )


# the contract


def test_without_noise_every_line_keeps_the_contract(clean: list[bytes]) -> None:
    assert clean
    assert not [line for line in clean if breaks_the_contract(line)]


def test_every_good_line_keeps_the_contract(messy: list[Line]) -> None:
    assert not [line for line in messy if line.kind in GOOD and breaks_the_contract(line.payload)]


def test_every_line_level_bad_line_breaks_the_contract(messy: list[Line]) -> None:
    bad = [line for line in messy if line.kind in LINE_LEVEL]
    assert {line.kind for line in bad} == LINE_LEVEL
    assert all(breaks_the_contract(line.payload) for line in bad)


def test_noise_is_about_the_requested_share_of_lines(messy: list[Line]) -> None:
    noise = sum(line.kind not in GOOD for line in messy)
    assert 0.08 < noise / len(messy) < 0.12


def test_events_carry_pseudonymous_references_only(clean: list[bytes]) -> None:
    envelope = {"specversion", "id", "source", "type", "subject", "time", "site", "datacontenttype"}
    for event in map(orjson.loads, clean):
        assert event.keys() == envelope | {"data"}
        assert re.fullmatch(r"PF11-[A-Z]+-\d{6}", event["subject"])  # PF and the seed, 11
        child = event["data"].get("child_id", "C1")
        assert re.fullmatch(r"C\d+", child)


def test_logs_of_different_seeds_or_prefixes_share_no_case_reference(messy: list[Line]) -> None:
    def references(lines: Iterable[bytes]) -> set[str]:
        return {orjson.loads(line)["subject"] for line in lines}

    small = dict(cases=50, noise=0.0)
    seed_11 = references(line.payload for line in messy if line.kind == "event")
    seed_12 = references(simulate(config(seed=12, **small), REGISTRY))
    chosen = references(simulate(config(id_prefix="Trial2", **small), REGISTRY))
    assert seed_11 and seed_12 and chosen
    assert not seed_11 & seed_12 and not seed_11 & chosen
    assert all(reference.startswith("Trial2-") for reference in chosen)


def test_the_last_year_of_the_contracts_range_gives_only_events_it_accepts() -> None:
    # given cases issued through 2099, whose follow-up and extensions would run past its end
    last_year = config(cases=1_500, start=dt.date(2099, 1, 1), end=dt.date(2099, 12, 31))
    validate = Validator(REGISTRY)
    # then every event the simulator writes is valid under the contract
    refused = [
        line for line in simulate(last_year, REGISTRY) if isinstance(validate(line), Rejection)
    ]
    assert refused == []


@pytest.mark.parametrize(
    ("start", "end"), [(dt.date(1999, 12, 31), END), (START, dt.date(2100, 1, 1))]
)
def test_issue_dates_outside_the_contracts_range_are_refused(start: dt.date, end: dt.date) -> None:
    with pytest.raises(ValueError, match="the contract's range"):
        config(start=start, end=end)


@pytest.mark.parametrize("prefix", ["", "PF-1", "x" * 25, "PF 1", "PFé"])
def test_a_reference_prefix_is_letters_and_digits(prefix: str) -> None:
    with pytest.raises(ValueError, match="id prefix"):
        config(id_prefix=prefix)


def test_ids_are_unique_apart_from_duplicates(messy: list[Line]) -> None:
    ids = Counter(orjson.loads(line.payload)["id"] for line in messy if line.kind == "event")
    assert ids.most_common(1)[0][1] == 1


# case histories


def test_every_case_history_keeps_the_rules(messy: list[Line]) -> None:
    problems = {case: history_problems(events) for case, events in events_by_case(messy).items()}
    assert {case: found for case, found in problems.items() if found} == {}


def test_the_history_checker_catches_broken_histories(messy: list[Line]) -> None:
    histories = events_by_case(messy).values()
    events = next(h for h in histories if {"CirFiled", "FinalOrderMade"} <= {e["type"] for e in h})
    final_order = next(event for event in events if event["type"] == "FinalOrderMade")
    assert history_problems(events) == []
    assert history_problems([e for e in events if e["type"] != "GatekeepingDecisionMade"])
    assert history_problems([*events, {**final_order, "id": "another"}])


def test_case_level_noise_breaks_the_rules(messy: list[Line]) -> None:
    cases = events_by_case(messy)
    bad = [orjson.loads(line.payload) for line in messy if line.kind in CASE_LEVEL]
    assert {"ApplicationIssued", "ChildSeen", "HearingHeld"} <= {event["type"] for event in bad}
    for event in bad:
        history = cases.get(event["subject"])
        assert history is None or history_problems([*history, event])


def test_some_cases_are_still_open_when_the_log_ends(clean: list[bytes]) -> None:
    endings = {"FinalOrderMade", "ApplicationWithdrawn"}
    ended = {e["subject"] for e in map(orjson.loads, clean) if e["type"] in endings}
    assert 0.5 < len(ended) / 2_000 < 0.95


def test_issue_dates_fall_on_working_days(clean: list[bytes]) -> None:
    issues = [e for e in map(orjson.loads, clean) if e["type"] == "ApplicationIssued"]
    weekend = sum(on(issue).weekday() >= 5 for issue in issues)
    assert weekend / len(issues) < 0.03


def test_local_authorities_write_a_plausible_share_of_reports(messy: list[Line]) -> None:
    # the BRIEF: up to 25% of CIRs are ordered to local authorities
    authors = []
    for events in events_by_case(messy).values():
        kinds = defaultdict(list)
        for event in events:
            kinds[event["type"]].append(event)
        if kinds["GatekeepingDecisionMade"]:
            authors.append(cir_author(kinds["GatekeepingDecisionMade"][0], kinds))
    assert 0.12 < authors.count("local_authority") / len(authors) <= 0.25


def test_durations_average_near_the_published_figures() -> None:
    # a long follow-up so that no case is cut off before it concludes
    p = default_parameters()
    long_follow_up = p.follow_up_days.model_copy(update={"value": 3_000})
    p = p.model_copy(update={"follow_up_days": long_follow_up})
    weeks: dict[str, list[float]] = defaultdict(list)
    for events in events_by_case(list(simulate_lines(config(cases=4_000), REGISTRY, p))).values():
        issued = min(map(on, events))
        ending = [e for e in events if e["type"] in ("FinalOrderMade", "ApplicationWithdrawn")]
        weeks[events[0]["site"]].append((on(ending[0]) - issued).days / 7)
    published = {"north-wales": 18, "dorset": 27, "south-east-wales": 12, "birmingham": 23}
    for site, target in published.items():
        assert statistics.mean(weeks[site]) == pytest.approx(target, rel=0.1)


# arrival


def test_duplicates_repeat_an_earlier_line_byte_for_byte(messy: list[Line]) -> None:
    earlier: set[bytes] = set()
    duplicates = 0
    for line in messy:
        if line.kind == "duplicate":
            duplicates += 1
            assert line.payload in earlier
        earlier.add(line.payload)
    assert duplicates > 0


def test_first_publications_arrive_in_the_order_of_their_time(messy: list[Line]) -> None:
    firsts = [orjson.loads(line.payload) for line in messy if line.kind == "event"]
    times = [dt.datetime.fromisoformat(event["time"]) for event in firsts]
    assert times == sorted(times)


def test_some_events_arrive_before_what_they_depend_on(messy: list[Line]) -> None:
    early = 0
    for events in events_by_case(messy).values():  # each case's events in arrival order
        arrived = [event["type"] for event in events]
        if "GatekeepingDecisionMade" in arrived:
            gatekeeping_at = arrived.index("GatekeepingDecisionMade")
            early += any(t in NEEDS_GATEKEEPING for t in arrived[:gatekeeping_at])
    assert early > 0


# configuration and output


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cases": 0}, "cases must be at least 1"),
        ({"noise": 1.0}, "noise must be in"),
        ({"noise": -0.1}, "noise must be in"),
        ({"duplicate_rate": 1.5}, "duplicate_rate must be in"),
        ({"start": END, "end": START}, "is after end"),
        ({"sites": ()}, "at least one site"),
        ({"sites": ("dorset", "dorset")}, "each once"),
    ],
)
def test_a_bad_config_is_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        config(**overrides)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sites": ("dorset", "Dorset")}, "unknown site"),
        (
            {
                "sites": ("west-yorkshire",),
                "start": dt.date(2024, 1, 1),
                "end": dt.date(2024, 12, 31),
            },
            "not yet live",
        ),
    ],
)
def test_sites_must_be_registered_and_live(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        simulate(config(**overrides), REGISTRY)


def test_sites_share_cases_by_volume() -> None:
    plans = plan_cases(config(cases=10_000), REGISTRY, default_parameters())
    sites = Counter(plan.site.code for plan, _ in plans)
    assert sum(sites.values()) == 10_000
    assert abs(sites["birmingham"] - sites["west-yorkshire"]) <= 1  # the same assumed volume
    assert sites["birmingham"] > sites["south-east-wales"] > sites["north-wales"] > sites["dorset"]


def test_write_log_gzips_the_same_lines_reproducibly(tmp_path: Path) -> None:
    run = config(cases=200, noise=0.1)
    first, second = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    summary = write_log(first, run, REGISTRY)
    write_log(second, run, REGISTRY)
    assert first.read_bytes() == second.read_bytes()
    lines = gzip.decompress(first.read_bytes()).splitlines()
    assert lines == list(simulate(run, REGISTRY))
    assert summary.lines == len(lines) == summary.events + summary.duplicates + summary.noise_lines
    assert summary.cases == 200


def test_write_log_writes_plain_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    summary = write_log(path, config(cases=50), REGISTRY)
    assert path.read_bytes().splitlines() == list(simulate(config(cases=50), REGISTRY))
    assert summary.noise_lines == 0


# parameters


def test_every_parameter_cites_its_source() -> None:
    raw = orjson.loads(DEFAULT_PATH.read_bytes())
    entries = {name: entry for name, entry in raw.items() if name != "description"}
    assert entries.keys() == Parameters.model_fields.keys() - {"description"}
    assert all(
        "BRIEF" in entry["source"] or "ASSUMPTION" in entry["source"] for entry in entries.values()
    )


def test_the_sources_are_documented_inside_the_project() -> None:
    # the parameters' "BRIEF" is docs/sources.md, which holds the figures they cite
    text = DEFAULT_PATH.read_text()
    assert "docs/sources.md" in orjson.loads(text)["description"]
    assert "/work/" not in text and "../" not in text
    sources = (Path(__file__).resolve().parents[2] / "docs" / "sources.md").read_text()
    for figure in ("25%", "810 families", "| Dorset | 38 | 27 |", "58.9%", "about 80%"):
        assert figure in sources


def test_unusable_parameters_are_refused(tmp_path: Path) -> None:
    raw = orjson.loads(DEFAULT_PATH.read_bytes())
    raw["harm_alleged_share"]["value"] = 1.5
    path = tmp_path / "parameters.json"
    path.write_bytes(orjson.dumps(raw))
    with pytest.raises(ValueError, match="harm_alleged_share"):
        load_parameters(path)
