"""Excel workbooks per unit: ``gyengine template weekly|monthly|bank`` and ``gyengine import``.

A unit fills in the yellow cells of a workbook made from the plan in force
(its key projects, the month's indicators, a bank's figures); ``gyengine
import`` reads it back into the same events a JSON Lines file would carry,
all or nothing, naming the sheet and cell of every problem. A standard
gyengine plugin, using only gyengine's public API (docs/workbooks.md).

* ``source``: the plan in force and the reports already logged;
* ``forms``: a workbook form as data (columns, input cells and their rules);
* ``kinds``: the weekly, monthly and bank forms, and the reports their rows give;
* ``writer``: the .xlsx (protection, validation, dropdowns, 说明, hidden 模板信息);
* ``importer``: reading a filled workbook back, all or nothing;
* ``commands``: the click commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gyengine import hookimpl, lazy_exports

if TYPE_CHECKING:
    import click

__version__ = "0.1.0"

__all__ = ["import_workbook", "plan_in_force"]

# Imported on first use: `gyengine --help` must not pay for openpyxl.
_exports = lazy_exports(
    __name__,
    {"import_workbook": ".importer", "plan_in_force": ".source"},
    ["commands", "forms", "importer", "kinds", "source", "writer"],
)


def __getattr__(name: str) -> Any:
    return _exports(name)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from .commands import register

    register(cli)
