"""The names of this plugin's results, for the plugins that read them (reports, rules)."""

from typing import Final

EVALUATOR: Final = "banks"
"""The evaluator's name."""
SCORE: Final = "score"
"""A bank's total score for a month."""
TOP: Final = "top"
"""The bulletin's list of the best banks."""
BOTTOM: Final = "bottom"
"""The bulletin's list of the worst banks."""
CRITERION: Final = "criterion:"
"""The prefix of a criterion's metric (``criterion:<id>``)."""
