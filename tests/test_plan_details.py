"""gyengine_plan.details: the one place a plugin narrows another's JSON details."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gyengine import Score
from gyengine_plan.details import detail_decimal, detail_int, detail_list, detail_text

DETAILS = Score(
    subject="P01",
    metric="investment",
    period="2019-W27",
    details={
        "name": "项目一",
        "days_late": 3,
        "completion_pct": Decimal("42.50"),
        "rank": "",
        "late": True,
        "projects": ["P01", "P02"],
        "ranks": [1, 2],
        "legacy_rank": "7",
        "nothing": None,
        "nested": {"a": 1},
    },
).details


def test_text_reads_text_and_numbers_exactly() -> None:
    """Text as it is; an int and a Decimal as their exact text (the scale kept: 42.50)."""
    assert detail_text(DETAILS, "name") == "项目一"
    assert detail_text(DETAILS, "days_late") == "3"
    assert detail_text(DETAILS, "completion_pct") == "42.50"
    assert detail_text(DETAILS, "late") == "yes"
    assert detail_text(DETAILS, "missing") == ""
    assert detail_text(DETAILS, "nothing", "-") == "-"


def test_numbers_are_numbers_and_empty_is_none() -> None:
    assert detail_int(DETAILS, "days_late") == 3
    assert detail_int(DETAILS, "legacy_rank") == 7  # a number written as text still reads
    assert detail_int(DETAILS, "rank") is None  # not ranked
    assert detail_int(DETAILS, "missing") is None
    assert detail_decimal(DETAILS, "completion_pct") == Decimal("42.50")
    assert detail_decimal(DETAILS, "days_late") == Decimal(3)
    assert detail_decimal(DETAILS, "rank") is None


def test_lists_are_lists_of_texts() -> None:
    assert detail_list(DETAILS, "projects") == ["P01", "P02"]
    assert detail_list(DETAILS, "ranks") == ["1", "2"]
    assert detail_list(DETAILS, "missing") == []


@pytest.mark.parametrize(
    ("read", "key", "message"),
    [
        (detail_text, "projects", "detail 'projects': list is not a single value"),
        (detail_text, "nested", "detail 'nested': dict is not a single value"),
        (
            detail_int,
            "completion_pct",
            "detail 'completion_pct': Decimal('42.50') is not a whole number",
        ),
        (detail_int, "name", "detail 'name': '项目一' is not a whole number"),
        (detail_int, "late", "detail 'late': True is a yes/no, not a number"),
        (detail_decimal, "name", "detail 'name': '项目一' is not a number"),
        (detail_list, "name", "detail 'name': '项目一' is not a list"),
    ],
)
def test_a_value_of_another_kind_is_refused_naming_the_key(
    read: object, key: str, message: str
) -> None:
    """A reader that meets another kind than it wants is a programming error, not a silent 0."""
    assert callable(read)
    with pytest.raises(TypeError) as raised:
        read(DETAILS, key)
    assert str(raised.value) == message
