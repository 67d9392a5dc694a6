"""The monthly bank assessment (银企对接, safeguard 2): banks and the card as plan data, monthly reports, the ``banks`` evaluator.

"Every month assess each bank's support to enterprises and report the results
at a bank governors' meeting": each bank reports its month's lending, the
card scores it criterion by criterion, the banks are ranked and the bulletin
names the top and the bottom of the list. A standard gyengine plugin,
registered through the ``gyengine`` entry-point group exactly as a third-party
plugin is, using only gyengine's public API and the plan frame.

* ``plan``: the ``[[bank]]`` and ``[bank_assessment]`` plan sections and their checks;
* ``events``: ``BankMonthlyReported``, ``BankTargetSet``, ``BankVetoed``;
* ``measures``: what each measure computes from a report;
* ``methods``: the scoring methods (``ratio_to_best``, ``rank_steps``,
  ``best_worst``, ``baseline_slope``, ``target_gate``);
* ``assessment``: the ``banks`` evaluator, its result contract and edge-case rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gyengine import hookimpl, lazy_exports

if TYPE_CHECKING:
    from gyengine import Evaluator, EventCheck, PlanSection

    from .assessment import evaluator
    from .events import BankMonthlyReported, BankTargetSet, BankVetoed
    from .plan import BankAssessmentDefined, BankDefined, Criterion

__version__ = "0.1.0"

__all__ = [
    "BankAssessmentDefined",
    "BankDefined",
    "BankMonthlyReported",
    "BankTargetSet",
    "BankVetoed",
    "Criterion",
    "evaluator",
]

# The names above, and the submodules, are imported on first use: loading the
# plugin (for `gyengine --help` or `gyengine plugins`) must not pay for them.
_SUBMODULES = ("assessment", "events", "measures", "methods", "plan")
_NAMES = {
    "BankAssessmentDefined": ".plan",
    "BankDefined": ".plan",
    "BankMonthlyReported": ".events",
    "BankTargetSet": ".events",
    "BankVetoed": ".events",
    "Criterion": ".plan",
    "check_assessment": ".plan",
    "check_banks": ".plan",
    "evaluator": ".assessment",
}


_exports = lazy_exports(__name__, _NAMES, _SUBMODULES)


def __getattr__(name: str) -> Any:
    return _exports(name)


@hookimpl
def register_event_types() -> list[type]:
    from .events import BankMonthlyReported, BankTargetSet, BankVetoed
    from .plan import BankAssessmentDefined, BankDefined

    return [BankDefined, BankAssessmentDefined, BankMonthlyReported, BankTargetSet, BankVetoed]


@hookimpl
def register_event_checks() -> list[EventCheck]:
    from .checks import EVENT_CHECKS

    return list(EVENT_CHECKS)


@hookimpl
def register_plan_sections() -> list[PlanSection]:
    from gyengine import PlanSection

    from .plan import BankAssessmentDefined, BankDefined, check_assessment, check_banks

    return [
        PlanSection(
            name="bank",
            item_type=BankDefined,
            check=check_banks,
            description="banks assessed every month (各银行)",
        ),
        PlanSection(
            name="bank_assessment",
            item_type=BankAssessmentDefined,
            many=False,
            check=check_assessment,
            description="the monthly bank assessment card: criteria, methods, points, bulletin sizes",
        ),
    ]


@hookimpl
def register_evaluators() -> list[Evaluator]:
    from .assessment import evaluator

    return [evaluator]
