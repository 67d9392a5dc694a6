"""Exact quantities with units: parsing every unit, conversions, errors, no float anywhere."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gyengine import Quantity
from gyengine.quantity import UNITS, _exact, _product
from strategies import Exact, any_decimals

# (text, amount in the base unit written out by hand, base unit)
PARSED = [
    ("1 元", Decimal(1), "元"),
    ("3000 万元", Decimal(3000 * 10_000), "元"),  # 3000 × 1e4 = 30 000 000 元
    ("169.34 亿元", Decimal(16_934_000_000), "元"),  # 169.34 × 1e8 = 16 934 000 000 元
    ("8.5 %", Decimal("8.5"), "%"),
    ("3 个百分点", Decimal(3), "pp"),
    ("-0.5 pp", Decimal("-0.5"), "pp"),
    ("21 个", Decimal(21), "个"),
    ("15 家", Decimal(15), "家"),
    ("67 项", Decimal(67), "项"),
    ("1 座", Decimal(1), "座"),
    ("2 条", Decimal(2), "条"),
    ("20 人", Decimal(20), "人"),
    ("12.5 m²", Decimal("12.5"), "m²"),
    ("100000 平方米", Decimal(100_000), "m²"),
    ("0.3 万m²", Decimal(3000), "m²"),  # 0.3 × 1e4 = 3000 m²
    ("10 万平方米", Decimal(100_000), "m²"),  # 10 × 1e4 = 100 000 m²
    ("600 亩", Decimal(600), "亩"),  # land stays in 亩: 1 亩 is not a whole number of m²
]


@pytest.mark.parametrize(("text", "amount", "unit"), PARSED, ids=[t for t, _, _ in PARSED])
def test_parse_every_unit(text: str, amount: Decimal, unit: str) -> None:
    """Each unit parses to its base unit with the exact amount, as a Decimal."""
    quantity = Quantity.parse(text)
    assert quantity == Quantity(amount, unit)
    assert type(quantity.amount) is Decimal
    assert quantity.amount == amount
    assert quantity.unit == unit


def test_every_unit_is_tested() -> None:
    """The table above covers every unit gyengine knows, so a new unit needs a test."""
    tested = {text.split(" ", 1)[1] for text, _, _ in PARSED}
    assert tested == set(UNITS)


def test_base_units_are_the_units_table() -> None:
    """Each unit's base unit is itself a unit with factor 1 (亿元 -> 元, 万m² -> m²)."""
    for unit, (base, factor) in UNITS.items():
        assert UNITS[base] == (base, Decimal(1)), unit
        assert type(factor) is Decimal
        assert factor > 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("169.34 亿元", "16934000000"),
        ("7.50 亿元", "750000000"),  # trailing zero of the input dropped, no exponent
        ("0.0001 亿元", "10000"),
        ("1.5 万元", "15000"),
        ("0.30 %", "0.3"),
        ("0.3 万m²", "3000"),
    ],
    ids=["169.34亿", "7.50亿", "0.0001亿", "1.5万", "0.30%", "0.3万m2"],
)
def test_amounts_are_written_without_exponent(text: str, expected: str) -> None:
    """The base amount is written plainly: 7.50 亿元 is 750000000, not 7.50E+8."""
    quantity = Quantity.parse(text)
    assert str(quantity.amount) == expected
    assert str(quantity) == f"{expected} {quantity.unit}"


def test_no_binary_float_survives_parsing() -> None:
    """0.1 + 0.2 亿元 is exactly 0.3 亿元, which a float would miss."""
    total = Quantity.parse("0.1 亿元").amount + Quantity.parse("0.2 亿元").amount
    assert total == Quantity.parse("0.3 亿元").amount == Decimal(30_000_000)
    assert 0.1 + 0.2 != 0.3  # the reason: in binary floating point this fails


def test_long_figures_are_kept_exactly() -> None:
    """A figure longer than Decimal's default 28 digits is neither rounded nor refused."""
    # 29 significant digits × 1e8: the default context (28 digits) would round the last 9 away.
    quantity = Quantity.parse("1234567890123456789012345678.9 亿元")
    assert str(quantity.amount) == "123456789012345678901234567890000000"
    assert quantity.in_unit("亿元") == Decimal("1234567890123456789012345678.9")


@pytest.mark.parametrize(
    "text",
    ["75亿元", " 75 亿元 ", "75\t亿元", "+75 亿元"],
    ids=["no-space", "padded", "tab", "plus"],
)
def test_parse_spacing_and_sign(text: str) -> None:
    """The space between number and unit is optional and surrounding blanks are ignored."""
    assert Quantity.parse(text) == Quantity(Decimal(7_500_000_000), "元")


@pytest.mark.parametrize(
    "text",
    ["75", "75 kg", "75 亿", "75 yuan", "75 亿元元"],
    ids=["no-unit", "kg", "bare-yi", "yuan", "doubled"],
)
def test_unknown_units_are_refused(text: str) -> None:
    """A number without a known unit is an error that names the text and lists the units."""
    with pytest.raises(ValueError, match="is not a quantity with a unit") as info:
        Quantity.parse(text)
    assert repr(text) in str(info.value)
    assert "亿元" in str(info.value)
    assert "亩" in str(info.value)


@pytest.mark.parametrize(
    "text",
    ["", "亿元", "七十五 亿元", "7,500 万元", "1e3 元", "1.2.3 %", "nan %", "inf 元", "75 . 亿元"],
    ids=[
        "empty",
        "unit-only",
        "chinese-number",
        "comma",
        "exponent",
        "two-dots",
        "nan",
        "inf",
        "dot",
    ],
)
def test_bad_numbers_are_refused(text: str) -> None:
    """Only plain decimal numbers are quantities: no exponent, no separators, no NaN."""
    with pytest.raises(ValueError, match="is not a quantity"):
        Quantity.parse(text)


@pytest.mark.parametrize(
    "value", [75, 7.5, None, "75 亿元".encode()], ids=["int", "float", "none", "bytes"]
)
def test_non_text_is_refused(value: object) -> None:
    """Quantity.parse takes text only; a float in particular is never accepted."""
    with pytest.raises(ValueError, match="is not a quantity"):
        Quantity.parse(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("3000 万元", "亿元", Decimal("0.3")),
        ("3000 万元", "万元", Decimal(3000)),
        ("3000 万元", "元", Decimal(30_000_000)),
        ("169.34 亿元", "万元", Decimal(1_693_400)),
        ("1 元", "亿元", Decimal("0.00000001")),
        ("3000 m²", "万m²", Decimal("0.3")),
        ("3000 m²", "万平方米", Decimal("0.3")),
        ("3 个百分点", "pp", Decimal(3)),
    ],
    ids=["万->亿", "万->万", "万->元", "亿->万", "元->亿", "m2->万m2", "m2->万平方米", "pp"],
)
def test_in_unit(text: str, unit: str, expected: Decimal) -> None:
    """in_unit divides exactly by the unit's factor."""
    assert Quantity.parse(text).in_unit(unit) == expected


@pytest.mark.parametrize(
    "text",
    ["169.34 亿元", "0.01 万元", "3000 万元", "0.3 万m²", "8.5 %", "600 亩", "-3 个百分点"],
)
def test_in_unit_round_trips(text: str) -> None:
    """Expressing a quantity in the unit it was written in and parsing that again gives it back."""
    number, unit = text.split(" ")
    quantity = Quantity.parse(text)
    assert quantity.in_unit(unit) == Decimal(number)
    assert Quantity.parse(f"{quantity.in_unit(unit)} {unit}") == quantity
    assert Quantity.parse(str(quantity)) == quantity


def test_equal_amounts_in_different_units_are_equal() -> None:
    """1 亿元 and 10000 万元 are the same quantity."""
    assert Quantity.parse("1 亿元") == Quantity.parse("10000 万元")
    assert Quantity.parse("10 万m²") == Quantity.parse("100000 平方米")
    assert Quantity.parse("1 亿元") != Quantity.parse("1 万元")


def test_money_and_land_cannot_be_mixed() -> None:
    """亿元 cannot be expressed in 亩, nor 亩 in m², nor compared with each other."""
    money, land = Quantity.parse("1 亿元"), Quantity.parse("600 亩")
    with pytest.raises(ValueError, match="cannot express 100000000 元 in 亩"):
        money.in_unit("亩")
    with pytest.raises(ValueError, match="cannot express 600 亩 in 万m²"):
        land.in_unit("万m²")
    with pytest.raises(ValueError, match="cannot express"):
        Quantity.parse("8.5 %").in_unit("个百分点")
    assert money != land
    # 100000000 > 600 as numbers: an ordering that looked at amounts alone would say so.
    with pytest.raises(TypeError, match="cannot compare 100000000 元 with 600 亩"):
        _ = money > land
    with pytest.raises(TypeError, match="cannot compare"):
        _ = land <= money


def test_quantities_of_one_unit_order_by_amount() -> None:
    """Within a unit, quantities order by amount, whatever unit they were written in."""
    values = [Quantity.parse(t) for t in ["2 亿元", "3000 万元", "0.5 亿元", "50000000 元"]]
    assert sorted(values) == [
        Quantity(Decimal(30_000_000), "元"),
        Quantity(Decimal(50_000_000), "元"),
        Quantity(Decimal(50_000_000), "元"),
        Quantity(Decimal(200_000_000), "元"),
    ]
    assert Quantity.parse("1 亿元") >= Quantity.parse("10000 万元")
    assert Quantity.parse("1 亿元") > Quantity.parse("9999 万元")


def test_in_unit_of_an_unknown_unit() -> None:
    """Asking for an unknown unit is a ValueError naming it, not a KeyError."""
    with pytest.raises(ValueError, match="unknown unit 'kg'"):
        Quantity.parse("1 元").in_unit("kg")


def test_a_quantity_built_directly_has_one_form() -> None:
    """Quantity(Decimal("1.50"), "元") is the same value, text and JSON as Quantity.parse("1.5 元")."""
    built = Quantity(Decimal("1.50"), "元")
    parsed = Quantity.parse("1.5 元")
    assert built == parsed
    assert str(built) == str(parsed) == "1.5 元"
    assert Quantity(Decimal("7.50E+9"), "元").amount == Decimal(7500000000)


def _product_outcome(make: Any, value: Decimal, factor: Decimal) -> Any:
    try:
        made = make(value, factor)
    except Exception as error:
        return ("error", type(error), str(error))
    return ("value", type(made), made.as_tuple(), made is value)


_FACTORS = sorted({factor for _, factor in UNITS.values()}) + [
    1 / factor for _, factor in UNITS.values()
]


@settings(max_examples=300)
@example(value=Decimal(5), factor=Decimal(-1))
@example(value=Decimal("1.50"), factor=Decimal(1))
@example(value=Decimal("1E+3"), factor=Decimal(1))
@example(value=Decimal("-0"), factor=Decimal("1.0"))
@example(value=Decimal("0E-3"), factor=Decimal(1))
@example(value=Exact("12.5"), factor=Decimal(1))
@given(
    value=st.sampled_from([Decimal(text) for text in ("5", "12.34", "-0", "1.50", "1E+3")])
    | any_decimals
    | any_decimals.filter(lambda value: value.is_finite()).map(Exact),
    factor=st.one_of(
        st.sampled_from([Decimal(1), Decimal("1.0"), Decimal("1E+0"), Decimal("-1")]),
        st.sampled_from(_FACTORS),
        any_decimals,
    ),
)
def test_a_normal_amount_times_one_is_itself_as_the_rule_gives(
    value: Decimal, factor: Decimal
) -> None:
    """The shortcut for an amount already normal times one gives what the rule gives (the
    same digits and exponent, the same type, a new object) and refuses what it refuses,
    for Decimals of every exponent, finite or not, a Decimal subclass, and every unit's
    factor."""
    assert _product_outcome(_exact, value, factor) == _product_outcome(_product, value, factor)
