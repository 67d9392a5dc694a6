"""The names of this plugin's results, for the plugins that read them (reports)."""

from typing import Final

EVALUATOR: Final = "timeliness"
"""The evaluator's name."""
REPORTS_ON_TIME: Final = "reports_on_time"
"""A reporter's share of reports on time."""
