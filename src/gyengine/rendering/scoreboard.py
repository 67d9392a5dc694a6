"""The replay scoreboard: ``gyengine replay``'s table, JSON, CSV and Markdown.

These four write a :class:`~gyengine.Replay` itself (``render(replay,
output)``, the :class:`~gyengine.Renderer` protocol), not a report document:
the JSON and CSV are the replay's records as data, the table and Markdown a
scoreboard of them. They are registered by :mod:`gyengine.builtin`, the way a
plugin's would be.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from typing import IO, Any

import attrs

from ..evaluation import Score
from ..replay import Replay, ResultRecord

__all__ = [
    "COLUMNS",
    "CsvRenderer",
    "JsonRenderer",
    "MarkdownRenderer",
    "TableRenderer",
    "latest_scores",
    "natural_key",
    "neutralise_formula",
]


COLUMNS = (
    "evaluator",
    "record_type",
    "subject",
    "metric",
    "period",
    "value",
    "target",
    "expected",
    "status",
    "points",
    "unit",
    "kind",
    "rule",
    "rationale",
    "evidence",
)


def _row(item: ResultRecord) -> dict[str, Any]:
    row = item.to_row()
    row["evidence"] = " ".join(str(seq) for seq in row["evidence"])
    return row


def neutralise_formula(value: Any) -> Any:
    """Make a text cell inert in spreadsheets (numbers and None pass as they are)."""
    from ..document import neutralise

    return neutralise(value) if isinstance(value, str) else value


def _header(replay: Replay) -> list[str]:
    options = replay.options
    lines = [
        f"log: seq 1..{replay.seq_to}, head {replay.head_hash}",
        ("chain: ok, " if replay.chain_ok else "chain: BROKEN, ") + replay.verification_text(),
    ]
    if options.as_of is not None:
        lines.append(f"as of: {options.as_of.isoformat()}")
    if options.known_at is not None:
        lines.append(f"known at: {options.known_at}")
    lines.append("plugins: " + ", ".join(f"{n} {v}" for n, v in replay.plugins))
    return lines


@attrs.frozen
class JsonRenderer:
    """The whole replay as one JSON document (deterministic to the byte)."""

    name: str = "json"
    description: str = "JSON: options, log range and head hash, plugins, every record"

    def render(self, replay: Replay, output: IO[str]) -> None:
        # The answer, then what this replay checked to give it (which depends on
        # the checkpoints it found, so a resumed replay says so here and only here).
        document = {**replay.to_json(), "verification": replay.verification_json()}
        json.dump(document, output, ensure_ascii=False, indent=2, sort_keys=False)
        output.write("\n")


@attrs.frozen
class CsvRenderer:
    """One row per record, UTF-8; cells that look like formulas are neutralised."""

    name: str = "csv"
    description: str = "CSV: one row per score or finding"

    def render(self, replay: Replay, output: IO[str]) -> None:
        writer = csv.DictWriter(
            output, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        for item in replay.records:
            writer.writerow({k: neutralise_formula(v) for k, v in _row(item).items()})


def _md(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


@attrs.frozen
class MarkdownRenderer:
    """Markdown tables: scores, then findings, under a header naming the log."""

    name: str = "markdown"
    description: str = "Markdown: a header, a table of scores and one of findings"

    def render(self, replay: Replay, output: IO[str]) -> None:
        output.write("# gyengine replay\n\n")
        for line in _header(replay):
            output.write(f"- {line}\n")
        scores = [i for i in replay.records if isinstance(i.record, Score)]
        findings = [i for i in replay.records if not isinstance(i.record, Score)]
        score_cols = (
            "evaluator",
            "subject",
            "metric",
            "period",
            "value",
            "target",
            "expected",
            "status",
            "points",
            "evidence",
        )
        finding_cols = ("evaluator", "kind", "subject", "rule", "period", "rationale", "evidence")
        for title, items, cols in (
            ("Scores", scores, score_cols),
            ("Findings", findings, finding_cols),
        ):
            output.write(f"\n## {title}\n\n")
            if not items:
                output.write("None.\n")
                continue
            output.write("| " + " | ".join(cols) + " |\n")
            output.write("|" + "---|" * len(cols) + "\n")
            for item in items:
                row = _row(item)
                output.write("| " + " | ".join(_md(row[c]) for c in cols) + " |\n")


_STATUS_STYLE = {"green": "green", "watch": "cyan", "yellow": "yellow", "red": "red"}


@attrs.frozen
class TableRenderer:
    """A scoreboard: per evaluator, the latest period of each result, CJK-aligned and coloured.

    Every period is in the JSON, CSV and Markdown forms; the terminal shows the
    state as of the replay, which is what a reader of a terminal wants.
    """

    name: str = "table"
    description: str = "terminal scoreboard: the latest period of each score, and the findings"

    def render(self, replay: Replay, output: IO[str]) -> None:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        from ..document import printable

        console = Console(file=output, width=160 if not output.isatty() else None, highlight=False)
        for line in _header(replay):
            console.print(printable(line), markup=False)
        # The scoreboard shows judged results (those with a status), latest period
        # of each; breakdowns without a verdict are in the other formats.
        every = latest_scores(replay.records)
        latest = [
            item
            for item in every
            if isinstance(item.record, Score) and item.record.status is not None
        ]
        hidden = len(every) - len(latest)
        for evaluator, _, _ in replay.evaluators:
            rows = [item for item in latest if item.evaluator == evaluator]
            if not rows:
                continue
            table = Table(
                title=Text(f"\n{printable(evaluator)}"),
                box=None,
                header_style="bold",
                title_justify="left",
            )
            columns = (
                "subject",
                "label",
                "metric",
                "period",
                "value",
                "target",
                "expected",
                "status",
                "points",
                "evidence",
            )
            for col in columns:
                table.add_column(
                    col,
                    overflow="fold",
                    justify="right" if col in ("value", "target", "expected", "points") else "left",
                )
            for item in rows:
                row = _row(item)
                # Text cells, never markup: names and notes come from events.
                table.add_row(
                    *[_text(row[c]) for c in ("subject", "label", "metric", "period")],
                    *[_text(_figure(row[c])) for c in ("value", "target", "expected")],
                    Text(
                        printable(str(row["status"] or "")),
                        style=_STATUS_STYLE.get(str(row["status"]), ""),
                    ),
                    _text(_figure(row["points"])),
                    Text(_short_evidence(row["evidence"])),
                )
            console.print(table)
        findings = [i for i in replay.records if not isinstance(i.record, Score)]
        if findings:
            table = Table(title="\nfindings", box=None, header_style="bold", title_justify="left")
            for col in ("kind", "subject", "rule", "period", "rationale", "evidence"):
                table.add_column(col, overflow="fold")
            for item in findings:
                row = _row(item)
                rationale = str(row["rationale"] or "")
                if len(rationale) > 140:  # the whole text is in JSON, CSV and `explain`
                    rationale = rationale[:139] + "…"
                row["rationale"] = rationale
                table.add_row(
                    *[_text(row[c]) for c in ("kind", "subject", "rule", "period", "rationale")],
                    Text(_short_evidence(row["evidence"])),
                )
            console.print(table)
        if not replay.records:
            console.print("no results (no evaluator produced any)")
        else:
            console.print(
                "\nthe latest period of each judged result"
                + (f" ({hidden} results without a status left out)" if hidden else "")
                + "; every period and result, with its rationale, is in --format json, csv or "
                "markdown; `gyengine explain SUBJECT` shows the evidence",
                markup=False,
            )


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


def _figure(value: Any) -> Any:
    """Show a figure with at most two decimals (the exact one is in JSON and CSV)."""
    if value is None or value == "":
        return value
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return value
    if number == number.to_integral_value():
        return f"{number:,.0f}"
    return f"{number.quantize(Decimal('0.01')):,}"


def _text(value: Any) -> Any:
    from rich.text import Text

    from ..document import printable

    return Text(printable("" if value is None else str(value)))


def _short_evidence(text: str) -> str:
    seqs = text.split()
    if len(seqs) <= 4:
        return ", ".join(seqs)
    return f"{', '.join(seqs[:3])} … ({len(seqs)} events)"
