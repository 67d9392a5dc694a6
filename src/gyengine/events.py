"""The payload registry: which classes the log's events carry, and the door new events pass.

:class:`EventTypes` registers payload classes by type name and schema version
(plugins add theirs through the ``register_event_types`` hook) and their
upcasters; it validates a new event's envelope and payload and encodes it into a
:class:`PendingEvent`; it decodes stored rows into events. How one class's
payloads are written and read is decided by its codec (:mod:`gyengine.payloadcodec`);
a JSON Lines line is read by :mod:`gyengine.eventlines`. The envelope classes
live in :mod:`gyengine.envelope` and are importable from here too.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar, Final, TypeVar

import attrs
import cattrs

from .codec import make_converter, structure_checked
from .envelope import (
    ENVELOPE_FIELDS,
    Event,
    NewEvent,
    PendingEvent,
    StoredEvent,
    Witness,
    new_event_id,
)
from .errors import DuplicateEventType, InvalidEvent, UnknownEventType
from .eventlines import parse_line
from .limits import data_size_problem
from .payloadcodec import PayloadCodec, codec_for
from .timeutil import parse_period

__all__ = [
    "ENVELOPE_FIELDS",
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


@attrs.frozen
class _Registration:
    cls: type
    schema: int
    owner: str


class EventTypes:
    """The registry of payload classes, by type name and schema version.

    Plugins add to it through the ``register_event_types`` hook. It validates
    new events and decodes stored ones, each payload class through its codec
    (:func:`gyengine.payloadcodec.codec_for`).

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
        self._codecs: dict[str, PayloadCodec] = {}
        self._row_decoders: dict[tuple[str, int], Callable[[str | bytes], Any]] = {}
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
        self._codecs.pop(name, None)

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

    def codec(self, name: str) -> PayloadCodec:
        """How payloads of the current class of ``name`` are written and read (chosen once)."""
        codec = self._codecs.get(name)
        if codec is None:
            codec = self._codecs[name] = codec_for(
                self.class_of(name), self.converter, self.input_converter
            )
        return codec

    # -- encoding -------------------------------------------------------------

    def structure(self, name: str, data: Mapping[str, Any], *, path: str = "$.data") -> Any:
        """Build the payload object of type ``name`` from a JSON-like mapping.

        Raises:
            InvalidEvent: naming the first bad field, via cattrs' transform_error.
        """
        return structure_checked(self.input_converter, data, self.class_of(name), path=path)

    def encode(self, event: NewEvent) -> PendingEvent:
        """Validate a new event and encode its payload as canonical JSON.

        Raises:
            InvalidEvent: naming the field that is wrong.
        """
        cls = self.class_of(event.type)
        data = event.data
        structured = False
        if type(data) is not cls:
            if isinstance(data, Mapping):
                data, structured = self.structure(event.type, data), True
            elif not isinstance(data, cls):
                raise InvalidEvent(
                    f"payload is a {type(data).__name__}, not a {cls.__name__}", field="$.data"
                )
        codec = self._codecs.get(event.type) or self.codec(event.type)
        return self.pending(event, codec.encode(data, structured=structured), data)

    def pending(self, event: NewEvent, text: str, payload: Any = None) -> PendingEvent:
        """Check the envelope fields of a new event and pair them with its payload's canonical text.

        Raises:
            InvalidEvent: naming the field that is wrong.
        """
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
        """Validate one parsed JSON Lines object and encode it (see :func:`gyengine.eventlines.parse_line`).

        With ``keep_recorded`` a line may (and must) carry its ``recorded``
        time, for importing a historical log; otherwise the store sets it.

        Raises:
            InvalidEvent: naming the field (``$.type``, ``$.data.amount``...).
        """
        return parse_line(self, value, keep_recorded=keep_recorded)

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
        return self.row_decoder(name, schema)(text)

    def _decode_old(self, name: str, schema: int, text: str | bytes) -> Any:
        """Decode a payload of an older schema (or an unknown type, which raises): upcast its
        JSON, then the converter reads it."""
        data = self.upcast(name, schema, json.loads(text))
        return self.codec(name).reference.structure_stored(data)

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

        The current schema is read by the class's codec (msgspec or the
        converter, as :func:`gyengine.payloadcodec.codec_for` chose); an older one
        is upcast and read by the converter; for an unknown type the function raises.
        """
        cached = self._row_decoders.get((name, schema))
        if cached is not None:
            return cached
        registration = self._types.get(name)
        decode: Callable[[str | bytes], Any]
        if registration is not None and registration.schema == schema:
            decode = self.codec(name).decode
        else:
            decode = functools.partial(self._decode_old, name, schema)
        self._row_decoders[(name, schema)] = decode
        return decode


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
