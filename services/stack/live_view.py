"""`pathfinder up`'s live view: a status line per worker and the key figures per site, read from
the reporting worker's /metrics.

On a terminal the screen is redrawn every time. Elsewhere (a log file, journald, a pipe) the view
is printed when a worker's status changes or the first figures arrive, and when the figures change
at most once every `quiet_seconds`, so a log grows by a table a minute, not one every 2 seconds.
"""

import datetime as dt
import time
import urllib.request
from collections.abc import Iterable
from typing import TextIO

from prometheus_client.parser import text_string_to_metric_families

from services.cli.render import render_table
from services.stack.children import describe_exit
from services.stack.workers import Worker

COUNT_KEYS = frozenset(
    {
        "applications",
        "open_cases",
        "cir_ordered",
        "cir_filed",
        "cir_overdue",
        "cir_due_soon",
        "concluded",
    }
)
VIEW_KEYS = (
    "applications", "open_cases", "cir_ordered", "cir_filed",
    "cir_filed_within_40_working_days_share", "cir_overdue", "cir_due_soon", "concluded",
    "mean_duration_weeks",
)  # fmt: skip
_CLEAR_SCREEN = "\x1b[H\x1b[2J"
WAITING = "waiting for the reporting service...\n"
NO_FIGURES = "no figures yet\n"


def figures(port: int) -> str:
    """The key figures per site from the reporting worker's /metrics on this port."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
            text = response.read().decode()
    except OSError:
        return WAITING
    sites: dict[str, dict[str, float | None]] = {}
    as_of = "-"
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = sample.name.removeprefix("pathfinder_").removesuffix("_total")
            site = sample.labels.get("site")
            if key == "as_of_timestamp_seconds":
                as_of = dt.datetime.fromtimestamp(sample.value, dt.UTC).date().isoformat()
            elif site and key in VIEW_KEYS and len(sample.labels) == 1:
                value = int(sample.value) if key in COUNT_KEYS else sample.value
                sites.setdefault(site, dict.fromkeys(VIEW_KEYS))[key] = value
    return render_table(sites, as_of) if sites else NO_FIGURES


def status_lines(workers: Iterable[Worker]) -> str:
    """One line per worker: up or restarting, its restarts so far and how it last ended."""
    lines = []
    for worker in workers:
        line = f"{worker.service:<12} {worker.state:<11} restarts {worker.restarts}"
        if worker.last_exit is not None:
            line += f", last exit: {describe_exit(worker.last_exit)}"
        lines.append(line + "\n")
    return "".join(lines)


class LiveView:
    """Writes the view to a stream: every call on a terminal, on change elsewhere."""

    def __init__(self, out: TextIO, heading: str, quiet_seconds: float = 60.0) -> None:
        self._out = out
        self._heading = heading
        self._terminal = out.isatty()
        self._quiet_seconds = quiet_seconds
        self._shown = ("", "")
        self._shown_at = float("-inf")

    def show(self, statuses: str, table: str) -> None:
        now = time.monotonic()
        if not self._terminal:
            shown_statuses, shown_table = self._shown
            quiet = shown_table not in (WAITING, NO_FIGURES) and (
                now - self._shown_at < self._quiet_seconds
            )
            if statuses == shown_statuses and (table == shown_table or quiet):
                return
        self._shown, self._shown_at = (statuses, table), now
        prefix = _CLEAR_SCREEN if self._terminal else "\n"
        self._out.write(f"{prefix}{self._heading}\n{statuses}\n{table}")
        self._out.flush()
