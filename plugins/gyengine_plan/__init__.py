"""The frame of a plan: its header, responsible units, parks, work items and supervision cadence.

A standard gyengine plugin (plan sections ``[plan]``, ``[[unit]]``, ``[[park]]``,
``[[task]]`` and ``[supervision]``), registered through the ``gyengine``
entry-point group exactly as a third-party plugin is. It uses only gyengine's
public API. The other standard plugins refer to the units and parks defined
here by their ``id``.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from gyengine import hookimpl

if TYPE_CHECKING:
    from gyengine import Plan, PlanProblem, PlanSection

__version__ = "0.1.0"

PROFILES = ("pp", "ratio")
UNIT_KINDS = ("department", "committee", "township", "company", "office", "group", "bank", "other")


@attrs.frozen
class PlanDefined:
    """The plan itself was defined: its title, county, year and scoring parameters."""

    id: str
    title: str
    county: str
    year: int
    lang: str = "zh"
    source: str = ""
    status_profile: str = attrs.field(default="pp", validator=attrs.validators.in_(PROFILES))
    watch_pp: Decimal = Decimal(10)
    yellow_pp: Decimal = Decimal(30)
    yellow_ratio: Decimal = Decimal("0.5")
    lead_weight: Decimal = Decimal(1)
    co_weight: Decimal = Decimal("0.5")
    synthetic_parts: str = ""


@attrs.frozen
class UnitDefined:
    """The plan named a responsible unit (责任单位)."""

    id: str
    name: str
    kind: str = attrs.field(default="department", validator=attrs.validators.in_(UNIT_KINDS))
    synthetic: bool = False


@attrs.frozen
class ParkDefined:
    """The plan named a park (platform) and the unit that runs it."""

    id: str
    name: str
    committee: str


@attrs.frozen
class TaskDefined:
    """The plan set a work item (重点工作 or 保障措施) and its responsible units, lead first."""

    id: str
    title: str
    group: str
    responsible: tuple[str, ...]
    lead: tuple[str, ...] = ()
    text: str = ""


@attrs.frozen
class SupervisionDefined:
    """The plan set its supervision cadence: weekly summary, monthly bulletin, quarterly evaluation."""

    office: str
    data_source: str
    weekly_due_days: int = attrs.field(default=2, validator=attrs.validators.ge(0))
    monthly_due_days: int = attrs.field(default=10, validator=attrs.validators.ge(0))
    quarterly_due_days: int = attrs.field(default=15, validator=attrs.validators.ge(0))


def units_of(plan: Plan) -> set[str]:
    """The ids of the plan's units."""
    return plan.keys("unit")


def check_units(
    plan: Plan, section: str, key: str, field: str, values: Any
) -> Iterator[PlanProblem]:
    """Problems for every unit id in ``values`` that the plan does not define."""
    from gyengine import PlanProblem

    known = units_of(plan)
    for value in [values] if isinstance(values, str) else values:
        if value not in known:
            yield PlanProblem(section, key, f"unknown unit {value!r}", field=field)


def check(plan: Plan) -> Iterator[PlanProblem]:
    """Parks and tasks name defined units; a lead is among the responsible."""
    from gyengine import PlanProblem

    for park in plan.items("park"):
        yield from check_units(plan, "park", park.id, "committee", park.committee)
    for task in plan.items("task"):
        yield from check_units(plan, "task", task.id, "responsible", task.responsible)
        for lead in task.lead:
            if lead not in task.responsible:
                yield PlanProblem(
                    "task", task.id, f"lead {lead!r} is not among the responsible", "lead"
                )
    for supervision in plan.items("supervision"):
        yield from check_units(plan, "supervision", "", "office", supervision.office)
        yield from check_units(plan, "supervision", "", "data_source", supervision.data_source)
    if plan.keys("unit") and not plan.items("plan"):
        yield PlanProblem("plan", None, "the plan file has no [plan] header")


@hookimpl
def register_event_types() -> list[type]:
    return [PlanDefined, UnitDefined, ParkDefined, TaskDefined, SupervisionDefined]


@hookimpl
def register_plan_sections() -> list[PlanSection]:
    from gyengine import PlanSection

    return [
        PlanSection(
            name="plan",
            item_type=PlanDefined,
            many=False,
            check=check,
            description="the plan's title, county, year and scoring parameters",
        ),
        PlanSection(name="unit", item_type=UnitDefined, description="responsible units"),
        PlanSection(name="park", item_type=ParkDefined, description="parks and their committees"),
        PlanSection(name="task", item_type=TaskDefined, description="work items and their units"),
        PlanSection(
            name="supervision",
            item_type=SupervisionDefined,
            many=False,
            description="the supervision cadence",
        ),
    ]
