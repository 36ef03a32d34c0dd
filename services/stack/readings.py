"""What the live view shows, read from the workers' /metrics and /readyz pages.

Parsing is separate from fetching, so the view is tested on recorded pages.
"""

import datetime as dt
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

from services.cli.reporting_client import ask
from services.config import Settings
from services.core.deadlines import DUE_SOON, OVERDUE, CirDeadline, merge_deadlines
from services.reporting.cases_answer import CasesAnswer

COUNT_KEYS = frozenset(
    {"applications", "open_cases", "cir_ordered", "cir_filed", "cir_overdue", "cir_due_soon",
     "concluded"}
)  # fmt: skip
VIEW_KEYS = (
    "applications", "open_cases", "cir_ordered", "cir_filed",
    "cir_filed_within_40_working_days_share", "cir_overdue", "cir_due_soon", "concluded",
    "mean_duration_weeks",
)  # fmt: skip
_TIMEOUT = 2.0


@dataclass(slots=True)
class WorkerPage:
    """One worker's page: its traffic, lag, held messages and errors."""

    answered: bool = False
    ready: bool = False
    received: float | None = None  # messages read from Kafka so far
    sent: float | None = None  # messages written to Kafka so far
    lag: float | None = None  # the most any of its partitions is behind
    held: float | None = None
    errors: float = 0.0


@dataclass(slots=True)
class Reading:
    """Everything the view shows, read at one moment."""

    taken_at: float
    workers: dict[str, WorkerPage]
    sites: dict[str, dict[str, float | None]] = field(default_factory=dict)
    as_of: str = "-"
    dead_letters: dict[str, float] = field(default_factory=dict)
    urgent: list[CirDeadline] = field(default_factory=list)  # overdue, then due soon


def parse_worker(text: str) -> WorkerPage:
    page = WorkerPage(answered=True)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            name = sample.name
            if name == "pathfinder_kafka_messages_received_total":
                page.received = sample.value
            elif name == "pathfinder_kafka_messages_sent_total":
                page.sent = sample.value
            elif name == "pathfinder_consumer_lag":
                page.lag = max(page.lag or 0.0, sample.value)
            elif name == "pathfinder_held_events":
                page.held = (page.held or 0.0) + sample.value
            elif name == "pathfinder_processing_errors_total":
                page.errors += sample.value
    return page


def parse_figures(
    text: str,
) -> tuple[dict[str, dict[str, float | None]], str, dict[str, float]]:
    """The key figures per site, the as-of date, and the dead letters by reason, from the
    reporting worker's page."""
    sites: dict[str, dict[str, float | None]] = {}
    as_of, dead_letters = "-", {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = sample.name.removeprefix("pathfinder_").removesuffix("_total")
            site = sample.labels.get("site")
            if key == "as_of_timestamp_seconds":
                as_of = dt.datetime.fromtimestamp(sample.value, dt.UTC).date().isoformat()
            elif key == "dead_lettered" and "reason" in sample.labels:
                dead_letters[sample.labels["reason"]] = sample.value
            elif site and key in VIEW_KEYS and len(sample.labels) == 1:
                value = int(sample.value) if key in COUNT_KEYS else sample.value
                sites.setdefault(site, dict.fromkeys(VIEW_KEYS))[key] = value
    return sites, as_of, dead_letters


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT) as response:
            return str(response.read().decode())
    except OSError:  # not listening yet, or 503 (/readyz while it joins its group)
        return None


def read(
    ports: Mapping[str, int], cases_url: str | None = None, reporting: str = "reporting"
) -> Reading:
    """Scrape every worker once, and ask reporting's admin address for the urgent CIRs."""
    reading = Reading(time.monotonic(), {})
    if cases_url is not None:
        reading.urgent = urgent_cirs(cases_url)
    for service, port in ports.items():
        text = _get(f"http://127.0.0.1:{port}/metrics")
        page = parse_worker(text) if text is not None else WorkerPage()
        page.ready = _get(f"http://127.0.0.1:{port}/readyz") is not None
        reading.workers[service] = page
        if service == reporting and text is not None:
            reading.sites, reading.as_of, reading.dead_letters = parse_figures(text)
    return reading


def cases_url(settings: Settings) -> str:
    """The local reporting worker's admin address, which `pathfinder up` gives it."""
    return f"http://127.0.0.1:{settings.reporting_admin_port}"


def urgent_cirs(url: str) -> list[CirDeadline]:
    """The overdue CIRs, then those due soon, most urgent first; none while it cannot answer."""
    answers = [ask(url, status, None) for status in (OVERDUE, DUE_SOON)]
    return merge_deadlines(*(a.cases for a in answers if isinstance(a, CasesAnswer)))


def rates(before: Reading | None, now: Reading) -> dict[str, tuple[float | None, float | None]]:
    """Each worker's messages per second in and out since the reading before."""
    found: dict[str, tuple[float | None, float | None]] = {}
    seconds = now.taken_at - before.taken_at if before else 0.0
    for service, page in now.workers.items():
        previous = before.workers.get(service) if before else None
        found[service] = (
            _rate(previous.received if previous else None, page.received, seconds),
            _rate(previous.sent if previous else None, page.sent, seconds),
        )
    return found


def _rate(before: float | None, now: float | None, seconds: float) -> float | None:
    if before is None or now is None or seconds <= 0 or now < before:  # a restart resets it
        return None
    return (now - before) / seconds
