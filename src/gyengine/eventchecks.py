"""Events checked against the plan in force before they are appended.

A plugin that owns a plan section knows what the events about its items must
agree with: a statistic must name an indicator of the plan, in a unit that
converts to the indicator's; a weekly report must name a project of the plan,
on that project's stream. It says so with :class:`EventCheck` objects
(hook ``register_event_checks``). gyengine runs them in one place,
:class:`EventChecks`, which :meth:`Engine.append <gyengine.Engine.append>` and
so every writer goes through (``gyengine append``, ``record``, ``import``,
``demo init``): the first problem refuses the whole batch, nothing is written.

The plan in force is read from the log (each item's last definition, retracted
items left out, as ``plan load`` reads it for its diff), once per store head,
and follows the definition events earlier in the same batch, so a plan and its
reports can be appended in one file. A log that holds no plan governs nothing:
every event passes, as do events of types no check names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import attrs

from .errors import EventRefused, GyengineError
from .events import EventTypes, NewEvent, PendingEvent
from .plan import DEFAULT_PLAN, Plan, PlanBuilder, PlanSection, plan_ids, plan_of
from .store import AppendResult, EventStore, Head

__all__ = ["EventCheck", "EventChecks", "EventRefused", "check_subject", "listing"]

Problem = tuple[str, str]
"""``(field, message)``: the JSON path of what is wrong (``$.data.unit``) and why."""


def _names(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@attrs.frozen(kw_only=True)
class EventCheck:
    """What events of some types must agree with in the plan in force.

    Args:
        name: unique across plugins; names the check when it fails itself.
        types: the event type names it governs.
        check: ``check(plan, event)`` yields ``(field, message)`` for each
            problem: ``field`` a JSON path (``$.data.unit``, ``$.stream``),
            ``message`` what is wrong and what the plan allows. ``event`` is a
            :class:`~gyengine.NewEvent` whose ``data`` is the typed payload.
        description: one line for help texts.
    """

    name: str
    types: tuple[str, ...] = attrs.field(converter=_names)
    check: Callable[[Plan, NewEvent], Iterable[Problem]]
    description: str = ""


def listing(keys: Iterable[str], limit: int = 8) -> str:
    """Keys for a message, the first ``limit`` of them: ``I1, I2, I3, ...`` (``none`` if empty)."""
    keys = list(keys)
    if not keys:
        return "none"
    shown = ", ".join(keys[:limit])
    return shown + (", ..." if len(keys) > limit else "")


def check_subject(
    plan: Plan, event: NewEvent, *, section: str, field: str, noun: str | None = None
) -> Iterator[Problem]:
    """The usual check of a report about one item of a plan section.

    The payload's ``field`` must name an item of ``section``, and the event's
    stream must be ``<section>/<that item>`` of the plan (``county-007:project/P01``
    in plan county-007: see :meth:`Plan.stream`).

    Args:
        plan: the plan in force.
        event: the event, its payload typed.
        section: the plan section of the item (``project``).
        field: the payload field that names it (``project``).
        noun: how messages call an item (default: the section's name).
    """
    noun = noun or section
    key = getattr(event.data, field)
    items = plan.by_key(section)
    if key not in items:
        yield (
            f"$.data.{field}",
            f"no {noun} {key!r} in the plan in force ({section}s: {listing(items)})",
        )
        return
    stream = plan.stream(f"{section}/{key}")
    if event.stream != stream:
        yield (
            "$.stream",
            f"{event.stream} is not the stream of {noun} {key} (use {stream})",
        )


class EventChecks:
    """Every plugin's event checks, run on the events of an append against the plan in force.

    An event is judged against its own plan: the one whose id its stream
    begins with (``county-007:indicator/I1``), or the default plan. Each plan
    is read from the store once per head, when an event of it is first met; an
    append that defines no plan item moves the cached plans on to the head it
    leaves.
    """

    def __init__(
        self,
        checks: Iterable[EventCheck],
        sections: dict[str, PlanSection],
        registry: EventTypes,
    ) -> None:
        self._by_type: dict[str, list[EventCheck]] = {}
        for check in sorted(checks, key=lambda c: c.name):
            for type_name in check.types:
                self._by_type.setdefault(type_name, []).append(check)
        self._sections = sections
        self._registry = registry
        self._cached: tuple[Head, dict[str | None, PlanBuilder]] | None = None

    def append(
        self, store: EventStore, events: Iterable[PendingEvent], **options: Any
    ) -> AppendResult:
        """Append ``events`` to ``store`` (options as :meth:`EventStore.append`), checked.

        Raises:
            EventRefused: naming the first event that contradicts the plan, its
                field and what the plan allows; nothing is appended.
        """
        if not self._by_type:
            return store.append(events, **options)
        head = store.head()
        builders = self._cached[1] if self._cached is not None and self._cached[0] == head else {}
        run = _Run(store, self._sections, self._registry, builders)
        result = store.append(self._checked(events, run), **options)
        # Only when nobody else wrote between the two heads are the plans the batch
        # ends with the plans of the new head.
        if not options.get("dry_run") and result.head.seq == head.seq + result.count:
            self._cached = (result.head, run.builders)
        return result

    def _checked(self, events: Iterable[PendingEvent], run: _Run) -> Iterator[PendingEvent]:
        # The loop every appended event passes through: keep it to a dict lookup
        # and a prefix test for events that no check governs (the bench's payloads).
        by_type = self._by_type
        for index, event in enumerate(events):
            checks = by_type.get(event.type)
            # A line restored from a backup (its seq and hash as witnesses) is what
            # the log held: the store checks it stands where it stood, and the plan
            # of today does not re-judge it (it may predate the checks).
            if checks is not None and event.witness is None:
                scope = plan_of(event.stream)[0]
                plan = run.builder(scope).plan()
                if plan is not None:
                    self._check(plan, event, checks, index)
                elif (refusal := run.no_plan(scope, event.stream)) is not None:
                    raise EventRefused(refusal, field="$.stream", index=index)
            elif "plan/" in event.stream:
                builder = run.builder(plan_of(event.stream)[0])
                if builder.governs(event.stream, event.type):
                    run.define(builder, event)
            yield event

    def _check(self, plan: Plan, event: PendingEvent, checks: list[EventCheck], index: int) -> None:
        payload = event.payload  # the object it was encoded from, or decoded again here
        if payload is None:
            payload = self._registry.row_decoder(event.type, event.schema)(event.data)
        proposed = NewEvent(
            type=event.type,
            stream=event.stream,
            data=payload,
            id=event.id,
            occurred=event.occurred,
            actor=event.actor,
            supersedes=event.supersedes,
        )
        for check in checks:
            try:
                problem = next(iter(check.check(plan, proposed)), None)
            except Exception as error:
                # A plugin's check that trips over an unexpected event is its bug;
                # say which check, rather than a traceback from inside the append.
                raise GyengineError(
                    f"the event check {check.name!r} failed on a {event.type}: "
                    f"{type(error).__name__}: {error}"
                ) from error
            if problem is not None:
                field, message = problem
                raise EventRefused(message, field=field, index=index)


class _Run:
    """The plans one append checks against: the cached ones until the batch defines an item."""

    def __init__(
        self,
        store: EventStore,
        sections: dict[str, PlanSection],
        registry: EventTypes,
        builders: dict[str | None, PlanBuilder],
    ) -> None:
        self.store = store
        self.sections = sections
        self.registry = registry
        # Copy on write: the cached plans stay those of the head until the append commits.
        self.builders = dict(builders)
        self.defined: set[str | None] = set()
        self.known: list[str] | None = None

    def builder(self, scope: str | None) -> PlanBuilder:
        """The plan ``scope`` as of this point of the batch, read from the log when first asked."""
        found = self.builders.get(scope)
        if found is None:
            found = PlanBuilder.from_log(self.store, self.sections, self.registry, scope)
            self.builders[scope] = found
        return found

    def define(self, builder: PlanBuilder, event: PendingEvent) -> None:
        scope = builder.plan_id
        if scope not in self.defined:
            builder = self.builders[scope] = builder.copy()
            self.defined.add(scope)
        builder.add(event, self.registry)

    def no_plan(self, scope: str | None, stream: str) -> str | None:
        """Why an event of plan ``scope``, which the log does not hold, is refused (None: it is not).

        A log that holds no plan at all governs nothing; in a log of other
        plans, the event names none of them.
        """
        if self.known is None:
            self.known = [p for p in plan_ids(self.store, self.sections) if p != DEFAULT_PLAN]
            self.known.extend(p for p in self.defined if p is not None and p not in self.known)
        if not self.known and scope is None:
            return None
        if scope is None:
            return (
                f"{stream} names no plan, and the log holds plans {listing(sorted(self.known))}:"
                f" put the event on a stream of its plan ({self.known[0]}:{stream})"
            )
        return (
            f"the stream names plan {scope}, which the log does not hold"
            f" (plans: {listing(sorted(self.known))}); load its plan first"
        )
