"""When intake last took an event from each site, and the working hours since, for `SiteSilent`.

Table:  intake-site-activity    "<site>/<partition>" -> when intake last took an event of that
                                site on that partition of {prefix}-intake-by-case
Serves: pathfinder_site_silent_working_hours{site}, pathfinder_site_silent_threshold_working_hours

An event counts once it passes validation, whatever becomes of it next (applied, held, a
duplicate or a conflict): it shows the site's publishers are sending. An entry is written while
intake handles a message of its partition, so it belongs to that partition: after a restart or
a rebalance the partition's owner recovers it from the changelog. Each worker serves the sites
of the partitions it owns; the least silence over the workers (`min by (site)` in the alert) is
the silence since the site's latest event. An entry is rewritten at most once a minute. A site
with no event yet is not served: it may not have gone live.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping

import msgspec
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from services.core.rules import Calendar
from services.core.working_hours import silent_working_hours
from services.streaming.clock import COURTS_TIME_ZONE
from services.streaming.forms import check_form

ACTIVITY_FORM = 1
REWRITE_AFTER_SECONDS = 60.0


class SiteActivityEntry(msgspec.Struct, kw_only=True):
    form: int = ACTIVITY_FORM
    partition: int  # of {prefix}-intake-by-case
    site: str
    seen_at: float  # seconds since the epoch, when intake took the event


_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(SiteActivityEntry).decode


def decode_activity(value: bytes) -> SiteActivityEntry:
    """An entry read back from the table."""
    entry = _decode(value)
    check_form(entry.form, ACTIVITY_FORM, "a site activity entry")
    return entry


class SiteActivity:
    """The table of last events per site and partition."""

    def __init__(self, table: MutableMapping[bytes, bytes | None]) -> None:
        self.table = table

    def saw(self, site: str, partition: int, at: float) -> tuple[bytes, bytes] | None:
        """Note an event of the site taken at `at` on a partition this worker owns: the entry
        to write, if the table's is older than the rewrite interval."""
        key = f"{site}/{partition}".encode()
        held = self.table.get(key)
        if held is not None:
            try:
                if at - decode_activity(held).seen_at < REWRITE_AFTER_SECONDS:
                    return None
            except ValueError:  # damaged or of a newer form: this entry replaces it
                pass
        return key, _encode(SiteActivityEntry(partition=partition, site=site, seen_at=at))

    def last_seen(self, partitions: Iterable[int]) -> dict[str, dt.datetime]:
        """Per site, its latest event on the given partitions (an entry unreadable is left out)."""
        owned = set(partitions)
        latest: dict[str, float] = {}
        for value in list(self.table.values()):
            try:
                entry = decode_activity(value) if value is not None else None
            except ValueError:
                continue
            if entry is not None and entry.partition in owned:
                latest[entry.site] = max(entry.seen_at, latest.get(entry.site, entry.seen_at))
        return {site: dt.datetime.fromtimestamp(at, dt.UTC) for site, at in latest.items()}


class SiteSilenceCollector(Collector):
    """Working hours since each site's last event, and the threshold the alert compares with."""

    def __init__(
        self,
        last_seen: Callable[[], Mapping[str, dt.datetime]],
        calendar: Calendar,
        threshold_hours: float,
        now: Callable[[], dt.datetime],
    ) -> None:
        self._last_seen = last_seen
        self._calendar = calendar
        self._threshold_hours = threshold_hours
        self._now = now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        silent = silent_working_hours(
            self._last_seen(), self._now(), self._calendar, COURTS_TIME_ZONE
        )
        family = GaugeMetricFamily(
            "pathfinder_site_silent_working_hours",
            "Working hours (09:00-17:00 Europe/London, working days) since intake last took an"
            " event from the site, on the partitions this worker owns.",
            labels=["site"],
        )
        for site, hours in silent.items():
            family.add_metric([site], hours)
        yield family
        threshold = GaugeMetricFamily(
            "pathfinder_site_silent_threshold_working_hours",
            "Working hours without an event after which a site is silent"
            " (PATHFINDER_SITE_SILENT_WORKING_HOURS).",
        )
        threshold.add_metric([], self._threshold_hours)
        yield threshold
