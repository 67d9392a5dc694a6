"""The supervision loop (督办闭环): 督办单, 整改反馈, 销号 or 退回, 逾期 and escalation, 约谈.

A standard gyengine plugin, registered through the ``gyengine`` entry-point
group exactly as a third-party plugin is; it uses only gyengine's public API.

* plan section ``[supervision_loop]``: which rule findings open an item
  automatically, the 整改时限 in working days, the escalation ladder
  (督办 → 通报 → 问责) and the working-day calendar (holidays, make-up days);
* events ``SupervisionItemIssued`` (督办单), ``MeetingItemAgreed`` (周例会,
  企业服务日), ``RectificationReported`` (整改反馈), ``SupervisionItemClosed``
  (销号), ``SupervisionItemReturned`` (退回) and ``InterviewHeld`` (约谈);
* evaluator ``supervision`` (requires ``rules``): the ledger of items, a score per
  item (status, 整改时限, days left or overdue, age, owner, source) and a finding
  per escalation and per 约谈 (see :mod:`gyengine_supervision.ledger`).

docs/supervision.md explains the loop for an office.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gyengine import hookimpl, lazy_exports

if TYPE_CHECKING:
    from gyengine import Evaluator, PlanSection

    from .events import (
        InterviewHeld,
        MeetingItemAgreed,
        RectificationReported,
        SupervisionItemClosed,
        SupervisionItemIssued,
        SupervisionItemReturned,
        SupervisionLoopDefined,
    )
    from .ledger import supervision
    from .workdays import Calendar

__version__ = "0.1.0"

__all__ = [
    "Calendar",
    "InterviewHeld",
    "MeetingItemAgreed",
    "RectificationReported",
    "SupervisionItemClosed",
    "SupervisionItemIssued",
    "SupervisionItemReturned",
    "SupervisionLoopDefined",
    "supervision",
]

_EVENTS = (
    "InterviewHeld",
    "MeetingItemAgreed",
    "RectificationReported",
    "SupervisionItemClosed",
    "SupervisionItemIssued",
    "SupervisionItemReturned",
    "SupervisionLoopDefined",
)
_exports = lazy_exports(
    __name__,
    {
        **dict.fromkeys(_EVENTS, ".events"),
        "Calendar": ".workdays",
        "check_loop": ".plan",
        "supervision": ".ledger",
    },
    ("events", "ledger", "plan", "workdays"),
)


def __getattr__(name: str) -> Any:
    return _exports(name)


@hookimpl
def register_event_types() -> list[type]:
    from . import events

    return [getattr(events, name) for name in _EVENTS]


@hookimpl
def register_plan_sections() -> list[PlanSection]:
    from gyengine import PlanSection

    from .events import SupervisionLoopDefined
    from .plan import check_loop

    return [
        PlanSection(
            name="supervision_loop",
            item_type=SupervisionLoopDefined,
            many=False,
            check=check_loop,
            description="the supervision loop: items opened by findings, 整改时限, escalation, working days",
        )
    ]


@hookimpl
def register_evaluators() -> list[Evaluator]:
    return [_exports("supervision")]
