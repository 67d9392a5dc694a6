"""The event store contract, run against every backend through the ``store`` fixtures.

The tests at the end (opening files) are specific to the SQLite backend.
"""

from __future__ import annotations

import re
import sqlite3
import tracemalloc
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import attrs
import pytest

import gyengine.store
from gyengine import EventStore, InvalidEvent, SQLiteEventStore, StoredEvent
from gyengine.canonical import GENESIS_HASH, canonical_json
from gyengine.errors import (
    ConcurrencyError,
    DatabaseNotFound,
    DatabaseNotInitialised,
    IdConflict,
    NotAGyengineDatabase,
    UnknownSupersededEvent,
)
from gyengine.events import PendingEvent
from gyengine.store import Head

Note = Callable[..., PendingEvent]

T1, T2, T3 = (
    "2020-01-01T00:00:00.000000Z",
    "2020-01-02T00:00:00.000000Z",
    "2020-01-03T00:00:00.000000Z",
)


def _clock(*times: str) -> Callable[[], str]:
    """A clock that returns ``times`` one call at a time."""
    values = iter(times)
    return lambda: next(values)


def _rows(store: EventStore) -> list[StoredEvent]:
    return list(store.read())


def _fill(store: EventStore, note: Note, batches: list[list[str]]) -> list[list[PendingEvent]]:
    """Append one batch per list of streams; event ids are ``e1, e2, ...`` in order."""
    counter = len(_rows(store))
    made = []
    for streams in batches:
        batch = []
        for stream in streams:
            counter += 1
            batch.append(note(stream, f"text {counter}", id=f"e{counter}"))
        store.append(batch)
        made.append(batch)
    return made


# -- seq, version, chain ----------------------------------------------------------------


def test_seqs_run_from_one_without_gaps(store: EventStore, note: Note) -> None:
    """Every append continues the global seq 1, 2, 3... and reports the seqs it gave."""
    given: list[tuple[int, str]] = []
    for size in (1, 4, 2, 7):
        batch = [note("s", f"n{len(given) + i}") for i in range(size)]
        result = store.append(batch)
        assert [event_id for _, event_id in result.appended] == [e.id for e in batch]
        given.extend(result.appended)
    rows = _rows(store)
    assert [row.seq for row in rows] == list(range(1, 15))
    assert [(row.seq, row.id) for row in rows] == given


def test_versions_count_per_stream(store: EventStore, note: Note) -> None:
    """Each stream's versions run 1..n in append order, whatever the interleaving."""
    _fill(store, note, [["a", "b", "a"], ["b"], ["c", "a", "b", "a"]])
    by_stream: dict[str, list[int]] = {}
    for row in _rows(store):
        by_stream.setdefault(row.stream, []).append(row.version)
    assert by_stream == {"a": [1, 2, 3, 4], "b": [1, 2, 3], "c": [1]}
    assert [store.stream_version(s) for s in ("a", "b", "c", "nobody")] == [4, 3, 1, 0]


def test_rows_are_hash_chained_from_genesis(store: EventStore, note: Note) -> None:
    """Seq 1 links to 64 zeros and every later row to its predecessor's hash."""
    _fill(store, note, [["a", "b"], ["a"]])
    rows = _rows(store)
    assert rows[0].prev_hash == GENESIS_HASH
    assert [row.prev_hash for row in rows[1:]] == [row.hash for row in rows[:-1]]
    assert all(re.fullmatch("[0-9a-f]{64}", row.hash) for row in rows)
    assert len({row.hash for row in rows}) == 3


def test_stored_envelope_keeps_what_the_writer_decided(store: EventStore, note: Note) -> None:
    """id, stream, type, schema, occurred, actor, supersedes and data are stored as given."""
    first = note("project/P07", "开工", id="p7-1", occurred="2019-06", actor="发改局")
    second = note("project/P07", "更正", id="p7-2", supersedes="p7-1", occurred="2019-Q2")
    store.append([first, second])
    rows = _rows(store)
    for row, pending in zip(rows, [first, second], strict=True):
        assert (row.id, row.stream, row.type, row.schema) == (
            pending.id,
            pending.stream,
            pending.type,
            pending.schema,
        )
        assert (row.occurred, row.actor, row.supersedes, row.data) == (
            pending.occurred,
            pending.actor,
            pending.supersedes,
            pending.data,
        )
    assert rows[0].data == '{"text":"开工"}'


def test_verify_accepts_a_valid_log(store: EventStore, note: Note) -> None:
    """verify() checks every row of a valid log and reports the same head as head()."""
    _fill(store, note, [["a", "b"], ["a"], ["c"] * 5])
    result = store.verify()
    assert result.ok
    assert result.problem is None
    assert result.checked == 8
    assert result.head == store.head()


def test_verify_in_worker_processes_agrees(store: EventStore, note: Note) -> None:
    """verify(workers=2) (worker processes opening the log again, where the backend
    can) gives verify()'s answer and head."""
    _fill(store, note, [["a", "b", "c"] * 4, ["a"] * 5])
    assert store.verify(workers=2) == store.verify(workers=1)
    assert store.verify(workers=2).head == store.head()


def test_the_hashing_worker_passes_a_sound_range(
    store: EventStore, note: Note, monkeypatch: pytest.MonkeyPatch
) -> None:
    """hash_in_background() either declines (None: the reader hashes) or hashes the
    range in a worker and finds nothing wrong with a sound log."""
    monkeypatch.setattr(gyengine.store, "PARALLEL_HASHING_FROM", 2)
    _fill(store, note, [["a", "b"] * 5])
    check = store.hash_in_background(2, 9)
    if check is not None:
        assert check.result() is None


def test_the_same_events_give_the_same_chain_on_every_backend(
    store_factory: Callable[..., EventStore], note: Note, tmp_path: Path
) -> None:
    """The same batches with the same clock give the rows (hashes included) that SQLite writes."""
    times = [T1, T2, T3]
    batches = [
        [note("p/1", "开工", id="x1", occurred="2019-06", actor="发改局"), note("p/2", id="x2")],
        [note("p/1", "更正", id="x3", supersedes="x1", occurred="2019-Q2")],
        [note("p/3", 'quote " and \\ and \u2028', id="x4")],
    ]
    reference = SQLiteEventStore(tmp_path / "reference.db", create=True, clock=_clock(*times))
    store = store_factory(clock=_clock(*times))
    for batch in batches:
        reference.append(batch)
        store.append(batch)
    expected = list(reference.read_rows())
    reference.close()
    assert list(store.read_rows()) == expected
    assert store.head().hash == expected[-1][12]


def test_a_store_is_a_context_manager(store_factory: Callable[..., EventStore], note: Note) -> None:
    """``with store:`` gives the store and closes it at the end."""
    with store_factory() as store:
        assert store.append([note("s", id="c1")]).count == 1
        assert store.count() == 1


def test_verify_of_an_empty_log(store: EventStore) -> None:
    """An empty log verifies, with the genesis head."""
    result = store.verify()
    assert result.ok
    assert result.checked == 0
    assert result.head == Head(0, GENESIS_HASH, None)


# -- atomic batches ------------------------------------------------------------------------


def _bad_batches(note: Note) -> dict[str, list[PendingEvent]]:
    return {
        "id-conflict-with-log": [
            note("s", "new 1", id="n1"),
            note("s", "new 2", id="n2"),
            note("s", "other content", id="e1"),
            note("s", "new 3", id="n3"),
        ],
        "id-conflict-within-batch": [
            note("t", "new 1", id="n1"),
            note("t", "same id", id="twin"),
            note("t", "same id, other content", id="twin"),
            note("t", "new 3", id="n3"),
        ],
        "unknown-supersedes": [
            note("s", "new 1", id="n1"),
            note("t", "new 2", id="n2"),
            note("s", "correction", id="n3", supersedes="no-such-event"),
            note("s", "new 4", id="n4"),
        ],
        "per-event-expected-version": [
            note("t", "new 1", id="n1"),
            note("t", "new 2", id="n2", expected_version=1),
            note("s", "stale", id="n3", expected_version=1),
            note("t", "new 4", id="n4"),
        ],
    }


BAD_BATCHES = [
    "id-conflict-with-log",
    "id-conflict-within-batch",
    "unknown-supersedes",
    "per-event-expected-version",
]


@pytest.mark.parametrize("case", BAD_BATCHES, ids=BAD_BATCHES)
def test_a_bad_event_mid_batch_leaves_the_store_unchanged(
    store: EventStore, note: Note, case: str
) -> None:
    """A batch with a bad third event appends nothing: same head, same rows; error.index is 2."""
    _fill(store, note, [["s", "s", "s"]])
    before_head, before_rows = store.head(), _rows(store)
    with pytest.raises((IdConflict, InvalidEvent, ConcurrencyError)) as info:
        store.append(_bad_batches(note)[case])
    assert info.value.index == 2  # type: ignore[union-attr]
    assert store.head() == before_head
    assert _rows(store) == before_rows
    assert store.stream_version("t") == 0
    assert store.get("n1") is None


def test_a_failing_input_iterator_leaves_the_store_unchanged(store: EventStore, note: Note) -> None:
    """An exception raised by the batch's own iterator (a bad input line) appends nothing."""
    _fill(store, note, [["s"]])
    before = store.head()

    def events() -> Iterator[PendingEvent]:
        yield note("s", "one")
        yield note("s", "two")
        raise InvalidEvent("bad line", source="input.jsonl", line=3)

    with pytest.raises(InvalidEvent, match=r"input\.jsonl:3"):
        store.append(events())
    assert store.head() == before
    assert len(_rows(store)) == 1


def test_atomic_across_internal_chunks(store: EventStore, note: Note) -> None:
    """A large batch whose bad event comes after many good ones (past any chunking) appends none of them."""
    _fill(store, note, [["s"]])
    before = store.head()
    batch = [note(f"big/{i % 3}", str(i), id=f"big-{i}") for i in range(1300)]
    batch[1250] = note("s", "conflict", id="e1")
    with pytest.raises(IdConflict) as info:
        store.append(batch)
    assert info.value.index == 1250  # type: ignore[attr-defined]
    assert info.value.seq == 1
    assert store.head() == before
    assert store.get("big-0") is None
    assert store.stream_version("big/0") == 0


def test_a_failed_batch_burns_no_seq(store: EventStore, note: Note) -> None:
    """After a refused batch the next one continues at the next seq and the chain verifies."""
    _fill(store, note, [["s", "s"]])
    with pytest.raises(UnknownSupersededEvent):
        store.append([note("s", "x"), note("s", "y", supersedes="nope")])
    result = store.append([note("s", "z")])
    assert [seq for seq, _ in result.appended] == [3]
    assert store.verify().ok


def test_empty_batch_is_a_no_op(store: EventStore, note: Note) -> None:
    """Appending no events changes nothing and reports the current head."""
    _fill(store, note, [["s"]])
    result = store.append([])
    assert result.appended == ()
    assert result.duplicates == ()
    assert result.head == store.head()
    assert result.count == 0


# -- optimistic concurrency ------------------------------------------------------------------


def test_expected_version_int_accepts_the_current_version(store: EventStore, note: Note) -> None:
    """An int expected_version equal to the stream's version lets the batch in."""
    store.append([note("s"), note("s")], expected_version=0)
    result = store.append([note("s")], expected_version=2)
    assert result.count == 1
    assert store.stream_version("s") == 3


@pytest.mark.parametrize("expected", [0, 1, 3, 10], ids=["zero", "behind", "ahead", "far-ahead"])
def test_expected_version_int_conflict(store: EventStore, note: Note, expected: int) -> None:
    """A stale int expected_version raises ConcurrencyError with stream, expected and actual."""
    _fill(store, note, [["s", "s"]])
    with pytest.raises(ConcurrencyError) as info:
        store.append([note("s", "late")], expected_version=expected)
    error = info.value
    assert (error.stream, error.expected, error.actual) == ("s", expected, 2)
    assert "'s'" in str(error)
    assert error.hint is not None
    assert store.stream_version("s") == 2


def test_expected_version_int_needs_a_one_stream_batch(store: EventStore, note: Note) -> None:
    """An int expected_version with a batch writing two streams is refused, appending nothing."""
    with pytest.raises(InvalidEvent, match="one-stream"):
        store.append([note("a"), note("b")], expected_version=0)
    assert store.head().seq == 0


def test_expected_version_mapping(store: EventStore, note: Note) -> None:
    """A mapping names the expected version of each stream the batch writes."""
    _fill(store, note, [["a", "a", "b"]])
    result = store.append([note("a"), note("b"), note("c")], expected_version={"a": 2, "b": 1})
    assert result.count == 3
    with pytest.raises(ConcurrencyError) as info:
        store.append([note("a"), note("b")], expected_version={"a": 3, "b": 1})
    assert (info.value.stream, info.value.expected, info.value.actual) == ("b", 1, 2)
    assert store.head().seq == 6


def test_expected_version_mapping_for_an_unwritten_stream(store: EventStore, note: Note) -> None:
    """An expectation about a stream the batch does not write must hold too."""
    _fill(store, note, [["guard"]])
    with pytest.raises(ConcurrencyError) as info:
        store.append([note("a")], expected_version={"guard": 0})
    assert (info.value.stream, info.value.expected, info.value.actual) == ("guard", 0, 1)
    assert store.head().seq == 1
    assert store.append([note("a")], expected_version={"guard": 1}).count == 1


def test_per_event_expected_version_follows_the_running_version(
    store: EventStore, note: Note
) -> None:
    """An event's own expected_version is checked against its stream's version at that point."""
    store.append([note("s", expected_version=0), note("s", expected_version=1)])
    with pytest.raises(ConcurrencyError) as info:
        store.append([note("s", expected_version=2), note("s", expected_version=2)])
    assert (info.value.expected, info.value.actual) == (2, 3)
    assert info.value.index == 1  # type: ignore[attr-defined]
    assert store.stream_version("s") == 2


# -- idempotency ---------------------------------------------------------------------------------


def test_same_id_same_content_is_a_no_op(store: EventStore, note: Note) -> None:
    """Re-appending an event is reported as a duplicate and appends nothing."""
    event = note("s", "once", id="x")
    store.append([event])
    head = store.head()
    result = store.append([note("s", "once", id="x")])
    assert result.appended == ()
    assert result.duplicates == ("x",)
    assert result.head == head
    assert store.head() == head


def test_duplicates_mix_with_new_events(store: EventStore, note: Note) -> None:
    """A batch of known and new events appends only the new ones."""
    store.append([note("s", "a", id="a")])
    result = store.append([note("s", "a", id="a"), note("s", "b", id="b")])
    assert result.appended == ((2, "b"),)
    assert result.duplicates == ("a",)


def test_a_resent_event_deep_in_a_long_batch(store: EventStore, note: Note) -> None:
    """Duplicates past the first chunk are no-ops; the rest lands gap-free and the chain verifies.

    The store inserts a chunk before looking its ids up; a chunk holding an id
    already in the log is redone the careful way, which must give the same result.
    """
    store.append([note("old", "logged", id="old-1"), note("old", "logged too", id="old-2")])
    batch = [note(f"s/{i % 7}", str(i), id=f"n-{i}") for i in range(1700)]
    batch[900] = note("old", "logged", id="old-1")
    batch[1600] = note("old", "logged too", id="old-2")
    result = store.append(batch)
    assert result.duplicates == ("old-1", "old-2")
    assert [seq for seq, _ in result.appended] == list(range(3, 3 + 1698))
    assert store.stream_version("old") == 2
    assert sum(store.stream_version(f"s/{i}") for i in range(7)) == 1698
    assert store.verify().ok


def test_a_resent_event_before_an_expected_version(store: EventStore, note: Note) -> None:
    """A re-sent event does not count as a new version for the events after it in the batch."""
    store.append([note("s", "a", id="a")])
    result = store.append([note("s", "a", id="a"), note("s", "b", id="b", expected_version=1)])
    assert result.duplicates == ("a",)
    assert result.appended == ((2, "b"),)


def test_versions_are_reread_after_another_writer(tmp_path: Path, note: Note) -> None:
    """A store that remembers its streams' versions notices a write by another connection."""
    path = tmp_path / "two.db"
    with SQLiteEventStore(path, create=True) as one, SQLiteEventStore(path) as two:
        one.append([note("s"), note("t")])
        two.append([note("s")])
        result = one.append([note("s"), note("t")])
        assert [seq for seq, _ in result.appended] == [4, 5]
        assert one.stream_version("s") == 3
        assert [row.version for row in one.read(stream="s")] == [1, 2, 3]
        assert one.verify().ok


def test_a_dry_run_or_a_refused_batch_leaves_versions_as_they_were(
    store: EventStore, note: Note
) -> None:
    """Versions counted by a batch that was not committed are not carried into the next one."""
    store.append([note("s")])
    store.append([note("s"), note("s")], dry_run=True)
    with pytest.raises(ConcurrencyError):
        store.append([note("s"), note("s", expected_version=9)])
    result = store.append([note("s")], expected_version=1)
    assert result.appended == ((2, result.appended[0][1]),)
    assert [row.version for row in store.read(stream="s")] == [1, 2]


def test_same_id_twice_in_one_batch(store: EventStore, note: Note) -> None:
    """An event repeated within one batch is appended once and reported once as a duplicate."""
    result = store.append([note("s", "a", id="a"), note("s", "a", id="a")])
    assert result.appended == ((1, "a"),)
    assert result.duplicates == ("a",)


def test_same_id_other_content_within_one_batch(store: EventStore, note: Note) -> None:
    """Two different events with one id in one batch raise IdConflict without a seq."""
    with pytest.raises(IdConflict) as info:
        store.append([note("s", "a", id="a"), note("s", "b", id="a")])
    assert (info.value.event_id, info.value.seq) == ("a", None)
    assert store.head().seq == 0


CHANGES = {
    "stream": "other",
    "type": "EventRetracted",
    "schema": 2,
    "occurred": "2019-07",
    "actor": "someone else",
    "supersedes": "y",
    "data": '{"text":"changed"}',
}


@pytest.mark.parametrize("field", CHANGES, ids=list(CHANGES))
def test_same_id_other_content_is_a_conflict(store: EventStore, note: Note, field: str) -> None:
    """Re-using an id with any envelope or payload field changed raises IdConflict naming the seq."""
    store.append([note("s", "y", id="y"), note("s", "x", id="x", occurred="2019-06", actor="me")])
    before = store.head()
    changed = attrs.evolve(
        note("s", "x", id="x", occurred="2019-06", actor="me"), **{field: CHANGES[field]}
    )
    with pytest.raises(IdConflict) as info:
        store.append([note("s", "fresh"), changed])
    assert (info.value.event_id, info.value.seq) == ("x", 2)
    assert store.head() == before


# -- supersedes -----------------------------------------------------------------------------------


def test_supersedes_an_unknown_id_is_refused(store: EventStore, note: Note) -> None:
    """supersedes naming an id that is not in the log raises UnknownSupersededEvent."""
    with pytest.raises(UnknownSupersededEvent) as info:
        store.append([note("s", "fix", supersedes="ghost")])
    assert info.value.field == "$.supersedes"
    assert store.head().seq == 0


def test_supersedes_an_event_of_the_same_batch(store: EventStore, note: Note) -> None:
    """An event may supersede one earlier in its own batch, but not a later one."""
    result = store.append([note("s", "a", id="a"), note("s", "b", supersedes="a")])
    assert result.count == 2
    with pytest.raises(UnknownSupersededEvent):
        store.append([note("s", "c", supersedes="d"), note("s", "d", id="d")])


@pytest.mark.parametrize(
    "order", ["duplicate-first", "correction-first"], ids=["duplicate-first", "correction-first"]
)
def test_supersedes_an_event_resubmitted_in_the_same_batch(
    store: EventStore, note: Note, order: str
) -> None:
    """Re-appending a file that now ends with a correction works: the corrected event is in the log."""
    original = note("s", "first", id="orig")
    store.append([original])
    correction = note("s", "fixed", id="fix", supersedes="orig")
    batch = [original, correction] if order == "duplicate-first" else [correction, original]
    result = store.append(batch)
    assert result.appended == ((2, "fix"),)
    assert result.duplicates == ("orig",)


# -- recorded time --------------------------------------------------------------------------------


def test_recorded_never_goes_backwards(
    store_factory: Callable[..., EventStore], note: Note
) -> None:
    """When the clock goes back, a batch is recorded at the previous batch's time instead."""
    store = store_factory(clock=_clock(T2, T1, T3))
    store.append([note("s"), note("s")])
    store.append([note("s")])
    store.append([note("s")])
    assert [row.recorded for row in _rows(store)] == [T2, T2, T2, T3]
    assert store.head().recorded == T3
    assert store.verify().ok


def test_recorded_is_fixed_width_utc(store: EventStore, note: Note) -> None:
    """The default clock writes UTC with microseconds and a Z, one time per batch."""
    result = store.append([note("s"), note("t")])
    rows = _rows(store)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", rows[0].recorded)
    assert rows[0].recorded == rows[1].recorded == result.head.recorded


# -- reading ----------------------------------------------------------------------------------------


@pytest.fixture
def timed(store_factory: Callable[..., EventStore], note: Note) -> EventStore:
    """A log of three batches recorded at T1 (seqs 1-2), T2 (3-5) and T3 (6)."""
    store = store_factory(clock=_clock(T1, T2, T3))
    store.append([note("a", id="e1"), note("b", id="e2")])
    store.append(
        [
            note("a", id="e3"),
            store_event("EventRetracted", "b", "e4", '{"reason":"wrong"}'),
            note("c", id="e5"),
        ]
    )
    store.append([note("a", id="e6")])
    return store


def store_event(type_: str, stream: str, event_id: str, data: str) -> PendingEvent:
    return PendingEvent(
        id=event_id,
        stream=stream,
        type=type_,
        schema=1,
        occurred=None,
        actor=None,
        supersedes=None,
        data=data,
    )


READS: list[tuple[str, dict[str, Any], list[int]]] = [
    ("all", {}, [1, 2, 3, 4, 5, 6]),
    ("start", {"start": 3}, [3, 4, 5, 6]),
    ("stop", {"stop": 2}, [1, 2]),
    ("start-stop", {"start": 2, "stop": 4}, [2, 3, 4]),
    ("start-after-head", {"start": 7}, []),
    ("stop-before-start", {"start": 4, "stop": 3}, []),
    ("stream", {"stream": "a"}, [1, 3, 6]),
    ("unknown-stream", {"stream": "zz"}, []),
    ("types", {"types": ["EventRetracted"]}, [4]),
    ("two-types", {"types": {"EventRetracted", "NoteTaken"}}, [1, 2, 3, 4, 5, 6]),
    ("no-types", {"types": []}, []),
    ("since", {"since": T2}, [3, 4, 5, 6]),
    ("since-between", {"since": "2020-01-02T12:00:00.000000Z"}, [6]),
    ("known-at", {"known_at": T2}, [1, 2, 3, 4, 5]),
    ("known-at-between", {"known_at": "2020-01-01T12:00:00.000000Z"}, [1, 2]),
    ("known-at-before-all", {"known_at": "2019-12-31T00:00:00.000000Z"}, []),
    ("since-and-known-at", {"since": T2, "known_at": T2}, [3, 4, 5]),
    ("stream-and-known-at", {"stream": "a", "known_at": T2}, [1, 3]),
    ("stream-types-start", {"stream": "b", "types": ["NoteTaken"], "start": 1}, [2]),
]


@pytest.mark.parametrize(("filters", "seqs"), [r[1:] for r in READS], ids=[r[0] for r in READS])
def test_read_filters(timed: EventStore, filters: dict[str, Any], seqs: list[int]) -> None:
    """read() returns exactly the rows each filter (and combination) selects, in seq order."""
    assert [row.seq for row in timed.read(**filters)] == seqs


@pytest.mark.parametrize(("filters", "seqs"), [r[1:] for r in READS], ids=[r[0] for r in READS])
def test_read_rows_with_data_bytes(
    timed: EventStore, filters: dict[str, Any], seqs: list[int]
) -> None:
    """read_rows(data_bytes=True) gives the rows read() gives, data as its UTF-8 bytes."""
    rows = list(timed.read_rows(data_bytes=True, **filters))
    assert [row[10] for row in rows] == [row.data.encode() for row in timed.read(**filters)]
    assert [row[:10] + row[11:] for row in rows] == [
        (*attrs.astuple(row)[:10], *attrs.astuple(row)[11:]) for row in timed.read(**filters)
    ]
    assert [row[0] for row in rows] == seqs


def test_read_gives_what_get_and_at_give(timed: EventStore) -> None:
    """read(), get(id) and at(seq) return the same rows."""
    for row in timed.read():
        assert timed.get(row.id) == row
        assert timed.at(row.seq) == row
    assert timed.get("nope") is None
    assert timed.at(0) is None
    assert timed.at(7) is None


def test_seq_at(timed: EventStore) -> None:
    """seq_at(T) is the last seq recorded at or before T."""
    assert timed.seq_at("2019-12-31T00:00:00.000000Z") == 0
    assert timed.seq_at(T1) == 2
    assert timed.seq_at("2020-01-02T12:00:00.000000Z") == 5
    assert timed.seq_at(T3) == 6
    assert timed.seq_at("2099-01-01T00:00:00.000000Z") == 6


def test_head(store: EventStore, note: Note) -> None:
    """head() is the genesis head when empty, then the newest row's seq, hash and recorded."""
    assert store.head() == Head(0, GENESIS_HASH, None)
    result = store.append([note("s"), note("t")])
    last = _rows(store)[-1]
    assert store.head() == Head(2, last.hash, last.recorded)
    assert result.head == store.head()


def test_superseded(store: EventStore, note: Note) -> None:
    """superseded(stop) maps each corrected id to its newest successor's seq up to stop."""
    store.append(
        [
            note("s", id="A"),
            note("s", id="B"),
            note("s", id="C", supersedes="A"),
            note("s", id="D", supersedes="A"),
            note("s", id="E", supersedes="B"),
        ]
    )
    assert store.superseded(5) == {"A": 4, "B": 5}
    assert store.superseded(3) == {"A": 3}
    assert store.superseded(2) == {}


@pytest.mark.parametrize(
    ("window", "expected"),
    [((3, 5, 1), True), ((5, 5, 1), False), ((5, 5, 2), True), ((1, 2, 5), False)],
    ids=["C-supersedes-seq-1", "E-after-seq-1", "E-supersedes-seq-2", "no-successor"],
)
def test_supersedes_before(
    store: EventStore, note: Note, window: tuple[int, int, int], expected: bool
) -> None:
    """supersedes_before(start, stop, before) tells whether seqs start..stop correct an event at or before ``before``."""
    store.append(
        [
            note("s", id="A"),
            note("s", id="B"),
            note("s", id="C", supersedes="A"),
            note("s", id="D", supersedes="A"),
            note("s", id="E", supersedes="B"),
        ]
    )
    assert store.supersedes_before(*window) is expected


def _bulk(count: int) -> Iterator[PendingEvent]:
    filler = "填" * 100 + "x" * 200
    for number in range(count):
        yield PendingEvent(
            id=f"bulk-{number:06d}",
            stream=f"bulk/{number % 7}",
            type="NoteTaken",
            schema=1,
            occurred=None,
            actor=None,
            supersedes=None,
            data=canonical_json({"text": f"{filler} {number}"}),
        )


def test_read_is_lazy_and_bounded(store: EventStore) -> None:
    """Taking 3 rows of a 50,000-event log, or streaming through all of it, needs a tiny fraction of the log's size in memory."""
    store.append(_bulk(50_000))
    log_bytes = sum(len(row.data.encode()) + 200 for row in islice(store.read(), 100)) * 500

    tracemalloc.start()
    try:
        first = list(islice(store.read(), 3))
        _, peak_first = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        count = 0
        last = None
        for row in store.read():
            count += 1
            last = row
        _, peak_all = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert [row.seq for row in first] == [1, 2, 3]
    assert count == 50_000
    assert last is not None
    assert last.seq == 50_000
    assert log_bytes > 25_000_000
    assert peak_first < log_bytes / 100
    assert peak_all < log_bytes / 100


# -- dry run ------------------------------------------------------------------------------------------


def test_dry_run_appends_nothing(store: EventStore, note: Note) -> None:
    """dry_run=True reports what would be appended, then leaves the log as it was."""
    _fill(store, note, [["s"]])
    before = store.head()
    batch = [note("s", "a", id="a"), note("t", "b", id="b")]
    result = store.append(batch, dry_run=True)
    assert result.appended == ((2, "a"), (3, "b"))
    assert store.head() == before
    assert store.get("a") is None
    assert store.stream_version("t") == 0
    assert store.append(batch).appended == result.appended


def test_dry_run_still_reports_conflicts(store: EventStore, note: Note) -> None:
    """A dry run raises the same errors a real append would."""
    _fill(store, note, [["s"]])
    with pytest.raises(ConcurrencyError):
        store.append([note("s")], expected_version=0, dry_run=True)
    with pytest.raises(IdConflict):
        store.append([note("s", "other", id="e1")], dry_run=True)


# -- opening SQLite files ------------------------------------------------------------------------------


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    """Opening a missing file without create raises DatabaseNotFound naming the path, creating nothing."""
    path = tmp_path / "missing.db"
    with pytest.raises(DatabaseNotFound) as info:
        SQLiteEventStore(path)
    assert info.value.path == str(path)
    assert not path.exists()


def test_create_in_a_missing_directory_is_not_found(tmp_path: Path) -> None:
    """create=True does not invent directories: a missing parent raises DatabaseNotFound."""
    with pytest.raises(DatabaseNotFound):
        SQLiteEventStore(tmp_path / "no" / "such" / "x.db", create=True)
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize(
    "content",
    [b"hello, world\n", b'{"type": "NoteTaken"}\n' * 100, b"SQLite format 2\x00" + b"\x00" * 100],
    ids=["text", "json-lines", "almost-sqlite"],
)
def test_non_sqlite_file_is_refused(tmp_path: Path, content: bytes) -> None:
    """A file that is not SQLite raises NotAGyengineDatabase and is left untouched."""
    path = tmp_path / "x.db"
    path.write_bytes(content)
    for create in (False, True):
        with pytest.raises(NotAGyengineDatabase, match="not a SQLite file"):
            SQLiteEventStore(path, create=create)
    assert path.read_bytes() == content


def test_directory_is_refused(tmp_path: Path) -> None:
    """A directory given as the database raises NotAGyengineDatabase."""
    with pytest.raises(NotAGyengineDatabase, match="directory"):
        SQLiteEventStore(tmp_path, create=True)


def test_another_programs_sqlite_file_is_refused(tmp_path: Path) -> None:
    """A SQLite file with other tables raises NotAGyengineDatabase, even with create=True."""
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (name TEXT)")
    conn.close()
    for create in (False, True):
        with pytest.raises(NotAGyengineDatabase, match="another program") as info:
            SQLiteEventStore(path, create=create)
        assert not isinstance(info.value, DatabaseNotInitialised)
    check = sqlite3.connect(path)
    assert check.execute("SELECT name FROM sqlite_master").fetchall() == [("customers",)]
    check.close()


def _empty_sqlite(path: Path, kind: str) -> None:
    if kind == "zero-bytes":
        path.write_bytes(b"")
        return
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("DROP TABLE t")
    conn.commit()
    conn.close()
    assert path.read_bytes().startswith(b"SQLite format 3\x00")


@pytest.mark.parametrize("kind", ["zero-bytes", "header-only"], ids=["zero-bytes", "header-only"])
def test_empty_sqlite_file_is_not_initialised(tmp_path: Path, kind: str) -> None:
    """An empty SQLite file raises DatabaseNotInitialised, and is set up with create=True."""
    path = tmp_path / "empty.db"
    _empty_sqlite(path, kind)
    with pytest.raises(DatabaseNotInitialised) as info:
        SQLiteEventStore(path)
    assert info.value.hint is not None
    with SQLiteEventStore(path, create=True) as store:
        assert store.head().seq == 0
    with SQLiteEventStore(path) as store:
        assert store.verify().ok


def test_reopening_keeps_the_log(tmp_path: Path, note: Note) -> None:
    """A created database reopens without create=True and holds what was appended."""
    path = tmp_path / "x.db"
    with SQLiteEventStore(path, create=True) as store:
        store.append([note("s", "kept", id="k")])
        head = store.head()
    with SQLiteEventStore(path) as store:
        assert store.head() == head
        found = store.get("k")
        assert found is not None
        assert found.data == '{"text":"kept"}'


def test_read_and_chain_rows_by_stream_prefix(store: EventStore, note: Note) -> None:
    """A plan's rows are those whose stream begins with its prefix: read() and chain_rows()
    give exactly them, in seq order, on every backend (and nothing of a longer id that
    merely shares the first letters)."""
    store.append(
        [
            note("county-1:indicator/I1", id="p1"),
            note("county-12:indicator/I1", id="p2"),
            note("county-1:project/P01", id="p3"),
            note("county-2:indicator/I1", id="p4"),
            note("indicator/I1", id="p5"),
        ]
    )
    assert [row.seq for row in store.read(prefix="county-1:")] == [1, 3]
    assert [row.seq for row in store.read(prefix="county-1:", start=2)] == [3]
    assert [row[0] for row in store.read_rows(prefix="county-2:")] == [4]
    assert [row[0] for row in store.chain_rows(prefix="county-1:")] == [1, 3]
    assert [row[0] for row in store.chain_rows(2, 4, prefix="county-12:")] == [2]
    assert [row.seq for row in store.read(prefix="county-9:")] == []
