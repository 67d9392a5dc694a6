"""The sections reports are made of, each from one evaluator's results.

Every builder returns a list of sections: empty when the evaluator it lays out
did not run (its plugin is not installed), so a report simply leaves that part
out. Every table row carries an ``evidence`` cell: the seqs it rests on.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

from gyengine import Finding, Period, Score, parse_period
from gyengine.document import BarChart, Column, GridChart, LineChart, Paragraph, Section, Table
from gyengine_banks import names as bank_names
from gyengine_indicators import names as indicator_names
from gyengine_plan.details import detail_int, detail_list, detail_text
from gyengine_projects import names as project_names
from gyengine_rules import names as rule_names
from gyengine_timeliness import names as timeliness_names

from .reasons import reason
from .view import View, decimal, natural, q2, seqs

__all__ = [
    "bank_sections",
    "chart_sections",
    "findings_sections",
    "indicator_sections",
    "ledger_sections",
    "ledger_summary_sections",
    "list_sections",
    "milestone_sections",
    "problem_sections",
    "timeliness_sections",
    "unit_ranking_sections",
    "unit_score_sections",
    "work_item_sections",
]

KIND_ORDER: Final = (
    "commend",
    "supervise",
    "notify",
    "interview",
    "accountable",
    "deduct",
    "veto",
    "warn",
)
"""Findings are listed commendations first, then the ever graver measures, then warnings."""


def _column(view: View, key: str, kind: str = "text", title: str | None = None) -> Column:
    return Column(key, view.t(title or f"col.{key}"), kind)  # type: ignore[arg-type]


def _evidence_column(view: View) -> Column:
    return Column("evidence", view.t("col.evidence"), "evidence")


def _pct(score: Score, key: str) -> Decimal | None:
    return decimal(score.details.get(key))


def _listed(score: Score, key: str) -> str:
    """A list from details (``["P01", "P02"]``) written with the Chinese enumeration comma."""
    return "、".join(detail_list(score.details, key))


# -- weekly: the key-project ledger -----------------------------------------------------


def _project_scores(view: View, period: str) -> list[Score]:
    found = [
        score
        for score in view.scores(project_names.EVALUATOR, project_names.INVESTMENT, period)
        if score.details.get("scope") == "project"
    ]
    return sorted(found, key=lambda score: natural(score.subject))


def _previous_week(view: View, week: Period) -> str | None:
    weeks = [
        t for t in view.periods("projects", "investment") if parse_period(t).start < week.start
    ]
    return max(weeks, key=lambda t: parse_period(t).start) if weeks else None


def _open_problems(view: View, period: str) -> dict[str, list[str]]:
    """Each project's problems open at the end of ``period``, in words (存在问题)."""
    found: dict[str, list[str]] = {}
    for score in sorted(
        view.scores(project_names.EVALUATOR, project_names.PROBLEM, period),
        key=lambda s: natural(s.subject),
    ):
        if score.value != "open":
            continue
        d = score.details
        found.setdefault(str(d.get("subject", "")), []).append(
            view.t("ledger.problem").format(
                id=score.subject,
                text=d.get("description", ""),
                owner=view.name(str(d.get("owner", ""))),
                deadline=view.day(str(d.get("deadline", ""))),
            )
        )
    return found


def _milestones_in(view: View, week: str) -> dict[str, list[str]]:
    """The milestones each project reached in ``week`` (开工, 竣工, 投产)."""
    found: dict[str, list[str]] = {}
    for ev, metric in view.metrics():
        if ev == project_names.EVALUATOR and metric.startswith("milestone:"):
            for score in view.scores(ev, metric, week):
                if score.details.get("reached") == week:
                    found.setdefault(score.subject, []).append(metric.split(":", 1)[1])
    return found


def _next_plan(view: View, score: Score) -> str:
    """下周计划: the unit's plan for next week, then the next milestone the plan sets and its date."""
    details = score.details
    parts = [str(details.get("next_plan") or "")]
    name, day = details.get("next_milestone"), details.get("next_milestone_date")
    if name and day:
        parts.append(view.t("ledger.next").format(name=name, day=view.day(str(day))))
    return ("; " if view.lang == "en" else "；").join(p for p in parts if p)


def ledger_sections(view: View, week: Period) -> list[Section]:
    """The week's ledger: per project this week's and the year's investment, progress, problems."""
    if not view.has(project_names.EVALUATOR):
        return []
    previous = _previous_week(view, week)
    before = {
        s.subject: decimal(s.value) for s in (_project_scores(view, previous) if previous else [])
    }
    problems = _open_problems(view, week.text)
    reached = _milestones_in(view, week.text)
    rows = []
    for score in _project_scores(view, week.text):
        details = score.details
        invested = decimal(score.value)
        earlier = before.get(score.subject) or Decimal(0)
        progress = [*reached.get(score.subject, []), str(details.get("note", ""))]
        report = details.get("report", "")
        if report in ("missing", "late"):
            progress.append(view.t(f"report.{report}"))
        rows.append(
            {
                "id": score.subject,
                "project": details.get("name", ""),
                "this_week": invested - earlier if invested is not None else None,
                "invested": invested,
                "annual_plan": decimal(score.target),
                "completion": _pct(score, "completion_pct"),
                "expected_pct": _pct(score, "expected_pct"),
                "status": score.status,
                "progress": "；".join(p for p in progress if p),
                "issues": "；".join(problems.get(score.subject, [])),
                "next_plan": _next_plan(view, score),
                "evidence": seqs(score.evidence),
            }
        )
    columns = [
        _column(view, "id"),
        _column(view, "project"),
        _column(view, "this_week", "number"),
        _column(view, "invested", "number"),
        _column(view, "annual_plan", "number"),
        _column(view, "completion", "number"),
        _column(view, "expected_pct", "number"),
        _column(view, "status", "status"),
        _column(view, "progress"),
        _column(view, "issues"),
        _column(view, "next_plan"),
        _evidence_column(view),
    ]
    if not rows:
        # A week the ledger did not reach (before the plan year, after its last week).
        return [
            Section("ledger", view.t("section.ledger"), [Paragraph(view.t("none"))]),
            Section("ledger-grid", view.t("section.grid"), [Paragraph(view.t("none"))]),
        ]
    ledger = Section(
        "ledger",
        view.t("section.ledger"),
        [Table("ledger", view.t("table.ledger"), columns, rows, note=view.t("note.ledger"))],
    )
    weeks = [
        text
        for text in view.periods("projects", "investment")
        if parse_period(text).start <= week.start
    ]
    projects = _project_scores(view, week.text)
    status = {
        (score.subject, score.period): score.status
        for score in view.scores(project_names.EVALUATOR, project_names.INVESTMENT)
        if score.details.get("scope") == "project"
    }
    grid = GridChart(
        "ledger-grid",
        view.t("chart.grid"),
        [f"{score.subject} {score.details.get('name', '')}".strip() for score in projects],
        [str(parse_period(text).start.isocalendar()[1]) for text in weeks],
        [[status.get((score.subject, text)) for text in weeks] for score in projects],
    )
    return [ledger, Section("ledger-grid", view.t("section.grid"), [grid])]


def milestone_sections(view: View, week: Period) -> list[Section]:
    """Milestones reached in the week, or overdue at its end."""
    if not view.has(project_names.EVALUATOR):
        return []
    rows = []
    metrics = sorted(metric for ev, metric in view.metrics() if ev == project_names.EVALUATOR)
    for metric in metrics:
        if not metric.startswith("milestone:"):
            continue
        for score in view.scores(project_names.EVALUATOR, metric, week.text):
            outcome = str(score.value or "")
            rows.append(
                {
                    "id": score.subject,
                    "project": score.details.get("name", ""),
                    "milestone": metric.split(":", 1)[1],
                    "planned": view.day(detail_text(score.details, "planned")),
                    "reached": view.short(detail_text(score.details, "reached")),
                    "outcome": view.t(f"milestone.{outcome}"),
                    "status": score.status,
                    "evidence": seqs(score.evidence),
                }
            )
    rows.sort(key=lambda row: (natural(str(row["id"])), str(row["planned"]), str(row["milestone"])))
    columns = [
        _column(view, "id"),
        _column(view, "project"),
        _column(view, "milestone"),
        _column(view, "planned"),
        _column(view, "reached"),
        _column(view, "outcome"),
        _column(view, "status", "status"),
        _evidence_column(view),
    ]
    blocks: list[Any] = (
        [Table("milestones", view.t("table.milestones"), columns, rows)]
        if rows
        else [Paragraph(view.t("none"))]
    )
    return [Section("milestones", view.t("section.milestones"), blocks)]


def problem_sections(view: View, period: str) -> list[Section]:
    """The problems still open at the end of ``period`` (the ledger's last week)."""
    if not view.has(project_names.EVALUATOR):
        return []
    rows = []
    for score in sorted(
        view.scores(project_names.EVALUATOR, project_names.PROBLEM, period), key=lambda s: s.subject
    ):
        if score.value != "open":
            continue
        details = score.details
        rows.append(
            {
                "problem": score.subject,
                "subject": details.get("subject", ""),
                "description": details.get("description", ""),
                "owner": view.name(str(details.get("owner", ""))),
                "raised": view.day(str(details.get("raised", ""))),
                "deadline": view.day(str(details.get("deadline", ""))),
                "days_open": detail_int(details, "days_open"),
                "days_overdue": detail_int(details, "days_overdue"),
                "status": score.status,
                "evidence": seqs(score.evidence),
            }
        )
    columns = [
        _column(view, "problem"),
        _column(view, "subject"),
        _column(view, "description"),
        _column(view, "owner"),
        _column(view, "raised"),
        _column(view, "deadline"),
        _column(view, "days_open", "number"),
        _column(view, "days_overdue", "number"),
        _column(view, "status", "status"),
        _evidence_column(view),
    ]
    blocks: list[Any] = (
        [Table("problems", view.t("table.problems"), columns, rows)]
        if rows
        else [Paragraph(view.t("none"))]
    )
    return [Section("problems", view.t("section.problems"), blocks)]


def timeliness_sections(view: View) -> list[Section]:
    """Each reporter's share of reports on time, up to the report's date."""
    if not view.has(timeliness_names.EVALUATOR):
        return []
    rows = [
        {
            "reporter": score.subject,
            "reports": detail_int(score.details, "reports"),
            "late": detail_int(score.details, "late"),
            "on_time": decimal(score.value),
            "status": score.status,
            "evidence": seqs(score.evidence),
        }
        for score in sorted(
            view.scores(timeliness_names.EVALUATOR, timeliness_names.REPORTS_ON_TIME),
            key=lambda s: s.subject,
        )
    ]
    columns = [
        _column(view, "reporter"),
        _column(view, "reports", "number"),
        _column(view, "late", "number"),
        _column(view, "on_time", "number"),
        _column(view, "status", "status"),
        _evidence_column(view),
    ]
    blocks: list[Any] = (
        [Table("timeliness", view.t("table.timeliness"), columns, rows)]
        if rows
        else [Paragraph(view.t("none"))]
    )
    return [Section("timeliness", view.t("section.timeliness"), blocks)]


# -- findings -------------------------------------------------------------------------


RULE_WORDS: Final = (
    "item-overdue",
    "interview",
    "problem-overdue",
    "late-reporting",
    "unknown-item",
)
"""Rules the evaluators name themselves (not the plan): shown in words."""


def _rule(view: View, rule: str) -> str:
    return view.t(f"rule.{rule}") if rule in RULE_WORDS else rule


def _finding_rows(view: View, found: list[Finding]) -> list[dict[str, Any]]:
    return [
        {
            "name": finding.label or view.name(finding.subject),
            "rule": _rule(view, finding.rule),
            "period": view.short(finding.period) if finding.period != "all" else "",
            "period_code": finding.period,  # for machines (JSON); no column shows it
            "reason": reason(view, finding),
            "points": finding.points,
            "evidence": seqs(finding.evidence),
        }
        for finding in sorted(
            found, key=lambda f: (natural(f.subject), f.rule, f.period, f.rationale)
        )
    ]


def _finding_columns(view: View) -> list[Column]:
    return [
        _column(view, "name", title="col.who"),
        _column(view, "rule"),
        _column(view, "period"),
        _column(view, "reason"),
        _column(view, "points", "number"),
        _evidence_column(view),
    ]


def findings_sections(view: View, belongs: Callable[[Finding], bool]) -> list[Section]:
    """The period's findings, one table per kind: commendations, supervision, accountability...

    约谈 have their own section (the 约谈名单).
    """
    by_kind: dict[str, list[Finding]] = {}
    for _, finding in view.findings:
        if belongs(finding) and finding.kind != "interview":
            by_kind.setdefault(finding.kind, []).append(finding)
    order: list[str] = [kind for kind in KIND_ORDER if kind in by_kind]
    order += sorted(kind for kind in by_kind if kind not in KIND_ORDER)
    columns = _finding_columns(view)
    blocks: list[Any] = []
    for kind in order:
        rows = _finding_rows(view, by_kind[kind])
        if not any(row["points"] is not None for row in rows):
            shown = [c for c in columns if c.key != "points"]
        else:
            shown = columns
        blocks.append(Table(f"findings-{kind}", view.t(f"kind.{kind}"), shown, rows))
    if not blocks:
        blocks.append(Paragraph(view.t("none")))
    return [Section("findings", view.t("section.findings"), blocks)]


def list_sections(view: View, belongs: Callable[[Finding], bool]) -> list[Section]:
    """The quarter's 表彰 and 问责 lists: every commendation and every accountability, by unit."""
    sections = []
    for kind, section_id in (("commend", "commend-list"), ("accountable", "accountable-list")):
        found = [f for _, f in view.findings if f.kind == kind and belongs(f)]
        rows = _finding_rows(view, found)
        columns = [c for c in _finding_columns(view) if c.key != "points"]
        blocks: list[Any] = (
            [Table(section_id, view.t(f"table.{section_id}"), columns, rows)]
            if rows
            else [Paragraph(view.t("none"))]
        )
        sections.append(Section(section_id, view.t(f"section.{section_id}"), blocks))
    return sections


# -- monthly: indicators --------------------------------------------------------------


def _milestone_counts(score: Score) -> tuple[Decimal, Decimal] | None:
    """A milestone item's milestones reached and in the plan (``reached`` = "1/2"), else None."""
    if score.details.get("shape") != "milestone":
        return None
    got, _, wanted = detail_text(score.details, "reached").partition("/")
    reached, planned = decimal(got), decimal(wanted)
    if reached is None or not planned:
        return None
    return reached, planned


def _rates(view: View, score: Score) -> tuple[str, str] | None:
    """A comparison's two rates as the 实际 and 目标 cells: 工业投资增速 7.4 / 高于 GDP增速 7.8."""
    d = score.details
    if d.get("shape") != "compare" or not d.get("series_value"):
        return None
    op = view.t(f"op.{d.get('op', '')}")
    return (
        f"{d.get('series', '')} {d.get('series_value', '')}",
        f"{op}{d.get('compare_to', '')} {d.get('compare_value', '')}",
    )


def _year_on_year(view: View, score: Score, growth: dict[str, Score]) -> str:
    """同比: last year's figure and the change (a share), or the growth an amount's 增速 item reports."""
    d = score.details
    if d.get("baseline"):
        base, actual = decimal(d.get("baseline")), decimal(score.value)
        change = q2(actual - base) if actual is not None and base is not None else None
        return view.t("yoy.points").format(base=d.get("baseline"), change=change)
    rate = growth.get(f"{score.subject}-增速")
    if rate is not None and rate.value is not None:
        return view.t("yoy.growth").format(rate=rate.value)
    return ""


def _indicator_row(
    view: View, score: Score, part: str = "", growth: dict[str, Score] | None = None
) -> dict[str, Any]:
    completion = _pct(score, "completion_pct")
    gap = decimal(score.details.get("gap_pp"))
    actual, target, due = decimal(score.value), decimal(score.target), decimal(score.expected)
    counts = _milestone_counts(score)
    if counts is not None:
        # "规划建设2座11万伏变电站": milestones reached of those in the plan (1 / 2), not the
        # evaluator's all-or-nothing 0 / 1; the points still come only when all are reached.
        actual, target = counts
        completion = q2(actual / target * 100)
    # 序时 only where it means something: an amount that accrues against its schedule.
    scheduled = score.details.get("expected_pct") not in ("", None) and score.details.get(
        "schedule"
    ) not in ("", "nodes", None)
    not_due = score.details.get("not_due") == "yes"
    status: str | None = score.status
    points = score.points
    if not_due:
        # Not yet judged: done early is said as done, else 未到期; neither counts yet.
        done = completion is not None and completion >= 100
        status, points, gap = ("green" if done else view.t("status.not_due")), None, None
    shown_actual: Any = actual
    shown_target: Any = target
    rates = _rates(view, score)
    if rates is not None:
        shown_actual, shown_target = rates
    name = score.label or score.details.get("name", "")
    return {
        "id": f"{score.subject}（{view.name(part)}）" if part else score.subject,
        "indicator": f"{name}（{view.name(part)}）" if part else name,
        "unit": score.unit or "",
        "target": shown_target,
        "actual": shown_actual,
        "yoy": _year_on_year(view, score, growth or {}) if not part else "",
        "expected": q2(due) if scheduled and not not_due else None,
        "completion": completion,
        "gap": gap,
        "status": status,
        "points": points,
        "responsible": _listed(score, "responsible"),
        "evidence": seqs(score.evidence),
    }


def cell(value: Decimal | None) -> str:
    """A figure as text, exact (a text column may mix figures with words)."""
    return "" if value is None else format(value, "f")


def _indicator_rows(view: View, month: str, main: bool) -> list[dict[str, Any]]:
    scores = [
        s
        for s in view.scores(indicator_names.EVALUATOR, indicator_names.COMPLETION, month)
        if (s.details.get("group", "主要指标") == "主要指标") == main
    ]
    growth = {
        s.subject: s
        for s in view.scores(indicator_names.EVALUATOR, indicator_names.COMPLETION, month)
    }
    parts: dict[str, list[tuple[str, Score]]] = {}
    for ev, metric in view.metrics():
        if ev == indicator_names.EVALUATOR and metric.startswith("completion:"):
            for score in view.scores(ev, metric, month):
                parts.setdefault(score.subject, []).append((metric.split(":", 1)[1], score))
    rows = []
    for score in sorted(scores, key=lambda s: natural(s.subject)):
        if main and score.subject.endswith("-增速") and score.subject[: -len("-增速")] in growth:
            continue  # shown as the 同比 of its amount
        row = _indicator_row(view, score, growth=growth)
        row["task"] = detail_text(score.details, "task")
        rows.append(row)
        for part, part_score in sorted(parts.get(score.subject, []), key=lambda p: p[0]):
            rows.append(_indicator_row(view, part_score, part))
    return rows


def _indicator_columns(view: View, rows: list[dict[str, Any]], work: bool) -> list[Column]:
    columns = [
        _column(view, "id"),
        _column(view, "indicator", title="col.work_item" if work else None),
        _column(view, "unit"),
        _column(view, "target", "number"),
        _column(view, "actual", "number"),
        _column(view, "yoy"),
        _column(view, "expected", "number"),
        _column(view, "completion", "number"),
        _column(view, "gap", "number"),
        _column(view, "status", "status"),
        _column(view, "points", "number"),
        _column(view, "responsible"),
        _evidence_column(view),
    ]
    # A comparison's rates are words and figures (工业投资增速 7.4): then the column is text.
    worded = {
        key
        for key in ("actual", "target")
        if any(isinstance(row[key], str) and decimal(row[key]) is None and row[key] for row in rows)
    }
    columns = [Column(c.key, c.title, "text") if c.key in worded else c for c in columns]
    optional = ("yoy", "expected", "gap")
    return [c for c in columns if c.key not in optional or any(row[c.key] for row in rows)]


def indicator_table(view: View, month: str, table_id: str) -> Table | None:
    """The 主要指标 (I1–I10) in ``month``: both rates of a comparison, 同比, 序时 where it applies."""
    rows = _indicator_rows(view, month, main=True)
    if not rows:
        return None
    return Table(
        table_id,
        f"{view.t('table.indicators')}（{view.period(month)}）",
        _indicator_columns(view, rows, work=False),
        rows,
        note=view.t("note.indicators"),
    )


def work_item_sections(view: View, month: str) -> list[Section]:
    """The work items of the plan's key tasks and safeguards (K1–K7, S1–S4) in ``month``, by task."""
    if not view.has(indicator_names.EVALUATOR):
        return []
    rows = _indicator_rows(view, month, main=False)
    tasks: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        tasks.setdefault(str(row.get("task") or row["id"]).split("-")[0], []).append(row)
    blocks: list[Any] = []
    for task in sorted(tasks, key=natural):
        mine = tasks[task]
        title = f"{task} {view.task(task)}".strip()
        blocks.append(Table(f"work-{task}", title, _indicator_columns(view, mine, work=True), mine))
    if blocks:
        blocks.append(Paragraph(view.t("note.work_items")))
    else:
        blocks.append(Paragraph(view.t("none")))
    return [Section("work-items", view.t("section.work_items"), blocks)]


def indicator_sections(view: View, month: str, section_id: str, title: str) -> list[Section]:
    """The indicator table of ``month`` as a section."""
    if not view.has(indicator_names.EVALUATOR):
        return []
    table = indicator_table(view, month, section_id)
    blocks: list[Any] = [table] if table is not None else [Paragraph(view.t("none"))]
    return [Section(section_id, view.t(title), blocks)]


def chart_sections(view: View, month: Period) -> list[Section]:
    """A line per cumulative indicator: actual by month against its 序时 line, up to ``month``."""
    if not view.has(indicator_names.EVALUATOR):
        return []
    months = [
        text
        for text in view.periods("indicators", "completion")
        if parse_period(text).start.year == month.start.year and text <= month.text
    ]
    by_subject: dict[str, dict[str, Score]] = {}
    for score in view.scores(indicator_names.EVALUATOR, indicator_names.COMPLETION):
        if (
            score.details.get("shape") == "cumulative"
            and score.details.get("schedule") not in ("", "nodes", None)
            and score.period in months
        ):
            by_subject.setdefault(score.subject, {})[score.period] = score
    charts = []
    for subject in sorted(by_subject, key=natural):
        monthly = by_subject[subject]
        last = monthly.get(month.text) or monthly[max(monthly)]
        charts.append(
            LineChart(
                f"chart-{subject}",
                f"{subject} {last.label or ''}".strip(),
                [view.short(text) for text in months],
                [
                    (
                        view.t("chart.actual"),
                        tuple(decimal(monthly[m].value) if m in monthly else None for m in months),
                        "solid",
                    ),
                    (
                        view.t("chart.expected"),
                        tuple(
                            q2(decimal(monthly[m].expected)) if m in monthly else None
                            for m in months
                        ),
                        "dashed",
                    ),
                ],
                unit=last.unit or "",
            )
        )
    if not charts:
        return []
    return [Section("charts", view.t("section.charts"), charts)]


def unit_score_sections(view: View, month: str) -> list[Section]:
    """Each unit's and park's indicator score in ``month``, best first."""
    if not view.has(indicator_names.EVALUATOR):
        return []
    scores = view.scores(indicator_names.EVALUATOR, indicator_names.INDICATOR_SCORE, month)
    order = {"park": 0, "unit": 1}
    scores.sort(
        key=lambda s: (
            order.get(detail_text(s.details, "kind"), 2),
            -(decimal(s.value) or Decimal(0)),
            natural(s.subject),
        )
    )
    rows = [
        {
            "scope": view.t(f"scope.{score.details.get('kind', '')}"),
            "id": score.subject,
            "name": score.label or view.name(score.subject),
            "score": decimal(score.value),
            "points": score.points,
            "indicators": detail_int(score.details, "indicators"),
            "status": score.status,
            "evidence": seqs(score.evidence),
        }
        for score in scores
    ]
    columns = [
        _column(view, "scope"),
        _column(view, "name"),
        _column(view, "score", "number"),
        _column(view, "points", "number"),
        _column(view, "indicators", "number"),
        _column(view, "status", "status"),
        _evidence_column(view),
    ]
    blocks: list[Any] = (
        [Table("unit-scores", view.t("table.unit_scores"), columns, rows)]
        if rows
        else [Paragraph(view.t("none"))]
    )
    return [Section("unit-scores", view.t("section.unit_scores"), blocks)]


def last_week(view: View, period: Period) -> str | None:
    """The ledger's last week that begins within ``period`` (its end may fall after it)."""
    weeks = [
        text
        for text in view.periods("projects", "investment")
        if parse_period(text).start <= period.end
    ]
    return max(weeks, key=lambda text: parse_period(text).start) if weeks else None


def ledger_summary_sections(view: View, period: Period) -> list[Section]:
    """The ledger summed by park and by lead unit at the period's last week."""
    if not view.has(project_names.EVALUATOR):
        return []
    week = last_week(view, period)
    scopes = {"park": 0, "lead unit": 1}
    scores = [
        score
        for score in (
            view.scores(project_names.EVALUATOR, project_names.INVESTMENT, week) if week else []
        )
        if detail_text(score.details, "scope") in scopes
    ]
    scores.sort(key=lambda s: (scopes[detail_text(s.details, "scope")], natural(s.subject)))
    rows = [
        {
            "scope": view.t(f"scope.{score.details['scope']}"),
            "id": score.subject,
            "name": view.name(score.subject),
            "week": view.short(score.period),
            "projects": len(detail_list(score.details, "projects")),
            "preliminary": detail_int(score.details, "preliminary") or 0,
            "invested": decimal(score.value),
            "annual_plan": decimal(score.target),
            "completion": _pct(score, "completion_pct"),
            "expected_pct": _pct(score, "expected_pct"),
            "status": score.status,
            "lagging": _listed(score, "lagging"),
            "missing": _listed(score, "reports_missing"),
            "evidence": seqs(score.evidence),
        }
        for score in scores
    ]
    columns = [
        _column(view, "scope"),
        _column(view, "name"),
        _column(view, "week"),
        _column(view, "projects", "number"),
        _column(view, "preliminary", "number"),
        _column(view, "invested", "number"),
        _column(view, "annual_plan", "number"),
        _column(view, "completion", "number"),
        _column(view, "expected_pct", "number"),
        _column(view, "status", "status"),
        _column(view, "lagging"),
        _column(view, "missing"),
        _evidence_column(view),
    ]
    blocks: list[Any] = (
        [
            Table(
                "ledger-summary",
                view.t("table.ledger_summary"),
                columns,
                rows,
                note=view.t("note.ledger"),
            )
        ]
        if rows
        else [Paragraph(view.t("none"))]
    )
    return [Section("ledger-summary", view.t("section.ledger_summary"), blocks)]


# -- banks ----------------------------------------------------------------------------


def _change(view: View, text: str | None) -> str:
    """A rank change as the evaluators write it (``+2``, ``-1``, ``0``), ``new`` in words."""
    if not text:
        return ""
    return view.t("change.new") if text == "new" else text


def bank_sections(view: View, period: str, section_id: str, title: str) -> list[Section]:
    """The banks' ranking for ``period`` (a month or a quarter), a bar chart and the bulletin's lists."""
    if not view.has(bank_names.EVALUATOR):
        return []
    scores = view.scores(bank_names.EVALUATOR, bank_names.SCORE, period)
    scores.sort(key=lambda s: (detail_int(s.details, "rank") or 10**6, natural(s.subject)))
    rows = [
        {
            "rank": detail_int(score.details, "rank"),
            "id": score.subject,
            "bank": score.label or view.name(score.subject),
            "total": decimal(score.value),
            "rank_change": _change(view, detail_text(score.details, "rank_change")),
            "bank_report": view.t(f"report.{score.details['report']}")
            if score.details.get("report")
            else "",
            "veto": score.details.get("veto", ""),
            "status": score.status,
            "evidence": seqs(score.evidence),
        }
        for score in scores
    ]
    columns = [
        _column(view, "rank", "number"),
        _column(view, "bank"),
        _column(view, "total", "number"),
        _column(view, "rank_change"),
        _column(view, "bank_report"),
        _column(view, "veto"),
        _column(view, "status", "status"),
        _evidence_column(view),
    ]
    # A column no bank has anything in (no veto this month, no report for a quarter) is left out.
    optional = ("bank_report", "veto", "status")
    columns = [c for c in columns if c.key not in optional or any(row[c.key] for row in rows)]
    blocks: list[Any] = []
    if rows:
        blocks.append(
            Table(section_id, f"{view.t('table.banks')}（{view.period(period)}）", columns, rows)
        )
        blocks.append(
            BarChart(
                f"{section_id}-chart",
                f"{view.t('chart.banks')}（{view.period(period)}）",
                [str(row["bank"]) for row in rows],
                [
                    Decimal(str(row["total"])) if row["total"] is not None else Decimal(0)
                    for row in rows
                ],
                unit=scores[0].unit or "",
            )
        )
    for metric in (bank_names.TOP, bank_names.BOTTOM):
        for score in view.scores(bank_names.EVALUATOR, metric, period):
            names = str(score.value or "") or view.t("none")
            provisional = score.details.get("provisional") == "yes"
            note = view.t("note.provisional") if provisional else ""
            blocks.append(Paragraph(f"{view.t(f'table.{metric}')}：{names}{note}"))
    if not blocks:
        blocks.append(Paragraph(view.t("none")))
    return [Section(section_id, view.t(title), blocks)]


# -- quarterly: units' ranking --------------------------------------------------------

COMPONENTS: Final = ("indicator", "project", "task", "finding")
"""The parts of a unit's quarterly score the evaluator names in ``details``, in this order."""
LIGHTS: Final = ("green", "watch", "yellow", "red", "pending")


def _ranking_row(view: View, score: Any, parts: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "rank": detail_int(score.details, "rank"),
        "id": score.subject,
        "name": score.label or view.name(score.subject),
        "quarterly_score": decimal(score.value),
        "previous_rank": detail_int(score.details, "previous_rank"),
        "rank_change": _change(view, score.details.get("change")),
    }
    for key in parts:
        row[f"component.{key}"] = decimal(score.details.get(key))
    # The evaluator's status is a traffic light, or the list (top, bottom) the unit is in.
    status = score.status if score.status in LIGHTS else None
    listed = score.status if score.status in ("top", "bottom") else ""
    if score.details.get("not_ranked") == "yes":
        listed = "not_ranked"
    row["list"] = view.t(f"table.{listed}") if listed else ""
    row["status"] = status
    row["evidence"] = seqs(score.evidence)
    return row


def _ranking_table(
    view: View, table_id: str, title: str, rows: list[dict[str, Any]], parts: list[str]
) -> Table:
    columns = [
        _column(view, "rank", "number"),
        _column(view, "id"),
        _column(view, "name"),
        _column(view, "quarterly_score", "number"),
        _column(view, "previous_rank", "number"),
        _column(view, "rank_change"),
        *(_column(view, f"component.{key}", "number", f"component.{key}") for key in parts),
        _column(view, "list"),
        _column(view, "status", "status"),
        _evidence_column(view),
    ]
    optional = ("list", "status")
    columns = [c for c in columns if c.key not in optional or any(row[c.key] for row in rows)]
    return Table(table_id, title, columns, rows)


def _list_blocks(
    view: View, quarter: str, by_id: dict[str, dict[str, Any]], categories: list[str]
) -> list[Any]:
    blocks: list[Any] = []
    for metric in (rule_names.TOP, rule_names.BOTTOM):
        listed = view.scores(rule_names.QUARTERLY, metric, quarter)
        place = {name: index for index, name in enumerate(categories)}
        listed.sort(key=lambda s: place.get(detail_text(s.details, "category"), len(place)))
        for score in listed:
            category = detail_text(score.details, "category")
            suffix = f"-{place[category] + 1}" if place.get(category, 0) > 0 else ""
            size = detail_int(score.details, "size")
            listed_ids = detail_list(score.details, "units")
            # The heading says what the table holds (先进单位（牵头部门，2个）); the plan's
            # size, when the list is shorter, goes to the note below it.
            title = view.t(f"table.{metric}_units").format(
                category=category or view.t("table.all_units"), n=len(listed_ids)
            )
            listed_rows = [
                {
                    "rank": by_id[key]["rank"] if key in by_id else None,
                    "id": key,
                    "name": by_id[key]["name"] if key in by_id else view.name(key),
                    "quarterly_score": by_id[key]["quarterly_score"] if key in by_id else None,
                    "evidence": by_id[key]["evidence"] if key in by_id else seqs(score.evidence),
                }
                for key in listed_ids
            ]
            if not listed_rows:
                empty = view.t(f"table.{metric}_none").format(
                    category=category or view.t("table.all_units")
                )
                blocks.append(Paragraph(f"{empty}：{view.t('none')}"))
                continue
            columns = [
                _column(view, "rank", "number"),
                _column(view, "id"),
                _column(view, "name"),
                _column(view, "quarterly_score", "number"),
                _evidence_column(view),
            ]
            blocks.append(Table(f"unit-ranking-{metric}{suffix}", title, columns, listed_rows))
            if size is not None and len(listed_rows) > size:
                blocks.append(Paragraph(view.t("note.tie").format(size=size)))
            elif size is not None and len(listed_rows) < size:
                note = view.t(f"note.{metric}_short").format(
                    size=size, ranked=score.details.get("ranked", ""), n=len(listed_rows)
                )
                blocks.append(Paragraph(note))
    return blocks


def unit_ranking_sections(view: View, quarter: str) -> list[Section]:
    """The units' quarterly evaluation by category: score, rank and its change, components; top and bottom."""
    if not view.has(rule_names.QUARTERLY):
        return []
    scores = view.scores(rule_names.QUARTERLY, rule_names.QUARTERLY_SCORE, quarter)
    parts = [key for key in COMPONENTS if any(key in score.details for score in scores)]
    # The plan's order of categories (园区, 牵头部门, 配合单位), as the evaluator numbers them.
    order = {
        detail_text(s.details, "category"): detail_int(s.details, "category_order") or 0
        for s in scores
    }
    categories = sorted(order, key=lambda name: (order[name], name))
    blocks: list[Any] = []
    by_id: dict[str, dict[str, Any]] = {}
    for index, category in enumerate(categories):
        mine = [s for s in scores if detail_text(s.details, "category") == category]
        mine.sort(key=lambda s: (detail_int(s.details, "rank") or 10**6, natural(s.subject)))
        rows = [_ranking_row(view, score, parts) for score in mine]
        by_id.update((row["id"], row) for row in rows)
        title = view.t("table.unit_ranking") + (f"（{category}）" if category else "")
        table_id = "unit-ranking" if index == 0 else f"unit-ranking-{index + 1}"
        blocks.append(_ranking_table(view, table_id, title, rows, parts))
    if any(s.details.get("not_ranked") == "yes" for s in scores):
        blocks.append(Paragraph(view.t("note.not_ranked")))
    blocks.extend(_list_blocks(view, quarter, by_id, categories))
    if not blocks:
        blocks.append(Paragraph(view.t("none")))
    return [Section("unit-ranking", view.t("section.unit_ranking"), blocks)]
