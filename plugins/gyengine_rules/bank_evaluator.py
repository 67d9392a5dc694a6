"""The ``bank_rules`` evaluator itself; the plugin is :mod:`gyengine_rules.bank_rules`.

Kept apart so that loading the plugin (for ``gyengine --help`` or ``gyengine
plugins``) does not import the rules' triggers: the plugin module imports this
one when the evaluator is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

import attrs

from gyengine import Evaluator, Event, Finding, ReplayContext, Score
from gyengine_plan.details import detail_list
from gyengine_plan.wording import rationale_language

from . import names as result_names
from .evaluator import fold_rule, fold_veto, rules_of
from .triggers import Rule, Veto, apply_vetoes, finding

__all__ = ["BULLETIN", "HANDLERS", "BankRulesState", "bank_rules", "fold", "results"]

BULLETIN: Final = "bulletin"


@attrs.define
class BankRulesState:
    rules: dict[str, Rule] = attrs.Factory(dict)
    vetoes: list[Veto] = attrs.Factory(list)
    lang: str = "zh"
    """The plan's language (``PlanDefined.lang``): the findings' rationales are in it."""


HANDLERS: Final[dict[str, Callable[[BankRulesState, Event], None]]] = {
    "RuleDefined": lambda state, event: fold_rule(state.rules, event),
    "FalseReportFound": lambda state, event: fold_veto(state.vetoes, event),
    "PlanDefined": lambda state, event: setattr(state, "lang", event.data.lang),
}


def fold(state: BankRulesState, event: Event, context: ReplayContext) -> BankRulesState:
    """Add one event to the state."""
    HANDLERS[event.type](state, event)
    return state


def results(state: BankRulesState, context: ReplayContext) -> Iterator[Finding]:
    """A finding per bank named in a bulletin list a rule watches; vetoed commendations withdrawn."""
    lang = rationale_language(context.options, state.lang)
    rules = rules_of(state.rules, "bank_rules", lang)
    if not rules:
        return
    records = [r for r in context.results_of("banks") if isinstance(r, Score)]
    scores = {(r.subject, r.period): r for r in records if r.metric == "score"}
    names = {r.subject: r.label for r in records if r.metric == "score" and r.label}
    found: list[Finding] = []
    for rule in rules:
        wanted, kind = rule.value("list"), rule.value("period")
        for bulletin in records:
            if bulletin.subject != BULLETIN or bulletin.metric != wanted:
                continue
            if context.period(bulletin.period).kind != kind:
                continue
            if bulletin.details.get("provisional") == "yes":
                continue  # a list of an unfinished period is not yet a verdict
            banks = detail_list(bulletin.details, "banks")
            for bank in banks:
                score = scores.get((bank, bulletin.period))
                label = names.get(bank, bank)
                place = f"第 {score.details.get('rank')} 名，得分 {score.value}" if score else ""
                found.append(
                    finding(
                        rule,
                        subject=bank,
                        label=label,
                        period=bulletin.period,
                        facts=(
                            f"{label} 列 {bulletin.period} 银行考核通报"
                            f"{'前列' if wanted == 'top' else '后列'}（{place or bulletin.rationale}）"
                        ),
                        evidence=[*bulletin.evidence, *(score.evidence if score else ())],
                        extra={
                            "rank": str(score.details.get("rank", "")),
                            "score": str(score.value),
                        }
                        if score
                        else None,
                    )
                )
    veto_rules = rules_of(state.rules, "bank_rules", lang, vetoes=True)
    kept, vetoes = apply_vetoes(
        [*rules, *veto_rules], found, state.vetoes, names, scope="银行考核", always=False
    )
    yield from kept
    yield from vetoes


bank_rules = Evaluator(
    name=result_names.BANK_RULES,
    version="2",
    consumes=sorted(HANDLERS),
    requires=["banks"],
    state_type=BankRulesState,
    fold=fold,
    results=results,
    description="rules over the bank bulletin: commend the top banks, warn the bottom ones",
)
