"""The key-project ledger (台账): project progress events.

A standard gyengine plugin, registered through the ``gyengine`` entry-point
group exactly as a third-party plugin is. It uses only gyengine's public API.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from gyengine import hookimpl

__version__ = "0.1.0"


@attrs.frozen
class ProjectProgressReported:
    """A project reported its investment to date (万元) for a period, with a note."""

    project: str
    invested_to_date: Decimal
    note: str = ""


@hookimpl
def register_event_types() -> list[type]:
    return [ProjectProgressReported]
