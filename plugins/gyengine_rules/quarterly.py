"""The ``quarterly`` evaluator: the quarterly evaluation (季考评) of the responsible units.

For every quarter that has ended by the as-of date (or by the last period the
ledger and the indicators judged), every responsible unit with at least one
scored component gets a ``quarterly_score``::

    composite = (w_indicator × indicator + w_project × project + w_task × task) / (sum of those weights)
                + w_finding × finding

with only the components the unit has in the sum and its divisor (with all
three and weights adding up to 1, plainly Σ weight × component):

* ``indicator``: the unit's ``indicator_score`` (kind unit) in the quarter's last month;
* ``project``: of the weeks in the quarter of the projects the unit leads (first
  responsible unit), the share whose investment status is green or watch, × 100;
* ``task``: of the milestone-shaped indicators of the tasks the unit leads (the
  task's ``lead``, else its first responsible unit), the share done or on track
  in the quarter's last month, × 100: green (reached by the deadline) or pending
  (not reached, deadline more than 30 days away); yellow and red count against;
* ``finding``: the points of the findings that count for the unit (its subject,
  or ``unit`` in the parameters) in the quarter: the finding's own points, else
  the plan's ``finding_points`` for its kind.

A week belongs to the quarter of its Thursday. Units are ranked by the
composite rounded to cents, ties sharing a place (1, 2, 2, 4); ``change`` is the
previous quarter's rank minus this one (``+2``: up two places). The top and
bottom lists are scores of the subject ``quarterly``; ``quarterly_rank`` rules
turn them into findings, and a false report found for the unit and quarter
withdraws its commendation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Final

import attrs

from gyengine import Evaluator, Event, Finding, ReplayContext, Score
from gyengine_plan.scoring import HUNDRED, q2

from .evaluator import fold_rule, fold_veto, rules_of
from .events import QuarterlyEvaluationDefined
from .triggers import Rule, Veto, apply_vetoes, finding, unit_of, within

__all__ = ["QuarterlyState", "composite", "quarterly", "rank", "results"]

SCORED: Final = ("indicator", "project", "task")
GOOD_WEEKS: Final = ("green", "watch")
ON_TRACK: Final = ("green", "pending")


@attrs.define
class Evaluation:
    weights: dict[str, Decimal]
    top: int
    bottom: int
    finding_points: dict[str, Decimal]
    seq: int


@attrs.define
class Task:
    leads: list[str]


@attrs.define
class QuarterlyState:
    evaluation: Evaluation | None = None
    rules: dict[str, Rule] = attrs.Factory(dict)
    vetoes: list[Veto] = attrs.Factory(list)
    units: dict[str, str] = attrs.Factory(dict)
    tasks: dict[str, Task] = attrs.Factory(dict)
    milestone_tasks: dict[str, str] = attrs.Factory(dict)
    """Milestone-shaped indicator id -> the task it measures."""


def _evaluation(state: QuarterlyState, event: Event) -> None:
    data: QuarterlyEvaluationDefined = event.data
    state.evaluation = Evaluation(
        dict(data.weights), data.top, data.bottom, dict(data.finding_points), event.seq
    )


def _task(state: QuarterlyState, event: Event) -> None:
    data = event.data
    state.tasks[data.id] = Task(list(data.lead or data.responsible[:1]))


def _indicator(state: QuarterlyState, event: Event) -> None:
    data = event.data
    if data.shape == "milestone" and data.task:
        state.milestone_tasks[data.id] = data.task
    else:
        state.milestone_tasks.pop(data.id, None)


HANDLERS: Final[dict[str, Callable[[QuarterlyState, Event], None]]] = {
    "QuarterlyEvaluationDefined": _evaluation,
    "RuleDefined": lambda state, event: fold_rule(state.rules, event),
    "FalseReportFound": lambda state, event: fold_veto(state.vetoes, event),
    # Owned by gyengine_plan and gyengine_indicators; read by name.
    "UnitDefined": lambda state, event: state.units.__setitem__(event.data.id, event.data.name),
    "TaskDefined": _task,
    "IndicatorDefined": _indicator,
}


def fold(state: QuarterlyState, event: Event, context: ReplayContext) -> QuarterlyState:
    """Add one event to the state."""
    HANDLERS[event.type](state, event)
    return state


# -- arithmetic ------------------------------------------------------------------


def composite(
    components: dict[str, Decimal | None], weights: dict[str, Decimal]
) -> tuple[Decimal, Decimal] | None:
    """``(composite, divisor)``: the weighted mean of the scored components present plus the weighted points.

    None when the unit has no scored component with a weight.
    """
    present = {
        name: value
        for name, value in components.items()
        if name in SCORED and value is not None and weights.get(name, Decimal(0)) > 0
    }
    divisor = sum((weights[name] for name in present), Decimal(0))
    if divisor == 0:
        return None
    base = sum((weights[name] * value for name, value in present.items()), Decimal(0)) / divisor
    points = components.get("finding") or Decimal(0)
    return base + weights.get("finding", Decimal(0)) * points, divisor


def rank(values: dict[str, Decimal]) -> dict[str, int]:
    """Competition ranking, highest first: ties share a place (1, 2, 2, 4)."""
    return {
        key: 1 + sum(1 for other in values.values() if other > value)
        for key, value in values.items()
    }


def _bottom_rank(values: dict[str, Decimal]) -> dict[str, int]:
    return {
        key: 1 + sum(1 for other in values.values() if other < value)
        for key, value in values.items()
    }


def _quarter(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _show(value: Decimal | None) -> str:
    return "" if value is None else str(q2(value))


def _change(previous: int | None, now: int) -> str:
    if previous is None:
        return "new"
    moved = previous - now
    return f"+{moved}" if moved > 0 else str(moved)


# -- the facts of a quarter ------------------------------------------------------


@attrs.frozen
class Component:
    """One component of a unit's quarter: its value (None: the unit has none), evidence and how."""

    value: Decimal | None
    evidence: tuple[int, ...] = ()
    note: str = ""


@attrs.frozen
class Inputs:
    """The records the evaluation reads, indexed once per replay."""

    unit_scores: dict[tuple[str, str], Score]
    """``(unit, month) ->`` the unit's ``indicator_score``."""
    weeks: dict[str, list[Score]]
    """Lead unit -> the weekly ``investment`` scores of its projects."""
    completion: dict[tuple[str, str], Score]
    """``(indicator, month) ->`` its ``completion`` score."""
    findings: dict[str, list[Finding]]
    """Unit -> the findings that count for it."""

    @classmethod
    def read(cls, context: ReplayContext) -> Inputs:
        unit_scores, completion = {}, {}
        for record in context.results_of("indicators"):
            if not isinstance(record, Score):
                continue
            if record.metric == "indicator_score" and record.details.get("kind") == "unit":
                unit_scores[record.subject, record.period] = record
            elif record.metric == "completion":
                completion[record.subject, record.period] = record
        weeks: dict[str, list[Score]] = {}
        for record in context.results_of("projects"):
            if (
                isinstance(record, Score)
                and record.metric == "investment"
                and record.details.get("scope") == "project"
            ):
                lead = record.details.get("responsible", "").split("、")[0]
                weeks.setdefault(lead, []).append(record)
        findings: dict[str, list[Finding]] = {}
        for name in ("rules", "projects", "indicators"):
            for record in context.results_of(name):
                if isinstance(record, Finding):
                    findings.setdefault(unit_of(record), []).append(record)
        return cls(unit_scores, weeks, completion, findings)

    def periods(self) -> set[str]:
        """Every period judged: the months of the indicators, the weeks of the ledger."""
        months = {period for _, period in self.completion} | {p for _, p in self.unit_scores}
        return months | {w.period for rows in self.weeks.values() for w in rows}

    def units(self, state: QuarterlyState) -> list[str]:
        """The units that may have a scored component: roll-up subjects, project and task leads."""
        found = {unit for unit, _ in self.unit_scores} | set(self.weeks)
        found |= {lead for task in state.tasks.values() for lead in task.leads}
        return sorted(unit for unit in found if unit)

    def indicator(self, unit: str, month: str) -> Component:
        record = self.unit_scores.get((unit, month))
        if record is None or not isinstance(record.value, Decimal):
            return Component(None)
        return Component(record.value, record.evidence, f"indicator_score {month}")

    def project(self, unit: str, quarter: str) -> Component:
        mine = [w for w in self.weeks.get(unit, []) if within(w.period, quarter)]
        if not mine:
            return Component(None)
        good = [w for w in mine if w.status in GOOD_WEEKS]
        projects = len({w.subject for w in mine})
        return Component(
            Decimal(len(good)) / Decimal(len(mine)) * HUNDRED,
            tuple(s for w in mine for s in w.evidence),
            f"{len(good)}/{len(mine)} 个项目周 green/watch（{projects} 个项目）",
        )

    def task(self, state: QuarterlyState, unit: str, month: str) -> Component:
        led = {task for task, entry in state.tasks.items() if unit in entry.leads}
        scores = [
            self.completion[indicator, month]
            for indicator, task in sorted(state.milestone_tasks.items())
            if task in led and (indicator, month) in self.completion
        ]
        if not scores:
            return Component(None)
        ok = [s for s in scores if s.status in ON_TRACK]
        return Component(
            Decimal(len(ok)) / Decimal(len(scores)) * HUNDRED,
            tuple(s for score in scores for s in score.evidence),
            f"{len(ok)}/{len(scores)} 个牵头任务节点完成或按期推进",
        )

    def finding(self, evaluation: Evaluation, unit: str, quarter: str) -> Component:
        mine = [f for f in self.findings.get(unit, []) if within(f.period, quarter)]
        total = Decimal(0)
        kinds: dict[str, int] = {}
        for record in mine:
            points = record.points
            if points is None:
                points = evaluation.finding_points.get(record.kind, Decimal(0))
            total += points
            kinds[record.kind] = kinds.get(record.kind, 0) + 1
        note = "、".join(f"{kind} {count}" for kind, count in sorted(kinds.items())) or "无"
        return Component(total, tuple(s for f in mine for s in f.evidence), f"奖惩 {note}")


@attrs.frozen
class Row:
    """A unit's quarter: its components, composite (rounded) and the divisor of the weighted mean."""

    unit: str
    parts: dict[str, Component]
    value: Decimal
    divisor: Decimal

    @property
    def evidence(self) -> list[int]:
        return [s for part in self.parts.values() for s in part.evidence]


def quarter_rows(
    inputs: Inputs, state: QuarterlyState, evaluation: Evaluation, quarter: str, month: str
) -> dict[str, Row]:
    """The rows of every unit with a scored component in the quarter."""
    rows = {}
    for unit in inputs.units(state):
        parts = {
            "indicator": inputs.indicator(unit, month),
            "project": inputs.project(unit, quarter),
            "task": inputs.task(state, unit, month),
            "finding": inputs.finding(evaluation, unit, quarter),
        }
        total = composite({k: c.value for k, c in parts.items()}, evaluation.weights)
        if total is not None:
            rows[unit] = Row(unit, parts, q2(total[0]), total[1])
    return rows


def _middle_quarter(context: ReplayContext, period: str) -> str:
    span = context.period(period)
    return _quarter(span.start + (span.end - span.start) // 2)


# -- results ---------------------------------------------------------------------


def results(state: QuarterlyState, context: ReplayContext) -> Iterator[Score | Finding]:
    """Quarterly scores per unit, the top and bottom lists, and the findings of ``quarterly_rank`` rules."""
    evaluation = state.evaluation
    if evaluation is None:
        return
    inputs = Inputs.read(context)
    periods = inputs.periods()
    if not periods:
        return
    horizon = context.as_of or max(context.period(p).end for p in periods)
    rank_rules = rules_of(state.rules, "quarterly")
    ranked: list[Finding] = []
    previous: dict[str, int] = {}
    for quarter in sorted({_middle_quarter(context, p) for p in periods}):
        span = context.period(quarter)
        if span.end > horizon:
            continue  # not over yet: evaluated once it is
        rows = quarter_rows(inputs, state, evaluation, quarter, f"{span.end:%Y-%m}")
        values = {unit: row.value for unit, row in rows.items()}
        places, from_bottom = rank(values), _bottom_rank(values)
        lists = {
            "top": sorted(
                (u for u in rows if places[u] <= evaluation.top), key=lambda u: (places[u], u)
            )
        }
        lists["bottom"] = sorted(
            (u for u in rows if from_bottom[u] <= evaluation.bottom and u not in lists["top"]),
            key=lambda u: (places[u], u),
        )
        for unit, row in sorted(rows.items()):
            listed = next((name for name, units in lists.items() if unit in units), None)
            yield _unit_score(
                state, evaluation, row, quarter, places[unit], previous.get(unit), len(rows), listed
            )
        for metric, units in lists.items():
            size = evaluation.top if metric == "top" else evaluation.bottom
            yield _list_score(
                state, evaluation, metric, size, quarter, [rows[u] for u in units], places
            )
            for rule in rank_rules:
                if rule.value("list") != metric:
                    continue
                for unit in units:
                    label = state.units.get(unit, unit)
                    ranked.append(
                        finding(
                            rule,
                            subject=unit,
                            label=label,
                            period=quarter,
                            facts=(
                                f"{label} {quarter} 季考评综合得分 {values[unit]}，第 {places[unit]} 名"
                                f"（共 {len(rows)} 个单位），列{'前' if metric == 'top' else '后'} {size} 名"
                            ),
                            evidence=[evaluation.seq, *rows[unit].evidence],
                            extra={"unit": unit},
                        )
                    )
        previous = places
    veto_rules = [rule for rule in state.rules.values() if rule.trigger == "false_report"]
    kept, vetoes = apply_vetoes(
        [*rank_rules, *veto_rules], ranked, state.vetoes, state.units, scope="季考评", always=False
    )
    yield from kept
    yield from vetoes


def _list_score(
    state: QuarterlyState,
    evaluation: Evaluation,
    metric: str,
    size: int,
    quarter: str,
    rows: list[Row],
    places: dict[str, int],
) -> Score:
    names = [state.units.get(row.unit, row.unit) for row in rows]
    shown = "、".join(
        f"{name}（第 {places[row.unit]} 名，{row.value} 分）"
        for name, row in zip(names, rows, strict=True)
    )
    return Score(
        subject="quarterly",
        label="季考评",
        metric=metric,
        period=quarter,
        value="、".join(names),
        rationale=f"{quarter} 季考评{'前' if metric == 'top' else '后'} {size} 名（并列同名次）：{shown or '无'}",
        evidence=[evaluation.seq, *(s for row in rows for s in row.evidence)],
        details={
            "units": ",".join(row.unit for row in rows),
            "ranks": ",".join(str(places[row.unit]) for row in rows),
            "ranked": len(places),
        },
    )


def _unit_score(
    state: QuarterlyState,
    evaluation: Evaluation,
    row: Row,
    quarter: str,
    place: int,
    before: int | None,
    ranked: int,
    listed: str | None,
) -> Score:
    weights, parts = evaluation.weights, row.parts
    terms = [
        f"{name} {_show(parts[name].value)} × {weights.get(name, Decimal(0))}"
        for name in SCORED
        if parts[name].value is not None and weights.get(name, Decimal(0)) > 0
    ]
    finding_weight = weights.get("finding", Decimal(0))
    notes = "；".join(
        f"{name}: {parts[name].note}" for name in (*SCORED, "finding") if parts[name].note
    )
    name = state.units.get(row.unit, row.unit)
    return Score(
        subject=row.unit,
        label=name,
        metric="quarterly_score",
        period=quarter,
        value=row.value,
        status=listed,
        rationale=(
            f"{name} {quarter}：({' + '.join(terms)}) / {row.divisor} + finding "
            f"{_show(parts['finding'].value)} × {finding_weight} = {row.value}；"
            f"第 {place} 名（共 {ranked} 个单位，上季 {before if before is not None else '—'}，"
            f"{_change(before, place)}）；{notes}"
        ),
        evidence=[evaluation.seq, *row.evidence],
        details={
            **{name: _show(parts[name].value) for name in (*SCORED, "finding")},
            "divisor": row.divisor,
            "rank": place,
            "previous_rank": before if before is not None else "",
            "change": _change(before, place),
            "ranked": ranked,
        },
    )


quarterly = Evaluator(
    name="quarterly",
    version="1",
    consumes=sorted(HANDLERS),
    requires=["indicators", "projects", "rules"],
    state_type=QuarterlyState,
    fold=fold,
    results=results,
    description="quarterly evaluation (季考评): composite per unit, ranks, top and bottom lists",
)
