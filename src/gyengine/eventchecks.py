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

A check may say what its verdict depends on (``EventCheck.key``): then an event
whose key was already found fine against the same plan is not checked again, so a
file of 50,000 monthly figures about 70 indicators runs each check about once per
indicator and unit, not 50,000 times. A problem is always found by the check itself, with its words.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any, Final

import attrs

from .errors import GyengineError, InvalidEvent
from .events import EventTypes, NewEvent, PendingEvent
from .plan import PLAN_STREAM_PREFIX, Plan, PlanBuilder, PlanSection
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
    key: ``key(stream, payload)``, everything the verdict depends on besides
        the plan (``(stream, data.indicator, data.unit)``, say): events of one
        type with equal keys are fine or refused alike, so a key found fine
        against a plan is not checked again. ``None``: every event is checked.
    """

    name: str
    types: tuple[str, ...] = attrs.field(converter=_names)
    check: Callable[[Plan, NewEvent], Iterable[Problem]]
    description: str = ""
    key: Callable[[str, Any], Hashable] | None = None


_VERDICT_LIMIT: Final = 100_000
"""Keys found fine that :class:`EventChecks` remembers for one plan (then it starts over)."""


class EventRefused(InvalidEvent):
    """An event contradicts the plan in force; ``index`` is its place in the batch (0-based)."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
        index: int | None = None,
    ) -> None:
        super().__init__(message, source=source, line=line, field=field)
        self.index = index


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
    stream must be ``<section>/<that item>``.

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
    stream = f"{section}/{key}"
    if event.stream != stream:
        yield (
            "$.stream",
            f"{event.stream} is not the stream of {noun} {key} (use {stream})",
        )


class EventChecks:
    """Every plugin's event checks, run on the events of an append against the plan in force.

    The plan is read from the store once per head; an append that defines no
    plan item moves the cached plan on to the head it leaves.
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
        self._cached: tuple[Head, PlanBuilder] | None = None
        self._passed: tuple[Plan, set[tuple[str, str, Hashable]]] | None = None

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
        if self._cached is not None and self._cached[0] == head:
            builder = self._cached[1]
        else:
            builder = PlanBuilder.from_log(store, self._sections, self._registry)
        run = _Run(builder)
        result = store.append(self._checked(events, run), **options)
        # Only when nobody else wrote between the two heads is the plan the batch
        # ends with the plan of the new head.
        if not options.get("dry_run") and result.head.seq == head.seq + result.count:
            self._cached = (result.head, run.builder)
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
                plan = run.builder.plan()
                if plan is not None and not self._known_fine(plan, event, checks):
                    self._check(plan, event, checks, index)
            elif event.stream.startswith(PLAN_STREAM_PREFIX) and run.builder.governs(
                event.stream, event.type
            ):
                run.define(event, self._registry)
            yield event

    def _fine(self, plan: Plan) -> set[tuple[str, str, Hashable]]:
        """The ``(check, type, key)`` triples found fine against ``plan``."""
        passed = self._passed
        if passed is None or passed[0] is not plan or len(passed[1]) > _VERDICT_LIMIT:
            passed = self._passed = (plan, set())
        return passed[1]

    def _known_fine(self, plan: Plan, event: PendingEvent, checks: list[EventCheck]) -> bool:
        """Whether every check of the event has a key already found fine against ``plan``
        (the usual case, kept short); anything else, a key that fails included, is
        left to :meth:`_check`."""
        passed = self._passed
        payload = event.payload
        if passed is None or passed[0] is not plan or payload is None:
            return False
        fine, stream, type_name = passed[1], event.stream, event.type
        try:
            for check in checks:
                key = check.key
                if key is None or (check.name, type_name, key(stream, payload)) not in fine:
                    return False
        except Exception:  # _check runs the key again and names the check
            return False
        return True

    def _check(self, plan: Plan, event: PendingEvent, checks: list[EventCheck], index: int) -> None:
        payload = event.payload  # the object it was encoded from, or decoded again here
        if payload is None:
            payload = self._registry.row_decoder(event.type, event.schema)(event.data)
        fine = self._fine(plan)
        proposed: NewEvent | None = None
        for check in checks:
            try:
                key = None
                if check.key is not None:
                    key = (check.name, event.type, check.key(event.stream, payload))
                    if key in fine:
                        continue
                if proposed is None:
                    proposed = NewEvent(
                        type=event.type,
                        stream=event.stream,
                        data=payload,
                        id=event.id,
                        occurred=event.occurred,
                        actor=event.actor,
                        supersedes=event.supersedes,
                    )
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
            if key is not None:
                fine.add(key)


class _Run:
    """The plan one append checks against: the cached one until the batch defines an item."""

    def __init__(self, builder: PlanBuilder) -> None:
        self.builder = builder
        self.defined = False

    def define(self, event: PendingEvent, registry: EventTypes) -> None:
        if not self.defined:
            # Copy on write: the cached plan stays that of the head until the append commits.
            self.builder = self.builder.copy()
            self.defined = True
        self.builder.add(event, registry)
