"""The ``quarterly`` evaluator: the quarterly evaluation (季考评) of the assessed units.

The composite, the categories, who is ranked and who is listed, with the plan
sentences behind each rule, are stated in docs/evaluators/quarterly.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Final

import attrs

from gyengine import Evaluator, Event, Finding, ReplayContext, Score
from gyengine_plan.details import detail_int, detail_list, detail_text
from gyengine_plan.scoring import HUNDRED, q2
from gyengine_plan.wording import finding_word, rationale_language

from . import names as result_names
from .evaluator import fold_rule, fold_veto, rules_of
from .events import QuarterlyEvaluationDefined
from .triggers import Rule, Veto, apply_vetoes, finding, unit_of, within

__all__ = ["QuarterlyState", "composite", "quarterly", "rank", "results"]

SCORED: Final = ("indicator", "project", "task")
COMPONENT_WORDS: Final = {"indicator": "指标", "project": "项目", "task": "任务", "finding": "奖惩"}
"""A component's name in a Chinese rationale."""
GOOD_WEEKS: Final = ("green", "watch")
ON_TRACK: Final = ("green", "pending")


@attrs.define
class Group:
    """A category of assessed units as the evaluation keeps it."""

    id: str
    name: str
    units: list[str]
    top: int
    bottom: int


@attrs.define
class Evaluation:
    weights: dict[str, Decimal]
    top: int
    bottom: int
    finding_points: dict[str, Decimal]
    seq: int
    groups: list[Group] = attrs.Factory(list)
    min_items: int = 1


@attrs.define
class Task:
    leads: list[str]


@attrs.define
class TaskItem:
    """A milestone-shaped indicator of a task: its park and responsible units, lead first."""

    task: str
    park: str = ""
    responsible: list[str] = attrs.Factory(list)


@attrs.define
class QuarterlyState:
    evaluation: Evaluation | None = None
    rules: dict[str, Rule] = attrs.Factory(dict)
    vetoes: list[Veto] = attrs.Factory(list)
    units: dict[str, str] = attrs.Factory(dict)
    tasks: dict[str, Task] = attrs.Factory(dict)
    milestone_tasks: dict[str, TaskItem] = attrs.Factory(dict)
    """Milestone-shaped indicator id -> the task it measures, its park and units."""
    parks: dict[str, str] = attrs.Factory(dict)
    """A park's committee -> the park it runs."""
    lang: str = "zh"
    """The plan's language (``PlanDefined.lang``): the rationales are in it."""


def _evaluation(state: QuarterlyState, event: Event) -> None:
    data: QuarterlyEvaluationDefined = event.data
    groups = [
        Group(
            c.id,
            c.name,
            list(c.units),
            data.top if c.top is None else c.top,
            data.bottom if c.bottom is None else c.bottom,
        )
        for c in data.categories
    ]
    state.evaluation = Evaluation(
        dict(data.weights),
        data.top,
        data.bottom,
        dict(data.finding_points),
        event.seq,
        groups,
        data.min_items,
    )


def _task(state: QuarterlyState, event: Event) -> None:
    data = event.data
    state.tasks[data.id] = Task(list(data.lead or data.responsible[:1]))


def _indicator(state: QuarterlyState, event: Event) -> None:
    data = event.data
    if data.shape == "milestone" and data.task:
        state.milestone_tasks[data.id] = TaskItem(data.task, data.park, list(data.responsible))
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
    "ParkDefined": lambda state, event: state.parks.__setitem__(
        event.data.committee, event.data.id
    ),
    "PlanDefined": lambda state, event: setattr(state, "lang", event.data.lang),
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
    items: int = 0
    """How many scored items (indicators, projects, task items) the value rests on."""


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
    lang: str = "zh"
    """The rationales' language."""

    @classmethod
    def read(cls, context: ReplayContext, lang: str = "zh") -> Inputs:
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
                lead = next(iter(detail_list(record.details, "responsible")), "")
                weeks.setdefault(lead, []).append(record)
        findings: dict[str, list[Finding]] = {}
        for name in ("rules", "projects", "indicators"):
            for record in context.results_of(name):
                if isinstance(record, Finding):
                    findings.setdefault(unit_of(record), []).append(record)
        return cls(unit_scores, weeks, completion, findings, lang)

    def periods(self) -> set[str]:
        """Every period judged: the months of the indicators, the weeks of the ledger."""
        months = {period for _, period in self.completion} | {p for _, p in self.unit_scores}
        return months | {w.period for rows in self.weeks.values() for w in rows}

    def units(self, state: QuarterlyState) -> list[str]:
        """The units that may have a scored component: roll-up subjects, project and task leads."""
        found = {unit for unit, _ in self.unit_scores} | set(self.weeks)
        found |= {lead for task in state.tasks.values() for lead in task.leads}
        found |= {
            item.responsible[0] for item in state.milestone_tasks.values() if item.responsible
        }
        return sorted(unit for unit in found if unit)

    def indicator(self, unit: str, month: str) -> Component:
        record = self.unit_scores.get((unit, month))
        if record is None or not isinstance(record.value, Decimal):
            return Component(None)
        items = detail_int(record.details, "indicators") or 0
        how = f"indicator_score {month}" if self.lang == "en" else f"{month} 指标得分"
        return Component(record.value, record.evidence, how, items)

    def project(self, unit: str, quarter: str) -> Component:
        mine = [w for w in self.weeks.get(unit, []) if within(w.period, quarter)]
        if not mine:
            return Component(None)
        good = [w for w in mine if w.status in GOOD_WEEKS]
        projects = len({w.subject for w in mine})
        return Component(
            Decimal(len(good)) / Decimal(len(mine)) * HUNDRED,
            tuple(s for w in mine for s in w.evidence),
            f"{len(good)}/{len(mine)} project weeks green/watch ({projects} projects)"
            if self.lang == "en"
            else f"{len(good)}/{len(mine)} 个项目周绿灯或关注（{projects} 个项目）",
            projects,
        )

    def task(self, state: QuarterlyState, unit: str, month: str) -> Component:
        # A task item is judged in the quarter it falls due (or later), not before:
        # nothing due is not "on track", and must not carry a unit into the ranking.
        end = _month_end(month)
        scores = [
            score
            for indicator, item in sorted(state.milestone_tasks.items())
            if answers(state, unit, item) and (indicator, month) in self.completion
            for score in [self.completion[indicator, month]]
            if detail_text(score.details, "due") <= end
        ]
        if not scores:
            return Component(None)
        ok = [s for s in scores if s.status in ON_TRACK]
        return Component(
            Decimal(len(ok)) / Decimal(len(scores)) * HUNDRED,
            tuple(s for score in scores for s in score.evidence),
            f"{len(ok)}/{len(scores)} lead task items done or on track"
            if self.lang == "en"
            else f"{len(ok)}/{len(scores)} 个牵头任务节点完成或按期推进",
            len(scores),
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
        if self.lang == "en":
            note = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
            how = f"findings: {note or 'none'}"
        else:
            note = "、".join(
                f"{finding_word(kind, self.lang)} {count}" for kind, count in sorted(kinds.items())
            )
            how = note or "无"
        return Component(total, tuple(s for f in mine for s in f.evidence), how)


def _month_end(month: str) -> str:
    """The last day of ``2019-06`` as ISO text (``2019-06-30``), to compare with a due day."""
    year, number = (int(part) for part in month.split("-"))
    following = dt.date(year + number // 12, number % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).isoformat()


def answers(state: QuarterlyState, unit: str, item: TaskItem) -> bool:
    """Whether ``unit`` answers for a task item in the quarterly evaluation.

    A park's committee answers only for its own park's items (K2 is led by both
    parks, each for its own). Of the units responsible for the item, the task's
    leads answer for it; when none of them is responsible, its first unit does.
    """
    park = state.parks.get(unit)
    if park and item.park and item.park != park:
        return False
    task = state.tasks.get(item.task)
    leads = task.leads if task is not None else []
    if not item.responsible:
        return unit in leads
    leading = [u for u in item.responsible if u in leads]
    if leading:
        return unit in leading
    return unit == item.responsible[0]


@attrs.frozen
class Row:
    """A unit's quarter: its components, composite (rounded) and the divisor of the weighted mean."""

    unit: str
    parts: dict[str, Component]
    value: Decimal
    divisor: Decimal

    @property
    def items(self) -> int:
        return sum(part.items for part in self.parts.values())

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


def groups_of(evaluation: Evaluation, rows: dict[str, Row]) -> list[Group]:
    """The categories to rank: the plan's, else one list of every unit with a score."""
    if evaluation.groups:
        return evaluation.groups
    return [Group("", "", sorted(rows), evaluation.top, evaluation.bottom)]


@attrs.frozen
class Ranking:
    """One category's quarter: its ranked rows, places, lists, and the units left unranked."""

    group: Group
    rows: dict[str, Row]
    places: dict[str, int]
    lists: dict[str, list[str]]
    unranked: dict[str, Row]
    order: int = 0
    """The category's place in the plan (reports list categories in this order)."""


def rank_group(group: Group, rows: dict[str, Row], min_items: int, order: int = 0) -> Ranking:
    """Rank a category's units with enough scored items; name the top and bottom (ties extend a list)."""
    members = {u: rows[u] for u in group.units if u in rows}
    ranked = {u: r for u, r in members.items() if r.items >= min_items}
    unranked = {u: r for u, r in members.items() if u not in ranked}
    values = {unit: row.value for unit, row in ranked.items()}
    places, from_bottom = rank(values), _bottom_rank(values)
    # A list never takes every unit ranked: with three ranked, "前三名" would commend
    # all three whatever their work, and one unit alone is compared with no one
    # (docs/evaluators/quarterly.md).
    most = max(len(ranked) - 1, 0)
    top_size, bottom_size = min(group.top, most), min(group.bottom, most)
    top = sorted((u for u in ranked if places[u] <= top_size), key=lambda u: (places[u], u))
    bottom = sorted(
        (u for u in ranked if from_bottom[u] <= bottom_size and u not in top),
        key=lambda u: (places[u], u),
    )
    return Ranking(group, ranked, places, {"top": top, "bottom": bottom}, unranked, order)


def results(state: QuarterlyState, context: ReplayContext) -> Iterator[Score | Finding]:
    """Quarterly scores per assessed unit, each category's top and bottom lists, and ``quarterly_rank`` findings."""
    evaluation = state.evaluation
    if evaluation is None:
        return
    # The language the rationales are in this replay (a copy: the folded state is kept as is).
    state = attrs.evolve(state, lang=rationale_language(context.options, state.lang))
    inputs = Inputs.read(context, state.lang)
    periods = inputs.periods()
    if not periods:
        return
    horizon = context.as_of or max(context.period(p).end for p in periods)
    lang = state.lang
    rank_rules = rules_of(state.rules, "quarterly", lang)
    ranked: list[Finding] = []
    previous: dict[str, int] = {}
    for quarter in sorted({_middle_quarter(context, p) for p in periods}):
        span = context.period(quarter)
        if span.end > horizon:
            continue  # not over yet: evaluated once it is
        rows = quarter_rows(inputs, state, evaluation, quarter, f"{span.end:%Y-%m}")
        places_now: dict[str, int] = {}
        for order, group in enumerate(groups_of(evaluation, rows)):
            ranking = rank_group(group, rows, evaluation.min_items, order)
            places_now.update(ranking.places)
            yield from _group_scores(state, evaluation, ranking, quarter, previous)
            for metric, _units in ranking.lists.items():
                for rule in rank_rules:
                    if rule.value("list") == metric:
                        ranked.extend(
                            _rank_findings(state, evaluation, rule, ranking, metric, quarter)
                        )
        previous = places_now
    veto_rules = rules_of(state.rules, "quarterly", lang, vetoes=True)
    kept, vetoes = apply_vetoes(
        [*rank_rules, *veto_rules], ranked, state.vetoes, state.units, scope="季考评", always=False
    )
    yield from kept
    yield from vetoes


def _group_scores(
    state: QuarterlyState,
    evaluation: Evaluation,
    ranking: Ranking,
    quarter: str,
    previous: dict[str, int],
) -> Iterator[Score]:
    for unit, row in sorted(ranking.rows.items()):
        listed = next((name for name, units in ranking.lists.items() if unit in units), None)
        yield _unit_score(
            state,
            evaluation,
            ranking,
            row,
            quarter,
            ranking.places[unit],
            previous.get(unit),
            listed,
        )
    for unit, row in sorted(ranking.unranked.items()):
        yield _unit_score(state, evaluation, ranking, row, quarter, None, previous.get(unit), None)
    for metric, units in ranking.lists.items():
        if (ranking.group.top if metric == "top" else ranking.group.bottom) > 0:
            yield _list_score(state, evaluation, ranking, metric, quarter, units)


def _rank_findings(
    state: QuarterlyState,
    evaluation: Evaluation,
    rule: Rule,
    ranking: Ranking,
    metric: str,
    quarter: str,
) -> Iterator[Finding]:
    size = ranking.group.top if metric == "top" else ranking.group.bottom
    where = f"{ranking.group.name}类 " if ranking.group.name else ""
    for unit in ranking.lists[metric]:
        label = state.units.get(unit, unit)
        row, place = ranking.rows[unit], ranking.places[unit]
        yield finding(
            rule,
            subject=unit,
            label=label,
            period=quarter,
            facts=(
                f"{label} {quarter} 季考评综合得分 {row.value}，{where}第 {place} 名"
                f"（共 {len(ranking.rows)} 个单位参与排名），列{'前' if metric == 'top' else '后'} "
                f"{size} 名{_tie_note(ranking, metric, size)}"
            ),
            evidence=[evaluation.seq, *row.evidence],
            extra={
                "unit": unit,
                **({"category": ranking.group.id} if ranking.group.id else {}),
                # The facts, for a bulletin to word in its own language.
                "category_name": ranking.group.name,
                "rank": str(place),
                "score": str(row.value),
                "ranked": str(len(ranking.rows)),
                "size": str(size),
            },
        )


def _tie_note(ranking: Ranking, metric: str, size: int) -> str:
    """``（第 3 名并列，名单 4 个单位）`` when a tie makes a list longer than its size."""
    units = ranking.lists[metric]
    if len(units) <= size:
        return ""
    edge = max(ranking.places[u] for u in units) if metric == "top" else None
    if edge is None:
        return f"（得分并列，名单 {len(units)} 个单位）"
    return f"（第 {edge} 名得分并列，名单 {len(units)} 个单位）"


def _list_score(
    state: QuarterlyState,
    evaluation: Evaluation,
    ranking: Ranking,
    metric: str,
    quarter: str,
    units: list[str],
) -> Score:
    group, places = ranking.group, ranking.places
    size = group.top if metric == "top" else group.bottom
    rows = [ranking.rows[u] for u in units]
    names = [state.units.get(row.unit, row.unit) for row in rows]
    shown = "、".join(
        f"{name}（第 {places[row.unit]} 名，{row.value} 分）"
        for name, row in zip(names, rows, strict=True)
    )
    where = f"{group.name}类" if group.name else ""
    return Score(
        subject=f"quarterly/{group.id}" if group.id else "quarterly",
        label=f"季考评{('（' + group.name + '）') if group.name else ''}",
        metric=metric,
        period=quarter,
        value="、".join(names),
        rationale=(
            f"{quarter} 季考评{where}{'前' if metric == 'top' else '后'} {size} 名"
            f"{_tie_note(ranking, metric, size)}：{shown or '无'}"
        ),
        evidence=[evaluation.seq, *(s for row in rows for s in row.evidence)],
        details={
            "units": [row.unit for row in rows],
            "ranks": [places[row.unit] for row in rows],
            "ranked": len(places),
            "category": group.name,
            "category_order": ranking.order,
            "size": size,
        },
    )


def _unit_score(
    state: QuarterlyState,
    evaluation: Evaluation,
    ranking: Ranking,
    row: Row,
    quarter: str,
    place: int | None,
    before: int | None,
    listed: str | None,
) -> Score:
    weights, parts = evaluation.weights, row.parts
    words = COMPONENT_WORDS if state.lang != "en" else {}
    terms = [
        f"{words.get(name, name)} {_show(parts[name].value)} × {weights.get(name, Decimal(0))}"
        for name in SCORED
        if parts[name].value is not None and weights.get(name, Decimal(0)) > 0
    ]
    finding_weight = weights.get("finding", Decimal(0))
    notes = "；".join(
        f"{words.get(name, name)}{'：' if words else ': '}{parts[name].note}"
        for name in (*SCORED, "finding")
        if parts[name].note
    )
    name = state.units.get(row.unit, row.unit)
    where = f"{ranking.group.name}类" if ranking.group.name else ""
    if place is None:
        standing = (
            f"得分项 {row.items} 项，少于 {evaluation.min_items} 项，不参与排名"
            f"（{where or '全部单位'}）"
        )
    else:
        standing = (
            f"{where}第 {place} 名（共 {len(ranking.rows)} 个单位参与排名，"
            f"上季 {before if before is not None else '—'}，{_change(before, place)}）"
        )
    return Score(
        subject=row.unit,
        label=name,
        metric=result_names.QUARTERLY_SCORE,
        period=quarter,
        value=row.value,
        status=listed,
        rationale=(
            f"{name} {quarter}：({' + '.join(terms)}) / {row.divisor} + "
            f"{words.get('finding', 'finding')} {_show(parts['finding'].value)} × {finding_weight} "
            f"= {row.value}；{standing}；{notes}"
        ),
        evidence=[evaluation.seq, *row.evidence],
        details={
            **{name: _show(parts[name].value) for name in (*SCORED, "finding")},
            "divisor": row.divisor,
            "rank": "" if place is None else place,
            "previous_rank": before if before is not None else "",
            "change": "" if place is None else _change(before, place),
            "ranked": len(ranking.rows),
            "items": row.items,
            **(
                {"category": ranking.group.name, "category_order": ranking.order}
                if ranking.group.name
                else {}
            ),
            **({"not_ranked": "yes"} if place is None else {}),
        },
    )


quarterly = Evaluator(
    name=result_names.QUARTERLY,
    version="5",
    consumes=sorted(HANDLERS),
    requires=["indicators", "projects", "rules"],
    state_type=QuarterlyState,
    fold=fold,
    results=results,
    description="quarterly evaluation (季考评): composite per unit, ranks, top and bottom lists",
)
