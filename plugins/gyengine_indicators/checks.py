"""What an indicator's events must agree with in the plan in force (hook ``register_event_checks``).

A statistic, a target set by a higher authority or a milestone names an
indicator of the plan, goes on the indicator's stream ``indicator/<id>``, and
gives its figures in a unit that converts to the indicator's unit: 371000 万元
is fine for an indicator in 亿元, ``%`` is not, and ``亿`` is no unit at all.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any

from gyengine import EventCheck, NewEvent, Plan, Quantity, check_subject

from .events import IndicatorDefined, MilestoneReached, StatisticReported, TargetSet

__all__ = ["EVENT_CHECKS", "check_indicator_event", "indicator_check_key"]

Problem = tuple[str, str]


def _choices(units: tuple[str, ...]) -> str:
    return units[0] if len(units) == 1 else f"{', '.join(units[:-1])} or {units[-1]}"


def _unit_problem(given: str, item: IndicatorDefined) -> str | None:
    """Why a figure in unit ``given`` cannot count for ``item``, or None when it can."""
    if given == item.unit:
        return None
    allowed = Quantity.units_like(item.unit)
    if given in allowed:
        return None
    use = f"use {_choices(allowed)}"
    if not Quantity.is_unit(given):
        return f"{given} is not a unit gyengine knows; {item.id} is in {item.unit} ({use})"
    return f"{given} cannot be expressed in {item.unit}, the unit of {item.id} ({use})"


def check_indicator_event(plan: Plan, event: NewEvent) -> Iterator[Problem]:
    """The indicator exists, the stream is its own, and the figure's unit converts to its unit."""
    problems = list(check_subject(plan, event, section="indicator", field="indicator"))
    if problems:
        yield from problems
        return
    data = event.data
    item: IndicatorDefined | None = plan.get("indicator", data.indicator)
    if item is None:  # pragma: no cover - check_subject found it
        return
    if isinstance(data, StatisticReported):
        problem = _unit_problem(data.unit, item)
        if problem is not None:
            yield ("$.data.unit", problem)
    elif isinstance(data, TargetSet):
        yield from _target_problem(data.target, item)
    elif (
        isinstance(data, MilestoneReached)
        and item.milestones
        and data.milestone not in item.milestones
    ):
        yield (
            "$.data.milestone",
            f"{item.id} has no milestone {data.milestone!r} "
            f"(milestones: {', '.join(item.milestones)})",
        )


def _target_problem(target: Quantity, item: IndicatorDefined) -> Iterator[Problem]:
    allowed = Quantity.units_like(item.unit)
    if Quantity.base_of(allowed[0]) != target.unit:
        yield (
            "$.data.target",
            f"{target} cannot be expressed in {item.unit}, the unit of {item.id} "
            f"(use {_choices(allowed)})",
        )


def indicator_check_key(stream: str, data: Any) -> Hashable:
    """All :func:`check_indicator_event`'s verdict depends on besides the plan: the stream,
    the indicator and the figure's unit (a target's base unit, a milestone's name)."""
    if isinstance(data, StatisticReported):
        return (stream, data.indicator, data.unit)
    if isinstance(data, TargetSet):
        return (stream, data.indicator, data.target.unit)
    if isinstance(data, MilestoneReached):
        return (stream, data.indicator, data.milestone)
    return (stream, data.indicator)


EVENT_CHECKS = [
    EventCheck(
        name="indicator reports",
        types=[
            type_name.__name__ for type_name in (StatisticReported, TargetSet, MilestoneReached)
        ],
        check=check_indicator_event,
        key=indicator_check_key,
        description="names an indicator of the plan, on its stream, in a unit of its dimension",
    )
]
