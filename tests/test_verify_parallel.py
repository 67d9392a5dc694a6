"""verify() in several processes names the same first problem as verify() in one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import attrs
import pytest

import gyengine
from gyengine import NewEvent, SQLiteEventStore
from gyengine.canonical import event_hash, row_envelope


@attrs.frozen
class Tick:
    """A counter ticked."""

    n: int


def build(path: Path) -> None:
    """40 events over three streams."""

    class Plugin:
        __name__ = "ticks"

        @gyengine.hookimpl
        def register_event_types(self) -> list[type]:
            return [Tick]

    manager = gyengine.get_plugin_manager(entry_points=False, plugins=[Plugin()])
    with gyengine.Engine(SQLiteEventStore(path, create=True), manager) as engine:
        engine.append(NewEvent(type="Tick", stream=f"s{n % 3}", data=Tick(n)) for n in range(40))


def rechain(path: Path, start: int) -> None:
    """Recompute every hash from ``start`` on, as a tamperer covering their tracks would."""
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT * FROM events WHERE seq >= ? ORDER BY seq", (start,)).fetchall()
    prev = conn.execute("SELECT hash FROM events WHERE seq = ?", (start - 1,)).fetchone()[0]
    for row in rows:
        fixed = (*row[:11], prev)
        digest = event_hash(row_envelope(fixed))
        conn.execute(
            "UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, row[0])
        )
        prev = digest
    conn.commit()
    conn.close()


def tamper(path: Path, case: str) -> None:
    conn = sqlite3.connect(path)
    if case == "hash-first-half":
        conn.execute("UPDATE events SET actor = 'x' WHERE seq = 5")
    elif case == "hash-second-half":
        conn.execute("UPDATE events SET actor = 'x' WHERE seq = 33")
    elif case == "gap-at-the-boundary":
        conn.execute("DELETE FROM events WHERE seq = 21")
    elif case == "gap-at-the-end-of-a-range":
        conn.execute("DELETE FROM events WHERE seq = 20")
    conn.commit()
    conn.close()
    if case == "version-across-ranges":
        # Stream s0's first row in the second range claims a version it skips to.
        conn = sqlite3.connect(path)
        conn.execute("UPDATE events SET version = version + 100 WHERE seq = 22")
        conn.commit()
        conn.close()
        rechain(path, 22)


CASES = [
    "clean",
    "hash-first-half",
    "hash-second-half",
    "gap-at-the-boundary",
    "gap-at-the-end-of-a-range",
    "version-across-ranges",
]


@pytest.mark.parametrize("case", CASES, ids=CASES)
def test_parallel_verify_agrees_with_serial(tmp_path: Path, case: str) -> None:
    """Two processes find the same first problem (or none) and the same head as one process."""
    path = tmp_path / "t.db"
    build(path)
    tamper(path, case)
    with SQLiteEventStore(path) as store:
        serial = store.verify(workers=1)
        parallel = store.verify(workers=2)
    assert parallel == serial
    if case == "clean":
        assert serial.ok
        assert serial.checked == 40
    else:
        assert serial.problem is not None
    if case == "version-across-ranges":
        assert serial.problem is not None
        assert (serial.problem.seq, serial.problem.kind) == (22, "version")
