"""The check of the ``[supervision_loop]`` plan section: the rules it names exist."""

from __future__ import annotations

from collections.abc import Iterator

from gyengine import Plan, PlanProblem

from .events import SupervisionLoopDefined

__all__ = ["check_loop"]


def check_loop(plan: Plan) -> Iterator[PlanProblem]:
    """``rules`` names rules of the plan; no day is both a holiday and a working day."""
    loops: list[SupervisionLoopDefined] = plan.items("supervision_loop")
    rules = plan.keys("rule")
    for loop in loops:
        for rule in loop.rules:
            if rule not in rules:
                yield PlanProblem(
                    "supervision_loop",
                    None,
                    f"unknown rule {rule!r} (no [[rule]] has that id)",
                    "rules",
                )
        for day in sorted(set(loop.holidays) & set(loop.workdays)):
            yield PlanProblem(
                "supervision_loop",
                None,
                f"{day} is both a holiday and a working day; keep it in one list",
                "workdays",
            )
        if len(set(loop.escalation)) != len(loop.escalation):
            yield PlanProblem(
                "supervision_loop", None, "a step appears twice in the ladder", "escalation"
            )
