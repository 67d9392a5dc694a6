"""The ``html`` format: one self-contained HTML file.

No script, no external resource (a Content-Security-Policy forbids both);
readable on a phone (tables and wide charts scroll inside their own box) and
printable on A4 (a page per section, rows never split). The stylesheet is the
package data file ``report.css``, written inline; charts are inline SVG
(:mod:`gyengine.rendering.charts`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib import resources
from typing import IO, Any, Final

import attrs

from ..document import (
    Block,
    Document,
    GridChart,
    LineChart,
    Paragraph,
    Section,
    Table,
    cell_text,
    evidence_text,
    word,
)
from .charts import escape, svg_bars, svg_grid, svg_lines
from .common import status_key, status_label, table_columns

__all__ = ["HtmlDocumentRenderer", "stylesheet"]


@functools.cache
def stylesheet() -> str:
    """The report's CSS (the package data file ``report.css``), read once."""
    return resources.files("gyengine.rendering").joinpath("report.css").read_text(encoding="utf-8")


# No script, no network: even if some text escaped its escaping, the browser would refuse to run
# or fetch anything.
_CSP: Final = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


@attrs.frozen
class HtmlDocumentRenderer:
    """A report as one self-contained HTML file: responsive, printable on A4, charts as inline SVG."""

    name: str = "html"
    description: str = "HTML: one self-contained page, readable on a phone, printable on A4"

    def render(self, document: Document, output: IO[str], options: Any = None) -> None:
        lang = document.lang
        out: list[str] = [
            "<!DOCTYPE html>\n",
            f'<html lang="{"zh-CN" if lang == "zh" else escape(lang)}">\n<head>\n<meta charset="utf-8">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f'<meta http-equiv="Content-Security-Policy" content="{escape(_CSP)}">\n',
            '<meta name="referrer" content="no-referrer">\n',
            f"<title>{escape(document.title)}</title>\n<style>\n{stylesheet()}</style>\n</head>\n<body>\n",
            "<header>\n",
            f"<h1>{escape(document.title)}</h1>\n",
        ]
        if document.subtitle:
            out.append(f'<p class="subtitle">{escape(document.subtitle)}</p>\n')
        if document.synthetic:
            out.append(f'<p class="notice" role="note">{escape(word("synthetic", lang))}</p>\n')
        if document.meta:
            out.append('<dl class="meta">\n')
            for label, value in document.meta:
                out.append(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>\n")
            out.append("</dl>\n")
        out.append("</header>\n")
        anchors = _anchors(document.sections)
        if len(document.sections) > 1:
            out.append(f'<nav aria-label="{escape(word("contents", lang))}">\n')
            out.append(f"<h2>{escape(word('contents', lang))}</h2>\n<ol>\n")
            for section, anchor in zip(document.sections, anchors, strict=True):
                out.append(f'<li><a href="#{escape(anchor)}">{escape(section.title)}</a></li>\n')
            out.append("</ol>\n</nav>\n")
        out.append("<main>\n")
        for section, anchor in zip(document.sections, anchors, strict=True):
            out.append(f'<section id="{escape(anchor)}">\n<h2>{escape(section.title)}</h2>\n')
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
            "<p>" + "<br>\n".join(escape(line) for line in p.split("\n")) + "</p>\n"
            for p in paragraphs
        )
    if isinstance(block, Table):
        return _html_table(block, lang)
    if isinstance(block, LineChart):
        return svg_lines(block, lang)
    if isinstance(block, GridChart):
        return svg_grid(block, lang)
    return svg_bars(block, lang)


def _html_table(table: Table, lang: str) -> str:
    columns = table_columns(table, lang)
    out = [f"<h3>{escape(table.title)}</h3>\n", '<div class="scroll">\n<table>\n<thead><tr>']
    for column in columns:
        cls = ' class="num"' if column.kind == "number" else ""
        out.append(f'<th scope="col"{cls}>{escape(column.title)}</th>')
    out.append("</tr></thead>\n<tbody>\n")
    for row in table.rows:
        anchor = str(row.get(table.anchor) or "") if table.anchor else ""
        out.append(f'<tr id="{escape(anchor)}">' if anchor else "<tr>")
        for column in columns:
            value = row.get(column.key)
            if column.link and value not in (None, ""):
                target = escape(column.link + cell_text(value))
                out.append(
                    f'<td class="ref"><a href="#{target}">{escape(cell_text(value))}</a></td>'
                )
            elif column.kind == "status":
                key = status_key(value)
                out.append(
                    f'<td class="st st-{key}"><span class="sw" aria-hidden="true"></span>'
                    f"{escape(status_label(value, lang))}</td>"
                )
            elif column.kind == "number":
                out.append(f'<td class="num">{escape(cell_text(value))}</td>')
            elif column.kind == "evidence":
                out.append(f'<td class="ev">{escape(evidence_text(value))}</td>')
            else:
                out.append(f"<td>{escape(cell_text(value))}</td>")
        out.append("</tr>\n")
    out.append("</tbody>\n</table>\n</div>\n")
    if table.note:
        out.append(f'<p class="note">{escape(table.note)}</p>\n')
    return "".join(out)
