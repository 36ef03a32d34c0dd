"""A synthetic pilot's event log: every case's events in arrival order, plus duplicates and noise.

`simulate` yields the lines; `write_log` writes them to a file, gzipped when the name ends in .gz.
Cases are generated in issue order and merged through a heap, so memory holds only the events
of cases still running, never the whole log.
"""

import datetime as dt
import gzip
import heapq
import io
import itertools
import math
import random
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, NamedTuple

import orjson

from schemas.catalogue import BUSINESS_DATE_FIELD
from services.core.sites import SiteRegistry
from services.simulator.cases import (
    COURT,
    MS_PER_HOUR,
    CasePlan,
    GeneratedEvent,
    case_reference,
    generate_case,
    source_of,
    utc_midnight_ms,
)
from services.simulator.parameters import Parameters, SimulationConfig, default_parameters

EVENT, DUPLICATE = "event", "duplicate"
# The processor's rejection reasons, which label the noise lines.
MALFORMED, ENVELOPE, UNKNOWN_TYPE = "malformed", "envelope", "unknown_type"
UNKNOWN_SITE, INVALID_DATA = "unknown_site", "invalid_data"
CONFLICT, MISSING_PREREQUISITE = "conflict", "missing_prerequisite"


class Line(NamedTuple):
    kind: str  # EVENT, DUPLICATE, or for noise the rejection reason the processor should give
    payload: bytes


@dataclass(frozen=True)
class SimulationSummary:
    cases: int
    events: int
    duplicates: int
    noise_lines: int
    lines: int


def simulate(
    config: SimulationConfig, registry: SiteRegistry, parameters: Parameters | None = None
) -> Iterator[bytes]:
    """The log's lines, without trailing newlines, in arrival order."""
    return (line.payload for line in simulate_lines(config, registry, parameters))


def simulate_lines(
    config: SimulationConfig, registry: SiteRegistry, parameters: Parameters | None = None
) -> Iterator[Line]:
    """The log's lines labelled with what they are, in arrival order."""
    p = parameters or default_parameters()
    plans = plan_cases(config, registry, p)  # raises on a bad config before iteration starts
    return _arrivals(plans, config, _Noise(registry, len(plans) + 1), p)


def write_log(
    path: Path,
    config: SimulationConfig,
    registry: SiteRegistry,
    parameters: Parameters | None = None,
) -> SimulationSummary:
    """Write the log to `path` (gzip when it ends in .gz) and count what went into it."""
    kinds: Counter[str] = Counter()
    lines = simulate_lines(config, registry, parameters)
    with _opened(Path(path)) as out:
        for line in lines:
            kinds[line.kind] += 1
            out.write(line.payload + b"\n")
    lines_written = sum(kinds.values())
    return SimulationSummary(
        cases=config.cases,
        events=kinds[EVENT],
        duplicates=kinds[DUPLICATE],
        noise_lines=lines_written - kinds[EVENT] - kinds[DUPLICATE],
        lines=lines_written,
    )


@contextmanager
def _opened(path: Path) -> Iterator[IO[bytes]]:
    with path.open("wb") as raw:
        if path.suffix != ".gz":
            yield raw
            return
        # no file name or time in the gzip header, so the same run gives the same bytes
        with (
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as zipped,
            io.BufferedWriter(zipped, buffer_size=1 << 20) as buffered,
        ):
            yield buffered


def plan_cases(
    config: SimulationConfig, registry: SiteRegistry, p: Parameters
) -> list[tuple[CasePlan, int]]:
    """Every case with its own seed, numbered in issue order; sites share cases by volume."""
    rng = random.Random(config.seed)
    windows = _issue_windows(config, registry)
    volumes = [
        p.families_per_year.for_site(code) * ((last - first).days + 1)
        for code, (first, last) in windows.items()
    ]
    drafts = []
    for (code, (first, last)), count in zip(
        windows.items(), _apportion(config.cases, volumes), strict=True
    ):
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        weekdays = [day for day in days if day.weekday() < 5] or days
        for _ in range(count):
            pool = weekdays if p.weekday_issue_share.happens(rng) else days
            drafts.append((rng.choice(pool), code, rng.getrandbits(64)))
    drafts.sort(key=itemgetter(0))
    return [
        (CasePlan(number, registry[code], issued_on), seed)
        for number, (issued_on, code, seed) in enumerate(drafts, start=1)
    ]


def _issue_windows(
    config: SimulationConfig, registry: SiteRegistry
) -> dict[str, tuple[dt.date, dt.date]]:
    unknown = [code for code in config.sites if code not in registry]
    if unknown:
        known = ", ".join(sorted(registry))
        raise ValueError(f"unknown site(s) {', '.join(unknown)}; the registry has {known}")
    not_live = [registry[code] for code in config.sites if registry[code].go_live > config.end]
    if not_live:
        named = ", ".join(f"{site.code} (go-live {site.go_live})" for site in not_live)
        raise ValueError(f"site(s) not yet live by the end date {config.end}: {named}")
    return {code: (max(config.start, registry[code].go_live), config.end) for code in config.sites}


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights`, largest remainders first."""
    shares = [total * weight / sum(weights) for weight in weights]
    counts = [int(share) for share in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: counts[i] - shares[i])
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _arrivals(
    plans: list[tuple[CasePlan, int]], config: SimulationConfig, noise: "_Noise", p: Parameters
) -> Iterator[Line]:
    until = config.end + dt.timedelta(days=p.follow_up_days.value)
    pending: list[tuple[int, int, Line]] = []
    order = itertools.count()
    for plan, seed in plans:
        # nothing about a case is recorded before its issue date, so what arrived earlier is final
        yield from _released(pending, before_ms=utc_midnight_ms(plan.issued_on))
        rng = random.Random(seed)
        events = generate_case(plan, rng, p, until)
        for arrival_ms, line in _case_lines(events, rng, config, p, noise):
            heapq.heappush(pending, (arrival_ms, next(order), line))
    yield from _released(pending, before_ms=math.inf)


def _released(pending: list[tuple[int, int, Line]], before_ms: float) -> Iterator[Line]:
    while pending and pending[0][0] < before_ms:
        yield heapq.heappop(pending)[2]


def _case_lines(
    events: list[GeneratedEvent],
    rng: random.Random,
    config: SimulationConfig,
    p: Parameters,
    noise: "_Noise",
) -> list[tuple[int, Line]]:
    lines = []
    for event in events:
        payload = _dumps(event.envelope)
        lines.append((event.arrival_ms, Line(EVENT, payload)))
        if rng.random() < config.duplicate_rate:
            redelivered_ms = event.arrival_ms + p.duplicate_delay_hours.value.draw_ms(rng)
            lines.append((redelivered_ms, Line(DUPLICATE, payload)))
    if config.noise:
        # bad lines per event, so that they make up `noise` of all lines, duplicates included
        per_event = config.noise / (1 - config.noise) * (1 + config.duplicate_rate)
        lines += _noise_lines(events, rng, per_event, noise)
    return lines


def _dumps(value: object) -> bytes:
    # orjson's output keeps its 4 KiB buffer; a copy holds just the line while it waits
    return bytes(memoryview(orjson.dumps(value)))


def _noise_lines(
    events: list[GeneratedEvent], rng: random.Random, per_event: float, noise: "_Noise"
) -> list[tuple[int, Line]]:
    whole, fraction = divmod(per_event, 1)
    issue = next(event for event in events if event.envelope["type"] == "ApplicationIssued")
    return [
        noise.bad_line(event, issue, rng)
        for event in events
        for _ in range(int(whole) + (rng.random() < fraction))
    ]


Envelope = dict[str, Any]
Spoiler = Callable[[Envelope, "_Noise"], Envelope | bytes]
_SPOILERS: list[tuple[str, Spoiler]] = []


class _Noise:
    """Bad lines of every kind the processor rejects, each made from one of a case's events."""

    def __init__(self, registry: SiteRegistry, first_orphan_number: int) -> None:
        self.registry = registry
        self.orphan_numbers = itertools.count(first_orphan_number)

    def bad_line(
        self, event: GeneratedEvent, issue: GeneratedEvent, rng: random.Random
    ) -> tuple[int, Line]:
        reason, spoil = rng.choice(_SPOILERS)
        anchor = issue if reason == CONFLICT else event  # a conflict must find the case in place
        envelope = {**anchor.envelope, "id": str(uuid.UUID(int=rng.getrandbits(128), version=4))}
        spoilt = spoil(envelope, self)
        payload = spoilt if isinstance(spoilt, bytes) else _dumps(spoilt)
        return anchor.arrival_ms + rng.randrange(1_000, 6 * MS_PER_HOUR), Line(reason, payload)


def _spoiler(reason: str) -> Callable[[Spoiler], Spoiler]:
    def register(spoil: Spoiler) -> Spoiler:
        _SPOILERS.append((reason, spoil))
        return spoil

    return register


def _business_date(envelope: Envelope) -> dt.date:
    return envelope["data"][BUSINESS_DATE_FIELD[envelope["type"]]]  # type: ignore[no-any-return]


def _as(envelope: Envelope, event_type: str, publisher: str, **data: Any) -> Envelope:
    source = source_of(publisher, envelope["site"])
    return {**envelope, "source": source, "type": event_type, "data": data}


@_spoiler(MALFORMED)
def _cut_short(envelope: Envelope, noise: _Noise) -> bytes:
    return orjson.dumps(envelope)[:40]


@_spoiler(MALFORMED)
def _not_an_object(envelope: Envelope, noise: _Noise) -> bytes:
    return _dumps([envelope])


@_spoiler(ENVELOPE)
def _without_id(envelope: Envelope, noise: _Noise) -> Envelope:
    return {name: value for name, value in envelope.items() if name != "id"}


@_spoiler(ENVELOPE)
def _old_specversion(envelope: Envelope, noise: _Noise) -> Envelope:
    return {**envelope, "specversion": "0.3"}


@_spoiler(ENVELOPE)
def _time_without_offset(envelope: Envelope, noise: _Noise) -> Envelope:
    return {**envelope, "time": envelope["time"][:19]}


@_spoiler(UNKNOWN_TYPE)
def _misspelt_type(envelope: Envelope, noise: _Noise) -> Envelope:
    return {**envelope, "type": "CirFilled"}


@_spoiler(UNKNOWN_SITE)
def _site_name_for_code(envelope: Envelope, noise: _Noise) -> Envelope:
    return {**envelope, "site": noise.registry[envelope["site"]].name}


@_spoiler(INVALID_DATA)
def _without_business_date(envelope: Envelope, noise: _Noise) -> Envelope:
    field = BUSINESS_DATE_FIELD[envelope["type"]]
    return {**envelope, "data": {k: v for k, v in envelope["data"].items() if k != field}}


@_spoiler(INVALID_DATA)
def _impossible_date(envelope: Envelope, noise: _Noise) -> Envelope:
    field = BUSINESS_DATE_FIELD[envelope["type"]]
    impossible = f"{_business_date(envelope).year}-02-30"
    return {**envelope, "data": {**envelope["data"], field: impossible}}


@_spoiler(INVALID_DATA)
def _cap_first_hearing(envelope: Envelope, noise: _Noise) -> Envelope:
    held_on = _business_date(envelope)  # FHDRA: the CAP hearing the Pathfinder does without
    return _as(envelope, "HearingHeld", COURT, held_on=held_on, hearing_type="FHDRA")


@_spoiler(INVALID_DATA)
def _no_children(envelope: Envelope, noise: _Noise) -> Envelope:
    issued_on = _business_date(envelope)
    return _as(
        envelope, "ApplicationIssued", COURT, issued_on=issued_on, children=[], harm_alleged=False
    )


@_spoiler(CONFLICT)
def _issued_again(envelope: Envelope, noise: _Noise) -> Envelope:
    return envelope  # the case's own ApplicationIssued under a new id


@_spoiler(CONFLICT)
def _child_not_on_case(envelope: Envelope, noise: _Noise) -> Envelope:
    data = envelope["data"]
    reporter = noise.registry[envelope["site"]].default_cir_author
    stranger = f"C{len(data['children']) + 1}"
    return _as(
        envelope,
        "ChildSeen",
        reporter,
        child_id=stranger,
        seen_on=data["issued_on"],
        in_person=True,
    )


@_spoiler(MISSING_PREREQUISITE)
def _case_never_issued(envelope: Envelope, noise: _Noise) -> Envelope:
    held_on = _business_date(envelope)
    hearing = _as(envelope, "HearingHeld", COURT, held_on=held_on, hearing_type="decision")
    return {**hearing, "subject": case_reference(envelope["site"], next(noise.orphan_numbers))}
