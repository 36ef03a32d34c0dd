"""Composition root: builds the rules and each worker, with its collaborators, from settings.

Worker modules are imported only when a worker is built, so the evaluator's commands, which need
only the rules, never import the streaming stack.
"""

from typing import TYPE_CHECKING

from services.config import Settings
from services.core.rules import Rules
from services.reference.holiday_sources import build_calendar
from services.reference.sites_file import load_sites

if TYPE_CHECKING:
    from services.gatekeeping.worker import GatekeepingWorker
    from services.intake.worker import IntakeWorker
    from services.reporting.worker import ReportingWorker

# The calendar covers every accepted business date (2000-2099) plus room for due dates after.
CALENDAR_FIRST_YEAR = 2000
CALENDAR_LAST_YEAR = 2100


def build_rules(settings: Settings | None = None) -> Rules:
    """The rules with the configured site registry and court closure days."""
    settings = settings or Settings()
    calendar = build_calendar(settings.court_closures, CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR)
    return Rules(calendar=calendar, sites=load_sites(settings.sites_file))


def build_intake(settings: Settings | None = None) -> "IntakeWorker":
    """The intake worker, configured from `settings` (default: the environment)."""
    from services.intake.worker import IntakeWorker
    from services.streaming.worker import worker_id

    settings = settings or Settings()
    return IntakeWorker(settings, build_rules(settings), worker_id("intake"))


def build_gatekeeping(settings: Settings | None = None) -> "GatekeepingWorker":
    """The gatekeeping worker, configured from `settings` (default: the environment)."""
    from services.gatekeeping.worker import GatekeepingWorker
    from services.streaming.worker import worker_id

    settings = settings or Settings()
    return GatekeepingWorker(settings, build_rules(settings), worker_id("gatekeeping"))


def build_reporting(settings: Settings | None = None) -> "ReportingWorker":
    """The reporting worker, configured from `settings` (default: the environment)."""
    from services.reporting.worker import ReportingWorker
    from services.streaming.worker import worker_id

    settings = settings or Settings()
    return ReportingWorker(settings, build_rules(settings), worker_id("reporting"))
