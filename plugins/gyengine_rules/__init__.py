"""Reward and accountability rules (表彰奖励与问责) and the quarterly evaluation (季考评).

A standard gyengine plugin, registered through the ``gyengine`` entry-point
group exactly as a third-party plugin is; it uses only gyengine's public API
and the scoring helpers of ``gyengine_plan``.

* plan sections ``[[rule]]`` (a finding kind, a trigger and its parameters) and
  ``[quarterly_evaluation]`` (weights, list sizes, points per finding kind);
* events ``ReportExcused`` (a justification the office accepted: the weeks it
  covers count neither for nor against) and ``FalseReportFound`` (一票否决: the
  unit's commendations of the period are withdrawn);
* evaluator ``rules`` (requires ``indicators`` and ``projects``): 约谈, 督办,
  问责, 扣分 and 表彰 findings, each naming its subject, rule, parameters, period,
  facts and evidence (see :mod:`gyengine_rules.triggers`);
* evaluator ``quarterly`` (requires ``rules`` too): the composite score and rank
  of every responsible unit per quarter, the top and bottom lists.

The rules over the bank bulletin are the separate plugin
:mod:`gyengine_rules.bank_rules` (evaluator ``bank_rules``, which requires ``banks``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gyengine import hookimpl, lazy_exports

if TYPE_CHECKING:
    from gyengine import Evaluator, PlanSection

    from .evaluator import rules
    from .events import FalseReportFound, QuarterlyEvaluationDefined, ReportExcused, RuleDefined
    from .quarterly import quarterly
    from .triggers import TRIGGERS

__version__ = "0.1.0"

__all__ = [
    "TRIGGERS",
    "FalseReportFound",
    "QuarterlyEvaluationDefined",
    "ReportExcused",
    "RuleDefined",
    "quarterly",
    "rules",
]

# The names above, and the submodules, are imported on first use: loading the
# plugin (for `gyengine --help` or `gyengine plugins`) must not pay for them.
_SUBMODULES = ("evaluator", "events", "plan", "triggers")
_NAMES = {
    "FalseReportFound": ".events",
    "QuarterlyEvaluationDefined": ".events",
    "ReportExcused": ".events",
    "RuleDefined": ".events",
    "TRIGGERS": ".triggers",
    "check_quarterly": ".plan",
    "check_rules": ".plan",
    "quarterly": ".quarterly",
    "rules": ".evaluator",
}


# A name wins over the submodule of the same name: ``gyengine_rules.quarterly``
# is the evaluator, even once the submodule has been imported.
_exports = lazy_exports(__name__, _NAMES, _SUBMODULES)


def __getattr__(name: str) -> Any:
    return _exports(name)


@hookimpl
def register_event_types() -> list[type]:
    from .events import FalseReportFound, QuarterlyEvaluationDefined, ReportExcused, RuleDefined

    return [RuleDefined, QuarterlyEvaluationDefined, ReportExcused, FalseReportFound]


@hookimpl
def register_plan_sections() -> list[PlanSection]:
    from gyengine import PlanSection

    from .events import QuarterlyEvaluationDefined, RuleDefined
    from .plan import check_quarterly, check_rules

    return [
        PlanSection(
            name="rule",
            item_type=RuleDefined,
            check=check_rules,
            description="reward and accountability rules: kind, trigger, parameters",
        ),
        PlanSection(
            name="quarterly_evaluation",
            item_type=QuarterlyEvaluationDefined,
            many=False,
            check=check_quarterly,
            description="the quarterly evaluation: weights, top and bottom lists, finding points",
        ),
    ]


@hookimpl
def register_evaluators() -> list[Evaluator]:
    return [_exports("rules"), _exports("quarterly")]
