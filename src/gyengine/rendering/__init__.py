"""Renderers: how a report document becomes text or a file.

One protocol, :class:`Renderer`: ``render(document, output, options)`` writes a
:class:`~gyengine.Document`. Each built-in format has its module, imported only
when its renderer is used:

- :mod:`.terminal`, :mod:`.markdown`, :mod:`.html` (with the SVG charts in
  :mod:`.charts` and the stylesheet in the package data file ``report.css``),
  :mod:`.csv_format`, :mod:`.xlsx`, :mod:`.json_format`: the ``--format``
  choices of ``gyengine report``;
- :mod:`.scoreboard`: gyengine's own report kind ``results``, the table of
  ``gyengine replay --all``.

A replay's records as data (``gyengine replay --format json|csv``) are not
rendered but exported: :mod:`gyengine.exports`.

Plugins add renderers through the ``register_renderers`` hook; a plugin's
renderer with the name of a built-in one replaces it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

from ..lazy import lazy_exports

if TYPE_CHECKING:
    from ..document import Document
    from .csv_format import CsvDocumentRenderer
    from .html import HtmlDocumentRenderer
    from .json_format import DocumentJsonRenderer
    from .markdown import MarkdownDocumentRenderer
    from .terminal import TerminalDocumentRenderer
    from .xlsx import XlsxDocumentRenderer

__all__ = [
    "BUILTIN_RENDERERS",
    "CsvDocumentRenderer",
    "DocumentJsonRenderer",
    "DocumentRenderer",
    "HtmlDocumentRenderer",
    "MarkdownDocumentRenderer",
    "Renderer",
    "TerminalDocumentRenderer",
    "XlsxDocumentRenderer",
    "builtin_renderers",
    "is_binary",
]


@runtime_checkable
class Renderer(Protocol):
    """Writes a report document to a stream.

    A renderer may also say ``binary = True`` (an XLSX workbook, a PDF): it is
    then given a binary stream, and a text one otherwise.
    """

    @property
    def name(self) -> str:
        """The ``--format`` choice of ``gyengine report`` (and ``gyengine replay``)."""
        ...

    @property
    def description(self) -> str:
        """One line for help texts."""
        ...

    def render(
        self, document: Document, output: IO[Any], options: Mapping[str, str] | None = None
    ) -> None:
        """Write ``document`` to ``output``; ``options`` are the caller's (``bom``, ``width``)."""
        ...


DocumentRenderer = Renderer
"""The former name of :class:`Renderer`, when there were two kinds of renderer."""


def is_binary(renderer: Renderer) -> bool:
    """Whether ``renderer`` writes bytes (its optional ``binary`` attribute)."""
    return getattr(renderer, "binary", False) is True


# The registry: every built-in renderer's class and its module, in the order
# they are registered.
BUILTIN_RENDERERS: Final[Mapping[str, str]] = {
    "TerminalDocumentRenderer": ".terminal",
    "MarkdownDocumentRenderer": ".markdown",
    "HtmlDocumentRenderer": ".html",
    "CsvDocumentRenderer": ".csv_format",
    "XlsxDocumentRenderer": ".xlsx",
    "DocumentJsonRenderer": ".json_format",
}


def builtin_renderers() -> list[Renderer]:
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
