"""Shared arithmetic of the standard evaluators: 序时进度, status profiles, points.

Everything is ``Decimal``; percentages are rounded half-up to 2 places only
when shown, never in the middle of a computation.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import TYPE_CHECKING, Final

import attrs

if TYPE_CHECKING:
    from gyengine import Quantity

__all__ = [
    "HUNDRED",
    "WIDE",
    "StatusProfile",
    "elapsed_fraction",
    "node_problems",
    "node_shares",
    "pct",
    "points",
    "q2",
]

HUNDRED: Final = Decimal(100)
CENT: Final = Decimal("0.01")
WIDE: Final = Context(prec=100)
"""Room for rounding any ratio of two figures gyengine accepts (a completion of 10^26 元
against a target of 10^-18 %) to cents: in the default 28 digits ``quantize`` raises."""


def q2(value: Decimal) -> Decimal:
    """Round half-up to 2 decimal places (for display and stored results)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=WIDE)


def pct(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part / whole × 100``, or None when ``whole`` is zero."""
    if whole == 0:
        return None
    return part / whole * HUNDRED


def elapsed_fraction(
    day: dt.date,
    year: int,
    schedule: str,
    curve: Sequence[Decimal] = (),
    *,
    start: dt.date | None = None,
    nodes: Sequence[tuple[dt.date, Decimal]] = (),
) -> Decimal:
    """The share of the year's target expected by ``day`` (序时进度), from 0 to 1.

    ``schedule`` is ``day`` (days elapsed, ``day`` included), ``month`` (whole
    months elapsed: a month counts once its last day is reached), ``curve`` (the
    cumulative share the plan gives for each month, 12 values, taken for whole
    months elapsed) or ``nodes`` (the cumulative share due by each node date, a
    step: nothing is due before the first node). ``start`` (a project's 开工)
    moves the beginning of a ``day`` or ``month`` schedule from 1 January to
    that day (that month): nothing is expected before it. The rules are stated
    in words in ``docs/evaluators/projects.md``.
    """
    if schedule == "nodes":
        due = [share for when, share in sorted(nodes) if when <= day]
        return due[-1] if due else Decimal(0)
    first, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    begin = max(first, start) if start is not None else first
    if day < begin:
        return Decimal(0)
    if day >= end:
        return Decimal(1)
    if schedule == "day":
        return Decimal((day - begin).days + 1) / Decimal((end - begin).days + 1)
    months = day.month if day.day == calendar.monthrange(year, day.month)[1] else day.month - 1
    if schedule == "month":
        skipped = begin.month - 1
        return Decimal(max(0, months - skipped)) / Decimal(12 - skipped)
    if schedule == "curve":
        if len(curve) != 12:
            raise ValueError("a schedule curve needs 12 monthly values")
        return Decimal(0) if months == 0 else Decimal(curve[months - 1])
    raise ValueError(f"unknown schedule {schedule!r} (day, month, curve or nodes)")


def node_shares(
    nodes: Mapping[dt.date, Decimal], total: Decimal
) -> tuple[tuple[dt.date, Decimal], ...]:
    """Nodes of cumulative amounts (date → amount due by then) as shares of ``total``, by date."""
    if total == 0:
        return tuple((when, Decimal(1)) for when in sorted(nodes))
    return tuple((when, nodes[when] / total) for when in sorted(nodes))


def node_problems(
    nodes: Mapping[dt.date, Quantity], total: Quantity | None, year: int | None
) -> Iterator[str]:
    """What is wrong with a node schedule: dates outside the year, units, order, the last amount.

    Each node is a date and the cumulative amount due by it; the amounts grow
    with the dates and the last one is the whole target.
    """
    if not nodes:
        yield "a nodes schedule needs nodes (date = cumulative amount due by then)"
        return
    ordered = sorted(nodes.items())
    if year is not None:
        for when, _ in ordered:
            if when.year != year:
                yield f"node {when} is outside the plan year {year}"
    if total is None:
        yield "nodes need a target to be shares of"
        return
    for when, amount in ordered:
        if amount.unit != total.unit:
            yield f"node {when}: {amount} is not in the target's unit ({total})"
            return
    amounts = [amount.amount for _, amount in ordered]
    if any(a < 0 for a in amounts) or amounts != sorted(amounts):
        shown = ", ".join(f"{when} {amount}" for when, amount in ordered)
        yield f"node amounts are cumulative: they must grow from 0 with the dates, got {shown}"
    if amounts[-1] != total.amount:
        yield f"the last node ({ordered[-1][0]}: {ordered[-1][1]}) must be the whole target {total}"


@attrs.frozen
class StatusProfile:
    """How a gap against schedule becomes a traffic light.

    ``pp`` (as Yinchuan publishes it): on or ahead of schedule green; up to
    ``watch_pp`` percentage points behind watch; up to ``yellow_pp`` yellow;
    beyond red. ``ratio`` (as Sanya publishes it): at or above schedule green;
    down to ``1 - yellow_ratio`` of it yellow; below red.
    """

    name: str = "pp"
    watch_pp: Decimal = Decimal(10)
    yellow_pp: Decimal = Decimal(30)
    yellow_ratio: Decimal = Decimal("0.5")

    def status(self, completion: Decimal, expected: Decimal) -> str:
        """The light for a completion % against an expected % (both of the target)."""
        if self.name == "ratio":
            if completion >= expected:
                return "green"
            if expected > 0 and completion / expected >= 1 - self.yellow_ratio:
                return "yellow"
            return "red"
        gap = expected - completion
        if gap <= 0:
            return "green"
        if gap <= self.watch_pp:
            return "watch"
        if gap <= self.yellow_pp:
            return "yellow"
        return "red"

    def describe(self) -> str:
        """The thresholds in words, for rationales."""
        if self.name == "ratio":
            return f"按比例评价：达到序时为绿，达到序时的 {q2((1 - self.yellow_ratio) * HUNDRED)} % 以上为黄，以下为红"
        return (
            f"按差距评价：不落后于序时为绿，落后 ≤ {self.watch_pp} 个百分点为关注，"
            f"≤ {self.yellow_pp} 个百分点为黄，超过为红"
        )


def points(weight: Decimal, completion: Decimal, expected: Decimal) -> Decimal:
    """Points earned: ``weight × min(1, completion / expected)``; full weight when nothing is expected yet."""
    if expected <= 0:
        return q2(weight)
    share = min(Decimal(1), max(Decimal(0), completion / expected))
    return q2(weight * share)
