"""The ``banks`` evaluator: every month, each bank's support to enterprises, scored and ranked.

Per month, per bank: a ``criterion:<id>`` score per criterion of the card and a
``score`` (total, rank, lists); per period the bulletin (subject ``bulletin``,
metrics ``top`` and ``bottom``); quarters and the year roll up. The rules (quotas,
满分, ranks, lists, missing and late reports, vetoes, corrections) are stated in
``docs/evaluators/banks.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Final

import attrs

from gyengine import Evaluator, Event, Finding, Quantity, ReplayContext, Score
from gyengine.evaluation import JsonValue
from gyengine_plan import SupervisionDefined
from gyengine_plan.details import detail_text

from . import names as result_names
from .events import BankMonthlyReported, BankTargetSet, BankVetoed
from .measures import Measured, fmt, measure, q2
from .methods import NIL, RELATIVE, Points, places, score
from .plan import (
    BULLETIN,
    MEASURES,
    BankAssessmentDefined,
    BankDefined,
    Criterion,
    criterion_problems,
)

__all__ = ["BanksState", "evaluator", "fold", "results"]

ZERO: Final = Decimal(0)
POINTS_UNIT: Final = "分"
# Without a [supervision] section, the frame's own default, so the two never disagree.
_DUE_DAYS = attrs.fields(SupervisionDefined).monthly_due_days.default
DEFAULT_DUE_DAYS: Final[int] = _DUE_DAYS if isinstance(_DUE_DAYS, int) else 10


# -- 1. the state ----------------------------------------------------------------


@attrs.define
class BankEntry:
    definition: BankDefined
    seq: int


@attrs.define
class CardEntry:
    definition: BankAssessmentDefined
    seq: int


@attrs.define
class ReportEntry:
    """A monthly report as the assessment keeps it."""

    seq: int
    month: str
    recorded: dt.date
    report: BankMonthlyReported
    actor: str | None = None


@attrs.define
class TargetEntry:
    seq: int
    target: BankTargetSet


@attrs.define
class VetoEntry:
    seq: int
    veto: BankVetoed


@attrs.define
class BanksState:
    """Everything the assessment has folded; it round-trips through gyengine's converter."""

    card: CardEntry | None = None
    due_days: int = DEFAULT_DUE_DAYS
    due_seq: int | None = None
    banks: dict[str, BankEntry] = attrs.Factory(dict)
    reports: dict[str, dict[str, ReportEntry]] = attrs.Factory(dict)
    """month -> bank -> the report that counts."""
    targets: list[TargetEntry] = attrs.Factory(list)
    vetoes: list[VetoEntry] = attrs.Factory(list)


# -- 2. the fold -----------------------------------------------------------------


def _month_text(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def _report_month(event: Event, context: ReplayContext) -> str:
    """The month of the last day of ``occurred``; without it, the month before the record."""
    if event.occurred is not None:
        return _month_text(context.period(event.occurred).end)
    recorded = dt.date.fromisoformat(event.recorded[:10])
    return _month_text(recorded.replace(day=1) - dt.timedelta(days=1))


def _on_bank(state: BanksState, event: Event, context: ReplayContext) -> None:
    state.banks[event.data.id] = BankEntry(event.data, event.seq)


def _on_card(state: BanksState, event: Event, context: ReplayContext) -> None:
    state.card = CardEntry(event.data, event.seq)


def _on_supervision(state: BanksState, event: Event, context: ReplayContext) -> None:
    state.due_days = event.data.monthly_due_days
    state.due_seq = event.seq


def _on_report(state: BanksState, event: Event, context: ReplayContext) -> None:
    month = _report_month(event, context)
    state.reports.setdefault(month, {})[event.data.bank] = ReportEntry(
        event.seq,
        month,
        dt.date.fromisoformat(context.first_recorded(event)[:10]),
        event.data,
        event.actor,
    )


def _on_target(state: BanksState, event: Event, context: ReplayContext) -> None:
    state.targets.append(TargetEntry(event.seq, event.data))


def _on_veto(state: BanksState, event: Event, context: ReplayContext) -> None:
    state.vetoes.append(VetoEntry(event.seq, event.data))


Handler = Callable[[BanksState, Event, ReplayContext], None]

HANDLERS: Final[dict[str, Handler]] = {
    BankDefined.__name__: _on_bank,
    BankAssessmentDefined.__name__: _on_card,
    SupervisionDefined.__name__: _on_supervision,
    BankMonthlyReported.__name__: _on_report,
    BankTargetSet.__name__: _on_target,
    BankVetoed.__name__: _on_veto,
}


def fold(state: BanksState, event: Event, context: ReplayContext) -> BanksState:
    """Add one event to the assessment."""
    HANDLERS[event.type](state, event, context)
    return state


# -- 3. one month ----------------------------------------------------------------


@attrs.frozen
class Line:
    """One bank's total for one period, before it becomes a score."""

    bank: str
    total: Decimal
    vetoes: tuple[str, ...]
    report: str
    """``received``, ``late``, ``missing`` or ``not due`` (a month); empty for a roll-up."""
    evidence: frozenset[int]
    rationale: str
    details: Mapping[str, JsonValue] = attrs.Factory(dict)


@attrs.frozen
class Standing:
    """Places and bulletin lists of one period."""

    ranks: dict[str, int]
    top: tuple[str, ...]
    bottom: tuple[str, ...]


def standing(
    totals: Mapping[str, Decimal],
    top: int,
    bottom: int,
    *,
    never_top: Iterable[str] = (),
    unranked: Iterable[str] = (),
) -> Standing:
    """Places (ties share the better one) and the top and bottom lists, both in rank order.

    ``never_top`` may not be listed at the top; ``unranked`` (reports not due)
    are ranked but listed nowhere.
    """
    ranks = places(totals)
    from_bottom = places(totals, highest_first=False)
    barred, waiting = set(never_top) | set(unranked), set(unranked)
    order = sorted(totals, key=lambda bank: (ranks[bank], bank))
    top_list = tuple(b for b in order if ranks[b] <= top and b not in barred)
    bottom_list = tuple(
        b for b in order if from_bottom[b] <= bottom and b not in top_list and b not in waiting
    )
    return Standing(ranks, top_list, bottom_list)


def _target_for(
    state: BanksState, bank: str, criterion: Criterion, month: dt.date
) -> tuple[Decimal | None, int | None, str | None]:
    """The bank's target in the criterion's unit, the event it came from and the period it is for."""
    candidates = []
    for setting in state.targets:
        target = setting.target
        if target.bank != bank or target.criterion != criterion.id:
            continue
        period = ReplayContext.period(target.period)
        if period.start <= month <= period.end and _in_unit(target, criterion) is not None:
            candidates.append((period.end - period.start, -setting.seq, setting))
    if candidates:
        chosen = min(candidates, key=lambda c: (c[0], c[1]))[2]
        return _in_unit(chosen.target, criterion), chosen.seq, chosen.target.period
    default = criterion.params.get("target")
    return default, None, None


def _months_of(period: str) -> list[str]:
    """The calendar months a period covers, in order (``2019-H2`` → 2019-07 … 2019-12)."""
    span = ReplayContext.period(period)
    months, day = [], span.start.replace(day=1)
    while day <= span.end:
        months.append(_month_text(day))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


@attrs.frozen
class Gate:
    """What ``target_gate`` compares for one bank: a month's figure, or a quota's cumulative one."""

    value: Decimal
    target: Decimal | None
    seqs: frozenset[int]
    note: str = ""


def gate_inputs(
    state: BanksState, criterion: Criterion, month: str, values: Mapping[str, Decimal]
) -> dict[str, Gate]:
    """Each bank's figure and target under ``target_gate``.

    A target set for one month (or the card's ``target``) gates that month's
    figure. A quota set for a longer period (a year, a half, a quarter) is never
    a monthly threshold: the bank's figures summed over the period's months up
    to this one (a month without a report adds 0) are gated against the quota's
    序时 share, quota × k / n after k of its n months.
    """
    gates = {}
    start = ReplayContext.period(month).start
    for bank, value in values.items():
        target, seq, period = _target_for(state, bank, criterion, start)
        seqs = frozenset() if seq is None else frozenset({seq})
        months = _months_of(period) if period is not None else [month]
        if target is None or len(months) <= 1:
            gates[bank] = Gate(value, target, seqs)
            continue
        done = months[: months.index(month) + 1]
        cumulative, used = ZERO, set(seqs)
        for earlier in done:
            entry = state.reports.get(earlier, {}).get(bank)
            if entry is None:
                continue
            figure = value if earlier == month else measure(criterion.measure, entry.report).value
            cumulative += figure or ZERO
            used.add(entry.seq)
        due = q2(target * len(done) / len(months))
        unit = criterion.unit
        note = (
            f"{period} 任务 {fmt(target)} {unit}，序时 {len(done)}/{len(months)} = {fmt(due)} {unit}；"
            f"{done[0]} 至 {month} 累计 {fmt(cumulative)} {unit}"
        )
        gates[bank] = Gate(cumulative, due, frozenset(used), note)
    return gates


def _in_unit(target: BankTargetSet, criterion: Criterion) -> Decimal | None:
    """The target in the criterion's unit; None when it is in a unit the measure is not in."""
    value = target.value()
    if isinstance(value, Decimal):
        return value
    unit = criterion.unit
    if not unit or Quantity.base_of(unit) != value.unit:
        return None
    return value.in_unit(unit)


@attrs.frozen
class Month:
    """A month's assessment: the criterion scores and each bank's line."""

    text: str
    scores: tuple[Score, ...]
    lines: dict[str, Line]
    weight: Decimal


def _report_state(entry: ReportEntry | None, due: dt.date, today: dt.date | None) -> str:
    if entry is not None:
        return "received" if entry.recorded <= due else "late"
    return "not due" if today is not None and today <= due else "missing"


@attrs.frozen
class MonthFrame:
    """What every step of one month's assessment shares."""

    state: BanksState
    card: CardEntry
    month: str
    due: dt.date
    """The last day a report of the month counts as on time."""
    banks: list[str]
    """The banks the plan lists, in order."""
    reports: dict[str, ReportEntry]
    """Bank -> the report that counts (listed banks only)."""
    states: dict[str, str]
    """Bank -> ``received``, ``late``, ``missing`` or ``not due``."""


def month_frame(
    state: BanksState, card: CardEntry, month: str, today: dt.date | None
) -> MonthFrame:
    """Step 1: the month's due day, the reports that count and each listed bank's report state."""
    due = ReplayContext.period(month).end + dt.timedelta(days=state.due_days)
    reports = {
        bank: entry for bank, entry in state.reports.get(month, {}).items() if bank in state.banks
    }
    banks = sorted(state.banks)
    states = {b: _report_state(reports.get(b), due, today) for b in banks}
    return MonthFrame(state, card, month, due, banks, reports, states)


@attrs.frozen
class Judged:
    """One criterion applied to every bank that reported: figures, gates, targets and points."""

    criterion: Criterion
    measured: dict[str, Measured]
    gates: dict[str, Gate]
    targets: dict[str, Decimal | None]
    scored: Mapping[str, Points]
    everyone: frozenset[int]
    """The reports of every bank with a figure (the evidence of a relative method)."""


def judge_criterion(frame: MonthFrame, criterion: Criterion) -> Judged:
    """Step 2: measure each report, gate it if the method says so, and score the banks together."""
    measured = {b: measure(criterion.measure, frame.reports[b].report) for b in frame.reports}
    values = {b: m.value for b, m in measured.items() if m.value is not None}
    gates = (
        gate_inputs(frame.state, criterion, frame.month, values)
        if criterion.method == "target_gate"
        else {}
    )
    targets = {bank: gate.target for bank, gate in gates.items()}
    scored = score(
        criterion, {b: gates[b].value if b in gates else v for b, v in values.items()}, targets
    )
    everyone = frozenset(frame.reports[b].seq for b in values)
    return Judged(criterion, measured, gates, targets, scored, everyone)


@attrs.frozen
class Mark:
    """One bank's result on one criterion: its score, its points (None: not scored) and evidence."""

    score: Score
    result: Points | None
    seqs: frozenset[int]


def criterion_mark(frame: MonthFrame, judged: Judged, bank: str) -> Mark:
    """Step 3: one bank's ``criterion:<id>`` score, with the rationale and evidence behind it."""
    criterion, state = judged.criterion, frame.state
    seqs = {frame.card.seq, state.banks[bank].seq}
    entry = frame.reports.get(bank)
    result = judged.scored.get(bank)
    status: str | None
    details = {
        "method": criterion.method,
        "measure": criterion.measure,
        "weight": fmt(criterion.points),
        "report": frame.states[bank],
    }
    if entry is None:
        status = "pending" if frame.states[bank] == "not due" else "red"
        text = "尚未到报送期限" if status == "pending" else "未报送"
        value, target, points, rationale = None, None, NIL, f"{frame.month} {text} → 0.00"
    else:
        seqs.add(entry.seq)
        found = judged.measured[bank]
        gate = judged.gates.get(bank)
        value = found.value if gate is None else gate.value
        target = judged.targets.get(bank)
        if result is None:
            status, points = "red", NIL
            rationale = f"{found.text} → 0.00"
        else:
            status, points = result.status, result.points
            note = f"{gate.note}；" if gate is not None and gate.note else ""
            rationale = f"{found.text}；{note}{result.formula}"
            details.update(result.details)
            if criterion.method in RELATIVE:
                seqs |= judged.everyone
            if gate is not None:
                seqs |= gate.seqs
    mark = Score(
        subject=bank,
        label=state.banks[bank].definition.name,
        metric=f"{result_names.CRITERION}{criterion.id}",
        period=frame.month,
        value=value,
        target=target,
        status=status,
        points=points,
        unit=MEASURES.get(criterion.measure),
        rationale=f"{criterion.name}（{criterion.points} 分）：{rationale}",
        evidence=seqs,
        details=details,
    )
    return Mark(mark, result, frozenset(seqs))


def full_marks(criteria: Sequence[Criterion]) -> tuple[Decimal, str]:
    """The most a bank can earn in a month, and how it is made up (basic points plus bonus)."""
    weight = sum((c.most for c in criteria), ZERO)
    basic = sum((c.points for c in criteria), ZERO)
    shown = f"满分 {fmt(weight)}" + (
        f" = 基础 {fmt(basic)} + 加分 {fmt(weight - basic)}" if weight != basic else ""
    )
    return weight, shown


def _report_facts(frame: MonthFrame, bank: str) -> dict[str, str]:
    """The report's state, due day and, when received, the day recorded (and days late)."""
    facts = {"report": frame.states[bank], "due": frame.due.isoformat()}
    received = frame.reports.get(bank)
    if received is not None:
        facts["recorded"] = received.recorded.isoformat()
        if frame.states[bank] == "late":
            facts["days_late"] = str((received.recorded - frame.due).days)
    return facts


def bank_line(
    frame: MonthFrame,
    bank: str,
    marks: Sequence[tuple[Criterion, Mark]],
    vetoes: Sequence[VetoEntry],
    full: str,
) -> Line:
    """Step 4: one bank's total for the month: the sum of its points, or 0 when vetoed or missing."""
    earned = [
        (criterion, mark.result.points if mark.result is not None else NIL)
        for criterion, mark in marks
    ]
    subtotal = sum((p for _, p in earned), ZERO)
    shown = " + ".join(f"{c.name} {p}" for c, p in earned)
    reasons = tuple(v.veto.reason for v in vetoes)
    seqs = {frame.card.seq, frame.state.banks[bank].seq}
    seqs = seqs.union(*(mark.seqs for _, mark in marks)) | {v.seq for v in vetoes}
    if frame.states[bank] in ("late", "missing") and frame.state.due_seq is not None:
        seqs.add(frame.state.due_seq)
    if reasons:
        total = ZERO
        rationale = f"{shown} = {subtotal}；一票否决（{'；'.join(reasons)}）→ 0"
    elif bank not in frame.reports:
        total = ZERO
        what = "尚未到报送期限" if frame.states[bank] == "not due" else "未报送"
        rationale = f"{frame.month} {what}（应于 {frame.due} 前报送），各项 0 → 0"
    else:
        total = subtotal
        rationale = f"{shown} = {subtotal}"
    return Line(
        bank,
        q2(total),
        reasons,
        frame.states[bank],
        frozenset(seqs),
        f"{rationale}（{full}）",
        _report_facts(frame, bank),
    )


def assess_month(
    state: BanksState,
    card: CardEntry,
    month: str,
    today: dt.date | None,
    criteria: Sequence[Criterion] | None = None,
) -> Month:
    """Score every listed bank on every criterion of the card (or ``criteria``) for ``month``."""
    if criteria is None:
        criteria = card.definition.criteria
    frame = month_frame(state, card, month, today)
    scores: list[Score] = []
    marks: dict[str, list[tuple[Criterion, Mark]]] = {b: [] for b in frame.banks}
    for criterion in criteria:
        judged = judge_criterion(frame, criterion)
        for bank in frame.banks:
            mark = criterion_mark(frame, judged, bank)
            marks[bank].append((criterion, mark))
            scores.append(mark.score)
    vetoes = _vetoes(state, month)
    weight, full = full_marks(criteria)
    lines = {
        bank: bank_line(frame, bank, marks[bank], vetoes.get(bank, []), full)
        for bank in frame.banks
    }
    return Month(month, tuple(scores), lines, weight)


def _vetoes(state: BanksState, month: str) -> dict[str, list[VetoEntry]]:
    found: dict[str, list[VetoEntry]] = {}
    for entry in sorted(state.vetoes, key=lambda e: e.seq):
        if entry.veto.period == month and entry.veto.bank in state.banks:
            found.setdefault(entry.veto.bank, []).append(entry)
    return found


# -- 4. scores of a period -------------------------------------------------------


def _change(previous: int | None, rank: int) -> str:
    if previous is None:
        return "new"
    moved = previous - rank
    return f"+{moved}" if moved > 0 else str(moved)


def period_scores(
    state: BanksState,
    card: BankAssessmentDefined,
    period: str,
    lines: Mapping[str, Line],
    weight: Decimal,
    previous: Mapping[str, int],
    *,
    never_top: Iterable[str],
    what: str,
    provisional: bool = False,
) -> Iterator[Score]:
    """Each bank's ``score`` for a period and the period's bulletin lists.

    ``provisional``: some report the period rests on is not due yet.
    """
    waiting = [b for b, line in lines.items() if line.report == "not due"]
    placed = standing(
        {b: line.total for b, line in lines.items()},
        card.top,
        card.bottom,
        never_top=never_top,
        unranked=waiting,
    )
    count = len(lines)
    for bank, line in sorted(lines.items()):
        rank = placed.ranks[bank]
        before = previous.get(bank)
        listed = "top" if bank in placed.top else "bottom" if bank in placed.bottom else ""
        if line.report == "not due":
            status = "pending"
        elif listed == "bottom" or line.vetoes or line.report == "missing":
            status = "red"
        elif listed == "top":
            status = "green"
        else:
            status = "watch"
        moved = f"，{what}第 {before} 名" if before is not None else ""
        definition = state.banks[bank].definition
        yield Score(
            subject=bank,
            label=definition.name,
            metric=result_names.SCORE,
            period=period,
            value=line.total,
            target=weight,
            status=status,
            points=line.total,
            unit=POINTS_UNIT,
            rationale=f"{line.rationale}；第 {rank} 名（共 {count} 家）{moved}",
            evidence=line.evidence,
            details={
                **line.details,
                "rank": str(rank),
                "previous_rank": str(before) if before is not None else "",
                "rank_change": _change(before, rank),
                "veto": "；".join(line.vetoes),
                "list": listed,
                "ranked": str(count),
                "synthetic": "yes" if definition.synthetic else "no",
            },
        )
    every = frozenset().union(*(line.evidence for line in lines.values()))
    for metric, banks, size in (
        (result_names.TOP, placed.top, card.top),
        (result_names.BOTTOM, placed.bottom, card.bottom),
    ):
        names = "、".join(state.banks[b].definition.name for b in banks)
        title = "前" if metric == "top" else "后"
        shown = "；".join(
            f"第 {placed.ranks[b]} 名 {state.banks[b].definition.name}" for b in banks
        )
        yield Score(
            subject=BULLETIN,
            label="银行业金融机构支持企业考核通报",
            metric=metric,
            period=period,
            value=names,
            rationale=f"{period} 考核{title} {size} 名：{shown or '无'}",
            evidence=every,
            details={
                "banks": list(banks),
                "ranks": [placed.ranks[b] for b in banks],
                "size": str(size),
                "provisional": "yes" if waiting or provisional else "no",
            },
        )


def rollup_lines(months: Sequence[Month], banks: Iterable[str]) -> dict[str, Line]:
    """Each bank's mean monthly total over ``months``."""
    lines = {}
    for bank in banks:
        mine = [m.lines[bank] for m in months if bank in m.lines]
        if not mine:
            continue
        mean = q2(sum((line.total for line in mine), ZERO) / len(mine))
        shown = " + ".join(str(line.total) for line in mine)
        vetoes = tuple(
            f"{m.text}：{'；'.join(m.lines[bank].vetoes)}"
            for m in months
            if bank in m.lines and m.lines[bank].vetoes
        )
        lines[bank] = Line(
            bank,
            mean,
            vetoes,
            "",
            frozenset().union(*(line.evidence for line in mine)),
            f"月均（{shown}）/ {len(mine)} = {mean}",
            {"months": [m.text for m in months if bank in m.lines]},
        )
    return lines


# -- 5. the results --------------------------------------------------------------


def _months(state: BanksState, as_of: dt.date | None) -> list[str]:
    months = {m for m, reports in state.reports.items() if any(b in state.banks for b in reports)}
    months |= {v.veto.period for v in state.vetoes if v.veto.bank in state.banks}
    if as_of is not None:
        months = {m for m in months if ReplayContext.period(m).start <= as_of}
    return sorted(months)


def _quarter(month: str) -> str:
    number = int(month[5:7])
    return f"{month[:4]}-Q{(number - 1) // 3 + 1}"


def results(state: BanksState, context: ReplayContext) -> Iterator[Score | Finding]:
    """Criterion scores, totals, ranks and bulletins per month, quarter and year; findings."""
    yield from findings(state)
    if state.card is None or not state.banks:
        return
    card = state.card.definition
    today = dt.date.fromisoformat(context.known_at[:10]) if context.known_at else None
    usable = [c for c in card.criteria if not list(criterion_problems(c))]
    assessed = [
        assess_month(state, state.card, m, today, usable) for m in _months(state, context.as_of)
    ]
    previous: dict[str, int] = {}
    for month in assessed:
        yield from month.scores
        records = list(
            period_scores(
                state,
                card,
                month.text,
                month.lines,
                month.weight,
                previous,
                never_top=[
                    b for b, line in month.lines.items() if line.vetoes or line.report == "missing"
                ],
                what="上月" if _is_next(previous_month(month.text), assessed, month) else "上次",
            )
        )
        yield from records
        previous = _ranks(records)
    for kind, key, size in (("quarter", _quarter, 3), ("year", lambda m: m[:4], 12)):
        groups: dict[str, list[Month]] = {}
        for month in assessed:
            groups.setdefault(key(month.text), []).append(month)
        previous = {}
        for period, months in sorted(groups.items()):
            lines = rollup_lines(months, sorted(state.banks))
            complete = "yes" if len(months) == size else "no"
            lines = {
                bank: attrs.evolve(line, details={**line.details, "complete": complete})
                for bank, line in lines.items()
            }
            weight = months[-1].weight  # the card is the same every month: the latest
            records = list(
                period_scores(
                    state,
                    card,
                    period,
                    lines,
                    weight,
                    previous,
                    never_top=[b for b, line in lines.items() if line.vetoes],
                    what="上季度" if kind == "quarter" else "上年",
                    provisional=any(
                        line.report == "not due" for m in months for line in m.lines.values()
                    ),
                )
            )
            yield from records
            previous = _ranks(records)


def previous_month(month: str) -> str:
    """The calendar month before ``month``."""
    first = ReplayContext.period(month).start
    return _month_text(first - dt.timedelta(days=1))


def _is_next(before: str, assessed: Sequence[Month], month: Month) -> bool:
    index = [m.text for m in assessed].index(month.text)
    return index > 0 and assessed[index - 1].text == before


def _ranks(records: Iterable[Score]) -> dict[str, int]:
    return {
        r.subject: int(detail_text(r.details, "rank"))
        for r in records
        if r.metric == "score" and r.subject != BULLETIN
    }


def findings(state: BanksState) -> Iterator[Finding]:
    """Warnings for reports, targets and vetoes that name nothing the plan defines."""
    for month, reports in sorted(state.reports.items()):
        for bank, report in sorted(reports.items()):
            if bank in state.banks:
                continue
            yield Finding(
                kind="warn",
                subject=bank,
                rule="bank-report-unknown",
                period=month,
                rationale=f"{month} 的月报（seq {report.seq}）来自计划未列出的银行 {bank!r}，未计入考核",
                evidence=[report.seq],
            )
    criteria = {c.id: c for c in state.card.definition.criteria} if state.card else {}
    for line in criteria.values():
        # A plan file is checked on load; a card appended as an event is not.
        problems = list(criterion_problems(line))
        if problems and state.card is not None:
            yield Finding(
                kind="warn",
                subject=line.id,
                rule="bank-criterion-invalid",
                period="all",
                rationale=f"考核指标 {line.id} 未计分：{'；'.join(problems)}",
                evidence=[state.card.seq],
            )
    for setting in state.targets:
        target = setting.target
        problem = None
        criterion = criteria.get(target.criterion)
        if target.bank not in state.banks:
            problem = f"计划未列出银行 {target.bank!r}"
        elif criterion is None:
            problem = f"考核表无指标 {target.criterion!r}"
        elif criterion.method != "target_gate":
            problem = f"指标 {criterion.id} 按 {criterion.method} 计分，不使用目标"
        elif _in_unit(target, criterion) is None:
            problem = f"目标 {target.target} 与指标 {criterion.id} 的单位 {criterion.unit} 不符"
        if problem is None:
            continue
        yield Finding(
            kind="warn",
            subject=target.bank,
            rule="bank-target-invalid",
            period=target.period,
            rationale=f"目标设定（seq {setting.seq}）未采用：{problem}",
            evidence=[setting.seq],
            parameters={"criterion": target.criterion, "target": target.target},
        )
    for vetoed in state.vetoes:
        if vetoed.veto.bank in state.banks:
            continue
        yield Finding(
            kind="warn",
            subject=vetoed.veto.bank,
            rule="bank-veto-unknown",
            period=vetoed.veto.period,
            rationale=f"一票否决（seq {vetoed.seq}）针对计划未列出的银行 {vetoed.veto.bank!r}，未计入考核",
            evidence=[vetoed.seq],
        )


evaluator = Evaluator(
    name=result_names.EVALUATOR,
    version="2",
    consumes=sorted(HANDLERS),
    state_type=BanksState,
    fold=fold,
    results=results,
    description="monthly bank assessment: criteria, totals, ranks, bulletin; quarter and year",
)
