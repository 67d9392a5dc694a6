"""The bounds a new event must keep: its figures, its size, its record time.

They are checked at the door, when a new event is encoded or appended, never
when a stored row is read: the log is immutable, so a row written before a
bound existed must stay readable (and a retraction of it must still count).
``docs/events.md`` ("Limits") says what each bound is for.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Final

from .timeutil import format_timestamp

__all__ = [
    "DECIMAL_BOUNDS",
    "MAX_CLOCK_SKEW",
    "MAX_DATA_BYTES",
    "MAX_DECIMAL_DIGITS",
    "MAX_DECIMAL_PLACES",
    "MAX_MAGNITUDE_EXPONENT",
    "data_size_problem",
    "decimal_fits",
    "decimal_problem",
    "future_recorded",
    "latest_recorded",
]

MAX_DECIMAL_DIGITS: Final = 28
"""A decimal has at most this many significant digits (trailing zeros written count)."""

MAX_MAGNITUDE_EXPONENT: Final = 18
"""A decimal's magnitude is below ``10 ** MAX_MAGNITUDE_EXPONENT``."""

MAX_DECIMAL_PLACES: Final = 18
"""A decimal has no digit beyond this decimal place."""

DECIMAL_BOUNDS: Final = (
    f"at most {MAX_DECIMAL_DIGITS} significant digits, magnitude below "
    f"10^{MAX_MAGNITUDE_EXPONENT}, at most {MAX_DECIMAL_PLACES} decimal places"
)
"""The decimal bounds in words, as error messages give them."""

MAX_DATA_BYTES: Final = 256 * 1024
"""The largest payload of a new event: this many bytes of canonical JSON (UTF-8)."""

MAX_CLOCK_SKEW: Final = dt.timedelta(minutes=5)
"""How far past the store's clock a kept ``recorded`` time may be."""


def decimal_fits(value: Decimal) -> bool:
    """Whether a decimal is finite and within the bounds (the one rule; see :data:`DECIMAL_BOUNDS`).

    Example:
        >>> decimal_fits(Decimal("999999999999999999.9999999999"))
        True
        >>> decimal_fits(Decimal("1e18")), decimal_fits(Decimal("1e-19"))
        (False, False)
    """
    if not value.is_finite():
        return False
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # a finite decimal's exponent is an int
    return (
        len(digits) <= MAX_DECIMAL_DIGITS
        and exponent >= -MAX_DECIMAL_PLACES
        and (not value or value.adjusted() < MAX_MAGNITUDE_EXPONENT)
    )


def _shown(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:30]}... ({len(text)} characters)"


def decimal_problem(value: Decimal, written: object = None, unit: str = "") -> str | None:
    """What is wrong with a decimal by :func:`decimal_fits`, or ``None``.

    ``written`` is the text it was given as, shown in the message (shortened);
    ``unit`` the base unit of a quantity's amount, which the bounds apply to.

    Example:
        >>> decimal_problem(Decimal("1e1000000"), "1e1000000")
        '1e1000000 is out of range (at most 28 significant digits, magnitude below 10^18, at most 18 decimal places)'
    """
    if decimal_fits(value):
        return None
    text = written if isinstance(written, str) else str(value)
    bounds = f"in {unit}: {DECIMAL_BOUNDS}" if unit else DECIMAL_BOUNDS
    return f"{_shown(text)} is out of range ({bounds})"


def data_size_problem(text: str) -> str | None:
    """What is wrong with a payload's canonical JSON text by its size, or ``None``."""
    if len(text) * 4 <= MAX_DATA_BYTES:  # UTF-8 takes at most 4 bytes a character
        return None
    size = len(text.encode("utf-8", "surrogatepass"))
    if size <= MAX_DATA_BYTES:
        return None
    return (
        f"is {size:,} bytes of canonical JSON, over the limit of {MAX_DATA_BYTES:,} bytes "
        f"({MAX_DATA_BYTES // 1024} KiB): keep documents outside the log and record a reference"
    )


def latest_recorded(clock: str) -> str:
    """The latest ``recorded`` time an import may keep, given the store clock's reading."""
    moment = dt.datetime.fromisoformat(clock)
    return format_timestamp(moment + MAX_CLOCK_SKEW)


def future_recorded(recorded: str, latest: str) -> str:
    """The message for a kept ``recorded`` time later than ``latest`` (see :func:`latest_recorded`)."""
    minutes = int(MAX_CLOCK_SKEW.total_seconds() // 60)
    return (
        f"{recorded} is in the future: a kept recorded time must be no later than {latest} "
        f"(the store's clock plus {minutes} minutes)"
    )
