"""Reporting periods, all in UTC.

- `daily`: the current UTC calendar day.
- `weekly`: the current ISO week, Monday 00:00 UTC to the next Monday.
- `monthly`: the current calendar month (UTC).
- `all`: everything recorded.

Day series run from the first day of the period (for `all`, the first day with a record) to today (or a later day
with a record), inclusive, with a point for every day, zero when nothing was recorded that day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import attrs

PERIODS = ("daily", "weekly", "monthly", "all")
DEFAULT_PERIOD = "monthly"
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(9999, 12, 31)
MAX_AHEAD = timedelta(days=366)  # the furthest past today a day series runs for calls stamped ahead


@attrs.frozen
class Window:
    """A half-open day range [start, end) for one period as of `today`."""

    period: str
    start: date
    end: date
    today: date

    @property
    def bounded(self) -> bool:
        """False for `all`."""
        return self.period != "all"

    def timestamps(self) -> tuple[datetime, datetime]:
        """The same range as naive UTC timestamps, for filtering per-call rows."""
        return datetime.combine(self.start, time()), datetime.combine(self.end, time())

    def series(self, first_recorded: date | None, last_recorded: date | None = None) -> list[date]:
        """Every day to chart: period start (or first recorded day for `all`) through today, or through the last
        recorded day when that is later (calls stamped ahead, by a clock that ran fast: the series holds every day
        the totals count)."""
        start = self.start if self.bounded else (first_recorded or self.today)
        ahead = min(last_recorded or self.today, self.today + MAX_AHEAD)  # (a row stamped in 2999: not 356k points)
        last = min(max(self.today, ahead), self.end - timedelta(days=1))
        if start > last:
            return []
        return [start + timedelta(days=i) for i in range((last - start).days + 1)]


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def window(period: str, today: date) -> Window:
    """The window of `period` containing `today` (period already validated)."""
    if period == "daily":
        return Window(period, today, today + timedelta(days=1), today)
    if period == "weekly":
        monday = today - timedelta(days=today.weekday())
        return Window(period, monday, monday + timedelta(days=7), today)
    if period == "monthly":
        first = today.replace(day=1)
        return Window(period, first, _next_month(first), today)
    if period == "all":
        return Window(period, FIRST_DAY, LAST_DAY, today)
    raise ValueError(f"unknown period {period!r}")
