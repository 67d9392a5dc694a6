"""gyengine's own plugin: the built-in replay renderers (table, JSON, CSV, Markdown)."""

from __future__ import annotations

from typing import Any

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
        DocumentJsonRenderer(),
    ]
