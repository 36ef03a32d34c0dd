"""Arrival order: every case's lines, duplicates and noise merged into the order they arrive.

Cases are generated in issue order and merged through a heap, so memory holds only the lines
of cases still running, never the whole log.
"""

import heapq
import itertools
import math
import random
from collections.abc import Iterator

from services.simulator.dates import utc_midnight_ms
from services.simulator.draft import CasePlan
from services.simulator.envelopes import GeneratedEvent
from services.simulator.history import generate_case
from services.simulator.lines import DUPLICATE, EVENT, Line, dumps
from services.simulator.noise import noise_lines
from services.simulator.parameters import Parameters, SimulationConfig
from services.simulator.planning import log_end
from services.simulator.spoiling import NoiseContext

Pending = list[tuple[int, int, Line]]  # a heap of (arrival ms, tie-breaker, line)


def arrivals(
    plans: list[tuple[CasePlan, int]],
    config: SimulationConfig,
    context: NoiseContext,
    p: Parameters,
) -> Iterator[Line]:
    """The lines of the planned cases, each generated from its own seed, in arrival order."""
    until = log_end(config, p)
    pending: Pending = []
    order = itertools.count()
    for plan, seed in plans:
        # nothing about a case is recorded before its issue date, so what arrived earlier is final
        yield from _released(pending, before_ms=utc_midnight_ms(plan.issued_on))
        rng = random.Random(seed)
        events = generate_case(plan, rng, p, until)
        for arrival_ms, line in _case_lines(events, rng, config, p, context):
            heapq.heappush(pending, (arrival_ms, next(order), line))
    yield from _released(pending, before_ms=math.inf)


def _released(pending: Pending, before_ms: float) -> Iterator[Line]:
    while pending and pending[0][0] < before_ms:
        yield heapq.heappop(pending)[2]


def _case_lines(
    events: list[GeneratedEvent],
    rng: random.Random,
    config: SimulationConfig,
    p: Parameters,
    context: NoiseContext,
) -> list[tuple[int, Line]]:
    lines = []
    for event in events:
        payload = dumps(event.envelope)
        lines.append((event.arrival_ms, Line(EVENT, payload)))
        if rng.random() < config.duplicate_rate:
            redelivered_ms = event.arrival_ms + p.duplicate_delay_hours.value.draw_ms(rng)
            lines.append((redelivered_ms, Line(DUPLICATE, payload)))
    if config.noise:
        # bad lines per event, so that they make up `noise` of all lines, duplicates included
        per_event = config.noise / (1 - config.noise) * (1 + config.duplicate_rate)
        lines += noise_lines(events, rng, per_event, context)
    return lines
