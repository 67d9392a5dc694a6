"""Compatibility: the document renderers now live in :mod:`gyengine.rendering`, a module per format.

Kept so that ``from gyengine.docrender import ...`` goes on working; new code
imports from :mod:`gyengine.rendering` (or its format modules).
"""

from __future__ import annotations

from .rendering.charts import nice_ticks
from .rendering.common import status_label
from .rendering.csv_format import CsvDocumentRenderer
from .rendering.html import HtmlDocumentRenderer
from .rendering.markdown import MarkdownDocumentRenderer, md_escape, md_paragraph
from .rendering.terminal import TerminalDocumentRenderer
from .rendering.xlsx import XlsxDocumentRenderer, sheet_names

__all__ = [
    "CsvDocumentRenderer",
    "HtmlDocumentRenderer",
    "MarkdownDocumentRenderer",
    "TerminalDocumentRenderer",
    "XlsxDocumentRenderer",
    "md_escape",
    "md_paragraph",
    "nice_ticks",
    "sheet_names",
    "status_label",
]
