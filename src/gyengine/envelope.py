"""The event envelope: what a writer hands in, what a store keeps, what a reader gets.

Three shapes of one event:

* :class:`NewEvent` is what a writer hands in: a typed payload and the fields
  the writer decides (stream, id, occurred, actor, supersedes).
* :class:`PendingEvent` is a validated, encoded event ready for a store: its
  payload is canonical JSON text.
* :class:`StoredEvent` is a row of the log: the envelope with the fields the
  store decided (seq, version, recorded, prev_hash, hash). :class:`Event` is
  the same with its payload decoded into its attrs class (upcast if old).

The registry that validates and encodes them is :mod:`gyengine.events`.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, Final

import attrs
import msgspec

from .errors import InvalidEvent

__all__ = [
    "ENVELOPE_FIELDS",
    "Event",
    "NewEvent",
    "PendingEvent",
    "StoredEvent",
    "Witness",
    "new_event_id",
]


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
    frozen attrs instance. :meth:`replace` derives a changed copy.
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

    def replace(self, **changes: Any) -> Event:
        """A copy of this event with ``changes`` applied (attrs' ``evolve`` for an event).

        Example::

            moved = event.replace(stream="project/P02")

        Raises:
            TypeError: a name in ``changes`` is not a field of the envelope.
        """
        return msgspec.structs.replace(self, **changes)
