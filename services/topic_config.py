"""Each topic's retention, in one place: what `create_topics` and the workers set, and what
docker-compose.yml's kafka-init sets in production (tests/static/test_retention.py holds them
equal).

The canonical log is kept for ever; everything else is bounded. What publishers send and what
was refused is kept long enough to be sent again (`pathfinder redrive`) once its cause is fixed;
what is derived from the canonical log could be derived again; the workers' own hops are read
within seconds. The tables' changelog topics are faust's, compacted, and not listed here. The
embedded broker accepts these settings and keeps everything in memory regardless.
"""

from typing import Final

from services.topics import Topics

DAY_MS: Final = 24 * 60 * 60 * 1000
FOREVER: Final = {"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1"}
COMPACTED: Final = {"cleanup.policy": "compact"}


def kept_for(days: int) -> dict[str, str]:
    """Records deleted once older than `days` days."""
    return {"cleanup.policy": "delete", "retention.ms": str(days * DAY_MS)}


def topic_configs(topics: Topics) -> dict[str, dict[str, str]]:
    """Every topic the services create, the contract's and the workers' own, with its config."""
    return {
        # raw inbound: time to take it in after an intake outage; what is accepted is copied to
        # case-events, what is refused to dead-letter
        topics.court_events: kept_for(30),
        # the canonical log evaluators replay: never compacted, never deleted
        topics.case_events: dict(FOREVER),
        # the latest versioned facts per case; older versions are dead
        topics.case_facts: dict(COMPACTED),
        # what gatekeeping told consumers (CIR ordered, alerts, ...): a pilot year, for audit
        topics.derived_events: kept_for(365),
        # refused bytes may hold what the contract refuses (names, addresses): access-controlled,
        # and kept long enough to fix a cause and redrive
        topics.dead_letter: kept_for(90),
        # publisher feedback, no payload: a month to read it
        topics.refusals: kept_for(30),
        # intake's hop from court-events to itself, read within seconds
        topics.intake_by_case: kept_for(7),
        # clock reports, sent every few seconds and only the latest matters
        topics.gatekeeping_ticks: kept_for(1),
    }


def topic_config(topics: Topics, name: str) -> dict[str, str]:
    """The configuration of the topic named `name` (empty for a topic not listed)."""
    return dict(topic_configs(topics).get(name, {}))
