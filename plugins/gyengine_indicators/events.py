"""The events and plan items of plan indicators (主要指标 and the measurable targets of the work items)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from gyengine import Quantity

SHAPES = (
    "threshold",
    "baseline_delta",
    "external",
    "count_parts",
    "compare",
    "cumulative",
    "milestone",
    "composite",
)
OPS = (">=", ">", "<=", "<")
SCHEDULES = ("day", "month", "curve", "nodes")
SOURCES = ("statistic", "sum", "count", "milestones")


@attrs.frozen
class Measure:
    """Where an indicator's actual value comes from.

    ``statistic``: the latest ``StatisticReported`` for the indicator (and part).
    ``sum``: the sum of ``field`` over events of type ``event`` matching ``where``.
    ``count``: how many events of type ``event`` match ``where``.
    ``milestones``: how many distinct milestones of the indicator were reached.
    ``initial`` is added to sums and counts (a library of 67 projects grows from 67).
    """

    source: str = attrs.field(default="statistic", validator=attrs.validators.in_(SOURCES))
    event: str = ""
    field: str = ""
    where: dict[str, str] = attrs.Factory(dict)
    initial: Quantity | None = None


@attrs.frozen
class Condition:
    """A composite target's condition: at least ``count`` items of ``at_least`` each."""

    count: int
    at_least: Quantity


@attrs.frozen
class Revision:
    """A revision of an indicator's target recorded in the plan: in force from ``effective``.

    Periods judged on a day before ``effective`` keep the target then in force,
    unless the revision is ``retroactive`` (a correction of the plan from its start).
    """

    effective: dt.date
    target: Quantity
    retroactive: bool = False
    text: str = ""


@attrs.frozen
class IndicatorDefined:
    """The plan set a measurable target: an indicator, its shape, target and responsible units."""

    id: str
    name: str
    unit: str
    shape: str = attrs.field(validator=attrs.validators.in_(SHAPES))
    responsible: tuple[str, ...]
    lead: tuple[str, ...] = ()
    group: str = "主要指标"
    task: str = ""
    op: str = attrs.field(default=">=", validator=attrs.validators.in_(OPS))
    target: Quantity | None = None
    baseline_period: str = ""
    delta: Quantity | None = None
    parts: dict[str, Quantity] = attrs.Factory(dict)
    series: str = ""
    compare_to: str = ""
    schedule: str = attrs.field(default="", validator=attrs.validators.in_(("", *SCHEDULES)))
    curve: tuple[Decimal, ...] = ()
    nodes: dict[dt.date, Quantity] = attrs.Factory(dict)
    """With ``schedule = "nodes"``: date → the cumulative amount due by then (a batch's due dates)."""
    deadline: dt.date | None = None
    milestones: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()
    measure: Measure = attrs.Factory(Measure)
    park: str = ""
    weight: Decimal = Decimal(0)
    text: str = ""
    synthetic: bool = False
    assumed: tuple[str, ...] = ()
    """Fields whose values the plan text does not give (a date, nodes, a weight)."""
    revisions: tuple[Revision, ...] = ()
    """Later targets, each in force from its ``effective`` day (see docs/evaluators/indicators.md)."""
    watch_pp: Decimal = Decimal(1)
    """A rate or share this many percentage points below its target, or less, is 关注 (watch)."""
    yellow_pp: Decimal = Decimal(3)
    """Up to this many percentage points below is yellow; beyond it red, and no points."""


@attrs.frozen
class StatisticReported:
    """The statistics bureau or a unit reported an indicator's value for a period."""

    indicator: str
    value: Decimal
    unit: str
    part: str = ""


@attrs.frozen
class TargetSet:
    """A higher authority set an indicator's target (the province's energy target, say).

    The target is in force from ``effective``, else from the day it was first
    recorded; ``retroactive`` makes it apply to the whole period it is about.
    """

    indicator: str
    target: Quantity
    source: str = ""
    effective: dt.date | None = None
    retroactive: bool = False


@attrs.frozen
class MilestoneReached:
    """A named milestone of a target was reached on a date."""

    indicator: str
    milestone: str
    date: dt.date
    note: str = ""


@attrs.frozen
class FundsSecured:
    """Funds from a higher level of government were secured for a programme."""

    programme: str
    amount: Quantity
    enterprise: str = ""
    source: str = ""


@attrs.frozen
class AssetRevitalised:
    """Idle factory space or land was put back to use (盘活)."""

    kind: str
    area: Quantity
    enterprise: str
    park: str
    project: str = ""


@attrs.frozen
class InvestmentSigned:
    """A new project was signed to enter a park (招商引资)."""

    park: str
    project: str
    amount: Quantity
    investor: str = ""


@attrs.frozen
class EnterpriseListed:
    """An enterprise was listed on an equity exchange (挂牌)."""

    enterprise: str
    board: str


EVENT_TYPES: tuple[type, ...] = (
    IndicatorDefined,
    StatisticReported,
    TargetSet,
    MilestoneReached,
    FundsSecured,
    AssetRevitalised,
    InvestmentSigned,
    EnterpriseListed,
)

FACT_TYPES: tuple[type, ...] = (FundsSecured, AssetRevitalised, InvestmentSigned, EnterpriseListed)
"""Events that sum and count measures read."""
