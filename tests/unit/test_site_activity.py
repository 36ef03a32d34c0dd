"""Intake's record of each site's latest event, per partition, and the silence it serves."""

import datetime as dt

import pytest

from services.intake.site_activity import SiteActivity, SiteSilenceCollector
from services.reference.holiday_sources import build_calendar

MONDAY_10 = dt.datetime(2025, 3, 10, 10, tzinfo=dt.UTC).timestamp()  # 10:00 in London too


def see(activity: SiteActivity, site: str, partition: int, at: float) -> None:
    """An event taken, and the entry it calls for written, as intake's batch does."""
    entry = activity.saw(site, partition, at)
    if entry is not None:
        key, value = entry
        activity.table[key] = value


def test_the_latest_event_of_each_site_over_the_given_partitions():
    table: dict[bytes, bytes] = {}
    activity = SiteActivity(table)
    see(activity, "dorset", 0, MONDAY_10)
    see(activity, "dorset", 1, MONDAY_10 + 600)
    see(activity, "birmingham", 1, MONDAY_10 - 3600)
    assert activity.last_seen({0}) == {"dorset": dt.datetime(2025, 3, 10, 10, tzinfo=dt.UTC)}
    assert activity.last_seen({0, 1}) == {
        "dorset": dt.datetime(2025, 3, 10, 10, 10, tzinfo=dt.UTC),
        "birmingham": dt.datetime(2025, 3, 10, 9, tzinfo=dt.UTC),
    }
    assert activity.last_seen(set()) == {}


def test_an_entry_is_rewritten_at_most_once_a_minute_and_never_goes_back():
    table: dict[bytes, bytes] = {}
    activity = SiteActivity(table)
    see(activity, "dorset", 2, MONDAY_10)
    written = dict(table)
    see(activity, "dorset", 2, MONDAY_10 + 30)  # within the minute: no write
    see(activity, "dorset", 2, MONDAY_10 - 600)  # a redelivery of an older message: no write
    assert table == written
    see(activity, "dorset", 2, MONDAY_10 + 61)
    assert table != written
    assert activity.last_seen({2})["dorset"].timestamp() == MONDAY_10 + 61


def test_a_damaged_entry_is_left_out_and_replaced_by_the_next_event():
    table: dict[bytes, bytes] = {b"dorset/0": b"not json"}
    activity = SiteActivity(table)
    assert activity.last_seen({0}) == {}
    see(activity, "dorset", 0, MONDAY_10)
    assert activity.last_seen({0}) == {"dorset": dt.datetime(2025, 3, 10, 10, tzinfo=dt.UTC)}


def test_the_collector_serves_working_hours_of_silence_and_the_threshold():
    calendar = build_calendar((), 2020, 2030)
    seen = {"dorset": dt.datetime(2025, 3, 7, 16, tzinfo=dt.UTC)}  # Friday 16:00
    now = dt.datetime(2025, 3, 10, 11, tzinfo=dt.UTC)  # Monday 11:00
    collector = SiteSilenceCollector(lambda: seen, calendar, 8.0, lambda: now)
    families = {family.name: family for family in collector.collect()}
    [silent] = families["pathfinder_site_silent_working_hours"].samples
    assert silent.labels == {"site": "dorset"}
    assert silent.value == pytest.approx(3.0)
    [threshold] = families["pathfinder_site_silent_threshold_working_hours"].samples
    assert threshold.value == 8.0
