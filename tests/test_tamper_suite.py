"""The tamper suite: every single-row edit, against `verify` and against replay.

An adversary with write access to the database file edits it with plain
``sqlite3``. For every edit of an event row, ``verify`` and a replay (in one
process, with the hashing worker, resumed from checkpoints with
``verify_all``) name the same first problem: the same seq, the same kind, the
same words. For every edit of derived data (a checkpoint, a saved run, its
results or evidence) ``verify`` names the row, and a replay never uses an
edited checkpoint: it says why and replays in full, with the full answer.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

import gyengine
import gyengine.store
import replay_helpers as h
from gyengine.canonical import event_hash, row_envelope
from gyengine.cli import cli
from gyengine.events import ENVELOPE_FIELDS
from gyengine.memo import memo_body, memo_records
from gyengine.runs import RESULT_COLUMNS

COLUMNS = ", ".join(ENVELOPE_FIELDS)
NOT_UTF8 = "CAST(x'c328ff' AS TEXT)"
EVENTS = 12

Edit = Callable[[sqlite3.Connection, int], None]


def _sql(statement: str) -> Edit:
    def edit(conn: sqlite3.Connection, seq: int) -> None:
        assert conn.execute(statement.format(seq=seq)).rowcount >= 1

    return edit


def _rehashed(column: str, value: Callable[[object], object]) -> Edit:
    """Change one column and recompute that row's hash, so only a later rule can notice."""

    def edit(conn: sqlite3.Connection, seq: int) -> None:
        row = conn.execute(f"SELECT {COLUMNS} FROM events WHERE seq = ?", (seq,)).fetchone()
        index = ENVELOPE_FIELDS.index(column)
        changed = (*row[:index], value(row[index]), *row[index + 1 :])
        conn.execute(
            f"UPDATE events SET {column} = ?, hash = ? WHERE seq = ?",
            (changed[index], event_hash(row_envelope(changed)), seq),
        )

    return edit


EDITS: dict[str, tuple[Edit, str]] = {
    # name: (the edit at seq k, the problem's kind)
    "data-byte": (
        _sql("UPDATE events SET data = replace(data, '\"', '''') WHERE seq = {seq}"),
        "hash",
    ),
    "actor": (_sql("UPDATE events SET actor = 'someone else' WHERE seq = {seq}"), "hash"),
    "occurred": (_sql("UPDATE events SET occurred = '2018-01' WHERE seq = {seq}"), "hash"),
    "prev-hash": (
        _sql("UPDATE events SET prev_hash = 'f' || substr(prev_hash, 2) WHERE seq = {seq}"),
        "link",
    ),
    "deleted": (_sql("DELETE FROM events WHERE seq = {seq}"), "gap"),
    "seq-zero": (_sql("UPDATE events SET seq = 0 WHERE seq = {seq}"), "undecodable"),
    "not-utf8": (_sql(f"UPDATE events SET stream = {NOT_UTF8} WHERE seq = {{seq}}"), "undecodable"),
    "recorded-backwards": (_rehashed("recorded", lambda _: "2000-01-01T00:00:00.000000Z"), "order"),
    "version-jump": (_rehashed("version", lambda version: int(version) + 5), "version"),
}
"""Each is found at the edited seq k (a deleted row: the gap at k; seq 0: at 0)."""


def _expected(name: str, seq: int) -> tuple[int, str] | None:
    """Where and what the first problem is: at the edited row, but for three edge cases."""
    if name == "deleted" and seq == EVENTS:
        return None  # a shorter log: only a saved run or a published head knows
    if name == "seq-zero":
        return 0, "undecodable"
    if name == "recorded-backwards" and seq == 1:
        # No row before it to be earlier than; its new hash breaks the next link.
        return 2, "link"
    return seq, EDITS[name][1]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A log of 12 events over four streams, with checkpoints saved at seq 6."""
    path = tmp_path_factory.mktemp("pristine") / "log.db"
    events = [h.value("abc"[n % 3], n, id=f"v{n}") for n in range(1, EVENTS)]
    events.insert(3, h.target("a", 10, id="t1"))
    with h.open_engine(path) as engine:
        engine.append(events[:6])
        engine.replay()  # checkpoints at seq 6
        engine.append(events[6:])
    return path


@contextmanager
def tampered(pristine: Path, tmp_path: Path, edit: Edit, seq: int) -> Iterator[Path]:
    path = tmp_path / f"tampered-{seq}.db"
    shutil.copy(pristine, path)
    with closing(sqlite3.connect(path)) as conn, conn:
        edit(conn, seq)
    yield path


def _verify(path: Path) -> gyengine.store.ChainProblem | None:
    with gyengine.SQLiteEventStore(path) as store:
        return store.verify().problem


def _replay(path: Path, **options: object) -> gyengine.store.ChainProblem | None:
    with h.open_engine(path, create=False) as engine:
        try:
            engine.replay(save=False, **options)
        except gyengine.errors.BrokenChain as broken:
            return broken.problem
    return None


@pytest.mark.parametrize("name", sorted(EDITS))
@pytest.mark.parametrize("seq", [1, 4, 9, EVENTS])
def test_replay_and_verify_name_the_same_problem(
    pristine: Path, tmp_path: Path, name: str, seq: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full replay, one with the hashing worker, and a resumed one with verify_all agree with verify."""
    edit, _ = EDITS[name]
    with tampered(pristine, tmp_path, edit, seq) as path:
        found = _verify(path)
        expected = _expected(name, seq)
        assert (found.seq, found.kind) == expected if found is not None else expected is None
        assert _replay(path, checkpoints=False) == found
        assert _replay(path, verify_all=True) == found
        with h.open_engine(path, create=False) as engine:
            carried = engine.replay(save=False, checkpoints=False, allow_broken_chain=True)
        assert carried.chain_problem == found
        monkeypatch.setattr(gyengine.store, "PARALLEL_HASHING_FROM", 2)
        assert _replay(path, checkpoints=False, parallel=True) == found


@pytest.mark.parametrize("name", sorted(EDITS))
def test_a_resumed_replay_checks_every_row_after_its_checkpoint(
    pristine: Path, tmp_path: Path, name: str
) -> None:
    """An edit after the checkpoint (seq 6) is found by a resumed replay exactly as by verify."""
    edit, _ = EDITS[name]
    with tampered(pristine, tmp_path, edit, 9) as path:
        # seq-zero: the gap at 9 sends the replay back over the rows behind, to the row at 0.
        assert _replay(path) == _verify(path)


UNSEEN_BEHIND = {"actor", "data-byte", "occurred", "prev-hash", "recorded-backwards", "seq-zero"}
"""Edits behind a checkpoint that nothing after it depends on: a resumed replay does not read them."""


@pytest.mark.parametrize("name", sorted(set(EDITS) - UNSEEN_BEHIND))
def test_a_resumed_replay_that_meets_a_trace_of_an_edit_behind_it_names_the_first(
    pristine: Path, tmp_path: Path, name: str
) -> None:
    """A row after the checkpoint that no longer fits (its stream's version, a row below 1)
    sends the replay back to check the rows behind: it names verify's first problem."""
    edit, _ = EDITS[name]
    with tampered(pristine, tmp_path, edit, 3) as path:
        found = _verify(path)
        assert found is not None
        assert found.seq in (0, 3)
        assert _replay(path) == found


@pytest.mark.parametrize("name", sorted(UNSEEN_BEHIND))
def test_a_resumed_replay_says_it_trusted_the_rows_behind_its_checkpoint(
    pristine: Path, tmp_path: Path, name: str
) -> None:
    """An edit behind the checkpoint is not read: the answer is the untouched log's, and the
    replay says which rows it verified and which it took from a sealed checkpoint."""
    edit, _ = EDITS[name]
    with h.open_engine(pristine, create=False) as engine:
        expected = h.result_bytes(engine.replay(save=False, checkpoints=False))
    with tampered(pristine, tmp_path, edit, 3) as path, h.open_engine(path, create=False) as engine:
        result = engine.replay(save=False)
        assert h.result_bytes(result) == expected
        assert result.verified_from == 7
        assert result.verification_text().startswith(
            f"rows 7..{EVENTS} verified; rows 1..6 not re-read: evaluator states from"
            " checkpoints at seq 6, seals checked"
        )


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(sorted(EDITS)), seq=st.integers(1, EVENTS))
def test_any_single_row_edit_anywhere(pristine: Path, name: str, seq: int) -> None:
    """Property: whatever the edit and the row, replay and verify agree on the first problem."""
    import tempfile

    edit, _ = EDITS[name]
    with (
        tempfile.TemporaryDirectory() as directory,
        tampered(pristine, Path(directory), edit, seq) as path,
    ):
        found = _verify(path)
        expected = _expected(name, seq)
        assert (found.seq, found.kind) == expected if found is not None else expected is None
        assert _replay(path, checkpoints=False) == found
        assert _replay(path) in (found, None)  # resumed: the same, or the rows not re-read


# -- derived data ----------------------------------------------------------------


@pytest.fixture(scope="module")
def with_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo year with two saved runs and their checkpoints."""
    path = tmp_path_factory.mktemp("runs") / "demo.db"
    for args in (
        ["demo", "init", "--db", str(path)],
        ["replay", "--db", str(path), "--format", "json", "--as-of", "2019-06-30"],
        ["replay", "--db", str(path), "--format", "json"],
    ):
        result = _invoke(args)
        assert result.exit_code == 0, result.output
    return path


def _invoke(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args, prog_name="gyengine")


def _head(path: Path) -> int:
    return int(h.execute_query(path, "SELECT max(seq) FROM events")[0][0])


CHECKPOINT_STATE = (
    # Every target in the indicators' state gains a leading 1 ("8.5 %" -> "18.5 %").
    'UPDATE checkpoints SET state = replace(state, \'"target":"\', \'"target":"1\')'
    " WHERE evaluator = 'indicators'"
)


class Tamperer:
    """Plain SQL on a database, as a tamperer has it: a sqlite3 or a psycopg connection.

    Results and evidence sit in zlib packs (a JSON array of rows, each the
    result's fields then its evidence seqs); an edit of one inflates the pack,
    changes it and stores it back, as anyone with ``zlib`` (or the ``sqlite3``
    shell's ``sqlar_compress``) can.
    """

    def __init__(self, conn: Any, placeholder: str = "?") -> None:
        self.conn = conn
        self.placeholder = placeholder

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(sql.replace("?", self.placeholder), params)

    def pack_of(self, run_id: int, n: int) -> tuple[int, int]:
        """``(pack id, index in it)`` of result ``n`` of a run."""
        first_n, pack_id = self.execute(
            "SELECT first_n, pack_id FROM run_packs WHERE run_id = ? AND first_n <= ?"
            " ORDER BY first_n DESC LIMIT 1",
            (run_id, n),
        ).fetchone()
        return int(pack_id), n - int(first_n)

    def rows(self, pack_id: int) -> list[Any]:
        """A pack's rows."""
        body, size = self.execute(
            "SELECT body, size FROM result_packs WHERE id = ?", (pack_id,)
        ).fetchone()
        return list(json.loads(zlib.decompress(body) if len(body) != size else body))

    def edit_pack(self, pack_id: int, change: Callable[[list[Any]], None]) -> int:
        """Change a pack's rows; the first run that uses it (the one verify names)."""
        rows = self.rows(pack_id)
        change(rows)
        data = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode()
        self.execute(
            "UPDATE result_packs SET body = ?, size = ? WHERE id = ?",
            (zlib.compress(data, 1), len(data), pack_id),
        )
        return self.first_user(pack_id)

    def edit_result(self, run_id: int, n: int, change: Callable[[list[Any]], None]) -> int:
        pack_id, index = self.pack_of(run_id, n)
        return self.edit_pack(pack_id, lambda rows: change(rows[index]))

    def first_user(self, pack_id: int) -> int:
        (run_id,) = self.execute(
            "SELECT min(run_id) FROM run_packs WHERE pack_id = ?", (pack_id,)
        ).fetchone()
        return int(run_id)

    def packs_of(self, run_id: int) -> list[tuple[int, int]]:
        """``(first_n, pack id)`` of a run's packs, in order."""
        return [
            (int(first), int(pack))
            for first, pack in self.execute(
                "SELECT first_n, pack_id FROM run_packs WHERE run_id = ? ORDER BY first_n",
                (run_id,),
            )
        ]


STATUS = RESULT_COLUMNS.index("status")
VALUE = RESULT_COLUMNS.index("value")


def _sql_edit(statement: str, named: str) -> Callable[[Tamperer, int], str]:
    def edit(db: Tamperer, head: int) -> str:
        assert db.execute(statement.format(head=head)).rowcount >= 1
        return named.format(head=head)

    return edit


def _red_to_green(db: Tamperer, head: int) -> str:
    """Every red score of run 1 turned green (in the packs that hold one)."""

    def change(rows: list[Any]) -> None:
        for row in rows:
            if row[STATUS] == "red":
                row[STATUS] = "green"

    packs = [pack for _, pack in db.packs_of(1) if any(r[STATUS] == "red" for r in db.rows(pack))]
    assert packs
    return f"run {min(db.edit_pack(pack, change) for pack in packs)} of "


def _first_evidence_deleted(db: Tamperer, head: int) -> str:
    """The first evidence seq of run 1's first result that has any, deleted."""
    n = 1
    while not db.rows(db.pack_of(1, n)[0])[db.pack_of(1, n)[1]][-1]:
        n += 1
    return f"run {db.edit_result(1, n, lambda row: row[-1].pop(0))} of "


def _pack_shifted(db: Tamperer, head: int) -> str:
    """The last pack of run 1 said to start one result later."""
    first_n, _ = db.packs_of(1)[-1]
    db.execute(
        "UPDATE run_packs SET first_n = first_n + 1 WHERE run_id = 1 AND first_n = ?", (first_n,)
    )
    return "run 1 of "


def _pack_swapped(db: Tamperer, head: int) -> str:
    """Run 2's first pack replaced by another of its packs."""
    (first, _), (_, other) = db.packs_of(2)[:2]
    db.execute("UPDATE run_packs SET pack_id = ? WHERE run_id = 2 AND first_n = ?", (other, first))
    return "run 2 of "


def _pack_corrupted(db: Tamperer, head: int) -> str:
    """A byte in the middle of a pack of run 2 flipped: it no longer inflates."""
    pack_id, _ = db.pack_of(2, 40)
    body = bytearray(
        db.execute("SELECT body FROM result_packs WHERE id = ?", (pack_id,)).fetchone()[0]
    )
    body[len(body) // 2] ^= 0xFF
    db.execute("UPDATE result_packs SET body = ? WHERE id = ?", (bytes(body), pack_id))
    return f"run {db.first_user(pack_id)} of "


def _memo_body_edited(db: Tamperer, head: int) -> str:
    """A byte of the indicators' results memo at the head flipped."""
    (body,) = db.execute(
        "SELECT body FROM result_memos WHERE evaluator = 'indicators' AND seq = ?", (head,)
    ).fetchone()
    edited = bytearray(body)
    edited[len(edited) // 2] ^= 0xFF
    db.execute(
        "UPDATE result_memos SET body = ? WHERE evaluator = 'indicators' AND seq = ?",
        (bytes(edited), head),
    )
    return f"results memo of indicators at seq {head}: its content does not match its seal"


DERIVED: dict[str, Callable[[Tamperer, int], str]] = {
    # name: the edit, given the head seq; it returns the start of what verify says
    "checkpoint-state": _sql_edit(
        CHECKPOINT_STATE,
        "checkpoint of indicators at seq {head}: its content does not match its seal",
    ),
    "checkpoint-seq": _sql_edit(
        "UPDATE checkpoints SET seq = 1700 WHERE evaluator = 'rules' AND seq = {head}",
        "checkpoint of rules at seq 1700: its content does not match its seal",
    ),
    "checkpoint-unsealed": _sql_edit(
        "UPDATE checkpoints SET seal = NULL WHERE evaluator = 'banks' AND seq = {head}",
        "checkpoint of banks at seq {head}: it has no seal",
    ),
    "memo-body": _memo_body_edited,
    "memo-context": _sql_edit(
        "UPDATE result_memos SET context = 'f' || substr(context, 2)"
        " WHERE evaluator = 'projects' AND seq = {head}",
        "results memo of projects at seq {head}: its content does not match its seal",
    ),
    "memo-unsealed": _sql_edit(
        "UPDATE result_memos SET seal = NULL WHERE evaluator = 'banks' AND seq = {head}",
        "results memo of banks at seq {head}: it has no seal",
    ),
    "run-options": _sql_edit("UPDATE runs SET as_of = '2019-12-31' WHERE id = 1", "run 1 of "),
    "run-chain-ok": _sql_edit("UPDATE runs SET chain_ok = 0 WHERE id = 2", "run 2 of "),
    "run-seal-swapped": _sql_edit(
        "UPDATE runs SET seal = (SELECT seal FROM runs WHERE id = 2) WHERE id = 1", "run 1 of "
    ),
    "result-value": lambda db, head: (
        f"run {db.edit_result(2, 17, lambda row: row.__setitem__(VALUE, '99.9'))} of "
    ),
    "result-status": _red_to_green,
    "result-deleted": lambda db, head: (
        f"run {db.edit_pack(db.pack_of(2, 5)[0], lambda rows: rows.pop(db.pack_of(2, 5)[1]))} of "
    ),
    "evidence-deleted": _first_evidence_deleted,
    "evidence-added": lambda db, head: (
        f"run {db.edit_result(2, 3, lambda row: row[-1].append(999999))} of "
    ),
    "pack-corrupted": _pack_corrupted,
    "pack-swapped": _pack_swapped,
    "pack-shifted": _pack_shifted,
    "pack-unlinked": _sql_edit(
        "DELETE FROM run_packs WHERE run_id = 2 AND first_n = (SELECT max(first_n) FROM"
        " run_packs WHERE run_id = 2)",
        "run 2 of ",
    ),
}
"""Every kind of edit of derived data: checkpoints, results memos, runs, and their results
and evidence (inside packs) and the links from a run to its packs."""


def _tamper_sqlite(path: Path, name: str, head: int) -> str:
    with closing(sqlite3.connect(path)) as conn, conn:
        return DERIVED[name](Tamperer(conn), head)


@pytest.mark.parametrize("name", sorted(DERIVED))
def test_verify_names_the_edited_derived_row(with_runs: Path, tmp_path: Path, name: str) -> None:
    """Every edit of a checkpoint, a run, a result or evidence fails `verify`, naming the row."""
    path = tmp_path / "d.db"
    shutil.copy(with_runs, path)
    head = _head(path)
    assert _invoke(["verify", "--db", str(path)]).exit_code == 0
    message = _tamper_sqlite(path, name, head)
    result = _invoke(["verify", "--db", str(path)])
    assert result.exit_code == 1
    assert f"{path}: {message}" in result.stderr
    if not name.startswith(("checkpoint", "memo")):
        assert "its content does not match its seal" in result.stderr
    assert _invoke(["verify", "--db", str(path), "--chain-only"]).exit_code == 0


def test_an_edited_checkpoint_is_ignored_and_the_replay_runs_in_full(
    with_runs: Path, tmp_path: Path
) -> None:
    """The edit of the issue (a target inside a checkpoint) changes nothing in the bulletin."""
    path = tmp_path / "d.db"
    shutil.copy(with_runs, path)
    with gyengine.open(path) as engine:
        expected = engine.replay(save=False, checkpoints=False).to_json()
    head = _head(path)
    assert h.execute(path, CHECKPOINT_STATE) >= 1
    with gyengine.open(path) as engine:
        result = engine.replay(save=False)
    assert result.to_json() == expected
    assert result.resumed == {}
    assert result.verified_from == 1
    assert result.notes == (
        f"checkpoint of indicators at seq {head} not used: its content does not match its seal:"
        " it was changed after it was saved; replayed in full",
    )


def test_an_edited_results_memo_is_not_used(with_runs: Path, tmp_path: Path) -> None:
    """A memo whose results were rewritten (every red turned green, a well-formed body, the
    seal left as it was) is not used: the replay says so, makes those results again, and
    gives the full answer; the other evaluators' memos are used."""
    path = tmp_path / "d.db"
    shutil.copy(with_runs, path)
    with gyengine.open(path) as engine:
        expected = engine.replay(save=False, checkpoints=False).to_json()
        before = engine.replay(save=False)
    assert "indicators" in before.memoised
    head = _head(path)
    with closing(sqlite3.connect(path)) as conn, conn:
        (body,) = conn.execute(
            "SELECT body FROM result_memos WHERE evaluator = 'indicators' AND seq = ?", (head,)
        ).fetchone()
        records = memo_records(body)
        green = [
            attrs.evolve(r, status="green") if getattr(r, "status", None) == "red" else r
            for r in records
        ]
        assert green != list(records)  # the edit changes a bulletin
        forged = memo_body(green)
        conn.execute(
            "UPDATE result_memos SET body = ? WHERE evaluator = 'indicators' AND seq = ?",
            (forged, head),
        )
    with gyengine.open(path) as engine:
        result = engine.replay(save=False)
    assert result.to_json() == expected
    assert "indicators" not in result.memoised
    assert set(result.memoised) == set(before.memoised) - {"indicators"}
    assert result.notes == (
        f"results memo of indicators at seq {head} not used: its content does not match its"
        " seal: it was changed after it was saved; results made again",
    )


def test_a_checkpoint_sealed_with_another_key_is_not_used(
    with_runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database copied without its key: checkpoints are not trusted, verify says whose key."""
    path = tmp_path / "d.db"
    shutil.copy(with_runs, path)
    monkeypatch.setenv("GYENGINE_KEY", str(tmp_path / "other-key"))
    result = _invoke(["verify", "--db", str(path)])
    assert result.exit_code == 1
    assert "no key to check its seal with" in result.stderr
    with gyengine.open(path) as engine:
        replayed = engine.replay()  # makes the new key on its save
    assert replayed.resumed == {}
    assert replayed.notes[0].endswith("does not exist); replayed in full")
    result = _invoke(["verify", "--db", str(path)])
    assert result.exit_code == 1
    assert "run 1 of " in result.stderr
    assert "it was sealed with key " in result.stderr


def test_init_makes_the_key_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`gyengine init` makes a private key file where $GYENGINE_KEY says, and only once."""
    key = tmp_path / "keys" / "county.key"
    monkeypatch.setenv("GYENGINE_KEY", str(key))
    first = _invoke(["init", "--db", str(tmp_path / "a.db")])
    assert first.exit_code == 0, first.output
    assert first.stdout == (
        f"created {tmp_path / 'a.db'}\ncreated the key {key} that seals saved runs and"
        " checkpoints; keep it apart from the database\n"
    )
    assert key.stat().st_mode & 0o777 == 0o600
    assert len(bytes.fromhex(key.read_text().strip())) == 32
    made = key.read_text()
    second = _invoke(["init", "--db", str(tmp_path / "b.db")])
    assert second.stdout == f"created {tmp_path / 'b.db'}\n"
    assert key.read_text() == made


def test_a_key_file_that_is_not_a_key_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A damaged key file stops a replay that would seal, naming the file and the fix."""
    key = tmp_path / "key"
    key.write_text("not hex\n")
    monkeypatch.setenv("GYENGINE_KEY", str(key))
    db = tmp_path / "d.db"
    assert _invoke(["demo", "init", "--db", str(db)]).exit_code == 0
    result = _invoke(["replay", "--db", str(db)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {key} is not a gyengine key (64 hex digits)\n")
    assert h.count_rows(db, "runs") == 0


def test_column_types_are_checked_once_the_table_no_longer_enforces_them(
    pristine: Path, tmp_path: Path
) -> None:
    """The STRICT table gyengine made keeps every column's type; rebuilt without STRICT, a
    text version is let in, and verify and replay both name it as a wrong type."""
    path = tmp_path / "rebuilt.db"
    shutil.copy(pristine, path)
    with gyengine.SQLiteEventStore(path) as store:
        assert store.checker_at(1).typed
    with closing(sqlite3.connect(path)) as conn, conn:
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'events'").fetchone()[0]
        conn.execute("ALTER TABLE events RENAME TO old_events")
        conn.execute(sql.replace(") STRICT", ")"))
        conn.execute("INSERT INTO events SELECT * FROM old_events")
        conn.execute("DROP TABLE old_events")
        for statement in gyengine.store._SCHEMA.split(";"):
            if "CREATE INDEX" in statement:
                conn.execute(statement)
        conn.execute("UPDATE events SET version = 'v' || version WHERE seq = 5")
    with gyengine.SQLiteEventStore(path) as store:
        assert not store.checker_at(1).typed
    found = _verify(path)
    assert found == gyengine.store.ChainProblem(5, "undecodable", "version holds str 'v2'")
    assert _replay(path, checkpoints=False) == found


def test_the_library_verifies_as_the_command_does(with_runs: Path, tmp_path: Path) -> None:
    """Engine.verify: the chain, then runs and checkpoints, then published heads, first problem named."""
    path = tmp_path / "d.db"
    shutil.copy(with_runs, path)
    with gyengine.open(path) as engine:
        audit = engine.verify()
        head = engine.store.head()
    assert audit.ok
    assert (audit.chain.checked, audit.runs) == (head.seq, 2)
    assert audit.checkpoints > 0
    with gyengine.open(path) as engine:
        missing = engine.verify(expected_heads=["0" * 64])
    assert missing.problem == f"no event has the hash {'0' * 64}: the log is not the one published"
    named = _tamper_sqlite(path, "result-value", head.seq)
    with gyengine.open(path) as engine:
        edited = engine.verify()
        chain_only = engine.verify(derived=False)
    assert edited.problem is not None
    assert edited.problem.startswith(named)
    assert edited.problem.endswith(
        "its content does not match its seal: it was changed after it was saved"
    )
    assert chain_only.ok


def test_a_pack_stored_again_unchanged_still_verifies(with_runs: Path, tmp_path: Path) -> None:
    """The control of the pack edits: inflating, dumping and deflating every pack with no
    change (other bytes, other compression) leaves each run's seal checking, so the edits
    above fail verify by what they change."""
    path = tmp_path / "d.db"
    shutil.copy(with_runs, path)
    with closing(sqlite3.connect(path)) as conn, conn:
        db = Tamperer(conn)
        packs = [pack for (pack,) in conn.execute("SELECT id FROM result_packs")]
        assert len(packs) > 2
        before = conn.execute("SELECT group_concat(hex(body)) FROM result_packs").fetchone()
        for pack in packs:
            db.edit_pack(pack, lambda rows: None)
        assert conn.execute("SELECT group_concat(hex(body)) FROM result_packs").fetchone() != before
    assert _invoke(["verify", "--db", str(path)]).exit_code == 0
