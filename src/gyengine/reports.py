"""Kinds of report: a name, the kind of period, and how a replay becomes a Document.

Report plugins register them (``register_reports``); ``gyengine report NAME``
replays the log as of the period's end (or ``--as-of``) and known at
``--known-at``, builds the document and writes it with a document renderer.
"""

from __future__ import annotations

from collections.abc import Callable

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
        period: the kind of period it covers (``week``, ``month``, ``quarter``, ``year``).
        build: ``build(replay, period, lang) -> Document``; ``lang`` is ``zh``,
            ``en`` or None (no --lang given: the plan's own language).
        evaluators: the evaluators it needs (with what they require); None for all.
        description: one line for help texts.
    """

    name: str
    period: str
    build: Callable[[Replay, Period, str | None], Document]
    evaluators: tuple[str, ...] | None = None
    description: str = ""
