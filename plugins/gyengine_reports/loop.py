"""The supervision loop in the bulletins: open 督办 items, items closed, the 约谈名单.

The items are the ``supervision`` evaluator's scores (metric
``supervision_item``, one per item, judged on the report's last day); 约谈 are
its ``interview`` findings. A section whose evaluator did not run is left out;
one with nothing in the period says so in one line.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from gyengine import Finding, Period, Score
from gyengine.document import Column, Paragraph, Section, Table
from gyengine_supervision import names as supervision_names

from .reasons import reason
from .view import View, natural, seqs

__all__ = [
    "closed_item_sections",
    "interview_sections",
    "left_words",
    "open_item_sections",
    "open_items",
    "quarter_item_sections",
]

RUNNING: Final = ("open", "answered", "returned", "overdue")


def _items(view: View) -> list[Score]:
    found = view.scores(supervision_names.EVALUATOR, supervision_names.SUPERVISION_ITEM)
    return sorted(found, key=lambda s: (s.period, natural(s.subject)))


def open_items(view: View) -> list[Score]:
    """The items not closed on the replay's day, in the order they were issued."""
    return [score for score in _items(view) if score.status in RUNNING]


def _date(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        return None


def _finding_reasons(view: View) -> dict[str, str]:
    """The reason of every rule finding, by the number an item opened from it carries."""
    found: dict[str, str] = {}
    for _, finding in view.findings:
        p = finding.parameters
        about = p.get("project") or p.get("indicator") or finding.subject
        found[f"{finding.rule}-{finding.period}-{about}"] = reason(view, finding)
    return found


def _what(view: View, score: Score, reasons: dict[str, str]) -> str:
    """What the item is about: the reason of the finding that opened it, else its own words."""
    key = str(score.details.get("finding", ""))
    return reasons.get(key) or score.label or ""


def _source(view: View, text: str) -> str:
    if text.startswith("rule:"):
        return view.t("loop.source.rule").format(rule=text.split(":", 1)[1])
    return view.t(f"loop.source.{text}")


def left_words(view: View, score: Score) -> str:
    """逾期3个工作日 or 剩2个工作日 (empty for an item answered and waiting to be checked)."""
    details = score.details
    if "days_overdue" in details:
        # Escalation sets the next step a deadline of its own; the count runs from the
        # deadline the item first missed, so say which when the two differ.
        missed = str(details.get("missed_deadline") or "")
        if missed and missed != str(details.get("deadline") or ""):
            return view.t("loop.overdue_since").format(
                n=details["days_overdue"], day=view.day(missed)
            )
        return view.t("loop.overdue_days").format(n=details["days_overdue"])
    if "days_left" in details:
        return view.t("loop.left_days").format(n=details["days_left"])
    return ""


def _column(view: View, key: str, kind: str = "text") -> Column:
    return Column(key, view.t(f"col.{key}"), kind)  # type: ignore[arg-type]


def _section(view: View, section_id: str, table: Table | None) -> Section:
    blocks = [table] if table is not None and table.rows else [Paragraph(view.t("none"))]
    return Section(section_id, view.t(f"section.{section_id}"), blocks)


def open_item_sections(view: View, period: Period) -> list[Section]:
    """Every item not closed at the end of ``period``: deadline, days left or overdue, status."""
    if not view.has(supervision_names.EVALUATOR):
        return []
    reasons = _finding_reasons(view)
    rows = [
        {
            "item": score.subject,
            "matter": _what(view, score, reasons),
            "owner": score.details.get("owner_name", ""),
            "step": view.t(f"kind.{score.details.get('step', '')}"),
            "issued": view.day(str(score.details.get("issued", ""))),
            "deadline": view.day(str(score.details.get("deadline", ""))),
            "left": left_words(view, score),
            "item_status": view.t(f"loop.status.{score.status}"),
            "evidence": seqs(score.evidence),
        }
        for score in open_items(view)
    ]
    columns = [
        _column(view, "item"),
        _column(view, "matter"),
        _column(view, "owner"),
        _column(view, "step"),
        _column(view, "issued"),
        _column(view, "deadline"),
        _column(view, "left"),
        _column(view, "item_status"),
        Column("evidence", view.t("col.evidence"), "evidence"),
    ]
    table = Table(
        "open-items", view.t("table.open_items"), columns, rows, note=view.t("note.items")
    )
    return [_section(view, "open-items", table)]


def closed_item_sections(view: View, period: Period) -> list[Section]:
    """The items closed (销号) within ``period``, on time or after their deadline."""
    if not view.has(supervision_names.EVALUATOR):
        return []
    reasons = _finding_reasons(view)
    rows = []
    for score in _items(view):
        closed = _date(score.details.get("closed", ""))
        if score.status != "closed" or closed is None or not period.contains(closed):
            continue
        rows.append(
            {
                "item": score.subject,
                "matter": _what(view, score, reasons),
                "owner": score.details.get("owner_name", ""),
                "deadline": view.day(str(score.details.get("deadline", ""))),
                "answered": view.day(str(score.details.get("answered", ""))),
                "closed": view.day(str(score.details.get("closed", ""))),
                "item_on_time": view.t("yes" if score.details.get("on_time") == "yes" else "no"),
                "evidence": seqs(score.evidence),
            }
        )
    columns = [
        _column(view, "item"),
        _column(view, "matter"),
        _column(view, "owner"),
        _column(view, "deadline"),
        _column(view, "answered"),
        _column(view, "closed"),
        _column(view, "item_on_time"),
        Column("evidence", view.t("col.evidence"), "evidence"),
    ]
    table = Table("closed-items", view.t("table.closed_items"), columns, rows)
    return [_section(view, "closed-items", table)]


def quarter_item_sections(view: View, period: Period) -> list[Section]:
    """Every item opened in ``period`` and where it stands at its end."""
    if not view.has(supervision_names.EVALUATOR):
        return []
    reasons = _finding_reasons(view)
    rows = []
    for score in _items(view):
        issued = _date(score.details.get("issued", ""))
        if issued is None or not period.contains(issued):
            continue
        rows.append(
            {
                "item": score.subject,
                "matter": _what(view, score, reasons),
                "owner": score.details.get("owner_name", ""),
                "issued": view.day(str(score.details.get("issued", ""))),
                "deadline": view.day(str(score.details.get("deadline", ""))),
                "step": view.t(f"kind.{score.details.get('step', '')}"),
                "item_status": view.t(f"loop.status.{score.status}"),
                "closed": view.day(str(score.details.get("closed", ""))),
                "evidence": seqs(score.evidence),
            }
        )
    columns = [
        _column(view, "item"),
        _column(view, "matter"),
        _column(view, "owner"),
        _column(view, "issued"),
        _column(view, "deadline"),
        _column(view, "step"),
        _column(view, "item_status"),
        _column(view, "closed"),
        Column("evidence", view.t("col.evidence"), "evidence"),
    ]
    table = Table("quarter-items", view.t("table.quarter_items"), columns, rows)
    return [_section(view, "quarter-items", table)]


def interview_sections(view: View, period: Period) -> list[Section]:
    """The 约谈名单: every 约谈 held within ``period``."""
    if not view.has(supervision_names.EVALUATOR):
        return []
    found: list[Finding] = []
    for _evaluator, finding in view.findings:
        day = _date(finding.period)
        if finding.kind == "interview" and day is not None and period.contains(day):
            found.append(finding)
    found.sort(key=lambda f: (f.period, natural(f.subject)))
    rows = [
        {
            "date": view.day(f.period),
            "who": f.label or view.name(f.subject),
            "interviewee": f.parameters.get("interviewee", ""),
            "by": f.parameters.get("by", ""),
            "reason": reason(view, f),
            "evidence": seqs(f.evidence),
        }
        for f in found
    ]
    columns = [
        _column(view, "date"),
        _column(view, "who"),
        _column(view, "interviewee"),
        _column(view, "by"),
        _column(view, "reason"),
        Column("evidence", view.t("col.evidence"), "evidence"),
    ]
    table = Table("interviews", view.t("table.interviews"), columns, rows)
    return [_section(view, "interviews", table)]
