"""The ledger evaluator ``projects``: each key project's week, against its own schedule.

Investment against 序时 (from the project's 开工 date, or its monthly plan), weekly
reports, milestones, park/lead/group roll-ups and the problem ledger. The rules, in
words and formulas with the seed's sentences, are in ``docs/evaluators/projects.md``.
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Final

import attrs

from gyengine import Evaluator, Event, Finding, ReplayContext, Score
from gyengine_plan import PlanDefined, SupervisionDefined
from gyengine_plan.scoring import (
    HUNDRED,
    StatusProfile,
    elapsed_fraction,
    node_shares,
    pct,
    points,
    q2,
)
from gyengine_plan.wording import (
    arrow,
    milestone_word,
    rationale_language,
    status_word,
    value_word,
)

from . import names as result_names
from .events import MILESTONES, ProblemRaised, ProblemResolved, ProjectProgressReported
from .plan import ProjectDefined, ProjectGroupDefined, group_members

__all__ = ["LedgerState", "evaluator", "fold", "results"]

WAN: Final = "万元"
PRELIMINARY: Final = "重大前期"
LAGGING: Final = ("watch", "yellow", "red")
"""Statuses that count as 进度滞后 and extend a lag streak (as does a missing report): any gap behind 序时."""
REPORT_STATUS: Final = {"received": "green", "late": "yellow", "missing": "red", "not due": None}
# Without a [supervision] section, the frame's own default, so the two never disagree.
_DUE_DAYS = attrs.fields(SupervisionDefined).weekly_due_days.default
DEFAULT_DUE_DAYS: Final[int] = _DUE_DAYS if isinstance(_DUE_DAYS, int) else 0


# -- 1. the state ----------------------------------------------------------------


@attrs.define
class Report:
    """One progress report, as the ledger keeps it."""

    seq: int
    week: str
    """The ISO week it counts for: the week of the last day of ``occurred``."""
    occurred: str
    first_day: dt.date
    last_day: dt.date
    recorded: dt.date
    invested: Decimal
    milestone: str | None = None
    actor: str | None = None
    note: str = ""
    """The unit's words on the week (形象进度), as reported."""
    next_plan: str = ""
    """The unit's plan for the next week (下周计划), as reported; empty when not given."""


@attrs.define
class ProjectEntry:
    definition: ProjectDefined
    seq: int


@attrs.define
class GroupEntry:
    definition: ProjectGroupDefined
    seq: int


@attrs.define
class PlanEntry:
    definition: PlanDefined
    seq: int


@attrs.define
class SupervisionEntry:
    definition: SupervisionDefined
    seq: int


@attrs.define
class ProblemEntry:
    raised: ProblemRaised
    seq: int
    raised_on: dt.date


@attrs.define
class ResolutionEntry:
    resolved: ProblemResolved
    seq: int
    resolved_on: dt.date


@attrs.define
class LedgerState:
    """Everything the ledger has folded; it round-trips through gyengine's converter."""

    plan: PlanEntry | None = None
    supervision: SupervisionEntry | None = None
    projects: dict[str, ProjectEntry] = attrs.Factory(dict)
    groups: dict[str, GroupEntry] = attrs.Factory(dict)
    reports: dict[str, list[Report]] = attrs.Factory(dict)
    problems: dict[str, ProblemEntry] = attrs.Factory(dict)
    resolutions: dict[str, ResolutionEntry] = attrs.Factory(dict)
    last_day: dt.date | None = None
    """The last day any folded event is about (the horizon when there is no as-of date)."""


# -- 2. the fold -----------------------------------------------------------------


def _days(event: Event, context: ReplayContext) -> tuple[dt.date, dt.date]:
    """The first and last day an event is about; without ``occurred``, the day it was recorded."""
    if event.occurred is None:
        day = dt.date.fromisoformat(event.recorded[:10])
        return day, day
    period = context.period(event.occurred)
    return period.start, period.end


def _week_of(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _on_plan(state: LedgerState, event: Event, context: ReplayContext) -> None:
    state.plan = PlanEntry(event.data, event.seq)


def _on_supervision(state: LedgerState, event: Event, context: ReplayContext) -> None:
    state.supervision = SupervisionEntry(event.data, event.seq)


def _on_project(state: LedgerState, event: Event, context: ReplayContext) -> None:
    state.projects[event.data.id] = ProjectEntry(event.data, event.seq)


def _on_group(state: LedgerState, event: Event, context: ReplayContext) -> None:
    state.groups[event.data.id] = GroupEntry(event.data, event.seq)


def _on_report(state: LedgerState, event: Event, context: ReplayContext) -> None:
    data: ProjectProgressReported = event.data
    first, last = _days(event, context)
    state.reports.setdefault(data.project, []).append(
        Report(
            seq=event.seq,
            week=_week_of(last),
            occurred=event.occurred or last.isoformat(),
            first_day=first,
            last_day=last,
            # A correction of an on-time report was still reported on time.
            recorded=dt.date.fromisoformat(context.first_recorded(event)[:10]),
            invested=data.invested_to_date,
            milestone=data.milestone,
            actor=event.actor,
            note=data.note,
            next_plan=data.next_plan or "",
        )
    )


def _on_problem(state: LedgerState, event: Event, context: ReplayContext) -> None:
    # A problem is raised on the first day of its period: counting days open
    # from its last day could show a problem raised after the as-of date.
    state.problems[event.data.problem] = ProblemEntry(
        event.data, event.seq, _days(event, context)[0]
    )


def _on_resolution(state: LedgerState, event: Event, context: ReplayContext) -> None:
    state.resolutions[event.data.problem] = ResolutionEntry(
        event.data, event.seq, _days(event, context)[1]
    )


Handler = Callable[[LedgerState, Event, ReplayContext], None]

HANDLERS: Final[dict[str, Handler]] = {
    PlanDefined.__name__: _on_plan,
    SupervisionDefined.__name__: _on_supervision,
    ProjectDefined.__name__: _on_project,
    ProjectGroupDefined.__name__: _on_group,
    ProjectProgressReported.__name__: _on_report,
    ProblemRaised.__name__: _on_problem,
    ProblemResolved.__name__: _on_resolution,
}


def fold(state: LedgerState, event: Event, context: ReplayContext) -> LedgerState:
    """Add one event to the ledger."""
    if event.occurred is not None:
        last = context.period(event.occurred).end
        if state.last_day is None or last > state.last_day:
            state.last_day = last
    HANDLERS[event.type](state, event, context)
    return state


# -- 3. the calendar -------------------------------------------------------------


@attrs.frozen
class Week:
    """An ISO week of the plan year, its Sunday and the day its report is due."""

    text: str
    end: dt.date
    due: dt.date


@attrs.frozen
class Calendar:
    """What every result of one replay shares: year, weeks, today, due days, profile."""

    year: int
    today: dt.date
    weeks: tuple[Week, ...]
    due_days: int
    profile: StatusProfile
    seqs: tuple[int, ...]
    """The plan and supervision definitions every result rests on."""
    lang: str = "zh"
    """The rationales' language (:func:`~gyengine_plan.wording.rationale_language`)."""

    @classmethod
    def of(cls, state: LedgerState, context: ReplayContext) -> Calendar | None:
        """The calendar of this replay, or None when there is nothing to evaluate yet.

        ``today`` is the as-of date, else the Sunday of the week of the last day
        any event is about; the weeks run from W01 of the plan year to the week
        of ``today``, never beyond the year.
        """
        if context.as_of is not None:
            today = context.as_of
        elif state.last_day is not None:
            today = state.last_day + dt.timedelta(days=7 - state.last_day.isoweekday())
        else:
            return None
        plan = state.plan.definition if state.plan is not None else None
        year = plan.year if plan is not None else today.year
        last_week = dt.date(year, 12, 28).isocalendar().week
        iso_year, iso_week, _ = today.isocalendar()
        count = last_week if iso_year > year else iso_week if iso_year == year else 0
        supervision = state.supervision.definition if state.supervision is not None else None
        due_days = supervision.weekly_due_days if supervision is not None else DEFAULT_DUE_DAYS
        weeks = []
        for number in range(1, count + 1):
            sunday = dt.date.fromisocalendar(year, number, 7)
            weeks.append(
                Week(f"{year}-W{number:02d}", sunday, sunday + dt.timedelta(days=due_days))
            )
        profile = (
            StatusProfile(plan.status_profile, plan.watch_pp, plan.yellow_pp, plan.yellow_ratio)
            if plan is not None
            else StatusProfile()
        )
        seqs = tuple(entry.seq for entry in (state.plan, state.supervision) if entry is not None)
        lang = rationale_language(context.options, plan.lang if plan is not None else None)
        return cls(year, today, tuple(weeks), due_days, profile, seqs, lang)


# -- 4. one project's weeks ------------------------------------------------------


@attrs.frozen
class ProjectWeek:
    """A project's figures for one week, before they become scores."""

    week: Week
    value: Decimal
    target: Decimal
    expected: Decimal
    """万元 expected by the week's Sunday, unrounded."""
    fraction: Decimal
    """The share of the year expected by then (序时进度)."""
    status: str
    report: str
    lag_streak: int
    used: Report | None
    here: tuple[Report, ...]
    evidence: tuple[int, ...]


def amount(value: Decimal) -> str:
    """A figure as the office writes it: thousands separated, no trailing zeros (``1,250.5``)."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        normal = normal.quantize(Decimal(1))
    return format(normal, ",f")


def formula(
    value: Decimal,
    target: Decimal,
    completion: Decimal | None,
    expected_pct: Decimal | None,
    status: str,
    note: str = "",
    lang: str = "zh",
) -> str:
    """``投资 1,250.5 万元 / 年度计划 8,000 万元 = 15.63 %，序时 42.47 %，落后 26.84 个百分点 → 黄灯``.

    The gap is the difference of the two percentages as shown, so the sentence adds up;
    the light is worded in ``lang``.
    """
    light = status_word(status, lang)
    if completion is None or expected_pct is None:
        return f"投资 {amount(value)} 万元{note}，年度计划 0 万元（本年无投资任务）{arrow(light)}"
    shown, due = q2(completion), q2(expected_pct)
    gap = due - shown
    if gap > 0:
        lag = f"落后 {gap} 个百分点"
    elif gap < 0:
        lag = f"超前 {-gap} 个百分点"
    else:
        lag = "与序时持平"
    return (
        f"投资 {amount(value)} 万元{note} / 年度计划 {amount(target)} 万元 = {shown} %，"
        f"序时 {due} %，{lag}{arrow(light)}"
    )


def _status(calendar: Calendar, completion: Decimal | None, expected_pct: Decimal | None) -> str:
    if completion is None or expected_pct is None:
        return "green"  # nothing to invest this year: nothing can lag
    return calendar.profile.status(completion, expected_pct)


def _report_state(week: Week, here: Sequence[Report], today: dt.date) -> str:
    if here:
        return "received" if min(r.recorded for r in here) <= week.due else "late"
    return "missing" if today > week.due else "not due"


def project_weeks(
    entry: ProjectEntry, reports: Sequence[Report], calendar: Calendar
) -> list[ProjectWeek]:
    """A project's weeks: value to date, expected, status, report and lag streak."""
    project = entry.definition
    target = project.annual_plan.in_unit(WAN)
    by_week: dict[str, list[Report]] = {}
    for item in reports:
        by_week.setdefault(item.week, []).append(item)
    milestones = reached_milestones(reports)
    used: Report | None = None
    streak = 0
    rows = []
    for week in calendar.weeks:
        here = tuple(sorted(by_week.get(week.text, ()), key=lambda r: r.seq))
        if here:
            used = here[-1]
        value = used.invested if used is not None else Decimal(0)
        fraction = expected_fraction(project, week.end, calendar.year)
        expected = target * fraction
        completion = pct(value, target)
        expected_pct = fraction * HUNDRED if target else None
        status = _status(calendar, completion, expected_pct)
        report = _report_state(week, here, calendar.today)
        streak = streak + 1 if status in LAGGING or report == "missing" else 0
        evidence = {entry.seq, *calendar.seqs, *(r.seq for r in here)}
        if used is not None:
            evidence.add(used.seq)
        evidence.update(r.seq for r in milestones.values() if r.last_day <= week.end)
        rows.append(
            ProjectWeek(
                week,
                value,
                target,
                expected,
                fraction,
                status,
                report,
                streak,
                used,
                here,
                tuple(evidence),
            )
        )
    return rows


def expected_fraction(project: ProjectDefined, day: dt.date, year: int) -> Decimal:
    """The share of the project's annual plan expected by ``day``.

    Its monthly plan (推进计划) when it has one, as nodes at each month's end;
    else its schedule, running from its 开工 date.
    """
    if project.monthly_plan:
        cumulative, nodes = Decimal(0), {}
        for number, month in enumerate(project.monthly_plan, start=1):
            cumulative += month.amount
            nodes[dt.date(year, number, monthrange(year, number)[1])] = cumulative
        shares = node_shares(nodes, project.annual_plan.amount)
        return elapsed_fraction(day, year, "nodes", nodes=shares)
    return elapsed_fraction(day, year, project.schedule, project.curve, start=project.start)


def _not_started(project: ProjectDefined, day: dt.date) -> str:
    if project.start is not None and day < project.start:
        return f"（计划 {project.start} 开工，此前无序时要求）"
    return ""


def reached_milestones(reports: Iterable[Report]) -> dict[str, Report]:
    """The first report of each milestone reached."""
    reached: dict[str, Report] = {}
    for report in sorted(reports, key=lambda r: (r.first_day, r.seq)):
        if report.milestone is not None:
            reached.setdefault(report.milestone, report)
    return reached


def _milestone_text(project: ProjectDefined, reached: dict[str, Report], until: dt.date) -> str:
    """``开工 计划 2019-04-01，2019-W14 达到；竣工 计划 2019-11-30，未达到``."""
    parts = []
    for name, field in MILESTONES.items():
        planned: dt.date | None = getattr(project, field)
        report = reached.get(name)
        if report is not None and report.last_day > until:
            report = None
        if planned is None and report is None:
            continue
        plan = f"计划 {planned}" if planned is not None else "无计划日期"
        got = f"{report.occurred} 达到" if report is not None else "未达到"
        parts.append(f"{name} {plan}，{got}")
    return "；".join(parts)


def _next_milestone(
    project: ProjectDefined, reached: dict[str, Report], until: dt.date
) -> dict[str, str]:
    """The first planned milestone not reached by ``until``: ``next_milestone`` and its date."""
    for name, field in MILESTONES.items():
        planned: dt.date | None = getattr(project, field)
        report = reached.get(name)
        if planned is not None and (report is None or report.last_day > until):
            return {"next_milestone": name, "next_milestone_date": planned.isoformat()}
    return {"next_milestone": "", "next_milestone_date": ""}


def _five_ones(project: ProjectDefined) -> dict[str, str]:
    return {
        "lead_official": project.lead_official,
        "service_team": project.service_team,
        "department": project.department,
        "management_plan": project.management_plan,
        "work_team": "yes" if project.work_team else "no",
    }


# -- 5. the results --------------------------------------------------------------


def _investment_score(
    entry: ProjectEntry, row: ProjectWeek, reached: dict[str, Report], calendar: Calendar
) -> Score:
    project = entry.definition
    completion = pct(row.value, row.target)
    expected_pct = row.fraction * HUNDRED if row.target else None
    return Score(
        subject=project.id,
        metric=result_names.INVESTMENT,
        period=row.week.text,
        value=row.value,
        target=row.target,
        expected=q2(row.expected),
        status=row.status,
        points=points(Decimal(1), completion or Decimal(0), expected_pct or Decimal(0)),
        unit=WAN,
        rationale=formula(
            row.value,
            row.target,
            completion,
            expected_pct,
            row.status,
            ("" if row.used is not None else "（尚无报告）") + _not_started(project, row.week.end),
            calendar.lang,
        ),
        evidence=row.evidence,
        details=_iso(
            {
                "scope": "project",
                "name": project.name,
                "park": project.park,
                "category": project.category,
                "responsible": list(project.responsible),  # the lead first
                "report": row.report,
                "report_used": row.used.occurred if row.used is not None else "none",
                # The week's own report's words (形象进度); none when no report came this week.
                "note": row.here[-1].note if row.here else "",
                "next_plan": row.here[-1].next_plan if row.here else "",
                "lag_streak": row.lag_streak,
                "completion_pct": q2(completion) if completion is not None else "",
                "expected_pct": q2(expected_pct) if expected_pct is not None else "",
                "schedule": "monthly_plan" if project.monthly_plan else project.schedule,
                "start": project.start or "",
                "milestones": _milestone_text(project, reached, row.week.end),
                **_next_milestone(project, reached, row.week.end),
                "synthetic": "yes" if project.synthetic else "no",
                **_five_ones(project),
            }
        ),
    )


def _report_score(entry: ProjectEntry, row: ProjectWeek, calendar: Calendar) -> Score:
    week = row.week
    rule = f"周报 {week.text} 应于 {week.due} 前报送（周日 {week.end} + {calendar.due_days} 天）"
    details: dict[str, object] = {"due": week.due, "name": entry.definition.name}
    if row.here:
        first = min(row.here, key=lambda r: (r.recorded, r.seq))
        late = (first.recorded - week.due).days
        details.update(recorded=first.recorded, reporter=first.actor or "", reports=len(row.here))
        if row.report == "late":
            details["days_late"] = late
            fact = f"{first.recorded} 报送，迟 {late} 天"
        else:
            fact = f"{first.recorded} 报送"
    elif row.report == "missing":
        details["days_late"] = (calendar.today - week.due).days
        fact = f"截至 {calendar.today} 未报送"
    else:
        fact = f"截至 {calendar.today} 尚未到期"
    return Score(
        subject=entry.definition.id,
        metric=result_names.REPORT,
        period=week.text,
        value=row.report,
        status=REPORT_STATUS[row.report],
        rationale=f"{rule}；{fact}{arrow(value_word(row.report, calendar.lang))}",
        evidence=[entry.seq, *calendar.seqs, *(r.seq for r in row.here)],
        details=_iso(details),
    )


_MILESTONE_HOW: Final = {
    "reached": ("no planned date", "无计划日期"),
    "early": ("{days} days early at least", "至少提前 {days} 天"),
    "on time": ("the planned day falls in that period", "计划日在该期内"),
    "late": ("{days} days late at least", "至少延期 {days} 天"),
}


def _milestone_reached(
    name: str, planned: dt.date | None, report: Report, value: str, days: int, lang: str
) -> str:
    """``竣工 计划 2019-10-31，2019-W44（2019-10-28 至 2019-11-03）达到：计划日在该期内 → 按期完成``."""
    english, chinese = _MILESTONE_HOW[value]
    if lang == "en":
        return (
            f"{name} planned {planned or '-'}, reached in {report.occurred} "
            f"({report.first_day}..{report.last_day}): {english.format(days=days)} → {value}"
        )
    return (
        f"{name} 计划 {planned or '无'}，{report.occurred}（{report.first_day} 至 "
        f"{report.last_day}）达到：{chinese.format(days=days)}{arrow(milestone_word(value, lang))}"
    )


def milestone_scores(
    entry: ProjectEntry, reached: dict[str, Report], calendar: Calendar
) -> Iterator[Score]:
    """``milestone:<name>`` when it was reached, or its planned date has passed.

    Reached in a period that ends before the planned day: ``early``; that
    contains it: ``on time`` (both green); that begins after it: ``late``
    (yellow). Not reached after the planned day: ``overdue`` (red).
    """
    project = entry.definition
    current = calendar.weeks[-1].text
    for name, field in MILESTONES.items():
        planned: dt.date | None = getattr(project, field)
        report = reached.get(name)
        details: dict[str, object] = {"planned": planned or "", "name": project.name}
        if report is not None:
            details["reached"] = report.occurred
            if planned is None:
                value, status, days = "reached", "green", 0
            elif report.last_day < planned:
                value, status, days = "early", "green", (planned - report.last_day).days
                details["days_early"] = days
            elif report.first_day <= planned:
                value, status, days = "on time", "green", 0
            else:
                value, status, days = "late", "yellow", (report.first_day - planned).days
                details["days_late"] = days
            rationale = _milestone_reached(name, planned, report, value, days, calendar.lang)
            period, evidence = report.week, [entry.seq, report.seq]
        elif planned is not None and calendar.today > planned:
            value, status = "overdue", "red"
            details["days_overdue"] = (calendar.today - planned).days
            if calendar.lang == "en":
                rationale = (
                    f"{name} planned {planned}, not reached by {calendar.today}: "
                    f"{details['days_overdue']} days overdue → overdue"
                )
            else:
                rationale = (
                    f"{name} 计划 {planned}，截至 {calendar.today} 未达到：逾期 "
                    f"{details['days_overdue']} 天{arrow(milestone_word(value, 'zh'))}"
                )
            period, evidence = current, [entry.seq]
        else:
            continue
        yield Score(
            subject=project.id,
            metric=f"{result_names.MILESTONE}{name}",
            period=period,
            value=value,
            status=status,
            rationale=rationale,
            evidence=evidence,
            details=_iso(details),
        )


def rollup_scores(
    subject: str,
    metric: str,
    label: str,
    members: Sequence[tuple[ProjectEntry, list[ProjectWeek]]],
    calendar: Calendar,
    details: dict[str, object],
    evidence: Iterable[int] = (),
) -> Iterator[Score]:
    """One score per week summing the members' value, target and expected."""
    ids = [entry.definition.id for entry, _ in members]
    preliminary = sum(1 for entry, _ in members if entry.definition.category == PRELIMINARY)
    count = f"{len(ids)} 个项目，" + (
        f"含重大前期项目 {preliminary} 个（无年度投资计划）" if preliminary else "不含重大前期项目"
    )
    base = set(evidence)
    for index, week in enumerate(calendar.weeks):
        rows = [(entry, weeks[index]) for entry, weeks in members]
        value = sum((row.value for _, row in rows), Decimal(0))
        target = sum((row.target for _, row in rows), Decimal(0))
        expected = sum((row.expected for _, row in rows), Decimal(0))
        completion, expected_pct = pct(value, target), pct(expected, target)
        status = _status(calendar, completion, expected_pct)
        yield Score(
            subject=subject,
            metric=metric,
            period=week.text,
            value=value,
            target=target,
            expected=q2(expected),
            status=status,
            unit=WAN,
            rationale=(
                f"{label}（{count}）："
                + formula(value, target, completion, expected_pct, status, lang=calendar.lang)
            ),
            evidence=base.union(*(row.evidence for _, row in rows)),
            details={
                **details,
                "projects": list(ids),
                "preliminary": preliminary,
                "lagging": [e.definition.id for e, r in rows if r.status in LAGGING],
                "reports_missing": [e.definition.id for e, r in rows if r.report == "missing"],
                "completion_pct": q2(completion) if completion is not None else "",
                "expected_pct": q2(expected_pct) if expected_pct is not None else "",
            },
        )


def problem_results(state: LedgerState, calendar: Calendar) -> Iterator[Score | Finding]:
    """A ``problem`` score per problem; a ``problem-overdue`` warning per problem open past its deadline."""
    today, period = calendar.today, calendar.weeks[-1].text
    for key, entry in sorted(state.problems.items()):
        problem = entry.raised
        resolution = state.resolutions.get(key)
        if resolution is not None and resolution.resolved_on > today:
            resolution = None  # resolved after the as-of date: still open then
        closed = resolution.resolved_on if resolution is not None else today
        days_open = max(0, (closed - entry.raised_on).days)
        overdue = max(0, (closed - problem.deadline).days)
        if resolution is not None:
            value, status = "resolved", "green" if overdue == 0 else "yellow"
            fact = f"{resolution.resolved_on} 解决（{resolution.resolved.resolution}），历时 {days_open} 天"
        else:
            value, status = "open", "red" if overdue else "watch"
            fact = f"截至 {today} 未解决，已 {days_open} 天"
        late = f"，逾期 {overdue} 天" if overdue else ""
        evidence = [entry.seq] + ([resolution.seq] if resolution is not None else [])
        yield Score(
            subject=key,
            metric=result_names.PROBLEM,
            period=period,
            value=value,
            status=status,
            rationale=(
                f"问题 {key}（{problem.subject}）：{problem.description}；责任单位 {problem.owner}，"
                f"期限 {problem.deadline}；{entry.raised_on} 提出（{problem.raised_at}），"
                f"{fact}{late}{arrow(value_word(value, calendar.lang))}"
            ),
            evidence=evidence,
            details=_iso(
                {
                    "owner": problem.owner,
                    "subject": problem.subject,
                    "deadline": problem.deadline,
                    "raised": entry.raised_on,
                    "raised_at": problem.raised_at,
                    "description": problem.description,
                    "days_open": days_open,
                    "days_overdue": overdue,
                    "resolved": resolution.resolved_on if resolution is not None else "",
                    "resolution": resolution.resolved.resolution if resolution is not None else "",
                }
            ),
        )
        if resolution is None and overdue:
            yield Finding(
                kind="warn",
                subject=problem.owner,
                rule="problem-overdue",
                period=period,
                rationale=(
                    f"问题 {key}（{problem.subject}：{problem.description}）期限 {problem.deadline}，"
                    f"截至 {today} 未解决，逾期 {overdue} 天"
                ),
                evidence=[entry.seq],
                parameters=_iso(
                    {
                        "problem": key,
                        "subject": problem.subject,
                        "deadline": problem.deadline,
                        "days_overdue": overdue,
                    }
                ),
            )


def results(state: LedgerState, context: ReplayContext) -> Iterator[Score | Finding]:
    """Scores per project and week, milestones, roll-ups, the problem ledger."""
    calendar = Calendar.of(state, context)
    if calendar is None or not calendar.weeks:
        return
    ledgers: list[tuple[ProjectEntry, list[ProjectWeek]]] = []
    for key, entry in sorted(state.projects.items()):
        reports = state.reports.get(key, [])
        rows = project_weeks(entry, reports, calendar)
        reached = reached_milestones(reports)
        ledgers.append((entry, rows))
        for row in rows:
            yield _investment_score(entry, row, reached, calendar)
            yield _report_score(entry, row, calendar)
        yield from milestone_scores(entry, reached, calendar)

    by_park: dict[str, list[tuple[ProjectEntry, list[ProjectWeek]]]] = {}
    by_lead: dict[str, list[tuple[ProjectEntry, list[ProjectWeek]]]] = {}
    for entry, rows in ledgers:
        by_park.setdefault(entry.definition.park, []).append((entry, rows))
        if entry.definition.responsible:
            by_lead.setdefault(entry.definition.responsible[0], []).append((entry, rows))
    for park, members in sorted(by_park.items()):
        yield from rollup_scores(
            park, "investment", f"园区 {park}", members, calendar, {"scope": "park"}
        )
    for unit, members in sorted(by_lead.items()):
        yield from rollup_scores(
            unit, "investment", f"牵头单位 {unit}", members, calendar, {"scope": "lead unit"}
        )
    definitions = [entry.definition for entry, _ in ledgers]
    groups = {key: group.definition for key, group in state.groups.items()}
    for key, group in sorted(state.groups.items()):
        wanted = set(group_members(group.definition, definitions, groups))
        members = [(entry, rows) for entry, rows in ledgers if entry.definition.id in wanted]
        yield from rollup_scores(
            key,
            "group_investment",
            f"项目组 {key} {group.definition.name}",
            members,
            calendar,
            {"scope": "group", "name": group.definition.name},
            [group.seq, *_part_seqs(group.definition, state.groups)],
        )

    yield from problem_results(state, calendar)

    for key, reports in sorted(state.reports.items()):
        if key in state.projects:
            continue
        seqs = [report.seq for report in reports]
        yield Finding(
            kind="warn",
            subject=key,
            rule="report-unknown-project",
            period=calendar.weeks[-1].text,
            rationale=(
                f"{len(seqs)} progress report(s) for project {key!r}, which the plan does not "
                f"define (seq {', '.join(map(str, seqs))})"
                if calendar.lang == "en"
                else f"方案未列的项目 {key} 报送了 {len(seqs)} 份进度报告"
                f"（seq {', '.join(map(str, seqs))}）"
            ),
            evidence=seqs,
        )


def _part_seqs(group: ProjectGroupDefined, groups: dict[str, GroupEntry]) -> list[int]:
    seqs, pending, seen = [], list(group.parts), {group.id}
    while pending:
        part = pending.pop()
        if part in seen or part not in groups:
            continue
        seen.add(part)
        seqs.append(groups[part].seq)
        pending.extend(groups[part].definition.parts)
    return seqs


evaluator = Evaluator(
    name=result_names.EVALUATOR,
    version="4",
    consumes=sorted(HANDLERS),
    state_type=LedgerState,
    fold=fold,
    results=results,
    description="key-project ledger: weekly investment vs 序时进度, reports, milestones, problems",
)


def _iso(named: dict[str, object]) -> dict[str, object]:
    """Named inputs with each date as its ISO text (details hold JSON values)."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in named.items()}
