"""Reporting timeliness: which actors report late against a declared cadence.

The example plugin of docs/writing-plugins.md. It defines one event type, one
evaluator, and uses nothing but gyengine's public API.

An office declares a cadence for a type of report: reports of
``ProjectProgressReported`` are weekly and due two days after the week ends.
Every such report appended after the declaration is then on time when it was
recorded (UTC date) on or before its due day, and late otherwise. Each actor
gets a score (the share of its reports on time) and, when it has been late,
a warning that lists the late reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import attrs

from gyengine import ANY_TYPE, Evaluator, Event, Finding, ReplayContext, Score, hookimpl

from . import names as result_names

__version__ = "0.1.0"

CADENCES = ("day", "week", "month", "quarter", "half", "year")


# -- 1. the event ----------------------------------------------------------------


@attrs.frozen
class ReportingCadenceDeclared:
    """The office declared how often reports of a type are due, and how many days after each period."""

    event_type: str
    cadence: str = attrs.field(validator=attrs.validators.in_(CADENCES))
    grace_days: int = attrs.field(validator=attrs.validators.ge(0))


# -- 2. the state ----------------------------------------------------------------


@attrs.define
class Cadence:
    cadence: str
    grace_days: int
    seq: int


@attrs.define
class Late:
    seq: int
    occurred: str
    due: dt.date
    recorded: dt.date


@attrs.define
class ActorRecord:
    reports: list[int] = attrs.Factory(list)
    late: list[Late] = attrs.Factory(list)


@attrs.define
class TimelinessState:
    cadences: dict[str, Cadence] = attrs.Factory(dict)
    actors: dict[str, ActorRecord] = attrs.Factory(dict)
    lang: str = "zh"
    """The plan's language (``PlanDefined.lang``), which the rationales are written in."""


# -- 3. the fold -----------------------------------------------------------------


def fold(state: TimelinessState, event: Event, context: ReplayContext) -> TimelinessState:
    if event.type == "PlanDefined":  # gyengine_plan's event, read by name
        state.lang = getattr(event.data, "lang", "zh")
        return state
    if isinstance(event.data, ReportingCadenceDeclared):
        declared = event.data
        state.cadences[declared.event_type] = Cadence(
            declared.cadence, declared.grace_days, event.seq
        )
        return state
    cadence = state.cadences.get(event.type)
    if cadence is None or event.occurred is None:
        return state
    period = context.period(event.occurred)
    if period.kind != cadence.cadence:
        return state
    record = state.actors.setdefault(event.actor or "(unknown)", ActorRecord())
    record.reports.append(event.seq)
    due = period.end + dt.timedelta(days=cadence.grace_days)
    # A correction is judged by when the fact was first reported.
    recorded = dt.date.fromisoformat(context.first_recorded(event)[:10])
    if recorded > due:
        record.late.append(Late(event.seq, event.occurred, due, recorded))
    return state


# -- 4. the results --------------------------------------------------------------


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(100) * part / whole).quantize(Decimal("0.01"))


def _late_text(late: list[Late], english: bool) -> str:
    """The first five late reports, in the rationale's language (``-o lang=en``: English)."""
    if english:
        listed = "; ".join(
            f"seq {item.seq} for {item.occurred} due {item.due} recorded {item.recorded}"
            for item in late[:5]
        )
        more = f"; and {len(late) - 5} more (all in the evidence)" if len(late) > 5 else ""
        return f"{len(late)} late report(s): {listed}{more}"
    listed = "；".join(
        f"seq {item.seq}（{item.occurred}，应于 {item.due} 前报送，{item.recorded} 报送）"
        for item in late[:5]
    )
    more = f"；另 {len(late) - 5} 份见证据" if len(late) > 5 else ""
    return f"迟报 {len(late)} 份：{listed}{more}"


def results(state: TimelinessState, context: ReplayContext) -> Iterator[Score | Finding]:
    rules = [cadence.seq for cadence in state.cadences.values()]
    english = (context.options.get("lang") or state.lang).startswith("en")
    for actor, record in sorted(state.actors.items()):
        total, late = len(record.reports), len(record.late)
        share = _percent(total - late, total)
        status = "green" if late == 0 else "yellow" if share >= 80 else "red"
        yield Score(
            subject=actor,
            metric=result_names.REPORTS_ON_TIME,
            period="all",
            value=share,
            target=Decimal(100),
            status=status,
            unit="%",
            rationale=(
                f"{total - late} of {total} reports on time = {share} %"
                if english
                else f"报送 {total} 份，按时 {total - late} 份，按时率 {share} %"
            ),
            evidence=[*record.reports, *rules],
            details={"reports": total, "late": late},
        )
        if late:
            yield Finding(
                kind="warn",
                subject=actor,
                rule="late-reporting",
                period="all",
                rationale=_late_text(record.late, english),
                evidence=[item.seq for item in record.late] + rules,
                parameters={"reports": total, "late": late},
            )


# -- 5. the registration ---------------------------------------------------------

timeliness = Evaluator(
    name=result_names.EVALUATOR,
    version="3",
    consumes=[ANY_TYPE],
    state_type=TimelinessState,
    fold=fold,
    results=results,
    description="which actors report late against a declared cadence",
)


@hookimpl
def register_event_types() -> list[type]:
    return [ReportingCadenceDeclared]


@hookimpl
def register_evaluators() -> list[Evaluator]:
    return [timeliness]
