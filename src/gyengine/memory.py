"""The event log in this process's memory: the whole store contract, no database.

:class:`MemoryEventStore` keeps the :class:`~gyengine.store.EventStore`
contract with plain Python lists and dicts. The rules of an append (seqs,
versions, ``recorded``, idempotent ids, expected versions, all or nothing)
are the very code the SQL backends run (:class:`~gyengine.store._Log`), rows
are hashed by :mod:`gyengine.canonical` and checked by the one
:class:`~gyengine.chain.ChainChecker`, so the same events appended with the
same clock give the same hash chain, byte for byte, as on SQLite or
PostgreSQL.

It is for tests, examples and short-lived work (``open_store("memory:")``):
the log is gone when the process ends. It also shows that replay, reports,
explain and verify need nothing but the protocol, because nothing else is
there to reach for. Appends from several threads queue on a lock; a reader
sees the rows committed when its read began. Saved runs and checkpoints go
to the ordinary run tables (:class:`~gyengine.runs.RunStore`) in an
in-memory SQLite database owned by the store, since a
:class:`~gyengine.runs.RunTables` speaks SQL.
"""

from __future__ import annotations

import heapq
import sqlite3
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Generator, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any, Final

from .canonical import GENESIS_HASH
from .events import StoredEvent
from .store import BackgroundCheck, Head, _Log
from .timeutil import utc_now

if TYPE_CHECKING:
    from .runs import RunStore

__all__ = ["MEMORY", "MemoryEventStore"]

MEMORY: Final = "memory:"
"""What :func:`gyengine.open_store` takes to open a new, empty log in memory."""


class _DuplicateKey(Exception):
    """An insert met an id or a ``(stream, version)`` the log already holds (the
    in-memory form of a unique index refusing a row)."""


class MemoryEventStore(_Log):
    """An event log held in this process's memory (see the module's docstring).

    Args:
        clock: returns the current record timestamp; the store never lets
            ``recorded`` go backwards, whatever the clock says.
    """

    _INTEGRITY_ERRORS = (_DuplicateKey,)

    def __init__(self, *, clock: Callable[[], str] = utc_now) -> None:
        self.name = MEMORY
        self._clock = clock
        self._versions: tuple[Head, dict[str, int]] | None = None
        self._rows: list[tuple[Any, ...]] = []  # seq n is self._rows[n - 1]
        self._committed = 0  # how many rows readers outside the append see
        self._ids: dict[str, int] = {}
        self._streams: dict[str, list[int]] = {}
        self._types: dict[str, list[int]] = {}
        self._corrections: list[int] = []  # seqs of rows with supersedes
        self._lock = threading.Lock()
        self._writer: int | None = None
        self._mark = 0
        self._run_tables: sqlite3.Connection | None = None

    def __repr__(self) -> str:
        return f"MemoryEventStore({self._committed} events)"

    def close(self) -> None:
        """Release the run tables (the events stay readable until the store is dropped)."""
        if self._run_tables is not None:
            self._run_tables.close()
            self._run_tables = None

    def __enter__(self) -> MemoryEventStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def runs(self) -> RunStore:
        """Saved runs and checkpoints, in an in-memory SQLite database of this store's own."""
        from .runs import RunStore, SQLiteRunTables

        if self._run_tables is None:
            self._run_tables = sqlite3.connect(":memory:", isolation_level=None)
        return RunStore(SQLiteRunTables(self._run_tables))

    # -- reading ---------------------------------------------------------------

    def _bound(self) -> int:
        """The last seq this thread may see: the append in progress sees its own rows."""
        if self._writer is not None and self._writer == threading.get_ident():
            return len(self._rows)
        return self._committed

    def head(self) -> Head:
        """The newest event's seq, hash and recorded time."""
        bound = self._bound()
        if bound == 0:
            return Head(0, GENESIS_HASH, None)
        row = self._rows[bound - 1]
        return Head(row[0], row[12], row[7])

    def at(self, seq: int) -> StoredEvent | None:
        """The event at ``seq``, if any."""
        return StoredEvent(*self._rows[seq - 1]) if 1 <= seq <= self._bound() else None

    def get(self, event_id: str) -> StoredEvent | None:
        """The event with this id, if any."""
        seq = self._ids.get(event_id)
        return None if seq is None else self.at(seq)

    def count(self) -> int:
        """How many events the log holds."""
        return self._bound()

    def holds_hash(self, digest: str) -> bool:
        """Whether some event has this hash (a head hash published earlier, say)."""
        return any(row[12] == digest for row in islice(self._rows, self._bound()))

    def stream_version(self, stream: str, *, before: int | None = None) -> int:
        """The stream's current version, or its last before seq ``before`` (0: no events)."""
        seqs = self._streams.get(stream, ())
        limit = self._bound() if before is None else min(self._bound(), before - 1)
        index = bisect_right(seqs, limit)
        return int(self._rows[seqs[index - 1] - 1][3]) if index else 0

    def superseded(self, stop: int) -> dict[str, int]:
        """Ids superseded by events up to ``stop``, each with the seq of its newest successor."""
        found: dict[str, int] = {}
        for seq in self._corrections_to(stop):
            found[self._rows[seq - 1][9]] = seq  # seq order: the newest comes last
        return found

    def supersedes_before(self, start: int, stop: int, before: int) -> bool:
        """Whether an event in seqs ``start..stop`` supersedes one at or before seq ``before``."""
        for seq in self._corrections_to(stop):
            if seq >= start and self._ids[self._rows[seq - 1][9]] <= before:
                return True
        return False

    def corrections(self, stop: int) -> Iterator[tuple[str, str, str]]:
        """``(id, superseded id, recorded of the superseded)`` of corrections up to ``stop``, in seq order."""
        rows = self._rows
        for seq in self._corrections_to(stop):
            row = rows[seq - 1]
            yield row[1], row[9], rows[self._ids[row[9]] - 1][7]

    def _corrections_to(self, stop: int) -> list[int]:
        seqs = self._corrections
        return seqs[: bisect_right(seqs, min(stop, self._bound()))]

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
        """Stream rows as plain tuples in envelope order; the arguments of
        :meth:`SQLiteEventStore.read_rows <gyengine.store.SQLiteEventStore.read_rows>`.

        Rows come up to the head there was when the read began.
        """
        last = self._bound() if stop is None else min(stop, self._bound())
        first = max(start, 1)
        # Record times become seq bounds (recorded never decreases with seq).
        if since is not None:
            first = max(first, self._last_seq_where(lambda recorded: recorded < since) + 1)
        if known_at is not None:
            last = min(last, self.seq_at(known_at))
        rows = self._rows
        for seq in self._seqs(first, last, stream, types):
            row = rows[seq - 1]
            if types is not None and stream is not None and row[4] not in types:
                continue
            if prefix and not row[2].startswith(prefix):
                continue
            if data_bytes:
                row = (*row[:10], row[10].encode("utf-8"), *row[11:])
            yield row

    def _seqs(
        self, first: int, last: int, stream: str | None, types: Collection[str] | None
    ) -> Iterator[int]:
        """The seqs ``first..last`` of a stream, of some types, or all (in seq order)."""
        if first > last:
            return iter(())
        if stream is not None:
            return _between(self._streams.get(stream, []), first, last)
        if types is not None:
            return heapq.merge(
                *(_between(self._types.get(name, []), first, last) for name in sorted(set(types)))
            )
        return iter(range(first, last + 1))

    def chain_rows(
        self, start: int = 1, stop: int | None = None, *, prefix: str | None = None
    ) -> Generator[tuple[Any, ...], None, None]:
        """Rows ``start..stop`` for checking: tuples in envelope order, ``data`` as text;
        ``prefix``: only the streams that begin with it."""
        last = self._bound() if stop is None else min(stop, self._bound())
        rows: Iterator[tuple[Any, ...]] = islice(self._rows, max(start, 1) - 1, max(last, 0))
        if prefix:
            rows = (row for row in rows if row[2].startswith(prefix))
        yield from rows

    def hash_in_background(self, start: int, stop: int) -> BackgroundCheck | None:
        """``None``: no other process can see this memory, so the reader hashes each row."""
        return None

    def _typed(self) -> bool:
        # Nothing typed the values a PendingEvent carried: the checker looks at every column.
        return False

    def _next_seq(self, seq: int) -> int | None:
        seq = max(seq, 1)
        return seq if seq <= self._bound() else None

    def _max_seq(self) -> int:
        return self._bound()

    def _recorded_from(self, seq: int) -> str | None:
        seq = max(seq, 1)
        return str(self._rows[seq - 1][7]) if seq <= self._bound() else None

    def _worker_target(self) -> None:
        return None

    # -- appending ---------------------------------------------------------------

    def _begin(self) -> None:
        self._lock.acquire()
        self._writer = threading.get_ident()

    def _finish(self, *, commit: bool) -> None:
        if commit:
            self._committed = len(self._rows)
        self._end()

    def _abort(self) -> None:
        if self._writer == threading.get_ident():
            self._end()

    def _end(self) -> None:
        """Drop what was not committed and let the next writer in."""
        self._truncate(self._committed)
        self._writer = None
        self._lock.release()

    def _savepoint(self) -> None:
        self._mark = len(self._rows)

    def _rollback_to_savepoint(self) -> None:
        self._truncate(self._mark)

    def _release_savepoint(self) -> None:
        pass

    def _insert(self, rows: list[tuple[Any, ...]]) -> None:
        log = self._rows
        for row in rows:
            seq, event_id, stream = row[0], row[1], row[2]
            if event_id in self._ids:
                raise _DuplicateKey(f"id {event_id!r}")
            seqs = self._streams.setdefault(stream, [])
            if seqs and log[seqs[-1] - 1][3] >= row[3]:
                raise _DuplicateKey(f"stream {stream!r} version {row[3]}")
            assert seq == len(log) + 1, "rows are inserted in seq order"
            log.append(row)
            self._ids[event_id] = seq
            seqs.append(seq)
            self._types.setdefault(row[4], []).append(seq)
            if row[9] is not None:
                self._corrections.append(seq)

    def _truncate(self, length: int) -> None:
        """Remove the rows after the first ``length`` (the newest first) from every index."""
        log = self._rows
        while len(log) > length:
            row = log.pop()
            del self._ids[row[1]]
            for index, key in ((self._streams, row[2]), (self._types, row[4])):
                seqs = index[key]
                seqs.pop()
                if not seqs:
                    del index[key]
            if row[9] is not None:
                self._corrections.pop()

    def _rows_with_ids(self, ids: list[str]) -> Iterable[tuple[Any, ...]]:
        seqs = (self._ids.get(event_id) for event_id in ids)
        return [self._rows[seq - 1] for seq in seqs if seq is not None]

    def _last_version(self, stream: str) -> int:
        seqs = self._streams.get(stream)
        return int(self._rows[seqs[-1] - 1][3]) if seqs else 0

    def _ids_present(self, ids: list[str]) -> Iterable[str]:
        return [event_id for event_id in ids if event_id in self._ids]


def _between(seqs: list[int], first: int, last: int) -> Iterator[int]:
    """The entries of a sorted list from ``first`` to ``last``, without copying it."""
    return islice(seqs, bisect_left(seqs, first), bisect_right(seqs, last))
