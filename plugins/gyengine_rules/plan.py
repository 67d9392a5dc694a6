"""Checks of the ``[[rule]]`` and ``[quarterly_evaluation]`` plan sections.

Each problem names the rule and the parameter::

    plan.toml:1290: [rule] R02: params: unknown parameter 'period' (project_lag_streak takes periods, points, statuses, subject)
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from gyengine import Plan, PlanProblem

from .events import QuarterlyEvaluationDefined, RuleDefined
from .triggers import STATUSES, TRIGGERS, Param

__all__ = ["COMPONENTS", "check_quarterly", "check_rules"]

COMPONENTS = ("indicator", "project", "task", "finding")
"""The components of the quarterly score, as ``weights`` names them."""


def _param_problem(name: str, param: Param, value: Decimal | str) -> str | None:
    if param.type in ("int", "number"):
        if not isinstance(value, Decimal):
            return f"{name} must be a number, not {value!r}"
        if param.type == "int" and (value != value.to_integral_value() or value < param.minimum):
            return f"{name} must be a whole number ≥ {param.minimum}, not {value}"
        return None
    text = str(value)
    if param.type == "statuses":
        given = [s.strip() for s in text.split(",") if s.strip()]
        unknown = [s for s in given if s not in STATUSES]
        if not given or unknown:
            return (
                f"{name} must list statuses separated by commas ({', '.join(STATUSES)}), "
                f"not {text!r}"
            )
    elif param.type == "choice" and name == "subject" and text == "lead_official":
        return (
            "subject must be a unit, not 'lead_official': a county leader is reported to, "
            'never held accountable by the office; use subject = "department" and '
            'report_to = "lead_official"'
        )
    elif param.type == "choice" and text not in param.choices:
        return f"{name} must be one of {', '.join(param.choices)}, not {text!r}"
    return None


def check_rules(plan: Plan) -> Iterator[PlanProblem]:
    """Rules name a known trigger, a kind it may give and parameters it takes, with valid values."""
    rules: list[RuleDefined] = plan.items("rule")
    for rule in rules:
        if ":" in rule.trigger:
            continue  # another plugin's trigger: that plugin checks its parameters
        spec = TRIGGERS.get(rule.trigger)
        if spec is None:
            yield PlanProblem(
                "rule",
                rule.id,
                f"unknown trigger {rule.trigger!r} (one of {', '.join(sorted(TRIGGERS))}, "
                f"or a plugin's own as plugin:name)",
                "trigger",
            )
            continue
        if rule.kind not in spec.kinds:
            yield PlanProblem(
                "rule",
                rule.id,
                f"{rule.trigger} gives {' or '.join(spec.kinds)}, not {rule.kind!r}",
                "kind",
            )
        for name, value in sorted(rule.params.items()):
            param = spec.params.get(name)
            if param is None:
                yield PlanProblem(
                    "rule",
                    rule.id,
                    f"unknown parameter {name!r} ({rule.trigger} takes {', '.join(sorted(spec.params))})",
                    "params",
                )
                continue
            problem = _param_problem(name, param, value)
            if problem is not None:
                yield PlanProblem("rule", rule.id, problem, "params")
        for name, param in sorted(spec.params.items()):
            if param.default is None and name not in rule.params:
                yield PlanProblem("rule", rule.id, f"{rule.trigger} needs {name}", "params")
        first, last = rule.params.get("from"), rule.params.get("to")
        if isinstance(first, Decimal) and isinstance(last, Decimal) and 0 < last < first:
            yield PlanProblem("rule", rule.id, f"to {last} is before from {first}", "params")


def check_quarterly(plan: Plan) -> Iterator[PlanProblem]:
    """Weights name known components, are not negative, and the scored ones add up to more than 0."""
    items: list[QuarterlyEvaluationDefined] = plan.items("quarterly_evaluation")
    for item in items:
        for name, weight in sorted(item.weights.items()):
            if name not in COMPONENTS:
                yield PlanProblem(
                    "quarterly_evaluation",
                    None,
                    f"unknown component {name!r} (one of {', '.join(COMPONENTS)})",
                    "weights",
                )
            elif weight < 0:
                yield PlanProblem(
                    "quarterly_evaluation", None, f"{name} weighs {weight}, below 0", "weights"
                )
        units, seen = plan.keys("unit"), dict[str, str]()
        for category in item.categories:
            for unit in category.units:
                if unit not in units:
                    yield PlanProblem(
                        "quarterly_evaluation",
                        None,
                        f"category {category.id}: unknown unit {unit!r}",
                        "categories",
                    )
                elif unit in seen:
                    yield PlanProblem(
                        "quarterly_evaluation",
                        None,
                        f"unit {unit!r} is in categories {seen[unit]} and {category.id}: "
                        "a unit is ranked in one category",
                        "categories",
                    )
                seen.setdefault(unit, category.id)
        scored = sum((item.weights.get(n, Decimal(0)) for n in COMPONENTS[:3]), Decimal(0))
        if scored <= 0:
            yield PlanProblem(
                "quarterly_evaluation",
                None,
                "give indicator, project or task a weight above 0",
                "weights",
            )
