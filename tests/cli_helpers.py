"""Helpers shared by the CLI tests: running commands, fingerprinting a database, test plugins."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from gyengine.cli import cli

# Variables that would change what the CLI does behind a test's back.
ENV_VARS = (
    "GYENGINE_DB",
    "GYENGINE_PLUGINS_DIR",
    "GYENGINE_PROGRESS_AFTER",
    "FORCE_COLOR",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "COLUMNS",
)

# Without `from __future__ import annotations`: see test_plugins_dir_postponed_annotations.
PLUGIN_SOURCE = '''\
"""Test event types with every kind of field the converter handles."""

import datetime
from decimal import Decimal

import attrs

from gyengine import hookimpl


@attrs.frozen
class MilestoneSet:
    """A project's milestone was set, with a due date, a count and an amount."""

    project: str
    due: datetime.date
    count: int
    amount: Decimal
    ratio: float = 0.0


@hookimpl
def register_event_types():
    return [MilestoneSet]
'''


def clean_environment(monkeypatch: Any) -> None:
    """Remove the environment variables the CLI reads, so only the test decides."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def invoke(args: Sequence[str], input: bytes | str | None = None) -> Result:
    """Run the CLI in-process, the way the console script would."""
    return CliRunner().invoke(cli, list(args), input=input, prog_name="gyengine")


def gyengine_script() -> str:
    """The path of the installed ``gyengine`` console script."""
    beside = Path(sys.executable).with_name("gyengine")
    if beside.exists():
        return str(beside)
    found = shutil.which("gyengine")
    assert found is not None, "the gyengine console script is not installed"
    return found


def subprocess_env(**extra: str) -> dict[str, str]:
    """The current environment without the variables that steer the CLI or rich."""
    env = {key: value for key, value in os.environ.items() if key not in ENV_VARS}
    env.update(extra)
    return env


def fingerprint(db: Path) -> dict[str, str]:
    """sha256 of the database file and of any ``-wal``/``-shm``/``-journal`` beside it.

    Comparing this before and after a command shows that it wrote nothing, not
    even to a write-ahead log left behind.
    """
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(db.parent.glob(db.name + "*"))
        if path.is_file()
    }


def error_lines(result: Result) -> list[str]:
    """The error a command printed, checked to be one line plus an optional hint.

    ``handle_errors`` renders ``Error: message`` and, when there is a fix,
    a blank line and a hint paragraph. Returns ``[message]`` or
    ``[message, hint]``.
    """
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    text = result.stderr
    assert "Traceback" not in text
    lines = text.rstrip("\n").split("\n")
    assert lines[0].startswith("Error: "), text
    if len(lines) == 1:
        return [lines[0]]
    assert len(lines) == 3, f"more than one line and a hint: {text!r}"
    assert lines[1] == "", text
    assert lines[2].strip(), text
    return [lines[0], lines[2]]


def statistic(
    *,
    id: str | None = None,
    stream: str = "indicator/I1",
    value: Any = "8.7",
    data: Any = None,
    **top: Any,
) -> dict[str, Any]:
    """A valid StatisticReported event line as a dict, with overrides."""
    event: dict[str, Any] = {
        "type": "StatisticReported",
        "stream": stream,
        "occurred": "2019-06",
        "actor": "统计局",
        "data": data if data is not None else {"indicator": "I1", "value": value, "unit": "%"},
    }
    if id is not None:
        event["id"] = id
    event.update(top)
    return event


def jsonl(events: Iterable[Mapping[str, Any] | str | bytes]) -> bytes:
    """JSON Lines bytes: dicts are dumped, text and bytes go in as they are."""
    lines = []
    for event in events:
        if isinstance(event, bytes):
            lines.append(event)
        elif isinstance(event, str):
            lines.append(event.encode())
        else:
            lines.append(json.dumps(event, ensure_ascii=False).encode())
    return b"".join(line + b"\n" for line in lines)


def write_plugin(directory: Path) -> Path:
    """Write the MilestoneSet test plugin into ``directory`` and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "milestones.py").write_text(PLUGIN_SOURCE, encoding="utf-8")
    return directory
