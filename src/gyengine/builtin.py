"""gyengine's own plugin: the built-in renderers, exports and report kind.

The renderers of report documents (terminal, Markdown, HTML, CSV, XLSX, JSON;
the list is :data:`gyengine.rendering.BUILTIN_RENDERERS`), the exports of a
replay (JSON, CSV) and the report kind ``results``, registered the way a
plugin would; a plugin's of the same name replaces each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .hookspecs import hookimpl

if TYPE_CHECKING:
    from .exports import Export
    from .rendering import Renderer
    from .reports import ReportKind

# Imports inside the hooks, not at the top: loading plugins (for `gyengine
# --help`) must not pay for the renderers' modules.


@hookimpl
def register_renderers() -> list[Renderer]:
    from .rendering import builtin_renderers

    return builtin_renderers()


@hookimpl
def register_exports() -> list[Export]:
    from .exports import builtin_exports

    return builtin_exports()


@hookimpl
def register_reports() -> list[ReportKind]:
    from .rendering.scoreboard import RESULTS_KIND

    return [RESULTS_KIND]
