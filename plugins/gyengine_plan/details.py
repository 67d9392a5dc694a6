"""Reading another evaluator's ``Score.details`` and ``Finding.parameters``.

They hold JSON values (text, int, bool, None, Decimal, lists and mappings); a
reader wants one kind. These helpers are the one place that narrows a value to
it, so no plugin casts or re-parses on its own. A missing name, ``None`` and an
empty text read as "not given" (the default, ``None`` or an empty list); a value
of another kind is a programming error and raises ``TypeError`` naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from gyengine.evaluation import JsonValue

__all__ = ["detail_decimal", "detail_int", "detail_list", "detail_text"]


def detail_text(values: Mapping[str, JsonValue], key: str, default: str = "") -> str:
    """The value as text: a text as it is, a number as its exact decimal text.

    ``default`` when the name is missing or ``None``; a list or mapping is refused
    (read it with :func:`detail_list`).
    """
    value = values.get(key)
    if value is None:
        return default
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"detail {key!r}: {type(value).__name__} is not a single value")


def detail_int(values: Mapping[str, JsonValue], key: str) -> int | None:
    """The value as an integer (``None`` when not given); its text form is accepted."""
    value = values.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError(f"detail {key!r}: {value!r} is a yes/no, not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise TypeError(f"detail {key!r}: {value!r} is not a whole number")


def detail_decimal(values: Mapping[str, JsonValue], key: str) -> Decimal | None:
    """The value as an exact Decimal (``None`` when not given); its text form is accepted."""
    value = values.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError(f"detail {key!r}: {value!r} is a yes/no, not a number")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except ArithmeticError:
            pass
        else:
            if number.is_finite():
                return number
    raise TypeError(f"detail {key!r}: {value!r} is not a number")


def detail_list(values: Mapping[str, JsonValue], key: str) -> list[str]:
    """The value, a list, as a list of texts (empty when not given)."""
    value = values.get(key)
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise TypeError(f"detail {key!r}: {value!r} is not a list")
    return [detail_text({key: part}, key) for part in value]
