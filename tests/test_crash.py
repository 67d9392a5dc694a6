"""A writer killed with SIGKILL in the middle of a large batch leaves the log whole."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gyengine import SQLiteEventStore
from gyengine.events import PendingEvent

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

BIG = 200_000
FIRST = 1_000

# The child appends FIRST events and commits (when asked), then starts one
# batch of BIG events from a generator, printing how many it has handled after
# each chunk. Its page cache is made small so that SQLite spills the
# uncommitted batch into the -wal file long before the commit.
CHILD = r"""
import sys

from gyengine import SQLiteEventStore
from gyengine.events import PendingEvent

db, first = sys.argv[1], int(sys.argv[2])
big = int(sys.argv[3])


def events(prefix, count):
    for number in range(count):
        yield PendingEvent(
            id=f"{prefix}-{number}",
            stream=f"stream/{number % 50}",
            type="NoteTaken",
            schema=1,
            occurred=None,
            actor=None,
            supersedes=None,
            data='{"text":"' + "x" * 200 + str(number) + '"}',
        )


store = SQLiteEventStore(db)
if first:
    result = store.append(events("first", first))
    print("committed", result.head.seq, result.head.hash, flush=True)
store.conn.execute("PRAGMA cache_size = -256")
handled = 0


def progress(count):
    global handled
    handled += count
    print("progress", handled, flush=True)


store.append(events("big", big), progress=progress)
print("done", flush=True)
"""


def _wal_size(db: Path) -> int:
    wal = db.with_name(db.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


@pytest.mark.slow
@pytest.mark.parametrize("first", [0, FIRST], ids=["during-first-batch", "during-second-batch"])
def test_sigkill_mid_batch_loses_the_whole_batch_only(tmp_path: Path, first: int) -> None:
    """After SIGKILL mid-batch the log opens, holds none of that batch (and all of the committed one) and verifies."""
    db = tmp_path / "crash.db"
    SQLiteEventStore(db, create=True).close()
    committed_head: tuple[int, str] | None = None
    baseline: int | None = None
    handled = 0
    wal_at_kill = 0
    deadline = time.monotonic() + 120
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(first), str(BIG)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            assert child.stdout is not None
            for line in child.stdout:
                word, *rest = line.split()
                if word == "committed":
                    committed_head = (int(rest[0]), rest[1])
                elif word == "progress":
                    handled = int(rest[0])
                    if baseline is None:
                        baseline = _wal_size(db)
                    wal_at_kill = _wal_size(db)
                    # Kill once the uncommitted batch has spilled into the WAL.
                    if handled >= 20_000 and wal_at_kill > baseline + 1_000_000:
                        os.kill(child.pid, signal.SIGKILL)
                        break
                elif word == "done":
                    pytest.fail("the batch committed before the kill; make it bigger")
                assert time.monotonic() < deadline, "the child made too little progress"
        finally:
            if child.poll() is None:  # a failed check above: do not wait for the whole batch
                child.kill()
            child.wait(timeout=60)
            stderr = child.stderr.read() if child.stderr else ""
    assert child.returncode == -signal.SIGKILL, stderr
    assert 0 < handled < BIG
    assert wal_at_kill > (baseline or 0) + 1_000_000
    if first:
        assert committed_head is not None
        assert committed_head[0] == first

    with SQLiteEventStore(db) as store:
        rows = list(store.read())
        assert len(rows) == first
        assert not any(row.id.startswith("big-") for row in rows)
        result = store.verify()
        assert result.ok, result.problem
        assert result.checked == first
        if committed_head is not None:
            assert (store.head().seq, store.head().hash) == committed_head
        assert store.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        # The log takes appends again, continuing the chain.
        after = store.append(
            [
                PendingEvent(
                    id="after-crash",
                    stream="stream/0",
                    type="NoteTaken",
                    schema=1,
                    occurred=None,
                    actor=None,
                    supersedes=None,
                    data='{"text":"after"}',
                )
            ]
        )
        assert after.appended == ((first + 1, "after-crash"),)
        assert store.verify().ok
    check = sqlite3.connect(db)
    assert check.execute("SELECT count(*) FROM events").fetchone() == (first + 1,)
    check.close()
