"""The names of this plugin's results, for the plugins that read them (reports, rules)."""

from typing import Final

EVALUATOR: Final = "projects"
"""The evaluator's name."""
INVESTMENT: Final = "investment"
"""A project's (or group's) investment to date for a week."""
REPORT: Final = "report"
"""Whether a project's weekly report came in on time."""
PROBLEM: Final = "problem"
"""A problem raised on a project, open or solved."""
MILESTONE: Final = "milestone:"
"""The prefix of a milestone's metric (``milestone:<name>``)."""
