"""gyengine's own plugin: the built-in renderers.

Replay renderers (table, JSON, CSV, Markdown) and document renderers (terminal,
Markdown, HTML, CSV, XLSX, JSON), registered the way a plugin would; the list
is :data:`gyengine.rendering.BUILTIN_RENDERERS`.
"""

from __future__ import annotations

from typing import Any

from .hookspecs import hookimpl


@hookimpl
def register_renderers() -> list[Any]:
    # Imported here, not at the top: loading plugins (for `gyengine --help`) must
    # not pay for the renderers' modules.
    from .rendering import builtin_renderers

    return builtin_renderers()
