"""Time: record timestamps (UTC, set by the store) and business periods (``occurred``).

Record timestamps are stored as fixed-width ISO 8601 text in UTC with
microseconds (``2019-06-30T09:15:00.000000Z``), so text order is time order.

Business periods are what an event is *about*: a day ``2019-06-30``, an ISO week
``2019-W26``, a month ``2019-06``, a quarter ``2019-Q2``, a half ``2019-H1`` or a
year ``2019``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Final

import attrs

__all__ = [
    "Period",
    "format_timestamp",
    "parse_period",
    "parse_timestamp",
    "utc_now",
]

_TS_FORMAT: Final = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc_now() -> str:
    """Return the current UTC time as a record timestamp."""
    return format_timestamp(dt.datetime.now(dt.UTC))


def format_timestamp(moment: dt.datetime) -> str:
    """Return ``moment`` as a record timestamp (UTC, microseconds, ``Z``).

    A naive datetime is taken to be UTC.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime(_TS_FORMAT)


def parse_timestamp(text: str, *, end_of_day: bool = True) -> str:
    """Parse a user-given moment into a record timestamp.

    Accepts an ISO 8601 date (``2019-07-05``: with ``end_of_day`` its last
    microsecond, otherwise its first) or date-time, with an offset or ``Z``; a
    date-time without an offset is UTC.

    Raises:
        ValueError: naming the text when it is not such a moment.
    """
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = dt.date.fromisoformat(text)
            clock = dt.time.max if end_of_day else dt.time.min
            return format_timestamp(dt.datetime.combine(day, clock, tzinfo=dt.UTC))
        return format_timestamp(dt.datetime.fromisoformat(text.replace("z", "Z")))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date or time (use 2019-07-05 or 2019-07-05T10:00:00+08:00)"
        ) from None


@attrs.frozen(order=True)
class Period:
    """A business period: its ``kind``, its text as written, its first and last day."""

    start: dt.date
    end: dt.date
    kind: str
    text: str

    def contains(self, day: dt.date) -> bool:
        """Tell whether ``day`` falls within the period."""
        return self.start <= day <= self.end


_PERIOD = re.compile(
    r"(?P<year>\d{4})(?:"
    r"-(?P<month>\d{2})(?:-(?P<day>\d{2}))?"
    r"|-W(?P<week>\d{2})"
    r"|-Q(?P<quarter>\d)"
    r"|-H(?P<half>\d)"
    r")?"
)


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


@functools.lru_cache(maxsize=4096)
def parse_period(text: str) -> Period:
    """Parse a business period (day, ISO week, month, quarter, half or year).

    Raises:
        ValueError: naming the text and the forms accepted.
    """
    match = _PERIOD.fullmatch(text)
    try:
        if match is None:
            raise ValueError
        year = int(match["year"])
        if match["day"]:
            day = dt.date(year, int(match["month"]), int(match["day"]))
            return Period(day, day, "day", text)
        if match["month"]:
            month = int(match["month"])
            return Period(dt.date(year, month, 1), _month_end(year, month), "month", text)
        if match["week"]:
            start = dt.date.fromisocalendar(year, int(match["week"]), 1)
            return Period(start, start + dt.timedelta(days=6), "week", text)
        if match["quarter"]:
            quarter = int(match["quarter"])
            if not 1 <= quarter <= 4:
                raise ValueError
            first = 3 * quarter - 2
            return Period(dt.date(year, first, 1), _month_end(year, first + 2), "quarter", text)
        if match["half"]:
            half = int(match["half"])
            if half not in (1, 2):
                raise ValueError
            first = 6 * half - 5
            return Period(dt.date(year, first, 1), _month_end(year, first + 5), "half", text)
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), "year", text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a period (use 2019-06-30, 2019-W26, 2019-06, 2019-Q2, 2019-H1 or 2019)"
        ) from None
