"""The hash chain: valid logs verify, and any single change made behind the store's back is found at its row.

Changes are made the way an attacker or a stray tool would: with plain
``sqlite3`` on a separate connection.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import assume, event, given
from hypothesis import strategies as st

from gyengine import NewEvent, SQLiteEventStore
from gyengine.canonical import GENESIS_HASH
from gyengine.events import ENVELOPE_FIELDS, EventTypes
from strategies import Batch, NoteTaken, batches, names

REGISTRY = EventTypes()
REGISTRY.register(NoteTaken)

INTEGER_COLUMNS = ("seq", "version", "schema")
TEXT_COLUMNS = tuple(name for name in ENVELOPE_FIELDS if name not in INTEGER_COLUMNS)
NULLABLE = ("occurred", "actor", "supersedes")


@contextmanager
def logged(plan: list[Batch]) -> Iterator[tuple[Path, SQLiteEventStore, list[dict[str, Any]]]]:
    """Append ``plan`` to a fresh SQLite log; yield its path, the store and the rows as dicts."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "log.db"
        store = SQLiteEventStore(path, create=True)
        try:
            number = 0
            ids: list[str] = []
            for batch in plan:
                events = []
                for stream, text, occurred, supersedes in batch.events:
                    number += 1
                    ids.append(f"ev-{number}")
                    events.append(
                        REGISTRY.encode(
                            NewEvent(
                                type="NoteTaken",
                                stream=stream,
                                data=NoteTaken(text),
                                id=ids[-1],
                                occurred=occurred,
                                actor=f"unit-{number % 3}" if number % 2 else None,
                                supersedes=None if supersedes is None else ids[supersedes],
                            )
                        )
                    )
                store.append(events)
            rows = [row.to_json() | {"data": row.data} for row in store.read()]
            yield path, store, rows
        finally:
            store.close()


def _execute(path: Path, sql: str, params: tuple[Any, ...]) -> None:
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()


def _refusal(column: str, value: Any, rows: list[dict[str, Any]], seq: int) -> str | None:
    """The error SQLite gives for ``UPDATE events SET column = value WHERE seq = seq``, if any."""
    row = next(r for r in rows if r["seq"] == seq)
    others = [r for r in rows if r["seq"] != seq]
    if column == "seq":
        if value is None or isinstance(value, (str, bytes)):
            return "datatype mismatch"
        return "UNIQUE" if value in {r["seq"] for r in others} else None
    if value is None:
        return None if column in NULLABLE else "NOT NULL"
    if isinstance(value, bytes):
        return "cannot store BLOB"
    if column in INTEGER_COLUMNS and isinstance(value, str):
        return "cannot store TEXT"
    stored = str(value) if column in TEXT_COLUMNS else value
    if column == "id" and stored in {r["id"] for r in others}:
        return "UNIQUE"
    pairs = {(r["stream"], r["version"]) for r in others}
    if column == "stream" and (stored, row["version"]) in pairs:
        return "UNIQUE"
    if column == "version" and (row["stream"], stored) in pairs:
        return "UNIQUE"
    return None


def _expected_problem(column: str, value: Any, seq: int, last: int) -> tuple[int, str]:
    """The ``(seq, kind)`` verify() must report after an accepted change of one field."""
    if column == "seq":
        # Moved past the end: the gap opens where the row was. Moved below 1:
        # the row now comes first and is no valid position at all.
        return (seq, "gap") if value > last else (value, "undecodable")
    if column == "prev_hash":
        return seq, "link"
    return seq, "hash"


def _new_values(column: str, rows: list[dict[str, Any]]) -> st.SearchStrategy[Any]:
    """Candidate values for a column: mostly its own type, else another row's value, NULL, the other type or a BLOB."""
    if column in INTEGER_COLUMNS:
        own = st.integers(-3, len(rows) + 3) | st.integers(-(2**63), 2**63 - 1)
        other = st.just("not a number")
    else:
        own = names | st.text(max_size=5) | st.sampled_from(["", "0" * 64, GENESIS_HASH])
        other = st.integers(-5, 5)
    choices = {
        "own": own,
        "another row's": st.sampled_from([row[column] for row in rows]),
        "null": st.none(),
        "other type": other,
        "blob": st.binary(min_size=1, max_size=4),
    }
    # sampled_from draws uniformly; one_of would lean on its first branch.
    kinds = st.sampled_from(["own"] * 4 + list(choices))
    return kinds.flatmap(lambda kind: choices[kind])


@given(plan=batches())
def test_any_sequence_of_valid_appends_verifies(plan: list[Batch]) -> None:
    """Whatever the streams, batch sizes, corrections and periods, a log built by append() verifies."""
    with logged(plan) as (_, store, rows):
        result = store.verify()
        assert result.ok, result.problem
        assert result.checked == len(rows) == sum(len(batch.events) for batch in plan)
        assert result.head == store.head()


@given(plan=batches(), data=st.data())
def test_changing_any_field_is_found_at_its_row(plan: list[Batch], data: st.DataObject) -> None:
    """Any accepted change of one stored field of one row makes verify() name that row (or the gap it leaves)."""
    with logged(plan) as (path, store, rows):
        seq = data.draw(st.integers(1, len(rows)), label="seq")
        column = data.draw(st.sampled_from(ENVELOPE_FIELDS), label="column")
        value = data.draw(_new_values(column, rows), label="value")
        original = rows[seq - 1][column]
        stored = str(value) if column in TEXT_COLUMNS and isinstance(value, int) else value
        assume(stored != original)  # not a change at all
        refusal = _refusal(column, value, rows, seq)
        event(f"{column}: {refusal or 'accepted'}")
        update = f"UPDATE events SET {column} = ? WHERE seq = ?"
        if refusal is not None:
            with pytest.raises(sqlite3.IntegrityError, match=refusal):
                _execute(path, update, (value, seq))
            assert store.verify().ok
            return
        _execute(path, update, (value, seq))
        problem = store.verify().problem
        assert problem is not None
        assert (problem.seq, problem.kind) == _expected_problem(column, value, seq, len(rows))


@given(plan=batches(), data=st.data())
def test_flipping_any_byte_of_a_text_column_is_found_at_its_row(
    plan: list[Batch], data: st.DataObject
) -> None:
    """Flipping bits of any byte of any text field (even into invalid UTF-8) makes verify() name that row."""
    with logged(plan) as (path, store, rows):
        seq = data.draw(st.integers(1, len(rows)), label="seq")
        columns = [c for c in TEXT_COLUMNS if rows[seq - 1][c] is not None]
        column = data.draw(st.sampled_from(columns), label="column")
        original = rows[seq - 1][column].encode()
        assume(original)  # an empty text has no byte to flip
        position = data.draw(st.integers(0, len(original) - 1), label="position")
        mask = data.draw(st.sampled_from(range(1, 256)), label="mask")
        flipped = bytearray(original)
        flipped[position] ^= mask
        try:
            text: str | None = bytes(flipped).decode()
        except UnicodeDecodeError:
            text = None
        update = f"UPDATE events SET {column} = CAST(? AS TEXT) WHERE seq = ?"
        refusal = None if text is None else _refusal(column, text, rows, seq)
        event("invalid UTF-8" if text is None else refusal or "valid UTF-8")
        if refusal is not None:
            with pytest.raises(sqlite3.IntegrityError, match=refusal):
                _execute(path, update, (bytes(flipped), seq))
            assert store.verify().ok
            return
        _execute(path, update, (bytes(flipped), seq))
        problem = store.verify().problem
        assert problem is not None
        expected = (seq, "undecodable") if text is None else _expected_problem(column, text, seq, 0)
        assert (problem.seq, problem.kind) == expected


@given(plan=batches(), data=st.data())
def test_deleting_a_row_leaves_a_gap_at_its_seq(plan: list[Batch], data: st.DataObject) -> None:
    """Deleting any row but the last makes verify() report a gap at that seq."""
    total = sum(len(batch.events) for batch in plan)
    assume(total >= 2)
    with logged(plan) as (path, store, _):
        seq = data.draw(st.integers(1, total - 1), label="seq")
        _execute(path, "DELETE FROM events WHERE seq = ?", (seq,))
        result = store.verify()
        assert result.problem is not None
        assert (result.problem.seq, result.problem.kind) == (seq, "gap")
        assert result.checked == seq - 1


def test_deleting_the_last_rows_is_seen_only_against_a_kept_head() -> None:
    """Truncating the log still verifies; only a head saved earlier (as runs record it) shows the loss."""
    plan = [Batch((("s", "a", None, None), ("s", "b", None, None), ("t", "c", None, None)))]
    with logged(plan) as (path, store, rows):
        kept = store.verify().head
        _execute(path, "DELETE FROM events WHERE seq = ?", (3,))
        result = store.verify()
        assert result.ok
        assert result.head.seq == 2
        assert result.head.hash == rows[1]["hash"] != kept.hash


SEQ_MOVES = [
    ("past-the-end", 2, 99, (2, "gap")),
    ("last-past-the-end", 5, 6, (5, "gap")),
    ("first-past-the-end", 1, 7, (1, "gap")),
    ("to-zero", 3, 0, (0, "undecodable")),
    ("first-to-negative", 1, -1, (-1, "undecodable")),
]


@pytest.mark.parametrize(
    ("seq", "new", "expected"), [m[1:] for m in SEQ_MOVES], ids=[m[0] for m in SEQ_MOVES]
)
def test_changing_seq(seq: int, new: int, expected: tuple[int, str]) -> None:
    """Moving a row to another seq is found: at its old seq past the end, at its new seq below 1."""
    plan = [Batch(tuple(("s", str(n), None, None) for n in range(5)))]
    with logged(plan) as (path, store, _):
        _execute(path, "UPDATE events SET seq = ? WHERE seq = ?", (new, seq))
        problem = store.verify().problem
        assert problem is not None
        assert (problem.seq, problem.kind) == expected


def test_moving_a_row_onto_another_is_refused() -> None:
    """SQLite itself refuses a seq that another row holds, so the log stays valid."""
    plan = [Batch((("s", "a", None, None), ("s", "b", None, None)))]
    with logged(plan) as (path, store, _):
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            _execute(path, "UPDATE events SET seq = 1 WHERE seq = 2", ())
        assert store.verify().ok


@pytest.mark.parametrize("where", [2, 4, 12], ids=["early", "middle", "last"])
def test_invalid_utf8_is_found_at_its_row(where: int) -> None:
    """A text column holding bytes that are not UTF-8 is reported at its own seq, not its neighbours'."""
    plan = [Batch(tuple(("s", str(n), None, None) for n in range(12)))]
    with logged(plan) as (path, store, _):
        _execute(
            path,
            "UPDATE events SET data = CAST(? AS TEXT) WHERE seq = ?",
            (b'{"text":"\xff"}', where),
        )
        result = store.verify()
        assert result.problem is not None
        assert (result.problem.seq, result.problem.kind) == (where, "undecodable")
        assert result.checked == where - 1


def test_gap_before_an_undecodable_row_is_found_first() -> None:
    """With a row deleted and a later row unreadable, verify() names the gap, the first broken seq."""
    plan = [Batch(tuple(("s", str(n), None, None) for n in range(8)))]
    with logged(plan) as (path, store, _):
        _execute(path, "DELETE FROM events WHERE seq = ?", (3,))
        _execute(path, "UPDATE events SET actor = CAST(? AS TEXT) WHERE seq = ?", (b"\xc3(", 6))
        problem = store.verify().problem
        assert problem is not None
        assert (problem.seq, problem.kind) == (3, "gap")


@given(plan=batches())
def test_log_verifies_without_gyengine(plan: list[Batch]) -> None:
    """sqlite3, rfc8785 and sha256 alone re-verify the chain, as the design promises."""
    with logged(plan) as (path, _, _):
        conn = sqlite3.connect(path)
        try:
            conn.row_factory = sqlite3.Row
            prev = "0" * 64
            for number, row in enumerate(conn.execute("SELECT * FROM events ORDER BY seq"), 1):
                # sqlite3.Row iterates its values, so its keys come from keys().
                envelope = {key: row[key] for key in row.keys() if key != "hash"}  # noqa: SIM118
                envelope["data"] = json.loads(envelope["data"])
                assert row["seq"] == number
                assert row["prev_hash"] == prev
                assert hashlib.sha256(rfc8785.dumps(envelope)).hexdigest() == row["hash"]
                prev = row["hash"]
        finally:
            conn.close()
