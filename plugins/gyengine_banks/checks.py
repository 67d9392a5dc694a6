"""What a bank's events must agree with in the plan in force (hook ``register_event_checks``).

A monthly report, a target the finance office set for a bank and a veto name a
bank of the plan and go on its stream ``bank/<id>``.
"""

from __future__ import annotations

from collections.abc import Iterator

from gyengine import EventCheck, NewEvent, Plan, check_subject

__all__ = ["EVENT_CHECKS", "check_bank_event"]


def check_bank_event(plan: Plan, event: NewEvent) -> Iterator[tuple[str, str]]:
    """The bank exists in the plan, and the stream is its own."""
    yield from check_subject(plan, event, section="bank", field="bank")


EVENT_CHECKS = [
    EventCheck(
        name="bank reports",
        types=["BankMonthlyReported", "BankTargetSet", "BankVetoed"],
        check=check_bank_event,
        key=lambda stream, data: (stream, data.bank),  # all the verdict depends on
        description="names a bank of the plan, on its stream bank/<id>",
    )
]
