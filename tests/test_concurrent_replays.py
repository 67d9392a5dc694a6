"""Replays, reports and appends started together on one database all succeed (issue #10, point 3).

Saving a run or checkpoints takes the write lock at once (``BEGIN IMMEDIATE``)
and waits on the busy timeout; a deferred transaction that upgrades from
reading to writing fails at once with "database is locked" instead.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

GYENGINE = [str(Path(sys.executable).with_name("gyengine"))]


def _gyengine(*args: str | Path) -> list[str]:
    return [*GYENGINE, *map(str, args)]


def test_replays_reports_and_appends_at_once(tmp_path: Path) -> None:
    """Four replays, a report and two appends at once: every one exits 0 and every run is saved."""
    db = tmp_path / "d.db"
    subprocess.run(_gyengine("demo", "init", "--db", db), check=True, capture_output=True)
    lines = [
        {
            "type": "EventRetracted",
            "stream": f"note/{number}",
            "data": {"reason": f"concurrent {number}"},
        }
        for number in range(2)
    ]
    commands = [
        _gyengine("replay", "--db", db, "--format", "json", "--output", tmp_path / f"r{n}.json")
        for n in range(4)
    ]
    commands.append(
        _gyengine("report", "monthly", "--month", "2019-06", "--db", db, "--format", "json")
    )
    for number, line in enumerate(lines):
        path = tmp_path / f"a{number}.jsonl"
        path.write_text(json.dumps(line) + "\n", encoding="utf-8")
        commands.append(_gyengine("append", path, "--db", db))
    outputs = [(tmp_path / f"{n}.out").open("w") for n in range(len(commands))]
    processes = [
        subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE, text=True)
        for command, out in zip(commands, outputs, strict=True)
    ]
    outcomes = [process.communicate(timeout=300)[1] for process in processes]
    for out in outputs:
        out.close()
    outcomes = [(process.returncode, err) for process, err in zip(processes, outcomes, strict=True)]
    assert [code for code, _ in outcomes] == [0] * len(commands), outcomes
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 4
    verified = subprocess.run(_gyengine("verify", "--db", db), capture_output=True, text=True)
    assert verified.returncode == 0, verified.stderr
    assert "4 saved runs" in verified.stdout
