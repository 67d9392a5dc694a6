"""Fresh PostgreSQL databases for tests: one per store, dropped after, skipped without a server.

The server is ``$GYENGINE_TEST_POSTGRES`` (an admin URL), by default the one
this project's machines run: ``postgresql://postgres@127.0.0.1:5432/postgres``.
Dropping a database makes the server checkpoint (about half a second), so an
empty database a test is done with is wiped (its schema dropped and made
again, a few milliseconds) and handed to the next test that asks for one; the
databases are dropped at the end of the run, in a background thread. Copies of
a template are dropped after use, also in the background.
"""

from __future__ import annotations

import atexit
import functools
import os
import queue
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

ADMIN_URL = os.environ.get(
    "GYENGINE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SERVER = ADMIN_URL.split("@")[-1].rsplit("/", 1)[0]

_created: list[str] = []
_templated: set[str] = set()
_pool: list[str] = []
_drops: queue.Queue[str | None] = queue.Queue()


@functools.cache
def _admin() -> Any:
    """An autocommit connection to the server's maintenance database, or the reason there is none."""
    try:
        import psycopg
    except ImportError as error:
        return f"psycopg is not installed ({error})"
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.Error as error:
        return " ".join(str(error).split())
    atexit.register(admin.close)  # closed, not left to the collector's ResourceWarning at exit
    return admin


def require_server() -> Any:
    """The admin connection; skips the test where no server answers."""
    admin = _admin()
    if isinstance(admin, str):
        pytest.skip(f"no PostgreSQL server at {SERVER}: {admin}")
    return admin


def url_of(name: str) -> str:
    return f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def create_database(template: str | None = None) -> str:
    """A new empty database (or a copy of ``template``); its URL. Dropped by :func:`release`."""
    admin = require_server()
    _start_dropper()  # registers the drop of every database at exit
    if template is None and _pool:
        name = _pool.pop()
    else:
        name = f"gyengine_test_{secrets.token_hex(6)}"
        copy = f" TEMPLATE {template}" if template else ""
        admin.execute(f"CREATE DATABASE {name}{copy}")
        if template:
            _templated.add(name)
    _created.append(name)
    return url_of(name)


def _give_back(name: str) -> None:
    """Wipe a database a test is done with for the next one; drop a template's copy."""
    import psycopg

    if name not in _templated:
        try:
            with psycopg.connect(url_of(name), autocommit=True) as conn:
                conn.execute("DROP SCHEMA public CASCADE")
                conn.execute("CREATE SCHEMA public")
            _pool.append(name)
            return
        except psycopg.Error:
            pass  # still in use, say: drop it instead
    _templated.discard(name)
    _drops.put(name)


def release() -> None:
    """Give back every database handed out so far."""
    while _created:
        _give_back(_created.pop())


@contextmanager
def database(template: str | None = None) -> Iterator[str]:
    """A fresh database for the ``with`` block."""
    url = create_database(template)
    try:
        yield url
    finally:
        name = url.rsplit("/", 1)[1]
        if name in _created:
            _created.remove(name)
            _give_back(name)


@functools.cache
def _start_dropper() -> threading.Thread:
    # Its own connection: the tests' admin connection is not shared between threads.
    thread = threading.Thread(target=_dropper, daemon=True)
    thread.start()

    def finish() -> None:
        release()
        while _pool:
            _drops.put(_pool.pop())
        _drops.put(None)
        thread.join(timeout=600)

    atexit.register(finish)
    return thread


def _dropper() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        while True:
            name = _drops.get()
            if name is None:
                return
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
