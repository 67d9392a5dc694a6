"""gyengine's own plugin: the built-in replay renderers (table, JSON, CSV, Markdown)."""

from __future__ import annotations

from .hookspecs import hookimpl
from .render import CsvRenderer, JsonRenderer, MarkdownRenderer, Renderer, TableRenderer


@hookimpl
def register_renderers() -> list[Renderer]:
    return [TableRenderer(), JsonRenderer(), CsvRenderer(), MarkdownRenderer()]
