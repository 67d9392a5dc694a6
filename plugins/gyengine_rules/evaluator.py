"""The ``rules`` evaluator: the plan's reward and accountability rules over the ledger and the indicators.

It folds the rules of the plan, the justifications the office accepted
(``ReportExcused``), the false reports it found (``FalseReportFound``), and the
names of units and groups of indicators; its results read the records of
``projects`` and ``indicators`` (see :mod:`gyengine_rules.triggers`). Each
finding's evidence is the evidence of the records it judged, the rule's
definition, and the justifications and vetoes that changed the outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

import attrs

from gyengine import Evaluator, Event, Finding, ReplayContext
from gyengine_plan.wording import rationale_language

from . import names as result_names
from .events import FalseReportFound, ReportExcused, RuleDefined
from .triggers import FUNCTIONS, TRIGGERS, Excuse, Facts, Rule, Veto, apply_vetoes

__all__ = ["RulesState", "fold", "fold_rule", "fold_veto", "results", "rules"]


@attrs.define
class RulesState:
    """The rules, justifications, vetoes and names folded so far."""

    rules: dict[str, Rule] = attrs.Factory(dict)
    excuses: list[Excuse] = attrs.Factory(list)
    vetoes: list[Veto] = attrs.Factory(list)
    units: dict[str, str] = attrs.Factory(dict)
    groups: dict[str, str] = attrs.Factory(dict)
    """Indicator id -> its group (``主要指标``), for ``indicator_met``'s ``group``."""
    lang: str = "zh"
    """The plan's language (``PlanDefined.lang``): the findings' rationales are in it."""


def fold_rule(rules: dict[str, Rule], event: Event) -> None:
    """Keep a rule's latest definition (a revision supersedes, so the engine drops the old one)."""
    data: RuleDefined = event.data
    rules[data.id] = Rule(
        data.id,
        data.kind,
        data.trigger,
        {key: str(value) for key, value in sorted(data.params.items())},
        data.text,
        event.seq,
    )


def fold_veto(vetoes: list[Veto], event: Event) -> None:
    data: FalseReportFound = event.data
    vetoes.append(Veto(data.subject, data.period, data.reason, list(data.report_ids), event.seq))


def _excuse(state: RulesState, event: Event, context: ReplayContext) -> None:
    data: ReportExcused = event.data
    start = context.period(data.from_week).start if data.from_week else None
    end = context.period(data.to_week).end if data.to_week else None
    state.excuses.append(
        Excuse(data.project, list(data.weeks), start, end, data.reason, data.approved_by, event.seq)
    )


def _unit(state: RulesState, event: Event, context: ReplayContext) -> None:
    state.units[event.data.id] = event.data.name


def _indicator(state: RulesState, event: Event, context: ReplayContext) -> None:
    state.groups[event.data.id] = event.data.group


HANDLERS: Final[dict[str, Callable[[RulesState, Event, ReplayContext], None]]] = {
    "RuleDefined": lambda state, event, context: fold_rule(state.rules, event),
    "ReportExcused": _excuse,
    "FalseReportFound": lambda state, event, context: fold_veto(state.vetoes, event),
    # Owned by gyengine_plan and gyengine_indicators; read by name, for labels and groups.
    "UnitDefined": _unit,
    "IndicatorDefined": _indicator,
    "PlanDefined": lambda state, event, context: setattr(state, "lang", event.data.lang),
}


def fold(state: RulesState, event: Event, context: ReplayContext) -> RulesState:
    """Add one event to the state."""
    HANDLERS[event.type](state, event, context)
    return state


def rules_of(
    state_rules: dict[str, Rule], evaluator: str, lang: str = "zh", *, vetoes: bool = False
) -> list[Rule]:
    """The rules whose (standard) trigger the named evaluator runs (or, with ``vetoes``,
    the ``false_report`` rules), by id, wording their findings in ``lang``."""
    return [
        attrs.evolve(rule, lang=lang)
        for _, rule in sorted(state_rules.items())
        if (rule.trigger == "false_report" if vetoes else rule.trigger in TRIGGERS)
        and (vetoes or TRIGGERS[rule.trigger].evaluator == evaluator)
    ]


def results(state: RulesState, context: ReplayContext) -> Iterator[Finding]:
    """Every rule's findings, commendations vetoed by false reports withdrawn."""
    rules = rules_of(state.rules, "rules", rationale_language(context.options, state.lang))
    if not rules:
        return
    facts = Facts.build(
        context.results_of("projects"),
        context.results_of("indicators"),
        state.excuses,
        state.units,
        state.groups,
    )
    found: list[Finding] = []
    for rule in rules:
        trigger = FUNCTIONS.get(rule.trigger)
        if trigger is not None:
            found.extend(trigger(rule, facts))
    kept, vetoes = apply_vetoes(
        rules, found, state.vetoes, state.units, scope="奖惩规则", always=True
    )
    yield from kept
    yield from vetoes


rules = Evaluator(
    name=result_names.EVALUATOR,
    version="2",
    consumes=sorted(HANDLERS),
    requires=["indicators", "projects"],
    state_type=RulesState,
    fold=fold,
    results=results,
    description="reward and accountability rules: 督办, 问责, 约谈, 扣分, 表彰, 一票否决",
)
