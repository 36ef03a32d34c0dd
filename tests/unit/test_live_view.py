"""`pathfinder up`'s view from recorded worker pages: traffic, lag, held messages, dead letters
and figures, drawn in place on a terminal and appended on change elsewhere."""

import datetime as dt
import io

from rich.console import Console

from services.core.deadlines import CirDeadline
from services.stack.live_view import (
    NO_FIGURES,
    WAITING,
    LiveView,
    WorkerStatus,
    dashboard,
)
from services.stack.readings import Reading, WorkerPage, parse_figures, parse_worker, rates

INTAKE_PAGE = """
# TYPE pathfinder_kafka_messages_received_total counter
pathfinder_kafka_messages_received_total{service="intake"} 1200.0
# TYPE pathfinder_kafka_messages_sent_total counter
pathfinder_kafka_messages_sent_total{service="intake"} 2400.0
# TYPE pathfinder_consumer_lag gauge
pathfinder_consumer_lag{partition="0",service="intake",topic="t"} 3.0
pathfinder_consumer_lag{partition="1",service="intake",topic="t"} 17.0
# TYPE pathfinder_held_events gauge
pathfinder_held_events{service="intake"} 4.0
# TYPE pathfinder_processing_errors_total counter
pathfinder_processing_errors_total{service="intake",stage="message"} 0.0
pathfinder_processing_errors_total{service="intake",stage="tick"} 2.0
"""
REPORTING_PAGE = """
# TYPE pathfinder_as_of_timestamp_seconds gauge
pathfinder_as_of_timestamp_seconds 1.7411904e+09
# TYPE pathfinder_applications_total counter
pathfinder_applications_total{site="dorset"} 12.0
pathfinder_applications_total{site="all"} 12.0
# TYPE pathfinder_cir_overdue gauge
pathfinder_cir_overdue{site="dorset"} 2.0
pathfinder_cir_overdue{site="all"} 2.0
# TYPE pathfinder_dead_lettered_total counter
pathfinder_dead_lettered_total{reason="malformed"} 5.0
pathfinder_dead_lettered_total{reason="conflict"} 0.0
"""
WORKERS = [
    WorkerStatus("intake", "up", 0, None),
    WorkerStatus("gatekeeping", "restarting", 2, -9),
    WorkerStatus("reporting", "up", 0, None),
]


def reading(taken_at: float, received: float, sent: float) -> Reading:
    intake = parse_worker(INTAKE_PAGE)
    intake.received, intake.sent, intake.ready = received, sent, True
    sites, as_of, dead = parse_figures(REPORTING_PAGE)
    workers = {"intake": intake, "gatekeeping": WorkerPage(), "reporting": parse_worker("")}
    workers["reporting"].ready = True
    return Reading(taken_at, workers, sites, as_of, dead)


def test_a_worker_page_gives_its_traffic_worst_lag_held_messages_and_errors() -> None:
    page = parse_worker(INTAKE_PAGE)
    assert (page.received, page.sent, page.lag, page.held, page.errors) == (1200, 2400, 17, 4, 2)


def test_reporting_page_gives_figures_as_of_and_dead_letters_by_reason() -> None:
    sites, as_of, dead = parse_figures(REPORTING_PAGE)
    assert as_of == "2025-03-05"
    assert sites["dorset"]["applications"] == 12 and sites["dorset"]["cir_overdue"] == 2
    assert dead == {"malformed": 5, "conflict": 0}


def test_rates_are_per_second_between_readings_and_unknown_after_a_restart() -> None:
    before, now = reading(10.0, 1000, 2000), reading(12.0, 1200, 2400)
    assert rates(before, now)["intake"] == (100.0, 200.0)
    assert rates(None, now)["intake"] == (None, None)
    assert rates(now, reading(14.0, 10, 20))["intake"] == (None, None)  # counters reset


def test_the_terminal_dashboard_shows_each_part() -> None:
    console = Console(record=True, width=160, file=io.StringIO())
    console.print(
        dashboard("heading", WORKERS, reading(12.0, 1200, 2400), reading(10.0, 1000, 2000))
    )
    text = console.export_text()
    intake_row = next(line for line in text.splitlines() if "intake" in line)
    for cell in ("up", "yes", "100.0", "200.0", "17", "4", "2"):
        assert cell in intake_row, (cell, intake_row)
    assert "restarting" in text and "killed by SIGKILL" in text
    assert "malformed" in text and "conflict" not in text.split("Pilot figures")[0]
    assert "Pilot figures as of 2025-03-05" in text and "cir_overdue" in text


def test_the_plain_view_appends_only_on_change() -> None:
    out = io.StringIO()
    view = LiveView(out, "heading", plain=True)
    empty = Reading(0.0, {"reporting": WorkerPage()})
    view.show(WORKERS, empty)
    view.show(WORKERS, empty)
    assert out.getvalue().count("heading") == 1 and WAITING in out.getvalue()
    answered = Reading(1.0, {"reporting": WorkerPage(answered=True)})
    view.show(WORKERS, answered)
    assert NO_FIGURES in out.getvalue()
    view.show(WORKERS, reading(2.0, 1, 1))
    assert "as of 2025-03-05" in out.getvalue()
    assert "\x1b[" not in out.getvalue()


def test_the_dashboard_lists_the_most_urgent_cirs_overdue_first() -> None:
    def row(case: str, status: str, days: int) -> CirDeadline:
        due = dt.date(2025, 3, 1)
        return CirDeadline(
            case=case, site="dorset", author="cafcass", ordered_on=due, due_original=due,
            due_current=due, status=status, working_days=days,
        )  # fmt: skip

    now = reading(12.0, 1200, 2400)
    now.urgent = [row("PF-DOR-000009", "overdue", 7)] + [
        row(f"PF-DOR-00010{n}", "due_soon", n) for n in range(9)
    ]
    console = Console(record=True, width=160, file=io.StringIO())
    console.print(dashboard("heading", WORKERS, now, None))
    text = console.export_text()
    assert "Most urgent CIRs (2 more: pathfinder cases)" in text
    assert text.index("PF-DOR-000009") < text.index("PF-DOR-000100")
    assert "7 overdue" in text and "0 left" in text and "PF-DOR-000108" not in text
    empty = Console(record=True, width=160, file=io.StringIO())
    empty.print(dashboard("heading", WORKERS, reading(12.0, 1, 1), None))
    assert "none overdue or due within 5 working days" in empty.export_text()
