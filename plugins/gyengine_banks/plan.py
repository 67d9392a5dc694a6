"""The plan's banks (``[[bank]]``) and the monthly assessment card (``[bank_assessment]``).

A card is a list of criteria, each with its points (W), a scoring method, the
measure it scores and the method's parameters::

    [bank_assessment]
    top = 2
    bottom = 2

    [[bank_assessment.criteria]]
    id = "industrial_increment"
    name = "工业和制造业贷款增量"
    points = 20
    method = "rank_steps"
    measure = "industrial_increment"
    params = { step = 3, negative_scores_zero = 1 }

``check`` refuses an unknown method or measure, a missing or unknown parameter,
a duplicate criterion and parameters that contradict each other, naming the
criterion::

    plan.toml:12: [bank_assessment]: criteria: industrial_increment: unknown method 'rank' (...)
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Final

import attrs

from gyengine import Plan, PlanProblem

__all__ = [
    "BULLETIN",
    "MEASURES",
    "METHODS",
    "BankAssessmentDefined",
    "BankDefined",
    "Criterion",
    "check_assessment",
    "check_banks",
]

BULLETIN: Final = "bulletin"
"""The subject of the bulletin's lists; no bank may use it as its id."""

MEASURES: Final[dict[str, str]] = {
    "new_loans": "万元",
    "loan_growth": "%",
    "loan_to_deposit": "%",
    "industrial_increment": "万元",
    "inclusive_loans": "万元",
    "renewal_share": "%",
    "matchmaking": "%",
}
"""Measure -> the unit it is scored in (see ``gyengine_banks.measures``)."""

METHODS: Final[dict[str, tuple[frozenset[str], frozenset[str]]]] = {
    # method: (required parameters, optional parameters)
    "ratio_to_best": (frozenset(), frozenset()),
    "rank_steps": (frozenset({"step"}), frozenset({"negative_scores_zero"})),
    "best_worst": (frozenset({"base", "span"}), frozenset()),
    "baseline_slope": (frozenset({"base", "slope", "min", "max"}), frozenset()),
    "target_gate": (frozenset(), frozenset({"target", "bonus", "step", "cap"})),
}
"""Method -> its required and optional parameters (see ``gyengine_banks.methods``)."""


@attrs.frozen
class BankDefined:
    """The plan listed a bank whose support to enterprises is assessed every month."""

    id: str
    name: str
    short: str = ""
    synthetic: bool = False


@attrs.frozen
class Criterion:
    """One line of the assessment card: W points for a measure, scored by a method."""

    id: str
    name: str
    points: Decimal
    method: str
    measure: str
    params: dict[str, Decimal] = attrs.Factory(dict)

    @property
    def unit(self) -> str:
        """The unit the measure is scored in (万元 or %); empty for an unknown measure."""
        return MEASURES.get(self.measure, "")

    @property
    def most(self) -> Decimal:
        """The most points the criterion's method can actually give (its part of the card's 满分).

        ``target_gate`` with a bonus: its ``cap``; ``baseline_slope``: its ``max``;
        ``best_worst``: ``base + span``; otherwise W.
        """
        params = self.params
        if self.method == "target_gate" and params.get("bonus", Decimal(0)) > 0:
            return params.get("cap", self.points)
        if self.method == "baseline_slope" and "max" in params:
            return params["max"]
        if self.method == "best_worst" and {"base", "span"} <= set(params):
            return params["base"] + params["span"]
        return self.points

    def param(self, name: str, default: Decimal | None = None) -> Decimal:
        """A parameter, or ``default``; a missing required one is a plan-check problem."""
        value = self.params.get(name, default)
        if value is None:
            raise KeyError(f"criterion {self.id!r} has no parameter {name!r}")
        return value


@attrs.frozen
class BankAssessmentDefined:
    """The plan set the monthly bank assessment: its criteria and how many banks the bulletin names."""

    criteria: tuple[Criterion, ...]
    top: int = attrs.field(default=3, validator=attrs.validators.ge(0))
    """How many places the bulletin's top list covers (banks sharing a place all count)."""
    bottom: int = attrs.field(default=3, validator=attrs.validators.ge(0))
    """How many places from the bottom the bulletin's bottom list covers."""
    text: str = ""


def check_banks(plan: Plan) -> Iterator[PlanProblem]:
    """No bank is called ``bulletin``, and banks are there when the plan assesses them."""
    for bank in plan.items("bank"):
        if bank.id == BULLETIN:
            yield PlanProblem("bank", bank.id, f"{BULLETIN!r} names the bulletin, not a bank", "id")


def check_assessment(plan: Plan) -> Iterator[PlanProblem]:
    """Every criterion names a known method and measure with the parameters its method needs."""
    for assessment in plan.items("bank_assessment"):
        if not plan.items("bank"):
            yield PlanProblem("bank_assessment", None, "the plan lists no [[bank]] to assess")
        if not assessment.criteria:
            yield PlanProblem("bank_assessment", None, "no criteria", "criteria")
        seen: set[str] = set()
        for criterion in assessment.criteria:
            for message in criterion_problems(criterion):
                yield PlanProblem("bank_assessment", None, f"{criterion.id}: {message}", "criteria")
            if criterion.id in seen:
                yield PlanProblem(
                    "bank_assessment", None, f"{criterion.id}: duplicate criterion id", "criteria"
                )
            seen.add(criterion.id)


def criterion_problems(criterion: Criterion) -> Iterator[str]:
    """What is wrong with one criterion, one message each."""
    if criterion.measure not in MEASURES:
        yield f"unknown measure {criterion.measure!r} (one of {', '.join(MEASURES)})"
    if criterion.points <= 0:
        yield f"points must be positive, not {criterion.points}"
    if criterion.method not in METHODS:
        yield f"unknown method {criterion.method!r} (one of {', '.join(METHODS)})"
        return
    required, optional = METHODS[criterion.method]
    given = set(criterion.params)
    for name in sorted(required - given):
        yield f"method {criterion.method} needs parameter {name!r}"
    for name in sorted(given - required - optional):
        known = ", ".join(sorted(required | optional)) or "none"
        yield f"unknown parameter {name!r} for {criterion.method} (parameters: {known})"
    if required - given:
        return
    params = criterion.params
    if criterion.method == "rank_steps":
        if params["step"] < 0:
            yield f"step must not be negative, not {params['step']}"
        if params.get("negative_scores_zero", Decimal(0)) not in (0, 1):
            yield "negative_scores_zero must be 0 or 1"
    elif criterion.method == "best_worst":
        if params["span"] < 0:
            yield f"span must not be negative, not {params['span']}"
        if params["base"] + params["span"] > criterion.points:
            yield (
                f"base + span = {params['base']} + {params['span']} exceeds the criterion's "
                f"{criterion.points} points"
            )
    elif criterion.method == "baseline_slope":
        low, high, base = params["min"], params["max"], params["base"]
        if low > high:
            yield f"min {low} is above max {high}"
        elif not low <= base <= high:
            yield f"base {base} is outside [min, max] = [{low}, {high}]"
    elif criterion.method == "target_gate":
        bonus = params.get("bonus", Decimal(0))
        step = params.get("step")
        if bonus < 0:
            yield f"bonus must not be negative, not {bonus}"
        if bonus > 0 and (step is None or step <= 0):
            yield "a bonus needs a positive step (the amount above target that earns it)"
        if bonus > 0 and "cap" not in params:
            yield "a bonus needs a cap (the most points the criterion can give)"
        if "cap" in params and params["cap"] < criterion.points:
            yield f"cap {params['cap']} is below the criterion's {criterion.points} points"
