"""Saved replay runs and evaluator checkpoints, in plain tables beside the log, sealed.

Tables (on SQLite, query them with ``sqlite-utils`` or datasette):

* ``runs``: one row per saved replay: its options, the seq range read and
  verified, the hash at the last seq, the checkpoints it trusted, the plugins
  and evaluators with their versions and whether the chain verified.
* ``results``: one row per score or finding of a run.
* ``evidence``: ``(run_id, n, seq)``: the events each result rests on.
* ``checkpoints``: an evaluator's folded state at a seq, as canonical JSON.

Every run (with its results and evidence) and every checkpoint carries a seal
(:mod:`gyengine.seal`) under a key kept outside the database, and is bound to
the chain: a run to the hash at its last seq, a checkpoint to the hash at its
seq. :meth:`RunStore.problems` finds any edit. The events table is never
touched here.

The sealing and its checks are here, once; what differs between backends (the
schema, the write lock, an upsert, listing tables and columns, a new run's id)
is a :class:`RunTables`: :class:`SQLiteRunTables` here, the PostgreSQL one in
:mod:`gyengine.postgres`.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Final, Protocol

import attrs

from .canonical import canonical_json
from .seal import Sealer, key_path, load_sealer
from .timeutil import utc_now

__all__ = ["Checkpoint", "RunStore", "RunTables", "SQLiteRunTables"]

KEEP_CHECKPOINTS: Final = 3
"""Checkpoints kept per evaluator and configuration; older ones are deleted."""

RUN_COLUMNS: Final = (
    "id",
    "created",
    "as_of",
    "known_at",
    "seq_from",
    "seq_to",
    "head_hash",
    "chain_ok",
    "chain_problem",
    "allow_broken_chain",
    "options",
    "plugins",
    "evaluators",
    "result_count",
    "verified_from",
    "trusted",
)
RESULT_COLUMNS: Final = (
    "evaluator",
    "evaluator_version",
    "record_type",
    "subject",
    "label",
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
    "details",
)
_INTEGER: Final = {"id", "seq_from", "seq_to", "chain_ok", "allow_broken_chain"}
_INTEGER_RUN: Final = _INTEGER | {"result_count", "verified_from"}

_SCHEMA: Final = f"""
CREATE TABLE IF NOT EXISTS runs (
    {", ".join(f"[{c}] {'INTEGER' if c in _INTEGER_RUN else 'TEXT'}" + (" PRIMARY KEY" if c == "id" else "") for c in RUN_COLUMNS)},
    [seal] TEXT
);
CREATE TABLE IF NOT EXISTS results (
    [run_id] INTEGER REFERENCES [runs]([id]),
    [n] INTEGER,
    {", ".join(f"[{c}] TEXT" for c in RESULT_COLUMNS)},
    PRIMARY KEY ([run_id], [n])
);
CREATE TABLE IF NOT EXISTS evidence (
    [run_id] INTEGER REFERENCES [runs]([id]),
    [n] INTEGER,
    [seq] INTEGER,
    PRIMARY KEY ([run_id], [n], [seq])
);
CREATE TABLE IF NOT EXISTS checkpoints (
    [evaluator] TEXT,
    [version] TEXT,
    [config] TEXT,
    [seq] INTEGER,
    [hash] TEXT,
    [state] TEXT,
    [created] TEXT,
    [seal] TEXT,
    PRIMARY KEY ([evaluator], [version], [config], [seq])
);
CREATE INDEX IF NOT EXISTS [idx_results_run_id_subject] ON [results] ([run_id], [subject]);
"""

_CHECKPOINT_COLUMNS: Final = (
    "evaluator",
    "version",
    "config",
    "seq",
    "hash",
    "state",
    "created",
    "seal",
)
_CHECKPOINT_KEY: Final = ("evaluator", "version", "config", "seq")

_ADDED_COLUMNS: Final = {
    "runs": ("verified_from INTEGER", "trusted TEXT", "seal TEXT"),
    "checkpoints": ("seal TEXT",),
}
"""Columns later layouts added, put into older databases on their first write."""


@attrs.frozen
class Checkpoint:
    """An evaluator's state after folding the effective events of seqs 1..``seq``."""

    evaluator: str
    version: str
    config: str
    seq: int
    hash: str
    state: str
    seal: str | None = None

    def content(self) -> bytes:
        """What the seal vouches for: everything but the seal."""
        fields = [self.evaluator, self.version, self.config, self.seq, self.hash, self.state]
        return canonical_json(fields).encode("utf-8")


def _run_content(run: dict[str, Any], results_digest: str) -> bytes:
    fields = {name: run.get(name) for name in RUN_COLUMNS}
    return canonical_json({"run": fields, "results": results_digest}).encode("utf-8")


class _Digest:
    """The sha256 of a run's results and evidence, one result at a time in ``n`` order."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def add(self, n: int, fields: Sequence[Any], evidence: Sequence[int]) -> None:
        line = canonical_json([n, list(fields), sorted(evidence)]) + "\n"
        self._hash.update(line.encode("utf-8"))

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class RunTables(Protocol):
    """What :class:`RunStore` needs of a backend: its SQL takes ``?`` placeholders."""

    schema: str
    """The statements (``;``-separated) that create the four tables."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement; a cursor (``fetchone``, iteration, ``description``)."""
        ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per row."""
        ...

    def writing(self) -> AbstractContextManager[None]:
        """One write transaction, holding the lock on the run tables; rolled back on an error."""
        ...

    def tables(self) -> set[str]:
        """The names of the tables there are."""
        ...

    def columns(self, table: str) -> set[str]:
        """The names of a table's columns."""
        ...

    def insert_id(self, sql: str, params: Sequence[Any]) -> int:
        """Run an ``INSERT INTO runs``; the new row's id."""
        ...

    def upsert(self, table: str, columns: Sequence[str], key: Sequence[str]) -> str:
        """An insert of ``columns`` that replaces the row with the same ``key``."""
        ...


class SQLiteRunTables:
    """The run tables in the SQLite file of the log.

    Args:
        conn: the store's connection (autocommit mode; writes take ``BEGIN IMMEDIATE``).
    """

    schema = _SCHEMA

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """One write transaction taken at once (``BEGIN IMMEDIATE``), so that
        concurrent replays queue on the busy timeout instead of failing when a
        deferred read lock cannot be upgraded."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def tables(self) -> set[str]:
        return {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master")}

    def columns(self, table: str) -> set[str]:
        return {row[1] for row in self.conn.execute(f"PRAGMA table_info([{table}])")}

    def insert_id(self, sql: str, params: Sequence[Any]) -> int:
        return int(self.conn.execute(sql, params).lastrowid or 0)

    def upsert(self, table: str, columns: Sequence[str], key: Sequence[str]) -> str:
        marks = ", ".join("?" * len(columns))
        return f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({marks})"


class RunStore:
    """Runs, results, evidence and checkpoints beside the event log (same database).

    Args:
        tables: the backend's run tables (a SQLite connection stands for
            :class:`SQLiteRunTables` over it).
        sealer: the key to seal and check with (default: the key file, made on
            the first seal if there is none).
    """

    def __init__(
        self, tables: RunTables | sqlite3.Connection, sealer: Sealer | None = None
    ) -> None:
        self.conn: RunTables = (
            SQLiteRunTables(tables) if isinstance(tables, sqlite3.Connection) else tables
        )
        self._sealer = sealer

    # -- plumbing ----------------------------------------------------------------

    def _tables(self) -> set[str]:
        return self.conn.tables()

    def _sealing(self) -> Sealer:
        if self._sealer is None:
            self._sealer = load_sealer(create=True)
        assert self._sealer is not None
        return self._sealer

    def _checking(self) -> Sealer | None:
        if self._sealer is None:
            self._sealer = load_sealer(create=False)
        return self._sealer

    @contextlib.contextmanager
    def _writing(self) -> Iterator[RunTables]:
        """One write transaction under the backend's lock, the tables made first if need be."""
        with self.conn.writing():
            self._ensure(self.conn)
            yield self.conn

    def _ensure(self, conn: RunTables) -> None:
        """Create the tables on first write, and add the columns newer layouts have."""
        tables = self._tables()
        if "checkpoints" not in tables:
            for statement in conn.schema.split(";"):
                if statement.strip():
                    conn.execute(statement)
            return
        for table, columns in _ADDED_COLUMNS.items():
            present = conn.columns(table)
            for column in columns:
                if column.split()[0] not in present:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")

    def _columns(self, table: str) -> set[str]:
        return self.conn.columns(table)

    # -- checkpoints -------------------------------------------------------------

    def checkpoints(
        self, evaluator: str, version: str, config: str, max_seq: int
    ) -> Iterator[Checkpoint]:
        """Checkpoints of one evaluator configuration at or before ``max_seq``, newest first."""
        if "checkpoints" not in self._tables():
            return
        seal = "seal" if "seal" in self._columns("checkpoints") else "NULL"
        rows = self.conn.execute(
            f"SELECT evaluator, version, config, seq, hash, state, {seal} FROM checkpoints "
            "WHERE evaluator = ? AND version = ? AND config = ? AND seq <= ? ORDER BY seq DESC",
            [evaluator, version, config, max_seq],
        )
        for row in rows.fetchall():
            yield Checkpoint(*row)

    def checkpoint_problem(self, point: Checkpoint) -> str | None:
        """Why ``point``'s seal does not vouch for it; ``None`` when it does."""
        sealer = self._checking()
        if sealer is None:
            return f"no key to check its seal with ({key_path()} does not exist)"
        return sealer.check("checkpoint", point.content(), point.seal)

    def save_checkpoints(self, checkpoints: Sequence[Checkpoint]) -> None:
        """Seal and save checkpoints; drop all but the newest few of each configuration."""
        if not checkpoints:
            return
        sealer = self._sealing()
        created = utc_now()
        with self._writing() as conn:
            for point in checkpoints:
                conn.execute(
                    conn.upsert("checkpoints", _CHECKPOINT_COLUMNS, _CHECKPOINT_KEY),
                    (
                        point.evaluator,
                        point.version,
                        point.config,
                        point.seq,
                        point.hash,
                        point.state,
                        created,
                        sealer.seal("checkpoint", point.content()),
                    ),
                )
                conn.execute(
                    "DELETE FROM checkpoints WHERE evaluator = ? AND version = ? AND config = ? "
                    "AND seq NOT IN (SELECT seq FROM checkpoints WHERE evaluator = ? AND "
                    "version = ? AND config = ? ORDER BY seq DESC LIMIT ?)",
                    [point.evaluator, point.version, point.config] * 2 + [KEEP_CHECKPOINTS],
                )

    # -- runs --------------------------------------------------------------------

    def save_run(self, run: dict[str, Any], results: Sequence[dict[str, Any]]) -> int:
        """Save a run and its results and evidence in one sealed transaction; return the run id."""
        sealer = self._sealing()
        digest = _Digest()
        rows: list[tuple[Any, ...]] = []
        evidence: list[tuple[int, int]] = []
        for n, result in enumerate(results, start=1):
            fields = tuple(result[name] for name in RESULT_COLUMNS)
            seqs = sorted(set(result["evidence"]))
            digest.add(n, fields, seqs)
            rows.append((n, *fields))
            evidence.extend((n, seq) for seq in seqs)
        with self._writing() as conn:
            row = {**run, "created": utc_now(), "result_count": len(results)}
            names = [name for name in RUN_COLUMNS if name != "id"]
            run_id = conn.insert_id(
                f"INSERT INTO runs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [row.get(name) for name in names],
            )
            row["id"] = run_id
            seal = sealer.seal("run", _run_content(row, digest.hexdigest()))
            conn.execute("UPDATE runs SET seal = ? WHERE id = ?", (seal, run_id))
            marks = ", ".join("?" * (len(RESULT_COLUMNS) + 2))
            conn.executemany(
                f"INSERT INTO results (run_id, n, {', '.join(RESULT_COLUMNS)}) VALUES ({marks})",
                ((run_id, *values) for values in rows),
            )
            conn.executemany(
                "INSERT INTO evidence (run_id, n, seq) VALUES (?, ?, ?)",
                ((run_id, n, seq) for n, seq in evidence),
            )
        return run_id

    def _results_digest(self, run_id: int) -> str:
        digest = _Digest()
        evidence: dict[int, list[int]] = {}
        for n, seq in self.conn.execute(
            "SELECT n, seq FROM evidence WHERE run_id = ? ORDER BY n, seq", (run_id,)
        ):
            evidence.setdefault(n, []).append(seq)
        columns = ", ".join(RESULT_COLUMNS)
        for n, *fields in self.conn.execute(
            f"SELECT n, {columns} FROM results WHERE run_id = ? ORDER BY n", (run_id,)
        ):
            digest.add(n, fields, evidence.pop(n, []))
        for n in evidence:  # evidence of a result that is not there
            digest.add(n, ["evidence without a result"], evidence[n])
        return digest.hexdigest()

    def _runs(self) -> Iterator[dict[str, Any]]:
        columns = self._columns("runs")
        names = [name for name in (*RUN_COLUMNS, "seal") if name in columns]
        cursor = self.conn.execute(f"SELECT {', '.join(names)} FROM runs ORDER BY id")
        for values in cursor:
            yield dict(zip(names, values, strict=True))

    def anchors(self) -> list[tuple[int, int, str, str]]:
        """``(run id, last seq read, hash at it, created)`` of every saved run, oldest first.

        Each is a witness of the log as it was: a later log must still hold that
        seq with that hash, or events were removed or rewritten since.
        """
        if "runs" not in self._tables():
            return []
        return [
            (int(run["id"]), int(run["seq_to"]), str(run["head_hash"]), str(run["created"]))
            for run in self._runs()
            if run["seq_to"] and run["seq_to"] > 0
        ]

    def latest_run(self) -> dict[str, Any] | None:
        """The newest saved run's row, if any."""
        import json

        if "runs" not in self._tables():
            return None
        cursor = self.conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1")
        values = cursor.fetchone()
        if values is None:
            return None
        row = dict(zip([d[0] for d in cursor.description], values, strict=True))
        for key in ("options", "plugins", "evaluators"):
            row[key] = json.loads(row[key])
        return row

    # -- checking ----------------------------------------------------------------

    def counts(self) -> tuple[int, int]:
        """How many saved runs and checkpoints there are."""
        if "runs" not in self._tables():
            return 0, 0
        runs = self.conn.execute("SELECT count(*) FROM runs").fetchone()[0]
        points = self.conn.execute("SELECT count(*) FROM checkpoints").fetchone()[0]
        return int(runs), int(points)

    def problems(self, hash_at: Callable[[int], str | None]) -> Iterator[str]:
        """Every saved run and checkpoint that fails its seal or its binding to the chain.

        ``hash_at(seq)`` gives the log's hash at a seq (``None`` past its end).
        Runs come oldest first, then checkpoints; each problem is one line naming
        the row.
        """
        tables = self._tables()
        if "runs" not in tables:
            return
        sealer = self._checking()
        no_key = f"no key to check its seal with ({key_path()} does not exist)"
        for run in self._runs():
            name = f"run {run['id']} of {run['created']}"
            reason = (
                no_key
                if sealer is None
                else sealer.check(
                    "run", _run_content(run, self._results_digest(run["id"])), run.get("seal")
                )
            )
            if reason is not None:
                yield f"{name}: {reason}"
                continue
            bound = _bound(hash_at, run["seq_to"], run["head_hash"])
            if bound is not None:
                yield f"{name} read up to seq {run['seq_to']}, but {bound}"
        for values in self.conn.execute(
            "SELECT evaluator, version, config, seq, hash, state"
            + (", seal" if "seal" in self._columns("checkpoints") else ", NULL")
            + " FROM checkpoints ORDER BY evaluator, seq"
        ):
            point = Checkpoint(*values)
            name = f"checkpoint of {point.evaluator} at seq {point.seq}"
            reason = no_key if sealer is None else self.checkpoint_problem(point)
            if reason is not None:
                yield f"{name}: {reason}"
                continue
            bound = _bound(hash_at, point.seq, point.hash)
            if bound is not None:
                yield f"{name}: {bound}"


def _bound(hash_at: Callable[[int], str | None], seq: int, digest: str) -> str | None:
    """Why the log no longer holds ``digest`` at ``seq`` (``None``: it does)."""
    if seq <= 0:
        return None
    found = hash_at(seq)
    if found is None:
        return f"the log has no seq {seq}: events were removed"
    if found != digest:
        return f"seq {seq} no longer has the hash recorded then ({digest[:12]}...): the log was rewritten"
    return None
