"""Long work shows progress on a terminal, and none when piped (issue #15).

The library reports progress through callbacks (``Engine.append(on_progress=...)``);
the commands draw a bar on stderr only when it is a terminal, once the work has
run for ``GYENGINE_PROGRESS_AFTER`` seconds (2 by default; 0 here, so that a
short run shows it).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

import gyengine
import replay_helpers as h
from gyengine import NewEvent
from gyengine.progress import ProgressBar, count_lines

EVENTS = 1_200


@pytest.fixture(autouse=True)
def _isolated_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    h.isolate_cli(monkeypatch)


def notes(count: int) -> list[NewEvent]:
    return [
        NewEvent(type="EventRetracted", stream=f"s/{n % 7}", data={"reason": f"note {n}"})
        for n in range(count)
    ]


def write_notes(path: Path, count: int) -> Path:
    lines = (
        json.dumps({"type": "EventRetracted", "stream": f"s/{n % 7}", "data": {"reason": "x"}})
        for n in range(count)
    )
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_the_append_callback_counts_up_to_the_total(tmp_path: Path) -> None:
    """on_progress(done, total) is called per chunk with increasing counts, ending at the
    batch's size; a generator has no total."""
    with gyengine.open(tmp_path / "log.db", create=True) as engine:
        calls: list[tuple[int, int | None]] = []
        engine.append(notes(EVENTS), on_progress=lambda done, total: calls.append((done, total)))
        done = [d for d, _ in calls]
        assert done == sorted(set(done))  # strictly increasing
        assert len(done) >= 2
        assert calls[-1] == (EVENTS, EVENTS)
        assert {total for _, total in calls} == {EVENTS}
        calls.clear()
        engine.append(iter(notes(10)), on_progress=lambda done, total: calls.append((done, total)))
        assert calls == [(10, None)]


def test_a_piped_command_shows_no_bar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CliRunner's stderr is no terminal: the output is the command's lines only."""
    monkeypatch.setenv("GYENGINE_PROGRESS_AFTER", "0")
    db = tmp_path / "log.db"
    events = write_notes(tmp_path / "notes.jsonl", EVENTS)
    assert h.run_cli(["init", "--db", db]).exit_code == 0
    result = h.run_cli(["append", events, "--db", db])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.splitlines()[0] == f"appended {EVENTS} events (seq 1..{EVENTS})"
    verified = h.run_cli(["verify", "--db", db])
    assert verified.exit_code == 0
    assert verified.stderr == ""


def test_a_bar_waits_before_it_shows() -> None:
    """Short work draws nothing: the bar appears only after the delay, when enabled."""
    waiting = ProgressBar("appending", 10, enabled=True)
    waiting.update(5, 10)
    assert not waiting.shown
    waiting.close()
    off = ProgressBar("appending", 10, enabled=False)
    off._after = 0  # even past the delay, a disabled bar draws nothing
    off.update(5, 10)
    assert not off.shown


def test_count_lines(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    path.write_bytes(b"a\nb\nc")
    assert count_lines(str(path)) == 3
    path.write_bytes(b"a\nb\n")
    assert count_lines(str(path)) == 2
    assert count_lines(str(tmp_path / "missing")) is None


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal (POSIX)")
def test_a_terminal_shows_the_bar(tmp_path: Path) -> None:
    """On a terminal, append draws a bar on stderr with the counts and the rate."""
    db = tmp_path / "log.db"
    events = write_notes(tmp_path / "notes.jsonl", EVENTS)
    assert h.run_cli(["init", "--db", db]).exit_code == 0
    leader, follower = os.openpty()
    env = {**os.environ, "GYENGINE_PROGRESS_AFTER": "0", "COLUMNS": "120", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    child = subprocess.Popen(
        [h.console_script(), "append", str(events), "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=follower,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    os.close(follower)
    drawn = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed its end (EIO on Linux)
                break
            if not chunk:
                break
            drawn += chunk
        elif child.poll() is not None:
            break
    os.close(leader)
    stdout, _ = child.communicate(timeout=60)
    assert child.returncode == 0, drawn.decode(errors="replace")
    assert stdout.decode().startswith(f"appended {EVENTS} events"), stdout
    text = drawn.decode("utf-8", errors="replace")
    assert "appending" in text, text
    assert f"/{EVENTS}" in text, text  # done of total
    assert "events/s" in text, text


def test_progress_does_not_load_rich_for_help() -> None:
    """gyengine --help stays quick: the progress module imports rich only to draw."""
    code = (
        "import sys; from gyengine.cli import cli; import gyengine.progress; "
        "print('rich.progress' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
