"""Bundled datasets: a plan file and event files that plugins ship for people to explore.

A dataset is registered by a plugin (``register_datasets``). ``gyengine demo
init`` writes one into a database; ``gyengine replay`` with no database at all
replays the default one in memory. Loading keeps the record times the dataset's
events carry, so ``--known-at`` works on a dataset as on a real log.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from .errors import GyengineError, InvalidEvent
from .events import EventTypes
from .jsonl import JsonLinesReader
from .plan import PlanSection, iter_events, plan_changes, read_plan
from .store import EventStore
from .timeutil import parse_timestamp

if TYPE_CHECKING:
    from .eventchecks import EventChecks

__all__ = ["Dataset", "load_dataset"]


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
    """

    name: str
    title: str
    plan: Path
    events: tuple[Path, ...] = attrs.field(converter=tuple)
    plan_recorded: str
    synthetic: bool = True
    default: bool = False


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
