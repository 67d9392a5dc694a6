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
from gyengine_plan.details import detail_text

from .evidence import appendix, referenced
from .labels import LABELS
from .loop import (
    closed_item_sections,
    interview_sections,
    open_item_sections,
    quarter_item_sections,
)
from .names import date_name, time_name
from .scoreboard import build_scoreboard
from .sections import (
    bank_sections,
    chart_sections,
    findings_sections,
    indicator_sections,
    ledger_sections,
    ledger_summary_sections,
    list_sections,
    milestone_sections,
    problem_sections,
    timeliness_sections,
    unit_ranking_sections,
    unit_score_sections,
    work_item_sections,
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


def _title(view: View, kind: str, period: Period) -> str:
    """周汇总 2019年第23周（6月3日—6月9日）, 月通报 2019年6月, Quarterly evaluation 2019 Q2."""
    name = view.period(period.text)
    if period.kind == "week" and view.lang != "en" and not name[:4].isdigit():
        name = f"{period.start.isocalendar()[0]}年{name}"
    return f"{view.t(kind)} {name}"


def document(view: View, kind: str, period: Period, sections: list[Section]) -> Document:
    """The document: its header in words, the sections, and the closing 附录.

    The header names the period, the business date, the record time, the office
    and whether the data are synthetic; the log's seqs, its head hash and the
    plugin versions are in the 附录, which each row of the body refers to.
    """
    replay = view.replay
    plan = view.scores("report_header", "title")
    title = plan[0].label if plan and plan[0].label else view.t("untitled")
    office = detail_text(plan[0].details, "office_name") if plan else ""
    options = replay.options
    chain = view.t("meta.chain.ok" if replay.chain_problem is None else "meta.chain.broken")
    meta = [
        (view.t("meta.period"), view.period(period.text)),
        (view.t("meta.as_of"), date_name(options.as_of, view.lang) if options.as_of else ""),
        (
            view.t("meta.known_at"),
            time_name(options.known_at, view.lang)
            if options.known_at
            else view.t("meta.known_at.all"),
        ),
        (view.t("meta.chain"), f"{chain}{view.t('meta.see_appendix')}"),
    ]
    if office:
        meta.append((view.t("meta.office"), office))
    meta.append(
        (
            view.t("meta.data"),
            view.t("meta.data.synthetic" if replay.synthetic else "meta.data.reported"),
        )
    )
    body, entries = referenced(view, sections)
    return Document(
        title=title,
        subtitle=_title(view, kind, period),
        lang=view.lang,
        synthetic=replay.synthetic,
        meta=meta,
        sections=[*body, appendix(view, entries)],
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
        *open_item_sections(view, period),
        *closed_item_sections(view, period),
        *interview_sections(view, period),
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
        *work_item_sections(view, period.text),
        *chart_sections(view, period),
        *unit_score_sections(view, period.text),
        *ledger_summary_sections(view, period),
        *bank_sections(view, period.text, "banks", "section.banks"),
        *open_item_sections(view, period),
        *closed_item_sections(view, period),
        *interview_sections(view, period),
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
        *list_sections(view, _in_period(period)),
        *quarter_item_sections(view, period),
        *interview_sections(view, period),
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
