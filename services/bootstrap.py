"""Composition root: builds the rules (calendar and site registry) from settings."""

from services.config import Settings
from services.core.rules import Rules
from services.reference.holiday_sources import build_calendar
from services.reference.sites_file import load_sites

# The calendar covers every accepted business date (2000-2099) plus room for due dates after.
CALENDAR_FIRST_YEAR = 2000
CALENDAR_LAST_YEAR = 2100


def build_rules(settings: Settings | None = None) -> Rules:
    """The rules with the configured site registry and court closure days."""
    settings = settings or Settings()
    calendar = build_calendar(settings.court_closures, CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR)
    return Rules(calendar=calendar, sites=load_sites(settings.sites_file))
