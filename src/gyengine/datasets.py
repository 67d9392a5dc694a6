"""Bundled datasets: a plan file and event files that plugins ship for people to explore.

A dataset is registered by a plugin (``register_datasets``). ``gyengine demo
init`` writes one into a database; ``gyengine replay`` with no database at all
replays the default one in memory. Loading keeps the record times the dataset's
events carry, so ``--known-at`` works on a dataset as on a real log.

A dataset may also make synthetic counties (``county``), each its own plan
under its own id with a year drawn from its own seed: ``gyengine demo init
--counties 100`` writes a province of them into one database
(:func:`load_counties`).

Loading the bundled year costs more than replaying it (every line parsed,
checked, encoded and hashed), so :func:`open_cached_dataset` keeps a prebuilt
copy of it in the user's cache folder, keyed by everything it was built from.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import heapq
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final

import attrs

from .canonical import canonical_json
from .errors import GyengineError, InvalidEvent
from .events import EventTypes, PendingEvent
from .jsonl import JsonLinesReader
from .memo import sources_stamp
from .plan import PlanSection, iter_events, plan_changes, read_plan
from .seal import Sealer, load_sealer
from .store import EventStore, SQLiteEventStore
from .timeutil import parse_timestamp

if TYPE_CHECKING:
    from .eventchecks import EventChecks

__all__ = [
    "CACHE_ENV",
    "Dataset",
    "cache_dir",
    "county_lines",
    "load_counties",
    "load_dataset",
    "open_cached_dataset",
]

CACHE_ENV: Final = "GYENGINE_CACHE_DIR"
"""The environment variable naming the cache folder (empty: keep no cache)."""

CACHE_FORMAT: Final = 1
"""Bumped when what a prebuilt copy holds changes, so older copies are not opened."""


@attrs.frozen(kw_only=True)
class Dataset:
    """A plan and its events, shipped by a plugin.

    Args:
        name: what ``--dataset`` calls it.
        title: one line for people.
        plan: the plan file (TOML).
        events: JSON Lines files whose lines carry their ``recorded`` time.
        plan_recorded: the record time the plan's definition events get.
        synthetic: the events are invented (every output then says so).
        default: ``gyengine replay`` without a database replays this one.
        county: ``county(n)`` makes synthetic county ``n`` (1, 2, ...): its plan
            id, its plan file's text and its events as JSON Lines, every stream
            beginning with the plan id (``None``: the dataset makes none).
    """

    name: str
    title: str
    plan: Path
    events: tuple[Path, ...] = attrs.field(converter=tuple)
    plan_recorded: str
    synthetic: bool = True
    default: bool = False
    county: Callable[[int], tuple[str, str, str]] | None = None


def load_dataset(
    store: EventStore,
    registry: EventTypes,
    sections: dict[str, PlanSection],
    dataset: Dataset,
    *,
    progress: Callable[[int], None] | None = None,
    checks: EventChecks | None = None,
) -> int:
    """Append a dataset's plan and events to an empty store; return how many events.

    With ``checks`` (an engine's :attr:`~gyengine.Engine.checks`), the event
    files are checked against the plan as :meth:`Engine.append` checks them.

    Raises:
        GyengineError: the store is not empty, or a file is invalid (naming file and line).
    """
    if store.head().seq != 0:
        raise GyengineError(
            f"{dataset.name}: the database is not empty; load a dataset into a new one"
        )
    plan = read_plan(dataset.plan, sections, registry)
    recorded = parse_timestamp(dataset.plan_recorded, end_of_day=False)
    changes = plan_changes(plan, sections, store, registry, actor=None)
    count = store.append(
        (attrs.evolve(event, recorded=recorded) for event in iter_events(changes)),
        keep_recorded=True,
    ).count
    for path in dataset.events:
        with Path(path).open("rb") as handle:
            reader = JsonLinesReader(
                handle, str(path), registry, on_bytes=progress, keep_recorded=True
            )
            append = store.append if checks is None else functools.partial(checks.append, store)
            try:
                count += append(reader, keep_recorded=True).count
            except InvalidEvent as error:
                # The store and the checks know the event's place in the batch; say its line.
                index = getattr(error, "index", None)
                if error.source is None and index is not None and index < len(reader.lines):
                    raise error.located(str(path), reader.lines[index]) from None
                raise
    return count


def county_lines(dataset: Dataset, counties: int) -> Iterator[dict[str, object]]:
    """The events of counties 1..``counties`` as JSON objects, merged in record-time order.

    The counties report through the same year, so their events interleave as
    the log's record times must (they never go back).
    """
    if dataset.county is None:
        raise GyengineError(f"{dataset.name}: the dataset makes no synthetic counties")
    make = dataset.county

    def lines(number: int) -> Iterator[tuple[str, int, int, dict[str, object]]]:
        text = make(number)[2]
        for index, line in enumerate(text.splitlines()):
            event = json.loads(line)
            yield str(event["recorded"]), number, index, event

    for *_, event in heapq.merge(*(lines(n) for n in range(1, counties + 1))):
        yield event


def load_counties(
    store: EventStore,
    registry: EventTypes,
    sections: dict[str, PlanSection],
    dataset: Dataset,
    counties: int,
    *,
    progress: Callable[[int], None] | None = None,
    checks: EventChecks | None = None,
    until: str | None = None,
) -> int:
    """Append ``counties`` synthetic counties (plans, then their events) to an empty store.

    Each county is its own plan (``county-001``...) with its own seed. With
    ``checks``, every event is checked against its county's plan. ``until``
    (a record timestamp) leaves out the events recorded after it, to append
    later (a week more, say). Returns how many events were appended;
    ``progress`` is called with counts of the counties' events (not of their
    plans' definitions).

    Raises:
        GyengineError: the store is not empty, or the dataset makes no counties.
    """
    if store.head().seq != 0:
        raise GyengineError(
            f"{dataset.name}: the database is not empty; load a province into a new one"
        )
    if dataset.county is None:
        raise GyengineError(f"{dataset.name}: the dataset makes no synthetic counties")
    recorded = parse_timestamp(dataset.plan_recorded, end_of_day=False)
    count = 0
    for number in range(1, counties + 1):
        _, plan_text, _ = dataset.county(number)
        plan = read_plan(f"{dataset.name}#{number}", sections, registry, text=plan_text)
        changes = plan_changes(plan, sections, store, registry, actor=None)
        count += store.append(
            (attrs.evolve(event, recorded=recorded) for event in iter_events(changes)),
            keep_recorded=True,
        ).count
    lines = county_lines(dataset, counties)
    if until is not None:
        lines = (line for line in lines if str(line["recorded"]) <= until)
    return count + append_lines(store, registry, lines, progress=progress, checks=checks)


def append_lines(
    store: EventStore,
    registry: EventTypes,
    lines: Iterable[dict[str, object]],
    *,
    progress: Callable[[int], None] | None = None,
    checks: EventChecks | None = None,
    batch: int = 20_000,
) -> int:
    """Append JSON Lines objects that carry their record times, checked, in batches; how many."""
    append = store.append if checks is None else functools.partial(checks.append, store)
    count = 0
    chunk: list[PendingEvent] = []

    def flush() -> int:
        appended = append(chunk, keep_recorded=True).count
        if progress is not None:
            progress(len(chunk))
        chunk.clear()
        return appended

    for line in lines:
        chunk.append(registry.parse_line(line, keep_recorded=True))
        if len(chunk) >= batch:
            count += flush()
    return count + (flush() if chunk else 0)


def cache_dir() -> Path | None:
    """Where prebuilt datasets are kept: ``$GYENGINE_CACHE_DIR``, else the user's
    cache folder (``$XDG_CACHE_HOME/gyengine``, ``~/.cache/gyengine``); ``None``
    when ``$GYENGINE_CACHE_DIR`` is set but empty (no cache)."""
    named = os.environ.get(CACHE_ENV)
    if named is not None:
        return Path(named).expanduser() if named.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gyengine"


def dataset_key(
    dataset: Dataset,
    registry: EventTypes,
    versions: Mapping[str, str],
    sources: Iterable[Path] = (),
) -> str:
    """The digest a prebuilt copy of ``dataset`` is kept under.

    It covers the dataset's files (plan and events, their bytes), its record
    time and name, every plugin's version (gyengine's own among them), the
    event types and their schema versions, and the source files' stamps.
    """
    files = hashlib.sha256()
    for path in (dataset.plan, *dataset.events):
        files.update(Path(path).read_bytes())
        files.update(b"\0")
    key = {
        "format": CACHE_FORMAT,
        "dataset": dataset.name,
        "plan_recorded": dataset.plan_recorded,
        "files": files.hexdigest(),
        "plugins": dict(sorted(versions.items())),
        "types": sorted([name, registry.schema_of(name)] for name in registry.names()),
        "sources": sources_stamp(sources),
    }
    text = json.dumps(key, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def open_cached_dataset(
    dataset: Dataset,
    registry: EventTypes,
    sections: dict[str, PlanSection],
    versions: Mapping[str, str],
    sources: Iterable[Path] = (),
) -> SQLiteEventStore | None:
    """A prebuilt copy of ``dataset`` in the cache folder, built first if there is none.

    The copy is a SQLite file named by :func:`dataset_key`; in it (table
    ``dataset_cache``), a seal (with the run and checkpoint key,
    :mod:`gyengine.seal`) of that key and the copy's head seq and hash, made
    when it was built. A copy whose seal or head
    does not check is built again. Replays of the copy save and reuse sealed
    checkpoints there as in any database; the copy's chain is checked as any
    log's is. ``None`` when there is no cache folder or it cannot be written:
    the caller then loads the dataset in memory.
    """
    folder = cache_dir()
    if folder is None:
        return None
    key = dataset_key(dataset, registry, versions, sources)
    path = folder / f"{dataset.name}-{key[:24]}.db"
    try:
        sealer = load_sealer(create=True)
        if sealer is None:
            return None
        store = _open_sealed(path, key, sealer)
        if store is not None:
            return store
        folder.mkdir(parents=True, exist_ok=True)
        built = _build(path, key, sealer, dataset, registry, sections)
        _prune(folder, dataset.name, keep=path)
        return built
    except (OSError, sqlite3.Error, GyengineError):
        return None  # no cache to be had here: the dataset is loaded in memory


def _prune(folder: Path, name: str, *, keep: Path) -> None:
    """Remove the copies of dataset ``name`` built for other files, versions or sources
    (an upgrade leaves its old copy behind); a process that has one open keeps reading it."""
    for stale in folder.glob(f"{name}-*.db"):
        if stale != keep and len(stale.stem) == len(keep.stem):
            stale.unlink(missing_ok=True)


def _seal_content(key: str, seq: int, digest: str) -> bytes:
    return canonical_json(["dataset", key, seq, digest]).encode("utf-8")


def _open_sealed(path: Path, key: str, sealer: Sealer) -> SQLiteEventStore | None:
    """The copy at ``path`` if its seal vouches for its key and head; else ``None``.

    A copy that does not check is removed (processes that have it open keep
    reading theirs), so that the next build can take its place.
    """
    if not path.exists():
        return None
    try:
        store = SQLiteEventStore(path)
    except GyengineError:
        path.unlink(missing_ok=True)
        return None
    try:
        found = store.conn.execute("SELECT key, seq, hash, seal FROM dataset_cache").fetchall()
        head = store.head()
    except sqlite3.Error:
        found = []
    sealed = found[0] if len(found) == 1 else None
    if (
        sealed is None
        or list(sealed[:3]) != [key, head.seq, head.hash]
        or sealer.check("dataset", _seal_content(key, head.seq, head.hash), sealed[3]) is not None
    ):
        store.close()
        path.unlink(missing_ok=True)
        return None
    return store


def _build(
    path: Path,
    key: str,
    sealer: Sealer,
    dataset: Dataset,
    registry: EventTypes,
    sections: dict[str, PlanSection],
) -> SQLiteEventStore | None:
    """Load ``dataset`` into a new file with its sealed head, and link it into place.

    Linked, not renamed over: of two processes building at once, the second
    opens the first one's copy, so that no file is replaced under a process
    writing checkpoints into it.
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".db")
    os.close(descriptor)
    os.unlink(temporary)  # the store makes the file itself
    try:
        store = SQLiteEventStore(temporary, create=True)
        try:
            load_dataset(store, registry, sections, dataset)
            head = store.head()
            seal = sealer.seal("dataset", _seal_content(key, head.seq, head.hash))
            with store.conn:
                store.conn.execute(
                    "CREATE TABLE dataset_cache (key TEXT, seq INTEGER, hash TEXT, seal TEXT)"
                )
                store.conn.execute(
                    "INSERT INTO dataset_cache VALUES (?, ?, ?, ?)",
                    (key, head.seq, head.hash, seal),
                )
        finally:
            store.close()
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        for leftover in (temporary, temporary + "-wal", temporary + "-shm"):
            Path(leftover).unlink(missing_ok=True)
    return _open_sealed(path, key, sealer)
