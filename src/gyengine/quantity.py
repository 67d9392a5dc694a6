"""Exact quantities with units: ``"75 亿元"`` is 7,500,000,000 元, never a float.

A plan writes figures as the office does (``75 亿元``, ``3000 万元``, ``8.5 %``,
``10 万m²``, ``600 亩``); gyengine converts each to its base unit exactly with
``Decimal`` and remembers the base unit, so that amounts in different units are
never compared by mistake.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal, Inexact, InvalidOperation, localcontext
from typing import Any, Final

import attrs

__all__ = ["UNITS", "Quantity"]

UNITS: Final[dict[str, tuple[str, Decimal]]] = {
    # money
    "元": ("元", Decimal(1)),
    "万元": ("元", Decimal(10) ** 4),
    "亿元": ("元", Decimal(10) ** 8),
    # rates and shares
    "%": ("%", Decimal(1)),
    "个百分点": ("pp", Decimal(1)),
    "pp": ("pp", Decimal(1)),
    # counts
    "个": ("个", Decimal(1)),
    "家": ("家", Decimal(1)),
    "项": ("项", Decimal(1)),
    "座": ("座", Decimal(1)),
    "条": ("条", Decimal(1)),
    "人": ("人", Decimal(1)),
    # area
    "m²": ("m²", Decimal(1)),
    "平方米": ("m²", Decimal(1)),
    "万m²": ("m²", Decimal(10) ** 4),
    "万平方米": ("m²", Decimal(10) ** 4),
    # land is counted in 亩 as the plan does; 1 亩 is only about 666.7 m², so no conversion
    "亩": ("亩", Decimal(1)),
}
"""Unit -> (base unit, factor). The base unit of 亿元 and 万元 is 元."""

_QUANTITY: Final = re.compile(r"\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(\S+?)\s*", re.ASCII)


def _normal(value: Decimal | int) -> Decimal:
    """One form per amount: Quantity(Decimal("1.50"), "元") equals and writes as 1.5 元."""
    return _exact(Decimal(value), Decimal(1))


@functools.total_ordering
@attrs.frozen(order=False)
class Quantity:
    """An exact amount in a base unit.

    Example:
        >>> Quantity.parse("75 亿元")
        Quantity(amount=Decimal('7500000000'), unit='元')
        >>> Quantity.parse("3000 万元").in_unit("亿元")
        Decimal('0.3')
    """

    amount: Decimal = attrs.field(converter=_normal)
    unit: str

    @classmethod
    def parse(cls, text: str) -> Quantity:
        """Parse ``"<number> <unit>"`` (the space is optional) into base units.

        Raises:
            ValueError: naming the text and the units known.
        """
        match = _QUANTITY.fullmatch(text) if isinstance(text, str) else None
        if match is None or match[2] not in UNITS:
            known = " ".join(UNITS)
            raise ValueError(f"{text!r} is not a quantity with a unit (units: {known})")
        try:
            number = Decimal(match[1])
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            raise ValueError(f"{text!r} is not a number") from None
        base, factor = UNITS[match[2]]
        return cls(_exact(number, factor), base)

    @staticmethod
    def base_of(unit: str) -> str:
        """The base unit a unit converts to (亿元 -> 元, 万m² -> m²); an unknown unit is its own."""
        return UNITS[unit][0] if unit in UNITS else unit

    @staticmethod
    def units_like(unit: str) -> tuple[str, ...]:
        """The units an amount in ``unit`` can be written in: ``unit`` first, then the others of
        its base unit from the largest (亿元 -> 亿元, 万元, 元); an unknown unit only itself."""
        return _units_like(unit)

    @staticmethod
    def is_unit(unit: str) -> bool:
        """Whether gyengine knows ``unit`` (亿元 yes, 亿 no)."""
        return unit in UNITS

    def in_unit(self, unit: str) -> Decimal:
        """The amount expressed in ``unit`` (which must share this quantity's base unit).

        Raises:
            ValueError: the unit is unknown, or measures something else (亿元 in 亩).
        """
        if unit not in UNITS:
            raise ValueError(f"unknown unit {unit!r} (units: {' '.join(UNITS)})")
        base, factor = UNITS[unit]
        if base != self.unit:
            raise ValueError(f"cannot express {self} in {unit}")
        return _exact(self.amount, 1 / factor)

    def __lt__(self, other: object) -> bool:
        # Ordering compares amounts, so it must refuse amounts of different units:
        # the derived tuple order would have ranked 1 亿元 against 600 亩 by number.
        if not isinstance(other, Quantity):
            return NotImplemented
        if other.unit != self.unit:
            raise TypeError(f"cannot compare {self} with {other}")
        return self.amount < other.amount

    def __str__(self) -> str:
        return f"{format(self.amount, 'f')} {self.unit}"


@functools.cache
def _units_like(unit: str) -> tuple[str, ...]:
    # Cached: append checks ask once per reported figure.
    if unit not in UNITS:
        return (unit,)
    base = UNITS[unit][0]
    others = [u for u in UNITS if UNITS[u][0] == base and u != unit]
    others.sort(key=lambda u: UNITS[u][1], reverse=True)
    return (unit, *others)


def _exact(value: Decimal, factor: Decimal) -> Decimal:
    """``value × factor`` without rounding, trailing zeros dropped: 7.50E+9 -> 7500000000, 0.30 -> 0.3.

    A Decimal already in that form (an integer with exponent 0, or a fraction
    whose last digit is not 0) times one is itself: so are most calls, since
    every quantity's converter normalises an amount made normal already. Any
    other goes through :func:`_product`, the rule. Either way the result is a
    new object, as the rule's is: records pickled into a results memo share
    no object they did not share before, so the memo's bytes stay the same.
    """
    if type(value) is Decimal and factor.is_finite() and factor == 1:
        _, digits, exponent = value.as_tuple()
        if exponent == 0 or (isinstance(exponent, int) and exponent < 0 and digits[-1] != 0):
            return value.copy_sign(value)  # the same digits, exponent and sign, anew
    return _product(value, factor)


def _product(value: Decimal, factor: Decimal) -> Decimal:
    """``value × factor`` without rounding, trailing zeros dropped (see :func:`_exact`).

    Precision grows with the digits, so no figure is ever rounded (the default
    context keeps 28 digits and would round a longer one silently).
    """
    with localcontext() as context:
        digits = len(value.as_tuple().digits) + len(factor.as_tuple().digits)
        context.prec = max(context.prec, digits + max(0, int(value.as_tuple().exponent)) + 10)
        context.traps[Inexact] = True
        normal = (value * factor).normalize()
        if normal == normal.to_integral_value():
            return normal.quantize(Decimal(1))
        return normal


def structure_quantity(value: Any, _: type) -> Quantity:
    """cattrs hook: a quantity is written as text with its unit."""
    if not isinstance(value, str):
        raise ValueError(f'expected a quantity with its unit such as "75 亿元", got {value!r}')
    return Quantity.parse(value)


def unstructure_quantity(value: Quantity) -> str:
    """cattrs hook: the base-unit text, e.g. ``"7500000000 元"``."""
    return str(value)
