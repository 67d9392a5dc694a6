"""The ``supervision`` evaluator: the ledger of supervision items (督办事项台账).

It folds the loop's events (:mod:`gyengine_supervision.events`), the plan's
``[supervision_loop]`` and the record day of every event; its results read the
``rules`` evaluator's findings, so a finding of a kind the plan names opens an
item automatically, numbered ``<rule>-<period>-<project or indicator or unit>``
(``R05-2019-W11-P11``) and issued the first working day after the finding could
be known (the end of its period and the record day of its last evidence).

Every item is judged on the day of the replay: its ``--as-of`` date, else the
day of ``--known-at``, else the last record day of the log. Nothing reads the
clock, so the same log and options give the same ledger on every machine.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Final

import attrs

from gyengine import ANY_TYPE, Evaluator, Event, Finding, ReplayContext, Score

from . import names as result_names
from .events import SupervisionLoopDefined
from .workdays import Calendar

__all__ = ["Act", "Item", "LoopState", "Walk", "fold", "items_of", "results", "supervision", "walk"]

STEP_NAMES: Final = {
    "warn": "提醒",
    "supervise": "督办",
    "notify": "通报",
    "interview": "约谈",
    "accountable": "问责",
}
SOURCE_NAMES: Final = {"office": "督办单", "weekly_meeting": "周例会", "service_day": "企业服务日"}
STATUSES: Final = ("open", "answered", "returned", "closed", "overdue")
"""An item's status: 整改中, 已反馈待核查, 退回重改, 已销号, 逾期."""
STATUS_NAMES: Final = {
    "open": "整改中",
    "answered": "已反馈，待核查",
    "returned": "退回重改",
    "closed": "已销号",
    "overdue": "逾期",
}
_DAY: Final = dt.timedelta(days=1)


@attrs.define
class Act:
    """One act on an item after its issue: ``answer``, ``return``, ``close`` or ``interview``."""

    action: str
    day: str
    seq: int
    deadline: str = ""
    note: str = ""
    actor: str = ""
    type: str = ""


@attrs.define
class Issue:
    """An item issued by the office or agreed at a meeting."""

    item: str
    unit: str
    reason: str
    source: str
    kind: str
    day: str
    seq: int
    deadline: str = ""
    evidence: list[int] = attrs.Factory(list)
    finding: str = ""


@attrs.define
class Interview:
    unit: str
    interviewee: str
    by: str
    reason: str
    item: str
    outcome: str
    day: str
    seq: int


@attrs.define
class LoopState:
    """The loop's parameters, the items issued, the acts on them, the 约谈 and every event's record day."""

    loop: SupervisionLoopDefined | None = None
    loop_seq: int = 0
    issues: dict[str, Issue] = attrs.Factory(dict)
    acts: dict[str, list[Act]] = attrs.Factory(dict)
    interviews: list[Interview] = attrs.Factory(list)
    units: dict[str, str] = attrs.Factory(dict)
    day_seqs: list[int] = attrs.Factory(list)
    """Where the record day changes, in seq order (with ``day_dates``): the record day of any seq."""
    day_dates: list[str] = attrs.Factory(list)
    latest: str = ""


def _day_of(event: Event) -> str:
    occurred = event.occurred or ""
    if len(occurred) == 10 and occurred[4] == "-" and occurred[7] == "-":
        return occurred
    return event.recorded[:10]


def _issue(state: LoopState, event: Event) -> None:
    data = event.data
    meeting = getattr(data, "meeting", None)
    state.issues[data.item] = Issue(
        data.item,
        data.unit,
        data.reason,
        meeting or "office",
        getattr(data, "kind", "supervise"),
        _day_of(event),
        event.seq,
        data.deadline,
        list(data.evidence),
        getattr(data, "finding", ""),
    )


def _act(action: str) -> Callable[[LoopState, Event], None]:
    def add(state: LoopState, event: Event) -> None:
        data = event.data
        note = (
            getattr(data, "reason", "") or getattr(data, "text", "") or getattr(data, "remark", "")
        )
        state.acts.setdefault(data.item, []).append(
            Act(
                action,
                _day_of(event),
                event.seq,
                getattr(data, "deadline", ""),
                note,
                event.actor or "",
                event.type,
            )
        )

    return add


def _interview(state: LoopState, event: Event) -> None:
    data = event.data
    day = _day_of(event)
    state.interviews.append(
        Interview(
            data.unit,
            data.interviewee,
            data.by,
            data.reason,
            data.item,
            data.outcome,
            day,
            event.seq,
        )
    )
    if data.item:
        state.acts.setdefault(data.item, []).append(
            Act("interview", day, event.seq, "", data.reason)
        )


def _loop(state: LoopState, event: Event) -> None:
    state.loop, state.loop_seq = event.data, event.seq


def _unit(state: LoopState, event: Event) -> None:
    state.units[event.data.id] = event.data.name


HANDLERS: Final[dict[str, Callable[[LoopState, Event], None]]] = {
    "SupervisionLoopDefined": _loop,
    "SupervisionItemIssued": _issue,
    "MeetingItemAgreed": _issue,
    "RectificationReported": _act("answer"),
    "SupervisionItemReturned": _act("return"),
    "SupervisionItemClosed": _act("close"),
    "InterviewHeld": _interview,
    "UnitDefined": _unit,
}


def fold(state: LoopState, event: Event, context: ReplayContext) -> LoopState:
    """Note the event's record day; fold the loop's own events."""
    day = event.recorded[:10]
    if not state.day_dates or state.day_dates[-1] != day:
        state.day_seqs.append(event.seq)
        state.day_dates.append(day)
    state.latest = max(state.latest, day)
    handler = HANDLERS.get(event.type)
    if handler is not None:
        handler(state, event)
    return state


# -- results ---------------------------------------------------------------------------


@attrs.frozen
class Item:
    """An item of the ledger, issued by hand, at a meeting or from a rule's finding."""

    number: str
    unit: str
    reason: str
    source: str
    kind: str
    issued: dt.date
    deadline: dt.date | None
    evidence: tuple[int, ...]
    seqs: tuple[int, ...] = ()
    finding: str = ""


@attrs.frozen
class Step:
    """An escalation: on ``day`` the item moved to ``kind`` because ``missed`` passed."""

    day: dt.date
    kind: str
    previous: str
    missed: dt.date


@attrs.define
class Walk:
    """An item's course up to the day of the replay."""

    status: str = "open"
    due: dt.date = dt.date.min
    first_due: dt.date = dt.date.min
    steps: list[Step] = attrs.Factory(list)
    missed: bool = False
    """Whether any 整改时限 passed while the item ran (it was not closed on time)."""
    behind: bool = False
    """Whether the current 整改时限 passed with no answer."""
    overdue_since: dt.date | None = None
    """The first 整改时限 missed since the clock last started (issue or return)."""
    answered: dt.date | None = None
    closed: dt.date | None = None
    returns: int = 0
    history: list[str] = attrs.Factory(list)
    seqs: list[int] = attrs.Factory(list)


def _today(state: LoopState, context: ReplayContext) -> dt.date | None:
    days = []
    if context.as_of is not None:
        days.append(context.as_of)
    if context.known_at:
        days.append(dt.date.fromisoformat(context.known_at[:10]))
    if not days and state.latest:
        days.append(dt.date.fromisoformat(state.latest))
    return min(days) if days else None


def _recorded_day(state: LoopState, seq: int) -> dt.date | None:
    index = bisect.bisect_right(state.day_seqs, seq) - 1
    return dt.date.fromisoformat(state.day_dates[index]) if index >= 0 else None


def _from_findings(state: LoopState, context: ReplayContext, calendar: Calendar) -> Iterator[Item]:
    """An item for every finding of the rules, issued the first working day after it could be known."""
    for record in context.results_of("rules"):
        if not isinstance(record, Finding):
            continue
        known = [_recorded_day(state, seq) for seq in record.evidence]
        with contextlib.suppress(ValueError):  # a period gyengine cannot read: its evidence decides
            known.append(context.period(record.period).end)
        days = [day for day in known if day is not None]
        if not days:
            continue
        what = record.parameters.get("project") or record.parameters.get("indicator")
        number = f"{record.rule}-{record.period}-{what or record.subject}"
        yield Item(
            number,
            record.subject,
            record.rationale.split("；依规则")[0],
            f"rule:{record.rule}",
            record.kind,
            calendar.add(max(days), 1),
            None,
            record.evidence,
            finding=number,
        )


def items_of(
    state: LoopState, context: ReplayContext, loop: SupervisionLoopDefined, calendar: Calendar
) -> list[Item]:
    """Every item: issued by hand or at a meeting, and those the rules open that no issue replaced.

    An issued item that names a finding (``finding``) takes that finding's
    evidence, and the finding opens no item of its own.
    """
    findings = {item.number: item for item in _from_findings(state, context, calendar)}
    issued: dict[str, Item] = {}
    for number, issue in state.issues.items():
        follows = findings.pop(issue.finding, None) if issue.finding else None
        evidence = {*issue.evidence, *(follows.evidence if follows else ())}
        issued[number] = Item(
            number,
            issue.unit,
            issue.reason,
            issue.source,
            issue.kind,
            dt.date.fromisoformat(issue.day),
            dt.date.fromisoformat(issue.deadline) if issue.deadline else None,
            tuple(sorted(evidence)),
            (issue.seq,),
            issue.finding,
        )
    for number, item in findings.items():
        rule = item.source.partition(":")[2]
        if item.kind in loop.open_on and (not loop.rules or rule in loop.rules):
            issued.setdefault(number, item)
    return sorted(issued.values(), key=lambda item: (item.issued, item.number))


def _advance(
    walk: Walk,
    until: dt.date,
    ladder: tuple[str, ...],
    rung: list[int],
    days: int,
    calendar: Calendar,
) -> None:
    """Escalate the item once per 整改时限 missed by ``until`` while it ran.

    A 整改时限 is missed on the first working day after it: the item is 逾期
    that day and moves one step up the ladder, with ``days`` more working days.
    """
    while walk.status in ("open", "returned") and calendar.add(walk.due, 1) <= until:
        day = calendar.add(walk.due, 1)
        if not walk.behind:
            walk.overdue_since = walk.due
        walk.missed = walk.behind = True
        if not ladder:
            return  # no ladder: 逾期, and nothing to escalate to
        previous = ladder[rung[0]] if rung[0] >= 0 else ""
        if rung[0] + 1 >= len(ladder):
            if not walk.steps or walk.steps[-1].missed != walk.due:
                walk.steps.append(Step(day, previous, previous, walk.due))
                walk.history.append(
                    f"{day} 逾期（整改时限 {walk.due}），已在最高一级：{STEP_NAMES[previous]}"
                )
            return
        rung[0] += 1
        kind = ladder[rung[0]]
        walk.steps.append(Step(day, kind, previous, walk.due))
        walk.history.append(f"{day} 逾期（整改时限 {walk.due}），升级为{STEP_NAMES[kind]}")
        walk.due = calendar.add(walk.due, days)


def _opened(source: str) -> str:
    if source == "office":
        return "下发督办单"
    if source in SOURCE_NAMES:
        return f"{SOURCE_NAMES[source]}议定"
    return "依规则自动立项"


def walk(
    item: Item, acts: list[Act], loop: SupervisionLoopDefined, calendar: Calendar, today: dt.date
) -> Walk:
    """Follow an item from its issue through its acts to ``today``."""
    ladder = loop.escalation
    rung = [ladder.index(item.kind) if item.kind in ladder else -1]
    due = item.deadline or calendar.add(item.issued, loop.days)
    course = Walk(due=due, first_due=due, seqs=list(item.seqs))
    course.history.append(
        f"{item.issued} {_opened(item.source)}（{STEP_NAMES.get(item.kind, item.kind)}），整改时限 {due}"
    )
    for act in sorted(acts, key=lambda act: (act.day, act.seq)):
        day = dt.date.fromisoformat(act.day)
        if day > today or course.status == "closed":
            continue
        course.seqs.append(act.seq)
        _advance(course, day, ladder, rung, loop.escalation_days, calendar)
        if act.action == "answer":
            course.status, course.answered, course.behind = "answered", day, False
            course.history.append(f"{day} 整改反馈")
        elif act.action == "return":
            course.status, course.returns = "returned", course.returns + 1
            course.due = (
                dt.date.fromisoformat(act.deadline)
                if act.deadline
                else calendar.add(day, loop.return_days)
            )
            course.history.append(f"{day} 退回（{act.note}），新整改时限 {course.due}")
        elif act.action == "close":
            course.status, course.closed, course.behind = "closed", day, False
            course.history.append(f"{day} 销号")
        else:
            course.history.append(f"{day} 约谈（{act.note}）")
    _advance(course, today, ladder, rung, loop.escalation_days, calendar)
    if course.status in ("open", "returned") and course.behind:
        course.status = "overdue"
    return course


def _source_text(source: str) -> str:
    if source.startswith("rule:"):
        return f"规则 {source[5:]} 的结论"
    return SOURCE_NAMES.get(source, source)


def _loop_of(state: LoopState) -> SupervisionLoopDefined:
    return state.loop if state.loop is not None else SupervisionLoopDefined()


def _state_text(course: Walk, today: dt.date, left: int | None) -> str:
    if course.status == "closed":
        timing = "按期" if not course.missed else "逾期后"
        return f"已销号（{course.closed}，{timing}）"
    if course.status == "answered":
        return f"已反馈（{course.answered}），待核查销号"
    if course.status == "overdue":
        step = course.steps[-1] if course.steps else None
        rung = f"，已升级为{STEP_NAMES[step.kind]}（{step.day}）" if step else ""
        return (
            f"截至 {today} 逾期 {-(left or 0)} 个工作日（整改时限 {course.overdue_since}）{rung}，"
            f"本级整改时限 {course.due}"
        )
    returned = f"退回 {course.returns} 次，" if course.returns else ""
    return f"截至 {today} {returned}整改中，距整改时限 {course.due} 还有 {left} 个工作日"


def _score(
    item: Item,
    course: Walk,
    state: LoopState,
    today: dt.date,
    plan: list[int],
    calendar: Calendar,
) -> Score:
    running = course.status in ("open", "returned", "overdue")
    left = None
    if running:
        since = course.overdue_since if course.status == "overdue" else None
        left = -calendar.between(since, today) if since else calendar.between(today, course.due)
    end = course.closed or today
    unit_name = state.units.get(item.unit, item.unit)
    details: dict[str, object] = {
        "owner": item.unit,
        "owner_name": unit_name,
        "source": item.source,
        "step": course.steps[-1].kind if course.steps else item.kind,
        "issued": item.issued,
        "deadline": course.due,
        "first_deadline": course.first_due,
        "age_days": (end - item.issued).days,
        "returns": course.returns,
        "history": "；".join(course.history),
    }
    if left is not None:
        details["days_left" if course.status != "overdue" else "days_overdue"] = abs(left)
    if course.overdue_since and course.status == "overdue":
        details["missed_deadline"] = course.overdue_since
    if course.answered:
        details["answered"] = course.answered
    if course.closed:
        details["closed"] = course.closed
        details["on_time"] = "no" if course.missed else "yes"
    if item.finding:
        details["finding"] = item.finding
    return Score(
        subject=item.number,
        metric=result_names.SUPERVISION_ITEM,
        period=item.issued.isoformat(),
        label=item.reason,
        value=Decimal(left) if left is not None else None,
        status=course.status,
        unit="工作日",
        rationale=(
            f"事项 {item.number}（{unit_name}，来源：{_source_text(item.source)}）："
            f"{'；'.join(course.history)}。{_state_text(course, today, left)}"
        ),
        evidence=[*course.seqs, *item.evidence, *plan],
        details=_iso(details),
    )


def _escalations(item: Item, course: Walk, state: LoopState, plan: list[int]) -> Iterator[Finding]:
    unit_name = state.units.get(item.unit, item.unit)
    for step in course.steps:
        moved = (
            f"升级为{STEP_NAMES[step.kind]}"
            if step.kind != step.previous
            else f"已在最高一级，{STEP_NAMES[step.kind]}"
        )
        yield Finding(
            kind=step.kind,
            subject=item.unit,
            label=unit_name,
            rule="item-overdue",
            period=step.day.isoformat(),
            rationale=(
                f"事项 {item.number}「{item.reason}」整改时限 {step.missed} 已过，"
                f"{unit_name}未整改反馈，逾期{moved}"
            ),
            evidence=[*item.seqs, *item.evidence, *plan],
            parameters=_iso(
                {
                    "item": item.number,
                    "step": step.kind,
                    "previous": step.previous or "-",
                    "deadline": step.missed,
                }
            ),
        )


def _interviews(state: LoopState, today: dt.date) -> Iterator[Finding]:
    for talk in state.interviews:
        if dt.date.fromisoformat(talk.day) > today:
            continue
        unit_name = state.units.get(talk.unit, talk.unit)
        about = f"（事项 {talk.item}）" if talk.item else ""
        outcome = f"；{talk.outcome}" if talk.outcome else ""
        yield Finding(
            kind="interview",
            subject=talk.unit,
            label=unit_name,
            rule="interview",
            period=talk.day,
            rationale=f"{talk.day} {talk.by}约谈{unit_name}{talk.interviewee}{about}：{talk.reason}{outcome}",
            evidence=[talk.seq],
            parameters=_iso(
                {
                    "interviewee": talk.interviewee,
                    "by": talk.by,
                    "item": talk.item or "-",
                    "reason": talk.reason,
                    "outcome": talk.outcome,
                }
            ),
        )


def _strays(state: LoopState, numbers: set[str], today: dt.date) -> Iterator[Finding]:
    """A warning for every act on an item number the ledger does not hold (a typo, or a
    finding a correction withdrew): the act counts nowhere until the number is right."""
    for number, acts in sorted(state.acts.items()):
        if number in numbers:
            continue
        for act in acts:
            if dt.date.fromisoformat(act.day) > today:
                continue
            who = act.actor or "(unknown)"
            yield Finding(
                kind="warn",
                subject=who,
                label=state.units.get(who),
                rule="unknown-item",
                period=act.day,
                rationale=(
                    f"{act.day} {act.type}（seq {act.seq}）所称事项 {number} 不在督办台账中："
                    "请核对事项编号"
                ),
                evidence=[act.seq],
                parameters={"item": number},
            )


def results(state: LoopState, context: ReplayContext) -> Iterator[Score | Finding]:
    """Per item a score (its status, deadline, days left or overdue, age, owner, source), per escalation a finding, per 约谈 a finding."""
    today = _today(state, context)
    if today is None:
        return
    loop = _loop_of(state)
    calendar = Calendar(loop.holidays, loop.workdays)
    plan = [state.loop_seq] if state.loop_seq else []
    items = items_of(state, context, loop, calendar)
    for item in items:
        if item.issued > today:
            continue
        course = walk(item, state.acts.get(item.number, []), loop, calendar, today)
        yield _score(item, course, state, today, plan, calendar)
        yield from _escalations(item, course, state, plan)
    yield from _interviews(state, today)
    yield from _strays(state, {item.number for item in items}, today)


supervision = Evaluator(
    name=result_names.EVALUATOR,
    version="2",
    consumes=[ANY_TYPE],
    requires=["rules"],
    state_type=LoopState,
    fold=fold,
    results=results,
    description="the supervision loop: 督办单, 整改反馈, 销号 or 退回, 逾期 and escalation, 约谈",
    statuses=STATUSES,
    finding_kinds=["notify", "interview"],
)


def _iso(named: dict[str, object]) -> dict[str, object]:
    """Named inputs with each date as its ISO text (details hold JSON values)."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in named.items()}
