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

from .view import View, decimal, natural, q2, seqs

__all__ = [
    "bank_sections",
    "chart_sections",
    "evidence_section",
    "findings_sections",
    "indicator_sections",
    "ledger_sections",
    "ledger_summary_sections",
    "milestone_sections",
    "problem_sections",
    "timeliness_sections",
    "unit_ranking_sections",
    "unit_score_sections",
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


def _int(text: str | None) -> int | None:
    number = decimal(text)
    return int(number) if number is not None and number == number.to_integral_value() else None


def _listed(text: str | None) -> str:
    """A list from details (``P01, P02``) written with the Chinese enumeration comma."""
    parts = [part.strip() for part in (text or "").split(",") if part.strip()]
    return "、".join(parts)


# -- weekly: the key-project ledger -----------------------------------------------------


def _project_scores(view: View, period: str) -> list[Score]:
    found = [
        score
        for score in view.scores("projects", "investment", period)
        if score.details.get("scope") == "project"
    ]
    return sorted(found, key=lambda score: natural(score.subject))


def ledger_sections(view: View, week: Period) -> list[Section]:
    """The week's ledger: one row per project, and a grid of each project's status by week."""
    if not view.has("projects"):
        return []
    rows = []
    for score in _project_scores(view, week.text):
        details = score.details
        report = details.get("report", "")
        rows.append(
            {
                "id": score.subject,
                "project": details.get("name", ""),
                "park": view.name(details.get("park", "")),
                "category": details.get("category", ""),
                "invested": decimal(score.value),
                "annual_plan": decimal(score.target),
                "completion": _pct(score, "completion_pct"),
                "expected_pct": _pct(score, "expected_pct"),
                "status": score.status,
                "report": view.t(f"report.{report}") if report else "",
                "lag_streak": _int(details.get("lag_streak")),
                "lead_official": details.get("lead_official", ""),
                "evidence": seqs(score.evidence),
            }
        )
    columns = [
        _column(view, "id"),
        _column(view, "project"),
        _column(view, "park"),
        _column(view, "category"),
        _column(view, "invested", "number"),
        _column(view, "annual_plan", "number"),
        _column(view, "completion", "number"),
        _column(view, "expected_pct", "number"),
        _column(view, "status", "status"),
        _column(view, "report"),
        _column(view, "lag_streak", "number"),
        _column(view, "lead_official"),
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
        for score in view.scores("projects", "investment")
        if score.details.get("scope") == "project"
    }
    grid = GridChart(
        "ledger-grid",
        view.t("chart.grid"),
        [f"{score.subject} {score.details.get('name', '')}".strip() for score in projects],
        [text.split("-", 1)[-1] for text in weeks],
        [[status.get((score.subject, text)) for text in weeks] for score in projects],
    )
    return [ledger, Section("ledger-grid", view.t("section.grid"), [grid])]


def milestone_sections(view: View, week: Period) -> list[Section]:
    """Milestones reached in the week, or overdue at its end."""
    if not view.has("projects"):
        return []
    rows = []
    metrics = sorted(metric for ev, metric in view.metrics() if ev == "projects")
    for metric in metrics:
        if not metric.startswith("milestone:"):
            continue
        for score in view.scores("projects", metric, week.text):
            outcome = str(score.value or "")
            rows.append(
                {
                    "id": score.subject,
                    "project": score.details.get("name", ""),
                    "milestone": metric.split(":", 1)[1],
                    "planned": score.details.get("planned", ""),
                    "reached": score.details.get("reached", ""),
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
    if not view.has("projects"):
        return []
    rows = []
    for score in sorted(view.scores("projects", "problem", period), key=lambda s: s.subject):
        if score.value != "open":
            continue
        details = score.details
        rows.append(
            {
                "problem": score.subject,
                "subject": details.get("subject", ""),
                "description": details.get("description", ""),
                "owner": details.get("owner", ""),
                "raised": details.get("raised", ""),
                "deadline": details.get("deadline", ""),
                "days_open": _int(details.get("days_open")),
                "days_overdue": _int(details.get("days_overdue")),
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
    if not view.has("timeliness"):
        return []
    rows = [
        {
            "reporter": score.subject,
            "reports": _int(score.details.get("reports")),
            "late": _int(score.details.get("late")),
            "on_time": decimal(score.value),
            "status": score.status,
            "evidence": seqs(score.evidence),
        }
        for score in sorted(view.scores("timeliness", "reports_on_time"), key=lambda s: s.subject)
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


def findings_sections(view: View, belongs: Callable[[Finding], bool]) -> list[Section]:
    """The period's findings, one table per kind: commendations, supervision, accountability..."""
    by_kind: dict[str, list[Finding]] = {}
    for _, finding in view.findings:
        if belongs(finding):
            by_kind.setdefault(finding.kind, []).append(finding)
    order: list[str] = [kind for kind in KIND_ORDER if kind in by_kind]
    order += sorted(kind for kind in by_kind if kind not in KIND_ORDER)
    columns = [
        _column(view, "who"),
        _column(view, "name"),
        _column(view, "rule"),
        _column(view, "period"),
        _column(view, "reason"),
        _column(view, "points", "number"),
        _evidence_column(view),
    ]
    blocks: list[Any] = []
    for kind in order:
        found = sorted(
            by_kind[kind], key=lambda f: (natural(f.subject), f.rule, f.period, f.rationale)
        )
        rows = [
            {
                "who": finding.subject,
                "name": finding.label or view.name(finding.subject),
                "rule": finding.rule,
                "period": finding.period,
                "reason": finding.rationale,
                "points": finding.points,
                "evidence": seqs(finding.evidence),
            }
            for finding in found
        ]
        blocks.append(Table(f"findings-{kind}", view.t(f"kind.{kind}"), columns, rows))
    if not blocks:
        blocks.append(Paragraph(view.t("none")))
    return [Section("findings", view.t("section.findings"), blocks)]


# -- monthly: indicators --------------------------------------------------------------


def _milestone_counts(score: Score) -> tuple[Decimal, Decimal] | None:
    """A milestone item's milestones reached and in the plan (``reached`` = "1/2"), else None."""
    if score.details.get("shape") != "milestone":
        return None
    got, _, wanted = str(score.details.get("reached", "")).partition("/")
    reached, planned = decimal(got), decimal(wanted)
    if reached is None or not planned:
        return None
    return reached, planned


def _indicator_row(view: View, score: Score, part: str = "") -> dict[str, Any]:
    completion = _pct(score, "completion_pct")
    gap = decimal(score.details.get("gap_pp"))
    if gap is None:
        expected = _pct(score, "expected_pct")
        gap = q2(expected - completion) if expected is not None and completion is not None else None
    actual, target, due = decimal(score.value), decimal(score.target), decimal(score.expected)
    counts = _milestone_counts(score)
    if counts is not None:
        # "规划建设2座11万伏变电站": milestones reached of those in the plan (1 / 2), not the
        # evaluator's all-or-nothing 0 / 1; the points still come only when all are reached.
        actual, target = counts
        completion = q2(actual / target * 100)
        due = target if due is not None else None
    name = score.label or score.details.get("name", "")
    return {
        "id": f"{score.subject} · {part}" if part else score.subject,
        "indicator": f"{name}（{view.name(part)}）" if part else name,
        "actual": actual,
        "target": target,
        "expected": q2(due),
        "unit": score.unit or "",
        "completion": completion,
        "gap": gap,
        "status": score.status,
        "points": score.points,
        "responsible": score.details.get("responsible", ""),
        "evidence": seqs(score.evidence),
    }


def indicator_table(view: View, month: str, table_id: str) -> Table | None:
    """Every indicator in ``month`` against its 序时 schedule; parts follow their indicator."""
    scores = view.scores("indicators", "completion", month)
    if not scores:
        return None
    parts: dict[str, list[tuple[str, Score]]] = {}
    for ev, metric in view.metrics():
        if ev == "indicators" and metric.startswith("completion:"):
            for score in view.scores(ev, metric, month):
                parts.setdefault(score.subject, []).append((metric.split(":", 1)[1], score))
    rows = []
    for score in sorted(scores, key=lambda s: natural(s.subject)):
        rows.append(_indicator_row(view, score))
        for part, part_score in sorted(parts.get(score.subject, []), key=lambda p: p[0]):
            rows.append(_indicator_row(view, part_score, part))
    columns = [
        _column(view, "id"),
        _column(view, "indicator"),
        _column(view, "actual", "number"),
        _column(view, "target", "number"),
        _column(view, "expected", "number"),
        _column(view, "unit"),
        _column(view, "completion", "number"),
        _column(view, "gap", "number"),
        _column(view, "status", "status"),
        _column(view, "points", "number"),
        _column(view, "responsible"),
        _evidence_column(view),
    ]
    return Table(
        table_id,
        f"{view.t('table.indicators')}（{month}）",
        columns,
        rows,
        note=view.t("note.indicators"),
    )


def indicator_sections(view: View, month: str, section_id: str, title: str) -> list[Section]:
    """The indicator table of ``month`` as a section."""
    if not view.has("indicators"):
        return []
    table = indicator_table(view, month, section_id)
    blocks: list[Any] = [table] if table is not None else [Paragraph(view.t("none"))]
    return [Section(section_id, view.t(title), blocks)]


def chart_sections(view: View, month: Period) -> list[Section]:
    """A line per cumulative indicator: actual by month against its 序时 line, up to ``month``."""
    if not view.has("indicators"):
        return []
    months = [
        text
        for text in view.periods("indicators", "completion")
        if parse_period(text).start.year == month.start.year and text <= month.text
    ]
    by_subject: dict[str, dict[str, Score]] = {}
    for score in view.scores("indicators", "completion"):
        if score.details.get("shape") == "cumulative" and score.period in months:
            by_subject.setdefault(score.subject, {})[score.period] = score
    charts = []
    for subject in sorted(by_subject, key=natural):
        monthly = by_subject[subject]
        last = monthly.get(month.text) or monthly[max(monthly)]
        charts.append(
            LineChart(
                f"chart-{subject}",
                f"{subject} {last.label or ''}".strip(),
                [text.split("-", 1)[-1] for text in months],
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
    if not view.has("indicators"):
        return []
    scores = view.scores("indicators", "indicator_score", month)
    order = {"park": 0, "unit": 1}
    scores.sort(
        key=lambda s: (
            order.get(s.details.get("kind", ""), 2),
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
            "indicators": _int(score.details.get("indicators")),
            "status": score.status,
            "evidence": seqs(score.evidence),
        }
        for score in scores
    ]
    columns = [
        _column(view, "scope"),
        _column(view, "id"),
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
    if not view.has("projects"):
        return []
    week = last_week(view, period)
    scopes = {"park": 0, "lead unit": 1}
    scores = [
        score
        for score in (view.scores("projects", "investment", week) if week else [])
        if score.details.get("scope") in scopes
    ]
    scores.sort(key=lambda s: (scopes[s.details["scope"]], natural(s.subject)))
    rows = [
        {
            "scope": view.t(f"scope.{score.details['scope']}"),
            "id": score.subject,
            "name": view.name(score.subject),
            "week": score.period,
            "projects": len([p for p in score.details.get("projects", "").split(",") if p.strip()]),
            "preliminary": int(score.details.get("preliminary", "0") or 0),
            "invested": decimal(score.value),
            "annual_plan": decimal(score.target),
            "completion": _pct(score, "completion_pct"),
            "expected_pct": _pct(score, "expected_pct"),
            "status": score.status,
            "lagging": _listed(score.details.get("lagging")),
            "missing": _listed(score.details.get("reports_missing")),
            "evidence": seqs(score.evidence),
        }
        for score in scores
    ]
    columns = [
        _column(view, "scope"),
        _column(view, "id"),
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
    if not view.has("banks"):
        return []
    scores = view.scores("banks", "score", period)
    scores.sort(key=lambda s: (_int(s.details.get("rank")) or 10**6, natural(s.subject)))
    rows = [
        {
            "rank": _int(score.details.get("rank")),
            "id": score.subject,
            "bank": score.label or view.name(score.subject),
            "total": decimal(score.value),
            "rank_change": _change(view, score.details.get("rank_change")),
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
        _column(view, "id"),
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
        blocks.append(Table(section_id, f"{view.t('table.banks')}（{period}）", columns, rows))
        blocks.append(
            BarChart(
                f"{section_id}-chart",
                f"{view.t('chart.banks')}（{period}）",
                [str(row["bank"]) for row in rows],
                [
                    Decimal(str(row["total"])) if row["total"] is not None else Decimal(0)
                    for row in rows
                ],
                unit=scores[0].unit or "",
            )
        )
    for metric in ("top", "bottom"):
        for score in view.scores("banks", metric, period):
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
        "rank": _int(score.details.get("rank")),
        "id": score.subject,
        "name": score.label or view.name(score.subject),
        "quarterly_score": decimal(score.value),
        "previous_rank": _int(score.details.get("previous_rank")),
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
    for metric in ("top", "bottom"):
        listed = view.scores("quarterly", metric, quarter)
        place = {name: index for index, name in enumerate(categories)}
        listed.sort(key=lambda s: place.get(str(s.details.get("category", "")), len(place)))
        for score in listed:
            category = str(score.details.get("category", ""))
            suffix = f"-{place[category] + 1}" if place.get(category, 0) > 0 else ""
            title = view.t(f"table.{metric}") + (f"（{category}）" if category else "")
            listed_ids = [
                part.strip() for part in score.details.get("units", "").split(",") if part.strip()
            ]
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
                blocks.append(Paragraph(f"{title}：{view.t('none')}"))
                continue
            columns = [
                _column(view, "rank", "number"),
                _column(view, "id"),
                _column(view, "name"),
                _column(view, "quarterly_score", "number"),
                _evidence_column(view),
            ]
            blocks.append(Table(f"unit-ranking-{metric}{suffix}", title, columns, listed_rows))
            size = _int(score.details.get("size"))
            if size is not None and len(listed_rows) > size:
                blocks.append(Paragraph(view.t("note.tie").format(size=size)))
    return blocks


def unit_ranking_sections(view: View, quarter: str) -> list[Section]:
    """The units' quarterly evaluation by category: score, rank and its change, components; top and bottom."""
    if not view.has("quarterly"):
        return []
    scores = view.scores("quarterly", "quarterly_score", quarter)
    parts = [key for key in COMPONENTS if any(key in score.details for score in scores)]
    # The plan's order of categories (园区, 牵头部门, 配合单位), as the evaluator numbers them.
    order = {
        str(s.details.get("category", "")): _int(s.details.get("category_order")) or 0
        for s in scores
    }
    categories = sorted(order, key=lambda name: (order[name], name))
    blocks: list[Any] = []
    by_id: dict[str, dict[str, Any]] = {}
    for index, category in enumerate(categories):
        mine = [s for s in scores if str(s.details.get("category", "")) == category]
        mine.sort(key=lambda s: (_int(s.details.get("rank")) or 10**6, natural(s.subject)))
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


# -- the evidence appendix ------------------------------------------------------------


def _row_name(table: Table, row: dict[str, Any]) -> str:
    texts = [
        str(row.get(column.key) or "")
        for column in table.columns
        if column.kind == "text" and row.get(column.key)
    ][:2]
    return " ".join(texts)


def evidence_section(view: View, sections: list[Section]) -> Section:
    """Every table row of the report with the seqs behind it."""
    rows = []
    for section in sections:
        for block in section.blocks:
            if not isinstance(block, Table):
                continue
            for row in block.rows:
                evidence = row.get("evidence") or []
                rows.append(
                    {
                        "section": section.title,
                        "table": block.title,
                        "row": _row_name(block, row),
                        "events": len(evidence),
                        "evidence": list(evidence),
                    }
                )
    columns = [
        _column(view, "section"),
        _column(view, "table"),
        _column(view, "row"),
        _column(view, "events", "number"),
        _evidence_column(view),
    ]
    return Section(
        "evidence",
        view.t("section.evidence"),
        [
            Paragraph(view.t("note.evidence")),
            Table("evidence", view.t("table.evidence"), columns, rows),
        ],
    )
