"""The event envelope, the payload registry and the codec between them.

Three shapes of one event:

* :class:`NewEvent` is what a writer hands in: a typed payload and the fields
  the writer decides (stream, id, occurred, actor, supersedes).
* :class:`PendingEvent` is a validated, encoded event ready for a store: its
  payload is canonical JSON text.
* :class:`StoredEvent` is a row of the log: the envelope with the fields the
  store decided (seq, version, recorded, prev_hash, hash). :class:`Event` is
  the same with its payload decoded into its attrs class (upcast if old).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import time
import types
import typing
from collections import abc
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, ClassVar, Final, TypeVar

import attrs
import cattrs
import msgspec

from .canonical import canonical_json, plain_json
from .codec import describe_errors, make_converter
from .errors import (
    CanonicalizationError,
    DuplicateEventType,
    InvalidEvent,
    UnknownEventType,
)
from .limits import data_size_problem, decimal_fits
from .quantity import Quantity
from .timeutil import parse_period, parse_timestamp

__all__ = [
    "Event",
    "EventRetracted",
    "EventTypes",
    "NewEvent",
    "PendingEvent",
    "StoredEvent",
    "SyntheticDataDeclared",
    "Upcaster",
    "Witness",
    "event_type",
    "new_event_id",
]

T = TypeVar("T")

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns a payload dict of schema ``n`` into one of schema ``n + 1``."""

MAX_NAME_LENGTH: Final = 200
_NAME = re.compile(r"[^\x00-\x1f\x7f]+")


def new_event_id() -> str:
    """Return a fresh event id: a UUIDv7 (RFC 9562) in its canonical text form.

    Time-ordered ids land next to each other in the id index, where random
    UUID4s would scatter writes over the whole index as the log grows.
    """
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (
        (millis & 0xFFFF_FFFF_FFFF) << 80
        | 0x7 << 76
        | (rand >> 62 & 0xFFF) << 64
        | 0b10 << 62
        | rand & 0x3FFF_FFFF_FFFF_FFFF
    )
    text = f"{value:032x}"  # the canonical 8-4-4-4-12 form, without building a UUID object
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def event_type(name: str | None = None, *, schema: int = 1) -> Callable[[type[T]], type[T]]:
    """Name a payload class and its schema version for the registry.

    Without this decorator a class registers under its own ``__name__`` at schema 1.

    Example::

        @event_type("ProjectProgressReported", schema=2)
        @attrs.frozen
        class ProjectProgressReported:
            "A project reported its investment to date."
            invested_to_date: Decimal
    """

    def mark(cls: type[T]) -> type[T]:
        cls.__gyengine_event_type__ = name or cls.__name__  # type: ignore[attr-defined]
        cls.__gyengine_schema__ = schema  # type: ignore[attr-defined]
        return cls

    return mark


def type_name_of(cls: type) -> tuple[str, int]:
    """Return the ``(name, schema)`` a payload class registers under."""
    return (
        getattr(cls, "__gyengine_event_type__", cls.__name__),
        int(getattr(cls, "__gyengine_schema__", 1)),
    )


@attrs.frozen
class EventRetracted:
    """The event named by ``supersedes`` was withdrawn and no longer counts."""

    reason: str


@attrs.frozen
class SyntheticDataDeclared:
    """The log's data were declared synthetic: invented for demonstration, not reported by anyone."""

    note: str


@attrs.frozen(kw_only=True)
class NewEvent:
    """An event a writer wants appended.

    ``data`` is an instance of a registered payload class, or a mapping that
    the registry structures into one. ``expected_version`` is the version the
    writer believes ``stream`` is at before this event (0 for a new stream).
    """

    type: str
    stream: str
    data: Any
    id: str | None = None
    occurred: str | None = None
    actor: str | None = None
    supersedes: str | None = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True)
class PendingEvent:
    """A validated event whose payload is canonical JSON text, ready for a store."""

    id: str
    stream: str
    type: str
    schema: int
    occurred: str | None
    actor: str | None
    supersedes: str | None
    data: str
    expected_version: int | None = None
    recorded: str | None = None
    """Only for importing a historical log (``keep_recorded``); otherwise the store decides."""
    witness: Witness | None = None
    """Only for restoring a log (``keep_recorded``): where the event stood in it, to be checked."""
    payload: Any = attrs.field(default=None, eq=False, repr=False)
    """The payload object ``data`` was encoded from, when the encoder had it (never
    stored, no part of the event's identity): spares the plan checks a decode."""

    def content(self) -> tuple[Any, ...]:
        """The fields that decide whether two events with one id are the same event."""
        return (
            self.stream,
            self.type,
            self.schema,
            self.occurred,
            self.actor,
            self.supersedes,
            self.data,
        )


@attrs.frozen(kw_only=True)
class Witness:
    """Where an event stood in the log a line was exported from (``gyengine log --format
    jsonl``): restored, it must get exactly this ``seq``, ``version``, ``prev_hash`` and
    ``hash`` (``None``: not given), or the append is refused."""

    seq: int | None = None
    version: int | None = None
    prev_hash: str | None = None
    hash: str | None = None

    def problem(self, seq: int, version: int, prev_hash: str, digest: str) -> InvalidEvent | None:
        """What differs from the event as the store would write it, naming the line's field."""
        if self.seq is not None and self.seq != seq:
            return InvalidEvent(
                f"the event would be seq {seq}, not {self.seq} (restore a backup whole,"
                " in order, into an empty database)",
                field="$.seq",
            )
        if self.version is not None and self.version != version:
            return InvalidEvent(
                f"the event would be version {version} of its stream, not {self.version}"
                " (a line of the stream is missing or the log it came from differs)",
                field="$.version",
            )
        if self.prev_hash is not None and self.prev_hash != prev_hash:
            return InvalidEvent(
                f"the event before it hashes to {prev_hash:.12}..., not {self.prev_hash:.12}..."
                " (a line before it was changed or is missing)",
                field="$.prev_hash",
            )
        if self.hash is not None and self.hash != digest:
            return InvalidEvent(
                f"the event hashes to {digest:.12}..., not {self.hash:.12}..."
                " (the line was changed or the log it came from differs)",
                field="$.hash",
            )
        return None


ENVELOPE_FIELDS: Final = (
    "seq",
    "id",
    "stream",
    "version",
    "type",
    "schema",
    "occurred",
    "recorded",
    "actor",
    "supersedes",
    "data",
    "prev_hash",
    "hash",
)
"""The stored envelope's fields, in column order."""


@attrs.frozen
class StoredEvent:
    """One row of the log; ``data`` is the payload's canonical JSON text."""

    seq: int
    id: str
    stream: str
    version: int
    type: str
    schema: int
    occurred: str | None
    recorded: str
    actor: str | None
    supersedes: str | None
    data: str
    prev_hash: str
    hash: str

    def content(self) -> tuple[Any, ...]:
        """The fields that decide whether two events with one id are the same event."""
        return (
            self.stream,
            self.type,
            self.schema,
            self.occurred,
            self.actor,
            self.supersedes,
            self.data,
        )

    def to_json(self) -> dict[str, Any]:
        """The envelope as a JSON object, ``data`` parsed."""
        row = attrs.asdict(self)
        row["data"] = json.loads(self.data)
        return row


class Event(msgspec.Struct, frozen=True):
    """A row of the log with its payload decoded into its registered class.

    ``schema`` is the stored schema version (the one that was hashed); ``data``
    is always an instance of the current class, upcast when the row is older.

    Immutable, compared and hashed by value, like the attrs classes around it;
    a msgspec ``Struct`` rather than an attrs class because a replay builds one
    per event of the log and a Struct is built in C, five times faster than a
    frozen attrs instance (``msgspec.structs.replace`` is its ``evolve``).
    """

    seq: int
    id: str
    stream: str
    version: int
    type: str
    schema: int
    occurred: str | None
    recorded: str
    actor: str | None
    supersedes: str | None
    data: Any
    prev_hash: str
    hash: str


@attrs.frozen
class _EventLine:
    """The top level of one JSON Lines event, before its payload is typed."""

    type: str
    stream: str
    data: dict[str, Any]
    id: str | None = None
    occurred: str | None = None
    actor: str | None = None
    supersedes: str | None = None
    expected_version: int | None = None
    recorded: str | None = None
    # What `gyengine log --format jsonl` writes besides (taken with keep_recorded only):
    seq: int | None = None
    version: int | None = None
    schema: int | None = None
    prev_hash: str | None = None
    hash: str | None = None


_WITNESSES: Final = ("seq", "version", "schema", "prev_hash", "hash")


def _json_numbers(value: Any) -> Any:
    """``value`` with its ``Decimal`` numbers (as :func:`parse_json` reads them) as floats,
    which is what a stored payload's numbers were when its canonical text was written."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: _json_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_numbers(item) for item in value]
    return value


@attrs.frozen
class _Registration:
    cls: type
    schema: int
    owner: str


class EventTypes:
    """The registry of payload classes, by type name and schema version.

    Plugins add to it through the ``register_event_types`` hook. It owns the
    converters, validates new events and decodes stored ones.

    ``input_converter`` structures what comes in (new events, plan files) and
    holds it to the bounds of :mod:`gyengine.limits`; ``converter`` reads
    stored payloads and checkpoints, without those bounds, so that a row
    written before a bound existed stays readable.
    """

    converter: cattrs.Converter
    input_converter: cattrs.Converter
    BUILTIN: ClassVar[tuple[type, ...]] = (EventRetracted, SyntheticDataDeclared)

    def __init__(self, *, builtins: bool = True) -> None:
        self.converter = make_converter()
        self.input_converter = make_converter(bounded=True)
        self._types: dict[str, _Registration] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        self._plain: dict[str, bool] = {}
        self._row_decoders: dict[tuple[str, int], Callable[[str | bytes], Any]] = {}
        self._encoders: dict[str, Any] = {}
        if builtins:
            for cls in self.BUILTIN:
                self.register(cls, owner="gyengine")

    # -- registration ---------------------------------------------------------

    def register(self, cls: type, *, owner: str = "<unknown>") -> None:
        """Register a frozen attrs payload class under its name and schema.

        Raises:
            DuplicateEventType: when another class already holds that name.
            TypeError: when ``cls`` is not an attrs class.
        """
        if not attrs.has(cls):
            raise TypeError(f"{cls!r} is not an attrs class")
        name, schema = type_name_of(cls)
        if not _NAME.fullmatch(name) or len(name) > MAX_NAME_LENGTH:
            raise ValueError(f"{name!r} is not a valid event type name")
        previous = self._types.get(name)
        if previous is not None and previous.cls is not cls:
            raise DuplicateEventType(name, schema, previous.owner, owner)
        self._types[name] = _Registration(cls, schema, owner)
        self._row_decoders.clear()
        self._encoders.pop(name, None)

    def _plain_safe(self, name: str, cls: type) -> bool:
        """Whether every payload of ``cls`` unstructures to strings, ints, booleans and nulls only."""
        known = self._plain.get(name)
        if known is None:
            known = self._plain[name] = _plain_type(cls, ())
        return known

    def register_upcaster(self, name: str, from_schema: int, upcaster: Upcaster) -> None:
        """Register the function that turns schema ``from_schema`` of ``name`` into the next."""
        key = (name, from_schema)
        if key in self._upcasters and self._upcasters[key] is not upcaster:
            raise ValueError(f"two upcasters for {name!r} schema {from_schema}")
        self._upcasters[key] = upcaster
        self._row_decoders.clear()

    def names(self) -> list[str]:
        """The registered type names, sorted."""
        return sorted(self._types)

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def class_of(self, name: str) -> type:
        """The current payload class of ``name``."""
        try:
            return self._types[name].cls
        except KeyError:
            raise UnknownEventType(f"unknown event type {name!r}", field="$.type") from None

    def schema_of(self, name: str) -> int:
        """The current schema version of ``name``."""
        self.class_of(name)
        return self._types[name].schema

    def owner_of(self, name: str) -> str:
        """The plugin that registered ``name``."""
        self.class_of(name)
        return self._types[name].owner

    # -- encoding -------------------------------------------------------------

    def structure(self, name: str, data: Mapping[str, Any], *, path: str = "$.data") -> Any:
        """Build the payload object of type ``name`` from a JSON-like mapping.

        Raises:
            InvalidEvent: naming the first bad field, via cattrs' transform_error.
        """
        cls = self.class_of(name)
        try:
            return self.input_converter.structure(data, cls)
        except Exception as error:  # cattrs raises exception groups and plain errors
            problems = describe_errors(error, path=path)
            where, message = problems[0] if problems else (path, str(error))
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise InvalidEvent(message + more, field=where) from None

    def encode(self, event: NewEvent) -> PendingEvent:
        """Validate a new event and encode its payload as canonical JSON.

        Raises:
            InvalidEvent: naming the field that is wrong.
        """
        cls = self.class_of(event.type)
        data = event.data
        text: str | None = None
        if type(data) is cls:
            fast = self._encoders.get(event.type, _UNSET)
            if fast is _UNSET:
                fast = self._encoders[event.type] = _direct_encoder(cls)
            if fast is not None:
                text = fast(data)
        if text is None:
            text, data = self._payload_text(event.type, cls, data)
        return self._pending(event, text, data)

    def _payload_text(self, name: str, cls: type, data: Any) -> tuple[str, Any]:
        """The canonical JSON text of a payload, through the converter (the reference path),
        and the payload object it is the text of."""
        given_object = not isinstance(data, Mapping)
        if not given_object:
            data = self.structure(name, data)
        elif not isinstance(data, cls):
            raise InvalidEvent(
                f"payload is a {type(data).__name__}, not a {cls.__name__}", field="$.data"
            )
        try:
            plain = self.input_converter.unstructure(data, cls)
            if self._plain_safe(name, cls):
                # Only strings, booleans, integers (range-checked when structured)
                # and nulls can come out: the C encoder's text is already JCS.
                text = plain_json(plain)
                text.encode("utf-8")  # a lone surrogate has no UTF-8 form
            else:
                text = canonical_json(plain)
        except CanonicalizationError as error:
            raise InvalidEvent(str(error), field="$.data") from None
        except UnicodeEncodeError:
            raise InvalidEvent(
                "holds a lone surrogate, which has no UTF-8 form", field="$.data"
            ) from None
        except (ValueError, TypeError, AttributeError) as error:
            raise InvalidEvent(f"cannot be encoded: {error}", field="$.data") from None
        if given_object:
            # attrs does not check field types: NoteTaken(5) would store 5 for a
            # str and fail every later read. Read it back now, as a reader would.
            self.structure(name, plain)
        return text, data

    def _pending(self, event: NewEvent, text: str, payload: Any = None) -> PendingEvent:
        """Check the envelope fields of a new event and pair them with its payload text."""
        too_big = data_size_problem(text)
        if too_big is not None:
            raise InvalidEvent(too_big, field="$.data")
        _check_name(event.stream, "stream")
        event_id = new_event_id() if event.id is None else _check_name(event.id, "id")
        if event.actor is not None:
            _check_name(event.actor, "actor")
        if event.supersedes is not None:
            _check_name(event.supersedes, "supersedes")
        if event.occurred is not None:
            try:
                parse_period(event.occurred)
            except ValueError as error:
                raise InvalidEvent(str(error), field="$.occurred") from None
        if event.expected_version is not None and (
            isinstance(event.expected_version, bool) or event.expected_version < 0
        ):
            raise InvalidEvent("must be 0 or more", field="$.expected_version")
        return PendingEvent(
            id=event_id,
            stream=event.stream,
            type=event.type,
            schema=self._types[event.type].schema,
            occurred=event.occurred,
            actor=event.actor,
            supersedes=event.supersedes,
            data=text,
            expected_version=event.expected_version,
            payload=payload,
        )

    def parse_line(self, value: Any, *, keep_recorded: bool = False) -> PendingEvent:
        """Validate one parsed JSON Lines object and encode it.

        With ``keep_recorded`` a line may (and must) carry its ``recorded``
        time, for importing a historical log; otherwise the store sets it.

        Raises:
            InvalidEvent: naming the field (``$.type``, ``$.data.amount``...).
        """
        if not isinstance(value, dict):
            raise InvalidEvent(f"expected a JSON object, got {type(value).__name__}", field="$")
        try:
            line = self.converter.structure(value, _EventLine)
        except Exception as error:
            problems = describe_errors(error)
            where, message = problems[0] if problems else ("$", str(error))
            raise InvalidEvent(message, field=where) from None
        if line.type not in self._types:
            raise UnknownEventType(f"unknown event type {line.type!r}", field="$.type")
        recorded = None
        given = [name for name in _WITNESSES if getattr(line, name) is not None]
        if given and not keep_recorded:
            raise InvalidEvent(
                "is written by the store; a line of `gyengine log --format jsonl` (a backup)"
                " appends back with --keep-recorded",
                field=f"$.{given[0]}",
            )
        if keep_recorded:
            if line.recorded is None:
                raise InvalidEvent(
                    "required when importing with recorded times", field="$.recorded"
                )
            try:
                recorded = parse_timestamp(line.recorded, end_of_day=False)
            except ValueError as error:
                raise InvalidEvent(str(error), field="$.recorded") from None
        elif line.recorded is not None:
            raise InvalidEvent(
                "is set by the store (importing a historical log needs --keep-recorded)",
                field="$.recorded",
            )
        event = NewEvent(
            type=line.type,
            stream=line.stream,
            data=None,
            id=line.id,
            occurred=line.occurred,
            actor=line.actor,
            supersedes=line.supersedes,
            expected_version=line.expected_version,
        )
        if line.schema is None:
            pending = self.encode(attrs.evolve(event, data=self.structure(line.type, line.data)))
        else:
            text = self._given_payload(line.type, line.schema, line.data)
            pending = attrs.evolve(self._pending(event, text), schema=line.schema)
        if given:
            witness = Witness(
                seq=line.seq, version=line.version, prev_hash=line.prev_hash, hash=line.hash
            )
            pending = attrs.evolve(pending, witness=witness)
        return pending if recorded is None else attrs.evolve(pending, recorded=recorded)

    def _given_payload(self, name: str, schema: int, data: dict[str, Any]) -> str:
        """The canonical text of a restored line's payload as given, under its own ``schema``.

        It is checked by decoding it as a stored row is (upcast to the current
        schema), never re-encoded: that could change an old-schema payload, and
        with it the event's hash.
        """
        current = self.schema_of(name)
        if isinstance(schema, bool) or not 1 <= schema <= current:
            raise InvalidEvent(
                f"{name} has schemas 1 to {current} here, not {schema}", field="$.schema"
            )
        try:
            text = canonical_json(_json_numbers(data))
            upcast = self.upcast(name, schema, json.loads(text))
        except CanonicalizationError as error:
            raise InvalidEvent(str(error), field="$.data") from None
        except UnknownEventType as error:
            raise InvalidEvent(error.message, field="$.schema") from None
        except Exception as error:  # an upcaster meeting data it was not written for
            raise InvalidEvent(
                f"does not upcast from schema {schema}: {type(error).__name__}: {error}",
                field="$.data",
            ) from None
        try:
            self.converter.structure(upcast, self.class_of(name))
        except Exception:  # cattrs raises exception groups and plain errors
            self.structure(name, upcast)  # names the field (bounded: stricter still)
        return text

    # -- decoding -------------------------------------------------------------

    def upcast(self, name: str, schema: int, data: dict[str, Any]) -> dict[str, Any]:
        """Bring a payload dict of an old schema up to the current one."""
        current = self.schema_of(name)
        while schema < current:
            try:
                step = self._upcasters[(name, schema)]
            except KeyError:
                raise UnknownEventType(
                    f"no upcaster from schema {schema} of {name!r} (current is {current})"
                ) from None
            data = step(data)
            schema += 1
        if schema > current:
            raise UnknownEventType(
                f"{name!r} schema {schema} is newer than the registered schema {current}"
            )
        return data

    def decode_payload(self, name: str, schema: int, text: str | bytes) -> Any:
        """Decode a stored payload (its text or UTF-8 bytes) into the current class of ``name``, upcasting old schemas."""
        registration = self._types.get(name)
        if registration is None:
            raise UnknownEventType(f"unknown event type {name!r}", field="$.type")
        data = json.loads(text)
        if schema != registration.schema:
            data = self.upcast(name, schema, data)
        try:
            return self.converter.structure(data, registration.cls)
        except Exception:
            return self.structure(name, data)

    def decode(self, stored: StoredEvent) -> Event:
        """Turn a stored row into an :class:`Event` with its payload typed (and upcast)."""
        return Event(
            seq=stored.seq,
            id=stored.id,
            stream=stored.stream,
            version=stored.version,
            type=stored.type,
            schema=stored.schema,
            occurred=stored.occurred,
            recorded=stored.recorded,
            actor=stored.actor,
            supersedes=stored.supersedes,
            data=self.decode_payload(stored.type, stored.schema, stored.data),
            prev_hash=stored.prev_hash,
            hash=stored.hash,
        )

    def decode_all(self, rows: Iterable[StoredEvent]) -> Iterable[Event]:
        """Decode a stream of stored rows lazily."""
        for row in rows:
            yield self.decode(row)

    def decode_row(self, row: tuple[Any, ...]) -> Event:
        """Decode one plain row tuple (envelope order) straight into an event.

        ``data`` may be the payload's text or its UTF-8 bytes (what
        ``read_rows(data_bytes=True)`` gives, the fastest to decode).
        """
        return next(self.decode_rows((row,)))

    def decode_rows(self, rows: Iterable[tuple[Any, ...]]) -> Iterator[Event]:
        """Decode plain row tuples straight into events: the fast read path."""
        decoders = self._row_decoders
        make = Event
        for row in rows:
            decode = decoders.get((row[4], row[5]))
            if decode is None:
                decode = self.row_decoder(row[4], row[5])
            yield make(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                row[5],
                row[6],
                row[7],
                row[8],
                row[9],
                decode(row[10]),
                row[11],
                row[12],
            )

    def row_decoder(self, name: str, schema: int) -> Callable[[str | bytes], Any]:
        """The function that decodes stored payloads (text or UTF-8 bytes) of one type and schema.

        Stored payloads passed the strict converter on their way in, so reading
        them back needs conversions, not the converter's checks. The fastest
        path that fits the class is chosen once: msgspec straight from the
        stored bytes for classes of simple fields; a generated function after
        ``json.loads`` for other flat classes; cattrs for the rest, for old
        schemas (upcast first) and for unknown types (which raise). When a fast
        path fails on a row (a field the class no longer has a value for, a
        tampered row) the slow path decodes it, or names what is wrong.
        """
        cached = self._row_decoders.get((name, schema))
        if cached is not None:
            return cached
        slow = functools.partial(self.decode_payload, name, schema)
        registration = self._types.get(name)
        decode: Callable[[str | bytes], Any] = slow
        if registration is not None and registration.schema == schema:
            direct = _direct_decoder(registration.cls)
            if direct is not None:
                decode = _or_else(direct, slow)
            else:
                fast = _fast_decoder(registration.cls)
                if fast is not None:
                    decode = _or_else(lambda text: fast(json.loads(text)), slow)
        self._row_decoders[(name, schema)] = decode
        return decode


def _or_else(
    fast: Callable[[str | bytes], Any], slow: Callable[[str | bytes], Any]
) -> Callable[[str | bytes], Any]:
    def decode(text: str | bytes) -> Any:
        try:
            return fast(text)
        except Exception:  # the slow path decodes it or names the field
            return slow(text)

    return decode


_UNSET: Final = object()

_CHECKS: Final[dict[Any, str]] = {
    str: "type({v}) is str",
    bool: "type({v}) is bool",
    int: "type({v}) is int and -_MAX <= {v} <= _MAX",
    # The converter writes decimals without an exponent (format "f"); msgspec
    # writes str(): the same text unless str() would use an exponent. Only
    # decimals within the bounds (finite ones) are written here.
    Decimal: "type({v}) is _Decimal and _fits({v}) and 'E' not in str({v})",
    dt.date: "type({v}) is _date",
    type(None): "{v} is None",
}


def _check_expression(kind: Any, value: str, names: dict[str, Any], depth: int) -> str | None:
    """A Python expression true when ``value`` is a ``kind`` the fast encoder may write."""
    if kind in _CHECKS:
        return "(" + _CHECKS[kind].format(v=value) + ")"
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        others = [arg for arg in args if arg is not type(None)]
        if len(others) != 1 or len(args) != 2:
            return None
        inner = _check_expression(others[0], value, names, depth)
        return None if inner is None else f"({value} is None or {inner})"
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = f"_x{depth}"
        inner = _check_expression(args[0], item, names, depth + 1)
        if inner is None:
            return None
        return f"(type({value}) is tuple and all({inner} for {item} in {value}))"
    if origin is typing.Literal and all(type(arg) is str for arg in args):
        names[f"_literal{len(names)}"] = frozenset(args)
        return f"(type({value}) is str and {value} in _literal{len(names) - 1})"
    if isinstance(kind, type) and attrs.has(kind) and depth < 8 and _direct_class(kind, (kind,)):
        hints = typing.get_type_hints(kind)
        names[f"_class{len(names)}"] = kind
        parts = [f"type({value}) is _class{len(names) - 1}"]
        for field in attrs.fields(kind):
            inner = _check_expression(
                hints.get(field.name, Any), f"{value}.{field.name}", names, depth + 1
            )
            if inner is None:
                return None
            parts.append(inner)
        return "(" + " and ".join(parts) + ")"
    return None


def _direct_encoder(cls: type) -> Callable[[Any], str | None] | None:
    """A generated encoder of ``cls`` payload objects, if every field is simple.

    It checks each field's exact type (what reading the object back through the
    strict converter would check) and writes the object with msgspec, keys
    sorted: for these field types that is the converter's JCS text, byte for
    byte (``test_payload_round_trip`` compares the two for every registered
    type). It returns ``None`` for any object it cannot vouch for; the
    converter's path then decides, and names what is wrong.
    """
    if not _direct_class(cls, (cls,)):
        return None
    names: dict[str, Any] = {}
    check = _check_expression(cls, "obj", names, 0)
    if check is None:
        return None
    source = (
        "def encode(obj):\n"
        f"    if not {check}:\n"
        "        return None\n"
        "    try:\n"
        "        return _encode(obj).decode()\n"
        "    except Exception:\n"
        "        return None\n"
    )
    namespace: dict[str, Any] = {
        **names,
        "_encode": msgspec.json.Encoder(order="sorted").encode,
        "_Decimal": Decimal,
        "_fits": decimal_fits,
        "_date": dt.date,
        "_MAX": 2**53 - 1,
    }
    exec(compile(source, f"<gyengine fast encoder for {cls.__qualname__}>", "exec"), namespace)
    encoder: Callable[[Any], str | None] = namespace["encode"]
    return encoder


_DIRECT_SCALARS: Final = (str, int, bool, Decimal, dt.date, type(None))


def _direct_type(kind: Any, seen: tuple[type, ...]) -> bool:
    """Whether msgspec decodes stored values of ``kind`` exactly as the converter does."""
    if kind in _DIRECT_SCALARS:
        return True
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        # Only X | None: msgspec picks union members by JSON kind, cattrs otherwise.
        others = [arg for arg in args if arg is not type(None)]
        return len(others) == 1 and len(args) == 2 and _direct_type(others[0], seen)
    if origin is tuple:
        return len(args) == 2 and args[1] is Ellipsis and _direct_type(args[0], seen)
    if origin is typing.Literal:
        return all(type(arg) is str for arg in args)
    if isinstance(kind, type) and attrs.has(kind) and kind not in seen:
        return _direct_class(kind, (*seen, kind))
    return False


def _direct_class(cls: type, seen: tuple[type, ...]) -> bool:
    # msgspec builds attrs objects without __init__ (it runs the validators and
    # __attrs_post_init__): a cached hash would be missing, a pre-init hook or a
    # hand-written __init__ skipped.
    init_code = getattr(getattr(cls, "__init__", None), "__code__", None)
    hash_code = getattr(getattr(cls, "__hash__", None), "__code__", None)
    if (
        hasattr(cls, "__attrs_pre_init__")
        or init_code is None
        or not init_code.co_filename.startswith("<attrs generated")
        or (hash_code is not None and "_attrs_cached_hash" in hash_code.co_names)
    ):
        return False
    try:
        hints = typing.get_type_hints(cls)
    except Exception:
        return False
    return all(
        field.init
        and field.converter is None  # msgspec sets fields without running converters
        and field.alias == field.name
        and _direct_type(hints.get(field.name, Any), seen)
        for field in attrs.fields(cls)
    )


def _direct_decoder(cls: type) -> Callable[[str | bytes], Any] | None:
    """A msgspec decoder of ``cls`` from JSON text or bytes, if every field is simple.

    Simple: strings, integers, booleans, decimals, dates, string literals,
    ``X | None``, ``tuple[X, ...]`` and attrs classes of those, with no field
    converters. For such classes msgspec (which builds the object and runs its
    validators in C) gives what the converter gives for any stored payload;
    ``test_payload_round_trip`` checks it for every registered type.

    msgspec ignores keys an attrs class does not have, where the converter
    refuses them; a payload first goes through :func:`_key_struct`'s decoder,
    which refuses them too. So a field renamed without a new schema and an
    upcaster is an error, as on the converter's path, not a silent default.
    """
    if not _direct_class(cls, (cls,)):
        return None
    check: Callable[[str | bytes], Any] = msgspec.json.Decoder(_key_struct(cls)).decode
    build: Callable[[str | bytes], Any] = msgspec.json.Decoder(cls).decode

    def decode(data: str | bytes) -> Any:
        check(data)
        return build(data)

    return decode


@functools.cache
def _key_struct(cls: type) -> Any:
    """A msgspec Struct with the keys of ``cls`` (values unparsed) that refuses any other key."""
    hints = typing.get_type_hints(cls)
    return msgspec.defstruct(
        f"{cls.__name__}Keys",
        [
            (field.name, _keys_type(hints.get(field.name, Any)), msgspec.UNSET)
            for field in attrs.fields(cls)
        ],
        forbid_unknown_fields=True,
    )


def _keys_type(kind: Any) -> Any:
    """What the key check reads for a field of ``kind``: nested classes' keys, else nothing."""
    if isinstance(kind, type) and attrs.has(kind):
        return _key_struct(kind)
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        inner = [_keys_type(arg) for arg in args if arg is not type(None)]
        if len(inner) == 1 and inner[0] is not msgspec.Raw:
            return inner[0] | None
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _keys_type(args[0])
        if item is not msgspec.Raw:
            return tuple[item, ...]  # type: ignore[valid-type]
    return msgspec.Raw


_FAST_FIELDS: Final[dict[Any, str]] = {
    str: "{v}",
    int: "{v}",
    bool: "{v}",
    Decimal: "_Decimal({v})",
    dt.date: "_date({v})",
    dt.datetime: "_datetime({v})",
    Quantity: "_quantity({v})",
}


def _fast_field(kind: Any) -> str | None:
    """A Python expression template that builds a field from its stored JSON value, if simple."""
    if kind in _FAST_FIELDS:
        return _FAST_FIELDS[kind]
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        inner = _fast_field(next(arg for arg in args if arg is not type(None)))
        if inner is not None:
            return "(None if {v} is None else " + inner + ")"
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis and args[0] in (str, int, bool):
        return "tuple({v})"
    return None


def _fast_decoder(cls: type) -> Callable[[Any], Any] | None:
    """Build a decoder for payloads already validated when they were appended.

    Stored payloads passed the strict converter on their way in, so reading them
    back needs no type checks, only conversions (a decimal string to Decimal):
    a generated function does that about three times faster than cattrs. It
    covers flat classes of simple fields; anything else, and any payload that
    does not fit (a field added later, a changed row), goes through cattrs.
    """
    try:
        hints = typing.get_type_hints(cls)
    except Exception:
        return None
    parts = []
    for field in attrs.fields(cls):
        template = _fast_field(hints.get(field.name, Any))
        if template is None or not field.init:
            return None
        parts.append(f"{field.alias}=" + template.format(v=f"value[{field.name!r}]"))
    source = (
        "def decode(value):\n"
        f"    if len(value) != {len(parts)}:\n"
        "        raise KeyError('fields differ')\n"
        f"    return _cls({', '.join(parts)})\n"
    )
    namespace: dict[str, Any] = {
        "_cls": cls,
        "_Decimal": Decimal,
        "_date": dt.date.fromisoformat,
        "_datetime": dt.datetime.fromisoformat,
        "_quantity": Quantity.parse,
    }
    exec(compile(source, f"<gyengine fast decoder for {cls.__qualname__}>", "exec"), namespace)
    decoder: Callable[[Any], Any] = namespace["decode"]
    return decoder


_PLAIN_SCALARS: Final = (str, int, bool, type(None), Decimal, dt.date, dt.datetime, Quantity)
"""Types whose unstructured form is a string, an integer, a boolean or null."""


def _plain_type(kind: Any, seen: tuple[Any, ...]) -> bool:
    """Whether values of ``kind`` always unstructure to JSON the C encoder writes as JCS.

    Floats, dicts (their keys could sort differently under JCS) and anything
    unknown say no; the full canonicaliser then handles them.
    """
    if kind in _PLAIN_SCALARS:
        return True
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return all(_plain_type(arg, seen) for arg in args)
    if origin in (tuple, list, abc.Sequence):
        return all(_plain_type(arg, seen) for arg in args if arg is not Ellipsis)
    if origin is typing.Literal:
        return all(type(arg) in (str, int, bool) for arg in args)
    if isinstance(kind, type) and attrs.has(kind):
        if kind in seen:
            return True
        try:
            hints = typing.get_type_hints(kind)
        except Exception:  # unresolvable annotations: let the full path decide
            return False
        return all(_plain_type(hints.get(f.name, Any), (*seen, kind)) for f in attrs.fields(kind))
    return False


def _check_name(value: str, field: str) -> str:
    problem = _name_problem(value) if isinstance(value, str) else "must be a non-empty string"
    if problem is not None:
        raise InvalidEvent(problem, field=f"$.{field}")
    return value


@functools.lru_cache(maxsize=8192)
def _name_problem(value: str) -> str | None:
    """What is wrong with a stream, id or actor name, if anything (cached: streams repeat)."""
    if not value:
        return "must be a non-empty string"
    if len(value) > MAX_NAME_LENGTH:
        return f"is longer than {MAX_NAME_LENGTH} characters"
    if not _NAME.fullmatch(value):
        return "must not contain control characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode (a lone surrogate)"
    return None
