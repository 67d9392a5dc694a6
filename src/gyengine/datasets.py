"""Bundled datasets: a plan file and event files that plugins ship for people to explore.

A dataset is registered by a plugin (``register_datasets``). ``gyengine demo
init`` writes one into a database; ``gyengine replay`` with no database at all
replays the default one in memory. Loading keeps the record times the dataset's
events carry, so ``--known-at`` works on a dataset as on a real log.

A dataset may also make synthetic counties (``county``), each its own plan
under its own id with a year drawn from its own seed: ``gyengine demo init
--counties 100`` writes a province of them into one database
(:func:`load_counties`).
"""

from __future__ import annotations

import functools
import heapq
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from .errors import GyengineError, InvalidEvent
from .events import EventTypes, PendingEvent
from .jsonl import JsonLinesReader
from .plan import PlanSection, iter_events, plan_changes, read_plan
from .store import EventStore
from .timeutil import parse_timestamp

if TYPE_CHECKING:
    from .eventchecks import EventChecks

__all__ = ["Dataset", "county_lines", "load_counties", "load_dataset"]


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
