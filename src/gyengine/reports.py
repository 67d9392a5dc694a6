"""Kinds of report: a name, the kind of period, and how a replay becomes a Document.

Report plugins register them (``register_reports``); ``gyengine report NAME``
replays the log as of the period's end (or ``--as-of``) and known at
``--known-at``, builds the document and writes it with a document renderer.
A kind with no period (``period=None``) lays out a replay of the whole log, the
latest period of each thing: ``gyengine replay`` prints the one named
``scoreboard``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from .document import Document
from .replay import Replay
from .timeutil import Period

__all__ = ["ReportKind"]


@attrs.frozen(kw_only=True)
class ReportKind:
    """A kind of report.

    Args:
        name: the command's argument: ``weekly``, ``monthly``, ``quarterly``...
        period: the kind of period it covers (``week``, ``month``, ``quarter``,
            ``year``), or None: it covers none, and ``build`` is given None.
        build: ``build(replay, period, lang) -> Document``; ``lang`` is ``zh``,
            ``en`` or None (no --lang given: the plan's own language).
        evaluators: the evaluators it needs (with what they require); None for all.
        description: one line for help texts.
    """

    name: str
    period: str | None
    build: (
        Callable[[Replay, Period, str | None], Document]
        | Callable[[Replay, None, str | None], Document]
    )
    evaluators: tuple[str, ...] | None = None
    description: str = ""

    def document(self, replay: Replay, period: Period | None, lang: str | None) -> Document:
        """``build(replay, period, lang)``, with a period exactly when the kind covers one."""
        if (period is None) != (self.period is None):
            wanted = f"a {self.period}" if self.period is not None else "no period"
            raise ValueError(f"the {self.name} report covers {wanted}")
        build: Callable[[Replay, Any, str | None], Document] = self.build
        return build(replay, period, lang)
