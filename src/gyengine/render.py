"""Compatibility: the renderers now live in :mod:`gyengine.rendering`.

Kept so that ``from gyengine.render import ...`` goes on working; new code
imports from :mod:`gyengine.rendering` (the replay scoreboard is
:mod:`gyengine.rendering.scoreboard`).
"""

from __future__ import annotations

from .rendering import Renderer
from .rendering.json_format import DocumentJsonRenderer
from .rendering.scoreboard import (
    COLUMNS,
    CsvRenderer,
    JsonRenderer,
    MarkdownRenderer,
    TableRenderer,
    latest_scores,
    natural_key,
    neutralise_formula,
)

__all__ = [
    "COLUMNS",
    "CsvRenderer",
    "DocumentJsonRenderer",
    "JsonRenderer",
    "MarkdownRenderer",
    "Renderer",
    "TableRenderer",
    "latest_scores",
    "natural_key",
    "neutralise_formula",
]
