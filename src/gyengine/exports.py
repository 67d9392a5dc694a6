"""Exports: a replay's records written out as data (``gyengine replay --format json|csv``).

An export is not a renderer: it writes the :class:`~gyengine.Replay` itself, every
record of every period with its evidence, for a program or a spreadsheet to
read. Everything meant for a reader is a report document
(:class:`~gyengine.Document`) that a :class:`~gyengine.Renderer` writes.

Plugins add exports through the ``register_exports`` hook; a plugin's export
with the name of a built-in one replaces it.
"""

from __future__ import annotations

import csv
import json
from typing import IO, Any, Final, Protocol, runtime_checkable

import attrs

from .replay import Replay, ResultRecord

__all__ = ["COLUMNS", "CsvExport", "Export", "JsonExport", "builtin_exports", "csv_row"]


@runtime_checkable
class Export(Protocol):
    """Writes a replay's records as data to a text stream."""

    @property
    def name(self) -> str:
        """The ``--format`` choice of ``gyengine replay``."""
        ...

    @property
    def description(self) -> str:
        """One line for help texts."""
        ...

    def export(self, replay: Replay, output: IO[str]) -> None:
        """Write ``replay`` to ``output``."""
        ...


COLUMNS: Final = (
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
"""The columns of the CSV export, in order."""


def csv_row(item: ResultRecord) -> dict[str, Any]:
    """A record as a row of the results table, its evidence as space-separated seqs."""
    row = item.to_row()
    row["evidence"] = " ".join(str(seq) for seq in row["evidence"])
    return row


def _inert(value: Any) -> Any:
    from .document import neutralise

    return neutralise(value) if isinstance(value, str) else value


@attrs.frozen
class JsonExport:
    """The whole replay as one JSON document (deterministic to the byte)."""

    name: str = "json"
    description: str = "JSON: options, log range and head hash, plugins, every record"

    def export(self, replay: Replay, output: IO[str]) -> None:
        # The answer, then what this replay checked to give it (which depends on
        # the checkpoints it found, so a resumed replay says so here and only here).
        document = {**replay.to_json(), "verification": replay.verification_json()}
        json.dump(document, output, ensure_ascii=False, indent=2, sort_keys=False)
        output.write("\n")


@attrs.frozen
class CsvExport:
    """One row per record, UTF-8; cells that look like formulas are neutralised."""

    name: str = "csv"
    description: str = "CSV: one row per score or finding"

    def export(self, replay: Replay, output: IO[str]) -> None:
        writer = csv.DictWriter(
            output, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        for item in replay.records:
            writer.writerow({k: _inert(v) for k, v in csv_row(item).items()})


def builtin_exports() -> list[Export]:
    """gyengine's own exports: ``json`` and ``csv``."""
    return [JsonExport(), CsvExport()]
