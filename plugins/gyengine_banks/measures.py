"""The measures a criterion scores, computed from one bank's monthly report.

Amounts in 万元; rates as percentages rounded half-up to 2 places before they are
scored; a zero denominator makes a rate undefined. The table of definitions is in
``docs/evaluators/banks.md`` (section Measures).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final

import attrs

from gyengine import Quantity

from .events import BankMonthlyReported

__all__ = ["LABELS", "Measured", "fmt", "measure"]

WAN: Final = "万元"
HUNDRED: Final = Decimal(100)
CENT: Final = Decimal("0.01")

LABELS: Final[dict[str, str]] = {
    "loan_balance": "贷款余额",
    "deposits": "存款余额",
    "new_loans": "当月新增贷款",
    "industrial_increment": "工业和制造业贷款增量",
    "inclusive_loans": "普惠小微贷款增量",
    "renewals_without_repayment": "无还本续贷",
    "maturing_loans": "到期贷款",
    "matchmaking_signed": "银企对接签约",
    "matchmaking_disbursed": "已放款",
    "balance_at_year_start": "年初贷款余额",
}
"""The report's fields as the bulletin names them."""


def fmt(value: Decimal) -> str:
    """A figure as the office writes it: thousands separated, no trailing zeros (``1,250.5``)."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        normal = normal.quantize(Decimal(1))
    if normal == 0:
        normal = Decimal(0)  # not -0
    return format(normal, ",f")


def q2(value: Decimal) -> Decimal:
    """Round half-up to 2 decimal places."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@attrs.frozen
class Measured:
    """A measure's value (None when undefined) and how it was computed."""

    value: Decimal | None
    text: str


def _wan(quantity: Quantity) -> Decimal:
    return quantity.in_unit(WAN)


def _amount(report: BankMonthlyReported, field: str) -> Measured:
    value = _wan(getattr(report, field))
    return Measured(value, f"{LABELS[field]} {fmt(value)} 万元")


def _rate(report: BankMonthlyReported, part: str, whole: str, *, growth: bool = False) -> Measured:
    numerator, denominator = _wan(getattr(report, part)), _wan(getattr(report, whole))
    if growth:
        shown = f"({LABELS[part]} {fmt(numerator)} − {LABELS[whole]} {fmt(denominator)})"
        numerator -= denominator
    else:
        shown = f"{LABELS[part]} {fmt(numerator)}"
    if denominator <= 0:
        return Measured(None, f"{LABELS[whole]}为 {fmt(denominator)} 万元，无法计算")
    value = q2(numerator / denominator * HUNDRED)
    return Measured(value, f"{shown} / {LABELS[whole]} {fmt(denominator)} 万元 = {value} %")


def measure(name: str, report: BankMonthlyReported) -> Measured:
    """The value of measure ``name`` in a bank's report (see the module's table).

    Raises:
        KeyError: an unknown measure (the plan check refuses it first).
    """
    if name in ("new_loans", "industrial_increment", "inclusive_loans"):
        return _amount(report, name)
    if name == "loan_growth":
        return _rate(report, "loan_balance", "balance_at_year_start", growth=True)
    if name == "loan_to_deposit":
        return _rate(report, "loan_balance", "deposits")
    if name == "renewal_share":
        return _rate(report, "renewals_without_repayment", "maturing_loans")
    if name == "matchmaking":
        return _rate(report, "matchmaking_disbursed", "matchmaking_signed")
    raise KeyError(f"unknown measure {name!r}")
