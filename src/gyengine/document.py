"""Documents: what a report says, independent of the format it is written in.

A report plugin builds a :class:`Document` from a replay: a header (title,
period, the log's seq range and head hash, plugins, "synthetic data" when it
is), sections of tables, charts and paragraphs, and an evidence appendix that
lists the event seqs behind every row. Renderers (``register_renderers`` with
``kind="document"``) write it as terminal text, Markdown, HTML, CSV, XLSX or
JSON; none of them knows what the rows are about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Final, Literal

import attrs

__all__ = [
    "BarChart",
    "Block",
    "Cell",
    "Column",
    "Document",
    "GridChart",
    "LineChart",
    "Paragraph",
    "Section",
    "Table",
]

Cell = str | int | Decimal | None
"""A table cell: text, an exact number, or empty."""

STATUSES: Final = ("green", "watch", "yellow", "red", "pending")


# Typed converters (not a bare ``tuple``), so that type checkers see what each
# field takes: any iterable of the right items.
def _columns(value: Iterable[Column]) -> tuple[Column, ...]:
    return tuple(value)


def _rows(value: Iterable[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    return tuple(value)


def _texts(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _numbers(value: Iterable[Decimal]) -> tuple[Decimal, ...]:
    return tuple(value)


def _series(
    value: Iterable[tuple[str, Sequence[Decimal | None], str]],
) -> tuple[tuple[str, tuple[Decimal | None, ...], str], ...]:
    return tuple((name, tuple(points), style) for name, points, style in value)


def _cells(value: Iterable[Sequence[str | None]]) -> tuple[tuple[str | None, ...], ...]:
    return tuple(tuple(row) for row in value)


def _pairs(value: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(a), str(b)) for a, b in value)


def _blocks(value: Iterable[Block]) -> tuple[Block, ...]:
    return tuple(value)


def _sections(value: Iterable[Section]) -> tuple[Section, ...]:
    return tuple(value)


def _lang(value: str | None) -> str:
    # A report built with no --lang and no plan language of its own is in Chinese.
    return value or "zh"


@attrs.frozen
class Column:
    """A table column: its key in the rows, its heading, and what its cells hold.

    ``kind`` is ``text``, ``number`` (exact, right-aligned, written as a number
    in spreadsheets), ``status`` (a traffic light) or ``evidence`` (event seqs).
    """

    key: str
    title: str
    kind: Literal["text", "number", "status", "evidence"] = "text"
    link: str = ""
    """When set, each non-empty cell refers to the row whose anchor is ``link`` + the cell's
    text (HTML makes it a link; other formats show the text)."""


@attrs.frozen
class Table:
    """Rows of cells under columns; ``evidence`` of a row is the seqs behind it."""

    id: str
    title: str
    columns: tuple[Column, ...] = attrs.field(converter=_columns)
    rows: tuple[dict[str, Any], ...] = attrs.field(converter=_rows)
    note: str = ""
    anchor: str = ""
    """When set, the key in each row of that row's anchor: the target of :attr:`Column.link` cells."""


@attrs.frozen
class Paragraph:
    """Text, as written (escaped by renderers)."""

    text: str


@attrs.frozen
class LineChart:
    """Lines over common x labels, e.g. an indicator's actual against its 序时 line.

    ``series`` are ``(name, values, style)`` with values aligned to ``x`` (None
    where there is no point) and style ``solid`` or ``dashed``.
    """

    id: str
    title: str
    x: tuple[str, ...] = attrs.field(converter=_texts)
    series: tuple[tuple[str, tuple[Decimal | None, ...], str], ...] = attrs.field(converter=_series)
    unit: str = ""


@attrs.frozen
class GridChart:
    """A grid of traffic lights: rows (e.g. projects) by columns (e.g. weeks)."""

    id: str
    title: str
    rows: tuple[str, ...] = attrs.field(converter=_texts)
    columns: tuple[str, ...] = attrs.field(converter=_texts)
    cells: tuple[tuple[str | None, ...], ...] = attrs.field(converter=_cells)


@attrs.frozen
class BarChart:
    """Horizontal bars, e.g. each bank's score."""

    id: str
    title: str
    labels: tuple[str, ...] = attrs.field(converter=_texts)
    values: tuple[Decimal, ...] = attrs.field(converter=_numbers)
    unit: str = ""


Block = Table | Paragraph | LineChart | GridChart | BarChart


@attrs.frozen
class Section:
    """A titled part of a document."""

    id: str
    title: str
    blocks: tuple[Block, ...] = attrs.field(converter=_blocks)


@attrs.frozen(kw_only=True)
class Document:
    """A report ready to be rendered.

    ``meta`` is the header as ``(label, value)`` pairs; ``synthetic`` puts a
    notice on every format; ``lang`` (``zh`` or ``en``) picks the renderers'
    own few words.
    """

    title: str
    subtitle: str = ""
    lang: str = attrs.field(default="zh", converter=_lang)
    synthetic: bool = False
    meta: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    sections: tuple[Section, ...] = attrs.field(default=(), converter=_sections)

    def tables(self) -> list[tuple[Section, Table]]:
        """Every table with its section, in order."""
        return [(s, b) for s in self.sections for b in s.blocks if isinstance(b, Table)]


WORDS: Final[dict[str, dict[str, str]]] = {
    "synthetic": {
        "zh": "示例数据：本报告中的数据为合成的演示数据，并非任何单位的实际报送。",
        "en": "Synthetic data: the figures in this report are invented for demonstration, not reported by anyone.",
    },
    "evidence": {"zh": "证据（事件序号）", "en": "Evidence (event seqs)"},
    "section": {"zh": "部分", "en": "section"},
    "table": {"zh": "表", "en": "table"},
    "contents": {"zh": "目录", "en": "Contents"},
    "none": {"zh": "无", "en": "none"},
}


def word(key: str, lang: str) -> str:
    """One of the renderers' own words in ``lang`` (English when unknown)."""
    return WORDS[key].get(lang, WORDS[key]["en"])


def cell_text(value: Any) -> str:
    """A cell as plain text: exact numbers without exponent, None as empty."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple)):
        return " ".join(str(item) for item in value)
    return str(value)


def evidence_text(value: Sequence[int] | None) -> str:
    """Seqs as ``12 15 40``."""
    return " ".join(str(seq) for seq in value or ())


def neutralise(text: str) -> str:
    """Make a spreadsheet cell inert: text starting with = + - @ (or tab, CR) gets a leading '."""
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


# C0 controls but tab and newline, DEL and C1 controls: ESC starts the terminal's
# escape sequences (clear the screen, move the cursor, OSC 8 links, set the
# title...), and C1's CSI (\x9b) and OSC (\x9d) are their one-byte forms.
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text from the data made safe for a terminal: every control character but
    tab and newline is shown as its escape (ESC as ``\\x1b``), so that no text
    from an event can clear the screen, move the cursor or forge a link.

    Every renderer that writes to a terminal passes the data's text through it.
    """
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(lambda found: f"\\x{ord(found[0]):02x}", text)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def document_json(document: Document) -> dict[str, Any]:
    """The document as JSON-ready data; exact numbers as decimal strings."""
    sections = []
    for section in document.sections:
        blocks = []
        for block in section.blocks:
            data = attrs.asdict(block, recurse=True)
            data = {"type": type(block).__name__, **_jsonable(data)}
            blocks.append(data)
        sections.append({"id": section.id, "title": section.title, "blocks": blocks})
    return {
        "title": document.title,
        "subtitle": document.subtitle,
        "lang": document.lang,
        "synthetic": document.synthetic,
        "meta": [list(pair) for pair in document.meta],
        "sections": sections,
    }
