"""What the document renderers share: the words for statuses, their colours, a table's columns.

None of it knows a format; each format's module takes what it needs.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

from ..document import STATUSES, Column, Table, cell_text, word

__all__ = [
    "COLOURS",
    "display_width",
    "say",
    "status_key",
    "status_label",
    "table_columns",
    "value_at",
]

# The renderers' own words that document.WORDS does not have: status labels
# and the few captions of charts.
LABELS: Final[dict[str, dict[str, str]]] = {
    "green": {"zh": "绿", "en": "green"},
    "watch": {"zh": "关注", "en": "watch"},
    "yellow": {"zh": "黄", "en": "yellow"},
    "red": {"zh": "红", "en": "red"},
    "pending": {"zh": "待定", "en": "pending"},
    "legend": {"zh": "图例", "en": "Legend"},
    "value": {"zh": "数值", "en": "value"},
    "evidence-note": {
        "zh": "证据只列出前几个事件序号；全部序号见 --format json、csv 或 html。",
        "en": "Evidence shows the first few event seqs; every seq is in --format json, csv or html.",
    },
}

# (strong colour for marks and squares, light fill for table cells)
COLOURS: Final[dict[str, tuple[str, str]]] = {
    "green": ("#2e8b3e", "#d5efd8"),
    "watch": ("#1c7fb8", "#d3e9f6"),
    "yellow": ("#e0a800", "#fff1bf"),
    "red": ("#d1352b", "#f9d5d2"),
    "pending": ("#9aa0a6", "#eceff1"),
}


def say(key: str, lang: str) -> str:
    """One of :data:`LABELS` in ``lang`` (English when unknown)."""
    words = LABELS[key]
    return words.get(lang, words["en"])


def with_unit(title: str, unit: str, lang: str) -> str:
    """A chart's title with its unit: ``走势（亿元）`` in Chinese, ``Trend (亿元)`` otherwise."""
    if not unit:
        return title
    return f"{title}（{unit}）" if lang.startswith("zh") else f"{title} ({unit})"


def status_label(value: Any, lang: str) -> str:
    """The words for a status cell: a known status in ``lang``, anything else as written."""
    if isinstance(value, str) and value in STATUSES:
        return say(value, lang)
    return cell_text(value)


def status_key(value: Any) -> str:
    """A status cell's key for colours and classes: a known status, else ``other``."""
    return value if isinstance(value, str) and value in STATUSES else "other"


def table_columns(table: Table, lang: str) -> list[Column]:
    """The table's columns, plus an evidence column when rows carry evidence the columns do not show."""
    columns = list(table.columns)
    if not any(c.key == "evidence" for c in columns) and any(
        row.get("evidence") for row in table.rows
    ):
        columns.append(Column("evidence", word("evidence", lang), "evidence"))
    return columns


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal or in a spreadsheet: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def value_at(values: Sequence[Decimal | None], index: int) -> Decimal | None:
    """A chart series' point at ``index`` (None past its end)."""
    return values[index] if index < len(values) else None
