"""The business clock of a worker: today's date, or the latest business date seen (replays)."""

import datetime as dt


class BusinessClock:
    """`today` is the wall-clock date in production, the latest business date seen otherwise."""

    def __init__(self, mode: str) -> None:
        if mode not in ("wall", "event"):
            raise ValueError(f"clock must be 'wall' or 'event', not {mode!r}")
        self._mode = mode
        self._latest: dt.date | None = None

    def saw(self, business_date: dt.date) -> None:
        """Note an event's business date (moves the event clock forward, never back)."""
        if self._latest is None or business_date > self._latest:
            self._latest = business_date

    def today(self) -> dt.date | None:
        """The business date now; None on an event clock that has seen nothing yet."""
        if self._mode == "wall":
            return dt.date.today()
        return self._latest
