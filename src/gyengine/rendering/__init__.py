"""Renderers: how a replay or a report document becomes text or a file.

The renderer protocols and the registry of gyengine's built-in renderers.
Each format has its module, imported only when its renderer is used:

- :mod:`.terminal`, :mod:`.markdown`, :mod:`.html` (with the SVG charts in
  :mod:`.charts` and the stylesheet in the package data file ``report.css``),
  :mod:`.csv_format`, :mod:`.xlsx`, :mod:`.json_format`: a
  :class:`~gyengine.Document` (the ``--format`` choices of ``gyengine report``);
- :mod:`.scoreboard`: a :class:`~gyengine.Replay` as a table, JSON, CSV or
  Markdown (the ``--format`` choices of ``gyengine replay``).

Plugins add renderers through the ``register_renderers`` hook; a plugin's
renderer with the name of a built-in one of its kind replaces it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

from ..lazy import lazy_exports

if TYPE_CHECKING:
    from ..document import Document
    from ..replay import Replay
    from .csv_format import CsvDocumentRenderer
    from .html import HtmlDocumentRenderer
    from .json_format import DocumentJsonRenderer
    from .markdown import MarkdownDocumentRenderer
    from .scoreboard import CsvRenderer, JsonRenderer, MarkdownRenderer, TableRenderer
    from .terminal import TerminalDocumentRenderer
    from .xlsx import XlsxDocumentRenderer

__all__ = [
    "BUILTIN_RENDERERS",
    "CsvDocumentRenderer",
    "CsvRenderer",
    "DocumentJsonRenderer",
    "DocumentRenderer",
    "HtmlDocumentRenderer",
    "JsonRenderer",
    "MarkdownDocumentRenderer",
    "MarkdownRenderer",
    "Renderer",
    "TableRenderer",
    "TerminalDocumentRenderer",
    "XlsxDocumentRenderer",
    "builtin_renderers",
]


@runtime_checkable
class Renderer(Protocol):
    """Writes a replay to a text stream (``kind`` absent or ``"replay"``)."""

    @property
    def name(self) -> str:
        """The ``--format`` choice of ``gyengine replay``."""
        ...

    @property
    def description(self) -> str:
        """One line for help texts."""
        ...

    def render(self, replay: Replay, output: IO[str]) -> None:
        """Write ``replay`` to ``output``."""
        ...


@runtime_checkable
class DocumentRenderer(Protocol):
    """Writes a report document (``kind = "document"``); ``binary = True`` ones get a binary stream."""

    @property
    def name(self) -> str:
        """The ``--format`` choice of ``gyengine report``."""
        ...

    @property
    def description(self) -> str:
        """One line for help texts."""
        ...

    @property
    def kind(self) -> str:
        """``"document"``."""
        ...

    def render(
        self, document: Document, output: IO[Any], options: Mapping[str, str] | None = None
    ) -> None:
        """Write ``document`` to ``output``; ``options`` are the command's (``bom``)."""
        ...


# The registry: every built-in renderer's class and its module, in the order
# they are registered (the scoreboard's four, then the report formats).
BUILTIN_RENDERERS: Final[Mapping[str, str]] = {
    "TableRenderer": ".scoreboard",
    "JsonRenderer": ".scoreboard",
    "CsvRenderer": ".scoreboard",
    "MarkdownRenderer": ".scoreboard",
    "TerminalDocumentRenderer": ".terminal",
    "MarkdownDocumentRenderer": ".markdown",
    "HtmlDocumentRenderer": ".html",
    "CsvDocumentRenderer": ".csv_format",
    "XlsxDocumentRenderer": ".xlsx",
    "DocumentJsonRenderer": ".json_format",
}


def builtin_renderers() -> list[Any]:
    """An instance of every built-in renderer (importing each format's module now)."""
    return [
        getattr(importlib.import_module(module, __name__), name)()
        for name, module in BUILTIN_RENDERERS.items()
    ]


_exports = lazy_exports(
    __name__,
    BUILTIN_RENDERERS,
    (
        "charts",
        "common",
        "csv_format",
        "html",
        "json_format",
        "markdown",
        "scoreboard",
        "terminal",
        "xlsx",
    ),
)


def __getattr__(name: str) -> Any:
    return _exports(name)
