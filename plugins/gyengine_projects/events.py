"""What happens to a key project after the plan lists it: weekly reports and the problem ledger.

A report's envelope carries the rest: ``occurred`` is the ISO week it is about
(``2019-W23``), ``actor`` the reporting unit, and ``recorded`` (set by the
store) decides whether it came in on time.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Final

import attrs

__all__ = [
    "MILESTONES",
    "ProblemRaised",
    "ProblemResolved",
    "ProjectProgressReported",
]

MILESTONES: Final = {"开工": "start", "竣工": "completion", "投产": "production"}
"""Milestone name -> the field of ``ProjectDefined`` holding its planned date."""


@attrs.frozen
class ProjectProgressReported:
    """A project reported its investment to date (万元) for a period, with a note and its plan for the next."""

    project: str
    invested_to_date: Decimal = attrs.field(validator=attrs.validators.ge(Decimal(0)))
    """万元, cumulative for the plan year."""
    note: str = ""
    milestone: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.in_(tuple(MILESTONES)))
    )
    """A milestone reached in the period: 开工, 竣工 or 投产."""
    next_plan: str | None = None
    """What the unit plans for the next period (下周计划); None in reports made before the field."""


@attrs.frozen
class ProblemRaised:
    """A blocker of a project or enterprise was raised (at the weekly meeting) and given an owner and a deadline."""

    problem: str
    """The problem's id."""
    subject: str
    """The project id or enterprise name the problem holds up."""
    owner: str
    """The unit that must solve it."""
    deadline: dt.date
    description: str
    raised_at: str = "周例会"


@attrs.frozen
class ProblemResolved:
    """A raised problem was resolved."""

    problem: str
    resolution: str
