"""The triggers of reward and accountability rules: when a rule of the plan fires, and on whom.

Each trigger is a function ``trigger(rule, facts)`` that yields
:class:`~gyengine.Finding` records; :data:`TRIGGERS` says which evaluator runs
it and which parameters it takes, with their defaults. The facts are the
records of the evaluators the rules read, never the raw events. What each
trigger decides, and the plan sentences behind it, is stated in
docs/evaluators/rules.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Final

import attrs

from gyengine import Finding, ReplayContext, Score
from gyengine_plan.details import detail_int, detail_list, detail_text
from gyengine_plan.wording import arrow, describe_params, finding_word, status_word

__all__ = [
    "STATUSES",
    "TRIGGERS",
    "Excuse",
    "Facts",
    "Param",
    "Rule",
    "TriggerSpec",
    "Veto",
    "apply_vetoes",
    "finding",
    "unit_of",
    "within",
]

STATUSES: Final = ("green", "watch", "yellow", "red", "pending")
SUBJECTS: Final = ("department", "lead_unit")
"""Whom a project finding is about: always a unit (责任单位), never an official."""
REPORT_TO: Final = ("", "lead_official")
"""Whom a finding is reported to besides the office: the county leader in charge (报分管县领导)."""
LIGHTS: Final = {
    "green": "绿灯",
    "watch": "关注",
    "yellow": "黄灯",
    "red": "红灯",
    "pending": "待定",
}


# -- the rules as the evaluators keep them ---------------------------------------


@attrs.frozen
class Param:
    """A trigger parameter: its type, default (None: required) and allowed values."""

    type: str
    """``int`` (whole, ≥ ``minimum``), ``number``, ``statuses`` (comma-separated), ``choice`` or ``text``."""
    default: str | None = None
    choices: tuple[str, ...] = ()
    minimum: int = 0


POINTS: Final = Param("number", "")


@attrs.frozen
class TriggerSpec:
    """What a trigger takes, which evaluator runs it, which finding kinds it may give."""

    evaluator: str
    params: dict[str, Param]
    kinds: tuple[str, ...] = ("commend", "warn", "supervise", "accountable", "deduct")
    description: str = ""


TRIGGERS: Final[dict[str, TriggerSpec]] = {
    "project_lag_streak": TriggerSpec(
        "rules",
        {
            "periods": Param("int", "2", minimum=1),
            "statuses": Param("statuses", "yellow,red"),
            "subject": Param("choice", "department", SUBJECTS),
            "report_to": Param("choice", "", REPORT_TO),
            "points": POINTS,
        },
        description="a project lagging (or its report missing) so many weeks running",
    ),
    "project_lag_episode": TriggerSpec(
        "rules",
        {
            "statuses": Param("statuses", "yellow"),
            "from": Param("int", "1", minimum=1),
            "to": Param("int", "0"),
            "subject": Param("choice", "department", SUBJECTS),
            "report_to": Param("choice", "", REPORT_TO),
            "points": POINTS,
        },
        description="the n-th time in the year a project turns to one of the statuses",
    ),
    "report_missing": TriggerSpec(
        "rules",
        {
            "grace_days": Param("int", "0"),
            "subject": Param("choice", "department", SUBJECTS),
            "report_to": Param("choice", "", REPORT_TO),
            "points": POINTS,
        },
        description="a weekly report missing, or more than grace_days late, without an accepted reason",
    ),
    "early_completion": TriggerSpec(
        "rules",
        {
            "milestone": Param("text", "竣工"),
            "min_days": Param("int", "1", minimum=1),
            "subject": Param("choice", "department", SUBJECTS),
            "report_to": Param("choice", "", REPORT_TO),
            "points": POINTS,
        },
        description="a project reaching a milestone ahead of its planned day",
    ),
    "indicator_lag_streak": TriggerSpec(
        "rules",
        {
            "periods": Param("int", "2", minimum=1),
            "statuses": Param("statuses", "yellow,red"),
            "points": POINTS,
        },
        description="an indicator in one of the statuses so many months running",
    ),
    "indicator_met": TriggerSpec(
        "rules",
        {
            "min_pct": Param("number", "100"),
            "group": Param("text", ""),
            "subject": Param("choice", "lead", ("lead", "all")),
            "points": POINTS,
        },
        description="an indicator's whole target met or exceeded (at the year end, or as of a date)",
    ),
    "false_report": TriggerSpec(
        "rules",
        {"points": POINTS},
        kinds=("veto",),
        description="a unit found to have reported falsely loses its commendations of that period",
    ),
    "bank_bulletin": TriggerSpec(
        "bank_rules",
        {
            "list": Param("choice", "top", ("top", "bottom")),
            "period": Param("choice", "quarter", ("month", "quarter", "year")),
            "points": POINTS,
        },
        description="a bank named in the top (or bottom) list of the bank bulletin",
    ),
    "quarterly_rank": TriggerSpec(
        "quarterly",
        {"list": Param("choice", "top", ("top", "bottom")), "points": POINTS},
        description="a unit in the top (or bottom) list of the quarterly evaluation",
    ),
}
"""Every standard trigger by name."""


@attrs.define
class Rule:
    """A rule of the plan as an evaluator keeps it (parameters as text)."""

    id: str
    kind: str
    trigger: str
    params: dict[str, str]
    text: str
    seq: int
    lang: str = "zh"
    """The language of the findings' rationales (set for each replay, see ``gyengine_plan.wording``)."""

    @property
    def spec(self) -> TriggerSpec:
        return TRIGGERS[self.trigger]

    def value(self, name: str) -> str:
        """A parameter as text, or its default."""
        if name in self.params:
            return self.params[name]
        return self.spec.params[name].default or ""

    def integer(self, name: str) -> int:
        text = self.value(name)
        return int(Decimal(text)) if text else 0

    def number(self, name: str) -> Decimal:
        return Decimal(self.value(name))

    def statuses(self) -> tuple[str, ...]:
        return tuple(s.strip() for s in self.value("statuses").split(",") if s.strip())

    @property
    def points(self) -> Decimal | None:
        text = self.params.get("points", "")
        return Decimal(text) if text else None

    def parameters(self) -> dict[str, str]:
        """The parameters a finding names: the rule's own, then the trigger."""
        return {**self.params, "trigger": self.trigger}

    def describe(self) -> str:
        """``规则 R02「…」（连续期数 2，计入状态 黄灯、红灯）``; in English ``rule R02 "…" (periods=2, ...)``."""
        params = describe_params(self.params, self.lang)
        if self.lang == "en":
            text = f" “{self.text}”" if self.text else ""
            return f"rule {self.id}{text} ({params or 'default parameters'})"
        text = f"「{self.text}」" if self.text else ""
        return f"规则 {self.id}{text}（{params or '默认参数'}）"


@attrs.define
class Excuse:
    """An accepted justification, as the rules keep it."""

    project: str
    weeks: list[str]
    start: dt.date | None
    end: dt.date | None
    reason: str
    approved_by: str
    seq: int

    def covers(self, week: str) -> bool:
        if week in self.weeks:
            return True
        if self.start is None or self.end is None:
            return False
        period = ReplayContext.period(week)
        return self.start <= period.start and period.end <= self.end


@attrs.define
class Veto:
    """A false report found, as the rules keep it."""

    subject: str
    period: str
    reason: str
    report_ids: list[str]
    seq: int


# -- the facts: what the ledger and the indicators published -------------------


@attrs.frozen
class ProjectWeek:
    """One week of a project, from its ``investment`` and ``report`` scores."""

    period: str
    status: str
    report: str
    days_late: int | None
    rationale: str
    report_rationale: str
    evidence: tuple[int, ...]
    report_evidence: tuple[int, ...]


@attrs.define
class ProjectFacts:
    id: str
    name: str = ""
    department: str = ""
    lead_unit: str = ""
    lead_official: str = ""
    weeks: list[ProjectWeek] = attrs.Factory(list)
    milestones: list[Score] = attrs.Factory(list)


@attrs.frozen
class IndicatorMonth:
    period: str
    status: str
    record: Score


@attrs.define
class IndicatorFacts:
    id: str
    name: str
    responsible: tuple[str, ...]
    months: list[IndicatorMonth] = attrs.Factory(list)


@attrs.frozen
class Facts:
    """What the rules judge: projects week by week, indicators month by month, justifications, names."""

    projects: dict[str, ProjectFacts]
    indicators: dict[str, IndicatorFacts]
    excuses: tuple[Excuse, ...]
    units: Mapping[str, str]
    groups: Mapping[str, str]

    @classmethod
    def build(
        cls,
        projects: Iterable[object],
        indicators: Iterable[object],
        excuses: Sequence[Excuse] = (),
        units: Mapping[str, str] | None = None,
        groups: Mapping[str, str] | None = None,
    ) -> Facts:
        """Gather the facts from the records of ``projects`` and ``indicators``."""
        investment: dict[tuple[str, str], Score] = {}
        reports: dict[tuple[str, str], Score] = {}
        found: dict[str, ProjectFacts] = {}
        for record in projects:
            if not isinstance(record, Score):
                continue
            if record.metric == "investment" and record.details.get("scope") == "project":
                investment[record.subject, record.period] = record
                entry = found.setdefault(record.subject, ProjectFacts(record.subject))
                details = record.details
                responsible = detail_list(details, "responsible")
                entry.name = detail_text(details, "name")
                entry.lead_unit = responsible[0] if responsible else ""
                entry.department = detail_text(details, "department") or entry.lead_unit
                entry.lead_official = detail_text(details, "lead_official")
            elif record.metric == "report":
                reports[record.subject, record.period] = record
            elif record.metric.startswith("milestone:"):
                found.setdefault(record.subject, ProjectFacts(record.subject)).milestones.append(
                    record
                )
        for (project, week), score in sorted(investment.items()):
            report = reports.get((project, week))
            late = detail_int(report.details, "days_late") if report is not None else None
            found[project].weeks.append(
                ProjectWeek(
                    period=week,
                    status=score.status or "",
                    report=detail_text(score.details, "report"),
                    days_late=late,
                    rationale=score.rationale,
                    report_rationale=report.rationale if report is not None else "",
                    evidence=score.evidence,
                    report_evidence=report.evidence if report is not None else (),
                )
            )
        judged: dict[str, IndicatorFacts] = {}
        for record in indicators:
            if not isinstance(record, Score) or record.metric != "completion":
                continue
            entry_i = judged.setdefault(
                record.subject,
                IndicatorFacts(
                    record.subject,
                    record.label or detail_text(record.details, "name", record.subject),
                    tuple(detail_list(record.details, "responsible")),
                ),
            )
            entry_i.months.append(IndicatorMonth(record.period, record.status or "", record))
        for entry_i in judged.values():
            entry_i.months.sort(key=lambda month: month.period)
        return cls(
            {key: found[key] for key in sorted(found)},
            {key: judged[key] for key in sorted(judged)},
            tuple(excuses),
            dict(units or {}),
            dict(groups or {}),
        )

    def name_of(self, unit: str) -> str:
        return self.units.get(unit, unit)

    def excuse_for(self, project: str, week: str) -> Excuse | None:
        for excuse in self.excuses:
            if excuse.project == project and excuse.covers(week):
                return excuse
        return None


# -- building findings -----------------------------------------------------------


def finding(
    rule: Rule,
    *,
    subject: str,
    label: str,
    period: str,
    facts: str,
    evidence: Iterable[int],
    extra: Mapping[str, str] | None = None,
) -> Finding:
    """A finding of ``rule``: the facts, then the rule and what it gives to whom."""
    official = (extra or {}).get("report_to", "")
    reported = f"，报分管县领导{official}" if official else ""
    return Finding(
        kind=rule.kind,
        subject=subject,
        label=label,
        rule=rule.id,
        period=period,
        rationale=(
            f"{facts}; by {rule.describe()} → {rule.kind}: {label}{reported}"
            if rule.lang == "en"
            else f"{facts}；依{rule.describe()}{arrow(finding_word(rule.kind, rule.lang))}："
            f"{label}{reported}"
        ),
        evidence=[*evidence, rule.seq],
        points=rule.points,
        parameters={**rule.parameters(), **(extra or {})},
    )


def unit_of(record: Finding) -> str:
    """The unit a finding counts for: ``unit`` in its parameters, else its subject."""
    return detail_text(record.parameters, "unit") or record.subject


def lights(statuses: Sequence[str]) -> str:
    """``关注、黄灯、红灯``: the lights a rule counts, as the bulletin names them."""
    return "、".join(LIGHTS.get(status, status) for status in statuses)


def project_subject(rule: Rule, project: ProjectFacts, facts: Facts) -> tuple[str, str, str]:
    """``(subject, label, official)`` of a finding about ``project``: the unit, and whom it is reported to.

    The subject is always a unit (the project's department, else its lead unit;
    ``lead_unit``: the first responsible unit). With ``report_to =
    "lead_official"`` (or the old ``subject = "lead_official"``) the county
    leader in charge is named as the one the finding is reported to.
    """
    how = rule.value("subject")
    unit = project.department or project.lead_unit or project.id
    if how == "lead_unit" and project.lead_unit:
        unit = project.lead_unit
    official = ""
    if "lead_official" in (rule.params.get("report_to", ""), how) and project.lead_official:
        official = project.lead_official
    return unit, facts.name_of(unit), official


def _project_finding(
    rule: Rule,
    project: ProjectFacts,
    facts: Facts,
    period: str,
    text: str,
    evidence: Iterable[int],
    more: Mapping[str, str] | None = None,
) -> Finding:
    subject, label, official = project_subject(rule, project, facts)
    # The facts in parameters too, so that a bulletin can word them in its own language.
    extra = {"project": project.id, "unit": subject, **(more or {})}
    if official:
        extra["report_to"] = official
    return finding(
        rule,
        subject=subject,
        label=label,
        period=period,
        facts=f"项目 {project.id} {project.name}：{text}",
        evidence=evidence,
        extra=extra,
    )


def _week_text(week: ProjectWeek) -> str:
    light = LIGHTS.get(week.status, week.status)
    return f"{week.period} {light}" + ("（周报未报送）" if week.report == "missing" else "")


def _excused_text(excuses: Mapping[int, Excuse], weeks: Sequence[str]) -> str:
    if not weeks:
        return ""
    why = "；".join(f"{e.reason}，{e.approved_by} 批准（seq {seq}）" for seq, e in excuses.items())
    return f"（{'、'.join(weeks)} 已说明不计：{why}）"


# -- project triggers --------------------------------------------------------------


def _streak(weeks: Sequence[ProjectWeek]) -> str:
    """``2019-W14:watch,2019-W15:missing``: each week and its light (``missing``: no report)."""
    return ",".join(f"{w.period}:{'missing' if w.report == 'missing' else w.status}" for w in weeks)


def _lagging(week: ProjectWeek, statuses: Sequence[str]) -> bool:
    return week.status in statuses or week.report == "missing"


def project_lag_streak(rule: Rule, facts: Facts) -> Iterator[Finding]:
    """A project lagging or silent ``periods`` weeks running (excused weeks neutral); once per streak."""
    periods, statuses = rule.integer("periods"), rule.statuses()
    for project in facts.projects.values():
        run: list[ProjectWeek] = []
        excused: dict[int, Excuse] = {}
        excused_weeks: list[str] = []
        for week in project.weeks:
            if not _lagging(week, statuses):
                run, excused, excused_weeks = [], {}, []
                continue
            excuse = facts.excuse_for(project.id, week.period)
            if excuse is not None:
                excused[excuse.seq] = excuse
                excused_weeks.append(week.period)
                continue
            run.append(week)
            if len(run) == periods:
                text = (
                    f"连续 {periods} 周滞后或未报（{lights(statuses)}计为滞后，周报未报送亦计）："
                    f"{'、'.join(_week_text(w) for w in run)}{_excused_text(excused, excused_weeks)}"
                )
                evidence = [s for w in run for s in (*w.evidence, *w.report_evidence)]
                yield _project_finding(
                    rule,
                    project,
                    facts,
                    week.period,
                    text,
                    [*evidence, *excused],
                    {"streak": _streak(run)},
                )


def project_lag_episode(rule: Rule, facts: Facts) -> Iterator[Finding]:
    """The ``from``-th to ``to``-th time in the year a project turns to one of ``statuses``."""
    statuses, first, last = rule.statuses(), rule.integer("from"), rule.integer("to")
    for project in facts.projects.values():
        count, inside = 0, False
        excused: dict[int, Excuse] = {}
        excused_weeks: list[str] = []
        for week in project.weeks:
            if week.status not in statuses:
                inside, excused, excused_weeks = False, {}, []
                continue
            excuse = facts.excuse_for(project.id, week.period)
            if excuse is not None:
                # Neutral: it neither starts an episode nor ends one, but an episode
                # that starts right after it was put off by it, so it is evidence.
                excused[excuse.seq] = excuse
                excused_weeks.append(week.period)
                continue
            if inside:
                continue
            count, inside = count + 1, True
            if count >= first and (last == 0 or count <= last):
                text = (
                    f"{week.period} 第 {count} 次 {status_word(week.status, rule.lang)}"
                    f"（{week.rationale}）"
                    f"{_excused_text(excused, excused_weeks)}"
                )
                yield _project_finding(
                    rule,
                    project,
                    facts,
                    week.period,
                    text,
                    [*week.evidence, *excused],
                    {"count": str(count), "streak": _streak([week])},
                )


def report_missing(rule: Rule, facts: Facts) -> Iterator[Finding]:
    """A weekly report missing or more than ``grace_days`` late, not excused: one finding per week."""
    grace = rule.integer("grace_days")
    for project in facts.projects.values():
        for week in project.weeks:
            if week.report not in ("missing", "late") or week.days_late is None:
                continue
            if week.days_late <= grace:
                continue
            if facts.excuse_for(project.id, week.period) is not None:
                continue
            how = "未报送" if week.report == "missing" else "迟报"
            text = (
                f"{week.report_rationale}；{how}逾期 {week.days_late} 天，超过宽限 {grace} 天，"
                f"无经批准的说明（无故拖延）"
            )
            yield _project_finding(
                rule,
                project,
                facts,
                week.period,
                text,
                [*week.report_evidence, *week.evidence],
                {"report": week.report, "days_late": str(week.days_late)},
            )


def early_completion(rule: Rule, facts: Facts) -> Iterator[Finding]:
    """A project reaching ``milestone`` at least ``min_days`` days before its planned day."""
    metric, least = f"milestone:{rule.value('milestone')}", rule.integer("min_days")
    for project in facts.projects.values():
        for score in project.milestones:
            if score.metric != metric or score.value != "early":
                continue
            early = detail_int(score.details, "days_early") or 0
            if early < least:
                continue
            text = f"{score.rationale}（提前 {early} 天 ≥ {least} 天）"
            yield _project_finding(
                rule, project, facts, score.period, text, score.evidence, {"days_early": str(early)}
            )


# -- indicator triggers ------------------------------------------------------------


def indicator_lag_streak(rule: Rule, facts: Facts) -> Iterator[Finding]:
    """An indicator in one of ``statuses`` ``periods`` months running; once per streak; to its lead unit."""
    periods, statuses = rule.integer("periods"), rule.statuses()
    for indicator in facts.indicators.values():
        if not indicator.responsible:
            continue
        lead = indicator.responsible[0]
        run: list[IndicatorMonth] = []
        for month in indicator.months:
            if month.status not in statuses:
                run = []
                continue
            run.append(month)
            if len(run) == periods:
                shown = "、".join(f"{m.period} {LIGHTS.get(m.status, m.status)}" for m in run)
                yield finding(
                    rule,
                    subject=lead,
                    label=facts.name_of(lead),
                    period=month.period,
                    facts=(
                        f"指标 {indicator.id} {indicator.name} 连续 {periods} 个月"
                        f"{lights(statuses)}：{shown}（{month.record.rationale}）"
                    ),
                    evidence=[s for m in run for s in m.record.evidence],
                    extra={
                        "indicator": indicator.id,
                        "unit": lead,
                        "streak": ",".join(f"{m.period}:{m.status}" for m in run),
                    },
                )


def _met(rule: Rule, month: IndicatorMonth) -> str | None:
    """Why the month meets the whole target, due in that month, or None.

    Only the month holding the target's due day (the year end, or a
    milestone's deadline) can commend: "完成全年目标" is said when the year's
    target is due, never in a June bulletin.
    """
    record = month.record
    if month.status != "green":
        return None
    due = detail_text(record.details, "due")
    if not due or due[:7] != month.period:
        return None  # not due in this month
    completion = detail_text(record.details, "completion_pct")
    if completion:
        least = rule.number("min_pct")
        if Decimal(completion) < least:
            return None
        return f"完成率 {completion} % ≥ {least} %，目标 {due} 到期，green"
    if record.details.get("judged") == "pp":
        return f"达到目标（{record.value} % / {record.target} %），目标 {due} 到期，green"
    if record.details.get("shape") == "compare":
        return f"比较指标达到要求，目标 {due} 到期，green"
    return None


def indicator_met(rule: Rule, facts: Facts) -> Iterator[Finding]:
    """An indicator meeting its whole target in the month it is due; to its lead (or every) unit."""
    group = rule.value("group")
    for indicator in facts.indicators.values():
        if not indicator.months or not indicator.responsible:
            continue
        if group and facts.groups.get(indicator.id) != group:
            continue
        found = [(m, _met(rule, m)) for m in indicator.months]
        met = [(m, why) for m, why in found if why is not None]
        if not met:
            continue
        month, why = met[0]
        units = (
            indicator.responsible if rule.value("subject") == "all" else indicator.responsible[:1]
        )
        for unit in units:
            yield finding(
                rule,
                subject=unit,
                label=facts.name_of(unit),
                period=month.period,
                facts=f"指标 {indicator.id} {indicator.name} {month.period}：{why}（{month.record.rationale}）",
                evidence=month.record.evidence,
                extra={"indicator": indicator.id, "unit": unit},
            )


Trigger = Callable[[Rule, Facts], Iterable[Finding]]

FUNCTIONS: Final[dict[str, Trigger]] = {
    "project_lag_streak": project_lag_streak,
    "project_lag_episode": project_lag_episode,
    "report_missing": report_missing,
    "early_completion": early_completion,
    "indicator_lag_streak": indicator_lag_streak,
    "indicator_met": indicator_met,
}
"""The triggers the ``rules`` evaluator runs (``false_report`` is applied after them)."""


# -- vetoes ----------------------------------------------------------------------------


def within(period: str, span: str) -> bool:
    """Whether ``period`` belongs to ``span``: no longer than it, its middle day inside it.

    A week belongs to the quarter of its Thursday, as ISO weeks belong to years.
    """
    inner, outer = ReplayContext.period(period), ReplayContext.period(span)
    if inner.end - inner.start > outer.end - outer.start:
        return False
    middle = inner.start + (inner.end - inner.start) // 2
    return outer.contains(middle)


def apply_vetoes(
    rules: Iterable[Rule],
    findings: Sequence[Finding],
    vetoes: Iterable[Veto],
    names: Mapping[str, str],
    *,
    scope: str,
    always: bool,
) -> tuple[list[Finding], list[Finding]]:
    """Withdraw the commendations a false report vetoes; return ``(kept, veto findings)``.

    A commendation is withdrawn when the unit it counts for (see :func:`unit_of`)
    is the veto's subject and its period belongs to the veto's period. Each
    ``false_report`` rule gives one finding per veto, naming what was withdrawn
    from ``scope`` (``奖惩规则``, ``季考评``...); with ``always`` false, only when
    something was.
    """
    rules = [rule for rule in rules if rule.trigger == "false_report"]
    if not rules:
        return list(findings), []
    withdrawn: set[int] = set()
    results: list[Finding] = []
    for veto in sorted(vetoes, key=lambda v: v.seq):
        hits = [
            (index, record)
            for index, record in enumerate(findings)
            if record.kind == "commend"
            and unit_of(record) == veto.subject
            and within(record.period, veto.period)
        ]
        withdrawn.update(index for index, _ in hits)
        if not hits and not always:
            continue
        if hits:
            shown = "；".join(
                f"{record.rule} {record.period}（{record.rationale.split('；')[0]}）"
                for _, record in hits
            )
            outcome = f"撤销{scope} {veto.period} 的表彰 {len(hits)} 项：{shown}"
        else:
            outcome = f"{scope}中 {veto.period} 无表彰可撤销"
        reports = f"，报告 {', '.join(veto.report_ids)}" if veto.report_ids else ""
        label = names.get(veto.subject, veto.subject)
        for rule in rules:
            results.append(
                finding(
                    rule,
                    subject=veto.subject,
                    label=label,
                    period=veto.period,
                    facts=f"{label} {veto.period} 虚报（{veto.reason}{reports}，seq {veto.seq}）；{outcome}",
                    evidence=[veto.seq, *(s for _, record in hits for s in record.evidence)],
                    extra={
                        "unit": veto.subject,
                        "withdrawn": ", ".join(f"{r.rule} {r.period}" for _, r in hits),
                        "reason": veto.reason,
                    },
                )
            )
    kept = [record for index, record in enumerate(findings) if index not in withdrawn]
    return kept, results
