"""Plans as data: a TOML file whose sections plugins own, turned into definition events.

A plan file is TOML. Each top-level key is a *section* that a plugin registered
through ``register_plan_sections``: ``[[indicator]]`` items belong to the
indicator plugin, ``[[project]]`` to the project plugin, and so on. gyengine
reads the file, structures every item into its section's attrs class (strictly,
with errors that name file, line, section, item and field), lets each section
check the whole plan (references, sums), and turns every item into a definition
event on its own stream (``plan/<section>/<id>``).

Loading the same file twice appends nothing. An item whose content changed
appends a new definition on its stream (a revision: a ``--known-at`` replay
before it still sees the old one), and an item that disappeared from the file
is retracted.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import attrs

from .canonical import event_hash
from .codec import describe_errors
from .errors import GyengineError, InvalidEvent, PlanInvalid
from .events import EventRetracted, EventTypes, NewEvent, PendingEvent, type_name_of
from .store import EventStore

__all__ = [
    "DEFAULT_PLAN",
    "Plan",
    "PlanInvalid",
    "PlanItem",
    "PlanProblem",
    "PlanSection",
    "plan_changes",
    "plan_ids",
    "plan_in_force",
    "plan_of",
    "read_plan",
    "scoped",
]

PLAN_STREAM_PREFIX: Final = "plan/"

DEFAULT_PLAN: Final = "default"
"""What ``--plan`` calls the plan whose streams carry no plan id (a one-county log's)."""

ALL_PLANS: Final = "all"
"""``--plan all``: replay every plan of the log, one after the other."""

PLAN_ID: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
"""A plan id: lower-case ASCII letters, digits and ``-``, at most 63 characters."""

_RESERVED: Final = frozenset({DEFAULT_PLAN, ALL_PLANS})


def plan_id_problem(value: object) -> str | None:
    """Why ``value`` cannot be a plan id, or None when it can."""
    if not isinstance(value, str) or not PLAN_ID.fullmatch(value):
        return (
            f"{value!r} is not a plan id (lower-case letters, digits and '-',"
            " at most 63 characters, such as county-007)"
        )
    if value in _RESERVED:
        return f"{value!r} is reserved: --plan {value} means something else"
    return None


def scoped(plan_id: str | None, stream: str) -> str:
    """The stream ``stream`` of plan ``plan_id`` (``county-007:indicator/I1``); unchanged for the default plan."""
    if plan_id is None or plan_id == DEFAULT_PLAN:
        return stream
    return f"{plan_id}:{stream}"


def plan_of(stream: str) -> tuple[str | None, str]:
    """The plan a stream belongs to and the stream within that plan.

    ``county-007:indicator/I1`` gives ``("county-007", "indicator/I1")``;
    a stream with no plan id before a colon belongs to the default plan
    (``(None, stream)``).
    """
    head, colon, rest = stream.partition(":")
    if colon and PLAN_ID.fullmatch(head) and head not in _RESERVED:
        return head, rest
    return None, stream


@attrs.frozen
class PlanProblem:
    """Something wrong with a plan: which section and item, which field, what.

    Sections' ``check`` functions return these; gyengine adds file and line.
    """

    section: str
    key: str | None
    message: str
    field: str | None = None
    warning: bool = False
    """A doubt to report, not an error: the plan still checks and loads."""


@attrs.frozen(kw_only=True)
class PlanSection:
    """A part of the plan file a plugin owns.

    Args:
        name: the TOML key: ``indicator`` for ``[[indicator]]`` items.
        item_type: the attrs class of one item; it must also be a registered
            event type, since each item becomes a definition event of it.
        many: ``[[name]]`` (a list of items, each with a ``key`` field) or
            ``[name]`` (one table).
        key: the field that names an item (unique within the section).
        check: ``check(plan)`` yields :class:`PlanProblem` for the whole plan:
            references to other sections, totals that must reconcile...
        description: one line for help texts.
    """

    name: str
    item_type: type
    many: bool = True
    key: str = "id"
    check: Callable[[Plan], Iterable[PlanProblem]] | None = None
    description: str = ""

    def stream(self, key: str | None) -> str:
        """The stream of an item's definition events within its plan (see :func:`scoped`)."""
        if not self.many or key is None:
            return f"{PLAN_STREAM_PREFIX}{self.name}"
        return f"{PLAN_STREAM_PREFIX}{self.name}/{key}"


@attrs.frozen
class PlanItem:
    """One item of a plan section, structured, with where it was written."""

    section: str
    key: str | None
    value: Any
    line: int


class Plan:
    """A plan file read and structured: items by section, in file order.

    ``id`` is the plan's id in a database of many plans (the file's top-level
    ``plan_id``), ``None`` for the default plan, whose streams carry no id.
    """

    def __init__(
        self, path: str, items: dict[str, list[PlanItem]], plan_id: str | None = None
    ) -> None:
        self.path = path
        self.id = plan_id
        self._items = items
        self._index: dict[str, dict[str, Any]] = {}
        self.warnings: list[str] = []
        """The checks' warnings, one line each, as problems are written."""

    def stream(self, name: str) -> str:
        """The stream ``name`` of this plan: ``indicator/I1`` is ``county-007:indicator/I1`` in plan county-007."""
        return scoped(self.id, name)

    def items(self, section: str) -> list[Any]:
        """The structured items of a section (empty if the plan has none)."""
        return [item.value for item in self._items.get(section, [])]

    def entries(self, section: str) -> list[PlanItem]:
        """The items of a section with their keys and lines."""
        return list(self._items.get(section, []))

    def keys(self, section: str) -> set[str]:
        """The keys of a section's items."""
        return {item.key for item in self._items.get(section, []) if item.key is not None}

    def get(self, section: str, key: str) -> Any | None:
        """The item of ``section`` named ``key``, if any."""
        return self.by_key(section).get(key)

    def by_key(self, section: str) -> dict[str, Any]:
        """The items of a section by key, in plan order (made once: checks look items up per event)."""
        index = self._index.get(section)
        if index is None:
            index = self._index[section] = {}
            for item in self._items.get(section, []):
                if item.key is not None:
                    index.setdefault(item.key, item.value)
        return index

    def sections(self) -> list[str]:
        """The sections present, sorted."""
        return sorted(self._items)

    def line_of(self, section: str, key: str | None) -> int | None:
        """The line where an item starts."""
        for item in self._items.get(section, []):
            if item.key == key or key is None:
                return item.line
        return None


_HEADER: Final = re.compile(r"^\s*(\[\[?)\s*([^\]\s.]+)(?:\.[^\]]*)?\s*\]\]?")
_KEY: Final = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


def _line_map(
    text: str,
) -> tuple[dict[tuple[str, int], int], dict[tuple[str, int, str], int], dict[str, int]]:
    """Where each section item and each key of an item starts (TOML gives no lines).

    Returns ``(item lines by (section, index), key lines by (section, index, key),
    top-level key lines)``; nested headers such as ``[indicator.parts]`` belong to
    the current item of their first component.
    """
    items: dict[tuple[str, int], int] = {}
    keys: dict[tuple[str, int, str], int] = {}
    top: dict[str, int] = {}
    counts: dict[str, int] = {}
    current: tuple[str, int] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            name = header[2].strip('"')
            nested = "." in line.split("]")[0]
            if header[1] == "[[" and not nested:
                counts[name] = counts.get(name, -1) + 1
                current = (name, counts[name])
                items[current] = number
            elif not nested:
                counts.setdefault(name, 0)
                current = (name, 0)
                items.setdefault(current, number)
            top.setdefault(name, number)
            continue
        key = _KEY.match(line)
        if key:
            if current is None:
                top.setdefault(key[1], number)
            else:
                keys.setdefault((*current, key[1]), number)
    return items, keys, top


def _plan_text(file: Path, source: str) -> str:
    try:
        raw = file.read_bytes()
    except OSError as error:
        raise PlanInvalid([f"{source}: cannot read the plan: {error.strerror}"]) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PlanInvalid([f"{source}: invalid UTF-8 at byte {error.start + 1}"]) from None


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        # Python 3.14 gives the line as an attribute; earlier versions only in the message.
        lineno = getattr(error, "lineno", None)
        if lineno is None:
            found = re.search(r"\(at line (\d+), column \d+\)", str(error))
            lineno = int(found[1]) if found else None
        at = f"{source}:{lineno}" if lineno else source
        raise PlanInvalid([f"{at}: not valid TOML: {str(error).split(' (at line')[0]}"]) from None
    except RecursionError:
        # tomllib parses arrays and inline tables recursively: `a = [[[[...]]]]`.
        raise PlanInvalid([f"{source}: nested too deeply"]) from None


PLAN_ID_KEY: Final = "plan_id"
"""The plan file's top-level key naming its plan in a database of many plans."""


def read_plan(
    path: str | Path,
    sections: dict[str, PlanSection],
    registry: EventTypes,
    *,
    plan_id: str | None = None,
    text: str | None = None,
) -> Plan:
    """Read, structure and check a plan file.

    ``plan_id`` is the plan's id in a database of many (``--plan``): the file's
    own ``plan_id``, if any, must agree. ``text``: the file's text, when it is
    not on disk (``path`` then only names it in messages).

    Raises:
        PlanInvalid: listing every problem, each as ``file:line: [section] item: field: message``.
    """
    source = str(path)
    if text is None:
        text = _plan_text(Path(path), source)
    data = _parse_toml(text, source)
    item_lines, key_lines, top_lines = _line_map(text)
    problems: list[str] = []
    items: dict[str, list[PlanItem]] = {}
    plan_id, problem = _plan_id(data.pop(PLAN_ID_KEY, None), plan_id)
    if problem is not None:
        line = top_lines.get(PLAN_ID_KEY)
        problems.append(
            f"{source}:{line}: {PLAN_ID_KEY}: {problem}" if line else f"{source}: {problem}"
        )

    def where(section: str, index: int | None, field: str | None = None) -> str:
        line: int | None = None
        if index is not None and field is not None:
            line = key_lines.get((section, index, field.split(".")[0]))
        if line is None and index is not None:
            line = item_lines.get((section, index))
        if line is None:
            line = top_lines.get(section)
        return f"{source}:{line}" if line else source

    for name in data:
        if name not in sections:
            known = (
                ", ".join(f"[{s}]" for s in sorted(sections)) or "none: no plugin owns a section"
            )
            problems.append(f"{where(name, None)}: unknown section [{name}] (sections: {known})")
    for name in sorted(data, key=lambda n: top_lines.get(n, 0)):
        section = sections.get(name)
        if section is None:
            continue
        values = data[name]
        if section.many != isinstance(values, list):
            form = f"[[{name}]]" if section.many else f"[{name}]"
            problems.append(f"{where(name, None)}: [{name}] must be written as {form}")
            continue
        listed = values if isinstance(values, list) else [values]
        seen: dict[str, int] = {}
        for index, value in enumerate(listed):
            key = value.get(section.key) if section.many and isinstance(value, dict) else None
            if key is not None:
                label = f"[{name}] {key}"
            else:
                label = f"[{name}] #{index + 1}" if section.many else f"[{name}]"
            if section.many and not isinstance(key, str):
                problems.append(
                    f"{where(name, index, section.key)}: {label}: {section.key}: required, a string"
                )
                continue
            if key is not None and key in seen:
                problems.append(
                    f"{where(name, index, section.key)}: {label}: duplicate {section.key} "
                    f"(first at line {item_lines.get((name, seen[key]), '?')})"
                )
                continue
            if key is not None:
                seen[key] = index
            try:
                structured: Any = registry.input_converter.structure(value, section.item_type)
            except Exception as error:
                for path, message in describe_errors(error):
                    field = path.removeprefix("$").lstrip(".").split("[")[0] or None
                    problems.append(
                        f"{where(name, index, field)}: {label}: {field or '$'}: {message}"
                    )
                continue
            items.setdefault(name, []).append(
                PlanItem(name, key, structured, item_lines.get((name, index), 0))
            )
    plan = Plan(source, items, plan_id)
    # The very events `plan load` would append, so that `plan check` refuses what it refuses.
    problems.extend(_definition_problems(plan, sections, registry))
    if not problems:
        found = _check_problems(plan, sections, where)
        problems.extend(line for line, warning in found if not warning)
        plan.warnings = [line for line, warning in found if warning]
    if problems:
        raise PlanInvalid(problems)
    return plan


def _plan_id(written: object, given: str | None) -> tuple[str | None, str | None]:
    """The plan id from the file's ``plan_id`` and the one asked for, and what is wrong, if anything."""
    if given == DEFAULT_PLAN:
        given = None
    if given is not None and (problem := plan_id_problem(given)) is not None:
        return None, problem
    if written is None:
        return given, None
    problem = plan_id_problem(written)
    if problem is not None:
        return given, problem
    if given is not None and written != given:
        return given, f"the file is plan {written}, not {given}"
    assert isinstance(written, str)
    return written, None


def _check_problems(
    plan: Plan, sections: dict[str, PlanSection], where: Callable[..., str]
) -> list[tuple[str, bool]]:
    """What the sections' own checks find in the whole plan (references, totals), and whether it is a warning."""
    problems: list[tuple[str, bool]] = []
    for name in sorted(sections):
        section = sections[name]
        if section.check is None:
            continue
        try:
            found_problems = list(section.check(plan))
        except Exception as error:
            # A plugin's check that trips over an unexpected plan is still a
            # problem of this file, not a crash: say which check and why.
            problems.append(
                (
                    f"{where(name, None)}: [{name}]: the section's check failed: "
                    f"{type(error).__name__}: {error}",
                    False,
                )
            )
            continue
        for problem in found_problems:
            position = _index_of(plan, problem.section, problem.key)
            label = f"[{problem.section}] {problem.key}" if problem.key else f"[{problem.section}]"
            field = f"{problem.field}: " if problem.field else ""
            problems.append(
                (
                    f"{where(problem.section, position, problem.field)}: {label}: {field}{problem.message}",
                    problem.warning,
                )
            )
    return problems


def _index_of(plan: Plan, section: str, key: str | None) -> int | None:
    if key is None:
        return None
    for index, item in enumerate(plan.entries(section)):
        if item.key == key:
            return index
    return None


@attrs.frozen
class PlanChange:
    """What loading a plan does to one item: ``new``, ``revised`` or ``removed``."""

    kind: str
    section: str
    key: str | None
    event: PendingEvent


def plan_changes(
    plan: Plan,
    sections: dict[str, PlanSection],
    store: EventStore,
    registry: EventTypes,
    *,
    actor: str | None = None,
) -> list[PlanChange]:
    """The definition events that bring the log's plan up to this file.

    Unchanged items give nothing; a changed item gives a new definition on its
    stream; an item gone from the file gives a retraction of its definition.
    """
    current = _current_definitions(store, sections, plan.id)
    changes: list[PlanChange] = []
    wanted: set[str] = set()
    for name in sorted(sections):
        section = sections[name]
        type_name = _item_type_name(section, registry)
        for item in plan.entries(name):
            stream = plan.stream(section.stream(item.key))
            wanted.add(stream)
            try:
                event = _definition_event(section, item, registry, actor, plan.id)
            except InvalidEvent as error:
                raise PlanInvalid([_definition_problem(plan, item, error)]) from None
            last = current.get(stream)
            if last is not None and last.type == type_name and last.data == event.data:
                continue
            if last is not None and last.type == type_name:
                # A revision supersedes the definition it replaces: replays known
                # at an earlier time still see the old one.
                event = attrs.evolve(
                    event,
                    supersedes=last.id,
                    # after the definition it revises: A -> B -> A gets a third id
                    id=_definition_id(stream, f"{event.data} after {last.id}"),
                )
                changes.append(PlanChange("revised", name, item.key, event))
            else:
                changes.append(PlanChange("new", name, item.key, event))
    for stream, last in sorted(current.items()):
        local = plan_of(stream)[1]
        section_name = local.removeprefix(PLAN_STREAM_PREFIX).split("/")[0]
        if stream in wanted or section_name not in sections or last.type == "EventRetracted":
            continue
        event = registry.encode(
            NewEvent(
                type="EventRetracted",
                stream=stream,
                data=EventRetracted(reason=f"no longer in the plan file {Path(plan.path).name}"),
                supersedes=last.id,
                actor=actor,
                id=_definition_id(stream, f"retracts {last.id}"),
            )
        )
        key = local.split("/", 2)[2] if local.count("/") >= 2 else None
        changes.append(PlanChange("removed", section_name, key, event))
    return changes


def _definition_rows(
    store: EventStore, sections: dict[str, PlanSection], plan_id: str | None
) -> Iterator[Any]:
    """The rows of definition types (and retractions) that may define plan ``plan_id``'s items."""
    item_types = {type_name_of(section.item_type)[0] for section in sections.values()}
    # A plan with an id is read by its streams' prefix (an index range), not the whole log.
    prefix = None if plan_id is None else scoped(plan_id, "")
    return store.read(types=item_types | {"EventRetracted"}, prefix=prefix)


def _current_definitions(
    store: EventStore, sections: dict[str, PlanSection], plan_id: str | None = None
) -> dict[str, Any]:
    """The last definition row (or retraction) of every stream of plan ``plan_id``, by stream."""
    current: dict[str, Any] = {}
    for row in _definition_rows(store, sections, plan_id):
        scope, local = plan_of(row.stream)
        if scope == plan_id and local.startswith(PLAN_STREAM_PREFIX):
            current[row.stream] = row
    return current


def plan_ids(store: EventStore, sections: dict[str, PlanSection]) -> list[str]:
    """The ids of the plans the log defines, sorted (:data:`DEFAULT_PLAN` for the one without an id)."""
    found: set[str] = set()
    for row in _definition_rows(store, sections, None):
        scope, local = plan_of(row.stream)
        if local.startswith(PLAN_STREAM_PREFIX):
            found.add(DEFAULT_PLAN if scope is None else scope)
    return sorted(found)


def plan_in_force(
    store: EventStore,
    sections: dict[str, PlanSection],
    registry: EventTypes,
    plan_id: str | None = None,
) -> Plan | None:
    """The plan the log holds now: each item's last definition, retracted items left out.

    The same reading as :func:`plan_changes` makes for ``plan load``'s diff.
    Items are in the order they were defined. Returns None for a log that
    holds no plan at all (``plan_id``: no plan of that id).
    """
    return PlanBuilder.from_log(store, sections, registry, plan_id).plan()


class PlanBuilder:
    """The plan in force of one plan id, assembled from definition events, one at a time."""

    def __init__(self, sections: dict[str, PlanSection], plan_id: str | None = None) -> None:
        self._sections = {type_name_of(s.item_type)[0]: s for s in sections.values()}
        self.plan_id = None if plan_id == DEFAULT_PLAN else plan_id
        self._items: dict[str, tuple[str, str | None, Any]] = {}
        self._plan: Plan | None = None

    @classmethod
    def from_log(
        cls,
        store: EventStore,
        sections: dict[str, PlanSection],
        registry: EventTypes,
        plan_id: str | None = None,
    ) -> PlanBuilder:
        """A builder holding the plan ``plan_id`` in force in ``store``."""
        builder = cls(sections, plan_id)
        for row in _current_definitions(store, sections, builder.plan_id).values():
            builder.add(row, registry)
        return builder

    def copy(self) -> PlanBuilder:
        """A builder with the same items, to add to without changing this one."""
        other = PlanBuilder({}, self.plan_id)
        other._sections = self._sections
        other._items = dict(self._items)
        return other

    def governs(self, stream: str, type_name: str) -> bool:
        """Whether an event of this type on this stream defines, revises or removes an item of this plan."""
        if type_name != "EventRetracted" and type_name not in self._sections:
            return False
        scope, local = plan_of(stream)
        return scope == self.plan_id and local.startswith(PLAN_STREAM_PREFIX)

    def add(self, event: Any, registry: EventTypes) -> None:
        """Apply a definition (or a retraction) on a plan stream; anything else is ignored."""
        if not self.governs(event.stream, event.type):
            return
        self._plan = None
        if event.type == "EventRetracted":
            self._items.pop(event.stream, None)
            return
        section = self._sections[event.type]
        value = registry.decode_payload(event.type, event.schema, event.data)
        local = plan_of(event.stream)[1]
        key = local.split("/", 2)[2] if local.count("/") >= 2 else None
        # A revision keeps its item's place: items stay in the order first defined.
        self._items[event.stream] = (section.name, key, value)

    def plan(self) -> Plan | None:
        """The plan the definitions added so far make up (None: there are none)."""
        if not self._items:
            return None
        if self._plan is None:
            items: dict[str, list[PlanItem]] = {}
            for section, key, value in self._items.values():
                items.setdefault(section, []).append(PlanItem(section, key, value, 0))
            self._plan = Plan("<the plan in force>", items, self.plan_id)
        return self._plan


def _item_type_name(section: PlanSection, registry: EventTypes) -> str:
    type_name, _ = type_name_of(section.item_type)
    if type_name not in registry:
        raise GyengineError(
            f"plan section [{section.name}]: its item type {type_name} is not a registered event type"
        )
    return type_name


def _definition_event(
    section: PlanSection,
    item: PlanItem,
    registry: EventTypes,
    actor: str | None,
    plan_id: str | None = None,
) -> PendingEvent:
    """An item's definition event, validated and encoded as the log would take it.

    Raises:
        InvalidEvent: the event is refused (a control character in its id...).
    """
    stream = scoped(plan_id, section.stream(item.key))
    type_name = _item_type_name(section, registry)
    event = registry.encode(NewEvent(type=type_name, stream=stream, data=item.value, actor=actor))
    # An id derived from the content: the same plan gives the same log.
    return attrs.evolve(event, id=_definition_id(stream, event.data))


def _definition_problem(plan: Plan, item: PlanItem, error: InvalidEvent) -> str:
    return f"{plan.path}:{item.line}: [{item.section}] {item.key}: {error}"


def _definition_problems(
    plan: Plan, sections: dict[str, PlanSection], registry: EventTypes
) -> list[str]:
    """Why the log would refuse the definition event of an item, for each item it would refuse."""
    problems = []
    for name in plan.sections():
        for item in plan.entries(name):
            try:
                _definition_event(sections[name], item, registry, None, plan.id)
            except InvalidEvent as error:
                problems.append(_definition_problem(plan, item, error))
    return problems


def _definition_id(stream: str, content: str) -> str:
    digest = event_hash(content.encode("utf-8"))[:16]
    return f"{stream}@{digest}"


def iter_events(changes: Iterable[PlanChange]) -> Iterator[PendingEvent]:
    """The pending events of a list of changes, in order."""
    for change in changes:
        yield change.event
