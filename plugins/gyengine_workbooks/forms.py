"""A workbook form as data: its columns, which cells are input cells and how they are checked.

The same :class:`Form` writes the workbook (:mod:`.writer`) and reads it back
(:mod:`.reader`), so what a clerk may type and what an import accepts cannot
drift apart.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import attrs

__all__ = [
    "FORMAT",
    "HEADER_ROW",
    "META_SHEET",
    "Column",
    "Form",
    "Input",
    "Row",
    "parse_input",
]

FORMAT: Final = "1"
"""The version of the workbook layout, written in the hidden sheet."""
META_SHEET: Final = "模板信息"
"""The hidden sheet naming the template's kind, unit, period and plan revision."""
INSTRUCTIONS_SHEET: Final = "说明"
HEADER_ROW: Final = 6
"""The row of column headers; the rows above hold the title and the form's particulars."""
FIRST_ROW: Final = HEADER_ROW + 1


@attrs.frozen
class Input:
    """What may be typed into an input column.

    ``kind`` is ``number`` (a decimal, at least ``minimum`` unless it is None),
    ``choice`` (one of ``choices``, offered as a dropdown) or ``text``.
    """

    kind: str = "number"
    unit: str = ""
    minimum: Decimal | None = Decimal(0)
    choices: tuple[str, ...] = ()


@attrs.frozen
class Column:
    """A column of the form: its header, the row value it shows, and whether one types into it.

    ``formula`` (with ``{row}`` for the row number) makes a computed column.
    """

    key: str
    label: str
    width: int = 14
    input: Input | None = None
    formula: str = ""


@attrs.frozen
class Row:
    """A row of the form: its subject (shown in the first column) and its pre-filled values."""

    subject: str
    values: dict[str, Any]
    inputs: dict[str, Input] = attrs.Factory(dict)
    """Column key -> this row's own rule for an input column (a unit, a bound)."""

    def input_of(self, column: Column) -> Input | None:
        """What may be typed into this row's cell of ``column`` (None: a locked cell)."""
        if column.input is None:
            return None
        return self.inputs.get(column.key, column.input)


@attrs.frozen
class Form:
    """A workbook to make: one data sheet of rows, the instructions and the hidden particulars."""

    kind: str
    sheet: str
    title: str
    lines: tuple[str, ...]
    """Up to four lines under the title (unit, period, due date...)."""
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    unit: str
    period: str
    plan_seq: int
    plan_hash: str
    instructions: tuple[str, ...]
    row_label: str = ""
    """For a form with a row per field: the column whose value names the field in errors."""

    def column_letter(self, key: str) -> str:
        """The spreadsheet letter of the column ``key`` (A, B, ...)."""
        for index, column in enumerate(self.columns):
            if column.key == key:
                return _letter(index + 1)
        raise KeyError(key)


def _letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def describe(spec: Input) -> str:
    """What a cell must hold, for error messages: ``a number in 万元``."""
    if spec.kind == "choice":
        return f"one of {'、'.join(spec.choices)}"
    if spec.kind == "text":
        return "text"
    return f"a number in {spec.unit}" if spec.unit else "a number"


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def is_blank(value: Any) -> bool:
    """An empty cell: nothing, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def parse_input(spec: Input, value: Any) -> tuple[Any, str | None]:
    """A typed cell's value as the form means it, or the problem with it.

    Returns ``(value, None)`` (``None`` for a blank cell) or ``(None, problem)``
    where ``problem`` reads after the column's label: ``must be a number in 万元, not 'abc'``.
    """
    if is_blank(value):
        return None, None
    if spec.kind == "text":
        text = str(value).strip()
        return text, None
    if spec.kind == "choice":
        text = str(value).strip()
        if text in spec.choices:
            return text, None
        return None, f"must be {describe(spec)}, not {text!r}"
    number = _number(value)
    if number is None:
        shown = value.isoformat() if hasattr(value, "isoformat") else value
        return None, f"must be {describe(spec)}, not {shown!r}"
    if spec.minimum is not None and number < spec.minimum:
        return None, f"must be {spec.minimum} or more, not {number}"
    return number, None
