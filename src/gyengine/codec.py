"""The one cattrs converter that turns payloads into JSON values and back, strictly.

Strict means a JSON Lines file gets no silent coercion: ``"5"`` is not an
``int``, ``5.7`` is not an ``int``, ``true`` is not a number, and a ``Decimal``
is written as its exact decimal string, never as a binary float.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import attrs
import cattrs
from cattrs.cols import is_any_set, is_mapping, is_sequence
from cattrs.errors import ForbiddenExtraKeysError

from .canonical import MAX_SAFE_INTEGER
from .errors import InvalidEvent
from .limits import decimal_fits, decimal_problem
from .quantity import Quantity, structure_quantity, unstructure_quantity

__all__ = ["describe_errors", "make_converter", "structure_checked"]

# ASCII digits only: Python's \d and Decimal() also take "１２３" or "١٢٣", which
# would be a silent coercion.
DECIMAL_TEXT: Final = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
"""The text of a decimal the converter reads (matched whole)."""


class _Mismatch(ValueError):
    """A JSON value of the wrong kind for a field; the message says what was wanted."""


def _show(value: Any) -> str:
    try:
        text = repr(value)
    except RecursionError:  # a TOML plan's `name.x.x.x... = 1` nests thousands deep
        return f"a {type(value).__name__} nested too deeply"
    return text if len(text) <= 40 else text[:37] + "..."


def _structure_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise _Mismatch(f"expected a string, got {_show(value)}")
    return value


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, Decimal) and value == value.to_integral_value():
            value = int(value)
        else:
            raise _Mismatch(f"expected an integer, got {_show(value)}")
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise _Mismatch(f"integer {value} is beyond +/-(2**53 - 1); write it as a decimal string")
    return int(value)


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise _Mismatch(f"expected a number, got {_show(value)}")
    result = float(value)
    if not math.isfinite(result):
        raise _Mismatch(f"expected a finite number, got {_show(value)}")
    return result


def _structure_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise _Mismatch(f"expected true or false, got {_show(value)}")
    return value


def _structure_decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, bool):
        raise _Mismatch(f"expected a decimal number, got {_show(value)}")
    # Exactly the digits: " 5 " is refused, as "5 " would be for an integer.
    if isinstance(value, str) and DECIMAL_TEXT.fullmatch(value):
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the regex admits only valid text
            pass
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, Decimal) and value.is_finite():
        return value
    raise _Mismatch(f'expected a decimal number such as "1234.56", got {_show(value)}')


def _structure_bounded_decimal(value: Any, type_: type) -> Decimal:
    number = _structure_decimal(value, type_)
    problem = decimal_problem(number, value)
    if problem is not None:
        raise _Mismatch(problem)
    return number


def _unstructure_decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} has no exact decimal form")
    return format(value, "f")


def _unstructure_bounded_decimal(value: Decimal) -> str:
    # Out of bounds, format "f" could write a gigabyte (1E+999999999); the
    # short form is enough for the structuring that follows to refuse it.
    return _unstructure_decimal(value) if decimal_fits(value) else str(value)


def _structure_date(value: Any, _: type) -> dt.date:
    # TOML has dates of its own; JSON never gives a date object.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as error:
            raise _Mismatch(f"{value!r} is not a date: {error}") from None
    raise _Mismatch(f'expected a date such as "2019-06-30", got {_show(value)}')


def _structure_datetime(value: Any, _: type) -> dt.datetime:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                raise _Mismatch(f"{value!r} needs a UTC offset, e.g. +08:00 or Z")
            return moment
    raise _Mismatch(f'expected a date-time such as "2019-06-30T09:00:00+08:00", got {_show(value)}')


def _require_json_containers(converter: cattrs.Converter) -> None:
    """Make list, tuple, set, mapping and attrs fields accept only a JSON array or object.

    cattrs' own hooks iterate whatever they get, so ``"abc"`` would become
    ``["a", "b", "c"]`` and an object's keys a list. Each hook here checks the
    container's kind, then hands over to the hook cattrs would have used.
    """
    building: set[Any] = set()

    def kind(type_: Any) -> str | None:
        if type_ in building or type_ in (str, bytes):
            return None
        if is_mapping(type_) or attrs.has(type_):
            return "object"
        if is_sequence(type_) or is_any_set(type_):
            return "list"
        return None

    def factory(type_: Any) -> Callable[[Any, type], Any]:
        # While ``type_`` is in ``building`` this factory does not match it, so
        # the dispatch finds cattrs' own hook for it.
        building.add(type_)
        try:
            inner = converter.get_structure_hook(type_, cache_result=False)
        finally:
            building.discard(type_)
        allowed: tuple[type, ...] = (Mapping,) if kind(type_) == "object" else (list, tuple)
        wanted = "an object" if allowed == (Mapping,) else "a list"

        def structure(value: Any, cl: type) -> Any:
            if not isinstance(value, allowed):
                raise _Mismatch(f"expected {wanted}, got {_show(value)}")
            return inner(value, cl)

        return structure

    converter.register_structure_hook_factory(lambda type_: kind(type_) is not None, factory)


def _structure_quantity(value: Any, type_: type) -> Quantity:
    try:
        return structure_quantity(value, type_)
    except ValueError as error:
        raise _Mismatch(str(error)) from None


def _structure_bounded_quantity(value: Any, type_: type) -> Quantity:
    quantity = _structure_quantity(value, type_)
    # The bounds apply to the amount in the base unit, the one stored and computed with.
    problem = decimal_problem(quantity.amount, value, quantity.unit)
    if problem is not None:
        raise _Mismatch(problem)
    return quantity


def make_converter(*, bounded: bool = False) -> cattrs.Converter:
    """Build the strict converter gyengine uses for every payload.

    Extra keys are refused, every scalar type is checked exactly, ``Decimal`` is
    unstructured to its plain decimal string and dates to ISO 8601 text.

    ``bounded``: also refuse decimals and quantities outside the bounds of
    :mod:`gyengine.limits`, as new events must be; stored rows are read without.
    """
    converter = cattrs.Converter(forbid_extra_keys=True)
    hooks: list[tuple[type, Callable[[Any, type], Any]]] = [
        (str, _structure_str),
        (int, _structure_int),
        (float, _structure_float),
        (bool, _structure_bool),
        (Decimal, _structure_bounded_decimal if bounded else _structure_decimal),
        (dt.date, _structure_date),
        (dt.datetime, _structure_datetime),
        (Quantity, _structure_bounded_quantity if bounded else _structure_quantity),
    ]
    for cls, hook in hooks:
        converter.register_structure_hook(cls, hook)
    _require_json_containers(converter)
    converter.register_unstructure_hook(
        Decimal, _unstructure_bounded_decimal if bounded else _unstructure_decimal
    )
    # A quantity's amount cannot hold an exponent too large to write out (building
    # one writes its digits), so its text is written in full, bounded or not.
    converter.register_unstructure_hook(Quantity, unstructure_quantity)
    converter.register_unstructure_hook(dt.date, dt.date.isoformat)
    converter.register_unstructure_hook(dt.datetime, dt.datetime.isoformat)
    return converter


# How attrs' own validators name the field (``'shape' must be in (...) (got 'x')``,
# ``'grace_days' must be >= 0: -5``), how a plugin's validator may name it
# (``loan_balance: -5 万元 is negative``), and attrs' comparison wording.
_ATTRS_MESSAGE: Final = re.compile(r"'([A-Za-z_][A-Za-z0-9_]*)' (must .*)", re.DOTALL)
_NAMED_MESSAGE: Final = re.compile(r"([a-z_][a-z0-9_]*): (.+)", re.DOTALL)
_COMPARISON: Final = re.compile(r"must be (<=|<|>=|>) (\S+): (.*)", re.DOTALL)

# Separates the field an attrs validator named from its message, between
# _format_exception and describe_errors (a NUL is in no message).
_FIELD_MARK: Final = "\0"


def _validator_message(exc: BaseException) -> str:
    """What an error raised by a class's ``__init__`` (an attrs validator or
    converter) says, as ``field<NUL>message`` when it names one of the fields.

    cattrs reports these at the class's path as ``invalid value``; the message
    the validator wrote says which field and why.
    """
    text = re.sub(r"[\r\n]+", " ", str(exc.args[0] if exc.args else exc))
    name: str | None = None
    attribute = exc.args[1] if len(exc.args) > 1 else None
    if isinstance(attribute, attrs.Attribute):
        name = attribute.name
    found = _ATTRS_MESSAGE.fullmatch(text) or _NAMED_MESSAGE.fullmatch(text)
    if found and (name is None or found[1] == name):
        name, text = found[1], found[2]
    comparison = _COMPARISON.fullmatch(text)
    if comparison:
        op, bound, value = comparison.groups()
        said = "must not be negative" if (op, bound) == (">=", "0") else f"must be {op} {bound}"
        text = f"{said}, got {value}"
    return f"{name}{_FIELD_MARK}{text}" if name else text


def _format_exception(exc: BaseException, type_: type | None) -> str:
    if isinstance(exc, _Mismatch):
        return str(exc)
    if isinstance(exc, ForbiddenExtraKeysError):
        return f"unknown field(s) {', '.join(sorted(exc.extra_fields))}"
    if isinstance(exc, KeyError):
        return "required field missing"
    if type_ is None and isinstance(exc, (ValueError, TypeError)):
        # Not tied to a field by cattrs: raised by the class's own __init__.
        return _validator_message(exc)
    return cattrs.v.format_exception(exc, type_)


def describe_errors(error: BaseException, path: str = "$") -> list[tuple[str, str]]:
    """Turn a cattrs structuring error into ``(json path, message)`` pairs.

    Uses :func:`cattrs.transform_error`; each message is one line. An attrs
    validator's error names its field (``$.data.grace_days: must not be
    negative, got -5``), which cattrs alone reports as ``$.data: invalid value``.
    """
    pairs = []
    for line in cattrs.transform_error(error, path=path, format_exception=_format_exception):
        message, _, where = line.rpartition(" @ ")
        if not message:
            message, where = line, path
        if _FIELD_MARK in message:
            name, message = message.split(_FIELD_MARK, 1)
            where = f"{where}.{name}"
        pairs.append((where, message))
    return pairs


def structure_checked(
    converter: cattrs.Converter, data: Any, cls: type, *, path: str = "$.data"
) -> Any:
    """Structure ``data`` into ``cls`` with ``converter``; what is wrong, as an :class:`InvalidEvent`.

    The error names the first bad field by its JSON path under ``path``
    (``$.data.amount: expected a decimal number...``) and says how many more there are.

    Raises:
        InvalidEvent: for anything the converter or the class's own ``__init__`` refuses.
    """
    try:
        return converter.structure(data, cls)
    except Exception as error:  # cattrs raises exception groups, validators anything
        problems = describe_errors(error, path=path)
        where, message = problems[0] if problems else (path, str(error))
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InvalidEvent(message + more, field=where) from None
