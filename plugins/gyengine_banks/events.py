"""What happens to a bank after the plan lists it: monthly reports, targets, vetoes.

A report's envelope carries the rest: ``occurred`` is the month it is about
(``2019-06``), ``actor`` the reporting bank, and ``recorded`` (set by the store)
whether it came in by the month's due day. A wrong report is corrected by a new
one that ``supersedes`` it; the engine then drops the old one.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

import attrs

from gyengine import Quantity, parse_period

__all__ = [
    "MONEY",
    "BankMonthlyReported",
    "BankTargetSet",
    "BankVetoed",
    "parse_target",
]

MONEY: Final = "元"


def _money(instance: Any, attribute: attrs.Attribute[Quantity], value: Quantity) -> None:
    if value.unit != MONEY:
        raise ValueError(f'{attribute.name}: {value} is not money; write e.g. "1200 万元"')


def _money_not_negative(
    instance: Any, attribute: attrs.Attribute[Quantity], value: Quantity
) -> None:
    _money(instance, attribute, value)
    if value.amount < 0:
        raise ValueError(f"{attribute.name}: {value} is negative")


@attrs.frozen
class BankMonthlyReported:
    """A bank reported its month's lending: balances, new loans, renewals and matchmaking (元)."""

    bank: str
    loan_balance: Quantity = attrs.field(validator=_money_not_negative)
    """各项贷款余额 at the end of the month."""
    deposits: Quantity = attrs.field(validator=_money_not_negative)
    """各项存款余额 at the end of the month."""
    new_loans: Quantity = attrs.field(validator=_money_not_negative)
    """Amount lent in the month (当月新增投放)."""
    industrial_increment: Quantity = attrs.field(validator=_money)
    """Increment of the industrial and manufacturing loan balance in the month; may be negative."""
    inclusive_loans: Quantity = attrs.field(validator=_money)
    """Increment of the inclusive small and micro loan balance in the month; may be negative."""
    renewals_without_repayment: Quantity = attrs.field(validator=_money_not_negative)
    """Maturing loans renewed in the month without the borrower repaying first (无还本续贷)."""
    maturing_loans: Quantity = attrs.field(validator=_money_not_negative)
    """Enterprise loans that matured in the month."""
    matchmaking_signed: Quantity = attrs.field(validator=_money_not_negative)
    """Amount signed at bank-enterprise matchmaking (银企对接签约), cumulative for the year."""
    matchmaking_disbursed: Quantity = attrs.field(validator=_money_not_negative)
    """Of the signed amount, how much was disbursed (已放款), cumulative for the year."""
    balance_at_year_start: Quantity = attrs.field(validator=_money_not_negative)
    """The loan balance at the start of the year (年初余额)."""


def parse_target(text: str) -> Quantity | Decimal:
    """A target as written: a quantity with its unit (``"5000 万元"``, ``"12 %"``) or a plain number.

    Raises:
        ValueError: the text is neither.
    """
    try:
        return Quantity.parse(text)
    except ValueError:
        pass
    try:
        number = Decimal(text.strip())
    except ArithmeticError:
        number = None
    if number is None or not number.is_finite() or not text.strip():
        raise ValueError(
            f'target: {text!r} is neither a quantity such as "5000 万元" nor a number such as "12"'
        )
    return number


def _target(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    parse_target(value)


def _period(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    parse_period(value)


def _month(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if parse_period(value).kind != "month":
        raise ValueError(f"{attribute.name}: {value!r} is not a month such as 2019-06")


@attrs.frozen
class BankTargetSet:
    """The finance office set a bank's own target for a criterion, for every month of a period.

    ``target`` is text because it is either a quantity (``"5000 万元"``, ``"12 %"``)
    or a plain number in the criterion's unit (万元 for amounts, % for rates):
    the converter cannot structure that union, so :func:`parse_target` reads it.
    """

    bank: str
    criterion: str
    target: str = attrs.field(validator=_target)
    period: str = attrs.field(validator=_period)
    """The period whose every month the target applies to (``2019``, ``2019-Q3``, ``2019-06``)."""
    source: str = ""

    def value(self) -> Quantity | Decimal:
        """The target, parsed."""
        return parse_target(self.target)


@attrs.frozen
class BankVetoed:
    """A bank's month was vetoed (一票否决) for a serious violation or refusing to cooperate."""

    bank: str
    period: str = attrs.field(validator=_month)
    reason: str
