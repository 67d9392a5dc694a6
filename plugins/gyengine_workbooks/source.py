"""What a workbook is made from and checked against: the plan in force and the reports already logged.

Both come from the log through gyengine's public API only: the plan's
definition events (streams ``plan/...``, one per item, revised by a
superseding event, removed by a retraction) and the reports of a stream.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from gyengine import Engine, Event, parse_period

__all__ = ["Current", "PlanInForce", "current_reports", "plan_in_force"]

PLAN_PREFIX = "plan/"
RETRACTED = "EventRetracted"


@attrs.frozen
class PlanInForce:
    """The plan's items now in force, by section and key, and the revision they make up.

    ``seq`` and ``hash`` are those of the newest plan definition event (0 and
    "" for a log with no plan): a workbook names them so that one can tell
    which revision of the plan it was made from.
    """

    items: dict[str, dict[str, Any]]
    seq: int
    hash: str

    def section(self, name: str) -> dict[str, Any]:
        """The items of one section, by key (empty when the plan has none)."""
        return self.items.get(name, {})

    def one(self, name: str) -> Any | None:
        """The item of a one-table section (``[plan]``, ``[supervision]``), or None."""
        found = list(self.section(name).values())
        return found[0] if found else None


def _section_types(engine: Engine) -> dict[str, str]:
    """Event type name -> plan section name, from the plugins' plan sections."""
    by_class = {engine.registry.class_of(name): name for name in engine.registry.names()}
    types: dict[str, str] = {}
    for sections in engine.manager.hook.register_plan_sections():
        for section in sections or ():
            name = by_class.get(section.item_type)
            if name is not None:
                types[name] = section.name
    return types


def plan_in_force(engine: Engine) -> PlanInForce:
    """Read the plan's definition events and keep those nobody superseded or retracted."""
    types = _section_types(engine)
    events = [
        event
        for event in engine.events(types=[*types, RETRACTED])
        if event.stream.startswith(PLAN_PREFIX)
    ]
    superseded = {event.supersedes for event in events if event.supersedes}
    items: dict[str, dict[str, Any]] = {}
    for event in events:
        if event.type == RETRACTED or event.id in superseded:
            continue
        section = types[event.type]
        key = event.stream.removeprefix(f"{PLAN_PREFIX}{section}").lstrip("/") or section
        items.setdefault(section, {})[key] = event.data
    last = events[-1] if events else None
    return PlanInForce(items, last.seq if last else 0, last.hash if last else "")


@attrs.frozen
class Current:
    """A stream's reports in force (not superseded, not retracted), by period."""

    events: tuple[Event, ...]

    def of(self, period: str, **match: Any) -> Event | None:
        """The report in force for ``period`` whose data fields equal ``match``."""
        for event in reversed(self.events):
            if event.occurred == period and _matches(event, match):
                return event
        return None

    def before(self, period: str, **match: Any) -> Event | None:
        """The report in force for the latest period that ends before ``period`` begins."""
        start = parse_period(period).start
        found: Event | None = None
        found_end = None
        for event in self.events:
            if not event.occurred or not _matches(event, match):
                continue
            end = parse_period(event.occurred).end
            if end < start and (found_end is None or end >= found_end):
                found, found_end = event, end
        return found


def _matches(event: Event, match: dict[str, Any]) -> bool:
    return all(getattr(event.data, key, None) == value for key, value in match.items())


def current_reports(engine: Engine, streams: Iterable[str], event_type: str) -> dict[str, Current]:
    """The reports of ``event_type`` in force on each of ``streams``."""
    result: dict[str, Current] = {}
    for stream in sorted(set(streams)):
        events = list(engine.events(stream=stream))
        superseded = {event.supersedes for event in events if event.supersedes}
        result[stream] = Current(
            tuple(e for e in events if e.type == event_type and e.id not in superseded)
        )
    return result
