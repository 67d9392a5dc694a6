"""`gyengine verify` also checks the log against the heads it was seen with: saved runs and published hashes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner, Result

from gyengine.canonical import event_hash, row_envelope
from gyengine.cli import cli
from gyengine.events import ENVELOPE_FIELDS


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], prog_name="gyengine")


def demo(tmp_path: Path) -> Path:
    db = tmp_path / "d.db"
    result = run("demo", "init", "--db", db)
    assert result.exit_code == 0, result.output
    return db


def head(db: Path) -> tuple[int, str]:
    with sqlite3.connect(db) as conn:
        seq, digest = conn.execute(
            "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1"
        ).fetchone()
    return int(seq), str(digest)


def test_removed_tail_is_found_through_a_saved_run(tmp_path: Path) -> None:
    """Deleting the newest events leaves a chain that verifies, but not against a run that saw them."""
    db = demo(tmp_path)
    assert run("replay", "--db", db, "--format", "json").exit_code == 0
    last, _ = head(db)
    assert run("verify", "--db", db).exit_code == 0
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM events WHERE seq > ?", (last - 3,))
    result = run("verify", "--db", db)
    assert result.exit_code == 1
    message = result.stderr
    assert "run 1 of " in message
    assert f"read up to seq {last}, but the log has no seq {last}: events were removed" in message


def test_rewritten_tail_is_found_through_a_saved_run(tmp_path: Path) -> None:
    """A tail rewritten with a fresh, valid chain still differs from the hash a run recorded."""
    db = demo(tmp_path)
    assert run("replay", "--db", db, "--format", "json").exit_code == 0
    last, digest = head(db)
    with sqlite3.connect(db) as conn:
        # The last event's actor changed and its hash recomputed: the chain is valid again.
        row = conn.execute(
            f"SELECT {', '.join(ENVELOPE_FIELDS)} FROM events WHERE seq = ?", (last,)
        ).fetchone()
        forged = (*row[:8], "someone else", *row[9:12])
        new_hash = event_hash(row_envelope(forged))
        conn.execute(
            "UPDATE events SET actor = ?, hash = ? WHERE seq = ?", ("someone else", new_hash, last)
        )
    assert run("verify", "--db", db, "--chain-only").exit_code == 0
    result = run("verify", "--db", db)
    assert result.exit_code == 1
    assert "run 1 of " in result.stderr
    assert (
        f"read up to seq {last}, but seq {last} no longer has the hash recorded then ({digest[:12]}...)"
        in result.stderr
    )
    assert "the log was rewritten" in result.stderr


def test_expect_head(tmp_path: Path) -> None:
    """--expect-head passes for a hash the log holds and fails for one it does not."""
    db = demo(tmp_path)
    _, digest = head(db)
    assert run("verify", "--db", db, "--expect-head", digest).exit_code == 0
    result = run("verify", "--db", db, "--expect-head", "0" * 63 + "1")
    assert result.exit_code == 1
    assert "the log is not the one published" in result.stderr
