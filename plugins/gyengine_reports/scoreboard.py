"""The scoreboard: ``gyengine replay``'s first screen, the report kind ``scoreboard``.

A clerk's one screen of 80 columns, in the plan's language: the indicators'
lights (what is behind 序时 listed), the key projects behind schedule, the
banks' latest monthly ranking, the units' latest quarterly ranking, the
督办 and 问责 findings, and the 督办 items not closed (未办结督办事项), the most
urgent first. It covers no period: each part shows the latest period its
evaluator scored, named as the bulletins name it (2019年12月, 第52周（…）).
Every word comes from the bulletins' own helpers (labels, reasons, period
names, the loop's days left or overdue): one place for each. Names are
shortened to fit; every figure and name in full is in ``gyengine replay
--all`` and the periodic reports.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, Final

from gyengine import Document, Period, Replay, Score, parse_period
from gyengine.document import Column, Paragraph, Section, Table
from gyengine_banks import names as bank_names
from gyengine_indicators import names as indicator_names
from gyengine_plan.details import detail_text
from gyengine_projects import names as project_names
from gyengine_rules import names as rule_names
from gyengine_supervision import names as supervision_names

from .loop import left_words, open_items
from .reasons import reason
from .sections import _indicator_row
from .view import View, decimal, natural

__all__ = ["build_scoreboard", "shorten"]

SHOWN: Final = 5
"""At most this many rows of a list (the lights behind schedule)."""
SHOWN_FINDINGS: Final = 3
"""The latest 督办 and 问责 findings listed (the open items below say what is still to do)."""
SHOWN_ITEMS: Final = 4
"""The most urgent open 督办 items listed."""
SEVERITY: Final = {"red": 0, "yellow": 1, "watch": 2}
LIGHTS: Final = ("green", "watch", "yellow", "red", "pending")
NAME_WIDTH: Final = 22


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns (CJK characters count two), ``…`` marking a cut."""
    if _width(text) <= width:
        return text
    kept, used = [], 0
    for ch in text:
        size = _width(ch)
        if used + size > width - 1:
            break
        kept.append(ch)
        used += size
    return "".join(kept) + "…"


def _period_key(text: str) -> tuple[Any, ...]:
    try:
        period = parse_period(text)
    except ValueError:
        return (0, text)
    # The latest end first; of two ending together, the shorter (a month before its quarter).
    return (1, period.end, -(period.end - period.start).days)


def _latest(periods: Iterable[str], kind: str | None = None) -> str | None:
    found = [text for text in periods if kind is None or _kind(text) == kind]
    return max(found, key=_period_key) if found else None


def _kind(text: str) -> str:
    try:
        return parse_period(text).kind
    except ValueError:
        return ""


def _counts(view: View, statuses: Iterable[str | None]) -> str:
    every = list(statuses)
    parts = [f"{view.t(f'light.{s}')} {every.count(s)}" for s in LIGHTS if every.count(s)]
    return view.t("sb.count").format(n=len(every), parts=" ".join(parts))


def _title(view: View, key: str, period: str, extra: str = "") -> str:
    """``主要指标（2019年12月）…``: ``period`` is an ISO code, named as the bulletins name it."""
    return (
        view.t("sb.title").format(name=view.t(key), period=view.period(period), extra=extra).strip()
    )


def _columns(view: View, *keys: tuple[str, str]) -> list[Column]:
    return [Column(key, view.t(f"sb.col.{key}"), kind) for key, kind in keys]  # type: ignore[arg-type]


def _more(view: View, shown: int, total: int, where: str) -> str:
    return view.t("sb.more").format(n=total - shown, where=where) if total > shown else ""


def indicator_sections(view: View) -> list[Section]:
    """The latest month's lights; the indicators not green, the reddest first."""
    if not view.has(indicator_names.EVALUATOR):
        return []
    month = _latest(view.periods(indicator_names.EVALUATOR, indicator_names.COMPLETION))
    if month is None:
        return []
    scores = view.scores(indicator_names.EVALUATOR, indicator_names.COMPLETION, month)
    behind = [s for s in scores if s.status in SEVERITY]
    behind.sort(key=lambda s: (SEVERITY[str(s.status)], natural(s.subject)))
    rows = []
    for score in behind[:SHOWN]:
        row = _indicator_row(view, score)
        rows.append(
            {
                "indicator": shorten(str(row["indicator"] or score.subject), NAME_WIDTH),
                "completion": row["completion"],
                "schedule": decimal(score.details.get("expected_pct")),
                "gap": row["gap"],
                "status": score.status,
                "responsible": shorten(str(row["responsible"]).split("、")[0], 12),
            }
        )
    title = _title(view, "sb.indicators", month, _counts(view, (s.status for s in scores)))
    columns = _columns(
        view,
        ("indicator", "text"),
        ("completion", "number"),
        ("schedule", "number"),
        ("gap", "number"),
        ("status", "status"),
        ("responsible", "text"),
    )
    note = _more(view, len(rows), len(behind), f"report monthly --period {month}")
    blocks: list[Any] = (
        [Table("sb-indicators", "", columns, rows, note=note)]
        if rows
        else [Paragraph(view.t("sb.all_green"))]
    )
    return [Section("sb-indicators", title, blocks)]


def project_sections(view: View) -> list[Section]:
    """The latest week's key projects: their lights, and those behind schedule."""
    if not view.has(project_names.EVALUATOR):
        return []
    week = _latest(view.periods(project_names.EVALUATOR, project_names.INVESTMENT))
    if week is None:
        return []
    scores = [
        s
        for s in view.scores(project_names.EVALUATOR, project_names.INVESTMENT, week)
        if s.details.get("scope") == "project"
    ]
    behind = [s for s in scores if s.status in SEVERITY]
    behind.sort(
        key=lambda s: (
            SEVERITY[str(s.status)],
            -(decimal(s.details.get("lag_streak")) or Decimal(0)),
            natural(s.subject),
        )
    )
    rows = [
        {
            "project": shorten(str(s.details.get("name") or s.subject), NAME_WIDTH),
            "completion": decimal(s.details.get("completion_pct")),
            "schedule": decimal(s.details.get("expected_pct")),
            "status": s.status,
            "lag_streak": decimal(s.details.get("lag_streak")),
            "department": shorten(str(s.details.get("department", "")), 12),
        }
        for s in behind[:SHOWN]
    ]
    title = _title(view, "sb.projects", week, _counts(view, (s.status for s in scores)))
    columns = _columns(
        view,
        ("project", "text"),
        ("completion", "number"),
        ("schedule", "number"),
        ("status", "status"),
        ("lag_streak", "number"),
        ("department", "text"),
    )
    note = _more(view, len(rows), len(behind), f"report weekly --period {week}")
    blocks: list[Any] = (
        [Table("sb-projects", "", columns, rows, note=note)]
        if rows
        else [Paragraph(view.t("sb.none_behind"))]
    )
    return [Section("sb-projects", title, blocks)]


def _rank(score: Score) -> int:
    number = decimal(score.details.get("rank"))
    return int(number) if number is not None else 10**6


def bank_sections(view: View) -> list[Section]:
    """The banks' latest monthly ranking (the latest quarter's when no month was scored)."""
    if not view.has(bank_names.EVALUATOR):
        return []
    periods = view.periods(bank_names.EVALUATOR, bank_names.SCORE)
    period = _latest(periods, "month") or _latest(periods)
    if period is None:
        return []
    scores = sorted(
        view.scores(bank_names.EVALUATOR, bank_names.SCORE, period),
        key=lambda s: (_rank(s), natural(s.subject)),
    )
    rows = [
        {
            "rank": decimal(s.details.get("rank")),
            "bank": shorten(s.label or view.name(s.subject), 28),
            "total": decimal(s.value),
            "rank_change": _change(view, detail_text(s.details, "rank_change")),
            "status": s.status,
            "list": view.t(f"table.{s.details['list']}") if s.details.get("list") else "",
        }
        for s in scores
    ]
    columns = _columns(
        view,
        ("rank", "number"),
        ("bank", "text"),
        ("total", "number"),
        ("rank_change", "text"),
        ("status", "status"),
        ("list", "text"),
    )
    title = _title(view, "sb.banks", period)
    return [Section("sb-banks", title, [Table("sb-banks", "", columns, rows)])]


def _change(view: View, text: str | None) -> str:
    if not text or text == "0":
        return "—" if text == "0" else ""
    return view.t("change.new") if text == "new" else text


def unit_sections(view: View) -> list[Section]:
    """The units' latest quarterly ranking, category by category, top and bottom marked."""
    if not view.has(rule_names.QUARTERLY):
        return []
    quarter = _latest(view.periods("quarterly", "quarterly_score"))
    if quarter is None:
        return []
    scores = view.scores(rule_names.QUARTERLY, rule_names.QUARTERLY_SCORE, quarter)
    order = {
        str(s.details.get("category", "")): decimal(s.details.get("category_order")) for s in scores
    }
    scores.sort(
        key=lambda s: (
            order.get(str(s.details.get("category", ""))) or Decimal(0),
            str(s.details.get("category", "")),
            _rank(s),
            natural(s.subject),
        )
    )
    rows = []
    for s in scores:
        listed = str(s.status) if s.status in ("top", "bottom") else ""
        if s.details.get("not_ranked") == "yes":
            listed = "not_ranked"
        rows.append(
            {
                "category": shorten(str(s.details.get("category", "")), 10),
                "rank": decimal(s.details.get("rank")),
                "unit": shorten(s.label or view.name(s.subject), 28),
                "score": decimal(s.value),
                "list": view.t(f"table.{listed}") if listed else "",
            }
        )
    columns = _columns(
        view,
        ("category", "text"),
        ("rank", "number"),
        ("unit", "text"),
        ("score", "number"),
        ("list", "text"),
    )
    title = _title(view, "sb.units", quarter)
    return [Section("sb-units", title, [Table("sb-units", "", columns, rows)])]


CALLED: Final = ("supervise", "accountable")
"""The findings the scoreboard lists: 督办 and 问责."""


def _problems(view: View) -> str:
    """未解决问题 1 个，其中逾期 1 个: the latest week's open problems (empty when none was scored)."""
    week = _latest(view.periods(project_names.EVALUATOR, project_names.PROBLEM))
    if week is None:
        return ""
    open_ = [
        s
        for s in view.scores(project_names.EVALUATOR, project_names.PROBLEM, week)
        if s.value == "open"
    ]
    overdue = [s for s in open_ if (decimal(s.details.get("days_overdue")) or 0) > 0]
    return view.t("sb.problems").format(n=len(open_), overdue=len(overdue))


def finding_sections(view: View) -> list[Section]:
    """How many 督办 and 问责 the log holds, the latest of them, and the problems still open."""
    found = [f for _, f in view.findings if f.kind in CALLED]
    counts = " ".join(
        f"{view.t(f'kind.{kind}')} {sum(1 for f in found if f.kind == kind)}" for kind in CALLED
    )
    title = view.t("sb.title").format(
        name=view.t("sb.findings"),
        period=view.t("sb.count").format(n=len(found), parts=counts),
        extra="",
    )
    found.sort(key=lambda f: (_period_key(f.period), natural(f.subject), f.rule), reverse=True)
    rows = [
        {
            "period": view.short(f.period),
            "kind": view.t(f"kind.{f.kind}"),
            "who": shorten(f.label or view.name(f.subject), 16),
            "reason": shorten(reason(view, f), 28 if view.lang == "en" else 38),
        }
        for f in found[:SHOWN_FINDINGS]
    ]
    blocks: list[Any] = []
    if rows:
        columns = _columns(
            view, ("period", "text"), ("kind", "text"), ("who", "text"), ("reason", "text")
        )
        note = _more(view, len(rows), len(found), "replay --all")
        blocks.append(Table("sb-findings", "", columns, rows, note=note))
    else:
        blocks.append(Paragraph(view.t("sb.no_findings")))
    problems = _problems(view)
    if problems and not view.has(
        supervision_names.EVALUATOR
    ):  # else under the open items, as one more line
        blocks.append(Paragraph(problems))
    if not found and not problems and not view.has(rule_names.EVALUATOR):
        return []  # nothing that could call for 督办 or 问责 ran
    return [Section("sb-findings", title, blocks)]


def _urgency(score: Score) -> tuple[Any, ...]:
    """The most overdue first, then the nearest deadline; items answered (to be checked) last."""
    overdue = decimal(score.details.get("days_overdue"))
    left = decimal(score.details.get("days_left"))
    if overdue is not None:
        return (0, -overdue, natural(score.subject))
    if left is not None:
        return (1, left, natural(score.subject))
    return (2, Decimal(0), natural(score.subject))


def item_sections(view: View) -> list[Section]:
    """The 督办 items not closed: number, unit, 整改时限, days left or overdue; the most urgent first."""
    if not view.has(supervision_names.EVALUATOR):
        return []
    running = sorted(open_items(view), key=_urgency)
    overdue = sum(1 for s in running if s.status == "overdue")
    title = view.t("sb.title").format(
        name=view.t("section.open-items"),
        period=view.t("sb.items.count").format(n=len(running), overdue=overdue),
        extra="",
    )
    rows = [
        {
            "item": s.subject,
            "owner": shorten(str(s.details.get("owner_name", "")), 16),
            "deadline": view.day(str(s.details.get("deadline", ""))),
            "left": left_words(view, s) or view.t(f"loop.status.{s.status}"),
        }
        for s in running[:SHOWN_ITEMS]
    ]
    more = _more(view, len(rows), len(running), "report weekly")
    if not rows:
        text = " ".join(part for part in (view.t("sb.no_items"), _problems(view)) if part)
        return [Section("sb-items", title, [Paragraph(text)])]
    columns = _columns(
        view, ("item", "text"), ("owner", "text"), ("deadline", "text"), ("left", "text")
    )
    note = "\n".join(part for part in (more, _problems(view)) if part)
    return [Section("sb-items", title, [Table("sb-items", "", columns, rows, note=note)])]


PARTS: Final[tuple[Callable[[View], list[Section]], ...]] = (
    indicator_sections,
    project_sections,
    bank_sections,
    unit_sections,
    finding_sections,
    item_sections,
)


def build_scoreboard(replay: Replay, period: Period | None, lang: str | None) -> Document:
    """The first screen: the latest lights, what is behind, the rankings, 督办 and 问责, open items."""
    view = View(replay, lang)
    sections = [section for part in PARTS for section in part(view)]
    plan = view.scores("report_header", "title")
    if not plan:  # say what to do first: the rest of the screen is empty without a plan
        hint = Paragraph(view.t("sb.no_plan.text"))
        sections.insert(0, Section("sb-no-plan", view.t("sb.no_plan"), [hint]))
    title = plan[0].label if plan and plan[0].label else view.t("untitled")
    chain = view.t("meta.chain.ok")
    if replay.chain_problem is not None:
        chain = f"{view.t('meta.chain.broken')}: {replay.chain_problem}"
    log = view.t("sb.log").format(seq=replay.seq_to, hash=replay.head_hash[:12], chain=chain)
    meta = [(view.t("meta.log"), log)]
    options = replay.options
    if options.as_of is not None:
        meta.append((view.t("meta.as_of"), options.as_of.isoformat()))
    if options.known_at is not None:
        meta.append((view.t("meta.known_at"), options.known_at))
    meta.append((view.t("sb.more.title"), view.t("sb.more.text")))
    return Document(
        title=shorten(title, 78),
        subtitle="",
        lang=view.lang,
        synthetic=replay.synthetic,
        meta=meta,
        sections=sections,
    )
