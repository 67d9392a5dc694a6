"""gyengine's own scoreboard: the built-in report kind ``results``.

Every evaluator's latest judged results and every finding, as a
:class:`~gyengine.Document` like any report: ``gyengine replay --all`` (and
``gyengine replay`` when no plugin registers a ``scoreboard`` kind) writes it
with the ``terminal`` renderer, ``--format markdown`` with the ``markdown``
one, and ``gyengine report results`` with any. It is registered by
:mod:`gyengine.builtin`, the way a plugin's kind would be. A replay's records
as data are the exports (:mod:`gyengine.exports`).
"""

from __future__ import annotations

from typing import Any, Final

from ..document import Column, Document, Paragraph, Section, Table
from ..evaluation import Score
from ..exports import COLUMNS
from ..replay import Replay, ResultRecord
from ..reports import RESULTS, ReportKind

__all__ = [
    "COLUMNS",
    "RESULTS_KIND",
    "build_results",
    "latest_scores",
    "natural_key",
    "neutralise_formula",
]


def neutralise_formula(value: Any) -> Any:
    """Make a text cell inert in spreadsheets (numbers and None pass as they are)."""
    from ..document import neutralise

    return neutralise(value) if isinstance(value, str) else value


def header(replay: Replay) -> list[tuple[str, str]]:
    """The log, the chain, the times and the plugins of a replay, as ``(label, value)`` pairs."""
    options = replay.options
    pairs = [
        ("log", f"seq 1..{replay.seq_to}, head {replay.head_hash}"),
        ("chain", ("ok, " if replay.chain_ok else "BROKEN, ") + replay.verification_text()),
    ]
    if options.as_of is not None:
        pairs.append(("as of", options.as_of.isoformat()))
    if options.known_at is not None:
        pairs.append(("known at", options.known_at))
    pairs.append(("plugins", ", ".join(f"{n} {v}" for n, v in replay.plugins)))
    return pairs


_SCORE_COLUMNS: Final = (
    Column("subject", "subject"),
    Column("label", "label"),
    Column("metric", "metric"),
    Column("period", "period"),
    Column("value", "value", "number"),
    Column("target", "target", "number"),
    Column("expected", "expected", "number"),
    Column("status", "status", "status"),
    Column("points", "points", "number"),
    Column("evidence", "evidence", "evidence"),
)
_FINDING_COLUMNS: Final = (
    Column("kind", "kind"),
    Column("subject", "subject"),
    Column("rule", "rule"),
    Column("period", "period"),
    Column("rationale", "rationale"),
    Column("evidence", "evidence", "evidence"),
)
_NUMBERS: Final = ("value", "target", "expected", "points")


def _cells(item: ResultRecord, columns: tuple[Column, ...]) -> dict[str, Any]:
    row = item.to_row()
    cells: dict[str, Any] = {column.key: row[column.key] for column in columns}
    for key in _NUMBERS:
        if key in cells and cells[key] is not None:
            cells[key] = getattr(item.record, key)  # the exact Decimal, not its text
    return cells


def build_results(replay: Replay, period: None, lang: str | None) -> Document:
    """The latest period of each judged score per evaluator, then every finding.

    Scores without a status (breakdowns without a verdict) are left out and
    counted; every period and result is in the exports (``--format json`` or
    ``csv``). Headings are the records' field names, in English; ``lang``
    picks the renderers' own words (statuses, the synthetic notice).
    """
    every = latest_scores(replay.records)
    judged = [i for i in every if isinstance(i.record, Score) and i.record.status is not None]
    tables = [
        Table(evaluator, evaluator, _SCORE_COLUMNS, [_cells(i, _SCORE_COLUMNS) for i in rows])
        for evaluator, _, _ in replay.evaluators
        if (rows := [i for i in judged if i.evaluator == evaluator])
    ]
    findings = [i for i in replay.records if not isinstance(i.record, Score)]
    sections = [
        Section("scores", "Scores", tables or [Paragraph("None.")]),
        Section(
            "findings",
            "Findings",
            [
                Table(
                    "findings",
                    "",
                    _FINDING_COLUMNS,
                    [_cells(i, _FINDING_COLUMNS) for i in findings],
                )
            ]
            if findings
            else [Paragraph("None.")],
        ),
    ]
    hidden = len(every) - len(judged)
    if replay.records:
        note = (
            "The latest period of each judged result"
            + (f" ({hidden} results without a status left out)" if hidden else "")
            + "; every period and result, with its rationale, is in --format json or csv;"
            " `gyengine explain SUBJECT` shows the evidence."
        )
    else:
        note = "No results (no evaluator produced any)."
    sections.append(Section("about", "About", [Paragraph(note)]))
    return Document(
        title="gyengine replay",
        lang=lang or "en",
        synthetic=replay.synthetic,
        meta=header(replay),
        sections=sections,
    )


RESULTS_KIND: Final = ReportKind(
    name=RESULTS,
    period=None,
    build=build_results,
    description="every evaluator's latest judged results and every finding (gyengine's own)",
)
"""The built-in report kind ``results``."""


def _period_key(text: str) -> tuple[Any, ...]:
    from ..timeutil import parse_period

    try:
        period = parse_period(text)
    except ValueError:
        return (1, text)
    return (0, period.end, -(period.end - period.start).days)


def natural_key(text: str) -> list[Any]:
    """Sort key that puts I2 before I10 and P9 before P10."""
    import re

    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def latest_scores(records: Any) -> list[ResultRecord]:
    """The latest period of each (evaluator, subject, metric), sorted naturally."""
    best: dict[tuple[str, str, str], ResultRecord] = {}
    for item in records:
        record = item.record
        if not isinstance(record, Score):
            continue
        key = (item.evaluator, record.subject, record.metric)
        current = best.get(key)
        if current is None or _period_key(record.period) > _period_key(current.record.period):
            best[key] = item
    return sorted(
        best.values(),
        key=lambda i: (
            i.evaluator,
            natural_key(i.record.subject),
            natural_key(i.record.metric if isinstance(i.record, Score) else ""),
        ),
    )
