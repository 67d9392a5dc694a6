"""Working days: Monday to Friday, less the plan's holidays, plus its make-up working days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

__all__ = ["Calendar"]

_DAY = dt.timedelta(days=1)


class Calendar:
    """A working-day calendar; holidays and make-up days are ISO dates."""

    def __init__(self, holidays: Iterable[str] = (), workdays: Iterable[str] = ()) -> None:
        self.holidays = frozenset(dt.date.fromisoformat(day) for day in holidays)
        self.workdays = frozenset(dt.date.fromisoformat(day) for day in workdays)

    def is_working(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day."""
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add(self, day: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``day`` (``day`` itself not counted)."""
        for _ in range(count):
            day += _DAY
            while not self.is_working(day):
                day += _DAY
        return day

    def between(self, first: dt.date, last: dt.date) -> int:
        """Working days after ``first`` up to and including ``last`` (negative when ``last`` is earlier)."""
        if last < first:
            return -self.between(last, first)
        count, day = 0, first
        while day < last:
            day += _DAY
            count += self.is_working(day)
        return count
