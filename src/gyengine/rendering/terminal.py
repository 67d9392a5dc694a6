"""The ``terminal`` format: a report on a terminal.

Rich tables (CJK-aligned), status cells coloured on a terminal and plain when
piped; a grid chart as a row of squares per row (letters when there is no
colour), a bar chart as runs of ▇, a line chart as a small table. Every text
from the document goes through :func:`~gyengine.document.printable` first.

Options: ``width``, the columns to fit (default: the terminal's, 160 when
piped; CJK characters count two); ``compact`` (``1``), no blank lines around a
table or between a section's title and its first block, for a screen that must
fit one page.

Text wraps between Chinese characters but never inside a run of Latin letters
and digits (``GDP``, ``9月30日``'s ``30``, ``1,250.5``), and a closing mark
(，。）) stays on the line it closes. A Chinese document's grid marks its
cells with the status's first character (绿 关 黄 红), an English one with
letters (G W Y R).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, Final

import attrs

from ..document import (
    STATUSES,
    BarChart,
    Document,
    GridChart,
    LineChart,
    Paragraph,
    Table,
    cell_text,
    evidence_text,
    printable,
    word,
)
from .common import (
    display_width,
    say,
    status_key,
    status_label,
    table_columns,
    value_at,
    with_unit,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.containers import Lines
    from rich.text import Text

__all__ = ["TerminalDocumentRenderer"]

_TERMINAL_STYLE: Final = {
    "green": "green",
    "watch": "cyan",
    "yellow": "yellow",
    "red": "red",
    "pending": "bright_black",
}
_PLAIN_MARK: Final = {
    "zh": {"green": "绿", "watch": "关", "yellow": "黄", "red": "红", "pending": "待"},
    "en": {"green": "G", "watch": "W", "yellow": "Y", "red": "R", "pending": "-"},
}
"""A grid cell's mark when there is no colour, per language (a Chinese mark is two columns wide)."""

_TOKEN: Final = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9.,%_/+-]*[年月日周天个名家项次万亿元]?|\s+|.", re.DOTALL
)
"""What a line may not break inside: a run of Latin letters and digits (with the unit
that follows a number: 9月, 30日, 2个), a space, one character."""
_CLOSING: Final = frozenset("，。、；：！？）」』》”’,.;:!?)%")
_OPENING: Final = frozenset("（「『《“‘(")


def _marks(lang: str) -> dict[str, str]:
    return _PLAIN_MARK["zh" if lang.startswith("zh") else "en"]


def break_offsets(text: str, width: int) -> list[int]:
    """Where to break ``text`` into lines of ``width`` cells: between Chinese characters
    and at spaces, never inside a Latin word or a number, never before a closing mark or
    after an opening one; a word longer than a line is folded."""
    from rich.cells import cell_len, chop_cells

    tokens: list[tuple[int, str]] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        glued = tokens and not token.isspace() and not tokens[-1][1].isspace()
        if glued and (token[0] in _CLOSING or tokens[-1][1][-1] in _OPENING):
            start, previous = tokens[-1]
            tokens[-1] = (start, previous + token)
        else:
            tokens.append((match.start(), token))
    offsets: list[int] = []
    used = 0
    for start, token in tokens:
        size = cell_len(token)
        if token.isspace() or used + size <= width:
            used += size
            continue
        if used and start:
            offsets.append(start)
        used = size
        if size > width:
            pieces = chop_cells(token, width)
            for piece in pieces[:-1]:
                start += len(piece)
                offsets.append(start)
            used = cell_len(pieces[-1])
    return offsets


def _text_class() -> type[Text]:
    """rich's ``Text`` wrapping by :func:`break_offsets` (rich itself folds inside words)."""
    from rich.containers import Lines
    from rich.text import Text

    class WrappedText(Text):
        def wrap(self, console: Console, width: int, **options: Any) -> Lines:
            if options.get("no_wrap") or self.no_wrap:
                return super().wrap(console, width, **options)
            overflow = options.get("overflow") or self.overflow or "fold"
            justify = options.get("justify") or self.justify or "default"
            lines = Lines()
            for line in self.split(allow_blank=True):
                parts = line.divide(break_offsets(line.plain, width))
                for part in parts:
                    part.rstrip_end(width)
                parts.justify(console, width, justify=justify, overflow=overflow)
                for part in parts:
                    part.truncate(width, overflow=overflow)
                lines.extend(parts)
            return lines

    return WrappedText


@attrs.frozen
class TerminalDocumentRenderer:
    """A report on a terminal: rich tables, coloured statuses (plain when piped), charts as text."""

    name: str = "terminal"
    description: str = "terminal: tables and text charts, coloured on a terminal"

    def render(self, document: Document, output: IO[str], options: Any = None) -> None:
        from rich.console import Console
        from rich.text import Text

        # markup=False, emoji=False: titles and cells come from events and are shown as written.
        console = Console(
            file=output,
            # Piped: wide enough for a report's tables without folding every text column.
            width=_width(options) or (None if output.isatty() else 160),
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
        colon = "：" if lang == "zh" else ": "
        for label, value in document.meta:
            console.print(Text.assemble((f"{label}{colon}", "dim"), value))
        if document.synthetic:
            console.print(Text(word("synthetic", lang), style="bold yellow"))
        shortened = False
        compact = (options or {}).get("compact") == "1"
        for section in document.sections:
            console.print()
            console.rule(Text(section.title, style="bold"), align="left")
            for index, block in enumerate(section.blocks):
                if not (compact and index == 0):
                    console.print()
                if isinstance(block, Table):
                    shortened |= _terminal_table(console, block, lang, compact)
                elif isinstance(block, Paragraph):
                    console.print(_text_class()(block.text))
                elif isinstance(block, LineChart):
                    _terminal_lines(console, block, lang)
                elif isinstance(block, GridChart):
                    _terminal_grid(console, block, lang, coloured)
                elif isinstance(block, BarChart):
                    _terminal_bars(console, block, lang)
        if shortened:
            console.print()
            console.print(Text(say("evidence-note", lang), style="dim"))


def _width(options: Any) -> int | None:
    """The ``width`` option as a number of columns (None when not given)."""
    text = (options or {}).get("width")
    if text is None:
        return None
    try:
        width = int(text)
    except ValueError:
        raise ValueError(f"terminal: width {text!r} is not a number of columns") from None
    if width < 20:
        raise ValueError(f"terminal: width {width} is too narrow (20 columns at least)")
    return width


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


def _terminal_table(console: Any, table: Table, lang: str, compact: bool = False) -> bool:
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    columns = table_columns(table, lang)
    wrapped = _text_class()
    shortened = False
    rows: list[list[Any]] = []
    for row in table.rows:
        cells = []
        for column in columns:
            value = row.get(column.key)
            if column.kind == "status":
                style = _TERMINAL_STYLE.get(status_key(value), "")
                cells.append(Text(status_label(value, lang), style=style))
            elif column.kind == "evidence":
                text, cut = _short_seqs(value)
                shortened |= cut
                cells.append(Text(text, style="dim"))
            else:
                cells.append(wrapped(cell_text(value)))
        rows.append(cells)
    out = RichTable(
        title=Text(table.title, style="bold") if table.title or not compact else None,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        header_style="bold",
        show_edge=not compact,
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
        console.print(wrapped(table.note, style="dim"))
    return shortened


def _terminal_lines(console: Any, chart: LineChart, lang: str) -> None:
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    title = with_unit(chart.title, chart.unit, lang)
    out = RichTable(title=Text(title, style="bold"), title_justify="left", box=box.SIMPLE_HEAD)
    out.add_column("")
    for name, _, style in chart.series:
        out.add_column(Text(name, style="dim" if style == "dashed" else ""), justify="right")
    for i, x in enumerate(chart.x):
        out.add_row(
            Text(x), *[Text(cell_text(value_at(values, i))) for _, values, _ in chart.series]
        )
    console.print(out)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def _terminal_grid(console: Any, chart: GridChart, lang: str, coloured: bool) -> None:
    from rich.text import Text

    console.print(Text(chart.title, style="bold"))
    width = max((display_width(label) for label in chart.rows), default=0)
    if chart.columns:
        console.print(
            Text(_pad("", width) + "  " + f"{chart.columns[0]} … {chart.columns[-1]}", style="dim")
        )
    seen: set[str | None] = set()
    for label, cells in zip(chart.rows, chart.cells, strict=False):
        line = Text(_pad(label, width) + "  ")
        for status in cells:
            seen.add(status)
            key = status_key(status)
            if status is None:
                line.append("·", style="dim")
            elif coloured:
                line.append("■", style=_TERMINAL_STYLE.get(key, ""))
            else:
                line.append(_marks(lang).get(key, "?"))
        console.print(line)
    legend = Text(f"{say('legend', lang)}{'：' if lang == 'zh' else ': '}", style="dim")
    for status in (*STATUSES, None):
        if status not in seen:
            continue
        if status is None:
            legend.append("·", style="dim")
            legend.append(f" {word('none', lang)}  ")
        elif coloured:
            legend.append("■", style=_TERMINAL_STYLE[status])
            legend.append(f" {say(status, lang)}  ")
        else:
            mark, name = _marks(lang)[status], say(status, lang)
            # 绿, 关注: a Chinese word that begins with its mark is its own legend.
            legend.append(f"{name}  " if name.startswith(mark) else f"{mark} {name}  ")
    if any(s is not None and s not in STATUSES for s in seen):
        legend.append("? " + ", ".join(sorted(str(s) for s in seen if s and s not in STATUSES)))
    console.print(legend)


def _terminal_bars(console: Any, chart: BarChart, lang: str) -> None:
    from rich.text import Text

    title = with_unit(chart.title, chart.unit, lang)
    console.print(Text(title, style="bold"))
    width = max((display_width(label) for label in chart.labels), default=0)
    top = max((abs(v) for v in chart.values), default=Decimal(0)) or Decimal(1)
    for label, value in zip(chart.labels, chart.values, strict=False):
        run = int((abs(value) / top * 40).to_integral_value())
        line = Text(_pad(label, width) + "  ")
        line.append("▇" * run, style="red" if value < 0 else "blue")
        line.append(f" {cell_text(value)}")
        console.print(line)
