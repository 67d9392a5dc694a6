"""One line of a JSON Lines event file, checked and encoded into a :class:`PendingEvent`.

The file is read by :mod:`gyengine.jsonl`; the payload is validated and
encoded by the registry (:class:`gyengine.events.EventTypes`).

Two readers: :func:`read_line_fast` takes the usual line (a new event, its
payload of a class the msgspec codec reads) in C, and gives ``None`` for
anything else; :func:`parse_line`, the strict reader, takes every line the fast
one declines and names what is wrong. Both give the same :class:`PendingEvent`
for a line both read (``tests/test_linecodec.py``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Final

import attrs
import msgspec

from .canonical import MAX_SAFE_INTEGER, canonical_json
from .codec import describe_errors
from .envelope import NewEvent, PendingEvent, Witness
from .errors import CanonicalizationError, InvalidEvent, UnknownEventType
from .timeutil import parse_timestamp

if TYPE_CHECKING:
    from .events import EventTypes

__all__ = ["parse_line", "read_line_fast"]


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


def parse_line(registry: EventTypes, value: Any, *, keep_recorded: bool = False) -> PendingEvent:
    """Validate one parsed JSON Lines object and encode it.

    With ``keep_recorded`` a line may (and must) carry its ``recorded``
    time, for importing a historical log; otherwise the store sets it.

    Raises:
        InvalidEvent: naming the field (``$.type``, ``$.data.amount``...).
    """
    if not isinstance(value, dict):
        raise InvalidEvent(f"expected a JSON object, got {type(value).__name__}", field="$")
    try:
        line = registry.converter.structure(value, _EventLine)
    except Exception as error:
        problems = describe_errors(error)
        where, message = problems[0] if problems else ("$", str(error))
        raise InvalidEvent(message, field=where) from None
    if line.type not in registry:
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
            raise InvalidEvent("required when importing with recorded times", field="$.recorded")
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
        pending = registry.encode(attrs.evolve(event, data=line.data))
    else:
        text = _given_payload(registry, line.type, line.schema, line.data)
        pending = attrs.evolve(registry.pending(event, text), schema=line.schema)
    if given:
        witness = Witness(
            seq=line.seq, version=line.version, prev_hash=line.prev_hash, hash=line.hash
        )
        pending = attrs.evolve(pending, witness=witness)
    return pending if recorded is None else attrs.evolve(pending, recorded=recorded)


_Absent = msgspec.UnsetType
_SafeInt = Annotated[int, msgspec.Meta(ge=-MAX_SAFE_INTEGER, le=MAX_SAFE_INTEGER)]


class _FastLine(msgspec.Struct, forbid_unknown_fields=True):
    """The keys of a new event's line the fast reader takes; any other key (a witness,
    ``recorded``) or kind of value sends the line to the strict reader."""

    type: str
    stream: str
    data: msgspec.Raw
    id: str | _Absent | None = msgspec.UNSET
    occurred: str | _Absent | None = msgspec.UNSET
    actor: str | _Absent | None = msgspec.UNSET
    supersedes: str | _Absent | None = msgspec.UNSET
    expected_version: _SafeInt | _Absent | None = msgspec.UNSET


_read_fast_line: Final = msgspec.json.Decoder(_FastLine).decode
_OPTIONAL: Final = ("id", "occurred", "actor", "supersedes", "expected_version")


def read_line_fast(registry: EventTypes, text: str) -> PendingEvent | None:
    """One line of a new event read in C, or ``None`` for the strict reader to decide.

    ``None`` for anything unusual: malformed JSON, a key or value of another
    kind, a payload class without a msgspec codec, a payload the codec does not
    vouch for, an envelope field :meth:`EventTypes.pending` refuses, and any
    ``:`` that is not between a key and its value. That last test counts the
    object members read against the colons of the text, so a repeated key
    (msgspec keeps the last one; the strict reader refuses it) never passes.
    """
    try:
        line = _read_fast_line(text)
    except (msgspec.DecodeError, RecursionError):  # msgspec's limit on nesting is Python's
        return None
    if line.type not in registry:
        return None
    read = registry.codec(line.type).read_new(line.data)
    if read is None:
        return None
    payload, data, members = read
    given = [getattr(line, name) for name in _OPTIONAL]
    members += 3 + len(given) - given.count(msgspec.UNSET)
    if text.count(":") != members:
        return None
    unset = msgspec.UNSET
    identifier, occurred, actor, supersedes, expected = (
        None if value is unset else value for value in given
    )
    event = NewEvent(
        type=line.type,
        stream=line.stream,
        data=None,
        id=identifier,
        occurred=occurred,
        actor=actor,
        supersedes=supersedes,
        expected_version=expected,
    )
    try:
        return registry.pending(event, data, payload)
    except InvalidEvent:
        return None


def _given_payload(registry: EventTypes, name: str, schema: int, data: dict[str, Any]) -> str:
    """The canonical text of a restored line's payload as given, under its own ``schema``.

    It is checked by decoding it as a stored row is (upcast to the current
    schema), never re-encoded: that could change an old-schema payload, and
    with it the event's hash.
    """
    current = registry.schema_of(name)
    if isinstance(schema, bool) or not 1 <= schema <= current:
        raise InvalidEvent(
            f"{name} has schemas 1 to {current} here, not {schema}", field="$.schema"
        )
    try:
        text = canonical_json(_json_numbers(data))
        upcast = registry.upcast(name, schema, json.loads(text))
    except CanonicalizationError as error:
        raise InvalidEvent(str(error), field="$.data") from None
    except UnknownEventType as error:
        raise InvalidEvent(error.message, field="$.schema") from None
    except Exception as error:  # an upcaster meeting data it was not written for
        raise InvalidEvent(
            f"does not upcast from schema {schema}: {type(error).__name__}: {error}",
            field="$.data",
        ) from None
    registry.codec(name).reference.structure_stored(upcast)  # names the field if it is wrong
    return text
