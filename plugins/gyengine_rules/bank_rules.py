"""The ``bank_rules`` evaluator: rules over the monthly bank assessment (银企对接考核), as a plugin of its own.

It reads the results of the evaluator ``banks`` (the bulletin's top and bottom
lists, ``Score(subject="bulletin", metric="top"|"bottom", details={"banks": ["b1", "b2"]})``,
and each bank's ``score``), so it is registered separately from the
``rules`` plugin: a gyengine without bank assessment leaves this plugin out
and its ``rules`` and ``quarterly`` evaluators still run. Its one trigger:

* ``bank_bulletin`` (``list``, ``period``): a bank named in the bulletin's
  ``list`` (top or bottom) for a ``period`` (month, quarter or year); one
  finding per bank and list. A false report found for the bank and period
  withdraws its commendation.

The evaluator lives in :mod:`gyengine_rules.bank_evaluator`, imported on first
use: loading this plugin (for ``gyengine --help`` or ``gyengine plugins``) must
not pay for the rules' triggers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gyengine import hookimpl, lazy_exports

if TYPE_CHECKING:
    from gyengine import Evaluator

    from .bank_evaluator import BankRulesState, bank_rules, results

__all__ = ["BankRulesState", "bank_rules", "results"]

__version__ = "0.1.0"

_NAMES = ("BULLETIN", "HANDLERS", "BankRulesState", "bank_rules", "fold", "results")


_exports = lazy_exports(__name__, dict.fromkeys(_NAMES, "gyengine_rules.bank_evaluator"))


def __getattr__(name: str) -> Any:
    return _exports(name)


@hookimpl
def register_evaluators() -> list[Evaluator]:
    from .bank_evaluator import bank_rules

    return [bank_rules]
