"""gyengine's own plugin: the built-in renderers.

Replay renderers (table, JSON, CSV, Markdown) and document renderers (terminal,
Markdown, HTML, CSV, XLSX, JSON), registered the way a plugin would.
"""

from __future__ import annotations

from typing import Any

from .hookspecs import hookimpl


@hookimpl
def register_renderers() -> list[Any]:
    # Imported here, not at the top: loading plugins (for `gyengine --help`) must
    # not pay for the renderers' modules.
    from .docrender import (
        CsvDocumentRenderer,
        HtmlDocumentRenderer,
        MarkdownDocumentRenderer,
        TerminalDocumentRenderer,
        XlsxDocumentRenderer,
    )
    from .render import (
        CsvRenderer,
        DocumentJsonRenderer,
        JsonRenderer,
        MarkdownRenderer,
        TableRenderer,
    )

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
