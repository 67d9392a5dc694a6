"""Plan indicators (主要指标) and the measurable targets of the work items, judged against 序时进度.

A standard gyengine plugin: the plan section ``[[indicator]]``, the events that
measure indicators (statistics, targets set by higher authorities, milestones,
funds secured, assets revitalised, investments signed, listings) and the
evaluator ``indicators``. Registered through the ``gyengine`` entry-point group
exactly as a third-party plugin is; it uses only gyengine's public API.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from gyengine import hookimpl, lazy_exports

if TYPE_CHECKING:
    from gyengine import Evaluator, EventCheck, Plan, PlanProblem, PlanSection

    from .events import (
        AssetRevitalised,
        EnterpriseListed,
        FundsSecured,
        IndicatorDefined,
        InvestmentSigned,
        MilestoneReached,
        StatisticReported,
        TargetSet,
    )

__version__ = "0.1.0"

__all__ = [
    "AssetRevitalised",
    "EnterpriseListed",
    "FundsSecured",
    "IndicatorDefined",
    "InvestmentSigned",
    "MilestoneReached",
    "StatisticReported",
    "TargetSet",
    "indicators",
]

# The names above, and the submodules, are imported on first use: loading the
# plugin (for `gyengine --help` or `gyengine plugins`) must not pay for them.
_SUBMODULES = ("evaluator", "events", "names")
_NAMES = {
    "AssetRevitalised": ".events",
    "CONSUMES": ".evaluator",
    "EVENT_TYPES": ".events",
    "EnterpriseListed": ".events",
    "FundsSecured": ".events",
    "IndicatorDefined": ".events",
    "IndicatorState": ".evaluator",
    "InvestmentSigned": ".events",
    "MilestoneReached": ".events",
    "StatisticReported": ".events",
    "TargetSet": ".events",
    "fold": ".evaluator",
    "results": ".evaluator",
}


def __getattr__(name: str) -> Any:
    return _exports(name)


def check(plan: Plan) -> Iterator[PlanProblem]:
    """References resolve, parts add up to the total, each shape has what it needs."""
    from gyengine import PlanProblem

    units, parks, tasks = plan.keys("unit"), plan.keys("park"), plan.keys("task")
    for item in plan.items("indicator"):
        for unit in item.responsible:
            if unit not in units:
                yield PlanProblem(
                    "indicator", item.id, f"unknown unit {unit!r}", field="responsible"
                )
        for unit in item.lead:
            if unit not in item.responsible:
                yield PlanProblem(
                    "indicator",
                    item.id,
                    f"lead {unit!r} is not among the responsible",
                    field="lead",
                )
        if item.park and item.park not in parks:
            yield PlanProblem("indicator", item.id, f"unknown park {item.park!r}", field="park")
        if item.task and item.task not in tasks:
            yield PlanProblem("indicator", item.id, f"unknown task {item.task!r}", field="task")
        for part in item.parts:
            if part not in parks:
                yield PlanProblem("indicator", item.id, f"unknown park {part!r}", field="parts")
        needs = {
            "threshold": ["target"],
            "cumulative": ["target", "schedule"],
            "composite": ["target", "conditions"],
            "baseline_delta": ["baseline_period", "delta"],
            "count_parts": ["parts"],
            "compare": ["series", "compare_to"],
            "milestone": ["deadline"],
        }.get(item.shape, [])
        for field in needs:
            if not getattr(item, field):
                yield PlanProblem(
                    "indicator", item.id, f"a {item.shape} target needs {field}", field=field
                )
        if item.parts and item.target is not None:
            units_of_parts = {q.unit for q in item.parts.values()}
            total = sum((q.amount for q in item.parts.values()), Decimal(0))
            if units_of_parts != {item.target.unit} or total != item.target.amount:
                shown = " + ".join(
                    f"{p} {q.in_unit(item.unit)}" for p, q in sorted(item.parts.items())
                )
                yield PlanProblem(
                    "indicator",
                    item.id,
                    f"the parts add up to {shown} = {total} {item.target.unit}, not {item.target}",
                    field="parts",
                )
        yield from _unit_problems(item)
        if item.schedule == "curve" and len(item.curve) != 12:
            yield PlanProblem(
                "indicator", item.id, "a curve needs 12 monthly values", field="curve"
            )
        if item.schedule == "nodes" or item.nodes:
            yield from _node_problems(plan, item)
        if item.measure.source in ("sum", "count") and not item.measure.event:
            yield PlanProblem(
                "indicator", item.id, "a sum or count measure needs event", field="measure"
            )


def _unit_problems(item: IndicatorDefined) -> Iterator[PlanProblem]:
    """Every figure of the item must convert to its unit: a replay would fail on it later."""
    from gyengine import PlanProblem, Quantity

    figures = [("target", item.target), ("delta", item.delta)]
    figures += [("parts", quantity) for quantity in item.parts.values()]
    figures += [("nodes", quantity) for quantity in item.nodes.values()]
    for field, quantity in figures:
        if quantity is None:
            continue
        if field == "delta" and (
            quantity.unit == "%" or (quantity.unit == "pp" and Quantity.base_of(item.unit) == "%")
        ):
            continue  # growth by a rate, or a share raised by so many percentage points
        try:
            quantity.in_unit(item.unit)
        except ValueError:
            yield PlanProblem(
                "indicator",
                item.id,
                f"{quantity} cannot be expressed in the indicator's unit {item.unit}",
                field=field,
            )


def _node_problems(plan: Plan, item: IndicatorDefined) -> Iterator[PlanProblem]:
    from gyengine import PlanProblem
    from gyengine_plan.scoring import node_problems

    if item.schedule != "nodes":
        yield PlanProblem(
            "indicator", item.id, 'nodes are used only with schedule = "nodes"', "nodes"
        )
        return
    header = plan.items("plan")
    year = header[0].year if header else None
    for message in node_problems(item.nodes, item.target, year):
        yield PlanProblem("indicator", item.id, message, field="nodes")


@functools.cache
def _indicators() -> Evaluator:
    """The evaluator ``indicators`` (the module attribute), made on first use."""
    from gyengine import Evaluator

    from . import names as result_names
    from .evaluator import CONSUMES, IndicatorState, fold, results

    return Evaluator(
        name=result_names.EVALUATOR,
        version="5",
        consumes=CONSUMES,
        state_type=IndicatorState,
        fold=fold,
        results=results,
        description="plan indicators and targets against 序时进度, with unit and park roll-ups",
    )


_exports = lazy_exports(__name__, _NAMES, _SUBMODULES, built={"indicators": _indicators})


@hookimpl
def register_event_types() -> list[type]:
    from .events import EVENT_TYPES

    return list(EVENT_TYPES)


@hookimpl
def register_event_checks() -> list[EventCheck]:
    from .checks import EVENT_CHECKS

    return list(EVENT_CHECKS)


@hookimpl
def register_plan_sections() -> list[PlanSection]:
    from gyengine import PlanSection

    from .events import IndicatorDefined

    return [
        PlanSection(
            name="indicator",
            item_type=IndicatorDefined,
            check=check,
            description="indicators and measurable targets",
        ),
    ]


@hookimpl
def register_evaluators() -> list[Evaluator]:
    return [_indicators()]
