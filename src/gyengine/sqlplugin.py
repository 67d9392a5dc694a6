"""A datasette and sqlite-utils plugin: the SQL function the ``results`` and ``evidence`` views need.

Saved runs keep their results in zlib-compressed packs (:mod:`gyengine.runs`);
the views read them with ``sqlar_uncompress(body, size)``, which the ``sqlite3``
shell has built in. Installed with gyengine, this module gives the function to
every connection datasette or sqlite-utils opens (their ``prepare_connection``
hook, through the ``datasette`` and ``sqlite_utils`` entry points), so::

    datasette county.db          # browse runs, results, evidence
    sqlite-utils county.db "select subject, metric, value from results where run_id = 3"

Neither program is a dependency of gyengine; pluggy (which both use) is.
"""

from __future__ import annotations

import sqlite3

import pluggy

from .runs import register_functions

__all__ = ["prepare_connection"]


@pluggy.HookimplMarker("datasette")
@pluggy.HookimplMarker("sqlite_utils")
def prepare_connection(conn: sqlite3.Connection) -> None:
    """Register ``sqlar_uncompress`` on a connection datasette or sqlite-utils opened."""
    register_functions(conn)
