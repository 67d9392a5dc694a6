"""The supervision office's reports: 周汇总 (weekly), 月通报 (monthly), 季考评 (quarterly).

A standard gyengine plugin, registered through the ``gyengine`` entry-point
group exactly as a third-party plugin is; it uses only gyengine's public API
and reads other plugins' results, never their code.

* ``kinds``: the three :class:`gyengine.ReportKind` and their ``build`` functions;
* ``sections``: the sections they are made of, one evaluator's results each (a
  section whose evaluator did not run is left out);
* ``header``: the evaluator ``report_header`` (plan title, issuing office, names);
* ``labels``: every label in Chinese and English.

    gyengine report monthly --period 2019-06 --known-at 2019-07-10 --format html -o june.html
"""

from __future__ import annotations

from gyengine import Evaluator, ReportKind, hookimpl

from .header import header
from .kinds import REPORT_KINDS, build_monthly, build_quarterly, build_weekly

__version__ = "0.1.0"

__all__ = ["build_monthly", "build_quarterly", "build_weekly", "header"]


@hookimpl
def register_reports() -> list[ReportKind]:
    return list(REPORT_KINDS)


@hookimpl
def register_evaluators() -> list[Evaluator]:
    return [header]
