"""The ``json`` format: a report document as JSON (byte-stable).

The header, the sections and every block with its type, exact numbers as
decimal strings and the evidence of every row (:func:`~gyengine.document.document_json`).
"""

from __future__ import annotations

import json
from typing import IO, Any

import attrs

__all__ = ["DocumentJsonRenderer"]


@attrs.frozen
class DocumentJsonRenderer:
    """A report document as JSON: header, sections, tables with their evidence (byte-stable)."""

    name: str = "json"
    description: str = "JSON: the whole report document"

    def render(self, document: Any, output: IO[str], options: Any = None) -> None:
        from ..document import document_json

        json.dump(document_json(document), output, ensure_ascii=False, indent=2)
        output.write("\n")
