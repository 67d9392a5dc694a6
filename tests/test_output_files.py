"""Files written by ``replay --output`` and ``report -o``: what they refuse, keep and leave behind."""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

import replay_helpers as h
from gyengine import SQLiteEventStore
from gyengine.engine import Engine

# Each command with its output option, writing a small file of the demo dataset.
COMMANDS = {
    "replay": (["replay", "--format", "json", "--output"], "--output"),
    "report": (["report", "monthly", "--period", "2019-06", "--format", "html", "-o"], "-o"),
}


@pytest.fixture(autouse=True)
def _isolated_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    h.isolate_cli(monkeypatch)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database holding the demo dataset and no saved run."""
    path = tmp_path / "demo.db"
    result = h.run_cli(["demo", "init", "--db", path])
    assert result.exit_code == 0, result.output
    assert h.count_rows(path, "runs") == 0
    return path


def write(db: Path, command: str, target: Path | str) -> Result:
    args, _ = COMMANDS[command]
    return h.run_cli([*args, target, "--db", db])


def tmp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def within(seconds: float, run: Callable[[], Result]) -> Result:
    """``run()``, failing the test instead of hanging when it blocks (as opening a FIFO would)."""
    results: list[Result] = []
    thread = threading.Thread(target=lambda: results.append(run()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the command still runs after {seconds} s"
    return results[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_fifo_is_refused_not_replaced(db: Path, tmp_path: Path, command: str) -> None:
    """-o naming a FIFO is a one-line error; the FIFO stays, and nothing waits for a reader."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = within(60, lambda: write(db, command, fifo))
    option = COMMANDS[command][1]
    assert (
        h.one_line_error(result) == f"Error: {option} {fifo}: not a regular file; give a file path"
    )
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert tmp_files(tmp_path) == []
    assert h.count_rows(db, "runs") == 0


def character_device(tmp_path: Path) -> Path:
    """/dev/null; as root, a node of the same device in ``tmp_path``, so a bug cannot replace /dev/null."""
    if os.geteuid() != 0:
        return Path("/dev/null")
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except OSError as error:
        pytest.skip(f"cannot make a device node as root here: {error}")
    return node


@pytest.mark.parametrize("command", COMMANDS)
def test_a_character_device_is_refused(db: Path, tmp_path: Path, command: str) -> None:
    """-o /dev/null is refused (as root it used to replace /dev/null with a file)."""
    device = character_device(tmp_path)
    result = write(db, command, device)
    option = COMMANDS[command][1]
    assert (
        h.one_line_error(result)
        == f"Error: {option} {device}: not a regular file; give a file path"
    )
    assert stat.S_ISCHR(device.lstat().st_mode)
    assert h.count_rows(db, "runs") == 0


@pytest.mark.parametrize("command", COMMANDS)
def test_a_replaced_file_keeps_its_mode(db: Path, tmp_path: Path, command: str) -> None:
    """A private (0600) file stays private once replaced; it is not widened to 0644."""
    target = tmp_path / "private.out"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)
    old = os.umask(0o022)
    try:
        result = write(db, command, target)
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") != "old"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert tmp_files(tmp_path) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to another owner")
def test_a_replaced_file_keeps_its_owner_and_group(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "theirs.json"
    target.write_text("old", encoding="utf-8")
    os.chown(target, 12345, 23456)
    result = write(db, "replay", target)
    assert result.exit_code == 0, result.output
    assert (target.stat().st_uid, target.stat().st_gid) == (12345, 23456)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_new_file_gets_the_umask_mode(db: Path, tmp_path: Path, command: str) -> None:
    """A new file gets 0666 less the umask (not the 0600 of its temporary file)."""
    target = tmp_path / "new.out"
    old = os.umask(0o027)
    try:
        result = write(db, command, target)
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~0o027


@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_folder_fails_before_the_replay(
    db: Path, tmp_path: Path, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing folder is one line naming it, found before any replay, and no run is saved."""

    def no_replay(*args: object, **kwargs: object) -> None:
        raise AssertionError("the replay ran although the output cannot be written")

    monkeypatch.setattr(Engine, "replay", no_replay)
    target = tmp_path / "out" / "x.json"
    result = write(db, command, target)
    option = COMMANDS[command][1]
    assert h.one_line_error(result) == (
        f"Error: {option} {target}: folder {target.parent} does not exist"
    )
    assert h.count_rows(db, "runs") == 0
    assert not target.parent.exists()


def test_a_file_as_folder_is_one_line(db: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    target = tmp_path / "file" / "x.json"
    result = write(db, "replay", target)
    assert h.one_line_error(result) == (
        f"Error: --output {target}: folder {target.parent} is not a folder"
    )


def failing_temporary_file(
    monkeypatch: pytest.MonkeyPatch, where: str, error: OSError
) -> list[Path]:
    """Make the output's temporary file fail with ``error`` on ``write`` or on ``fsync``.

    Returns the list the temporary files' paths are put in.
    """
    real = tempfile.NamedTemporaryFile
    created: list[Path] = []

    def raise_error(*args: object) -> None:
        raise error

    def make(*args: Any, **kwargs: Any) -> Any:
        handle = real(*args, **kwargs)
        created.append(Path(handle.name))
        if where == "write":
            handle.write = raise_error
        return handle

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", make)
    if where == "fsync":
        monkeypatch.setattr(os, "fsync", raise_error)
    return created


@pytest.mark.parametrize("where", ["write", "fsync"])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_full_disk_is_one_line_and_leaves_nothing(
    db: Path, tmp_path: Path, command: str, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC is one line; the temporary file is removed, the old file kept, no run saved."""
    target = tmp_path / "report.out"
    target.write_text("old", encoding="utf-8")
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    created = failing_temporary_file(monkeypatch, where, full)
    result = write(db, command, target)
    assert h.one_line_error(result) == f"Error: no space left on device writing {target}"
    assert len(created) == 1
    assert not created[0].exists()
    assert tmp_files(tmp_path) == []
    assert target.read_text(encoding="utf-8") == "old"
    assert h.count_rows(db, "runs") == 0


def test_a_quota_is_one_line(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.json"
    failing_temporary_file(monkeypatch, "write", OSError(errno.EDQUOT, "Disk quota exceeded"))
    result = write(db, "replay", target)
    assert h.one_line_error(result) == f"Error: disk quota exceeded writing {target}"
    assert tmp_files(tmp_path) == []
    assert not target.exists()


def test_permission_denied_is_one_line_naming_the_path(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder the temporary file cannot be made in (as a non-root user would meet)."""
    target = tmp_path / "r.json"

    def denied(*args: Any, dir: Any = None, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied", str(Path(dir) / "tmpx.tmp"))

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", denied)
    result = write(db, "replay", target)
    assert h.one_line_error(result) == f"Error: cannot write {target}: Permission denied"
    assert h.count_rows(db, "runs") == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in any folder")
def test_a_read_only_folder_fails_before_the_replay(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = write(db, "replay", folder / "r.json")
    finally:
        folder.chmod(0o700)
    assert h.one_line_error(result) == (
        f"Error: --output {folder / 'r.json'}: cannot write in folder {folder}: permission denied"
    )
    assert h.count_rows(db, "runs") == 0


def test_the_run_is_saved_once_the_output_is_written(db: Path, tmp_path: Path) -> None:
    """A successful replay --output saves one run; --no-save none."""
    assert write(db, "replay", tmp_path / "a.json").exit_code == 0
    assert h.count_rows(db, "runs") == 1
    result = h.run_cli(
        ["replay", "--db", db, "--no-save", "--format", "json", "--output", tmp_path / "b.json"]
    )
    assert result.exit_code == 0, result.output
    assert h.count_rows(db, "runs") == 1
    assert json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))


def test_engine_save_run(db: Path) -> None:
    """``replay(save=False)`` then ``save_run`` is what ``replay(save=True)`` does."""
    with Engine(SQLiteEventStore(db)) as engine:
        unsaved = engine.replay(save=False)
        assert unsaved.run_id is None
        assert h.count_rows(db, "runs") == 0
        saved = engine.save_run(unsaved)
        assert saved.run_id is not None
        assert h.count_rows(db, "runs") == 1
        assert saved.records == unsaved.records
        again = engine.replay()
        assert again.run_id not in (None, saved.run_id)
        assert h.count_rows(db, "runs") == 2
