"""The plan items and events of reward and accountability: rules, the quarterly evaluation, justifications, vetoes."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import attrs

from gyengine import parse_period

__all__ = [
    "KINDS",
    "Category",
    "FalseReportFound",
    "QuarterlyEvaluationDefined",
    "ReportExcused",
    "RuleDefined",
    "param_values",
]

KINDS: Final = ("commend", "warn", "supervise", "accountable", "deduct", "veto")
"""The finding kinds of the standard triggers; a plugin's own trigger may use others."""

_NUMBER: Final = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_NAME: Final = re.compile(r"[a-z][a-z0-9_-]*")


def _param(value: Any) -> Decimal | str:
    if isinstance(value, bool):
        raise TypeError("a rule parameter is a number or a text, not true/false")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite number")
        return value
    if isinstance(value, str):
        # Stored parameters come back as text ("2"); reading them as numbers
        # again gives the plan file's value on both paths.
        if _NUMBER.fullmatch(value.strip()):
            try:
                return Decimal(value.strip())
            except InvalidOperation:  # pragma: no cover - the regex admits only valid text
                pass
        return value
    raise TypeError(f"a rule parameter is a number or a text, not {type(value).__name__}")


def param_values(value: Any) -> dict[str, Decimal | str]:
    """Normalise a rule's parameters: numbers (and numeric text) to ``Decimal``, the rest text."""
    if not isinstance(value, dict):
        raise TypeError("params must be a table of names and values")
    return {str(key): _param(item) for key, item in value.items()}


def _kind(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not _NAME.fullmatch(value):
        raise ValueError(
            f"'{attribute.name}' must be a lower-case name such as 'supervise' (got {value!r})"
        )


@attrs.frozen
class RuleDefined:
    """The plan set a reward or accountability rule: the finding it gives, its trigger and the trigger's parameters.

    ``params`` holds numbers (``Decimal``) and texts; the converter cannot
    structure that union, so the field is typed loosely and normalised by
    :func:`param_values`.
    """

    id: str
    kind: str = attrs.field(validator=_kind)
    """commend, warn, supervise, accountable, deduct or veto (a plugin's trigger may use its own)."""
    trigger: str
    """The function that decides when the rule fires (``project_lag_streak``...)."""
    params: dict[str, Any] = attrs.field(factory=dict, converter=param_values)
    text: str = ""
    """What the rule says, as the plan words it (``连续两周滞后的项目由县督查室督办``)."""


@attrs.frozen
class Category:
    """A category of assessed units (园区, 牵头部门, 配合单位), ranked among themselves."""

    id: str
    name: str
    units: tuple[str, ...]
    top: int | None = None
    """How many to name as 先进 (default: the evaluation's ``top``)."""
    bottom: int | None = None
    """How many to name as 后进 (default: the evaluation's ``bottom``)."""


@attrs.frozen
class QuarterlyEvaluationDefined:
    """The plan set the quarterly evaluation (季考评): the weights of its components, the lists and the points of findings."""

    weights: dict[str, Decimal]
    """``indicator``, ``project`` and ``task`` (shares of a 0–100 score) and ``finding`` (per point)."""
    top: int = attrs.field(default=3, validator=attrs.validators.ge(0))
    bottom: int = attrs.field(default=3, validator=attrs.validators.ge(0))
    finding_points: dict[str, Decimal] = attrs.Factory(dict)
    """Points per finding kind (``commend = 2``, ``accountable = -3``), unless a finding carries its own."""
    text: str = ""
    categories: tuple[Category, ...] = ()
    """The assessed units by category; with none, every unit with a score is ranked in one list."""
    min_items: int = attrs.field(default=1, validator=attrs.validators.ge(1))
    """A unit with fewer scored items (indicators, projects, task items) is listed as not ranked."""


def _week(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    values = value if isinstance(value, tuple) else (value,)
    for text in values:
        if text and parse_period(text).kind != "week":
            raise ValueError(
                f"'{attribute.name}' must name ISO weeks such as 2019-W30 (got {text!r})"
            )


@attrs.frozen
class ReportExcused:
    """The office accepted a project's reason for missing or lagging weekly reports over stated weeks.

    The weeks are listed (``weeks``) or given as a range (``from_week`` to
    ``to_week``, both included); the missing or lagging weeks covered count
    neither for nor against the project's streaks and deductions.
    """

    project: str
    reason: str
    approved_by: str
    weeks: tuple[str, ...] = attrs.field(default=(), validator=_week)
    from_week: str = attrs.field(default="", validator=_week)
    to_week: str = attrs.field(default="", validator=_week)

    def __attrs_post_init__(self) -> None:
        if bool(self.from_week) != bool(self.to_week):
            raise ValueError("give both from_week and to_week, or neither")
        if not self.weeks and not self.from_week:
            raise ValueError("name the weeks excused: weeks, or from_week and to_week")
        if self.from_week and parse_period(self.from_week).start > parse_period(self.to_week).start:
            raise ValueError(f"from_week {self.from_week} is after to_week {self.to_week}")


def _period(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    parse_period(value)


@attrs.frozen
class FalseReportFound:
    """The office found that a unit reported false figures (虚报) for a period: its commendations of that period are withdrawn (一票否决)."""

    subject: str
    """The unit (or bank) that reported falsely."""
    period: str = attrs.field(validator=_period)
    """The period whose commendations are withdrawn (``2019-Q3``, ``2019-08``)."""
    reason: str
    report_ids: tuple[str, ...] = ()
    """The ids of the false reports."""
