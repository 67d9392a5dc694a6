"""Per payload class, how its payload is written as canonical JSON and read back.

One classifier, :func:`codec_for`, looks at a payload class once, field by
field, and gives it one :class:`PayloadCodec`:

* a :class:`ReferenceCodec`, the strict cattrs converter of :mod:`gyengine.codec`
  (unstructure, canonical JSON, structure again as a reader would), for any
  class: it is the reference every other path must equal;
* a :class:`MsgspecCodec`, for classes made only of kinds whose exact rules are
  known here (strings, booleans, integers, decimals, dates, quantities, string
  literals, ``X | None``, ``tuple[X, ...]``, ``list[X]`` and attrs classes of
  those). It reads a stored payload with msgspec: a *guard* Struct, built once
  per class, refuses in C every value the converter would refuse (an integer
  beyond 2**53, a decimal written as a binary float, an unknown key...), then
  msgspec builds the object in C, or, when the class needs its ``__init__``
  run (field converters, quantities), a closure built once per class calls it
  with the guarded values, as cattrs does. It writes a payload by a closure
  built once per class that turns each field of exactly its annotated type into
  its JSON value, as the converter's hooks would.

Nothing is tried and caught: which path reads and writes a class is decided here
once. When the msgspec path refuses a stored payload, the reference reads the
same text to name what is wrong, so the messages (``$.data.value: expected a
decimal number...``) are the converter's on either path; the reference
accepting what msgspec refused is reported as an error of gyengine. A payload
object holding something other than its fields' exact types (a list for a
tuple, a ``str`` subclass) is written by the reference, chosen by a type test.
``tests/test_codec.py`` checks, for every standard payload class, that both
paths give the same bytes, the same objects and the same messages.
"""

from __future__ import annotations

import datetime as dt
import json
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
        raise InvalidEvent(
            "holds a lone surrogate, which has no UTF-8 form", field="$.data"
        ) from None
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
            raise InvalidEvent("holds a lone surrogate, which has no UTF-8 form", field="$.data")
        return self.structure_stored(data)

    def structure_stored(self, data: Any) -> Any:
        """A stored payload's JSON value (upcast, if it was older) as an object of ``cls``."""
        return structure_checked(self.converter, data, self.cls)


class MsgspecCodec:
    """msgspec reads, a per-class writer writes; the reference names what is wrong."""

    path = "msgspec"

    def __init__(
        self,
        reference: ReferenceCodec,
        write: Writer,
        guard: Any,
        build: Callable[[Any], Any] | None,
    ) -> None:
        """``guard``: the msgspec type that refuses what the converter refuses;
        ``build``: the closure that makes the object from the guarded value, or
        ``None`` when msgspec builds it itself."""
        self.cls = reference.cls
        self.reference = reference
        self._write = write
        check = msgspec.json.Decoder(guard).decode
        refuse = self._refuse
        decode: Callable[[str | bytes], Any]
        if build is None:
            make: Callable[[str | bytes], Any] = msgspec.json.Decoder(self.cls).decode

            def decode(text: str | bytes) -> Any:
                try:
                    check(text)
                    return make(text)
                except (
                    Exception
                ) as error:  # msgspec's refusal or a validator's: the reference names it
                    refuse(text, error)

        else:
            made = build

            def decode(text: str | bytes) -> Any:
                try:
                    return made(check(text))
                except Exception as error:  # as above
                    refuse(text, error)

        self.decode = decode

    def encode(self, payload: Any, *, structured: bool = False) -> str:
        """The writer's JSON text; a payload it does not vouch for is the reference's to write."""
        value = self._write(payload)
        if value is _OUTSIDE:
            return self.reference.encode(payload, structured=structured)
        return payload_json(value, plain=True)

    def _refuse(self, text: str | bytes, error: Exception) -> NoReturn:
        """Raise the reference's error for a payload msgspec refused."""
        self.reference.decode(text)
        raise GyengineError(
            f"{self.cls.__qualname__}: msgspec refused a stored payload the converter reads"
            f" ({type(error).__name__}: {error}); this is a bug in gyengine's payload codec"
        ) from error


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
    return MsgspecCodec(reference, kind.write, kind.guard, None if kind.native else kind.build)


# -- the classifier: one entry per kind of field ---------------------------------------------


@attrs.frozen
class _Kind:
    """What the classifier found about one annotated type."""

    plain: bool
    """Its values unstructure to strings, integers, booleans, nulls, lists and objects only."""
    write: Writer | None = None
    """Its exact writer; ``None``: no exact rules here, the class takes the reference path."""
    guard: Any = None
    """The msgspec type refusing every stored value the converter refuses."""
    build: Callable[[Any], Any] | None = None
    """Guarded value -> field value (``None``: the guarded value is the field value)."""
    native: bool = True
    """msgspec builds the value itself exactly as the converter does."""


_INEXACT: Final = _Kind(plain=False)
_PLAIN_INEXACT: Final = _Kind(plain=True)

_DECIMAL_TEXT: Final = r"(?a)\A[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z"
"""The decimal text the converter reads (``gyengine.codec``), whole."""
_DATE_TEXT: Final = r"(?a)\A\d{4}-\d{2}-\d{2}\Z"
_SAFE_INT: Final = Annotated[int, msgspec.Meta(ge=-MAX_SAFE_INTEGER, le=MAX_SAFE_INTEGER)]
_BASE_UNITS: Final = frozenset(base for base, _ in UNITS.values())


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
    str: _Kind(plain=True, write=_write_str, guard=str),
    bool: _Kind(plain=True, write=_write_bool, guard=bool),
    int: _Kind(plain=True, write=_write_int, guard=_SAFE_INT),
    Decimal: _Kind(
        plain=True,
        write=_write_decimal,
        guard=int | Annotated[str, msgspec.Meta(pattern=_DECIMAL_TEXT)],
        build=Decimal,
    ),
    dt.date: _Kind(
        plain=True,
        write=_write_date,
        guard=Annotated[str, msgspec.Meta(pattern=_DATE_TEXT)],
        build=dt.date.fromisoformat,
    ),
    type(None): _Kind(plain=True, write=_write_none, guard=type(None)),
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
    write, build = inner.write, inner.build
    if write is None:
        return _Kind(plain=plain)

    def write_optional(value: Any) -> Any:
        return None if value is None else write(value)

    return _Kind(
        plain=plain,
        write=write_optional,
        guard=inner.guard | None,
        build=None if build is None else (lambda value: None if value is None else build(value)),
        native=inner.native,
    )


def _sequence_kind(origin: type, inner: _Kind) -> _Kind:
    write, build = inner.write, inner.build
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
        guard=tuple[inner.guard, ...] if origin is tuple else list[inner.guard],  # type: ignore[name-defined]
        build=convert,
        native=inner.native,
    )


def _literal_kind(args: tuple[Any, ...]) -> _Kind:
    plain = all(type(arg) in (str, int, bool) for arg in args)
    if not all(type(arg) is str for arg in args):
        return _Kind(plain=plain)
    allowed = frozenset(args)

    def write_literal(value: Any) -> Any:
        return value if type(value) is str and value in allowed else _OUTSIDE

    return _Kind(plain=True, write=write_literal, guard=typing.Literal[args])


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
    guard = msgspec.defstruct(
        f"{cls.__name__}Guard",
        [(field.name, kinds[field.name].guard, msgspec.UNSET) for field in fields],
        forbid_unknown_fields=True,
    )
    return _Kind(
        plain=plain,
        write=_class_writer(cls, {name: kind.write for name, kind in kinds.items()}),
        guard=guard,
        build=_class_builder(cls, kinds),
        native=_msgspec_builds(cls) and all(kind.native for kind in kinds.values()),
    )


def _class_writer(cls: type, writers: dict[str, Writer | None]) -> Writer:
    pairs = tuple((name, write) for name, write in writers.items() if write is not None)

    def write_object(value: Any) -> Any:
        if type(value) is not cls:
            return _OUTSIDE
        result = {}
        for name, write in pairs:
            item = write(getattr(value, name))
            if item is _OUTSIDE:
                return _OUTSIDE
            result[name] = item
        return result

    return write_object


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
