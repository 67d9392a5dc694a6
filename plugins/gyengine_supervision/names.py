"""The names of this plugin's results, for the plugins that read them (reports)."""

from typing import Final

EVALUATOR: Final = "supervision"
"""The evaluator's name."""
SUPERVISION_ITEM: Final = "supervision_item"
"""One supervision item (督办事项) and its course."""
