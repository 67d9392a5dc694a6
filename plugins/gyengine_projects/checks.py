"""What a project's reports must agree with in the plan in force (hook ``register_event_checks``).

A weekly report names a project of the plan and goes on its stream ``project/<id>``.
"""

from __future__ import annotations

from collections.abc import Iterator

from gyengine import EventCheck, NewEvent, Plan, check_subject

__all__ = ["EVENT_CHECKS", "check_project_report"]


def check_project_report(plan: Plan, event: NewEvent) -> Iterator[tuple[str, str]]:
    """The project exists in the plan, and the stream is its own."""
    yield from check_subject(plan, event, section="project", field="project")


EVENT_CHECKS = [
    EventCheck(
        name="project reports",
        types=["ProjectProgressReported"],
        check=check_project_report,
        key=lambda stream, data: (stream, data.project),  # all the verdict depends on
        description="names a project of the plan, on its stream project/<id>",
    )
]
