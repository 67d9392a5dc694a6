"""The ``markdown`` format: headings, pipe tables, charts as tables.

Text is escaped so that nothing in it becomes a link, markup or raw HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import IO, Any, Final

import attrs

from ..document import (
    BarChart,
    Block,
    Column,
    Document,
    GridChart,
    LineChart,
    Paragraph,
    Table,
    cell_text,
    evidence_text,
    word,
)
from .common import say, status_label, table_columns, value_at, with_unit

__all__ = ["MarkdownDocumentRenderer", "md_escape", "md_paragraph"]

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

    def render(self, document: Document, output: IO[str], options: Any = None) -> None:
        lang = document.lang
        output.write(f"# {md_escape(document.title)}\n\n")
        if document.subtitle:
            output.write(f"{md_paragraph(document.subtitle)}\n\n")
        if document.synthetic:
            output.write(f"> **{md_escape(word('synthetic', lang))}**\n\n")
        colon = "：" if lang == "zh" else ": "
        for label, value in document.meta:
            output.write(f"- {md_escape(label)}{colon}{md_escape(value)}\n")
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
    if isinstance(block, (LineChart, BarChart)):
        title = with_unit(title, block.unit, lang)
    if title:  # an untitled table is the section's own
        output.write(f"### {md_escape(title)}\n\n")
    if isinstance(block, Table):
        columns = table_columns(block, lang)
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
                [x, *(cell_text(value_at(values, i)) for _, values, _ in block.series)]
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
            ["", say("value", lang)],
            (
                [label, cell_text(value)]
                for label, value in zip(block.labels, block.values, strict=False)
            ),
            {1},
        )


def _plain(value: Any, column: Column) -> str:
    if column.kind == "evidence":
        return evidence_text(value)
    return cell_text(value)
