"""Progress of long work on a terminal: a bar with counts and rate on stderr.

The library never draws: :meth:`Engine.append <gyengine.Engine.append>` calls
``on_progress(done, total)`` with the events handled so far, and replays and
``verify`` call ``progress(count)`` with the rows just handled. The commands
draw those calls with :func:`progress_bar`, which shows a bar only when stderr
is a terminal, and only once the work has run for :data:`SHOW_AFTER` seconds,
so that short commands and piped output stay clean. ``rich.progress`` is
imported only when a bar is shown (``gyengine --help`` stays quick).

Example (a plugin's command)::

    with gyengine.progress_bar("importing", None) as bar:
        engine.append(events, on_progress=bar.update)
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

__all__ = ["SHOW_AFTER", "OnProgress", "ProgressBar", "progress_bar"]

OnProgress = Callable[[int, "int | None"], None]
"""``on_progress(done, total)``: how much of the work is done, of ``total`` (``None``: unknown)."""

SHOW_AFTER: Final = 2.0
"""Seconds of work before a bar appears (``GYENGINE_PROGRESS_AFTER`` overrides it)."""


def _show_after() -> float:
    try:
        return max(0.0, float(os.environ.get("GYENGINE_PROGRESS_AFTER", SHOW_AFTER)))
    except ValueError:
        return SHOW_AFTER


class ProgressBar:
    """The progress of one piece of work, drawn on stderr once it has run long enough.

    Args:
        description: what is being done (``appending``).
        total: how much there is to do, if known.
        unit: what is counted, for the rate (``events``).
        enabled: draw at all (default: when stderr is a terminal).
    """

    def __init__(
        self,
        description: str,
        total: int | None,
        *,
        unit: str = "events",
        enabled: bool | None = None,
    ) -> None:
        self.description = description
        self.total = total
        self.unit = unit
        self.done = 0
        self.enabled = _stderr_is_terminal() if enabled is None else enabled
        self.shown = False
        self._began = time.monotonic()
        self._after = _show_after()
        self._progress: Any = None
        self._task: Any = None

    def advance(self, count: int) -> None:
        """``count`` more units are done."""
        self.done += count
        self._draw()

    def update(self, done: int, total: int | None = None) -> None:
        """``done`` units are done (of ``total``, when given): an ``on_progress`` callback."""
        self.done = done
        if total is not None:
            self.total = total
        self._draw()

    def _draw(self) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self._began
        if self._progress is None:
            if elapsed < self._after:
                return
            self._start()
        rate = f"{self.done / elapsed:,.0f} {self.unit}/s" if elapsed > 0 else ""
        self._progress.update(self._task, completed=self.done, total=self.total, rate=rate)

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(self.description, total=self.total, rate="")
        self.shown = True

    def close(self) -> None:
        """Take the bar off the terminal (it is transient)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed
        return False


@contextmanager
def progress_bar(
    description: str,
    total: int | None,
    *,
    unit: str = "events",
    enabled: bool | None = None,
) -> Iterator[ProgressBar]:
    """A :class:`ProgressBar` for the duration of a ``with`` block; nothing when piped."""
    bar = ProgressBar(description, total, unit=unit, enabled=enabled)
    try:
        yield bar
    finally:
        bar.close()


def count_lines(path: str, limit: int = 1 << 30) -> int | None:
    """The number of lines of a file (for a bar's total), or ``None`` past ``limit`` bytes."""
    try:
        if os.path.getsize(path) > limit:
            return None
        count, last = 0, b"\n"
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                count += block.count(b"\n")
                last = block[-1:]
        return count + (last != b"\n")  # a last line without its newline
    except OSError:
        return None
