"""Payloads, evaluators, plugins and helpers for the replay, checkpoint and plugin-host tests.

This file is also a complete gyengine plugin: its module-level hooks register
the payloads ``ValueReported`` and ``GoalSet`` and the evaluators
``counter``, ``latest``, ``totals``, ``summary`` (which ``requires`` latest)
and ``by_type`` (which consumes every type). A test passes the module itself
as ``plugins=[replay_helpers]``, or copies the file into a ``--plugins-dir``
with :func:`install_plugin`. That is why it does not use
``from __future__ import annotations``: a ``--plugins-dir`` module is not in
``sys.modules``, where attrs would look to resolve postponed annotations.
"""

import datetime as dt
import json
import shutil
import sqlite3
import sys
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

import gyengine
from gyengine import ANY_TYPE, Evaluator, Event, Finding, NewEvent, ReplayContext, Score, hookimpl
from gyengine.events import EventRetracted
from gyengine.runs import register_functions

__version__ = "1.0"

# -- payloads --------------------------------------------------------------------


@attrs.frozen
class ValueReported:
    """A subject's value was reported for a period."""

    subject: str
    value: Decimal


@attrs.frozen
class GoalSet:
    """A subject's target was set (a definition event)."""

    subject: str
    target: Decimal


@gyengine.event_type("ReadingTaken", schema=1)
@attrs.frozen
class ReadingTakenV1:
    """A reading was taken, written as text with its unit ("8.5 %"); schema 1."""

    subject: str
    reading: str


@gyengine.event_type("ReadingTaken", schema=2)
@attrs.frozen
class ReadingTaken:
    """A reading was taken: an exact figure and its unit; schema 2."""

    subject: str
    value: Decimal
    unit: str


def upcast_reading_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Split schema 1's ``reading`` text into schema 2's ``value`` and ``unit``."""
    number, _, unit = data["reading"].partition(" ")
    return {"subject": data["subject"], "value": number, "unit": unit or "?"}


# -- evaluators ------------------------------------------------------------------


@attrs.define
class Count:
    n: int = 0
    seqs: list[int] = attrs.Factory(list)


def count_fold(state: Count, event: Event, context: ReplayContext) -> Count:
    state.n += 1
    state.seqs.append(event.seq)
    return state


def count_results(state: Count, context: ReplayContext) -> Iterator[Score]:
    yield Score(
        subject="log",
        metric="events",
        period="all",
        value=state.n,
        rationale=f"{state.n} events",
        evidence=state.seqs,
    )


counter = Evaluator(
    name="counter",
    version="1",
    consumes=["ValueReported", "GoalSet"],
    state_type=Count,
    fold=count_fold,
    results=count_results,
    description="counts the reports and targets it sees",
)


@attrs.define
class Fact:
    amount: Decimal
    seq: int
    occurred: str | None = None


@attrs.define
class Latest:
    values: dict[str, Fact] = attrs.Factory(dict)
    targets: dict[str, Fact] = attrs.Factory(dict)


def latest_fold(state: Latest, event: Event, context: ReplayContext) -> Latest:
    data = event.data
    if isinstance(data, ValueReported):
        state.values[data.subject] = Fact(data.value, event.seq, event.occurred)
    elif isinstance(data, GoalSet):
        state.targets[data.subject] = Fact(data.target, event.seq, event.occurred)
    return state


def latest_results(state: Latest, context: ReplayContext) -> Iterator[Score]:
    unit = context.options.get("unit")
    for subject, fact in sorted(state.values.items()):
        goal = state.targets.get(subject)
        status = None if goal is None else "green" if fact.amount >= goal.amount else "red"
        against = f" against target {goal.amount} (seq {goal.seq})" if goal else ""
        yield Score(
            subject=subject,
            metric="value",
            period=fact.occurred or "all",
            value=fact.amount,
            target=goal.amount if goal else None,
            status=status,
            unit=unit,
            rationale=f"latest report seq {fact.seq}: {fact.amount}{against}",
            evidence=[fact.seq] + ([goal.seq] if goal else []),
        )


latest = Evaluator(
    name="latest",
    version="1",
    consumes=["ValueReported", "GoalSet"],
    state_type=Latest,
    fold=latest_fold,
    results=latest_results,
    description="the latest value of each subject against its target",
)


@attrs.define
class Sum:
    amount: Decimal = Decimal(0)
    seqs: list[int] = attrs.Factory(list)


@attrs.define
class Totals:
    subjects: dict[str, Sum] = attrs.Factory(dict)


def totals_fold(state: Totals, event: Event, context: ReplayContext) -> Totals:
    total = state.subjects.setdefault(event.data.subject, Sum())
    total.amount += event.data.value
    total.seqs.append(event.seq)
    return state


def totals_results(state: Totals, context: ReplayContext) -> Iterator[Score]:
    for subject, total in sorted(state.subjects.items()):
        yield Score(
            subject=subject,
            metric="total",
            period="all",
            value=total.amount,
            rationale=f"sum of {len(total.seqs)} reports",
            evidence=total.seqs,
        )


totals = Evaluator(
    name="totals",
    version="1",
    consumes=["ValueReported"],
    state_type=Totals,
    fold=totals_fold,
    results=totals_results,
    description="the sum of each subject's reports",
)


@attrs.define
class Nothing:
    pass


def no_fold(state: Any, event: Event, context: ReplayContext) -> Any:
    return state


def summary_results(state: Nothing, context: ReplayContext) -> Iterator[Score | Finding]:
    scores = [r for r in context.results_of("latest") if isinstance(r, Score)]
    judged = [r for r in scores if r.status is not None]
    on_target = [r for r in judged if r.status == "green"]
    evidence = sorted({seq for r in judged for seq in r.evidence})
    yield Score(
        subject="all",
        metric="on_target",
        period="all",
        value=len(on_target),
        target=len(judged),
        rationale=f"{len(on_target)} of {len(judged)} subjects on target",
        evidence=evidence,
    )
    for record in judged:
        if record.status == "red":
            yield Finding(
                kind="warn",
                subject=record.subject,
                rule="below-target",
                period=record.period,
                rationale=f"{record.value} is below the target {record.target}",
                evidence=record.evidence,
            )


summary = Evaluator(
    name="summary",
    version="1",
    consumes=[],
    requires=["latest"],
    state_type=Nothing,
    fold=no_fold,
    results=summary_results,
    description="how many subjects are on target (reads latest)",
)


@attrs.define
class ByType:
    seqs: dict[str, list[int]] = attrs.Factory(dict)


def by_type_fold(state: ByType, event: Event, context: ReplayContext) -> ByType:
    state.seqs.setdefault(event.type, []).append(event.seq)
    return state


def by_type_results(state: ByType, context: ReplayContext) -> Iterator[Score]:
    for name, seqs in sorted(state.seqs.items()):
        yield Score(
            subject=name,
            metric="events",
            period="all",
            value=len(seqs),
            rationale=f"{len(seqs)} events of type {name}",
            evidence=seqs,
        )


by_type = Evaluator(
    name="by_type",
    version="1",
    consumes=[ANY_TYPE],
    state_type=ByType,
    fold=by_type_fold,
    results=by_type_results,
    description="the events of each type",
)

PAYLOADS: tuple[type, ...] = (ValueReported, GoalSet)
EVALUATORS: tuple[Evaluator, ...] = (counter, latest, totals, summary, by_type)


@hookimpl
def register_event_types() -> list[type]:
    return list(PAYLOADS)


@hookimpl
def register_evaluators() -> list[Evaluator]:
    return list(EVALUATORS)


def readings_fold(state: Latest, event: Event, context: ReplayContext) -> Latest:
    if type(event.data).__name__ != "ReadingTaken":
        raise TypeError(f"got {type(event.data).__name__}, not the current ReadingTaken")
    state.values[event.data.subject] = Fact(event.data.value, event.seq, event.data.unit)
    return state


def readings_results(state: Latest, context: ReplayContext) -> Iterator[Score]:
    for subject, fact in sorted(state.values.items()):
        yield Score(
            subject=subject,
            metric="reading",
            period="all",
            value=fact.amount,
            unit=fact.occurred,
            rationale=f"reading of seq {fact.seq}",
            evidence=[fact.seq],
        )


readings = Evaluator(
    name="readings",
    version="1",
    consumes=["ReadingTaken"],
    state_type=Latest,
    fold=readings_fold,
    results=readings_results,
)


def failing_evaluator(where: str, *, name: str = "fragile", on_subject: str = "boom") -> Evaluator:
    """An evaluator that raises in ``fold`` (on a report about ``on_subject``) or in ``results``."""

    def fold(state: Count, event: Event, context: ReplayContext) -> Count:
        if where == "fold" and event.data.subject == on_subject:
            raise ValueError(f"cannot fold a report about {on_subject}")
        return count_fold(state, event, context)

    def results(state: Count, context: ReplayContext) -> Iterator[Score]:
        if where == "results":
            raise RuntimeError("cannot compute the results")
        yield from count_results(state, context)

    return Evaluator(
        name=name,
        version="1",
        consumes=["ValueReported"],
        state_type=Count,
        fold=fold,
        results=results,
    )


def results_only(
    name: str,
    produce: Callable[[ReplayContext], Iterable[Any]],
    *,
    requires: Iterable[str] = (),
    version: str = "1",
) -> Evaluator:
    """An evaluator that folds nothing and yields what ``produce(context)`` returns."""
    return Evaluator(
        name=name,
        version=version,
        consumes=[],
        requires=list(requires),
        state_type=Nothing,
        fold=no_fold,
        results=lambda state, context: produce(context),
    )


# -- plugins ---------------------------------------------------------------------


def this_module() -> types.ModuleType:
    """This module as a plugin object (named ``replay_helpers``)."""
    return sys.modules[__name__]


def make_plugin(
    name: str,
    *,
    version: str = "1.0",
    event_types: Sequence[type] | None = None,
    evaluators: Sequence[Evaluator] | None = None,
    upcasters: Sequence[tuple[str, int, Any]] | None = None,
    renderers: Sequence[Any] | None = None,
    exports: Sequence[Any] | None = None,
) -> types.ModuleType:
    """A plugin module named ``name`` implementing the hooks given (and no others)."""
    module = types.ModuleType(name)
    module.__version__ = version  # type: ignore[attr-defined]
    if event_types is not None:

        def register_event_types() -> list[type]:
            return list(event_types)

        module.register_event_types = hookimpl(register_event_types)  # type: ignore[attr-defined]
    if evaluators is not None:

        def register_evaluators() -> list[Evaluator]:
            return list(evaluators)

        module.register_evaluators = hookimpl(register_evaluators)  # type: ignore[attr-defined]
    if upcasters is not None:

        def register_upcasters() -> list[tuple[str, int, Any]]:
            return list(upcasters)

        module.register_upcasters = hookimpl(register_upcasters)  # type: ignore[attr-defined]
    if renderers is not None:

        def register_renderers() -> list[Any]:
            return list(renderers)

        module.register_renderers = hookimpl(register_renderers)  # type: ignore[attr-defined]
    if exports is not None:

        def register_exports() -> list[Any]:
            return list(exports)

        module.register_exports = hookimpl(register_exports)  # type: ignore[attr-defined]
    return module


def split_plugins() -> tuple[types.ModuleType, types.ModuleType]:
    """This module's payloads and evaluators as two plugins: ``core`` and ``extras``."""
    core = make_plugin("core", version="2.1", event_types=PAYLOADS, evaluators=[counter, latest])
    extras = make_plugin("extras", version="0.3", evaluators=[totals, summary, by_type])
    return core, extras


def install_plugin(directory: Path, name: str = "scoreboard") -> Path:
    """Copy this module into ``directory`` as the ``--plugins-dir`` plugin ``name``."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{name}.py"
    shutil.copyfile(__file__, target)
    return target


# -- engines, clocks and events --------------------------------------------------

START = dt.datetime(2019, 7, 1, 9, 0, tzinfo=dt.UTC)


def timestamp(moment: dt.datetime) -> str:
    """A record timestamp in the store's format (UTC, microseconds, ``Z``)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class StepClock:
    """A store clock whose every reading is one ``step`` after the previous one."""

    def __init__(self, start: dt.datetime = START, step: dt.timedelta = dt.timedelta(hours=1)):
        self.next = start
        self.step = step
        self.issued: list[str] = []

    def __call__(self) -> str:
        text = timestamp(self.next)
        self.issued.append(text)
        self.next += self.step
        return text


def open_engine(
    path: Path | str,
    plugins: Sequence[Any] | None = None,
    *,
    clock: Callable[[], str] | None = None,
    create: bool = True,
) -> gyengine.Engine:
    """An engine on a SQLite file (or a postgresql:// URL) with only the given plugins (default: this module)."""
    store = gyengine.open_store(path, create=create, clock=clock or StepClock())
    manager = gyengine.get_plugin_manager(
        entry_points=False, plugins=[this_module()] if plugins is None else plugins
    )
    return gyengine.Engine(store, manager)


def value(
    subject: str,
    amount: Any,
    *,
    id: str | None = None,
    occurred: str | None = "2019-06",
    supersedes: str | None = None,
    actor: str | None = "统计局",
    stream: str | None = None,
) -> NewEvent:
    """A ``ValueReported`` event about ``subject``."""
    return NewEvent(
        type="ValueReported",
        stream=stream or f"subject/{subject}",
        data=ValueReported(subject, Decimal(str(amount))),
        id=id,
        occurred=occurred,
        supersedes=supersedes,
        actor=actor,
    )


def target(
    subject: str,
    amount: Any,
    *,
    id: str | None = None,
    occurred: str | None = "2019",
    supersedes: str | None = None,
    actor: str | None = "发改局",
) -> NewEvent:
    """A ``GoalSet`` event for ``subject``."""
    return NewEvent(
        type="GoalSet",
        stream=f"goal/{subject}",
        data=GoalSet(subject, Decimal(str(amount))),
        id=id,
        occurred=occurred,
        supersedes=supersedes,
        actor=actor,
    )


def retraction(
    event_id: str, *, id: str | None = None, reason: str = "reported in error"
) -> NewEvent:
    """An ``EventRetracted`` event withdrawing ``event_id``."""
    return NewEvent(
        type="EventRetracted",
        stream="corrections",
        data=EventRetracted(reason),
        id=id,
        supersedes=event_id,
        actor="统计局",
    )


def correction(original: NewEvent, amount: Any, *, id: str | None = None) -> NewEvent:
    """A new event of ``original``'s type and stream that corrects it to ``amount``."""
    assert original.id is not None, "a corrected event needs an explicit id"
    data = original.data
    payload = (
        ValueReported(data.subject, Decimal(str(amount)))
        if isinstance(data, ValueReported)
        else GoalSet(data.subject, Decimal(str(amount)))
    )
    return attrs.evolve(original, id=id, data=payload, supersedes=original.id)


def append_batches(engine: gyengine.Engine, batches: Iterable[Sequence[NewEvent]]) -> None:
    """Append each batch in its own transaction (so each gets its own record time)."""
    for batch in batches:
        if batch:
            engine.append(batch)


# -- inspecting results and databases ------------------------------------------


def result_bytes(result: gyengine.Replay) -> bytes:
    """The replay's JSON as bytes, the way determinism is judged."""
    return json.dumps(result.to_json(), ensure_ascii=False).encode("utf-8")


def values_of(result: gyengine.Replay, evaluator: str) -> dict[str, str | None]:
    """``subject -> value`` (as text) of an evaluator's scores."""
    return {
        item.record.subject: item.to_json()["value"]
        for item in result.records
        if item.evaluator == evaluator and isinstance(item.record, Score)
    }


def evaluator_names(result: gyengine.Replay) -> list[str]:
    """The names of the evaluators a replay ran."""
    return [entry["name"] for entry in result.to_json()["evaluators"]]


def count_rows(path: Path | str, table: str) -> int:
    """How many rows ``table`` (or view: ``results``, ``evidence``) holds (0 when it does not exist)."""
    with sqlite3.connect(path) as conn:
        register_functions(conn)
        exists = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?",
            (table,),
        ).fetchone()[0]
        count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] if exists else 0
    conn.close()
    return int(count)


def execute(path: Path | str, sql: str, params: Sequence[Any] = ()) -> int:
    """Run one statement with plain sqlite3 (as a tamperer would); return the rows changed."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            changed = conn.execute(sql, params).rowcount
    finally:
        conn.close()
    return int(changed)


def execute_query(path: Path | str, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of one query, read with plain sqlite3."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


# -- random logs (Hypothesis) ----------------------------------------------------

SUBJECTS = ("a", "b", "c", "甲")
PERIODS = (None, "2019-05", "2019-06", "2019-W26", "2019-Q2", "2019-07", "2019-Q3", "2019")
AS_OF_DATES = (None, dt.date(2019, 6, 23), dt.date(2019, 6, 30), dt.date(2019, 7, 31))


def event_logs(max_events: int = 14) -> Any:
    """A Hypothesis strategy of event lists: reports, targets, corrections and retractions.

    Every event has an explicit id ``e<n>`` (its position), corrections and
    retractions point at earlier events, chains of corrections included.
    """
    from hypothesis import strategies as st

    amounts = st.integers(-100_000, 100_000).map(lambda n: Decimal(n).scaleb(-2))

    @st.composite
    def build(draw: Any) -> list[NewEvent]:
        size = draw(st.integers(min_value=1, max_value=max_events))
        events: list[NewEvent] = []
        for number in range(1, size + 1):
            event_id = f"e{number}"
            facts = [e for e in events if e.type != "EventRetracted"]
            kinds = ["value", "value", "target"]
            if facts:
                kinds += ["correct", "retract"]
            kind = draw(st.sampled_from(kinds))
            if kind == "value":
                event = value(
                    draw(st.sampled_from(SUBJECTS)),
                    draw(amounts),
                    id=event_id,
                    occurred=draw(st.sampled_from(PERIODS)),
                )
            elif kind == "target":
                event = target(draw(st.sampled_from(SUBJECTS)), draw(amounts), id=event_id)
            elif kind == "correct":
                event = correction(draw(st.sampled_from(facts)), draw(amounts), id=event_id)
            else:
                victim = draw(st.sampled_from(events))
                assert victim.id is not None
                event = retraction(victim.id, id=event_id)
            events.append(event)
        return events

    return build()


def split(events: Sequence[NewEvent], sizes: Iterable[int]) -> list[list[NewEvent]]:
    """Cut ``events`` into batches of the given sizes (the rest is one more batch)."""
    batches: list[list[NewEvent]] = []
    position = 0
    for size in sizes:
        if position >= len(events):
            break
        batches.append(list(events[position : position + size]))
        position += size
    if position < len(events):
        batches.append(list(events[position:]))
    return batches


# -- the CLI ---------------------------------------------------------------------


def isolate_cli(monkeypatch: Any) -> None:
    """Drop the environment variables that would steer the CLI.

    ``gyengine.cli.cli`` is one module-level group; it reloads plugin commands
    whenever --plugins-dir changes, so nothing else needs resetting.
    """
    for name in ("GYENGINE_DB", "GYENGINE_PLUGINS_DIR", "COLUMNS", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


def run_cli(args: Sequence[str], input: str | bytes | None = None) -> Any:
    """Run the ``gyengine`` CLI in-process with click's CliRunner."""
    from click.testing import CliRunner

    from gyengine.cli import cli

    return CliRunner().invoke(cli, [str(arg) for arg in args], input=input, prog_name="gyengine")


def one_line_error(result: Any) -> str:
    """The error of a failed command, checked to be one line (plus an optional hint)."""
    assert result.exit_code not in (0, None), result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    text = result.stderr
    assert "Traceback" not in text, text
    lines = text.rstrip("\n").split("\n")
    assert lines[0].startswith("Error: "), text
    assert len(lines) in (1, 3), f"more than one line and a hint: {text!r}"
    return lines[0]


def console_script() -> str:
    """The installed ``gyengine`` console script."""
    beside = Path(sys.executable).with_name("gyengine")
    if beside.exists():
        return str(beside)
    found = shutil.which("gyengine")
    assert found is not None, "the gyengine console script is not installed"
    return found
