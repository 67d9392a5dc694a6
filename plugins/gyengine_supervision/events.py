"""The events of the supervision loop (督办闭环) and the plan item that sets its parameters.

Each act of the loop is one event on the item's stream (``supervision/<item>``):
the office issues a 督办单 (:class:`SupervisionItemIssued`) or a meeting agrees
an item (:class:`MeetingItemAgreed`), the unit reports its rectification
(:class:`RectificationReported`), the office accepts and closes it
(:class:`SupervisionItemClosed`, 销号) or returns it (:class:`SupervisionItemReturned`,
退回). A 约谈 is recorded as :class:`InterviewHeld`. The day of an act is the
event's ``occurred`` day (``--occurred 2019-06-05``); without one, its record day.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Final

import attrs

__all__ = [
    "LADDER_KINDS",
    "MEETINGS",
    "InterviewHeld",
    "MeetingItemAgreed",
    "RectificationReported",
    "SupervisionItemClosed",
    "SupervisionItemIssued",
    "SupervisionItemReturned",
    "SupervisionLoopDefined",
]

LADDER_KINDS: Final = ("warn", "supervise", "notify", "interview", "accountable")
"""The steps an item can be at: 提醒, 督办, 通报, 约谈, 问责 (finding kinds)."""

MEETINGS: Final = ("weekly_meeting", "service_day")
"""Where a meeting item was agreed: the 周例会 or a 企业服务日."""

_ITEM: Final = re.compile(r"[^\s/]{1,80}")


def _check_day(name: str, value: str) -> None:
    if not value:
        return
    try:
        valid = len(value) == 10 and bool(dt.date.fromisoformat(value))
    except ValueError:
        valid = False
    if not valid:
        raise ValueError(f"'{name}' must be a date such as 2019-06-12 (got {value!r})")


def _day(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    _check_day(attribute.name, value)


def _days(
    instance: Any, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    for text in value:
        _check_day(attribute.name, text)


def _item(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not _ITEM.fullmatch(value):
        raise ValueError(
            f"'{attribute.name}' must be an item number without spaces or '/' "
            f"such as DB-2019-001 (got {value!r})"
        )


def _not_empty(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip():
        raise ValueError(f"'{attribute.name}' must not be empty")


def _kinds(
    instance: Any, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    for kind in value:
        if kind not in LADDER_KINDS:
            raise ValueError(
                f"'{attribute.name}' lists {kind!r}; the steps are {', '.join(LADDER_KINDS)}"
            )


def _evidence(value: Any) -> tuple[int, ...]:
    seqs = tuple(int(seq) for seq in value)
    if any(seq < 1 for seq in seqs):
        raise ValueError("evidence lists seqs, each 1 or more")
    return tuple(sorted(set(seqs)))


@attrs.frozen
class SupervisionItemIssued:
    """The office issued a 督办单: an item number, the unit that must act, the reason, the evidence and the 整改时限.

    The item starts at the step ``kind`` of the plan's escalation ladder
    (``supervise`` = 督办 unless said otherwise). Without ``deadline`` the
    整改时限 is the plan's ``days`` working days after the day of issue. An
    item issued with the number of a rule's automatic item (``finding``)
    replaces that automatic item.
    """

    item: str = attrs.field(validator=_item)
    """The item number, as the 督办单 is numbered (``DB-2019-001``)."""
    unit: str = attrs.field(validator=_not_empty)
    """The responsible unit (责任单位) that must rectify, by its id in the plan."""
    reason: str = attrs.field(validator=_not_empty)
    """Why: the problem as the 督办单 states it."""
    evidence: tuple[int, ...] = attrs.field(default=(), converter=_evidence)
    """The seqs of the events the item rests on (reports, findings' evidence)."""
    finding: str = ""
    """The rule finding it follows up, by its automatic item number (``R04-2019-W19-P13``)."""
    deadline: str = attrs.field(default="", validator=_day)
    """The 整改时限 as a date, when the office sets it by hand (default: from the plan)."""
    kind: str = attrs.field(default="supervise", validator=attrs.validators.in_(LADDER_KINDS))
    """The step of the escalation ladder the item starts at."""
    text: str = ""
    """The 督办单's requirements, in full."""


@attrs.frozen
class MeetingItemAgreed:
    """A 周例会 agreed an item, or a unit took on an enterprise's problem on a 企业服务日: it enters the same loop as a 督办单."""

    item: str = attrs.field(validator=_item)
    """The item number (``ZL-2019-W40-01``, ``FW-2019-10-03``)."""
    unit: str = attrs.field(validator=_not_empty)
    """The unit that took it on."""
    reason: str = attrs.field(validator=_not_empty)
    """What was agreed, or the enterprise's problem."""
    meeting: str = attrs.field(validator=attrs.validators.in_(MEETINGS))
    """``weekly_meeting`` (周例会) or ``service_day`` (企业服务日)."""
    enterprise: str = ""
    """The enterprise that raised it (企业服务日)."""
    deadline: str = attrs.field(default="", validator=_day)
    """The 整改时限 agreed, as a date (default: the plan's ``days`` working days)."""
    evidence: tuple[int, ...] = attrs.field(default=(), converter=_evidence)
    """The seqs of the events it rests on, if any."""


@attrs.frozen
class RectificationReported:
    """The unit reported its rectification (整改反馈) on an item: what it did, with attachments by name."""

    item: str = attrs.field(validator=_item)
    text: str = attrs.field(validator=_not_empty)
    """The 整改反馈 as the unit wrote it."""
    actions: tuple[str, ...] = ()
    """What was done, one measure each."""
    attachments: tuple[str, ...] = ()
    """The attached documents, by file name (the files stay with the office)."""


@attrs.frozen
class SupervisionItemClosed:
    """The office checked the rectification and closed the item (销号)."""

    item: str = attrs.field(validator=_item)
    remark: str = ""
    """The office's finding on the check (核查意见)."""


@attrs.frozen
class SupervisionItemReturned:
    """The office returned the rectification (退回): not good enough, with the reason and, optionally, a new 整改时限."""

    item: str = attrs.field(validator=_item)
    reason: str = attrs.field(validator=_not_empty)
    deadline: str = attrs.field(default="", validator=_day)
    """The new 整改时限 (default: the plan's ``return_days`` working days after the return)."""


@attrs.frozen
class InterviewHeld:
    """A 约谈 was held: who was interviewed, by whom, why, and on which item if any."""

    unit: str = attrs.field(validator=_not_empty)
    """The unit whose official was interviewed."""
    interviewee: str = attrs.field(validator=_not_empty)
    """Who was interviewed (the unit's principal or the project's lead official)."""
    by: str = attrs.field(validator=_not_empty)
    """Who held the 约谈 (分管县领导, the office's director)."""
    reason: str = attrs.field(validator=_not_empty)
    item: str = ""
    """The item it concerns, if any."""
    outcome: str = ""
    """What was agreed (表态, measures)."""


@attrs.frozen
class SupervisionLoopDefined:
    """The plan set the supervision loop: which findings open an item, the 整改时限, the escalation ladder and the working-day calendar."""

    open_on: tuple[str, ...] = attrs.field(default=(), validator=_kinds)
    """The finding kinds of the rules that open an item automatically (``supervise``, ``accountable``, ``warn``)."""
    rules: tuple[str, ...] = ()
    """Only the findings of these rules (default: of every rule)."""
    days: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    """The 整改时限 in working days after the day of issue."""
    return_days: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    """The new 整改时限 after a return (退回), in working days."""
    escalation: tuple[str, ...] = attrs.field(
        default=("supervise", "notify", "accountable"), validator=_kinds
    )
    """The ladder, lowest step first: each missed 整改时限 moves an item one step up."""
    escalation_days: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    """The 整改时限 of each step after an escalation, in working days after the missed one."""
    holidays: tuple[str, ...] = attrs.field(default=(), validator=_days)
    """Weekdays that are not working days (法定节假日)."""
    workdays: tuple[str, ...] = attrs.field(default=(), validator=_days)
    """Weekend days that are working days (调休上班)."""
    text: str = ""
