"""Compatibility: the renderers now live in :mod:`gyengine.rendering`.

Kept so that ``from gyengine.render import ...`` goes on working for what
still exists; new code imports from :mod:`gyengine.rendering`. The replay
renderers of before (table, JSON, CSV, Markdown) are gone: the table and
Markdown are the report kind ``results`` (:mod:`gyengine.rendering.scoreboard`),
JSON and CSV the exports of :mod:`gyengine.exports`.
"""

from __future__ import annotations

from .rendering import Renderer
from .rendering.json_format import DocumentJsonRenderer
from .rendering.scoreboard import COLUMNS, latest_scores, natural_key, neutralise_formula

__all__ = [
    "COLUMNS",
    "DocumentJsonRenderer",
    "Renderer",
    "latest_scores",
    "natural_key",
    "neutralise_formula",
]
