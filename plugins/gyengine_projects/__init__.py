"""The key-project ledger (台账): projects and their groups as plan data, weekly reports, the problem ledger.

A standard gyengine plugin, registered through the ``gyengine`` entry-point
group exactly as a third-party plugin is. It uses only gyengine's public API
and the frame of the plan (units, parks, scoring helpers) from ``gyengine_plan``.

* ``plan``: the ``[[project]]`` and ``[[project_group]]`` plan sections and their checks;
* ``events``: ``ProjectProgressReported``, ``ProblemRaised``, ``ProblemResolved``;
* ``ledger``: the ``projects`` evaluator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gyengine import hookimpl, lazy_exports

if TYPE_CHECKING:
    from gyengine import Evaluator, EventCheck, PlanSection

    from .events import ProblemRaised, ProblemResolved, ProjectProgressReported
    from .ledger import evaluator
    from .plan import ProjectDefined, ProjectGroupDefined

__version__ = "0.1.0"

__all__ = [
    "ProblemRaised",
    "ProblemResolved",
    "ProjectDefined",
    "ProjectGroupDefined",
    "ProjectProgressReported",
    "evaluator",
]

# The names above, and the submodules, are imported on first use: loading the
# plugin (for `gyengine --help` or `gyengine plugins`) must not pay for them.
_SUBMODULES = ("events", "ledger", "plan")
_NAMES = {
    "ProblemRaised": ".events",
    "ProblemResolved": ".events",
    "ProjectDefined": ".plan",
    "ProjectGroupDefined": ".plan",
    "ProjectProgressReported": ".events",
    "check_groups": ".plan",
    "check_projects": ".plan",
    "evaluator": ".ledger",
}


_exports = lazy_exports(__name__, _NAMES, _SUBMODULES)


def __getattr__(name: str) -> Any:
    return _exports(name)


@hookimpl
def register_event_types() -> list[type]:
    from .events import ProblemRaised, ProblemResolved, ProjectProgressReported
    from .plan import ProjectDefined, ProjectGroupDefined

    return [
        ProjectDefined,
        ProjectGroupDefined,
        ProjectProgressReported,
        ProblemRaised,
        ProblemResolved,
    ]


@hookimpl
def register_event_checks() -> list[EventCheck]:
    from .checks import EVENT_CHECKS

    return list(EVENT_CHECKS)


@hookimpl
def register_plan_sections() -> list[PlanSection]:
    from gyengine import PlanSection

    from .plan import ProjectDefined, ProjectGroupDefined, check_groups, check_projects

    return [
        PlanSection(
            name="project",
            item_type=ProjectDefined,
            check=check_projects,
            description="key projects (重点项目): investment plan, milestones, 五个一",
        ),
        PlanSection(
            name="project_group",
            item_type=ProjectGroupDefined,
            check=check_groups,
            description="totals the plan states for groups of key projects",
        ),
    ]


@hookimpl
def register_evaluators() -> list[Evaluator]:
    from .ledger import evaluator

    return [evaluator]
