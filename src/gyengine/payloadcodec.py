"""Per payload class, how its payload is written as canonical JSON and read back.

One classifier, :func:`codec_for`, looks at a payload class once, field by
field, and gives it one :class:`PayloadCodec`:

* a :class:`ReferenceCodec`, the strict cattrs converter of :mod:`gyengine.codec`
  (unstructure, canonical JSON, structure again as a reader would), for any
  class: it is the reference every other path must equal;
* a :class:`MsgspecCodec`, for classes made only of kinds whose exact rules are
  known here (strings, booleans, integers, decimals, dates, quantities, string
  literals, ``X | None``, ``tuple[X, ...]``, ``list[X]`` and attrs classes of
  those). It reads a stored payload with msgspec: a *guard* Struct built once
  per class refuses in C what msgspec would read but the converter would not
  (an unknown key, an integer beyond 2**53, a decimal written as a binary float),
  a check refuses decimal texts the converter does not read (``" 5 "``); then
  msgspec builds the object in C, or, when the class needs its ``__init__`` run
  (field converters, quantities), a closure built once per class calls it with
  the guarded values, as cattrs does. It writes a payload object whose fields
  hold exactly their annotated types (checked by a closure built once per class)
  with msgspec, keys sorted, which is the converter's text for those types; for
  a class with quantities (which msgspec would write as objects), a closure turns
  each field into its JSON value as the converter's hooks do.

Nothing is tried and caught: which path reads and writes a class is decided here
once. When the msgspec path refuses a stored payload, the reference reads the
same text to name what is wrong, so the messages (``$.data.value: expected a
decimal number...``) are the converter's on either path; the reference
accepting what msgspec refused is reported as an error of gyengine. A payload
object holding something other than its fields' exact types (a list for a
tuple, a ``str`` subclass, a decimal that ``str()`` writes with an exponent) is
written by the reference, chosen by a type test. Payload objects are taken to
have been built by their ``__init__`` (attrs' contract): their validators ran.
``tests/test_codec.py`` checks, for every payload class of the standard plugins,
that both paths give the same bytes, the same objects and the same messages.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
import re
import types
import typing
from collections import abc
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Final, NoReturn, Protocol

import attrs
import cattrs
import msgspec

from .canonical import MAX_SAFE_INTEGER, canonical_json, plain_json
from .codec import structure_checked
from .errors import CanonicalizationError, GyengineError, InvalidEvent
from .limits import decimal_fits
from .quantity import UNITS, Quantity

__all__ = ["MsgspecCodec", "PayloadCodec", "ReferenceCodec", "codec_for", "payload_json"]

Writer = Callable[[Any], Any]
"""A field value of exactly its annotated type -> its JSON value; anything else -> ``_OUTSIDE``."""

_DECIMAL_CHARS: Final = "0123456789.+-eE"
_LONE_SURROGATE: Final = "holds a lone surrogate, which has no UTF-8 form"
_encode_sorted: Final = msgspec.json.Encoder(order="sorted").encode

_OUTSIDE: Final[Any] = object()
"""What a writer returns for a value it does not vouch for (the reference writes or refuses it)."""


class PayloadCodec(Protocol):
    """How the payloads of one class are written and read."""

    @property
    def cls(self) -> type:
        """The payload class."""
        ...

    @property
    def path(self) -> str:
        """``"msgspec"`` or ``"reference"``: which path the classifier chose."""
        ...

    @property
    def reference(self) -> ReferenceCodec:
        """The converter's path for the same class (the codec itself, on that path)."""
        ...

    def encode(self, payload: Any, *, structured: bool = False) -> str:
        """The canonical JSON text of ``payload`` (an instance of ``cls``).

        ``structured``: the payload was just structured by the input converter,
        so the reference need not read it back to check its field types.

        Raises:
            InvalidEvent: naming what cannot be written, as the converter says it.
        """
        ...

    def decode(self, text: str | bytes) -> Any:
        """The payload object of a stored payload of the current schema (text or UTF-8 bytes).

        Raises:
            InvalidEvent: naming the field, as the converter says it.
        """
        ...

    def read_new(self, text: str | bytes) -> tuple[Any, str, int] | None:
        """A new event's payload (its JSON text, as a line gave it) read the fast way.

        Returns the payload object, its canonical text and how many object members
        (``"key": value`` pairs, nested ones included) the text held, when the
        fast path reads it exactly as the bounded input converter would; ``None``
        for anything else (a refusal, a value out of bounds, a kind the fast path
        does not take), which the strict path then decides and names. Counting
        the members lets a caller detect a repeated key, which msgspec keeps the
        last of where the strict reader refuses it.
        """
        ...


def payload_json(value: Any, *, plain: bool) -> str:
    """The canonical JSON text of an unstructured payload: by the C encoder when
    ``plain`` (the classifier found only strings, integers, booleans and nulls can
    occur), else by the full RFC 8785 canonicaliser.

    Raises:
        InvalidEvent: a lone surrogate, a non-finite number, a value JSON cannot hold.
    """
    try:
        text = plain_json(value) if plain else canonical_json(value)
        text.encode("utf-8")  # a lone surrogate has no UTF-8 form
    except CanonicalizationError as error:
        raise InvalidEvent(str(error), field="$.data") from None
    except UnicodeEncodeError:
        raise InvalidEvent(_LONE_SURROGATE, field="$.data") from None
    except (ValueError, TypeError) as error:
        raise InvalidEvent(f"cannot be encoded: {error}", field="$.data") from None
    return text


# json.loads reads a lone surrogate (escaped, or raw: it decodes bytes with
# "surrogatepass") into a string; msgspec refuses it. No encoder here writes one,
# and the reference refuses it too, by name.
_SURROGATE_TEXT: Final = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_BYTES: Final = re.compile(rb"\\u[dD][89a-fA-F]")


def _lone_surrogate(text: str | bytes, data: Any) -> bool:
    """Whether a stored payload's text, or the JSON value read from it, holds a lone surrogate."""
    try:
        if isinstance(text, bytes):
            text.decode("utf-8")
            escaped = _SURROGATE_BYTES.search(text) is not None
        else:
            text.encode("utf-8")
            escaped = _SURROGATE_TEXT.search(text) is not None
        if escaped:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeError:
        return True
    return False


@attrs.frozen
class ReferenceCodec:
    """The strict cattrs converter's path: the reference for every class.

    ``converter`` reads stored payloads (without the bounds of
    :mod:`gyengine.limits`, so old rows stay readable); ``input_converter``
    checks what is written (with them).
    """

    cls: type
    converter: cattrs.Converter
    input_converter: cattrs.Converter
    plain: bool
    """Whether every payload of ``cls`` unstructures to strings, integers, booleans and nulls."""
    path: str = "reference"

    @property
    def reference(self) -> ReferenceCodec:
        """Itself: this is the reference."""
        return self

    def encode(self, payload: Any, *, structured: bool = False) -> str:
        """Unstructure, write canonical JSON, and (unless ``structured``) read it back as a reader would."""
        try:
            value = self.input_converter.unstructure(payload, self.cls)
        except (ValueError, TypeError, AttributeError) as error:
            raise InvalidEvent(f"cannot be encoded: {error}", field="$.data") from None
        text = payload_json(value, plain=self.plain)
        if not structured:
            # attrs does not check field types: NoteTaken(5) would store 5 for a
            # str and fail every later read. Read it back now, as a reader would.
            structure_checked(self.input_converter, value, self.cls)
        return text

    def decode(self, text: str | bytes) -> Any:
        """``json.loads`` and the converter."""
        data = json.loads(text)
        if _lone_surrogate(text, data):
            raise InvalidEvent(_LONE_SURROGATE, field="$.data")
        return self.structure_stored(data)

    def structure_stored(self, data: Any) -> Any:
        """A stored payload's JSON value (upcast, if it was older) as an object of ``cls``."""
        return structure_checked(self.converter, data, self.cls)

    def read_new(self, text: str | bytes) -> None:
        """Never: the converter's path has no fast reading; the strict path reads every line."""
        return None


class MsgspecCodec:
    """msgspec reads, a per-class writer writes; the reference names what is wrong."""

    path = "msgspec"

    def __init__(self, reference: ReferenceCodec, kind: _Kind) -> None:
        """``kind``: what the classifier found about the class (writer, guard, check, build)."""
        self.cls = reference.cls
        self.reference = reference
        # An exact class kind has both (see _class_kind).
        assert kind.write is not None
        assert kind.build is not None
        self._write = kind.write
        self._vouch = kind.vouch
        self.decode = _decoder(self.cls, kind, self._refuse)
        self.read_new = _new_reader(self.cls, kind, self._exact_text)

    def encode(self, payload: Any, *, structured: bool = False) -> str:
        """msgspec's text of the object, or the writer's JSON value's (for a class msgspec
        cannot write, with quantities); a payload neither vouches for is the reference's."""
        try:
            text = self._exact_text(payload)
        except UnicodeEncodeError:
            raise InvalidEvent(_LONE_SURROGATE, field="$.data") from None
        return self.reference.encode(payload, structured=structured) if text is None else text

    def _exact_text(self, payload: Any) -> str | None:
        """The canonical text of a payload msgspec or the writer vouches for (its fields of
        exactly their types, decimals within the bounds), else ``None``.

        Raises:
            UnicodeEncodeError: a string holds a lone surrogate.
        """
        vouch = self._vouch
        # The writer takes what msgspec cannot write as the converter does (a quantity, a
        # decimal whose str() has an exponent, as "0.0000000" reads), at a call per field.
        value = payload if vouch is not None and vouch(payload) else self._write(payload)
        if value is _OUTSIDE:
            return None
        # msgspec with sorted keys writes the C encoder's text (the reference's) for
        # strings, integers, booleans, nulls, lists, objects and the fields vouched for.
        return _encode_sorted(value).decode()

    def _refuse(self, text: str | bytes, error: Exception | None) -> NoReturn:
        """Raise the reference's error for a payload msgspec (or a check) refused."""
        self.reference.decode(text)
        why = "a check" if error is None else f"{type(error).__name__}: {error}"
        raise GyengineError(
            f"{self.cls.__qualname__}: msgspec refused a stored payload the converter reads"
            f" ({why}); this is a bug in gyengine's payload codec"
        ) from error


def _decoder(
    cls: type, kind: _Kind, refuse: Callable[[str | bytes, Exception | None], NoReturn]
) -> Callable[[str | bytes], Any]:
    """The msgspec path's reader of stored payloads of ``cls``, built once.

    Native classes: the ``Keys`` guard, the checks, then msgspec builds the object from
    the text; others: the full guard, the checks, then ``kind.build`` calls the class.
    Any refusal goes to ``refuse``, which raises the reference's error.
    """
    check, build = kind.check, kind.build
    assert build is not None  # an exact class kind has its builder (see _class_kind)
    if not kind.native:
        guard: Callable[[str | bytes], Any] = msgspec.json.Decoder(kind.guard).decode
        checked = check if check is not None else _always

        def decode_built(text: str | bytes) -> Any:
            try:
                guarded = guard(text)
                if checked(guarded):
                    return build(guarded)
            except Exception as error:  # msgspec's or a validator's refusal: the reference names it
                refuse(text, error)
            refuse(text, None)

        return decode_built
    keys: Callable[[str | bytes], Any] = msgspec.json.Decoder(_loose(kind)).decode
    make: Callable[[str | bytes], Any] = msgspec.json.Decoder(cls).decode
    if kind.amount is not None:  # the commonest: one decimal field, checked inline
        amount, chars = operator.attrgetter(kind.amount), _DECIMAL_CHARS

        def decode_amount(text: str | bytes) -> Any:
            try:
                value = amount(keys(text))
                if type(value) is not str or not value.strip(chars):
                    return make(text)
            except Exception as error:  # as above
                refuse(text, error)
            refuse(text, None)

        return decode_amount
    checked = check if check is not None else _always

    def decode(text: str | bytes) -> Any:
        try:
            if checked(keys(text)):
                return make(text)
        except Exception as error:  # as above
            refuse(text, error)
        refuse(text, None)

    return decode


def _new_reader(
    cls: type, kind: _Kind, exact_text: Callable[[Any], str | None]
) -> Callable[[str | bytes], tuple[Any, str, int] | None]:
    """The msgspec path's reader of new payloads of ``cls`` (see :meth:`PayloadCodec.read_new`), built once.

    It reads as :func:`_decoder` does (the same guard, checks and builder), so it
    accepts no more than the stored-row reader, which equals the converter; the
    bounds of new events are the writer's (``exact_text`` gives ``None`` for a
    decimal outside them). Whatever it does not vouch for gives ``None``.
    """
    checked = kind.check if kind.check is not None else _always
    build = kind.build
    assert build is not None  # an exact class kind has its builder (see _class_kind)
    # Native classes: the Keys guard counts and checks, msgspec builds; others: the full guard.
    guard: Callable[[str | bytes], Any] = msgspec.json.Decoder(
        _loose(kind) if kind.native else kind.guard
    ).decode
    make: Callable[[str | bytes], Any] | None = (
        msgspec.json.Decoder(cls).decode if kind.native else None
    )

    def read(text: str | bytes) -> tuple[Any, str, int] | None:
        try:
            guarded = guard(text)
            if not checked(guarded):
                return None
            payload = build(guarded) if make is None else make(text)
            written = exact_text(payload)
        except Exception:  # a refusal (msgspec's, a validator's): the strict path names it
            return None
        return None if written is None else (payload, written, _members(guarded))

    return read


def _members(value: Any) -> int:
    """How many object members a guard Struct read (nested objects' too); ``UNSET``: absent."""
    count = 0
    for item in msgspec.structs.astuple(value):
        if item is msgspec.UNSET:
            continue
        count += 1
        if isinstance(item, msgspec.Struct):
            count += _members(item)
        elif type(item) is tuple or type(item) is list:
            count += sum(_members(inner) for inner in item if isinstance(inner, msgspec.Struct))
    return count


def codec_for(
    cls: type, converter: cattrs.Converter, input_converter: cattrs.Converter
) -> PayloadCodec:
    """The codec of payload class ``cls``: the one place that decides its path.

    ``converter`` reads stored payloads, ``input_converter`` checks written ones
    (see :class:`gyengine.events.EventTypes`).
    """
    kind = _kind(cls, ())
    reference = ReferenceCodec(cls, converter, input_converter, plain=kind.plain)
    if kind.write is None:
        return reference
    return MsgspecCodec(reference, kind)


# -- the classifier: one entry per kind of field ---------------------------------------------


@attrs.frozen
class _Kind:
    """What the classifier found about one annotated type."""

    plain: bool
    """Its values unstructure to strings, integers, booleans, nulls, lists and objects only."""
    write: Writer | None = None
    """Its exact writer; ``None``: no exact rules here, the class takes the reference path."""
    vouch: Callable[[Any], bool] | None = None
    """Whether msgspec, writing a value as an attrs field, writes the converter's text for
    it (``None``: never, as for a quantity, which msgspec would write as an object)."""
    guard: Any = None
    """The msgspec type refusing, in C, stored values the converter refuses."""
    loose: Any = None
    """The guard where msgspec builds the class itself (``native``): unparsed (``Raw``) where
    msgspec's own reading of the field is the converter's (strings, booleans, literals, nulls),
    which spares decoding long texts twice; ``None``: the same as ``guard``."""
    check: Callable[[Any], bool] | None = None
    """Refuses the guarded values the guard lets through (a msgspec pattern costs
    five regexes): ``False`` for a decimal or date text the converter would not read;
    ``None``: nothing to check."""
    amount: str | None = None
    """For a class whose only check is one decimal field: its name (checked inline)."""
    build: Callable[[Any], Any] | None = None
    """Guarded value -> field value (``None``: the guarded value is the field value)."""
    native: bool = True
    """msgspec builds the value itself exactly as the converter does."""


_INEXACT: Final = _Kind(plain=False)
_PLAIN_INEXACT: Final = _Kind(plain=True)

_DATE_TEXT: Final = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII).fullmatch
_SAFE_INT: Final = Annotated[int, msgspec.Meta(ge=-MAX_SAFE_INTEGER, le=MAX_SAFE_INTEGER)]
_BASE_UNITS: Final = frozenset(base for base, _ in UNITS.values())


def _always(_: Any) -> bool:
    return True


def _check_decimal(value: Any) -> bool:
    """Whether the guard's int or str may be read as a decimal, as the converter reads it.

    The converter reads the text of ``gyengine.codec.DECIMAL_TEXT``; msgspec reads
    what ``Decimal()`` reads, which is more (" 5 ", "1_000", "１２３", "NaN"). Of a
    text made only of ``0-9 . + - e E``, ``Decimal()`` reads exactly the converter's
    texts (``tests/test_codec.py`` checks it exhaustively), and refuses the others:
    so checking the characters, three times cheaper than the pattern, is enough.
    """
    return type(value) is not str or not value.strip(_DECIMAL_CHARS)


def _check_date(value: Any) -> bool:
    # fromisoformat also reads "20190630"; the converter only YYYY-MM-DD.
    return _DATE_TEXT(value) is not None


def _vouch_str(value: Any) -> bool:
    return type(value) is str


def _vouch_bool(value: Any) -> bool:
    return type(value) is bool


def _vouch_int(value: Any) -> bool:
    return type(value) is int and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER


def _vouch_decimal(value: Any) -> bool:
    # msgspec writes str(value), the converter format "f": the same text without an exponent.
    return type(value) is Decimal and decimal_fits(value) and "E" not in str(value)


def _vouch_date(value: Any) -> bool:
    return type(value) is dt.date


def _vouch_none(value: Any) -> bool:
    return value is None


def _write_str(value: Any) -> Any:
    return value if type(value) is str else _OUTSIDE


def _write_bool(value: Any) -> Any:
    return value if type(value) is bool else _OUTSIDE


def _write_int(value: Any) -> Any:
    if type(value) is int and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return value
    return _OUTSIDE


def _write_decimal(value: Any) -> Any:
    # What the bounded converter writes (format "f") and reads back: within the bounds only.
    return format(value, "f") if type(value) is Decimal and decimal_fits(value) else _OUTSIDE


def _write_date(value: Any) -> Any:
    return value.isoformat() if type(value) is dt.date else _OUTSIDE


def _write_none(value: Any) -> Any:
    return None if value is None else _OUTSIDE


def _write_quantity(value: Any) -> Any:
    # In its base unit (as Quantity.parse makes it), within the bounds: its text reads back equal.
    if (
        type(value) is Quantity
        and value.unit in _BASE_UNITS
        and type(value.amount) is Decimal
        and decimal_fits(value.amount)
    ):
        return str(value)
    return _OUTSIDE


_SCALARS: Final[dict[Any, _Kind]] = {
    str: _Kind(plain=True, write=_write_str, vouch=_vouch_str, guard=str, loose=msgspec.Raw),
    bool: _Kind(plain=True, write=_write_bool, vouch=_vouch_bool, guard=bool, loose=msgspec.Raw),
    int: _Kind(plain=True, write=_write_int, vouch=_vouch_int, guard=_SAFE_INT),
    Decimal: _Kind(
        plain=True,
        write=_write_decimal,
        vouch=_vouch_decimal,
        guard=int | str,
        check=_check_decimal,
        build=Decimal,
    ),
    dt.date: _Kind(
        plain=True,
        write=_write_date,
        vouch=_vouch_date,
        guard=str,
        check=_check_date,
        build=dt.date.fromisoformat,
    ),
    type(None): _Kind(
        plain=True, write=_write_none, vouch=_vouch_none, guard=type(None), loose=msgspec.Raw
    ),
    # An attrs class to msgspec, but written as text: read by the converter's own
    # parser (gyengine.quantity.structure_quantity) from the guarded string.
    Quantity: _Kind(
        plain=True, write=_write_quantity, guard=str, build=Quantity.parse, native=False
    ),
    dt.datetime: _PLAIN_INEXACT,  # msgspec reads RFC 3339, the converter fromisoformat
}


def _kind(kind: Any, seen: tuple[type, ...]) -> _Kind:
    """Classify one annotated type (``seen``: the attrs classes around it)."""
    if kind in _SCALARS:
        return _SCALARS[kind]
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return _union_kind(args, seen)
    if origin in (tuple, list) and (origin is list or (len(args) == 2 and args[1] is Ellipsis)):
        return _sequence_kind(origin, _kind(args[0], seen))
    if origin in (tuple, list, abc.Sequence):
        return _Kind(plain=all(_kind(arg, seen).plain for arg in args if arg is not Ellipsis))
    if origin is typing.Literal:
        return _literal_kind(args)
    if isinstance(kind, type) and attrs.has(kind):
        if kind in seen:
            return _PLAIN_INEXACT  # recursive: the converter's to read
        return _class_kind(kind, (*seen, kind))
    return _INEXACT  # floats, mappings (their keys could sort differently under JCS), Any


def _union_kind(args: tuple[Any, ...], seen: tuple[type, ...]) -> _Kind:
    kinds = [_kind(arg, seen) for arg in args]
    plain = all(inner.plain for inner in kinds)
    others = [arg for arg in args if arg is not type(None)]
    # Only X | None: msgspec picks union members by JSON kind, cattrs otherwise.
    if len(others) != 1 or len(args) != 2:
        return _Kind(plain=plain)
    inner = _kind(others[0], seen)
    write, vouch, build, check = inner.write, inner.vouch, inner.build, inner.check
    if write is None:
        return _Kind(plain=plain)

    def write_optional(value: Any) -> Any:
        return None if value is None else write(value)

    return _Kind(
        plain=plain,
        write=write_optional,
        vouch=None if vouch is None else (lambda value: value is None or vouch(value)),
        guard=inner.guard | None,
        loose=msgspec.Raw if _loose(inner) is msgspec.Raw else _loose(inner) | None,
        check=None if check is None else (lambda value: value is None or check(value)),
        build=None if build is None else (lambda value: None if value is None else build(value)),
        native=inner.native,
    )


def _sequence_kind(origin: type, inner: _Kind) -> _Kind:
    write, vouch, build, check = inner.write, inner.vouch, inner.build, inner.check
    if write is None:
        return _Kind(plain=inner.plain)

    def write_sequence(value: Any) -> Any:
        if type(value) is not origin:
            return _OUTSIDE
        if not isinstance(value, (tuple, list)):  # for the type checker: origin is one of them
            return _OUTSIDE
        items = [write(item) for item in value]
        return _OUTSIDE if _OUTSIDE in items else items

    convert: Callable[[Any], Any] | None = None
    if build is not None:  # the guard gives the sequence itself; its items need building

        def convert(value: Any) -> Any:
            return origin(map(build, value))

    return _Kind(
        plain=inner.plain,
        write=write_sequence,
        vouch=None if vouch is None else _sequence_vouch(origin, vouch),
        guard=tuple[inner.guard, ...] if origin is tuple else list[inner.guard],  # type: ignore[name-defined]
        loose=msgspec.Raw if _loose(inner) is msgspec.Raw else tuple[_loose(inner), ...],  # type: ignore[misc]
        check=None if check is None else (lambda value: all(map(check, value))),
        build=convert,
        native=inner.native,
    )


def _sequence_vouch(origin: Any, vouch: Callable[[Any], bool]) -> Callable[[Any], bool]:
    def vouch_sequence(value: Any) -> bool:
        return type(value) is origin and all(map(vouch, value))

    return vouch_sequence


def _literal_kind(args: tuple[Any, ...]) -> _Kind:
    plain = all(type(arg) in (str, int, bool) for arg in args)
    if not all(type(arg) is str for arg in args):
        return _Kind(plain=plain)
    allowed = frozenset(args)

    def write_literal(value: Any) -> Any:
        return value if type(value) is str and value in allowed else _OUTSIDE

    return _Kind(
        plain=True,
        write=write_literal,
        vouch=lambda value: type(value) is str and value in allowed,
        guard=typing.Literal[args],
        loose=msgspec.Raw,
    )


def _class_kind(cls: type, seen: tuple[type, ...]) -> _Kind:
    """An attrs class: exact when every field is, each read under its own name."""
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # unresolvable annotations: the reference decides (and names the error)
        return _INEXACT
    fields = attrs.fields(cls)
    kinds = {field.name: _kind(hints.get(field.name, Any), seen) for field in fields}
    plain = all(kind.plain for kind in kinds.values())
    if not all(field.init and kinds[field.name].write is not None for field in fields):
        return _Kind(plain=plain)
    guard, loose = (
        msgspec.defstruct(
            f"{cls.__name__}{suffix}",
            [(field.name, pick(kinds[field.name]), msgspec.UNSET) for field in fields],
            forbid_unknown_fields=True,
        )
        for suffix, pick in (("Guard", _typed), ("Keys", _loose))
    )
    return _Kind(
        plain=plain,
        write=_class_writer(cls, {name: kind.write for name, kind in kinds.items()}),
        vouch=_class_vouch(cls, kinds),
        guard=guard,
        loose=loose,
        check=_class_check(kinds),
        amount=_only_amount(kinds),
        build=_class_builder(cls, kinds),
        native=_msgspec_builds(cls) and all(kind.native for kind in kinds.values()),
    )


def _typed(kind: _Kind) -> Any:
    return kind.guard


def _loose(kind: _Kind) -> Any:
    return kind.guard if kind.loose is None else kind.loose


def _class_vouch(cls: type, kinds: dict[str, _Kind]) -> Callable[[Any], bool] | None:
    """Whether an object is exactly ``cls`` with fields msgspec writes as the converter does.

    String, integer and decimal fields (most fields) are checked in groups, without a
    call per field: that call was most of the cost."""
    if any(kind.vouch is None or name.startswith("_") for name, kind in kinds.items()):
        return None  # a quantity; msgspec leaves out attributes named with an underscore
    grouped: dict[Callable[[Any], bool], str] = {
        _vouch_str: "texts",
        _vouch_int: "ints",
        _vouch_decimal: "decimals",
    }
    groups: dict[str, list[str]] = {"texts": [], "ints": [], "decimals": []}
    others = []
    for name, kind in kinds.items():
        group = grouped.get(kind.vouch) if kind.vouch is not None else None
        if group is None:
            others.append((operator.attrgetter(name), kind.vouch))
        else:
            groups[group].append(name)
    read_texts, read_ints, read_decimals = (_reader(groups[group]) for group in grouped.values())
    text_types = (str,) * len(groups["texts"])
    limit, fits = MAX_SAFE_INTEGER, decimal_fits

    def vouch(value: Any) -> bool:
        if type(value) is not cls or tuple(map(type, read_texts(value))) != text_types:
            return False
        for number in read_ints(value):
            if type(number) is not int or not -limit <= number <= limit:
                return False
        for amount in read_decimals(value):
            # msgspec writes str(amount), the converter format "f": the same text without an exponent.
            if type(amount) is not Decimal or not fits(amount) or "E" in str(amount):
                return False
        for read, vouch_field in others:  # noqa: SIM110 - a loop is faster than all()
            if not vouch_field(read(value)):  # type: ignore[misc]
                return False
        return True

    return vouch


def _reader(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """An object -> the tuple of its attributes ``names`` (one C call)."""
    if not names:
        return lambda value: ()
    if len(names) == 1:
        (name,) = names
        return lambda value: (getattr(value, name),)
    return operator.attrgetter(*names)


def _class_writer(cls: type, writers: dict[str, Writer | None]) -> Writer:
    """Object of exactly ``cls`` -> the dict of its fields' JSON values (string fields
    checked inline: most fields are strings, and a call per field is the cost)."""
    names = tuple(writers)
    read = (
        operator.attrgetter(*names)
        if len(names) != 1
        else lambda value: (getattr(value, names[0]),)
    )
    steps = tuple(None if write is _write_str else write for write in writers.values())

    def write_object(value: Any) -> Any:
        if type(value) is not cls:
            return _OUTSIDE
        items = []
        for item, write in zip(read(value), steps, strict=True):
            if write is None:
                if type(item) is not str:
                    return _OUTSIDE
            else:
                item = write(item)
                if item is _OUTSIDE:
                    return _OUTSIDE
            items.append(item)
        return dict(zip(names, items, strict=True))

    return write_object


def _only_amount(kinds: dict[str, _Kind]) -> str | None:
    checked = [name for name, kind in kinds.items() if kind.check is not None]
    if len(checked) == 1 and kinds[checked[0]].check is _check_decimal:
        return checked[0]
    return None


def _class_check(kinds: dict[str, _Kind]) -> Callable[[Any], bool] | None:
    """Guarded Struct -> whether the fields that have checks pass them (``None``: none has).

    Decimal fields, the common case, are checked inline: a call per field is the cost."""
    decimals = tuple(name for name, kind in kinds.items() if kind.check is _check_decimal)
    others = tuple(
        (name, kind.check)
        for name, kind in kinds.items()
        if kind.check is not None and kind.check is not _check_decimal
    )
    if not decimals and not others:
        return None
    unset, chars = msgspec.UNSET, _DECIMAL_CHARS

    def check(guarded: Any) -> bool:
        for name in decimals:
            value = getattr(guarded, name)
            if type(value) is str and value.strip(chars):  # else an int, or left out
                return False
        for name, check_field in others:
            value = getattr(guarded, name)
            if value is not unset and not check_field(value):
                return False
        return True

    return check


def _class_builder(cls: type, kinds: dict[str, _Kind]) -> Callable[[Any], Any]:
    """Guarded Struct -> ``cls(**fields)``, the way cattrs calls it (by alias, defaults left out)."""
    steps = tuple((field.name, field.alias, kinds[field.name].build) for field in attrs.fields(cls))
    unset = msgspec.UNSET

    def build(guarded: Any) -> Any:
        given = {}
        for name, alias, convert in steps:
            value = getattr(guarded, name)
            if value is not unset:
                given[alias] = value if convert is None else convert(value)
        return cls(**given)

    return build


def _msgspec_builds(cls: type) -> bool:
    """Whether msgspec may build ``cls`` itself, bypassing ``__init__``.

    msgspec builds attrs objects without ``__init__`` (it runs the validators and
    ``__attrs_post_init__``): a field converter, a cached hash, a pre-init hook,
    a hand-written ``__init__`` or a renamed argument would be skipped.
    """
    init_code = getattr(getattr(cls, "__init__", None), "__code__", None)
    hash_code = getattr(getattr(cls, "__hash__", None), "__code__", None)
    if (
        hasattr(cls, "__attrs_pre_init__")
        or init_code is None
        or not init_code.co_filename.startswith("<attrs generated")
        or (hash_code is not None and "_attrs_cached_hash" in hash_code.co_names)
    ):
        return False
    return all(field.converter is None and field.alias == field.name for field in attrs.fields(cls))
