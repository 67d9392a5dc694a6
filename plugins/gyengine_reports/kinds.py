"""The three reports of the supervision cadence: 周汇总, 月通报, 季考评.

Each ``build(replay, period, lang)`` lays out the results of the replay it is
given (the CLI replays as of the period's last day and as known at
``--known-at``) and nothing else: no clock, no database, no file. The same
replay therefore always gives the same document, which is what makes a
bulletin reproducible.
"""

from __future__ import annotations

from collections.abc import Callable

from gyengine import Document, Finding, Period, Replay, ReportKind, parse_period
from gyengine.document import Section

from .labels import LABELS
from .scoreboard import build_scoreboard
from .sections import (
    bank_sections,
    chart_sections,
    evidence_section,
    findings_sections,
    indicator_sections,
    ledger_sections,
    ledger_summary_sections,
    milestone_sections,
    problem_sections,
    timeliness_sections,
    unit_ranking_sections,
    unit_score_sections,
)
from .view import View, belongs, month_of_week

__all__ = [
    "REPORT_KINDS",
    "build_monthly",
    "build_quarterly",
    "build_scoreboard",
    "build_weekly",
    "document",
]


def _span(view: View, period: Period) -> str:
    if view.lang == "en":
        return f"{period.text} ({period.start} {view.t('to')} {period.end})"
    return f"{period.text}（{period.start} {view.t('to')} {period.end}）"


def document(view: View, kind: str, period: Period, sections: list[Section]) -> Document:
    """The document with its header: plan title, period, log range, head hash, plugins.

    The evidence appendix is added after ``sections``.
    """
    replay = view.replay
    plan = view.scores("report_header", "title")
    title = plan[0].label if plan and plan[0].label else view.t("untitled")
    office = plan[0].details.get("office_name", "") if plan else ""
    options = replay.options
    chain = view.t("meta.chain.ok")
    if replay.chain_problem is not None:
        chain = f"{view.t('meta.chain.broken')}: {replay.chain_problem}"
    meta = [
        (view.t("meta.period"), _span(view, period)),
        (view.t("meta.as_of"), options.as_of.isoformat() if options.as_of else ""),
        (view.t("meta.known_at"), options.known_at or view.t("meta.known_at.all")),
        (view.t("meta.log"), f"seq 1–{replay.seq_to}"),
        (view.t("meta.head_hash"), replay.head_hash),
        (view.t("meta.chain"), chain),
    ]
    if office:
        meta.append((view.t("meta.office"), office))
    meta += [
        (view.t("meta.plugins"), ", ".join(f"{name} {ver}" for name, ver in replay.plugins)),
        (
            view.t("meta.evaluators"),
            ", ".join(f"{name} {ver}" for name, ver, _ in replay.evaluators),
        ),
        (
            view.t("meta.data"),
            view.t("meta.data.synthetic" if replay.synthetic else "meta.data.reported"),
        ),
    ]
    return Document(
        title=title,
        subtitle=f"{view.t(kind)} {period.text}",
        lang=view.lang,
        synthetic=replay.synthetic,
        meta=meta,
        sections=[*sections, evidence_section(view, sections)],
    )


def _in_period(period: Period, *also: str) -> Callable[[Finding], bool]:
    def reported(finding: Finding) -> bool:
        return finding.period in also or belongs(finding.period, period)

    return reported


def build_weekly(replay: Replay, period: Period, lang: str | None) -> Document:
    """周汇总 of week ``period``: the ledger, its grid, milestones, open problems, findings."""
    view = View(replay, lang)
    sections = [
        *ledger_sections(view, period),
        *milestone_sections(view, period),
        *problem_sections(view, period.text),
        # Rules that judge months speak in the week's month (the month of its Thursday).
        *findings_sections(view, _in_period(period, month_of_week(period))),
        *timeliness_sections(view),
    ]
    return document(view, "weekly", period, sections)


def build_monthly(replay: Replay, period: Period, lang: str | None) -> Document:
    """月通报 of month ``period``: indicators, their charts, unit scores, ledger, banks, findings."""
    view = View(replay, lang)
    sections = [
        *indicator_sections(view, period.text, "indicators", "section.indicators"),
        *chart_sections(view, period),
        *unit_score_sections(view, period.text),
        *ledger_summary_sections(view, period),
        *bank_sections(view, period.text, "banks", "section.banks"),
        *findings_sections(view, _in_period(period)),
        *timeliness_sections(view),
    ]
    return document(view, "monthly", period, sections)


def build_quarterly(replay: Replay, period: Period, lang: str | None) -> Document:
    """季考评 of quarter ``period``: unit and bank rankings, findings, indicators at its end."""
    view = View(replay, lang)
    last_month = parse_period(f"{period.end.year}-{period.end.month:02d}")
    sections = [
        *unit_ranking_sections(view, period.text),
        *bank_sections(view, period.text, "bank-quarter", "section.bank_quarter"),
        *findings_sections(view, _in_period(period)),
        *indicator_sections(
            view, last_month.text, "quarter-indicators", "section.quarter_indicators"
        ),
    ]
    return document(view, "quarterly", period, sections)


REPORT_KINDS = [
    ReportKind(
        name="weekly",
        period="week",
        build=build_weekly,
        description=LABELS["weekly.description"]["en"],
    ),
    ReportKind(
        name="monthly",
        period="month",
        build=build_monthly,
        description=LABELS["monthly.description"]["en"],
    ),
    ReportKind(
        name="quarterly",
        period="quarter",
        build=build_quarterly,
        description=LABELS["quarterly.description"]["en"],
    ),
    ReportKind(
        name="scoreboard",
        period=None,
        build=build_scoreboard,
        description=LABELS["scoreboard.description"]["en"],
    ),
]
