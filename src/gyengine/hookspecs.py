"""The hooks a gyengine plugin can implement.

``register_*`` hooks return lists (datasette's convention); gyengine collects
the lists of every plugin and sorts what it gets by stable keys, so the order in
which pluggy calls plugins never shows in any output.
"""

from __future__ import annotations

from typing import Any

import pluggy

__all__ = ["hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("gyengine")
hookimpl = pluggy.HookimplMarker("gyengine")


@hookspec
def register_event_types() -> list[type]:  # type: ignore[empty-body]
    """Return the payload classes (frozen attrs classes) this plugin defines.

    Each registers under the name and schema given by :func:`gyengine.event_type`,
    or its class name at schema 1. Two plugins registering one name is an error.
    """


@hookspec
def register_upcasters() -> list[tuple[str, int, Any]]:  # type: ignore[empty-body]
    """Return ``(type name, from schema, function)`` triples.

    Each function takes a payload dict of schema ``from schema`` and returns the
    dict of schema ``from schema + 1``; stored rows are never rewritten.
    """
