"""The supervision office's reports: 周汇总 (weekly), 月通报 (monthly), 季考评 (quarterly).

A standard gyengine plugin, registered through the ``gyengine`` entry-point
group exactly as a third-party plugin is; it uses only gyengine's public API
and reads other plugins' results, never their code.

* ``kinds``: the three :class:`gyengine.ReportKind` and their ``build`` functions;
* ``scoreboard``: the kind ``scoreboard``, ``gyengine replay``'s first screen;
* ``sections``: the sections they are made of, one evaluator's results each (a
  section whose evaluator did not run is left out);
* ``header``: the evaluator ``report_header`` (plan title, issuing office, names);
* ``labels``: every label in Chinese and English.

    gyengine report monthly --period 2019-06 --known-at 2019-07-10 --format html -o june.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gyengine import Evaluator, hookimpl, lazy_exports

# Light (and the name of its module too): imported at once.
from .header import header

if TYPE_CHECKING:
    from gyengine import ReportKind

    from .kinds import build_monthly, build_quarterly, build_weekly
    from .scoreboard import build_scoreboard

__version__ = "0.1.0"

__all__ = ["build_monthly", "build_quarterly", "build_scoreboard", "build_weekly", "header"]

# The report kinds, and the submodules, are imported on first use: loading the
# plugin (for `gyengine --help` or `gyengine plugins`) must not pay for them.
_SUBMODULES = ("kinds", "labels", "scoreboard", "sections", "view")
_NAMES = {
    "REPORT_KINDS": ".kinds",
    "build_monthly": ".kinds",
    "build_quarterly": ".kinds",
    "build_scoreboard": ".scoreboard",
    "build_weekly": ".kinds",
}


_exports = lazy_exports(__name__, _NAMES, _SUBMODULES)


def __getattr__(name: str) -> Any:
    return _exports(name)


@hookimpl
def register_reports() -> list[ReportKind]:
    from .kinds import REPORT_KINDS

    return list(REPORT_KINDS)


@hookimpl
def register_evaluators() -> list[Evaluator]:
    return [header]
