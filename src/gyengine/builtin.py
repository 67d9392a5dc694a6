"""gyengine's own plugin: the built-in renderers.

Replay renderers (table, JSON, CSV, Markdown) and document renderers (terminal,
Markdown, HTML, CSV, XLSX, JSON), registered the way a plugin would.
"""

from __future__ import annotations

from typing import Any

from .docrender import (
    CsvDocumentRenderer,
    HtmlDocumentRenderer,
    MarkdownDocumentRenderer,
    TerminalDocumentRenderer,
    XlsxDocumentRenderer,
)
from .hookspecs import hookimpl
from .render import (
    CsvRenderer,
    DocumentJsonRenderer,
    JsonRenderer,
    MarkdownRenderer,
    TableRenderer,
)


@hookimpl
def register_renderers() -> list[Any]:
    return [
        TableRenderer(),
        JsonRenderer(),
        CsvRenderer(),
        MarkdownRenderer(),
        TerminalDocumentRenderer(),
        MarkdownDocumentRenderer(),
        HtmlDocumentRenderer(),
        CsvDocumentRenderer(),
        XlsxDocumentRenderer(),
        DocumentJsonRenderer(),
    ]
