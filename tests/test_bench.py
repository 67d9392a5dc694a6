"""The benchmark scripts run (in quick mode): they measure by hand, but must not rot.

Nothing here checks a speed: the figures of a tiny run mean little, and speed
targets are met in benchmarks, not in tests. What is checked is that each script
completes, measures every phase and writes what it says it writes.
"""

from __future__ import annotations

import json
import pstats
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


def test_province_bench_quick_mode(tmp_path: Path) -> None:
    """bench_province.py builds one county, replays it in full and after its last week."""
    figures = tmp_path / "province.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_province.py"),
            "--counties",
            "1",
            "--no-postgres",
            "--json",
            str(figures),
            "--profile",
            str(tmp_path / "profiles"),
        ],
        capture_output=True,
        text=True,
        env={"TMPDIR": str(tmp_path), "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    [row] = json.loads(figures.read_text("utf-8"))
    assert row["counties"] == 1
    for replay in ("full", "incremental"):  # --profile: each replay's cProfile statistics
        stats = pstats.Stats(str(tmp_path / "profiles" / f"sqlite-1-{replay}.prof"))
        assert any(name == "replay_each" for _, _, name in stats.stats)  # type: ignore[attr-defined]
    assert row["week_events"] > 0
    assert row["full"]["plans"] == row["incremental"]["plans"] == 1
    assert row["full"]["resumed"] == 0
    assert row["incremental"]["resumed"] == 1
    assert "1 counties" in done.stdout


def test_runs_bench(tmp_path: Path) -> None:
    """bench_runs.py measures the log, each run and the first layout beside it (SQLite)."""
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_runs.py"),
            "--no-postgres",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        env={"TMPDIR": str(tmp_path), "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(out.read_text("utf-8"))["sqlite"]
    assert figures["log_bytes"] > 0
    assert 0 < figures["first_run_adds"] < figures["first_layout_run_adds"]
    assert figures["results"] > 0
    assert figures["evidence_seqs"] > 0
    assert "one saved run adds" in done.stdout


def test_backends_bench_quick_mode(tmp_path: Path) -> None:
    """bench_backends.py measures every phase on SQLite and, where a server answers,
    on PostgreSQL (else it says why not), and writes its figures as JSON."""
    import pg_helpers

    out = tmp_path / "figures.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_backends.py"),
            *("--events", "3000", "--batch", "1000", "--streams", "50"),
            *("--postgres", pg_helpers.ADMIN_URL, "--json", str(out)),
        ],
        capture_output=True,
        text=True,
        env={"TMPDIR": str(tmp_path), "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(out.read_text("utf-8"))
    backends = figures["backends"]
    expected = {"sqlite"} if "postgresql_skipped" in figures else {"sqlite", "postgresql"}
    assert set(backends) == expected
    for backend in backends.values():
        assert backend["append"]["seconds"] > 0
        for phase in ("floor-read", "read", "verify", "full", "checkpoint"):
            assert backend["phases"][phase]["count"] == 3000, phase
        assert backend["phases"]["incremental"]["count"] == 1
    if "postgresql" in backends:
        assert set(backends["postgresql"]["floor_append"]) == {"copy", "executemany"}
        assert "x the COPY floor" in done.stdout
    else:
        assert "PostgreSQL: skipped (no PostgreSQL server at" in done.stdout
    assert list(tmp_path.glob("gyengine-bench-*")) == []  # its databases are removed


def test_commands_bench_quick_mode(tmp_path: Path) -> None:
    """bench_commands.py times every command against --help and writes its figures as JSON."""
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_commands.py"),
            "--rounds",
            "1",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        env={"TMPDIR": str(tmp_path), "PATH": "", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(out.read_text("utf-8"))
    commands = {row["command"]: row for row in figures["commands"]}
    assert set(commands) == {"help", "replay", "monthly", "explain", "replay --db"}
    assert commands["help"]["cpu_ratio"] == 1.0
    for name in ("replay", "monthly", "explain"):
        assert commands[name]["cpu_s"] > 0, name
        assert commands[name]["target"] is not None, name
    assert "<= 3 x help" in done.stdout


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
