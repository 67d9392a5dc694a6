"""Saved replay runs and evaluator checkpoints, in plain SQLite tables.

Tables (query them with ``sqlite-utils`` or datasette):

* ``runs``: one row per saved replay: its options, the seq range read, the
  hash at the last seq, the plugins and evaluators with their versions and
  whether the chain verified.
* ``results``: one row per score or finding of a run.
* ``evidence``: ``(run_id, result, seq)``: the events each result rests on.
* ``checkpoints``: an evaluator's folded state at a seq, as canonical JSON.

The events table is never touched here.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any, Final

import attrs

from .timeutil import utc_now

__all__ = ["Checkpoint", "RunStore"]

KEEP_CHECKPOINTS: Final = 3
"""Checkpoints kept per evaluator and configuration; older ones are deleted."""


@attrs.frozen
class Checkpoint:
    """An evaluator's state after folding the effective events of seqs 1..``seq``."""

    evaluator: str
    version: str
    config: str
    seq: int
    hash: str
    state: str


class RunStore:
    """Runs, results, evidence and checkpoints beside the event log (same SQLite file)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        import sqlite_utils  # imported here: it costs 30 ms that `--help` should not pay

        self.db = sqlite_utils.Database(conn)

    def _ensure(self) -> None:
        """Create the tables on first write, so a read-only use leaves the file alone."""
        db = self.db
        if "checkpoints" in db.table_names():
            return
        with db.atomic():
            db.table("runs").create(
                {
                    "id": int,
                    "created": str,
                    "as_of": str,
                    "known_at": str,
                    "seq_from": int,
                    "seq_to": int,
                    "head_hash": str,
                    "chain_ok": int,
                    "chain_problem": str,
                    "allow_broken_chain": int,
                    "options": str,
                    "plugins": str,
                    "evaluators": str,
                    "result_count": int,
                },
                pk="id",
                if_not_exists=True,
            )
            db.table("results").create(
                {
                    "run_id": int,
                    "n": int,
                    "evaluator": str,
                    "evaluator_version": str,
                    "record_type": str,
                    "subject": str,
                    "label": str,
                    "metric": str,
                    "period": str,
                    "value": str,
                    "target": str,
                    "expected": str,
                    "status": str,
                    "points": str,
                    "unit": str,
                    "kind": str,
                    "rule": str,
                    "rationale": str,
                    "details": str,
                },
                pk=("run_id", "n"),
                foreign_keys=[("run_id", "runs", "id")],
                if_not_exists=True,
            )
            db.table("evidence").create(
                {"run_id": int, "n": int, "seq": int},
                pk=("run_id", "n", "seq"),
                foreign_keys=[("run_id", "runs", "id")],
                if_not_exists=True,
            )
            db.table("checkpoints").create(
                {
                    "evaluator": str,
                    "version": str,
                    "config": str,
                    "seq": int,
                    "hash": str,
                    "state": str,
                    "created": str,
                },
                pk=("evaluator", "version", "config", "seq"),
                if_not_exists=True,
            )
            db.table("results").create_index(["run_id", "subject"], if_not_exists=True)

    # -- checkpoints -------------------------------------------------------------

    def checkpoints(
        self, evaluator: str, version: str, config: str, max_seq: int
    ) -> Iterator[Checkpoint]:
        """Checkpoints of one evaluator configuration at or before ``max_seq``, newest first."""
        if "checkpoints" not in self.db.table_names():
            return
        rows = self.db.execute(
            "SELECT evaluator, version, config, seq, hash, state FROM checkpoints "
            "WHERE evaluator = ? AND version = ? AND config = ? AND seq <= ? ORDER BY seq DESC",
            [evaluator, version, config, max_seq],
        )
        for row in rows.fetchall():
            yield Checkpoint(*row)

    def save_checkpoints(self, checkpoints: Sequence[Checkpoint]) -> None:
        """Save checkpoints and drop all but the newest few of each configuration."""
        if not checkpoints:
            return
        self._ensure()
        with self.db.atomic():
            created = utc_now()
            for point in checkpoints:
                self.db.table("checkpoints").upsert(
                    {**attrs.asdict(point), "created": created},
                    pk=("evaluator", "version", "config", "seq"),
                )
                self.db.execute(
                    "DELETE FROM checkpoints WHERE evaluator = ? AND version = ? AND config = ? "
                    "AND seq NOT IN (SELECT seq FROM checkpoints WHERE evaluator = ? AND "
                    "version = ? AND config = ? ORDER BY seq DESC LIMIT ?)",
                    [point.evaluator, point.version, point.config] * 2 + [KEEP_CHECKPOINTS],
                )

    # -- runs --------------------------------------------------------------------

    def save_run(self, run: dict[str, Any], results: Sequence[dict[str, Any]]) -> int:
        """Save a run and its results and evidence in one transaction; return the run id."""
        self._ensure()
        with self.db.atomic():
            table = self.db.table("runs")
            table.insert({**run, "created": utc_now(), "result_count": len(results)})
            run_id = int(str(table.last_pk))
            rows: list[dict[str, Any]] = []
            evidence: list[dict[str, Any]] = []
            for n, result in enumerate(results, start=1):
                row = {k: v for k, v in result.items() if k != "evidence"}
                rows.append({"run_id": run_id, "n": n, **row})
                evidence.extend(
                    {"run_id": run_id, "n": n, "seq": seq} for seq in result["evidence"]
                )
            self.db.table("results").insert_all(rows, batch_size=500)
            self.db.table("evidence").insert_all(evidence, batch_size=500)
        return run_id

    def anchors(self) -> list[tuple[int, int, str, str]]:
        """``(run id, last seq read, hash at it, created)`` of every saved run, oldest first.

        Each is a witness of the log as it was: a later log must still hold that
        seq with that hash, or events were removed or rewritten since.
        """
        if "runs" not in self.db.table_names():
            return []
        rows = self.db.execute(
            "SELECT id, seq_to, head_hash, created FROM runs WHERE seq_to > 0 ORDER BY id"
        ).fetchall()
        return [(int(r[0]), int(r[1]), str(r[2]), str(r[3])) for r in rows]

    def latest_run(self) -> dict[str, Any] | None:
        """The newest saved run's row, if any."""
        if "runs" not in self.db.table_names():
            return None
        rows = list(self.db.query("SELECT * FROM runs ORDER BY id DESC LIMIT 1"))
        if not rows:
            return None
        row = rows[0]
        for key in ("options", "plugins", "evaluators"):
            row[key] = json.loads(row[key])
        return row
