"""The names of this plugin's results, for the plugins that read them (reports)."""

from typing import Final

EVALUATOR: Final = "indicators"
"""The evaluator's name."""
COMPLETION: Final = "completion"
"""An indicator's completion for a month."""
INDICATOR_SCORE: Final = "indicator_score"
"""A unit's or park's indicator points for a month."""
