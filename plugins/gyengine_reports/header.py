"""The evaluator ``report_header``: what a report's header says about the plan.

No other evaluator exposes the plan's title, the office that issues the
reports, or the names of parks and units (the ledger's roll-ups are keyed by
id). This one folds the plan's definition events into one score, subject ``plan``
and metric ``title``: the title in ``label``; county, year, source and the
issuing office in ``details``, with the name of every park as ``park:<id>`` and
of every unit as ``unit:<id>``, the title of every work task as ``task:<id>``.

A revised definition (a later ``PlanDefined``) replaces the earlier one, as a
replay "as known at" a date uses the plan known then.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from gyengine import Evaluator, Event, ReplayContext, Score
from gyengine_plan.wording import rationale_language

__all__ = ["HeaderState", "fold", "header", "results"]


@attrs.define
class Named:
    name: str
    seq: int


@attrs.define
class HeaderState:
    title: str = ""
    county: str = ""
    year: str = ""
    source: str = ""
    plan_seq: int = 0
    office: str = ""
    office_seq: int = 0
    lang: str = "zh"
    parks: dict[str, Named] = attrs.Factory(dict)
    units: dict[str, Named] = attrs.Factory(dict)
    tasks: dict[str, Named] = attrs.Factory(dict)


def _text(data: Any, field: str) -> str:
    value = getattr(data, field, "")
    return "" if value is None else str(value)


def fold(state: HeaderState, event: Event, context: ReplayContext) -> HeaderState:
    data = event.data
    if event.type == "PlanDefined":
        state.title = _text(data, "title")
        state.county = _text(data, "county")
        state.year = _text(data, "year")
        state.source = _text(data, "source")
        state.lang = _text(data, "lang") or "zh"
        state.plan_seq = event.seq
    elif event.type == "SupervisionDefined":
        state.office = _text(data, "office")
        state.office_seq = event.seq
    elif event.type == "ParkDefined":
        state.parks[_text(data, "id")] = Named(_text(data, "name"), event.seq)
    elif event.type == "UnitDefined":
        state.units[_text(data, "id")] = Named(_text(data, "name"), event.seq)
    elif event.type == "TaskDefined":
        state.tasks[_text(data, "id")] = Named(_text(data, "title"), event.seq)
    return state


def results(state: HeaderState, context: ReplayContext) -> Iterator[Score]:
    if not state.plan_seq:
        return
    office = state.units.get(state.office)
    names = {
        **{f"park:{key}": item.name for key, item in state.parks.items()},
        **{f"unit:{key}": item.name for key, item in state.units.items()},
        **{f"task:{key}": item.name for key, item in state.tasks.items()},
    }
    yield Score(
        subject="plan",
        metric="title",
        period=state.year or "all",
        label=state.title,
        value=state.title,
        rationale=(
            f"the plan's title as defined at seq {state.plan_seq}"
            if rationale_language(context.options, state.lang) == "en"
            else f"方案标题，取自 seq {state.plan_seq} 的方案定义"
        ),
        evidence=[
            state.plan_seq,
            *([state.office_seq] if state.office_seq else []),
            *(item.seq for item in state.parks.values()),
            *(item.seq for item in state.units.values()),
            *(item.seq for item in state.tasks.values()),
        ],
        details={
            "county": state.county,
            "year": state.year,
            "source": state.source,
            "lang": state.lang,
            "office": state.office,
            "office_name": office.name if office is not None else state.office,
            **names,
        },
    )


header = Evaluator(
    name="report_header",
    version="3",
    consumes=["PlanDefined", "SupervisionDefined", "ParkDefined", "UnitDefined", "TaskDefined"],
    state_type=HeaderState,
    fold=fold,
    results=results,
    description="the plan's title, issuing office and the names of parks and units, for report headers",
)
