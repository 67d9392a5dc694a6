"""The indicator evaluator: every target shape, judged month by month.

The rules it applies, with the plan sentences they come from, are stated in
docs/evaluators/indicators.md; this module implements them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import operator
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, Final

import attrs

from gyengine import Event, Quantity, ReplayContext, Score
from gyengine_plan.scoring import (
    HUNDRED,
    StatusProfile,
    elapsed_fraction,
    node_shares,
    pct,
    points,
    q2,
)
from gyengine_plan.wording import arrow, rationale_language, status_word

from . import names as result_names
from .events import (
    FACT_TYPES,
    IndicatorDefined,
    MilestoneReached,
    StatisticReported,
    TargetSet,
)

# -- state -----------------------------------------------------------------------


@attrs.define
class Stat:
    period: str
    start: dt.date
    end: dt.date
    value: Decimal
    unit: str
    seq: int


@attrs.define
class Entry:
    """A target set by an authority, or a milestone reached."""

    name: str
    value: Decimal
    unit: str
    day: dt.date
    seq: int


@attrs.define
class Fact:
    type: str
    texts: dict[str, str]
    amounts: dict[str, Decimal]
    units: dict[str, str]
    day: dt.date
    seq: int


@attrs.define
class Definition:
    item: IndicatorDefined
    seq: int


@attrs.define
class Params:
    year: int
    profile: str = "pp"
    watch_pp: Decimal = Decimal(10)
    yellow_pp: Decimal = Decimal(30)
    yellow_ratio: Decimal = Decimal("0.5")
    lead_weight: Decimal = Decimal(1)
    co_weight: Decimal = Decimal("0.5")
    seq: int = 0
    lang: str = "zh"
    """The plan's language; the option ``lang`` overrides it (see ``gyengine_plan.wording``)."""

    def status_profile(self) -> StatusProfile:
        return StatusProfile(self.profile, self.watch_pp, self.yellow_pp, self.yellow_ratio)


@attrs.define
class IndicatorState:
    params: Params | None = None
    definitions: dict[str, Definition] = attrs.Factory(dict)
    stats: dict[str, list[Stat]] = attrs.Factory(dict)
    targets: dict[str, list[Entry]] = attrs.Factory(dict)
    milestones: dict[str, list[Entry]] = attrs.Factory(dict)
    facts: list[Fact] = attrs.Factory(list)
    units: dict[str, str] = attrs.Factory(dict)
    parks: dict[str, str] = attrs.Factory(dict)
    committees: dict[str, str] = attrs.Factory(dict)
    """Park id -> the unit that runs it (its 管委会)."""
    last_day: dt.date | None = None


# -- fold ------------------------------------------------------------------------


def _seen(state: IndicatorState, day: dt.date) -> None:
    if state.last_day is None or day > state.last_day:
        state.last_day = day


def _day_of(event: Event, context: ReplayContext) -> dt.date:
    if event.occurred is not None:
        return context.period(event.occurred).start
    return dt.date.fromisoformat(event.recorded[:10])


def fold(state: IndicatorState, event: Event, context: ReplayContext) -> IndicatorState:
    data = event.data
    name = event.type
    if name == "PlanDefined":
        state.params = Params(
            data.year,
            data.status_profile,
            data.watch_pp,
            data.yellow_pp,
            data.yellow_ratio,
            data.lead_weight,
            data.co_weight,
            event.seq,
            data.lang,
        )
    elif name == "UnitDefined":
        state.units[data.id] = data.name
    elif name == "ParkDefined":
        state.parks[data.id] = data.name
        state.committees[data.id] = data.committee
    elif isinstance(data, IndicatorDefined):
        state.definitions[data.id] = Definition(data, event.seq)
    elif isinstance(data, StatisticReported):
        period = context.period(event.occurred) if event.occurred else None
        if period is None:
            return state
        try:
            per_unit = Quantity.parse(f"1 {data.unit}")
            amount, unit = data.value * per_unit.amount, per_unit.unit
        except ValueError:
            # A unit gyengine does not know is kept as written: the evaluation
            # names the statistic and leaves it out, instead of failing the replay.
            amount, unit = data.value, data.unit
        key = f"{data.indicator}|{data.part}"
        state.stats.setdefault(key, []).append(
            Stat(period.text, period.start, period.end, amount, unit, event.seq)
        )
        _seen(state, period.end)
    elif isinstance(data, TargetSet):
        # In force from its effective day, else from the day it was first recorded:
        # a target set in July does not re-judge January, unless it says it is retroactive.
        if data.retroactive:
            day = _day_of(event, context)
        elif data.effective is not None:
            day = data.effective
        else:
            day = dt.date.fromisoformat(context.first_recorded(event)[:10])
        state.targets.setdefault(data.indicator, []).append(
            Entry("target", data.target.amount, data.target.unit, day, event.seq)
        )
    elif isinstance(data, MilestoneReached):
        state.milestones.setdefault(data.indicator, []).append(
            Entry(data.milestone, Decimal(1), "", data.date, event.seq)
        )
        _seen(state, data.date)
    elif isinstance(data, FACT_TYPES):
        texts: dict[str, str] = {}
        amounts: dict[str, Decimal] = {}
        units: dict[str, str] = {}
        for field in attrs.fields(type(data)):  # type: ignore[arg-type]  # FACT_TYPES are attrs classes
            value = getattr(data, field.name)
            if isinstance(value, Quantity):
                amounts[field.name], units[field.name] = value.amount, value.unit
            elif isinstance(value, str):
                texts[field.name] = value
        day = _day_of(event, context)
        state.facts.append(Fact(name, texts, amounts, units, day, event.seq))
        _seen(state, day)
    return state


CONSUMES = [
    "PlanDefined",
    "UnitDefined",
    "ParkDefined",
    "IndicatorDefined",
    "StatisticReported",
    "TargetSet",
    "MilestoneReached",
    *(cls.__name__ for cls in FACT_TYPES),
]


# -- evaluation ------------------------------------------------------------------


@attrs.frozen
class Outcome:
    actual: Decimal | None
    target: Decimal | None
    expected: Decimal | None
    completion: Decimal | None
    expected_pct: Decimal | None
    status: str
    points: Decimal | None
    rationale: str
    evidence: tuple[int, ...]
    details: dict[str, str]


RATE_SHAPES = ("threshold", "baseline_delta", "external")


def is_rate(item: IndicatorDefined) -> bool:
    """A growth rate or a share (unit %, no schedule): judged in percentage points, never time-shared."""
    return item.unit == "%" and not item.schedule and item.shape in RATE_SHAPES


def due_day(item: IndicatorDefined, year: int) -> dt.date:
    """When the whole target is due: a milestone's deadline, else the year's last day."""
    if item.shape == "milestone" and item.deadline is not None:
        return item.deadline
    return dt.date(year, 12, 31)


def natural(text: str) -> list[Any]:
    """Sort key: I2 before I10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _show(value: Decimal | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{q2(value):,}"
    return f"{text} {unit}".strip()


def _in(unit: str, amount: Decimal, base: str) -> Decimal:
    return Quantity(amount, base).in_unit(unit)


def _base(unit: str) -> str:
    """The base unit of an indicator's unit (亿元 -> 元), for amounts not tied to a target."""
    return Quantity.base_of(unit)


class Evaluation:
    """Judges one indicator on one day."""

    def __init__(
        self, state: IndicatorState, params: Params, day: dt.date, lang: str = "zh"
    ) -> None:
        self.state, self.params, self.day, self.lang = state, params, day, lang
        self.profile = params.status_profile()

    def say(self, en: str, zh: str) -> str:
        """The rationale's words in its language."""
        return en if self.lang == "en" else zh

    @property
    def sep(self) -> str:
        """What separates the parts of a rationale: ``; `` or ``；``."""
        return self.say("; ", "；")

    def concluded(self, status: str) -> str:
        """`` → 黄灯`` (`` → yellow`` in English)."""
        return arrow(status_word(status, self.lang))

    def latest_stat(self, key: str, period: str | None = None) -> Stat | None:
        """The latest statistic of ``key`` by this day, or the one of ``period``.

        Without ``period`` only statistics about the plan year count (the 2018
        figure a baseline is taken from is not the 2019 actual), and only about
        periods that have ended by the judging day: on 30 April a Q2 figure is
        not yet a fact, and as of 15 June the latest month known is May.
        """
        year_start = dt.date(self.params.year, 1, 1)
        best = None
        for stat in self.state.stats.get(key, []):
            if period is not None:
                if stat.period != period:
                    continue
            elif stat.end > self.day or stat.end < year_start:
                continue
            if best is None or (stat.end, stat.seq) > (best.end, best.seq):
                best = stat
        return best

    def same_period(self, key_a: str, key_b: str, a: Stat, b: Stat) -> tuple[Stat, Stat]:
        """The statistics of two series for the latest period end both have (else ``a``, ``b``)."""
        year_start = dt.date(self.params.year, 1, 1)

        def by_end(key: str) -> dict[dt.date, Stat]:
            found: dict[dt.date, Stat] = {}
            for stat in self.state.stats.get(key, []):
                if stat.end > self.day or stat.end < year_start:
                    continue
                if stat.end not in found or stat.seq > found[stat.end].seq:
                    found[stat.end] = stat
            return found

        ends_a, ends_b = by_end(key_a), by_end(key_b)
        common = ends_a.keys() & ends_b.keys()
        if not common:
            return a, b
        end = max(common)
        return ends_a[end], ends_b[end]

    def measure(
        self, item: IndicatorDefined, part: str = ""
    ) -> tuple[Decimal | None, list[int], str]:
        """The actual value in base units, the seqs behind it and how it was obtained.

        Figures in a unit that measures something else than the indicator (a
        statistic in 亿元 for a rate in %, 亩 of land in a sum of m²) are left
        out and named, never added as if they were in the indicator's unit.
        """
        spec = item.measure
        base = item.target.unit if item.target is not None else _base(item.unit)
        if spec.source == "statistic":
            stat = self.latest_stat(f"{item.id}|{part}")
            if stat is None:
                return None, [], self.say("no statistic reported yet", "尚无统计数")
            if stat.unit != base:
                return (
                    None,
                    [stat.seq],
                    f"{stat.period} 统计数（seq {stat.seq}）单位为 {stat.unit}，"
                    f"不是 {item.unit}：未计入",
                )
            return stat.value, [stat.seq], f"{stat.period} 统计数（seq {stat.seq}）"
        if spec.source == "milestones":
            reached = {}
            for entry in self.state.milestones.get(item.id, []):
                if entry.day <= self.day and entry.name not in reached:
                    reached[entry.name] = entry.seq
            return (
                Decimal(len(reached)),
                sorted(reached.values()),
                f"已完成 {len(reached)} 个节点",
            )
        total = spec.initial.amount if spec.initial is not None else Decimal(0)
        seqs, skipped = [], []
        for fact in self.matching(item):
            if spec.source == "sum" and fact.units.get(spec.field, base) != base:
                skipped.append(
                    self.say(f"seq {fact.seq} in ", f"seq {fact.seq} 单位为 ")
                    + fact.units[spec.field]
                )
                continue
            seqs.append(fact.seq)
            total += (
                Decimal(1) if spec.source == "count" else fact.amounts.get(spec.field, Decimal(0))
            )
        start = ""
        if spec.initial is not None:
            try:
                shown = _in(item.unit, spec.initial.amount, spec.initial.unit)
                start = f"{_show(shown, item.unit)} + "
            except ValueError:  # an initial count in 家 for an indicator in 个: show it as written
                start = f"{_show(spec.initial.amount, spec.initial.unit)} + "
        how = (
            f"{start}{len(seqs)} 条 {spec.event} 事件{'计数' if spec.source == 'count' else '合计'}"
        )
        if skipped:
            how += self.say(
                f" ({', '.join(skipped)}: not in {item.unit}, not counted)",
                f"（{'、'.join(skipped)}：不是 {item.unit}，未计入）",
            )
        return total, seqs, how

    def matching(self, item: IndicatorDefined) -> Iterator[Fact]:
        spec = item.measure
        for fact in self.state.facts:
            if fact.type != spec.event or fact.day > self.day:
                continue
            if all(fact.texts.get(k) == v for k, v in spec.where.items()):
                yield fact

    def fraction(self, item: IndicatorDefined) -> Decimal:
        if not item.schedule:
            return Decimal(1)
        nodes: tuple[tuple[dt.date, Decimal], ...] = ()
        if item.schedule == "nodes" and item.target is not None:
            amounts = {when: q.amount for when, q in item.nodes.items()}
            nodes = node_shares(amounts, item.target.amount)
        return elapsed_fraction(self.day, self.params.year, item.schedule, item.curve, nodes=nodes)

    def judge(
        self,
        item: IndicatorDefined,
        actual: Decimal | None,
        target: Decimal | None,
        base: str,
        seqs: list[int],
        how: str,
        baseline: Decimal | None = None,
    ) -> Outcome:
        unit = item.unit
        details = {"name": item.name, "shape": item.shape, "how": how}
        if target is None:
            return Outcome(
                None if actual is None else _in(unit, actual, base),
                None,
                None,
                None,
                None,
                "pending",
                None,
                self.say(f"{item.name}: no target yet; {how}", f"{item.name}：尚无目标；{how}"),
                tuple(seqs),
                details,
            )
        fraction = self.fraction(item)
        expected = target * fraction
        expected_pct = fraction * HUNDRED
        shown_target = _in(unit, target, base)
        shown_expected = _in(unit, expected, base)
        if actual is None:
            # Awaiting data is not failure: a missing report is the timeliness
            # evaluator's finding; here the indicator is not judged and scores nothing.
            return Outcome(
                None,
                shown_target,
                shown_expected,
                None,
                expected_pct,
                "pending",
                None,
                self.say(
                    f"{item.name}: awaiting data (nothing reported yet); "
                    f"target {_show(shown_target, unit)}; {how}",
                    f"{item.name}：等待数据（尚无报送）；目标 {_show(shown_target, unit)}；{how}",
                ),
                tuple(seqs),
                details,
            )
        if is_rate(item) and item.op in (">=", ">"):
            return self.judge_rate(item, actual, target, baseline, seqs, how, details)
        shown_actual = _in(unit, actual, base)
        completion = pct(actual, target)
        if completion is None:  # a zero target: met when the actual is there
            completion = HUNDRED
        if item.op in ("<=", "<"):
            met = actual <= target if item.op == "<=" else actual < target
            status = _met_or_not(met)
            earned = _all_or_nothing(item, met)
        else:
            status = self.profile.status(completion, expected_pct)
            earned = points(item.weight, completion, expected_pct)
            if item.op == ">" and actual <= target and fraction >= 1 and status == "green":
                # "More than" the target: reaching it exactly is not enough once the
                # whole target is due (the library of 67 projects must grow past 67).
                status = "yellow" if self.profile.name == "ratio" else "watch"
                how = (
                    self.say(
                        f"not more than the target ({item.op}); ", "未超过目标（须高于目标）；"
                    )
                    + how
                )
        gap = expected_pct - completion
        schedule = f"序时 {_show(expected_pct)} %" if item.schedule else "目标 100 %"
        # The gap is in points of completion (完成率), which is what the bands judge;
        # for a rate the difference in the indicator's own points is said too.
        own = ""
        if unit == "%" and not item.schedule:
            own = f"；实际比目标{'低' if actual < target else '高'} {_show(abs(shown_actual - shown_target))} 个百分点"
        rationale = (
            f"{item.name}{self.say(': ', '：')}{_show(shown_actual, unit)} / {_show(shown_target, unit)} = "
            f"完成率 {_show(completion)} %，{schedule}，完成率差 {_show(gap)} 个百分点{own}"
            f"{self.concluded(status)}{self.say(' (', '（')}{self.profile.describe()}"
            f"{self.say(')', '）')}{self.sep}{how}"
        )
        details["gap_pp"] = str(q2(gap))
        return Outcome(
            shown_actual,
            shown_target,
            shown_expected,
            completion,
            expected_pct,
            status,
            earned,
            rationale,
            tuple(seqs),
            details,
        )

    def judge_rate(
        self,
        item: IndicatorDefined,
        actual: Decimal,
        target: Decimal,
        baseline: Decimal | None,
        seqs: list[int],
        how: str,
        details: dict[str, str],
    ) -> Outcome:
        """A rate or share against its level (or its improvement over a baseline), in percentage points.

        Never time-shared: the gap is ``target − actual`` in the indicator's own
        points. Points: the share of the improvement achieved for an improvement
        target, else ``1 − gap / yellow_pp`` (nothing once red).
        """
        met = actual > target if item.op == ">" else actual >= target
        gap = target - actual
        if met:
            status = "green"
        elif gap <= item.watch_pp:
            status = "watch"
        elif gap <= item.yellow_pp:
            status = "yellow"
        else:
            status = "red"
        completion: Decimal | None = None
        if baseline is not None:
            asked = target - baseline
            achieved = actual - baseline
            # The improvement achieved over the improvement asked; none (or a fall) scores 0.
            completion = max(Decimal(0), achieved / asked * HUNDRED) if asked > 0 else None
            share = min(Decimal(1), (completion or Decimal(0)) / HUNDRED)
            formula = (
                f"提高 {_show(achieved)} / 要求提高 {_show(asked)} 个百分点 = 完成率 "
                f"{_show(completion)} %，"
            )
        else:
            share = Decimal(1) if met else max(Decimal(0), 1 - gap / item.yellow_pp)
            formula = ""
        earned = q2(item.weight * share)
        behind = (
            f"低于目标 {_show(gap)} 个百分点" if gap > 0 else f"高于目标 {_show(-gap)} 个百分点"
        )
        if gap == 0:
            behind = "等于目标" + ("（须高于目标）" if item.op == ">" else "")
        rationale = (
            f"{item.name}{self.say(': ', '：')}{_show(actual, '%')} / 目标 {_show(target, '%')}，"
            f"{formula}{behind}{self.concluded(status)}（增速、比重按百分点评价：关注 ≤ "
            f"{item.watch_pp}，黄 ≤ {item.yellow_pp}，红 > {item.yellow_pp} 个百分点）{self.sep}{how}"
        )
        details = {**details, "gap_pp": str(q2(gap)), "judged": "pp"}
        return Outcome(
            actual,
            target,
            target,
            completion,
            None,
            status,
            earned,
            rationale,
            tuple(seqs),
            details,
        )

    def in_force(self, item: IndicatorDefined) -> tuple[Quantity | None, str]:
        """The target in force on the judging day: the plan's, or its latest revision by then."""
        current, note = item.target, ""
        for revision in sorted(item.revisions, key=lambda r: r.effective):
            if revision.retroactive or revision.effective <= self.day:
                current = revision.target
                note = self.sep + self.say(
                    f"target revised from {revision.effective}",
                    f"目标自 {revision.effective} 起调整",
                )
                if revision.retroactive:
                    note += self.say(" (retroactive)", "（追溯适用）")
        later = [r for r in item.revisions if not r.retroactive and r.effective > self.day]
        if later:
            first = min(r.effective for r in later)
            note += self.sep + self.say(
                f"the revision in force from {first} does not apply to this period",
                f"自 {first} 起生效的调整不适用于本期",
            )
        return current, note

    def evaluate(self, definition: Definition) -> list[tuple[str, Outcome]]:
        """``(metric, outcome)`` pairs for one indicator on this day, by its shape's rule in ``BY_SHAPE``."""
        item = definition.item
        rule = BY_SHAPE.get(item.shape)
        if rule is None:
            raise ValueError(f"unknown shape {item.shape!r}")
        return rule(self, item)


# -- the shapes ------------------------------------------------------------------
#
# One function per target shape, registered in ``BY_SHAPE``; each returns the
# ``(metric, outcome)`` pairs of one indicator on the evaluation's day. The
# common steps (status, points, rationale against a target) are ``judge`` and
# the helpers just below.

Judged = list[tuple[str, Outcome]]
ShapeRule = Callable[[Evaluation, IndicatorDefined], Judged]


def _completion(outcome: Outcome) -> Judged:
    """The one ``completion`` result of a shape judged as a whole."""
    return [(result_names.COMPLETION, outcome)]


def _untargeted(
    ev: Evaluation, item: IndicatorDefined, actual: Decimal | None, seqs: list[int], how: str
) -> Outcome:
    """Judged without a target (none known, or none usable): pending, saying why in ``how``."""
    return ev.judge(item, actual, None, _base(item.unit), seqs, how)


def _pending(rationale: str, seqs: tuple[int, ...], details: dict[str, str]) -> Outcome:
    """Nothing to judge yet: no figures, no points."""
    return Outcome(None, None, None, None, None, "pending", None, rationale, seqs, details)


def _met_or_not(met: bool) -> str:
    """The status of a yes-or-no target."""
    return "green" if met else "red"


def _all_or_nothing(item: IndicatorDefined, met: bool) -> Decimal:
    """The points of a yes-or-no target: the whole weight, or none."""
    return q2(item.weight) if met else Decimal(0)


def _threshold(ev: Evaluation, item: IndicatorDefined) -> Judged:
    """A level (or a running total) against the target in force: the plan's or its latest revision."""
    actual, seqs, how = ev.measure(item)
    in_force, note = ev.in_force(item)
    target = in_force.amount if in_force else None
    base = in_force.unit if in_force else _base(item.unit)
    return _completion(ev.judge(item, actual, target, base, seqs, how + note))


def _baseline_problem(ev: Evaluation, item: IndicatorDefined, baseline: Stat | None) -> str | None:
    """Why the baseline and delta cannot make a target, or None when they can."""
    delta = item.delta
    if baseline is None or delta is None:
        return ev.say(
            f"baseline {item.baseline_period} not reported", f"基期 {item.baseline_period} 数未报送"
        )
    if baseline.unit != _base(item.unit):
        return ev.say(
            f"baseline {item.baseline_period} (seq {baseline.seq}) is in {baseline.unit}, "
            f"not {item.unit}: not used",
            f"基期 {item.baseline_period} 数（seq {baseline.seq}）单位为 {baseline.unit}，"
            f"不是 {item.unit}：未采用",
        )
    if not (
        delta.unit == baseline.unit
        or delta.unit == "%"
        or (delta.unit == "pp" and baseline.unit == "%")
    ):
        return ev.say(
            f"a delta in {delta.unit} cannot be added to {baseline.unit}",
            f"以 {delta.unit} 计的增量不能加到以 {baseline.unit} 计的基期数上",
        )
    return None


def _baseline_target(
    item: IndicatorDefined, baseline: Stat, delta: Quantity
) -> tuple[Decimal, str]:
    """The target the baseline and delta make, and the formula shown for it."""
    shown_baseline = _show(_in(item.unit, baseline.value, baseline.unit), item.unit)
    if delta.unit == "%" and baseline.unit != "%":
        # Growth of an amount (同比增长 25 %): the baseline times 1.25.
        target = baseline.value * (1 + delta.amount / HUNDRED)
        return target, f"{shown_baseline} × (1 + {_show(delta.amount)} %)"
    # Points added to a rate or share (提高 3 个百分点), or an amount added to an amount.
    target = baseline.value + delta.amount
    shown_delta = _show(delta.amount, "个百分点" if delta.unit == "pp" else "")
    if delta.unit not in ("pp", "%"):
        shown_delta = _show(_in(item.unit, delta.amount, delta.unit), item.unit)
    return target, f"{shown_baseline} + {shown_delta}"


def _baseline_delta(ev: Evaluation, item: IndicatorDefined) -> Judged:
    """A target made of a reported baseline and a delta (同比增长 25 %, 提高 3 个百分点)."""
    actual, seqs, how = ev.measure(item)
    baseline = ev.latest_stat(f"{item.id}|", period=item.baseline_period)
    delta = item.delta
    problem = _baseline_problem(ev, item, baseline)
    if baseline is not None and delta is not None and baseline.unit != _base(item.unit):
        seqs = [*seqs, baseline.seq]  # a baseline in another unit is named as evidence
    if problem is not None or baseline is None or delta is None:
        return _completion(_untargeted(ev, item, actual, seqs, f"{how}{ev.sep}{problem}"))
    target, formula = _baseline_target(item, baseline, delta)
    how = f"{how}{ev.sep}{ev.say('target', '目标')} = {item.baseline_period} {formula}"
    outcome = ev.judge(
        item, actual, target, baseline.unit, [*seqs, baseline.seq], how, baseline=baseline.value
    )
    # Last year's figure, for a bulletin's 同比 column.
    outcome.details["baseline"] = str(_in(item.unit, baseline.value, baseline.unit))
    outcome.details["baseline_period"] = item.baseline_period
    return _completion(outcome)


def _external(ev: Evaluation, item: IndicatorDefined) -> Judged:
    """A target set by a higher authority (``TargetSet``): the latest in force on the day."""
    actual, seqs, how = ev.measure(item)
    every = ev.state.targets.get(item.id, [])
    known = [e for e in every if e.day <= ev.day]
    if not known:
        later = [e for e in every if e.day > ev.day]
        why = ev.say("target not yet set by the higher authority", "上级尚未下达目标")
        if later:
            first = min(later, key=lambda e: (e.day, e.seq))
            why = ev.say(
                f"target not in force yet: the one set by seq {first.seq} applies from {first.day}",
                f"目标尚未生效：seq {first.seq} 下达的目标自 {first.day} 起适用",
            )
        return _completion(_untargeted(ev, item, actual, seqs, f"{how}{ev.sep}{why}"))
    latest = max(known, key=lambda e: (e.day, e.seq))
    if latest.unit != _base(item.unit):
        why = ev.say(
            f"the target set by seq {latest.seq} is in {latest.unit}, not {item.unit}: not used",
            f"seq {latest.seq} 下达的目标单位为 {latest.unit}，不是 {item.unit}：未采用",
        )
        return _completion(
            _untargeted(ev, item, actual, [*seqs, latest.seq], f"{how}{ev.sep}{why}")
        )
    how = (
        f"{how}{ev.sep}{ev.say(f'target set by seq {latest.seq}', f'目标由 seq {latest.seq} 下达')}"
    )
    return _completion(ev.judge(item, actual, latest.value, latest.unit, [*seqs, latest.seq], how))


def _count_parts(ev: Evaluation, item: IndicatorDefined) -> Judged:
    """A count split into parts (firms per park): one result per part, and the whole."""
    results = []
    total, all_seqs, hows = Decimal(0), [], []
    any_actual = False
    for part, part_target in sorted(item.parts.items()):
        actual, seqs, how = ev.measure(item, part)
        if actual is not None:
            any_actual = True
            total += actual
        all_seqs.extend(seqs)
        hows.append(f"{part} {how}")
        results.append(
            (
                f"completion:{part}",
                ev.judge(item, actual, part_target.amount, part_target.unit, seqs, how),
            )
        )
    target_total = (
        item.target.amount
        if item.target
        else sum((q.amount for q in item.parts.values()), Decimal(0))
    )
    base = item.target.unit if item.target else next(iter(item.parts.values())).unit
    overall = ev.judge(
        item, total if any_actual else None, target_total, base, all_seqs, ev.sep.join(hows)
    )
    return [(result_names.COMPLETION, overall), *results]


COMPARISONS: Final[dict[str, Callable[[Decimal, Decimal], bool]]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


def _compare(ev: Evaluation, item: IndicatorDefined) -> Judged:
    """One reported series against another (investment growth above GDP growth)."""
    a = ev.latest_stat(f"{item.id}|{item.series}")
    b = ev.latest_stat(f"{item.id}|{item.compare_to}")
    if a is not None and b is not None and a.end != b.end:
        # Compare like with like: the latest period both series report
        # (monthly investment against quarterly GDP meet at quarter ends).
        a, b = ev.same_period(f"{item.id}|{item.series}", f"{item.id}|{item.compare_to}", a, b)
    details = {"name": item.name, "shape": item.shape}
    if a is None or b is None:
        missing = item.series if a is None else item.compare_to
        return _completion(
            _pending(
                ev.say(
                    f"{item.name}: {missing} not reported yet", f"{item.name}：{missing} 尚未报送"
                ),
                tuple(s.seq for s in (a, b) if s),
                details,
            )
        )
    met = COMPARISONS[item.op](a.value, b.value)
    status = _met_or_not(met)
    rationale = (
        f"{item.name}{ev.say(': ', '：')}{item.series} {_show(a.value, a.unit)}"
        f"{ev.say(f' ({a.period})', f'（{a.period}）')} {item.op} {item.compare_to} "
        f"{_show(b.value, b.unit)}{ev.say(f' ({b.period})', f'（{b.period}）')}"
        f"{ev.say('? ', '？')}{'是' if met else '否'}，差 {_show(a.value - b.value)} 个百分点"
        f"{ev.concluded(status)}"
    )
    details["difference_pp"] = str(q2(a.value - b.value))
    # Both rates, for a bulletin to show side by side (工业投资增速 and GDP增速).
    details.update(
        series=item.series,
        series_value=str(a.value),
        series_period=a.period,
        compare_to=item.compare_to,
        compare_value=str(b.value),
        compare_period=b.period,
        op=item.op,
    )
    return _completion(
        Outcome(
            a.value - b.value,
            Decimal(0),
            Decimal(0),
            None,
            None,
            status,
            _all_or_nothing(item, met),
            rationale,
            (a.seq, b.seq),
            details,
        )
    )


def _milestones_done(
    ev: Evaluation, item: IndicatorDefined, details: dict[str, str]
) -> tuple[list[Entry], bool]:
    """The milestones reached by the day that count, and whether the target is complete.

    With named milestones the target is reached when every one of them is;
    without, when any is. Records ``reached`` (k/n) in ``details`` for named ones.
    """
    reached = sorted(ev.state.milestones.get(item.id, []), key=lambda e: (e.day, e.seq))
    done = [e for e in reached if e.day <= ev.day]
    wanted = list(item.milestones)
    firsts: dict[str, Entry] = {}
    for entry in done:
        firsts.setdefault(entry.name, entry)
    if wanted:
        got = [firsts[name] for name in wanted if name in firsts]
        details["reached"] = f"{len(got)}/{len(wanted)}"
        return got, len(got) == len(wanted)
    got = list(firsts.values())[:1]
    return got, bool(got)


def _deadline_status(ev: Evaluation, deadline: dt.date) -> tuple[str, str]:
    """The status of a milestone not complete on the judging day, and why."""
    if ev.day >= deadline:
        return "red", ev.say("overdue", "已逾期")
    if (deadline - ev.day).days <= 30:
        return "yellow", ev.say("due within 30 days", "30 天内到期")
    return "pending", ev.say("not yet due", "未到期")


def _milestone(ev: Evaluation, item: IndicatorDefined) -> Judged:
    """Reached by the deadline (green), late (yellow, half the points), or not yet."""
    deadline = item.deadline or dt.date(ev.params.year, 12, 31)
    details = {"name": item.name, "shape": item.shape, "deadline": deadline.isoformat()}
    got, complete = _milestones_done(ev, item, details)
    reached_seqs = tuple(entry.seq for entry in got)
    if complete:
        last = max(got, key=lambda e: e.day)
        status = "green" if last.day <= deadline else "yellow"
        earned = q2(item.weight) if status == "green" else q2(item.weight / 2)
        names = "、".join(entry.name for entry in got)
        rationale = ev.say(
            f"{item.name}: {names} reached by {last.day}, deadline {deadline}",
            f"{item.name}：{names} 于 {last.day} 完成，期限 {deadline}",
        ) + ev.concluded(status)
        return _completion(
            Outcome(
                Decimal(1),
                Decimal(1),
                Decimal(1),
                HUNDRED,
                HUNDRED,
                status,
                earned,
                rationale,
                reached_seqs,
                details,
            )
        )
    status, note = _deadline_status(ev, deadline)
    progress = (
        ev.say(f" ({details['reached']} reached)", f"（已完成 {details['reached']}）")
        if item.milestones
        else ""
    )
    rationale = ev.say(
        f"{item.name}: not complete by {ev.day}{progress}, deadline {deadline} ({note})",
        f"{item.name}：截至 {ev.day} 未完成{progress}，期限 {deadline}（{note}）",
    ) + ev.concluded(status)
    return _completion(
        Outcome(
            Decimal(0),
            Decimal(1),
            None,
            Decimal(0),
            None,
            status,
            Decimal(0) if status == "red" else None,
            rationale,
            reached_seqs,
            details,
        )
    )


STATUS_ORDER: Final = ("pending", "green", "watch", "yellow", "red")
"""From best to worst: a composite takes the worst of its total and its conditions."""


def _composite(ev: Evaluation, item: IndicatorDefined) -> Judged:
    """A total with conditions (at least N items of at least X each): the worst status of them."""
    actual, seqs, how = ev.measure(item)
    target = item.target.amount if item.target else None
    base = item.target.unit if item.target else _base(item.unit)
    overall = ev.judge(item, actual, target, base, seqs, how)
    year_end = ev.day >= dt.date(ev.params.year, 12, 31)
    notes, worst = [], overall.status
    for condition in item.conditions:
        big = [
            f
            for f in ev.matching(item)
            if f.amounts.get(item.measure.field, Decimal(0)) >= condition.at_least.amount
        ]
        met = len(big) >= condition.count
        notes.append(
            f"≥ {condition.count} 个 ≥ {_show(condition.at_least.in_unit(item.unit), item.unit)}"
            f"{ev.say(': ', '：')}{len(big)} {'达到' if met else '未达到'}"
        )
        cond_status = "green" if met else ("red" if year_end else "watch")
        if STATUS_ORDER.index(cond_status) > STATUS_ORDER.index(worst):
            worst = cond_status
    composite_points = overall.points if worst != "red" else Decimal(0)
    rationale = overall.rationale + ev.sep + ev.sep.join(notes) + ev.concluded(worst)
    return _completion(
        attrs.evolve(overall, status=worst, points=composite_points, rationale=rationale)
    )


BY_SHAPE: Final[dict[str, ShapeRule]] = {
    "threshold": _threshold,
    "cumulative": _threshold,
    "baseline_delta": _baseline_delta,
    "external": _external,
    "count_parts": _count_parts,
    "compare": _compare,
    "milestone": _milestone,
    "composite": _composite,
}
"""The rule of each target shape (``events.SHAPES``)."""


def answering(item: IndicatorDefined, committees: dict[str, str]) -> list[str]:
    """The responsible units that answer for ``item``: a park's committee only for its own park's items."""
    if not item.park:
        return list(item.responsible)
    others = {unit for park, unit in committees.items() if park != item.park}
    own = committees.get(item.park)
    return [unit for unit in item.responsible if unit not in others or unit == own]


def months_until(year: int, last: dt.date) -> Iterator[tuple[str, dt.date]]:
    """``(period, judging day)`` for each month of ``year`` up to ``last``."""
    for month in range(1, 13):
        start = dt.date(year, month, 1)
        if start > last:
            return
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
        yield f"{year}-{month:02d}", min(end, last)


def is_due(ev: Evaluation, item: IndicatorDefined) -> bool:
    """Whether anything of ``item`` is due by the judging day, so that it counts in a roll-up.

    A milestone from its deadline (the year's last day without one), a nodes
    schedule from its first node, another schedule once its 序时 is above 0, a
    target without a schedule (a level, a rate) every month.
    """
    if item.shape == "milestone":
        return ev.day >= due_day(item, ev.params.year)
    if item.schedule == "nodes" and item.nodes:
        return ev.day >= min(item.nodes)
    if item.schedule:
        return ev.fraction(item) > 0
    return True


RollupRow = tuple[Decimal, Decimal, Decimal, tuple[int, ...]]
"""Points, weight, role and the seqs behind one indicator in a roll-up."""


@attrs.define
class Rollup:
    """One month's indicators of each unit or park: those scored, and those not yet due."""

    rows: dict[str, list[RollupRow]] = attrs.Factory(dict)
    not_due: dict[str, dict[str, int]] = attrs.Factory(dict)
    """Subject -> indicator id -> its definition's seq (未到考核节点: listed, not scored)."""

    def add(self, subject: str, row: RollupRow) -> None:
        self.rows.setdefault(subject, []).append(row)

    def wait(self, subject: str, item: str, seq: int) -> None:
        self.not_due.setdefault(subject, {})[item] = seq


def _add_parts(
    rollup: Rollup, item: IndicatorDefined, metric: str, outcome: Outcome, due: bool, seq: int
) -> None:
    """A part of a count (I4's 15 firms in ICZ) is its park's share of the weight."""
    part = metric.partition(":")[2]
    if not (part and part in item.parts and outcome.completion is not None and item.weight > 0):
        return
    if not due:
        rollup.wait(part, item.id, seq)
        return
    total = sum((q.amount for q in item.parts.values()), Decimal(0))
    share = item.weight * item.parts[part].amount / total if total else Decimal(0)
    expected_pct = outcome.expected_pct or HUNDRED
    # Unrounded: the park's score divides it by the share again.
    ratio = min(Decimal(1), max(Decimal(0), outcome.completion / expected_pct))
    rollup.add(part, (share * ratio, share, Decimal(1), (*outcome.evidence, seq)))


def _add_item(
    units: Rollup,
    parks: Rollup,
    state: IndicatorState,
    params: Params,
    item: IndicatorDefined,
    outcome: Outcome,
    due: bool,
    seq: int,
) -> None:
    """An indicator's ``completion`` in the roll-ups of the units answering for it and of its park."""
    if item.weight <= 0 or (due and outcome.points is None):
        return
    leads = set(item.lead or item.responsible[:1])
    subjects = [(units, unit) for unit in answering(item, state.committees)]
    if item.park:
        subjects.append((parks, item.park))
    for rollup, subject in subjects:
        if not due:
            rollup.wait(subject, item.id, seq)
            continue
        assert outcome.points is not None
        role = Decimal(1)
        if rollup is units:
            role = params.lead_weight if subject in leads else params.co_weight
        rollup.add(subject, (outcome.points, item.weight, role, (*outcome.evidence, seq)))


def _not_due_note(waiting: dict[str, int], lang: str) -> str:
    if not waiting:
        return ""
    ids = "、".join(sorted(waiting, key=natural))
    if lang == "en":
        return f"; not yet due: {len(waiting)} ({ids}), not scored"
    return f"；未到考核节点 {len(waiting)} 项（{ids}），不计分"


def _rollup_scores(
    kind: str, rollup: Rollup, names: dict[str, str], params: Params, period: str, lang: str
) -> Iterator[Score]:
    """The ``indicator_score`` of each unit (or park) with an indicator scored or not yet due."""
    profile = params.status_profile()
    for subject in sorted(rollup.rows.keys() | rollup.not_due.keys()):
        name = names.get(subject, subject)
        rows = rollup.rows.get(subject, [])
        waiting = rollup.not_due.get(subject, {})
        details = {"kind": kind, "indicators": str(len(rows))}
        if waiting:
            details["not_due"] = str(len(waiting))
        evidence = [seq for *_, seqs in rows for seq in seqs] + sorted(waiting.values())
        if not rows:
            yield Score(
                subject=subject,
                label=name,
                metric=result_names.INDICATOR_SCORE,
                period=period,
                value=None,
                target=HUNDRED,
                status="pending",
                unit="%",
                rationale=(
                    f"{name}: no indicator due yet{_not_due_note(waiting, lang)} → pending"
                    if lang == "en"
                    else f"{name}：没有已到考核节点的指标{_not_due_note(waiting, lang)}"
                    + arrow(status_word("pending", lang))
                ),
                evidence=evidence,
                details=details,
            )
            continue
        earned = sum((p * r for p, _, r, _ in rows), Decimal(0))
        possible = sum((w * r for _, w, r, _ in rows), Decimal(0))
        score = earned / possible * HUNDRED if possible else HUNDRED
        status = profile.status(score, HUNDRED)
        yield Score(
            subject=subject,
            label=name,
            metric=result_names.INDICATOR_SCORE,
            period=period,
            value=q2(score),
            target=HUNDRED,
            status=status,
            points=q2(earned),
            unit="%",
            rationale=(
                f"{name}: Σ(points × role) {_show(earned)} / Σ(weight × role) "
                f"{_show(possible)} = {_show(score)} % over {len(rows)} indicator(s) "
                f"(lead ×{params.lead_weight}, co-responsible ×{params.co_weight})"
                f"{_not_due_note(waiting, lang)} → {status}"
                if lang == "en"
                else f"{name}：Σ(得分×权重) {_show(earned)} / Σ(分值×权重) "
                f"{_show(possible)} = {_show(score)} %，计 {len(rows)} 项指标"
                f"（牵头 ×{params.lead_weight}，配合 ×{params.co_weight}）"
                f"{_not_due_note(waiting, lang)}{arrow(status_word(status, lang))}"
            ),
            evidence=evidence,
            details=details,
        )


def results(state: IndicatorState, context: ReplayContext) -> Iterator[Score]:
    params = state.params
    if params is None or not state.definitions:
        return
    lang = rationale_language(context.options, params.lang)
    last = context.as_of or state.last_day or dt.date(params.year, 1, 31)
    last = min(last, dt.date(params.year, 12, 31))
    ordered = sorted(state.definitions.values(), key=lambda d: natural(d.item.id))
    for period, day in months_until(params.year, last):
        evaluation = Evaluation(state, params, day, lang)
        units, parks = Rollup(), Rollup()
        for definition in ordered:
            item = definition.item
            due = is_due(evaluation, item)
            for metric, outcome in evaluation.evaluate(definition):
                yield Score(
                    subject=item.id,
                    label=item.name,
                    metric=metric,
                    period=period,
                    value=outcome.actual,
                    target=outcome.target,
                    expected=outcome.expected,
                    status=outcome.status,
                    points=outcome.points if metric == "completion" else None,
                    unit=item.unit,
                    rationale=outcome.rationale,
                    evidence=[*outcome.evidence, definition.seq, params.seq],
                    details={
                        **outcome.details,
                        "completion_pct": ""
                        if outcome.completion is None
                        else str(q2(outcome.completion)),
                        "expected_pct": ""
                        if outcome.expected_pct is None
                        else str(q2(outcome.expected_pct)),
                        "weight": str(item.weight),
                        "responsible": list(item.responsible),
                        "due": due_day(item, params.year).isoformat(),
                        # Not yet due (未到考核节点): listed, not counted in roll-ups.
                        **({} if due else {"not_due": "yes"}),
                        "schedule": item.schedule or "",
                        "group": item.group,
                        "task": item.task,
                    },
                )
                _add_parts(parks, item, metric, outcome, due, definition.seq)
                if metric == "completion":
                    _add_item(units, parks, state, params, item, outcome, due, definition.seq)
        yield from _rollup_scores("unit", units, state.units, params, period, lang)
        yield from _rollup_scores("park", parks, state.parks, params, period, lang)
