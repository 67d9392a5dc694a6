"""Kinds of report: a name, the kind of period, and how a replay becomes a Document.

Report plugins register them (``register_reports``); ``gyengine report NAME``
replays the log as of the period's end (or ``--as-of``) and known at
``--known-at``, builds the document and writes it with a document renderer.
A kind with no period (``period=None``) lays out a replay of the whole log, the
latest period of each thing: ``gyengine replay`` prints the one named
``scoreboard`` (:data:`SCOREBOARD`), or gyengine's own ``results``
(:data:`RESULTS`) when no plugin registers one, or with ``--all``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from .document import Document
from .errors import WrongPeriod
from .replay import Replay
from .timeutil import Period, parse_period

__all__ = ["RESULTS", "SCOREBOARD", "ReportKind"]

SCOREBOARD = "scoreboard"
"""The kind ``gyengine replay`` prints when a plugin registers it: one screen of 80 columns."""

RESULTS = "results"
"""gyengine's own kind: every evaluator's latest judged results and every finding."""


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

    def covering(self, period: str | Period | None) -> Period | None:
        """The period a report of this kind covers, read from ``period`` and checked.

        Raises:
            WrongPeriod: a period for a kind that covers none, none for one that
                covers one, or a period of another kind (a month for a quarterly).
            ValueError: ``period`` is text that names no period.
        """
        if period is None:
            if self.period is not None:
                raise WrongPeriod(self.name, self.period, None)
            return None
        given = period if isinstance(period, Period) else parse_period(period)
        if self.period is None or given.kind != self.period:
            raise WrongPeriod(self.name, self.period, given.text)
        return given

    def document(self, replay: Replay, period: Period | None, lang: str | None) -> Document:
        """``build(replay, period, lang)``, with a period exactly when the kind covers one.

        Raises:
            WrongPeriod: a period for a kind that covers none, or none for one
                that covers one (a ``ValueError``).
        """
        if (period is None) != (self.period is None):
            raise WrongPeriod(self.name, self.period, None if period is None else period.text)
        build: Callable[[Replay, Any, str | None], Document] = self.build
        return build(replay, period, lang)
