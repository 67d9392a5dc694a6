"""Plan indicators (主要指标) and 序时进度: statistic events.

A standard gyengine plugin, registered through the ``gyengine`` entry-point
group exactly as a third-party plugin is. It uses only gyengine's public API.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from gyengine import hookimpl

__version__ = "0.1.0"


@attrs.frozen
class StatisticReported:
    """The statistics bureau or a unit reported an indicator's value for a period."""

    indicator: str
    value: Decimal
    unit: str


@hookimpl
def register_event_types() -> list[type]:
    return [StatisticReported]
