"""The names of this plugin's results, for the plugins that read them (reports)."""

from typing import Final

EVALUATOR: Final = "rules"
"""The evaluator of the plan's reward and punishment rules."""
BANK_RULES: Final = "bank_rules"
"""The evaluator of the bank bulletin's rules."""
QUARTERLY: Final = "quarterly"
"""The evaluator of the quarterly evaluation (季考评)."""
QUARTERLY_SCORE: Final = "quarterly_score"
"""A unit's quarterly score."""
TOP: Final = "top"
"""A quarterly group's best units."""
BOTTOM: Final = "bottom"
"""A quarterly group's worst units."""
