"""The append-only, hash-chained event store.

:class:`EventStore` is the contract every backend keeps (one test suite checks
it); :class:`SQLiteEventStore` is the SQLite backend. Nothing here knows what
a payload means: payloads arrive as canonical JSON text (:class:`PendingEvent`)
and leave as rows (:class:`StoredEvent`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
from collections.abc import Callable, Collection, Generator, Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol, Self, runtime_checkable

import attrs

from .canonical import (
    ENVELOPE_SQL,
    GENESIS_HASH,
    row_envelope,
    sqlite_quotes_as_jcs,
)
from .chain import ChainChecker, ChainProblem, UnreadableRow, hash_problem
from .errors import (
    ConcurrencyError,
    CorruptDatabase,
    DatabaseNotFound,
    DatabaseNotInitialised,
    DiskFull,
    GyengineError,
    IdConflict,
    InvalidEvent,
    NotAGyengineDatabase,
    UnknownSupersededEvent,
    is_disk_full,
)
from .events import ENVELOPE_FIELDS, PendingEvent, StoredEvent
from .limits import future_recorded, latest_recorded
from .timeutil import utc_now

if TYPE_CHECKING:
    from .runs import RunStore

__all__ = [
    "AppendResult",
    "ChainProblem",
    "EventStore",
    "Head",
    "SQLiteEventStore",
    "VerifyResult",
]

APPLICATION_ID: Final = 0x47594547
"""``PRAGMA application_id`` of a gyengine database: the bytes ``GYEG``."""

SCHEMA_VERSION: Final = 1
"""``PRAGMA user_version`` of the current database layout."""

PARALLEL_HASHING_FROM: Final = 100_000
"""Replays reading at least this many rows hash them in a second process (starting it costs ~0.2 s)."""

PARALLEL_VERIFY_FROM: Final = 200_000
"""Logs at least this long are verified by several processes (spawning them costs ~0.2 s)."""

CHUNK: Final = 500
"""Events validated, hashed and inserted per round trip inside one transaction."""


@attrs.frozen
class Head:
    """The newest event's position: ``seq`` 0 and the genesis hash for an empty log."""

    seq: int
    hash: str
    recorded: str | None


@attrs.frozen
class AppendResult:
    """What one append did.

    ``appended`` are the new rows' ``(seq, id)``; ``duplicates`` the ids that
    were already in the log with the same content (no-ops).
    """

    appended: tuple[tuple[int, str], ...]
    duplicates: tuple[str, ...]
    head: Head

    @property
    def count(self) -> int:
        """How many events were appended."""
        return len(self.appended)


@attrs.frozen
class VerifyResult:
    """The outcome of :meth:`EventStore.verify`."""

    checked: int
    head: Head
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        """Whether the whole chain verified."""
        return self.problem is None


Progress = Callable[[int], None]
"""Called with the number of events just handled, for progress bars."""


@runtime_checkable
class EventStore(Protocol):
    """What every backend provides. Timestamps are record timestamps (UTC text)."""

    def append(
        self,
        events: Iterable[PendingEvent],
        *,
        expected_version: int | Mapping[str, int] | None = None,
        progress: Progress | None = None,
        dry_run: bool = False,
        keep_recorded: bool = False,
    ) -> AppendResult:
        """Append a batch all-or-nothing; see :meth:`SQLiteEventStore.append`."""
        ...

    def read(
        self,
        *,
        start: int = 1,
        stop: int | None = None,
        stream: str | None = None,
        types: Collection[str] | None = None,
        since: str | None = None,
        known_at: str | None = None,
        prefix: str | None = None,
    ) -> Iterator[StoredEvent]:
        """Stream rows in seq order, filtered; memory stays bounded.

        ``prefix``: only streams that begin with it (one plan's, ``county-007:``),
        read through an index on the stream, not the whole log.
        """
        ...

    def read_rows(
        self,
        *,
        start: int = 1,
        stop: int | None = None,
        stream: str | None = None,
        types: Collection[str] | None = None,
        since: str | None = None,
        known_at: str | None = None,
        data_bytes: bool = False,
        prefix: str | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """The rows :meth:`read` gives, as plain tuples in envelope order (the fast
        path of decoding readers); ``data_bytes``: ``data`` as its UTF-8 bytes."""
        ...

    def head(self) -> Head:
        """The newest event's seq, hash and recorded time."""
        ...

    def get(self, event_id: str) -> StoredEvent | None:
        """The event with this id, if any."""
        ...

    def stream_version(self, stream: str, *, before: int | None = None) -> int:
        """The stream's current version, or its last before seq ``before`` (0: no events)."""
        ...

    def seq_at(self, known_at: str) -> int:
        """The last seq recorded at or before ``known_at`` (0 if none)."""
        ...

    def at(self, seq: int) -> StoredEvent | None:
        """The event at ``seq``, if any."""
        ...

    def superseded(self, stop: int) -> dict[str, int]:
        """Ids superseded by events up to ``stop``, each with the seq of its newest successor."""
        ...

    def supersedes_before(self, start: int, stop: int, before: int) -> bool:
        """Whether an event in seqs ``start..stop`` supersedes one at or before seq ``before``."""
        ...

    def corrections(self, stop: int) -> Iterator[tuple[str, str, str]]:
        """``(id, superseded id, recorded of the superseded)`` of corrections up to ``stop``, in seq order."""
        ...

    def verify(
        self, *, progress: Progress | None = None, workers: int | None = None
    ) -> VerifyResult:
        """Check the whole chain and name the first broken seq."""
        ...

    def chain_rows(
        self, start: int = 1, stop: int | None = None, *, prefix: str | None = None
    ) -> Generator[tuple[Any, ...], None, None]:
        """Rows for checking, in envelope order; raises UnreadableRow at a row it cannot read.

        ``prefix``: only the rows of streams that begin with it (one plan's),
        read through an index on the stream.
        """
        ...

    def check_chain(
        self, checker: ChainChecker, stop: int | None = None, progress: Progress | None = None
    ) -> ChainProblem | None:
        """Feed rows from ``checker.expected`` to ``stop`` through ``checker``; the first problem."""
        ...

    def checker_at(self, start: int, *, hashes: bool = True) -> ChainChecker:
        """A chain checker for rows from ``start``, seeded from the stored row before it."""
        ...

    def hash_in_background(self, start: int, stop: int) -> BackgroundCheck | None:
        """Recompute the hashes of a seq range in another process, if worth it."""
        ...

    def count(self) -> int:
        """How many events the log holds."""
        ...

    def holds_hash(self, digest: str) -> bool:
        """Whether some event has this hash (a head hash published earlier, say)."""
        ...

    def runs(self) -> RunStore:
        """Saved runs and checkpoints, sealed, beside the log in the same database."""
        ...

    def close(self) -> None:
        """Release the backend's resources."""
        ...

    def __enter__(self) -> Self:
        """A store is a context manager that closes it."""
        ...

    def __exit__(self, *exc_info: object) -> None: ...


_COLUMNS: Final = ", ".join(ENVELOPE_FIELDS)
_COLUMNS_DATA_BYTES: Final = _COLUMNS.replace("data,", "CAST(data AS BLOB),")
_INSERT: Final = f"INSERT INTO events ({_COLUMNS}) VALUES ({', '.join('?' * len(ENVELOPE_FIELDS))})"

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    stream TEXT NOT NULL,
    version INTEGER NOT NULL,
    type TEXT NOT NULL,
    schema INTEGER NOT NULL,
    occurred TEXT,
    recorded TEXT NOT NULL,
    actor TEXT,
    supersedes TEXT,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (stream, version)
) STRICT;
CREATE INDEX IF NOT EXISTS events_type ON events (type, seq);
CREATE INDEX IF NOT EXISTS events_supersedes ON events (supersedes) WHERE supersedes IS NOT NULL;
"""

_EVENTS_TABLE_SQL: Final = (
    _SCHEMA.split(";")[0].strip().replace("CREATE TABLE IF NOT EXISTS", "CREATE TABLE")
)
"""The events table's ``sql`` in ``sqlite_master``, as SQLite keeps it for a table gyengine made."""

_SQLITE_MAGIC: Final = b"SQLite format 3\x00"


def prefix_range(prefix: str) -> tuple[str, str]:
    """``(low, high)``: the texts that begin with ``prefix`` are those ``>= low`` and ``< high``
    in code-point (UTF-8 byte) order."""
    last = prefix[-1]
    return prefix, prefix[:-1] + chr(ord(last) + 1)


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


_VERSION_CACHE_LIMIT: Final = 100_000
"""A store remembers its streams' versions between appends up to this many streams."""


class _Batch:
    """The running state of one append: positions, versions, what it saw and did."""

    def __init__(
        self,
        start: Head,
        recorded: str,
        expected_version: int | Mapping[str, int] | None,
        keep_recorded: bool,
    ) -> None:
        self.start = start
        self.head = start
        self.recorded = recorded
        self.keep_recorded = keep_recorded
        self.last_recorded = start.recorded or ""
        self.latest_recorded = ""  # with keep_recorded: the clock plus MAX_CLOCK_SKEW
        self.seq = start.seq
        self.prev = start.hash
        self.index = -1
        self.expected_version = expected_version
        self.expected: dict[str, int] = (
            dict(expected_version) if isinstance(expected_version, Mapping) else {}
        )
        self.single_stream: str | None = None
        self.versions: dict[str, int] = {}
        self.appended: list[tuple[int, str]] = []
        self.duplicates: list[str] = []
        self.resent: set[str] = set()
        self.seen: dict[str, PendingEvent] = {}
        self.known: set[str] = set()

    def save(self, chunk: list[PendingEvent]) -> _Saved:
        """What :meth:`restore` needs to undo what ``chunk`` does to this state.

        Only the entries the chunk can touch are kept (its streams, its ids):
        the state of a long batch is never copied whole.
        """
        streams = {event.stream for event in chunk}
        ids = {event.id for event in chunk}
        return _Saved(
            (self.seq, self.prev, self.index, self.last_recorded, self.single_stream),
            {name: self.versions.get(name) for name in streams},
            {name: self.expected.get(name) for name in streams},
            streams & self.resent,
            streams,
            ids & self.seen.keys(),
            ids & self.known,
            ids,
            len(self.appended),
            len(self.duplicates),
        )

    def restore(self, saved: _Saved) -> None:
        """Undo what a chunk did to this state."""
        self.seq, self.prev, self.index, self.last_recorded, self.single_stream = saved.scalars
        for entries, target in ((saved.versions, self.versions), (saved.expected, self.expected)):
            for name, value in entries.items():
                if value is None:
                    target.pop(name, None)
                else:
                    target[name] = value
        self.resent -= saved.streams - saved.resent
        for event_id in saved.ids - saved.seen:
            self.seen.pop(event_id, None)
        self.known -= saved.ids - saved.known
        del self.appended[saved.appended :]
        del self.duplicates[saved.duplicates :]


@attrs.frozen
class _Saved:
    """A chunk's undo record (see :meth:`_Batch.save`)."""

    scalars: tuple[int, str, int, str, str | None]
    versions: dict[str, int | None]
    expected: dict[str, int | None]
    resent: set[str]
    streams: set[str]
    seen: set[str]
    known: set[str]
    ids: set[str]
    appended: int
    duplicates: int


def _witnessed(
    event: PendingEvent, seq: int, version: int, prev_hash: str, digest: str, index: int
) -> None:
    """Refuse a restored event (a line of ``gyengine log --format jsonl``) that would not
    stand where its line says it stood: the same seq, version, prev_hash and hash.
    ``index`` is the event's place in the batch (``error.index``)."""
    assert event.witness is not None
    problem = event.witness.problem(seq, version, prev_hash, digest)
    if problem is not None:
        problem.index = index  # type: ignore[attr-defined]
        raise problem


def _admit(
    batch: _Batch, event: PendingEvent, old: StoredEvent | None, index: int
) -> tuple[int, str] | None:
    """Whether an event of a batch goes in: its version and record time, or ``None``
    for a re-sent duplicate (a no-op). Raises the error that refuses the batch."""
    if old is not None:
        if old.content() != event.content():
            # A row past the head is this batch's own, not yet committed.
            raise IdConflict(event.id, old.seq if old.seq <= batch.start.seq else None)
        if event.witness is not None:  # a backup restored again: the same rows?
            _witnessed(event, old.seq, old.version, old.prev_hash, old.hash, index)
        batch.duplicates.append(event.id)
        batch.resent.add(event.stream)
        return None
    twin = batch.seen.get(event.id)
    if twin is not None:
        if twin.content() != event.content():
            raise IdConflict(event.id, None)
        batch.duplicates.append(event.id)
        batch.resent.add(event.stream)
        return None
    if event.supersedes is not None and event.supersedes not in batch.known:
        raise UnknownSupersededEvent(
            f"supersedes {event.supersedes!r}, which is not in the log", field="$.supersedes"
        )
    stream = event.stream
    current = batch.versions[stream]
    _check_expected(batch, event, current)
    recorded = _kept_recorded(batch, event) if batch.keep_recorded else batch.recorded
    batch.seen[event.id] = event
    batch.known.add(event.id)
    batch.versions[stream] = current + 1
    return current + 1, recorded


def _check_expected(batch: _Batch, event: PendingEvent, current: int) -> None:
    """The batch's and the event's expected versions of the event's stream."""
    stream = event.stream
    expected_version = batch.expected_version
    if expected_version is not None:
        if isinstance(expected_version, int):
            if batch.single_stream is None:
                batch.single_stream = stream
                batch.expected[stream] = expected_version
            elif stream != batch.single_stream:
                raise InvalidEvent(
                    "an integer expected_version needs a one-stream batch; "
                    f"this one also writes {stream!r}",
                    field="$.stream",
                )
        wanted_version = batch.expected.pop(stream, None)
        if wanted_version is not None and wanted_version != current:
            raise ConcurrencyError(stream, wanted_version, current)
    if event.expected_version is not None and event.expected_version != current:
        raise ConcurrencyError(stream, event.expected_version, current)


def _kept_recorded(batch: _Batch, event: PendingEvent) -> str:
    """A kept record time: present, never before the one before it, not in the future."""
    if event.recorded is None:
        raise InvalidEvent("has no recorded time to keep", field="$.recorded")
    if event.recorded < batch.last_recorded:
        raise InvalidEvent(
            f"{event.recorded} is earlier than {batch.last_recorded}, the time "
            "of the event before it: recorded times never go backwards",
            field="$.recorded",
        )
    if event.recorded > batch.latest_recorded:
        raise InvalidEvent(
            future_recorded(event.recorded, batch.latest_recorded), field="$.recorded"
        )
    batch.last_recorded = event.recorded
    return event.recorded


class _Log:
    """What every backend shares, so that they keep the same rules: the whole of an
    append (seqs, versions, ``recorded``, ids, expected versions, all-or-nothing),
    the feeding of stored rows to the one chain checker, and verify (in this
    process, or in worker processes that open the log again).

    A backend provides ``_clock``, the driver's errors and the methods under
    "what a backend provides": its reads, its write transaction with savepoints,
    and the lookups an append makes.
    """

    _clock: Callable[[], str]
    _versions: tuple[Head, dict[str, int]] | None
    _INTEGRITY_ERRORS: tuple[type[Exception], ...] = ()
    """The driver's errors for a unique key an insert breaks (a re-sent id, say)."""
    _DRIVER_ERRORS: tuple[type[Exception], ...] = ()
    """Every error of the driver (a ROLLBACK after one of them may fail too)."""

    # -- what a backend provides -------------------------------------------------

    def head(self) -> Head:
        raise NotImplementedError

    def at(self, seq: int) -> StoredEvent | None:
        raise NotImplementedError

    def stream_version(self, stream: str, *, before: int | None = None) -> int:
        raise NotImplementedError

    def read_rows(
        self,
        *,
        start: int = 1,
        stop: int | None = None,
        stream: str | None = None,
        types: Collection[str] | None = None,
        since: str | None = None,
        known_at: str | None = None,
        data_bytes: bool = False,
        prefix: str | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        raise NotImplementedError

    def chain_rows(
        self, start: int = 1, stop: int | None = None, *, prefix: str | None = None
    ) -> Generator[tuple[Any, ...], None, None]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def _typed(self) -> bool:
        """Whether the backend guarantees each column's type (the checker then need not look)."""
        raise NotImplementedError

    def _next_seq(self, seq: int) -> int | None:
        """The first seq at or after ``seq`` the log holds, if any."""
        raise NotImplementedError

    def _max_seq(self) -> int:
        """The highest seq the log holds, 0 if none (read without decoding any text)."""
        raise NotImplementedError

    def _recorded_from(self, seq: int) -> str | None:
        """``recorded`` of the first row at or after ``seq``, if any."""
        raise NotImplementedError

    def _worker_target(self) -> tuple[Callable[[str], _Log], str] | None:
        """How a worker process opens this log (a backend class and its path or URL);
        ``None`` when no other process can (a log in this process's memory)."""
        raise NotImplementedError

    def _begin(self) -> None:
        """Start the append's transaction, holding the log's write lock."""
        raise NotImplementedError

    def _finish(self, *, commit: bool) -> None:
        """End the append's transaction: commit it, or (a dry run) roll it back."""
        raise NotImplementedError

    def _abort(self) -> None:
        """Roll the append's transaction back after an error (which may have ended it)."""
        raise NotImplementedError

    def _savepoint(self) -> None:
        """Mark the start of a chunk inside the append's transaction."""
        raise NotImplementedError

    def _rollback_to_savepoint(self) -> None:
        """Undo what was inserted since the mark."""
        raise NotImplementedError

    def _release_savepoint(self) -> None:
        """Keep what was inserted since the mark."""
        raise NotImplementedError

    def _insert(self, rows: list[tuple[Any, ...]]) -> None:
        """Insert finished rows (envelope order); raise one of ``_INTEGRITY_ERRORS``
        if an id or a ``(stream, version)`` is already there."""
        raise NotImplementedError

    def _rows_with_ids(self, ids: list[str]) -> Iterable[tuple[Any, ...]]:
        """The rows (envelope order) with these ids, this transaction's own included."""
        raise NotImplementedError

    def _last_version(self, stream: str) -> int:
        """The stream's highest version, this transaction's rows included (0: none)."""
        raise NotImplementedError

    def _ids_present(self, ids: list[str]) -> Iterable[str]:
        """Which of these ids the log holds, this transaction's rows included."""
        raise NotImplementedError

    # -- reading -------------------------------------------------------------------

    def read(
        self,
        *,
        start: int = 1,
        stop: int | None = None,
        stream: str | None = None,
        types: Collection[str] | None = None,
        since: str | None = None,
        known_at: str | None = None,
        prefix: str | None = None,
    ) -> Iterator[StoredEvent]:
        """Stream rows in seq order, filtered; memory stays bounded.

        Takes the arguments of :meth:`read_rows`.
        """
        make = StoredEvent
        for row in self.read_rows(
            start=start,
            stop=stop,
            stream=stream,
            types=types,
            since=since,
            known_at=known_at,
            prefix=prefix,
        ):
            yield make(*row)

    # -- appending ---------------------------------------------------------------

    def append(
        self,
        events: Iterable[PendingEvent],
        *,
        expected_version: int | Mapping[str, int] | None = None,
        progress: Progress | None = None,
        dry_run: bool = False,
        keep_recorded: bool = False,
    ) -> AppendResult:
        """Append a batch of events, all of them or none.

        Each event gets the next ``seq``, the next ``version`` of its stream,
        one ``recorded`` time for the whole batch (never earlier than the
        newest row's) and its place in the hash chain. The batch is consumed
        lazily inside one transaction, so a large file needs bounded memory.

        Args:
            events: validated events (see :meth:`EventTypes.encode`).
            expected_version: the version the batch's one stream must be at
                (an int), or such versions per stream (a mapping); an event's
                own ``expected_version`` is checked against its stream's
                running version.
            progress: called with the number of events handled per chunk.
            dry_run: check everything, then roll back: nothing is appended.
            keep_recorded: take each event's own ``recorded`` time instead of
                the clock's, for importing a historical log; those times must
                not go backwards, neither within the batch nor from the head.

        Returns:
            The appended ``(seq, id)`` pairs, the ids that were already there
            with the same content (no-ops) and the new head.

        Raises:
            ConcurrencyError: a stream is not at the expected version.
            IdConflict: an id is already used by an event with other content.
            InvalidEvent: ``supersedes`` names an event that does not exist.

        Errors raised for one event carry its position in the batch as
        ``error.index`` (0-based).
        """
        self._begin()
        self._versions, known = None, self._versions
        try:
            batch = self._append_locked(events, expected_version, progress, keep_recorded, known)
            self._finish(commit=not dry_run)
        except BaseException:
            self._abort()
            raise
        if not dry_run and len(batch.versions) <= _VERSION_CACHE_LIMIT:
            # The next append of this store starts from these versions if the
            # head is still the one this commit left (nobody wrote in between).
            self._versions = (batch.head, batch.versions)
        return AppendResult(tuple(batch.appended), tuple(batch.duplicates), batch.head)

    def _append_locked(
        self,
        events: Iterable[PendingEvent],
        expected_version: int | Mapping[str, int] | None,
        progress: Progress | None,
        keep_recorded: bool,
        known_versions: tuple[Head, dict[str, int]] | None,
    ) -> _Batch:
        head = self.head()
        recorded = self._clock()
        latest = latest_recorded(recorded) if keep_recorded else ""
        if head.recorded is not None and recorded < head.recorded:
            recorded = head.recorded
        batch = _Batch(head, recorded, expected_version, keep_recorded)
        batch.latest_recorded = latest
        if known_versions is not None and known_versions[0] == head:
            batch.versions = dict(known_versions[1])
        refused: tuple[type[Exception], ...] = (*self._INTEGRITY_ERRORS, GyengineError)
        for chunk in _chunks(events, CHUNK):
            # Ids are rarely in the log already (a retry, a re-import): insert
            # first, under a savepoint, and look the chunk's ids up only when
            # the insert or a check fails. The careful pass then gives the
            # authoritative answer (a no-op duplicate, an IdConflict...).
            saved = batch.save(chunk)
            self._savepoint()
            try:
                self._append_chunk(batch, chunk, careful=False)
            except refused:
                self._rollback_to_savepoint()
                batch.restore(saved)
                self._append_chunk(batch, chunk, careful=True)
            self._release_savepoint()
            if progress is not None:
                progress(len(chunk))
        # Expectations about streams the batch never wrote still have to hold;
        # a stream whose events were all already there is a retry, which succeeds
        # (as the int form of expected_version lets it).
        for stream, wanted_version in sorted(batch.expected.items()):
            if stream in batch.resent:
                continue
            actual = self.stream_version(stream)
            if wanted_version != actual:
                raise ConcurrencyError(stream, wanted_version, actual)
        if keep_recorded:
            recorded = batch.last_recorded
        batch.head = Head(batch.seq, batch.prev, recorded if batch.appended else head.recorded)
        return batch

    def _append_chunk(self, batch: _Batch, chunk: list[PendingEvent], *, careful: bool) -> None:
        """Check, hash and insert one chunk of a batch, updating ``batch``.

        ``careful``: look up every id of the chunk first, and read the versions
        of its streams from the database rather than from what ``batch`` knows.
        """
        existing = self._look_up(batch, chunk, careful=careful)
        rows = []
        seq, prev, index = batch.seq, batch.prev, batch.index
        sha256 = hashlib.sha256
        for event in chunk:
            index += 1
            try:
                admitted = _admit(batch, event, existing.get(event.id), index)
            except GyengineError as error:
                error.index = index  # type: ignore[attr-defined]
                raise
            if admitted is None:  # a re-sent duplicate: a no-op
                continue
            version, recorded = admitted
            seq += 1
            row = (
                seq,
                event.id,
                event.stream,
                version,
                event.type,
                event.schema,
                event.occurred,
                recorded,
                event.actor,
                event.supersedes,
                event.data,
                prev,
            )
            prev = sha256(row_envelope(row)).hexdigest()
            if event.witness is not None:
                _witnessed(event, seq, version, row[11], prev, index)
            rows.append((*row, prev))
            batch.appended.append((seq, event.id))
        batch.seq, batch.prev, batch.index = seq, prev, index
        if rows:
            self._insert(rows)

    def _look_up(
        self, batch: _Batch, chunk: list[PendingEvent], *, careful: bool
    ) -> dict[str, StoredEvent]:
        """What a chunk needs from the log: its streams' versions, the ids it
        supersedes, and (``careful``) the logged events with its ids."""
        existing: dict[str, StoredEvent] = {}
        versions = batch.versions
        if careful:
            ids = [event.id for event in chunk]
            existing = {row[1]: StoredEvent(*row) for row in self._rows_with_ids(ids)}
            wanted = {event.stream for event in chunk}
        else:
            wanted = {event.stream for event in chunk} - versions.keys()
        for name in wanted:
            versions[name] = self._last_version(name)
        # Ids of this chunk are looked up as well: one may be a re-sent
        # duplicate of a logged event that another event here supersedes.
        targets = {e.supersedes for e in chunk if e.supersedes is not None}
        names = sorted(targets - batch.known)
        if names:
            batch.known.update(self._ids_present(names))
        return existing

    def check_chain(
        self,
        checker: ChainChecker,
        stop: int | None = None,
        progress: Progress | None = None,
    ) -> ChainProblem | None:
        """Feed rows from ``checker.expected`` to ``stop`` through ``checker``; the first problem."""
        rows = self.chain_rows(checker.expected, stop)
        count = 0
        try:
            for row in rows:
                found = checker.check(row)
                if found is not None:
                    return found
                count += 1
                if progress is not None and count == 2000:
                    progress(count)
                    count = 0
        except UnreadableRow as error:
            return checker.unreadable(error)
        finally:
            rows.close()
            if progress is not None and count:
                progress(count)
        if stop is None:
            return None
        return checker.finish(stop, self._next_seq(checker.expected))

    def seq_at(self, known_at: str) -> int:
        """The last seq recorded at or before ``known_at`` (0 if none)."""
        return self._last_seq_where(lambda recorded: recorded <= known_at)

    def _last_seq_where(self, holds: Callable[[str], bool]) -> int:
        """The last seq whose ``recorded`` satisfies a condition that holds for a prefix of the log.

        ``recorded`` never decreases with seq (the store sees to it and
        ``verify`` checks it), so a binary search over the primary key finds
        the boundary in about 20 lookups, with no index on ``recorded`` to
        slow down every append.
        """
        head = self.head()
        if head.seq == 0:
            return 0
        if head.recorded is not None and holds(head.recorded):
            return head.seq
        low, high = 0, head.seq  # holds at low (or low = 0); fails at high
        while high - low > 1:
            middle = (low + high) // 2
            recorded = self._recorded_from(middle)
            if recorded is not None and holds(recorded):
                low = middle
            else:
                high = middle
        return low

    def checker_at(self, start: int, *, hashes: bool = True) -> ChainChecker:
        """A :class:`ChainChecker` for rows from ``start``, seeded from the stored row before it.

        Only for resuming a check whose earlier rows are checked elsewhere (by
        another worker, or vouched for by a sealed checkpoint).
        """
        if start <= 1:
            return ChainChecker(hashes=hashes, typed=self._typed())
        try:
            before = self.at(start - 1)
        except UnreadableRow:  # whoever checks that row says so
            before = None
        return ChainChecker(
            start,
            before.hash if before is not None else GENESIS_HASH,
            before.recorded if before is not None else "",
            version_before=lambda stream: self.stream_version(stream, before=start),
            hashes=hashes,
            typed=self._typed(),
        )

    # -- verifying -------------------------------------------------------------------

    def verify(self, *, progress: Progress | None = None, workers: int | None = 1) -> VerifyResult:
        """Recompute the chain from seq 1 and name the first broken seq.

        Every rule of :mod:`gyengine.chain` is checked on every row.

        Args:
            progress: called with the number of rows checked, now and then.
            workers: processes to verify seq ranges in parallel, each with its
                own connection. The default, 1, checks in this process. ``None``
                picks one per core (up to 4) for logs of 200,000 events or more,
                as ``gyengine verify`` does. Workers are started with ``spawn``,
                which imports the main module again: call this from a script
                only under ``if __name__ == "__main__":``.
        """
        # Not head(): its text columns may be the very thing that is broken.
        total = self._max_seq()
        if workers is None:
            cores = os.cpu_count() or 1
            workers = min(cores, 4) if total >= PARALLEL_VERIFY_FROM and cores > 1 else 1
        target = self._worker_target()
        if workers <= 1 or target is None or total < 2 * workers:
            checker = self.checker_at(1)
            problem = self.check_chain(checker, None, progress)
            head = Head(checker.checked_to, checker.prev_hash, checker.last_recorded or None)
            return VerifyResult(checker.checked_to, head, problem)
        return self._verify_parallel(target, total, workers, progress)

    def _verify_parallel(
        self,
        target: tuple[Callable[[str], _Log], str],
        total: int,
        workers: int,
        progress: Progress | None,
    ) -> VerifyResult:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        step = -(-total // workers)
        ranges = [(first, min(total, first + step - 1)) for first in range(1, total + 1, step)]
        opener, where = target
        # spawn, not fork: a forked child must not touch the parent's connection.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(len(ranges), mp_context=context) as pool:
            count = len(ranges)
            parts = list(pool.map(_verify_part, [opener] * count, [where] * count, ranges))
        if progress is not None:
            progress(total)
        problems = [problem for problem, _ in parts if problem is not None]
        if problems:
            problem = min(problems, key=lambda found: found.seq)
            checked = problem.seq - 1
            row = self.at(checked) if checked > 0 else None
            head = Head(checked, row.hash if row else GENESIS_HASH, row.recorded if row else None)
            return VerifyResult(checked, head, problem)
        last_hash, last_recorded = parts[-1][1]
        return VerifyResult(total, Head(total, last_hash, last_recorded), None)

    def _hashing_worthwhile(self, start: int, stop: int) -> bool:
        """Whether a worker process hashing seqs ``start..stop`` pays for its start."""
        return (
            stop - start + 1 >= PARALLEL_HASHING_FROM
            and self._worker_target() is not None
            and (os.cpu_count() or 1) >= 2
        )


class _SqlLog(_Log):
    """What the SQL backends share: the reads and the append's steps in SQL that
    both SQLite and PostgreSQL run (``conn`` takes ``?`` placeholders)."""

    conn: Any

    def count(self) -> int:
        """How many events the log holds."""
        return int(self.conn.execute("SELECT count(*) FROM events").fetchone()[0])

    def get(self, event_id: str) -> StoredEvent | None:
        """The event with this id, if any."""
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM events WHERE id = ?", (event_id,)
        ).fetchone()
        return None if row is None else StoredEvent(*row)

    def holds_hash(self, digest: str) -> bool:
        """Whether some event has this hash (a head hash published earlier, say)."""
        row = self.conn.execute("SELECT 1 FROM events WHERE hash = ? LIMIT 1", (digest,)).fetchone()
        return row is not None

    def stream_version(self, stream: str, *, before: int | None = None) -> int:
        """The stream's current version, or its last before seq ``before`` (0: no events)."""
        if before is None:
            row = self.conn.execute(
                "SELECT max(version) FROM events WHERE stream = ?", (stream,)
            ).fetchone()
        else:
            # Versions rise with seq: walk the stream's index down from its top.
            row = self.conn.execute(
                "SELECT version FROM events WHERE stream = ? AND seq < ?"
                " ORDER BY version DESC LIMIT 1",
                (stream, before),
            ).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def superseded(self, stop: int) -> dict[str, int]:
        """Ids superseded by events up to ``stop``, each with the seq of its newest successor."""
        rows = self.conn.execute(
            "SELECT supersedes, max(seq) FROM events "
            "WHERE supersedes IS NOT NULL AND seq <= ? GROUP BY supersedes",
            (stop,),
        )
        return {row[0]: row[1] for row in rows}

    def supersedes_before(self, start: int, stop: int, before: int) -> bool:
        """Whether an event in seqs ``start..stop`` supersedes one at or before seq ``before``."""
        row = self.conn.execute(
            "SELECT 1 FROM events AS later JOIN events AS target ON target.id = later.supersedes "
            "WHERE later.supersedes IS NOT NULL AND later.seq BETWEEN ? AND ? AND target.seq <= ? "
            "LIMIT 1",
            (start, stop, before),
        ).fetchone()
        return row is not None

    def _max_seq(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])

    def _recorded_from(self, seq: int) -> str | None:
        row = self.conn.execute(
            "SELECT recorded FROM events WHERE seq >= ? ORDER BY seq LIMIT 1", (seq,)
        ).fetchone()
        return None if row is None else str(row[0])

    def _finish(self, *, commit: bool) -> None:
        self.conn.execute("COMMIT" if commit else "ROLLBACK")

    def _abort(self) -> None:
        # ROLLBACK fails if the error already ended the transaction; the
        # original exception is the one to report.
        with contextlib.suppress(*self._DRIVER_ERRORS):
            self.conn.execute("ROLLBACK")

    def _savepoint(self) -> None:
        self.conn.execute("SAVEPOINT chunk")

    def _rollback_to_savepoint(self) -> None:
        self.conn.execute("ROLLBACK TO chunk")

    def _release_savepoint(self) -> None:
        self.conn.execute("RELEASE chunk")

    def _insert(self, rows: list[tuple[Any, ...]]) -> None:
        self.conn.executemany(_INSERT, rows)

    def _rows_with_ids(self, ids: list[str]) -> Iterable[tuple[Any, ...]]:
        marks = ", ".join("?" * len(ids))
        return list(self.conn.execute(f"SELECT {_COLUMNS} FROM events WHERE id IN ({marks})", ids))

    def _last_version(self, stream: str) -> int:
        # One stream at a time: max() over the (stream, version) index is a
        # single seek, where an IN (...) GROUP BY scans each stream's entries.
        row = self.conn.execute(
            "SELECT max(version) FROM events WHERE stream = ?", (stream,)
        ).fetchone()
        return int(row[0] or 0)

    def _ids_present(self, ids: list[str]) -> Iterable[str]:
        marks = ", ".join("?" * len(ids))  # (never empty: PostgreSQL refuses IN ())
        return [
            row[0] for row in self.conn.execute(f"SELECT id FROM events WHERE id IN ({marks})", ids)
        ]


class SQLiteEventStore(_SqlLog):
    """The event log in one SQLite file (WAL mode), safe for many processes at once.

    Args:
        path: the database file, or ``":memory:"``.
        create: set the database up if the file is missing or empty.
        clock: returns the current record timestamp; the store never lets
            ``recorded`` go backwards, whatever the clock says.

    Raises:
        DatabaseNotFound: the file does not exist and ``create`` is false.
        NotAGyengineDatabase: the file is not SQLite, or is another program's.
        CorruptDatabase: SQLite finds the file damaged.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = False,
        clock: Callable[[], str] = utc_now,
    ) -> None:
        self.path = str(path)
        self._clock = clock
        self._versions: tuple[Head, dict[str, int]] | None = None
        memory = self.path == ":memory:"
        if not memory:
            self._check_file(create)
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=60.0)
        except sqlite3.Error as error:
            raise CorruptDatabase(self.path, str(error)) from None
        try:
            self._configure(create, memory)
        except sqlite3.DatabaseError as error:
            self.conn.close()
            raise self._database_error(error) from None
        except GyengineError:
            self.conn.close()
            raise

    # -- opening ---------------------------------------------------------------

    def _check_file(self, create: bool) -> None:
        file = Path(self.path)
        if not file.exists():
            if not create:
                raise DatabaseNotFound(self.path)
            if not file.parent.exists():
                raise DatabaseNotFound(self.path, directory_missing=True)
            return
        if file.is_dir():
            raise NotAGyengineDatabase(self.path, "it is a directory")
        with file.open("rb") as handle:
            header = handle.read(len(_SQLITE_MAGIC))
        if header and header != _SQLITE_MAGIC:
            raise NotAGyengineDatabase(self.path, "it is not a SQLite file")

    def _database_error(self, error: sqlite3.DatabaseError) -> GyengineError:
        message = str(error)
        if is_disk_full(error):
            return DiskFull(self.path)
        if "not a database" in message:
            return NotAGyengineDatabase(self.path, "it is not a SQLite file")
        return CorruptDatabase(self.path, message)

    _INTEGRITY_ERRORS = (sqlite3.IntegrityError,)
    _DRIVER_ERRORS = (sqlite3.Error,)

    def _begin(self) -> None:
        """Take the write lock at once (``BEGIN IMMEDIATE``): appends from many processes queue."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as error:
            raise self._database_error(error) from None

    def _configure(self, create: bool, memory: bool) -> None:
        conn = self.conn
        # 60 s of waiting for another writer's lock before giving up: appends
        # from many processes queue rather than fail.
        conn.execute("PRAGMA busy_timeout = 60000")
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if app_id != APPLICATION_ID:
            if tables:
                raise NotAGyengineDatabase(
                    self.path, "it is another program's SQLite file (no gyengine tables)"
                )
            if not create:
                raise DatabaseNotInitialised(self.path)
            self._create_schema(memory)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise NotAGyengineDatabase(
                self.path,
                f"its layout {version} is newer than this gyengine knows ({SCHEMA_VERSION})",
            )
        # FULL: a commit is on disk before append returns, so a power cut after
        # an acknowledged append loses nothing; batches amortise the fsync.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA cache_size = -65536")
        # Checkpoint the WAL into the database every ~40 MB rather than SQLite's
        # 4 MB: a batch dirties index pages all over the (stream, version) index,
        # and a page dirtied by several batches between two checkpoints is then
        # copied once, not once per batch (COMMIT at a 900,000-event log: 116 ms
        # -> 46 ms per 10,000 events). The WAL file is cut back to 64 MB after.
        conn.execute("PRAGMA wal_autocheckpoint = 10000")
        conn.execute("PRAGMA journal_size_limit = 67108864")

    def _create_schema(self, memory: bool) -> None:
        conn = self.conn
        if not memory:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":  # pragma: no cover - only on filesystems without WAL
                raise CorruptDatabase(self.path, f"cannot use WAL mode (got {mode})")
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                # executescript() would COMMIT first; run the statements one by one.
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def runs(self) -> RunStore:
        """Saved runs and checkpoints, in tables of this SQLite file."""
        from .runs import RunStore

        return RunStore(self.conn)

    def __enter__(self) -> SQLiteEventStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------

    def head(self) -> Head:
        """The newest event's seq, hash and recorded time."""
        row = self.conn.execute(
            "SELECT seq, hash, recorded FROM events ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return Head(0, GENESIS_HASH, None)
        return Head(row[0], row[1], row[2])

    def at(self, seq: int) -> StoredEvent | None:
        """The event at ``seq``, if any.

        Raises:
            UnreadableRow: a column of the row cannot be read (text that is not UTF-8).
        """
        try:
            row = self.conn.execute(
                f"SELECT {_COLUMNS} FROM events WHERE seq = ?", (seq,)
            ).fetchone()
        except sqlite3.OperationalError as error:
            raise UnreadableRow(seq, f"a column cannot be read: {error}") from None
        return None if row is None else StoredEvent(*row)

    def corrections(self, stop: int) -> Iterator[tuple[str, str, str]]:
        """``(id, superseded id, recorded of the superseded)`` of corrections up to ``stop``, in seq order."""
        # Through the partial index on supersedes (few rows), sorted here: ordering
        # by seq in SQL makes SQLite walk the whole table instead.
        rows = self.conn.execute(
            "SELECT later.seq, later.id, later.supersedes, target.recorded "
            "FROM events AS later INDEXED BY events_supersedes "
            "JOIN events AS target ON target.id = later.supersedes "
            "WHERE later.supersedes IS NOT NULL AND later.seq <= ?",
            (stop,),
        ).fetchall()
        for _, later, earlier, recorded in sorted(rows):
            yield later, earlier, recorded

    def read_rows(
        self,
        *,
        start: int = 1,
        stop: int | None = None,
        stream: str | None = None,
        types: Collection[str] | None = None,
        since: str | None = None,
        known_at: str | None = None,
        data_bytes: bool = False,
        prefix: str | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream rows as plain tuples in envelope order (the fast path of :meth:`read`).

        Args:
            start: the first seq to include.
            stop: the last seq to include.
            stream: only this stream.
            types: only these event types.
            since: only events recorded at or after this record timestamp.
            known_at: only events recorded at or before this record timestamp.
            data_bytes: give ``data`` as the UTF-8 bytes of its text, which
                saves decoding it where a decoder reads bytes anyway.
            prefix: only streams that begin with this text (a plan's ``county-007:``).
        """
        clauses = ["seq >= ?"]
        params: list[Any] = [start]
        if stop is not None:
            clauses.append("seq <= ?")
            params.append(stop)
        if stream is not None:
            clauses.append("stream = ?")
            params.append(stream)
        if prefix:
            # A range of the (stream, version) index, whose entries carry the seq
            # (the rowid): one plan's rows without reading the others'. TEXT
            # compares by bytes (BINARY), so the range is exactly the prefix.
            clauses.append("stream >= ? AND stream < ?")
            params.extend(prefix_range(prefix))
        if types is not None:
            names = sorted(set(types))
            clauses.append(f"type IN ({', '.join('?' * len(names))})")
            params.extend(names)
        # Record times become seq bounds (recorded never decreases with seq).
        if since is not None:
            clauses.append("seq > ?")
            params.append(self._last_seq_where(lambda recorded: recorded < since))
        if known_at is not None:
            clauses.append("seq <= ?")
            params.append(self.seq_at(known_at))
        columns = _COLUMNS_DATA_BYTES if data_bytes else _COLUMNS
        sql = f"SELECT {columns} FROM events WHERE {' AND '.join(clauses)} ORDER BY seq"
        # A cursor of its own: SQLite steps through the rows as they are
        # consumed, so a million-event read holds one row at a time.
        cursor = self.conn.execute(sql, params)
        try:
            # A loop, not `yield from`: closing this generator would make
            # `yield from` call cursor.close() itself, outside the guard below.
            for row in cursor:  # noqa: UP028 - see above
                yield row
        finally:
            # A reader abandoned after the store was closed: nothing left to release.
            with contextlib.suppress(sqlite3.ProgrammingError):
                cursor.close()

    # -- verifying ---------------------------------------------------------------

    def chain_rows(
        self, start: int = 1, stop: int | None = None, *, prefix: str | None = None
    ) -> Generator[tuple[Any, ...], None, None]:
        """Rows ``start..stop`` for checking: tuples in envelope order, ``data`` as bytes.

        From seq 1 this includes any row below seq 1 (only an edit behind the
        store's back makes one). At a row that cannot be read (a text column
        that is not UTF-8) it raises :class:`UnreadableRow`. ``prefix``: only
        the streams that begin with it (see :meth:`read_rows`).
        """
        bound = "" if stop is None else f" AND seq <= {int(stop)}"
        params: tuple[Any, ...] = ()
        if prefix:
            bound += " AND stream >= ? AND stream < ?"
            params = prefix_range(prefix)
        sql = f"SELECT {_COLUMNS_DATA_BYTES} FROM events WHERE seq >= ?{bound} ORDER BY seq"
        lowest = start if start > 1 else -(2**63)
        size = 2000
        cursor = self.conn.execute(sql, (lowest, *params))
        following = lowest
        try:
            while True:
                try:
                    rows = cursor.fetchmany(size)
                except sqlite3.OperationalError as error:
                    # A failed fetch drops the good rows before the bad one too:
                    # read on one row at a time from the first one not yet given.
                    if size == 1:
                        seq = self._next_seq(following)
                        raise UnreadableRow(
                            following if seq is None else seq, f"a column cannot be read: {error}"
                        ) from None
                    cursor.close()
                    cursor = self.conn.execute(sql, (following, *params))
                    size = 1
                    continue
                if not rows:
                    return
                yield from rows
                following = rows[-1][0] + 1
        finally:
            with contextlib.suppress(sqlite3.ProgrammingError):
                cursor.close()

    def hash_in_background(self, start: int, stop: int) -> BackgroundCheck | None:
        """Recompute the hashes of seqs ``start..stop`` in another process, if worth it.

        For a replay that checks everything else as it reads (a
        :class:`ChainChecker` with ``hashes=False``). ``None`` when the range is
        short, the log is in memory or there is one core.
        """
        if not self._hashing_worthwhile(start, stop):
            return None
        return BackgroundCheck(_hash_part, self.path, (start, stop))

    def _worker_target(self) -> tuple[Callable[[str], _Log], str] | None:
        return None if self.path == ":memory:" else (SQLiteEventStore, self.path)

    def _typed(self) -> bool:
        """Whether the events table is exactly the STRICT table gyengine made.

        SQLite then refuses a value of the wrong type in any column, whoever
        writes it, and the checker need not look at the types. A table
        rebuilt any other way (without STRICT, another column type) gets the
        full check.
        """
        row = self.conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'"
        ).fetchone()
        return row is not None and row[0] == _EVENTS_TABLE_SQL

    def _next_seq(self, seq: int) -> int | None:
        """The first seq at or after ``seq`` the log holds, if any."""
        row = self.conn.execute("SELECT min(seq) FROM events WHERE seq >= ?", (seq,)).fetchone()
        return int(row[0]) if row and row[0] is not None else None


def _verify_part(
    opener: Callable[[str], _Log], where: str, span: tuple[int, int]
) -> tuple[ChainProblem | None, tuple[str, str | None]]:
    """Verify one seq range of a parallel check, in a worker process with a
    connection of its own (``opener(where)``: a backend class and its path or URL).

    Returns the first problem and the last row's (hash, recorded).
    """
    start, stop = span
    store = opener(where)
    try:
        checker = store.checker_at(start)
        problem = store.check_chain(checker, stop)
        return problem, (checker.prev_hash, checker.last_recorded or None)
    finally:
        store.close()


class BackgroundCheck:
    """A worker process recomputing the hashes of a seq range while its caller reads it.

    ``function(*args)`` runs in the worker and returns the first row whose hash
    is wrong (a :class:`ChainProblem`), or ``None``.
    """

    def __init__(self, function: Callable[..., ChainProblem | None], *args: Any) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: a forked child must not touch the parent's connection.
        self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        self.future = self.pool.submit(function, *args)

    def result(self) -> ChainProblem | None:
        """Wait for the worker: the first row whose hash is wrong, if any."""
        try:
            problem: ChainProblem | None = self.future.result()
        finally:
            self.pool.shutdown(cancel_futures=True)
        return problem


def _hash_part(
    path: str, span: tuple[int, int], *, in_sql: bool | None = None
) -> ChainProblem | None:
    """Recompute the hash of every row of a seq range (in a worker process).

    SQLite builds each row's canonical bytes (:data:`ENVELOPE_SQL`) where its
    ``json_quote`` is JCS's (``in_sql=None`` asks the connection), so Python
    only hashes them. A row that does not match is checked again by
    :func:`~gyengine.chain.hash_problem`, which names the problem.
    """
    start, stop = span
    sha256 = hashlib.sha256
    with SQLiteEventStore(path) as store:
        if in_sql is None:
            in_sql = sqlite_quotes_as_jcs(store.conn)
        if not in_sql:
            try:
                for row in store.chain_rows(start, stop):
                    found = hash_problem(row)
                    if found is not None:
                        return found
            except UnreadableRow:
                return None  # the reader in order meets it and names it
            return None
        rows = store.conn.execute(
            f"SELECT seq, {ENVELOPE_SQL}, hash FROM events WHERE seq >= ? AND seq <= ? ORDER BY seq",
            (start, stop),
        )
        for seq, envelope, digest in rows:
            if envelope is None or sha256(envelope).hexdigest() != digest:
                try:
                    row = next(store.chain_rows(seq, seq))
                except UnreadableRow:
                    return None
                return hash_problem(row) or ChainProblem(
                    seq, "hash", f"the row does not hash to its stored hash {digest:.12}..."
                )
    return None
