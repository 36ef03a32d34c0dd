"""`pathfinder up`'s live view: each worker's health and traffic, dead letters by reason, and
the key figures per site (overdue and due-soon CIRs among them), read from the workers' pages.

On a terminal it is a dashboard drawn in place with rich, redrawn every time. With `--plain`,
or when the output is not a terminal (a log file, journald, a pipe), it is a status line per
worker and the figures table, printed when a worker's status changes or the first figures
arrive, and when the figures change at most once every `quiet_seconds`, so a log grows by a
table a minute, not one every 2 seconds.
"""

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from rich.box import SIMPLE_HEAD
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from services.cli.render import render_table
from services.core.metrics import SHARES
from services.stack.children import describe_exit
from services.stack.readings import VIEW_KEYS, Reading, rates
from services.stack.workers import Worker

WAITING = "waiting for the reporting service...\n"
NO_FIGURES = "no figures yet\n"
_CLEAR_SCREEN = "\x1b[H\x1b[2J"
_ALERTING = {"cir_overdue": "bold red", "cir_due_soon": "yellow"}


@dataclass(frozen=True, slots=True)
class WorkerStatus:
    """What the supervisor knows of a worker: up or restarting, and its restarts."""

    service: str
    state: str
    restarts: int
    last_exit: int | None


def statuses(workers: Iterable[Worker]) -> list[WorkerStatus]:
    return [WorkerStatus(w.service, w.state, w.restarts, w.last_exit) for w in workers]


def status_lines(workers: Iterable[WorkerStatus]) -> str:
    """One line per worker: up or restarting, its restarts so far and how it last ended."""
    lines = []
    for worker in workers:
        line = f"{worker.service:<12} {worker.state:<11} restarts {worker.restarts}"
        if worker.last_exit is not None:
            line += f", last exit: {describe_exit(worker.last_exit)}"
        lines.append(line + "\n")
    return "".join(lines)


def figures_text(reading: Reading) -> str:
    """The figures table of the plain view."""
    if not reading.workers.get("reporting") or not reading.workers["reporting"].answered:
        return WAITING
    return render_table(reading.sites, reading.as_of) if reading.sites else NO_FIGURES


def _number(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def workers_table(workers: list[WorkerStatus], reading: Reading, before: Reading | None) -> Table:
    table = Table(title="Workers", title_justify="left", box=SIMPLE_HEAD)
    for heading in ("worker", "state", "ready", "restarts", "last exit", "in/s", "out/s",
                    "lag", "held", "errors"):  # fmt: skip
        table.add_column(heading, justify="left" if heading in ("worker", "state") else "right")
    speeds = rates(before, reading)
    for worker in workers:
        page = reading.workers.get(worker.service)
        received, sent = speeds.get(worker.service, (None, None))
        state = Text(worker.state, style="green" if worker.state == "up" else "bold red")
        ready = Text("yes", style="green") if page and page.ready else Text("no", style="red")
        errors = page.errors if page else 0.0
        table.add_row(
            worker.service, state, ready, str(worker.restarts),
            describe_exit(worker.last_exit) if worker.last_exit is not None else "-",
            _number(received, 1), _number(sent, 1), _number(page.lag if page else None),
            _number(page.held if page else None),
            Text(_number(errors), style="bold red" if errors else ""),
        )  # fmt: skip
    return table


def dead_letters_table(reading: Reading) -> Table:
    table = Table(title="Dead letters", title_justify="left", box=SIMPLE_HEAD)
    table.add_column("reason")
    table.add_column("messages", justify="right")
    refused = {reason: count for reason, count in reading.dead_letters.items() if count}
    for reason, count in sorted(refused.items(), key=lambda item: -item[1]):
        table.add_row(reason, f"{count:,.0f}")
    if not refused:
        table.add_row("none", "0")
    return table


def figures_table(reading: Reading) -> Table | Text:
    if not reading.sites:
        return Text(WAITING.strip() if not reading.workers.get("reporting") else NO_FIGURES.strip())
    table = Table(
        title=f"Pilot figures as of {reading.as_of}", title_justify="left", box=SIMPLE_HEAD
    )
    sites = list(reading.sites)
    table.add_column("")
    for site in sites:
        table.add_column(site, justify="right")
    for key in VIEW_KEYS:
        cells = []
        for site in sites:
            value = reading.sites[site][key]
            text = "-" if value is None else (
                f"{value:.1%}" if key in SHARES else f"{value:,.1f}" if isinstance(value, float)
                else f"{value:,}"
            )  # fmt: skip
            style = _ALERTING.get(key, "") if value else ""
            cells.append(Text(text, style=style))
        table.add_row(key, *cells)
    return table


URGENT_ROWS = 8


def urgent_table(reading: Reading) -> Table:
    """The most urgent CIRs: overdue (most working days first), then due soon."""
    shown = reading.urgent[:URGENT_ROWS]
    more = len(reading.urgent) - len(shown)
    title = "Most urgent CIRs" + (f" ({more} more: pathfinder cases)" if more else "")
    table = Table(title=title, title_justify="left", box=SIMPLE_HEAD)
    for heading in ("case", "site", "author", "due now", "working days"):
        table.add_column(heading, justify="right" if heading == "working days" else "left")
    for row in shown:
        overdue = row.status == "overdue"
        days = Text(
            f"{row.working_days} overdue" if overdue else f"{row.working_days} left",
            style="bold red" if overdue else "yellow",
        )
        table.add_row(row.case, row.site, row.author, row.due_current.isoformat(), days)
    if not shown:
        table.add_row("none overdue or due within 5 working days", "", "", "", "")
    return table


def dashboard(
    heading: str, workers: list[WorkerStatus], reading: Reading, before: Reading | None
) -> RenderableType:
    """The whole view for a terminal."""
    health = Table.grid(padding=(0, 4))
    health.add_row(workers_table(workers, reading, before), dead_letters_table(reading))
    return Group(Text(heading, style="bold"), health, figures_table(reading), urgent_table(reading))


class LiveView:
    """The view on `out`: a dashboard drawn in place on a terminal, else appended on change."""

    def __init__(
        self, out: TextIO, heading: str, plain: bool = False, quiet_seconds: float = 60.0
    ) -> None:
        self._out = out
        self._heading = heading
        self._rich = out.isatty() and not plain
        self._quiet_seconds = quiet_seconds
        self._shown = ("", "")
        self._shown_at = float("-inf")
        self._before: Reading | None = None
        self._live: Live | None = None

    def show(self, workers: list[WorkerStatus], reading: Reading) -> None:
        if self._rich:
            self._draw(workers, reading)
        else:
            self._append(status_lines(workers), figures_text(reading))
        self._before = reading

    def _draw(self, workers: list[WorkerStatus], reading: Reading) -> None:
        view = dashboard(self._heading, workers, reading, self._before)
        if self._live is None:
            console = Console(file=self._out)
            self._live = Live(view, console=console, auto_refresh=False, screen=False)
            self._live.start()
        self._live.update(view, refresh=True)

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def _append(self, statuses_text: str, table: str) -> None:
        now = time.monotonic()
        shown_statuses, shown_table = self._shown
        quiet = shown_table not in (WAITING, NO_FIGURES) and (
            now - self._shown_at < self._quiet_seconds
        )
        if statuses_text == shown_statuses and (table == shown_table or quiet):
            return
        self._shown, self._shown_at = (statuses_text, table), now
        self._out.write(f"\n{self._heading}\n{statuses_text}\n{table}")
        self._out.flush()
