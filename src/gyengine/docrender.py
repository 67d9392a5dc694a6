"""Document renderers: a :class:`~gyengine.document.Document` as terminal text, Markdown, HTML, CSV or XLSX.

They are registered by :mod:`gyengine.builtin` with ``kind = "document"`` (the
``--format`` choices of ``gyengine report``), beside the JSON one in
:mod:`gyengine.render`. None of them knows what the rows are about; every one
writes the same bytes for the same document (no clock, no random ids).

Layouts:

- ``terminal``: rich tables (CJK-aligned), status cells coloured on a
  terminal and plain when piped; a grid chart as a row of squares per row
  (letters when there is no colour), a bar chart as runs of ▇, a line chart as
  a small table.
- ``markdown``: headings, pipe tables, charts as tables. Text is escaped so
  that nothing in it becomes a link, markup or raw HTML.
- ``html``: one self-contained file (no script, no external resource; a
  Content-Security-Policy forbids both), readable on a phone (tables and wide
  charts scroll inside their own box) and printable on A4 (a page per
  section, rows never split). Charts are inline SVG.
- ``csv``: every table of the document (charts are not tables and are left
  out). Per table a header row (the words for section and table, then the
  column titles), then its rows, each starting with the section id and the
  table id; a blank line between tables. Evidence is space-separated seqs.
  A synthetic document starts with a one-cell notice row and a blank line.
  Numbers are written exactly; text starting with = + - @ gets a leading '
  (a negative number is a number and stays as it is). ``bom`` in the
  options starts the file with a UTF-8 byte-order mark, for Excel.
- ``xlsx``: a sheet per section, each starting with a short document header
  (the title; the subtitle and meta pairs on one line; the synthetic notice),
  so that few rows are frozen above a table; then every block as a table
  (charts too: a line chart by x, a grid with its status fills, a bar chart
  as label and value). Header rows are bold, the first table's header row is
  frozen, numbers are number cells, text is always a string cell (never a
  formula), status cells are filled with their colour.
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import IO, Any, Final

import attrs

from .document import (
    STATUSES,
    BarChart,
    Block,
    Column,
    Document,
    GridChart,
    LineChart,
    Paragraph,
    Section,
    Table,
    cell_text,
    evidence_text,
    neutralise,
    printable,
    word,
)

__all__ = [
    "CsvDocumentRenderer",
    "HtmlDocumentRenderer",
    "MarkdownDocumentRenderer",
    "TerminalDocumentRenderer",
    "XlsxDocumentRenderer",
]

# The renderers' own words that document.WORDS does not have: status labels
# and the few captions of charts.
_LABELS: Final[dict[str, dict[str, str]]] = {
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
_COLOURS: Final[dict[str, tuple[str, str]]] = {
    "green": ("#2e8b3e", "#d5efd8"),
    "watch": ("#1c7fb8", "#d3e9f6"),
    "yellow": ("#e0a800", "#fff1bf"),
    "red": ("#d1352b", "#f9d5d2"),
    "pending": ("#9aa0a6", "#eceff1"),
}
_TERMINAL_STYLE: Final = {
    "green": "green",
    "watch": "cyan",
    "yellow": "yellow",
    "red": "red",
    "pending": "bright_black",
}
_PLAIN_MARK: Final = {"green": "G", "watch": "W", "yellow": "Y", "red": "R", "pending": "-"}
_SERIES_COLOURS: Final = ("#1f5fbf", "#7a7f87", "#d9822b", "#7b3fa0", "#2e8b3e")


def _say(key: str, lang: str) -> str:
    words = _LABELS[key]
    return words.get(lang, words["en"])


def status_label(value: Any, lang: str) -> str:
    """The words for a status cell: a known status in ``lang``, anything else as written."""
    if isinstance(value, str) and value in STATUSES:
        return _say(value, lang)
    return cell_text(value)


def _status_key(value: Any) -> str:
    return value if isinstance(value, str) and value in STATUSES else "other"


def _columns(table: Table, lang: str) -> list[Column]:
    """The table's columns, plus an evidence column when rows carry evidence the columns do not show."""
    columns = list(table.columns)
    if not any(c.key == "evidence" for c in columns) and any(
        row.get("evidence") for row in table.rows
    ):
        columns.append(Column("evidence", word("evidence", lang), "evidence"))
    return columns


def _display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal or in a spreadsheet: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _plain(value: Any, column: Column) -> str:
    if column.kind == "evidence":
        return evidence_text(value)
    return cell_text(value)


# --- terminal ---------------------------------------------------------------


@attrs.frozen
class TerminalDocumentRenderer:
    """A report on a terminal: rich tables, coloured statuses (plain when piped), charts as text."""

    name: str = "terminal"
    description: str = "terminal: tables and text charts, coloured on a terminal"
    kind: str = "document"

    def render(self, document: Document, output: IO[str], options: Any = None) -> None:
        from rich.console import Console
        from rich.text import Text

        # markup=False, emoji=False: titles and cells come from events and are shown as written.
        console = Console(
            file=output,
            # Piped: wide enough for a report's tables without folding every text column.
            width=None if output.isatty() else 160,
            highlight=False,
            markup=False,
            emoji=False,
        )
        coloured = console.color_system is not None and not console.no_color
        document = _printable_copy(document)
        lang = document.lang
        console.print(Text(document.title, style="bold"))
        if document.subtitle:
            console.print(Text(document.subtitle))
        for label, value in document.meta:
            console.print(Text.assemble((f"{label}: ", "dim"), value))
        if document.synthetic:
            console.print(Text(word("synthetic", lang), style="bold yellow"))
        shortened = False
        for section in document.sections:
            console.print()
            console.rule(Text(section.title, style="bold"), align="left")
            for block in section.blocks:
                console.print()
                if isinstance(block, Table):
                    shortened |= _terminal_table(console, block, lang)
                elif isinstance(block, Paragraph):
                    console.print(Text(block.text))
                elif isinstance(block, LineChart):
                    _terminal_lines(console, block)
                elif isinstance(block, GridChart):
                    _terminal_grid(console, block, lang, coloured)
                elif isinstance(block, BarChart):
                    _terminal_bars(console, block)
        if shortened:
            console.print()
            console.print(Text(_say("evidence-note", lang), style="dim"))


def _printable_copy(value: Any) -> Any:
    """A document (or any part of one) with every text in it passed through :func:`printable`."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, (tuple, list)):
        return type(value)(_printable_copy(item) for item in value)
    if isinstance(value, dict):
        return {_printable_copy(key): _printable_copy(item) for key, item in value.items()}
    if attrs.has(type(value)):
        changes = {
            field.alias: _printable_copy(getattr(value, field.name))
            for field in attrs.fields(type(value))
            if field.init
        }
        return attrs.evolve(value, **changes)
    return value


def _short_seqs(value: Any) -> tuple[str, bool]:
    seqs = evidence_text(value).split()
    if len(seqs) <= 4:
        return " ".join(seqs), False
    return f"{' '.join(seqs[:3])} … ({len(seqs)})", True


def _terminal_table(console: Any, table: Table, lang: str) -> bool:
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    columns = _columns(table, lang)
    shortened = False
    rows: list[list[Any]] = []
    for row in table.rows:
        cells = []
        for column in columns:
            value = row.get(column.key)
            if column.kind == "status":
                style = _TERMINAL_STYLE.get(_status_key(value), "")
                cells.append(Text(status_label(value, lang), style=style))
            elif column.kind == "evidence":
                text, cut = _short_seqs(value)
                shortened |= cut
                cells.append(Text(text, style="dim"))
            else:
                cells.append(Text(cell_text(value)))
        rows.append(cells)
    out = RichTable(
        title=Text(table.title, style="bold"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        header_style="bold",
    )
    # When the table is too wide, headings wrap first; numbers, statuses and seqs keep their
    # width, and text columns share what is left (rich crops a table wider than the console).
    widest = [max((cells[i].cell_len for cells in rows), default=0) for i in range(len(columns))]
    texts = [i for i, column in enumerate(columns) if column.kind == "text"]
    fixed = sum(w for i, w in enumerate(widest) if i not in texts) + 3 * len(columns)
    room = max(4, (console.width - fixed) // max(1, len(texts)))
    for i, column in enumerate(columns):
        out.add_column(
            Text(column.title),
            justify="right" if column.kind == "number" else "left",
            overflow="fold",
            min_width=min(widest[i], 12, room) if i in texts else widest[i],
            # rich measures unspaced (CJK) headings as one word: cap non-text columns so a
            # long heading folds instead of widening its column.
            max_width=None if i in texts else max(widest[i], 8),
        )
    for cells in rows:
        out.add_row(*cells)
    console.print(out)
    if table.note:
        console.print(Text(table.note, style="dim"))
    return shortened


def _terminal_lines(console: Any, chart: LineChart) -> None:
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    title = f"{chart.title} ({chart.unit})" if chart.unit else chart.title
    out = RichTable(title=Text(title, style="bold"), title_justify="left", box=box.SIMPLE_HEAD)
    out.add_column("")
    for name, _, style in chart.series:
        out.add_column(Text(name, style="dim" if style == "dashed" else ""), justify="right")
    for i, x in enumerate(chart.x):
        out.add_row(Text(x), *[Text(cell_text(_at(values, i))) for _, values, _ in chart.series])
    console.print(out)


def _at(values: Sequence[Decimal | None], index: int) -> Decimal | None:
    return values[index] if index < len(values) else None


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))


def _terminal_grid(console: Any, chart: GridChart, lang: str, coloured: bool) -> None:
    from rich.text import Text

    console.print(Text(chart.title, style="bold"))
    width = max((_display_width(label) for label in chart.rows), default=0)
    if chart.columns:
        console.print(
            Text(_pad("", width) + "  " + f"{chart.columns[0]} … {chart.columns[-1]}", style="dim")
        )
    seen: set[str | None] = set()
    for label, cells in zip(chart.rows, chart.cells, strict=False):
        line = Text(_pad(label, width) + "  ")
        for status in cells:
            seen.add(status)
            key = _status_key(status)
            if status is None:
                line.append("·", style="dim")
            elif coloured:
                line.append("■", style=_TERMINAL_STYLE.get(key, ""))
            else:
                line.append(_PLAIN_MARK.get(key, "?"))
        console.print(line)
    legend = Text(f"{_say('legend', lang)}: ", style="dim")
    for status in (*STATUSES, None):
        if status not in seen:
            continue
        if status is None:
            legend.append("·", style="dim")
            legend.append(f" {word('none', lang)}  ")
        elif coloured:
            legend.append("■", style=_TERMINAL_STYLE[status])
            legend.append(f" {_say(status, lang)}  ")
        else:
            legend.append(f"{_PLAIN_MARK[status]} {_say(status, lang)}  ")
    if any(s is not None and s not in STATUSES for s in seen):
        legend.append("? " + ", ".join(sorted(str(s) for s in seen if s and s not in STATUSES)))
    console.print(legend)


def _terminal_bars(console: Any, chart: BarChart) -> None:
    from rich.text import Text

    title = f"{chart.title} ({chart.unit})" if chart.unit else chart.title
    console.print(Text(title, style="bold"))
    width = max((_display_width(label) for label in chart.labels), default=0)
    top = max((abs(v) for v in chart.values), default=Decimal(0)) or Decimal(1)
    for label, value in zip(chart.labels, chart.values, strict=False):
        run = int((abs(value) / top * 40).to_integral_value())
        line = Text(_pad(label, width) + "  ")
        line.append("▇" * run, style="red" if value < 0 else "blue")
        line.append(f" {cell_text(value)}")
        console.print(line)


# --- markdown ---------------------------------------------------------------

_MD_SPECIAL: Final = str.maketrans(
    {
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "[": "\\[",
        "]": "\\]",
        "|": "\\|",
        "~": "\\~",
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
    }
)


_MD_LINE_START: Final = re.compile(r"(\d+)([.)])|[#>+-]")


def md_escape(text: str) -> str:
    """Text for a Markdown line or table cell: no markup, link or raw HTML survives, nor a new cell."""
    return text.translate(_MD_SPECIAL).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def md_paragraph(text: str) -> str:
    """Text for a Markdown paragraph: :func:`md_escape`, and no heading, quote or list opens it."""
    text = md_escape(text)
    found = _MD_LINE_START.match(text)
    if found is None:
        return text
    if found[1]:
        return f"{found[1]}\\{found[2]}{text[found.end() :]}"
    return "\\" + text


@attrs.frozen
class MarkdownDocumentRenderer:
    """A report as Markdown: headings, pipe tables, charts as tables."""

    name: str = "markdown"
    description: str = "Markdown: headings and pipe tables (charts as tables)"
    kind: str = "document"

    def render(self, document: Document, output: IO[str], options: Any = None) -> None:
        lang = document.lang
        output.write(f"# {md_escape(document.title)}\n\n")
        if document.subtitle:
            output.write(f"{md_paragraph(document.subtitle)}\n\n")
        if document.synthetic:
            output.write(f"> **{md_escape(word('synthetic', lang))}**\n\n")
        for label, value in document.meta:
            output.write(f"- {md_escape(label)}: {md_escape(value)}\n")
        if document.meta:
            output.write("\n")
        for section in document.sections:
            output.write(f"## {md_escape(section.title)}\n\n")
            for block in section.blocks:
                _markdown_block(output, block, lang)


def _md_table(
    output: IO[str], header: Sequence[str], rows: Iterator[Sequence[str]], right: set[int]
) -> None:
    output.write("| " + " | ".join(md_escape(h) for h in header) + " |\n")
    output.write(
        "|" + "".join("---:|" if i in right else "---|" for i in range(len(header))) + "\n"
    )
    for row in rows:
        output.write("| " + " | ".join(md_escape(cell) for cell in row) + " |\n")
    output.write("\n")


def _markdown_block(output: IO[str], block: Block, lang: str) -> None:
    if isinstance(block, Paragraph):
        paragraphs = [p for p in block.text.split("\n\n") if p.strip()]
        for paragraph in paragraphs:
            output.write(md_paragraph(paragraph) + "\n\n")
        return
    title = block.title
    if isinstance(block, (LineChart, BarChart)) and block.unit:
        title = f"{title} ({block.unit})"
    output.write(f"### {md_escape(title)}\n\n")
    if isinstance(block, Table):
        columns = _columns(block, lang)
        _md_table(
            output,
            [c.title for c in columns],
            (
                [
                    status_label(row.get(c.key), lang)
                    if c.kind == "status"
                    else _plain(row.get(c.key), c)
                    for c in columns
                ]
                for row in block.rows
            ),
            {i for i, c in enumerate(columns) if c.kind == "number"},
        )
        if block.note:
            output.write(f"{md_paragraph(block.note)}\n\n")
    elif isinstance(block, LineChart):
        _md_table(
            output,
            ["", *(name for name, _, _ in block.series)],
            (
                [x, *(cell_text(_at(values, i)) for _, values, _ in block.series)]
                for i, x in enumerate(block.x)
            ),
            set(range(1, len(block.series) + 1)),
        )
    elif isinstance(block, GridChart):
        _md_table(
            output,
            ["", *block.columns],
            (
                [label, *(status_label(s, lang) if s else "" for s in cells)]
                for label, cells in zip(block.rows, block.cells, strict=False)
            ),
            set(),
        )
    elif isinstance(block, BarChart):
        _md_table(
            output,
            ["", _say("value", lang)],
            (
                [label, cell_text(value)]
                for label, value in zip(block.labels, block.values, strict=False)
            ),
            {1},
        )


# --- html -------------------------------------------------------------------


def _e(value: Any) -> str:
    """Escape text for HTML and SVG, in element content and in quoted attributes."""
    return html.escape(value if isinstance(value, str) else cell_text(value), quote=True)


_CSS: Final = """
:root { color-scheme: light; --fg: #1d2127; --muted: #5b6470; --line: #d5d9df; --head: #f1f3f5; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 1080px; padding: 16px 16px 48px; color: var(--fg); background: #fff;
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB",
  "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
  sans-serif; }
header h1 { font-size: 1.6rem; line-height: 1.25; margin: .3em 0 .2em; }
.subtitle { color: var(--muted); margin: 0 0 .8em; font-size: 1.05rem; }
dl.meta { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .15em 1em;
  margin: 0 0 1em; font-size: .88rem; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.notice { margin: 1em 0; padding: .6em .8em; border: 1px solid #d9a400; border-left-width: 6px;
  background: #fff6d1; font-weight: 600; }
nav ol { margin: .3em 0 0; padding-left: 1.4em; }
nav h2 { font-size: 1rem; border: 0; margin: 1em 0 0; }
section { margin-top: 2.2em; }
h2 { font-size: 1.3rem; margin: 0 0 .6em; padding-bottom: .2em; border-bottom: 2px solid var(--fg); }
h3 { font-size: 1.02rem; margin: 1.4em 0 .4em; }
p { margin: .6em 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; max-width: 100%; }
table { border-collapse: collapse; font-size: .88rem; }
th, td { padding: .32em .6em; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: var(--head); border-bottom: 2px solid #aab1ba; min-width: 3em; }
td { min-width: 4.5em; max-width: 24em; overflow-wrap: break-word; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num, td.st { min-width: 0; white-space: nowrap; }
td.ev { color: var(--muted); font-size: .8rem; min-width: 10em; max-width: 18em; }
.sw { display: inline-block; width: .8em; height: .8em; margin-right: .35em; border-radius: 2px;
  vertical-align: -.05em; background: #fff; border: 1px solid #9aa0a6; }
.st-green .sw { background: #2e8b3e; border-color: #2e8b3e; }
.st-watch .sw { background: #1c7fb8; border-color: #1c7fb8; }
.st-yellow .sw { background: #e0a800; border-color: #e0a800; }
.st-red .sw { background: #d1352b; border-color: #d1352b; }
.st-pending .sw { background: #9aa0a6; border-color: #9aa0a6; }
td.st-green { background: #d5efd8; } td.st-watch { background: #d3e9f6; }
td.st-yellow { background: #fff1bf; } td.st-red { background: #f9d5d2; }
td.st-pending { background: #eceff1; }
.note { color: var(--muted); font-size: .84rem; }
.chart { margin: .4em 0 1em; }
.chart svg { display: block; max-width: 100%; height: auto; }
.chart svg.wide { max-width: none; }
svg text { fill: #333; font-size: 13px; }
svg text.small { font-size: 11px; }
svg .axis { stroke: #8a929c; stroke-width: 1; }
svg .grid { stroke: #e3e6ea; stroke-width: 1; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: .3em 1.2em; padding: 0;
  margin: .4em 0 0; font-size: .84rem; }
.ln { display: inline-block; width: 26px; margin-right: .35em; vertical-align: middle;
  border-top: 2px solid #1f5fbf; }
.ln.dashed { border-top-style: dashed; }
.c0 { border-color: #1f5fbf; } .c1 { border-color: #7a7f87; } .c2 { border-color: #d9822b; }
.c3 { border-color: #7b3fa0; } .c4 { border-color: #2e8b3e; }
@media (max-width: 600px) {
  body { padding: 10px 10px 32px; font-size: 14px; }
  header h1 { font-size: 1.3rem; }
  dl.meta { grid-template-columns: minmax(0, 1fr); }
  dl.meta dd { margin-bottom: .3em; }
}
@page { size: A4; margin: 14mm 12mm; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  section { margin-top: 0; }
  section + section { break-before: page; }
  h2, h3 { break-after: avoid; }
  .scroll { overflow: visible; }
  table { width: 100%; }
  thead { display: table-header-group; }
  tr, .chart, .notice, dl.meta { break-inside: avoid; }
  td { max-width: none; }
  .chart svg, .chart svg.wide { max-width: 100%; height: auto; }
}
"""

# No script, no network: even if some text escaped its escaping, the browser would refuse to run
# or fetch anything.
_CSP: Final = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


@attrs.frozen
class HtmlDocumentRenderer:
    """A report as one self-contained HTML file: responsive, printable on A4, charts as inline SVG."""

    name: str = "html"
    description: str = "HTML: one self-contained page, readable on a phone, printable on A4"
    kind: str = "document"

    def render(self, document: Document, output: IO[str], options: Any = None) -> None:
        lang = document.lang
        out: list[str] = [
            "<!DOCTYPE html>\n",
            f'<html lang="{"zh-CN" if lang == "zh" else _e(lang)}">\n<head>\n<meta charset="utf-8">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f'<meta http-equiv="Content-Security-Policy" content="{_e(_CSP)}">\n',
            '<meta name="referrer" content="no-referrer">\n',
            f"<title>{_e(document.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n",
            "<header>\n",
            f"<h1>{_e(document.title)}</h1>\n",
        ]
        if document.subtitle:
            out.append(f'<p class="subtitle">{_e(document.subtitle)}</p>\n')
        if document.synthetic:
            out.append(f'<p class="notice" role="note">{_e(word("synthetic", lang))}</p>\n')
        if document.meta:
            out.append('<dl class="meta">\n')
            for label, value in document.meta:
                out.append(f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>\n")
            out.append("</dl>\n")
        out.append("</header>\n")
        anchors = _anchors(document.sections)
        if len(document.sections) > 1:
            out.append(f'<nav aria-label="{_e(word("contents", lang))}">\n')
            out.append(f"<h2>{_e(word('contents', lang))}</h2>\n<ol>\n")
            for section, anchor in zip(document.sections, anchors, strict=True):
                out.append(f'<li><a href="#{_e(anchor)}">{_e(section.title)}</a></li>\n')
            out.append("</ol>\n</nav>\n")
        out.append("<main>\n")
        for section, anchor in zip(document.sections, anchors, strict=True):
            out.append(f'<section id="{_e(anchor)}">\n<h2>{_e(section.title)}</h2>\n')
            for block in section.blocks:
                out.append(_html_block(block, lang))
            out.append("</section>\n")
        out.append("</main>\n</body>\n</html>\n")
        output.write("".join(out))


def _anchors(sections: Sequence[Section]) -> list[str]:
    """An id per section, unique even when two sections share an id."""
    seen: set[str] = set()
    anchors = []
    for section in sections:
        base = "s-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in section.id)
        anchor, n = base, 1
        while anchor in seen:
            n += 1
            anchor = f"{base}-{n}"
        seen.add(anchor)
        anchors.append(anchor)
    return anchors


def _html_block(block: Block, lang: str) -> str:
    if isinstance(block, Paragraph):
        paragraphs = [p for p in block.text.split("\n\n") if p.strip()]
        return "".join(
            "<p>" + "<br>\n".join(_e(line) for line in p.split("\n")) + "</p>\n" for p in paragraphs
        )
    if isinstance(block, Table):
        return _html_table(block, lang)
    if isinstance(block, LineChart):
        return _svg_lines(block, lang)
    if isinstance(block, GridChart):
        return _svg_grid(block, lang)
    return _svg_bars(block)


def _html_table(table: Table, lang: str) -> str:
    columns = _columns(table, lang)
    out = [f"<h3>{_e(table.title)}</h3>\n", '<div class="scroll">\n<table>\n<thead><tr>']
    for column in columns:
        cls = ' class="num"' if column.kind == "number" else ""
        out.append(f'<th scope="col"{cls}>{_e(column.title)}</th>')
    out.append("</tr></thead>\n<tbody>\n")
    for row in table.rows:
        out.append("<tr>")
        for column in columns:
            value = row.get(column.key)
            if column.kind == "status":
                key = _status_key(value)
                out.append(
                    f'<td class="st st-{key}"><span class="sw" aria-hidden="true"></span>'
                    f"{_e(status_label(value, lang))}</td>"
                )
            elif column.kind == "number":
                out.append(f'<td class="num">{_e(cell_text(value))}</td>')
            elif column.kind == "evidence":
                out.append(f'<td class="ev">{_e(evidence_text(value))}</td>')
            else:
                out.append(f"<td>{_e(cell_text(value))}</td>")
        out.append("</tr>\n")
    out.append("</tbody>\n</table>\n</div>\n")
    if table.note:
        out.append(f'<p class="note">{_e(table.note)}</p>\n')
    return "".join(out)


def _text_px(text: str, size: float = 13) -> float:
    """About how wide ``text`` is at ``size`` px (no font metrics here: wide characters 1 em, others 0.6)."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


def _clip(text: str, px: float) -> str:
    """``text`` cut with … to fit ``px``."""
    if _text_px(text) <= px + 0.01:
        return text
    while text and _text_px(text + "…") > px:
        text = text[:-1]
    return text + "…"


def _f(x: float) -> str:
    return f"{x:.1f}"


def _number_label(value: Decimal) -> str:
    if value == value.to_integral_value():
        return format(value.to_integral_value(), "f")
    return format(value.normalize(), "f")


def nice_ticks(low: Decimal, high: Decimal, count: int = 5) -> list[Decimal]:
    """Round tick values (steps of 1, 2 or 5 × 10ⁿ) covering ``low``..``high``."""
    if high <= low:
        high = low + (abs(low) or Decimal(1))
    raw = (high - low) / count
    magnitude = Decimal(1).scaleb(raw.adjusted())
    step = magnitude * 10
    for factor in (1, 2, 5, 10):
        if raw <= magnitude * factor:
            step = magnitude * factor
            break
    start = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    end = (high / step).to_integral_value(rounding="ROUND_CEILING") * step
    ticks = []
    tick = start
    while tick <= end:
        ticks.append(tick)
        tick += step
    return ticks


def _svg_open(width: float, height: float, label: str, extra: str = "") -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_e(label)}"{extra} '
        f'width="{_f(width)}" height="{_f(height)}" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'font-family="inherit" font-size="13">\n<title>{_e(label)}</title>\n'
    )


def _svg_lines(chart: LineChart, lang: str) -> str:
    title = f"{chart.title} ({chart.unit})" if chart.unit else chart.title
    values = [v for _, series, _ in chart.series for v in series if v is not None]
    ticks = nice_ticks(min([Decimal(0), *values]), max([Decimal(0), *values]))
    low, high = ticks[0], ticks[-1]
    labels = [_number_label(t) for t in ticks]
    left = 14 + max(_text_px(label) for label in labels)
    width, height, top, right, bottom = 600.0, 300.0, 28.0, 16.0, 44.0
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(chart.x)

    def x_at(i: int) -> float:
        return left + (plot_w / 2 if n <= 1 else i * plot_w / (n - 1))

    def y_at(v: Decimal) -> float:
        return top + float((high - v) / (high - low)) * plot_h

    out = ['<figure class="chart">\n', f"<h3>{_e(title)}</h3>\n", _svg_open(width, height, title)]
    if chart.unit:
        out.append(f'<text x="{_f(left - 8)}" y="12" text-anchor="end">{_e(chart.unit)}</text>\n')
    for tick, label in zip(ticks, labels, strict=True):
        y = y_at(tick)
        css = "axis" if tick == 0 else "grid"
        out.append(
            f'<line class="{css}" x1="{_f(left)}" y1="{_f(y)}" x2="{_f(width - right)}" y2="{_f(y)}"/>\n'
        )
        out.append(
            f'<text x="{_f(left - 6)}" y="{_f(y + 4)}" text-anchor="end">{_e(label)}</text>\n'
        )
    out.append(
        f'<line class="axis" x1="{_f(left)}" y1="{_f(top)}" x2="{_f(left)}" y2="{_f(top + plot_h)}"/>\n'
    )
    # Label every k-th x so that labels do not overlap.
    slot = plot_w / max(n, 1)
    every = max(1, math.ceil((max((_text_px(x) for x in chart.x), default=0) + 8) / slot))
    for i, x in enumerate(chart.x):
        if i % every and i != n - 1:
            continue
        out.append(
            f'<text x="{_f(x_at(i))}" y="{_f(top + plot_h + 18)}" text-anchor="middle">{_e(x)}</text>\n'
        )
    # Dashed lines (targets, 序时 lines) first, so the solid ones are drawn over them.
    drawing = sorted(enumerate(chart.series), key=lambda item: item[1][2] != "dashed")
    for index, (name, series, style) in drawing:
        colour = _SERIES_COLOURS[index % len(_SERIES_COLOURS)]
        dash = ' stroke-dasharray="7 5"' if style == "dashed" else ""
        runs: list[list[tuple[int, Decimal]]] = [[]]
        for i in range(n):
            value = _at(series, i)
            if value is None:
                if runs[-1]:
                    runs.append([])
            else:
                runs[-1].append((i, value))
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{_f(x_at(i))},{_f(y_at(v))}" for i, v in run)
                out.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2.2"{dash} points="{points}"/>\n'
                )
        if style != "dashed":
            for run in runs:
                for i, v in run:
                    out.append(
                        f'<circle cx="{_f(x_at(i))}" cy="{_f(y_at(v))}" r="3.2" fill="{colour}">'
                        f"<title>{_e(name)} · {_e(chart.x[i])}: {_e(cell_text(v))}{_e(chart.unit)}</title></circle>\n"
                    )
    out.append("</svg>\n")
    out.append(f'<ul class="legend" aria-label="{_e(_say("legend", lang))}">\n')
    for index, (name, _, style) in enumerate(chart.series):
        dashed = " dashed" if style == "dashed" else ""
        out.append(
            f'<li><span class="ln c{index % len(_SERIES_COLOURS)}{dashed}" aria-hidden="true"></span>{_e(name)}</li>\n'
        )
    out.append("</ul>\n</figure>\n")
    return "".join(out)


def _legend(statuses: Sequence[str | None], lang: str) -> str:
    out = [f'<ul class="legend" aria-label="{_e(_say("legend", lang))}">\n']
    for status in statuses:
        key = "none" if status is None else _status_key(status)
        text = word("none", lang) if status is None else status_label(status, lang)
        out.append(
            f'<li class="st-{key}"><span class="sw" aria-hidden="true"></span>{_e(text)}</li>\n'
        )
    out.append("</ul>\n")
    return "".join(out)


def _svg_grid(chart: GridChart, lang: str) -> str:
    cell, gap, top_pad = 16.0, 3.0, 26.0
    label_w = min(220.0, max((_text_px(r) for r in chart.rows), default=0) + 10)
    pitch = cell + gap
    width = label_w + len(chart.columns) * pitch + 4
    height = top_pad + len(chart.rows) * pitch + 4
    widest = max((_text_px(c, 11) for c in chart.columns), default=0)
    every = max(1, math.ceil((widest + 6) / pitch))
    out = [
        '<figure class="chart">\n',
        f"<h3>{_e(chart.title)}</h3>\n",
        '<div class="scroll">\n',
        _svg_open(width, height, chart.title, ' class="wide"'),
    ]
    for j, column in enumerate(chart.columns):
        if j % every:
            continue
        x = label_w + j * pitch
        out.append(f'<text class="small" x="{_f(x)}" y="{_f(top_pad - 8)}">{_e(column)}</text>\n')
    seen: set[str | None] = set()
    for i, (label, cells) in enumerate(zip(chart.rows, chart.cells, strict=False)):
        y = top_pad + i * pitch
        out.append(
            f'<text x="{_f(label_w - 8)}" y="{_f(y + cell - 4)}" text-anchor="end">'
            f"<title>{_e(label)}</title>{_e(_clip(label, label_w - 8))}</text>\n"
        )
        for j, status in enumerate(cells):
            seen.add(status)
            key = "none" if status is None else _status_key(status)
            fill, stroke = (
                ("#ffffff", "#c3c8ce")
                if status is None
                else (_COLOURS.get(key, ("#6b7280", ""))[0],) * 2
            )
            text = word("none", lang) if status is None else status_label(status, lang)
            column = chart.columns[j] if j < len(chart.columns) else str(j + 1)
            out.append(
                f'<rect x="{_f(label_w + j * pitch)}" y="{_f(y)}" width="{_f(cell)}" height="{_f(cell)}" '
                f'rx="2" fill="{fill}" stroke="{stroke}">'
                f"<title>{_e(label)} · {_e(column)}: {_e(text)}</title></rect>\n"
            )
    out.append("</svg>\n</div>\n")
    ordered: list[str | None] = [s for s in STATUSES if s in seen]
    ordered += sorted(s for s in seen if s is not None and s not in STATUSES)
    if None in seen:
        ordered.append(None)
    out.append(_legend(ordered, lang))
    out.append("</figure>\n")
    return "".join(out)


def _svg_bars(chart: BarChart) -> str:
    title = f"{chart.title} ({chart.unit})" if chart.unit else chart.title
    texts = [cell_text(v) + chart.unit for v in chart.values]
    label_w = min(200.0, max((_text_px(label) for label in chart.labels), default=0) + 16)
    value_w = max((_text_px(t) for t in texts), default=0) + 12
    bar_area, row, top = 300.0, 26.0, 6.0
    low = min([Decimal(0), *chart.values])
    high = max([Decimal(0), *chart.values])
    span = (high - low) or Decimal(1)
    # Room for the value on the left of a negative bar only when there is one.
    left = label_w + (value_w if low < 0 else 0)
    width = left + bar_area + value_w
    height = top + len(chart.labels) * row + 6
    zero = left + float(-low / span) * bar_area
    out = ['<figure class="chart">\n', f"<h3>{_e(title)}</h3>\n", _svg_open(width, height, title)]
    for i, (label, value, text) in enumerate(zip(chart.labels, chart.values, texts, strict=False)):
        y = top + i * row
        length = float(abs(value) / span) * bar_area
        x = zero - length if value < 0 else zero
        out.append(
            f'<text x="{_f(label_w - 8)}" y="{_f(y + 16)}" text-anchor="end">'
            f"<title>{_e(label)}</title>{_e(_clip(label, label_w - 8))}</text>\n"
        )
        out.append(
            f'<rect x="{_f(x)}" y="{_f(y + 4)}" width="{_f(max(length, 1.0))}" height="16" rx="2" '
            f'fill="{"#d1352b" if value < 0 else "#1f5fbf"}"><title>{_e(label)}: {_e(text)}</title></rect>\n'
        )
        if value < 0:
            out.append(
                f'<text x="{_f(x - 5)}" y="{_f(y + 16)}" text-anchor="end">{_e(text)}</text>\n'
            )
        else:
            out.append(f'<text x="{_f(x + length + 5)}" y="{_f(y + 16)}">{_e(text)}</text>\n')
    out.append(
        f'<line class="axis" x1="{_f(zero)}" y1="{_f(top)}" x2="{_f(zero)}" y2="{_f(height - 6)}"/>\n'
    )
    out.append("</svg>\n</figure>\n")
    return "".join(out)


# --- csv --------------------------------------------------------------------


def _csv_cell(value: Any, column: Column) -> str:
    if column.kind == "evidence":
        return evidence_text(value)
    if isinstance(value, str):
        return neutralise(value)
    return cell_text(value)


@attrs.frozen
class CsvDocumentRenderer:
    """Every table of a report in one CSV file, each row led by its section and table ids."""

    name: str = "csv"
    description: str = "CSV: every table, rows led by section and table ids (--bom for Excel)"
    kind: str = "document"

    def render(
        self, document: Document, output: IO[str], options: Mapping[str, str] | None = None
    ) -> None:
        lang = document.lang
        if options and options.get("bom"):
            output.write("\ufeff")
        writer = csv.writer(output, lineterminator="\n")
        first = True
        if document.synthetic:
            writer.writerow([neutralise(word("synthetic", lang))])
            first = False
        for section, table in document.tables():
            if not first:
                writer.writerow([])
            first = False
            columns = _columns(table, lang)
            writer.writerow(
                [neutralise(word("section", lang)), neutralise(word("table", lang))]
                + [neutralise(c.title) for c in columns]
            )
            for row in table.rows:
                writer.writerow(
                    [neutralise(section.id), neutralise(table.id)]
                    + [_csv_cell(row.get(c.key), c) for c in columns]
                )


# --- xlsx -------------------------------------------------------------------

_FORBIDDEN_IN_SHEET_NAMES: Final = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
# The workbook's creation and modification time: fixed, so the same document gives the same bytes.
_WORKBOOK_TIME: Final = (2000, 1, 1, 0, 0, 0)


def sheet_names(titles: Sequence[str]) -> list[str]:
    """Valid, unique worksheet names for ``titles``: at most 31 characters, none of []:*?/\\."""
    names: list[str] = []
    taken: set[str] = set()
    for title in titles:
        base = " ".join(title.translate(_FORBIDDEN_IN_SHEET_NAMES).split()).strip("'") or "Sheet"
        name, n = base[:31], 1
        # Excel compares sheet names without regard to case.
        while name.casefold() in taken:
            n += 1
            suffix = f" ({n})"
            name = base[: 31 - len(suffix)] + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def _xlsx_number(value: int | Decimal) -> tuple[int | float, int]:
    """A cell value for an exact number, and how many decimals to show."""
    if isinstance(value, int):
        return value, 0
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places == 0:
        return int(value), 0
    return float(value), places


@attrs.frozen
class XlsxDocumentRenderer:
    """A report as an Excel workbook: a sheet per section, real numbers, status fills, no formulas."""

    name: str = "xlsx"
    description: str = "XLSX: a sheet per section (give -o FILE)"
    kind: str = "document"
    binary: bool = True

    def render(self, document: Document, output: IO[bytes], options: Any = None) -> None:
        import datetime

        from openpyxl import Workbook
        from openpyxl.writer.excel import ExcelWriter

        workbook = Workbook()
        workbook.remove(workbook.active)  # type: ignore[arg-type]
        sections = document.sections or (Section(id="", title=document.title, blocks=()),)
        for section, name in zip(
            sections, sheet_names([s.title or s.id for s in sections]), strict=True
        ):
            _xlsx_sheet(workbook.create_sheet(name), document, section)
        moment = datetime.datetime(*_WORKBOOK_TIME)
        workbook.properties.created = moment
        workbook.properties.modified = moment
        workbook.properties.creator = "gyengine"
        workbook.properties.title = _xml_safe(document.title)
        # ExcelWriter rather than Workbook.save, which stamps the current time.
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            ExcelWriter(workbook, archive).write_data()
        output.write(_fixed_zip_times(buffer.getvalue()))


def _fixed_zip_times(data: bytes) -> bytes:
    """The same zip with every member dated ``_WORKBOOK_TIME`` (zip members carry the write time)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=_WORKBOOK_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            target.writestr(member, source.read(info.filename))
    return buffer.getvalue()


def _xml_safe(text: str) -> str:
    """``text`` without the control characters XML (and so XLSX) cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)


class _Sheet:
    """Writes rows down a worksheet and remembers how wide each column's cells are."""

    def __init__(self, ws: Any) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.ws = ws
        self.row = 1
        self.widths: dict[int, int] = {}
        self.bold = Font(bold=True)
        self.big = Font(bold=True, size=14)
        self.italic = Font(italic=True, color="FF5B6470")
        self.head_fill = PatternFill("solid", fgColor="FFF1F3F5")
        self.head_border = Border(bottom=Side(style="medium", color="FFAAB1BA"))
        self.notice_fill = PatternFill("solid", fgColor="FFFFF6D1")
        self.right = Alignment(horizontal="right")
        self.fills = {
            k: PatternFill("solid", fgColor="FF" + light[1:].upper())
            for k, (_, light) in _COLOURS.items()
        }
        self.frozen = False

    def text(self, column: int, value: str, *, measure: bool = True) -> Any:
        cell = self.ws.cell(row=self.row, column=column)
        cell.value = _xml_safe(value)
        # openpyxl takes any str starting with "=" for a formula; a text cell stays text.
        cell.data_type = "s"
        if measure:
            self.widths[column] = max(self.widths.get(column, 0), _display_width(value))
        return cell

    def number(self, column: int, value: int | Decimal, places: int) -> Any:
        cell = self.ws.cell(row=self.row, column=column)
        cell.value, _ = _xlsx_number(value)
        cell.number_format = "0" if places == 0 else "0." + "0" * places
        shown = cell_text(value) if places == 0 else f"{value:.{places}f}"
        self.widths[column] = max(self.widths.get(column, 0), len(shown))
        return cell

    def header(self, titles: Sequence[str], right: Collection[int] = ()) -> None:
        for i, title in enumerate(titles, start=1):
            cell = self.text(i, title)
            cell.font = self.bold
            cell.fill = self.head_fill
            cell.border = self.head_border
            if i in right:
                cell.alignment = self.right
        if not self.frozen:
            self.ws.freeze_panes = self.ws.cell(row=self.row + 1, column=1)
            self.frozen = True
        self.row += 1

    def status(self, column: int, value: Any, lang: str) -> None:
        if value is None:
            return
        cell = self.text(column, status_label(value, lang))
        fill = self.fills.get(_status_key(value))
        if fill is not None:
            cell.fill = fill

    def title(self, text: str, font: Any = None) -> None:
        self.text(1, text, measure=False).font = font or self.bold
        self.row += 1

    def finish(self) -> None:
        from openpyxl.utils import get_column_letter

        for column, width in sorted(self.widths.items()):
            self.ws.column_dimensions[get_column_letter(column)].width = min(50, max(8, width + 2))


def _places(values: Sequence[Any]) -> int:
    """Decimals to show for a column of numbers: those of the most precise one, at least 2 if any."""
    places = max((_xlsx_number(v)[1] for v in values if isinstance(v, (int, Decimal))), default=0)
    return 0 if places == 0 else max(2, places)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


def _xlsx_sheet(ws: Any, document: Document, section: Section) -> None:
    lang = document.lang
    sheet = _Sheet(ws)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    # A short header, so that the frozen rows above a table leave room for the table: the
    # title, then the subtitle and every meta pair on one line, then the synthetic notice.
    sheet.title(document.title, sheet.big)
    colon, semicolon = ("：", "；") if lang == "zh" else (": ", "; ")
    about = [document.subtitle] if document.subtitle else []
    about += [f"{label}{colon}{value}" for label, value in document.meta]
    if about:
        sheet.title(semicolon.join(about), sheet.italic)
    if document.synthetic:
        cell = sheet.text(1, word("synthetic", lang), measure=False)
        cell.font = sheet.bold
        cell.fill = sheet.notice_fill
        sheet.row += 1
    if section.title:
        sheet.title(section.title, sheet.big)
    for index, block in enumerate(section.blocks):
        if index:
            sheet.row += 1
        if isinstance(block, Paragraph):
            for line in block.text.splitlines() or [""]:
                sheet.text(1, line, measure=False)
                sheet.row += 1
            continue
        title = block.title
        if isinstance(block, (LineChart, BarChart)) and block.unit:
            title = f"{title} ({block.unit})"
        sheet.title(title)
        if isinstance(block, Table):
            _xlsx_table(sheet, block, lang)
        elif isinstance(block, LineChart):
            sheet.header(
                ["", *(name for name, _, _ in block.series)], set(range(2, len(block.series) + 2))
            )
            places = [_places(values) for _, values, _ in block.series]
            for i, x in enumerate(block.x):
                sheet.text(1, x)
                for j, (_, values, _) in enumerate(block.series):
                    value = _at(values, i)
                    if value is not None:
                        sheet.number(j + 2, value, places[j])
                sheet.row += 1
        elif isinstance(block, GridChart):
            sheet.header(["", *block.columns])
            for label, cells in zip(block.rows, block.cells, strict=False):
                sheet.text(1, label)
                for j, status in enumerate(cells):
                    sheet.status(j + 2, status, lang)
                sheet.row += 1
        elif isinstance(block, BarChart):
            sheet.header(["", _say("value", lang)], {2})
            places_bar = _places(block.values)
            for label, value in zip(block.labels, block.values, strict=False):
                sheet.text(1, label)
                sheet.number(2, value, places_bar)
                sheet.row += 1
    sheet.finish()


def _xlsx_table(sheet: _Sheet, table: Table, lang: str) -> None:
    columns = _columns(table, lang)
    sheet.header(
        [c.title for c in columns], {i for i, c in enumerate(columns, 1) if c.kind == "number"}
    )
    places = {
        c.key: _places([row.get(c.key) for row in table.rows])
        for c in columns
        if c.kind == "number"
    }
    for row in table.rows:
        for i, column in enumerate(columns, start=1):
            value = row.get(column.key)
            if value is None:
                continue
            if column.kind == "status":
                sheet.status(i, value, lang)
            elif column.kind == "evidence":
                sheet.text(i, evidence_text(value))
            elif _is_number(value):
                sheet.number(i, value, places.get(column.key, _places([value])))
            else:
                sheet.text(i, cell_text(value))
        sheet.row += 1
    if table.note:
        sheet.text(1, table.note, measure=False).font = sheet.italic
        sheet.row += 1
