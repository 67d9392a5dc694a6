"""The benchmark scripts run (in quick mode): they measure by hand, but must not rot.

Nothing here checks a speed: the figures of a tiny run mean little, and speed
targets are met in benchmarks, not in tests. What is checked is that each script
completes, measures every phase and writes what it says it writes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_store_bench_quick_mode(tmp_path: Path) -> None:
    """bench_store.py measures every phase and writes its figures as JSON."""
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_store.py"),
            "--events",
            "3000",
            "--batch",
            "1000",
            "--streams",
            "50",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        env={"TMPDIR": str(tmp_path), "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(out.read_text("utf-8"))
    assert figures["events"] == 3000
    for rate in ("floor_append", "append", "storage", "floor_read", "read", "verify"):
        assert figures["rates"][rate] > 0, rate
    assert "SQLite alone, gyengine rows" in done.stdout
    assert "indicative: quick mode" in done.stdout
    assert list(tmp_path.glob("gyengine-bench-*")) == []  # its databases are removed


def test_replay_bench_quick_mode(tmp_path: Path) -> None:
    """bench_replay.py runs the full, checkpoint and incremental replays and times the CLI."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_replay.py"), "--events", "3000"],
        capture_output=True,
        text=True,
        env={"TMPDIR": str(tmp_path), "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    for phase in ("full replay, counting", "incremental (+1 event)", "gyengine --help"):
        assert phase in done.stdout, phase


def test_append_bench_quick_mode(tmp_path: Path) -> None:
    """bench_append.py times SQLite alone, the library, the command and the checks' cost."""
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_append.py"),
            "--events",
            "2000",
            "--check-events",
            "500",
            "--rounds",
            "1",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        env={"TMPDIR": str(tmp_path), "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(out.read_text("utf-8"))
    for phase in ("alone", "library", "command"):
        assert figures[phase]["wall"] > 0, phase
    assert figures["command"]["output"] == "appended 2000 events (seq 157..2156)"
    assert len(figures["checks"]["cpu"]["checked"]) == 1
    assert "gyengine append FILE.jsonl" in done.stdout
    assert list(tmp_path.glob("gyengine-bench-append-*")) == []  # its databases are removed
