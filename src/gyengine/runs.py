"""Saved replay runs and evaluator checkpoints, in plain tables beside the log, sealed.

Tables (on SQLite, query them with ``sqlite-utils`` or datasette):

* ``runs``: one row per saved replay: its options, the seq range read and
  verified, the hash at the last seq, the checkpoints it trusted, the plugins
  and evaluators with their versions and whether the chain verified.
* ``result_packs``: a run's results (each its fields and the seqs of the events
  it rests on) in packs of consecutive rows, a JSON array zlib-compressed; a
  pack byte-identical to one stored (by its ``hash``) is stored once.
* ``run_packs``: ``(run_id, first_n, pack_id)``: which packs hold a run's
  results, from which ``n`` on.
* ``checkpoints``: an evaluator's folded state at a seq, as canonical JSON.
* ``result_memos``: an evaluator's results at one of its checkpoints, kept so
  that a replay there need not make them again (:mod:`gyengine.memo`).

On SQLite the views ``results`` (a row per result, ``evidence`` a JSON array)
and ``evidence`` (``run_id, n, seq``) show the packs as the first layout's
tables did; databases of that layout are migrated on first use.

Every run (with its results and evidence), checkpoint and memo carries a seal
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
import json
import operator
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Final, Protocol

import attrs

from .canonical import canonical_array, canonical_json
from .errors import CanonicalizationError
from .seal import Sealer, key_path, load_sealer
from .timeutil import utc_now

__all__ = ["Checkpoint", "Memo", "RunStore", "RunTables", "SQLiteRunTables"]

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
_result_fields: Final = operator.itemgetter(*RESULT_COLUMNS)
"""A result row's values in the order of :data:`RESULT_COLUMNS`."""
_INTEGER: Final = {"id", "seq_from", "seq_to", "chain_ok", "allow_broken_chain"}
_INTEGER_RUN: Final = _INTEGER | {"result_count", "verified_from"}

_SCHEMA: Final = f"""
CREATE TABLE IF NOT EXISTS runs (
    {", ".join(f"[{c}] {'INTEGER' if c in _INTEGER_RUN else 'TEXT'}" + (" PRIMARY KEY" if c == "id" else "") for c in RUN_COLUMNS)},
    [seal] TEXT
);
CREATE TABLE IF NOT EXISTS result_packs (
    [id] INTEGER PRIMARY KEY,
    [hash] TEXT UNIQUE,
    [rows] INTEGER,
    [size] INTEGER,
    [body] BLOB
);
CREATE TABLE IF NOT EXISTS run_packs (
    [run_id] INTEGER REFERENCES [runs]([id]),
    [first_n] INTEGER,
    [pack_id] INTEGER REFERENCES [result_packs]([id]),
    PRIMARY KEY ([run_id], [first_n])
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
CREATE TABLE IF NOT EXISTS result_memos (
    [evaluator] TEXT,
    [version] TEXT,
    [config] TEXT,
    [seq] INTEGER,
    [hash] TEXT,
    [context] TEXT,
    [size] INTEGER,
    [body] BLOB,
    [created] TEXT,
    [seal] TEXT,
    PRIMARY KEY ([evaluator], [version], [config], [seq])
);
CREATE VIEW IF NOT EXISTS results AS
SELECT run_packs.run_id AS run_id, CAST(run_packs.first_n + item.key AS INTEGER) AS n,
    {", ".join(f"json_extract(item.value, '$[{i}]') AS {c}" for i, c in enumerate(RESULT_COLUMNS))},
    json_extract(item.value, '$[{len(RESULT_COLUMNS)}]') AS evidence
FROM run_packs JOIN result_packs ON result_packs.id = run_packs.pack_id,
    json_each(CAST(sqlar_uncompress(result_packs.body, result_packs.size) AS TEXT)) AS item;
CREATE VIEW IF NOT EXISTS evidence AS
SELECT run_packs.run_id AS run_id, CAST(run_packs.first_n + item.key AS INTEGER) AS n,
    CAST(seqs.value AS INTEGER) AS seq
FROM run_packs JOIN result_packs ON result_packs.id = run_packs.pack_id,
    json_each(CAST(sqlar_uncompress(result_packs.body, result_packs.size) AS TEXT)) AS item,
    json_each(item.value, '$[{len(RESULT_COLUMNS)}]') AS seqs
"""
"""The SQLite layout: ``results`` and ``evidence`` are views over the packs
(``sqlar_uncompress`` is built into the ``sqlite3`` shell; gyengine registers it
on its own connections and, as a plugin, in datasette and sqlite-utils). No view
reads another: SQLite checks a view of a view when a table is renamed, and a
connection without the function could then rename no table. ``n`` and ``seq``
are CASTs so that they have INTEGER affinity: datasette's ``?n=17`` (a text
``'17'``) then finds result 17."""

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


@attrs.frozen
class Memo:
    """An evaluator's results at its checkpoint ``seq`` under ``context`` (see :mod:`gyengine.memo`)."""

    evaluator: str
    version: str
    config: str
    seq: int
    hash: str
    context: str
    body: bytes
    seal: str | None = None

    def content(self) -> bytes:
        """What the seal vouches for: everything but the seal (the body by its digest)."""
        body = hashlib.sha256(self.body).hexdigest()
        fields = [
            self.evaluator,
            self.version,
            self.config,
            self.seq,
            self.hash,
            self.context,
            body,
        ]
        return canonical_json(fields).encode("utf-8")


def _memo(values: Sequence[Any]) -> Memo:
    """A memo from its row (the columns of :data:`_MEMO_COLUMNS`)."""
    evaluator, version, config, seq, hash_, context, body, seal = values
    return Memo(evaluator, version, config, int(seq), hash_, context, bytes(body or b""), seal)


_MEMO_COLUMNS: Final = ("evaluator", "version", "config", "seq", "hash", "context", "body", "seal")


def _run_content(run: dict[str, Any], results_digest: str) -> bytes:
    fields = {name: run.get(name) for name in RUN_COLUMNS}
    return canonical_json({"run": fields, "results": results_digest}).encode("utf-8")


class _Digest:
    """The sha256 of a run's results and evidence, one result at a time in ``n`` order."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def add(self, n: int, fields: Sequence[Any], evidence: Sequence[int]) -> None:
        """Take in result ``n``, read back from a pack."""
        try:
            line = _digest_line(n, *_texts(fields, sorted(evidence)))
        except (TypeError, CanonicalizationError) as error:  # an edited pack's odd values
            line = f"{n} cannot be read: {error}\n"
        self.add_line(line)

    def add_line(self, line: str) -> None:
        """Take in a result's line (:func:`_digest_line`)."""
        self._hash.update(line.encode("utf-8"))

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


PACK_CUT: Final = 128
"""A pack ends after a row whose CRC-32 is a multiple of this (rows per pack on average)."""

PACK_MIN: Final = 16
PACK_MAX: Final = 1024
"""Fewest rows a pack is cut at (but at a change of evaluator), and most it holds."""

_UNREADABLE: Final = "unreadable pack"
_ORPHAN: Final = "evidence without a result"


def sqlar_uncompress(body: bytes | str | None, size: int | None) -> bytes | str | None:
    """The SQL function of the ``sqlite3`` shell: ``body`` as stored (when it is
    ``size`` long) or inflated (zlib) to its ``size``."""
    if body is None or size is None or len(body) == size or isinstance(body, str):
        return body
    return zlib.decompress(body)


def register_functions(conn: sqlite3.Connection) -> None:
    """Give a SQLite connection ``sqlar_uncompress``, which the ``results`` and
    ``evidence`` views read the packs with."""
    conn.create_function("sqlar_uncompress", 2, sqlar_uncompress, deterministic=True)


def _compress(data: bytes) -> bytes:
    """zlib at level 6, or the bytes as they are when that is no smaller (as ``sqlar``).

    Level 9 makes the demo year's packs 3 % smaller in twice the time."""
    packed = zlib.compress(data, 6)
    return packed if len(packed) < len(data) else data


@attrs.frozen
class _Pack:
    """Consecutive results of a run from ``first_n`` on, as the JSON array stored."""

    first_n: int
    rows: int
    data: bytes

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _packs(lines: Iterable[tuple[int, str, bytes]]) -> Iterator[_Pack]:
    """Cut ``(n, evaluator, row JSON)`` (in ``n`` order) into packs.

    A pack ends at a change of evaluator, at a gap in ``n``, at :data:`PACK_MAX`
    rows, or after a row whose CRC-32 is a multiple of :data:`PACK_CUT` (once it
    holds :data:`PACK_MIN`): boundaries that depend on the rows themselves, so
    that a run repeating most of another's results repeats most of its packs,
    even with rows added or gone before them.
    """
    current: list[bytes] = []
    first = 0
    last_n = 0
    evaluator = ""
    for n, owner, line in lines:
        if current and (owner != evaluator or n != last_n + 1 or len(current) >= PACK_MAX):
            yield _Pack(first, len(current), b"[" + b",".join(current) + b"]")
            current = []
        if not current:
            first = n
        current.append(line)
        last_n, evaluator = n, owner
        if len(current) >= PACK_MIN and zlib.crc32(line) % PACK_CUT == 0:
            yield _Pack(first, len(current), b"[" + b",".join(current) + b"]")
            current = []
    if current:
        yield _Pack(first, len(current), b"[" + b",".join(current) + b"]")


def _texts(fields: Sequence[Any], evidence: Sequence[int]) -> tuple[str, str]:
    """The canonical texts of a result's fields (an array) and of its evidence seqs.

    Each result is written twice, in the digest a run's seal covers and in its
    pack; both lines are arrays made from these two texts (:func:`canonical_array`),
    so a result is put in canonical form once.
    """
    return canonical_json(list(fields)), canonical_json(list(evidence))


def _digest_line(n: int, fields: str, evidence: str) -> str:
    """Result ``n``'s line in a run's digest: the canonical JSON of ``[n, fields, evidence]``
    (from the texts of :func:`_texts`), then a newline."""
    return canonical_array((canonical_json(n), fields, evidence)) + "\n"


def _pack_line(fields: str, evidence: str) -> str:
    """A result as stored in a pack: the canonical JSON of ``[*fields, evidence]`` (from
    the texts of :func:`_texts`): its fields, then its evidence seqs."""
    items = fields[1:-1]  # the fields' texts, joined
    return canonical_array((items, evidence) if items else (evidence,))


def _unpack(first_n: int, body: Any, size: Any) -> Iterator[tuple[int, list[Any], list[int]]]:
    """``(n, fields, evidence)`` of every row of a stored pack.

    A pack that does not inflate or parse into rows is one row that says so: it
    then counts in a run's digest as something no saved run holds.
    """
    try:
        data = sqlar_uncompress(bytes(body), int(size))
        rows = json.loads(data or b"")
        if not isinstance(rows, list) or not all(
            isinstance(row, list) and row and isinstance(row[-1], list) for row in rows
        ):
            raise ValueError("not a list of rows")
    except (zlib.error, ValueError, TypeError) as error:
        yield first_n, [_UNREADABLE, str(error)], []
        return
    for index, row in enumerate(rows):
        yield first_n + index, row[:-1], row[-1]


class RunTables(Protocol):
    """What :class:`RunStore` needs of a backend: its SQL takes ``?`` placeholders."""

    schema: str
    """The statements (``;``-separated, each with ``IF NOT EXISTS``) that create the
    tables (and views) not there yet."""

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
        register_functions(conn)

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
        """The tables there are; a database of the first layout is migrated first."""
        tables = self.conn.tables()
        if _first_layout(tables):
            with self._writing():  # _ensure migrates, unless another process just did
                pass
            tables = self.conn.tables()
        return tables

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
        """Create the tables on first write, add the columns newer layouts have, and
        move the results and evidence of the first layout into packs."""
        tables = conn.tables()
        if "checkpoints" in tables:
            for table, columns in _ADDED_COLUMNS.items():
                present = conn.columns(table)
                for column in columns:
                    if column.split()[0] not in present:
                        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
        if "run_packs" in tables and "result_memos" in tables:
            return
        first_layout = _first_layout(tables)  # (the statements below make what is missing)
        if first_layout:
            conn.execute("ALTER TABLE results RENAME TO first_layout_results")
            conn.execute("ALTER TABLE evidence RENAME TO first_layout_evidence")
        for statement in conn.schema.split(";"):
            if statement.strip():
                conn.execute(statement)
        if first_layout:
            _migrate(conn)

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
        return self._seal_problem("checkpoint", point.content(), point.seal)

    def _seal_problem(self, kind: str, content: bytes, seal: str | None) -> str | None:
        """Why ``seal`` does not vouch for ``content`` sealed as ``kind``; ``None`` when it does."""
        sealer = self._checking()
        if sealer is None:
            return f"no key to check its seal with ({key_path()} does not exist)"
        return sealer.check(kind, content, seal)

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

    # -- memos -------------------------------------------------------------------

    def memo(self, point: Checkpoint, context: str) -> tuple[bytes | None, str | None]:
        """The body of the memo at ``point`` under ``context``, if its seal checks.

        Returns ``(body, None)``; ``(None, None)`` when there is none (or one of
        another context or checkpoint); ``(None, why)`` when one fails its seal.
        """
        if "result_memos" not in self._tables():
            return None, None
        found = self.conn.execute(
            "SELECT evaluator, version, config, seq, hash, context, body, seal FROM result_memos"
            " WHERE evaluator = ? AND version = ? AND config = ? AND seq = ?",
            [point.evaluator, point.version, point.config, point.seq],
        ).fetchone()
        if found is None:
            return None, None
        memo = _memo(found)
        if memo.hash != point.hash or memo.context != context:
            return None, None
        problem = self.memo_problem(memo)
        return (None, problem) if problem is not None else (memo.body, None)

    def memo_problem(self, memo: Memo) -> str | None:
        """Why ``memo``'s seal does not vouch for it; ``None`` when it does."""
        return self._seal_problem("memo", memo.content(), memo.seal)

    def save_memos(self, memos: Sequence[Memo]) -> None:
        """Seal and save memos (one per checkpoint); drop those whose checkpoint is gone."""
        if not memos:
            return
        sealer = self._sealing()
        created = utc_now()
        with self._writing() as conn:
            for memo in memos:
                conn.execute(
                    conn.upsert(
                        "result_memos",
                        (*_MEMO_COLUMNS[:6], "size", "body", "created", "seal"),
                        _CHECKPOINT_KEY,
                    ),
                    (
                        *(getattr(memo, name) for name in _MEMO_COLUMNS[:6]),
                        len(memo.body),
                        memo.body,
                        created,
                        sealer.seal("memo", memo.content()),
                    ),
                )
                conn.execute(
                    "DELETE FROM result_memos WHERE evaluator = ? AND version = ? AND config = ?"
                    " AND seq NOT IN (SELECT seq FROM checkpoints WHERE evaluator = ? AND"
                    " version = ? AND config = ?)",
                    [memo.evaluator, memo.version, memo.config] * 2,
                )

    # -- runs --------------------------------------------------------------------

    def save_run(self, run: dict[str, Any], results: Sequence[dict[str, Any]]) -> int:
        """Save a run and its results and evidence in one sealed transaction; return the run id.

        The results go into packs (:func:`_packs`) one pack at a time, the digest
        the seal covers taken on the way; a pack byte-identical to one already
        stored, by this run or an earlier one, is referred to, not stored again.
        """
        sealer = self._sealing()
        digest = _Digest()

        def lines() -> Iterator[tuple[int, str, bytes]]:
            for n, result in enumerate(results, start=1):
                fields = _result_fields(result)
                fields_text, evidence_text = _texts(fields, sorted(set(result["evidence"])))
                digest.add_line(_digest_line(n, fields_text, evidence_text))
                yield n, str(fields[0]), _pack_line(fields_text, evidence_text).encode("utf-8")

        with self._writing() as conn:
            row = {**run, "created": utc_now(), "result_count": len(results)}
            names = [name for name in RUN_COLUMNS if name != "id"]
            run_id = conn.insert_id(
                f"INSERT INTO runs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [row.get(name) for name in names],
            )
            row["id"] = run_id
            _write_packs(conn, run_id, _packs(lines()))
            seal = sealer.seal("run", _run_content(row, digest.hexdigest()))
            conn.execute("UPDATE runs SET seal = ? WHERE id = ?", (seal, run_id))
        return run_id

    def results(self, run_id: int) -> Iterator[tuple[int, dict[str, Any], list[int]]]:
        """``(n, result row, evidence seqs)`` of every result of a saved run, in ``n`` order.

        The row has the keys of :data:`RESULT_COLUMNS`; a pack that cannot be read
        is one row whose ``evaluator`` says so.
        """
        if "run_packs" not in self._tables():
            return
        for n, fields, evidence in _stored_rows(self.conn, run_id):
            values = [*fields, *[None] * len(RESULT_COLUMNS)][: len(RESULT_COLUMNS)]
            yield n, dict(zip(RESULT_COLUMNS, values, strict=True)), evidence

    def _results_digest(self, run_id: int) -> str:
        digest = _Digest()
        for n, fields, evidence in _stored_rows(self.conn, run_id):
            digest.add(n, fields, evidence)
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

    def memo_count(self) -> int:
        """How many results memos there are."""
        if "result_memos" not in self._tables():
            return 0
        return int(self.conn.execute("SELECT count(*) FROM result_memos").fetchone()[0])

    def problems(self, hash_at: Callable[[int], str | None]) -> Iterator[str]:
        """Every saved run and checkpoint that fails its seal or its binding to the chain.

        ``hash_at(seq)`` gives the log's hash at a seq (``None`` past its end).
        Runs come oldest first, then checkpoints; each problem is one line naming
        the row.
        """
        tables = self._tables()
        if "runs" not in tables:
            return
        for run in self._runs():
            name = f"run {run['id']} of {run['created']}"
            reason = self._seal_problem(
                "run", _run_content(run, self._results_digest(run["id"])), run.get("seal")
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
            reason = self.checkpoint_problem(point)
            if reason is not None:
                yield f"{name}: {reason}"
                continue
            bound = _bound(hash_at, point.seq, point.hash)
            if bound is not None:
                yield f"{name}: {bound}"
        yield from self._memo_problems(hash_at)

    def _memo_problems(self, hash_at: Callable[[int], str | None]) -> Iterator[str]:
        """Every results memo that fails its seal or its binding to the chain."""
        if "result_memos" not in self._tables():
            return
        for values in self.conn.execute(
            f"SELECT {', '.join(_MEMO_COLUMNS)} FROM result_memos ORDER BY evaluator, seq"
        ).fetchall():
            memo = _memo(values)
            name = f"results memo of {memo.evaluator} at seq {memo.seq}"
            reason = self.memo_problem(memo)
            if reason is not None:
                yield f"{name}: {reason}"
                continue
            bound = _bound(hash_at, memo.seq, memo.hash)
            if bound is not None:
                yield f"{name}: {bound}"


def _first_layout(tables: set[str]) -> bool:
    """Whether the run tables are the first layout's: a row per result and per evidence seq."""
    return "results" in tables and "run_packs" not in tables


def _write_packs(conn: RunTables, run_id: int, packs: Iterable[_Pack]) -> None:
    """Store a run's packs, each byte-identical one already stored referred to, not stored again."""
    links = []
    for pack in packs:
        digest = pack.hash
        found = conn.execute(
            "SELECT id, size, body FROM result_packs WHERE hash = ?", (digest,)
        ).fetchone()
        if found is not None and _holds(found[2], found[1], pack.data):
            pack_id = int(found[0])
        else:  # new, or one edited since: stored anew (without the hash it no longer has)
            pack_id = conn.insert_id(
                "INSERT INTO result_packs (hash, rows, size, body) VALUES (?, ?, ?, ?)",
                (
                    digest if found is None else None,
                    pack.rows,
                    len(pack.data),
                    _compress(pack.data),
                ),
            )
        links.append((run_id, pack.first_n, pack_id))
    conn.executemany("INSERT INTO run_packs (run_id, first_n, pack_id) VALUES (?, ?, ?)", links)


def _holds(body: Any, size: Any, data: bytes) -> bool:
    """Whether a stored pack still inflates to ``data``."""
    try:
        return sqlar_uncompress(bytes(body), int(size)) == data
    except (zlib.error, TypeError, ValueError):
        return False


def _stored_rows(conn: RunTables, run_id: int) -> Iterator[tuple[int, list[Any], list[int]]]:
    """``(n, fields, evidence)`` of a saved run's results, pack by pack in ``n`` order."""
    cursor = conn.execute(
        "SELECT run_packs.first_n, result_packs.body, result_packs.size FROM run_packs"
        " LEFT JOIN result_packs ON result_packs.id = run_packs.pack_id"
        " WHERE run_packs.run_id = ? ORDER BY run_packs.first_n",
        (run_id,),
    )
    for first_n, body, size in cursor.fetchall():
        yield from _unpack(first_n, body, size)


def _migrate(conn: RunTables) -> None:
    """Move every run's rows of the first layout (renamed ``first_layout_*``) into packs.

    The digest a run's seal covers is taken over the same ``(n, fields,
    evidence)`` in both layouts, so every seal that checked still checks. What
    the first layout could hold and packs cannot (a result's evidence without
    the result, a gap in ``n``) is carried over as rows that still fail the seal.
    """
    columns = ", ".join(RESULT_COLUMNS)
    for (run_id,) in conn.execute("SELECT id FROM runs ORDER BY id").fetchall():
        evidence: dict[int, list[int]] = {}
        for n, seq in conn.execute(
            "SELECT n, seq FROM first_layout_evidence WHERE run_id = ? ORDER BY n, seq", (run_id,)
        ).fetchall():
            evidence.setdefault(n, []).append(seq)
        lines: list[tuple[int, str, bytes]] = []
        for n, *fields in conn.execute(
            f"SELECT n, {columns} FROM first_layout_results WHERE run_id = ? ORDER BY n", (run_id,)
        ).fetchall():
            row = _pack_line(*_texts(fields, evidence.pop(n, [])))
            lines.append((n, str(fields[0]), row.encode()))
        for n, seqs in evidence.items():
            lines.append((n, _ORPHAN, _pack_line(*_texts([_ORPHAN], seqs)).encode()))
        lines.sort(key=lambda line: line[0])
        _write_packs(conn, run_id, _packs(lines))
    conn.execute("DROP TABLE first_layout_evidence")
    conn.execute("DROP TABLE first_layout_results")


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
