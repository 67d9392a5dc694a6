"""The library's front door: an event log together with its plugins.

Example::

    import gyengine

    with gyengine.open("county.db", create=True) as engine:
        engine.append([gyengine.NewEvent(type="EventRetracted", stream="s", data={"reason": "x"})])
        result = engine.replay(as_of="2019-06-30")
        for item in result.records:
            print(item.record.subject, item.record.rationale)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import io
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import attrs

from .errors import (
    EvaluatorError,
    GyengineError,
    PlanInvalid,
    PlanRequired,
    UnknownFormat,
    UnknownPlan,
    UnknownReport,
)
from .evaluation import Evaluator
from .eventchecks import EventChecks
from .events import Event, EventTypes, NewEvent, PendingEvent, StoredEvent
from .plan import ALL_PLANS, DEFAULT_PLAN, plan_ids
from .plugins import (
    PluginManager,
    build_evaluators,
    build_event_checks,
    build_event_types,
    build_plan_sections,
    get_plugin_manager,
)
from .replay import Replay, ReplayOptions, ResultRecord, replay, replay_each
from .runs import RunStore
from .store import AppendResult, EventStore, SQLiteEventStore, VerifyResult
from .timeutil import Period, parse_timestamp, utc_now

if TYPE_CHECKING:
    from .document import Document
    from .exports import Export
    from .plan import Plan, PlanChange
    from .rendering import Renderer
    from .reports import ReportKind

__all__ = [
    "Audit",
    "Engine",
    "EvidenceEvent",
    "Explanation",
    "PlanLoad",
    "check_plan",
    "open",
    "open_store",
    "verify_log",
]


@attrs.frozen
class EvidenceEvent:
    """An event behind a result; ``superseded_by`` is the seq of the correction that replaced it."""

    event: StoredEvent
    superseded_by: int | None = None


@attrs.frozen
class Explanation:
    """The audit trail of one result: the record and every event behind it."""

    result: ResultRecord
    evidence: tuple[EvidenceEvent, ...]


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date (use 2019-06-30)") from None


def _as_timestamp(value: dt.datetime | str | None, *, end_of_day: bool = True) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return parse_timestamp(value.isoformat())
    return parse_timestamp(value, end_of_day=end_of_day)


@attrs.frozen
class PlanLoad:
    """What :meth:`Engine.load_plan` appended (with ``dry_run``, would append).

    ``changes`` are the items that differ from the plan in the log, each with
    its ``kind`` (``new``, ``revised`` or ``removed``), ``section`` and ``key``;
    ``appended`` is None when there was nothing to load.
    """

    path: str
    changes: tuple[PlanChange, ...]
    appended: AppendResult | None
    dry_run: bool = False

    def counts(self) -> dict[str, int]:
        """How many items are ``new``, ``revised`` and ``removed`` (only those with any)."""
        kinds = ("new", "revised", "removed")
        found = {kind: sum(1 for c in self.changes if c.kind == kind) for kind in kinds}
        return {kind: n for kind, n in found.items() if n}


def _replay_options(
    *,
    as_of: dt.date | str | None = None,
    known_at: dt.datetime | str | None = None,
    evaluators: Iterable[str] | None = None,
    options: Mapping[str, str] | None = None,
    **flags: Any,
) -> ReplayOptions:
    """:class:`ReplayOptions` from the arguments of :meth:`Engine.replay`."""
    return ReplayOptions(
        as_of=_as_date(as_of),
        known_at=_as_timestamp(known_at),
        evaluators=None if evaluators is None else tuple(evaluators),
        options=dict(options or {}),
        **flags,
    )


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while one append runs.

    An append makes a few objects per event that live until its end (the
    events, their rows, what the batch remembers) and almost no cycles, which
    reference counting frees anyway. The collector's passes over those
    survivors took 0.6 s of a 5.4 s append of 200,000 lines (docs/performance.md);
    paused, what cycles there are wait for the next pass after the append.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _counter(
    on_progress: Callable[[int, int | None], None], events: Iterable[Any]
) -> Callable[[int], None]:
    """The store's ``progress(handled)`` turned into ``on_progress(done, total)``."""
    total = len(events) if isinstance(events, Sized) else None
    done = 0

    def counted(handled: int) -> None:
        nonlocal done
        done += handled
        on_progress(done, total)

    return counted


class Engine:
    """An event store with the event types, evaluators and renderers of its plugins.

    Args:
        store: the event log.
        manager: the plugin manager (default: entry points only).
    """

    def __init__(self, store: EventStore, manager: PluginManager | None = None) -> None:
        self.store = store
        self.manager = manager if manager is not None else get_plugin_manager()
        self.registry: EventTypes = build_event_types(self.manager)
        self._evaluators: dict[str, tuple[Evaluator, str]] | None = None
        self._checks: EventChecks | None = None

    @property
    def evaluators(self) -> dict[str, tuple[Evaluator, str]]:
        """``name -> (evaluator, plugin)`` of every registered evaluator."""
        if self._evaluators is None:
            self._evaluators = build_evaluators(self.manager)
        return self._evaluators

    @property
    def checks(self) -> EventChecks:
        """The plugins' event checks, which :meth:`append` runs against the plan in force."""
        if self._checks is None:
            self._checks = EventChecks(
                build_event_checks(self.manager), build_plan_sections(self.manager), self.registry
            )
        return self._checks

    @property
    def reports(self) -> dict[str, ReportKind]:
        """``name -> kind`` of every report kind (gyengine's own ``results`` among them)."""
        from .plugins import build_reports

        return build_reports(self.manager)

    @property
    def renderers(self) -> dict[str, Renderer]:
        """``name -> renderer`` of every renderer of report documents."""
        from .plugins import build_renderers

        return build_renderers(self.manager)

    @property
    def exports(self) -> dict[str, Export]:
        """``name -> export`` of every export of a replay's records (``json``, ``csv``...)."""
        from .plugins import build_exports

        return build_exports(self.manager)

    def renderer(self, name: str) -> Renderer:
        """The renderer called ``name``.

        Raises:
            UnknownFormat: no renderer has that name (the error lists those there are).
        """
        renderers = self.renderers
        if name not in renderers:
            raise UnknownFormat(name, list(renderers))
        return renderers[name]

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def append(
        self,
        events: Iterable[NewEvent | PendingEvent],
        *,
        expected_version: int | Mapping[str, int] | None = None,
        dry_run: bool = False,
        keep_recorded: bool = False,
        on_progress: Callable[[int, int | None], None] | None = None,
    ) -> AppendResult:
        """Validate and append events, all of them or none (see :meth:`SQLiteEventStore.append`).

        Every event is checked against the plan in force (the plugins' event
        checks; definition events earlier in the batch count): the first that
        contradicts it raises :class:`~gyengine.eventchecks.EventRefused`
        naming its field and what the plan allows, and nothing is appended.

        ``on_progress(done, total)`` is called now and then (every few hundred
        events) with the events handled so far and ``len(events)`` when
        ``events`` has a length (else ``None``); see :mod:`gyengine.progress`.

        Raises:
            InvalidEvent: an event is invalid or contradicts the plan (its
                ``index`` in the batch, 0-based, when the store knows it).
        """
        encode = self.registry.encode
        pending = (e if isinstance(e, PendingEvent) else encode(e) for e in events)
        with _collector_paused():
            return self.checks.append(
                self.store,
                pending,
                expected_version=expected_version,
                dry_run=dry_run,
                keep_recorded=keep_recorded,
                progress=None if on_progress is None else _counter(on_progress, events),
            )

    def plans(self) -> list[str]:
        """The ids of the plans the log defines, sorted (``default``: the plan whose streams carry no id)."""
        return plan_ids(self.store, build_plan_sections(self.manager))

    def choose_plan(self, plan: str | None) -> str | None:
        """The plan a plan-scoped command replays, given ``--plan`` (or ``None``).

        Without a plan id, the log's only plan (``None`` when that is the
        default plan, or when the log holds no plan: every event is folded, as
        in a log of one county).

        Raises:
            PlanRequired: no plan id was given and the log holds several.
            UnknownPlan: the log holds no plan of that id.
        """
        known = self.plans()
        if plan is None:
            if len(known) > 1:
                raise PlanRequired(known)
            return None if known in ([], [DEFAULT_PLAN]) else known[0]
        if plan == ALL_PLANS:
            raise GyengineError(f"--plan {ALL_PLANS} replays each plan: give one plan id here")
        if plan not in known:
            raise UnknownPlan(plan, known)
        return plan

    def events(self, **filters: Any) -> Iterator[Event]:
        """Read decoded events; takes the filters of :meth:`SQLiteEventStore.read`."""
        return self.registry.decode_rows(self.store.read_rows(data_bytes=True, **filters))

    def replay(
        self,
        *,
        as_of: dt.date | str | None = None,
        known_at: dt.datetime | str | None = None,
        evaluators: Iterable[str] | None = None,
        options: Mapping[str, str] | None = None,
        allow_broken_chain: bool = False,
        checkpoints: bool = True,
        save: bool = True,
        progress: Callable[[int], None] | None = None,
        verify_all: bool = False,
        parallel: bool = False,
        plan: str | None = None,
    ) -> Replay:
        """Replay the log through the evaluators; save the run unless ``save`` is false.

        ``as_of`` is a date (business time); ``known_at`` a date or time (record
        time; a bare date means the end of that day, UTC). ``plan`` chooses the
        plan of a log of many (see :meth:`choose_plan`).
        """
        replay_options = _replay_options(
            plan=self.choose_plan(plan),
            as_of=as_of,
            known_at=known_at,
            evaluators=evaluators,
            options=options,
            allow_broken_chain=allow_broken_chain,
            checkpoints=checkpoints,
            verify_all=verify_all,
            parallel=parallel,
        )
        runs = self._runs()
        result = replay(
            self.store,
            self.registry,
            self.evaluators,
            replay_options,
            plugins=sorted(self.manager.versions.items()),
            runs=runs,
            progress=progress,
        )
        return self.save_run(result) if save else result

    def replay_each(
        self,
        plans: Iterable[str] | None = None,
        *,
        save: bool = True,
        progress: Callable[[int], None] | None = None,
        **options: Any,
    ) -> Iterator[Replay]:
        """Replay each plan of a log of many in turn (``--plan all``), saving each run unless ``save`` is false.

        ``plans`` defaults to every plan of the log; ``options`` are those of
        :meth:`replay` (but ``plan``). The chain is checked once for them all
        (see :func:`~gyengine.replay.replay_each`); one plan's results are in
        memory at a time.

        Raises:
            UnknownPlan: a plan the log does not hold.
        """
        known = self.plans()
        chosen = known if plans is None else list(plans)
        for plan_id in chosen:
            if plan_id not in known:
                raise UnknownPlan(plan_id, known)
        results = replay_each(
            self.store,
            self.registry,
            self.evaluators,
            _replay_options(**options),
            chosen,
            plugins=sorted(self.manager.versions.items()),
            runs=self._runs(),
            progress=progress,
        )
        for result in results:
            yield self.save_run(result) if save else result

    def save_run(self, result: Replay) -> Replay:
        """Save a replay made with ``save=False`` as a run; the same replay with its ``run_id``.

        The run goes into the store's run tables (``store.runs()``), beside the log.
        """
        runs = self._runs()
        if runs is None:
            return result
        run_id = runs.save_run(result.run_row(), [item.to_row() for item in result.records])
        return attrs.evolve(result, run_id=run_id)

    def _runs(self) -> RunStore | None:
        return self.store.runs()

    def check_plan(self, path: str | os.PathLike[str], *, plan_id: str | None = None) -> Plan:
        """Check a plan file with this engine's plugins, writing nothing (see :func:`check_plan`)."""
        return check_plan(path, self.manager, plan_id=plan_id)

    def load_plan(
        self,
        path: str | os.PathLike[str],
        *,
        actor: str | None = None,
        recorded: dt.datetime | str | None = None,
        dry_run: bool = False,
        plan_id: str | None = None,
    ) -> PlanLoad:
        """Load a plan file (TOML) as definition events: new, revised and removed items only.

        Loading the same file twice appends nothing; a changed item appends its
        revision, superseding the definition it replaces, so that replays known
        at an earlier time do not see it.

        Args:
            path: the plan file.
            actor: who loads it (the events' actor).
            recorded: entering a past year: the plan as known from this time (a
                date means its start, UTC) instead of now; no earlier than the
                log's newest event (see docs/history.md).
            dry_run: check and count, append nothing.
            plan_id: the plan's id in a database of many plans (``county-007``):
                its streams begin with ``county-007:``; the file's own
                ``plan_id``, if any, must agree.

        Raises:
            PlanInvalid: the file has problems (one line each).
            InvalidEvent: ``recorded`` is refused (field ``$.recorded``).
        """
        from .plan import iter_events, plan_changes, read_plan
        from .plugins import build_plan_sections

        since = _as_timestamp(recorded, end_of_day=False)
        sections = build_plan_sections(self.manager)
        parsed = read_plan(Path(path), sections, self.registry, plan_id=plan_id)
        changes = tuple(plan_changes(parsed, sections, self.store, self.registry, actor=actor))
        if not changes:
            return PlanLoad(os.fspath(path), changes, None, dry_run)
        events = iter_events(changes)
        if since is not None:
            events = (attrs.evolve(event, recorded=since) for event in events)
        result = self.store.append(events, dry_run=dry_run, keep_recorded=since is not None)
        return PlanLoad(os.fspath(path), changes, result, dry_run)

    @overload
    def report(
        self,
        kind: str,
        period: str | Period | None = None,
        *,
        as_of: dt.date | str | None = None,
        known_at: dt.datetime | str | None = None,
        lang: str | None = None,
        format: None = None,
        options: Mapping[str, str] | None = None,
        parallel: bool = False,
        plan: str | None = None,
        checkpoints: bool = True,
        verify_all: bool = False,
    ) -> Document: ...

    @overload
    def report(
        self,
        kind: str,
        period: str | Period | None = None,
        *,
        as_of: dt.date | str | None = None,
        known_at: dt.datetime | str | None = None,
        lang: str | None = None,
        format: str,
        options: Mapping[str, str] | None = None,
        parallel: bool = False,
        plan: str | None = None,
        checkpoints: bool = True,
        verify_all: bool = False,
    ) -> bytes: ...

    def report(
        self,
        kind: str,
        period: str | Period | None = None,
        *,
        as_of: dt.date | str | None = None,
        known_at: dt.datetime | str | None = None,
        lang: str | None = None,
        format: str | None = None,
        options: Mapping[str, str] | None = None,
        parallel: bool = False,
        plan: str | None = None,
        checkpoints: bool = True,
        verify_all: bool = False,
    ) -> Document | bytes:
        """A report of ``kind`` about ``period``: its document, or with ``format`` its bytes.

        The log is replayed (not saved) as of the period's last day, or
        ``as_of``, and as known at ``known_at``, through the evaluators the kind
        needs; the kind builds the :class:`~gyengine.Document`. With ``format``
        (``terminal``, ``markdown``, ``html``, ``csv``, ``xlsx``, ``json`` or a
        plugin's) it is rendered, with the renderer's ``options``, into bytes:
        text formats as UTF-8. The same log, plugins and arguments give the
        same bytes.

        Args:
            kind: ``weekly``, ``monthly``, ``quarterly``, ``scoreboard``,
                ``results`` or a plugin's own (see :attr:`reports`).
            period: ``2019-W23``, ``2019-06``, ``2019-Q2``... as text or a
                :class:`~gyengine.Period`; None for a kind that covers none.
            lang: ``zh`` or ``en``; None: the plan's own language.
            plan: in a database of many plans, the plan reported on (see :meth:`choose_plan`).
            checkpoints: use and save sealed checkpoints (see :meth:`replay`).
            verify_all: also verify the rows behind a checkpoint.

        Raises:
            UnknownReport: no kind of that name.
            WrongPeriod: ``period`` is not what the kind covers.
            UnknownFormat: no renderer called ``format`` (checked before replaying).
            ValueError: ``period`` or a time cannot be read.
        """
        reports = self.reports
        if kind not in reports:
            raise UnknownReport(kind, list(reports))
        report_kind = reports[kind]
        covered = report_kind.covering(period)
        renderer = self.renderer(format) if format is not None else None
        if as_of is None and covered is not None:
            as_of = covered.end
        result = self.replay(
            as_of=as_of,
            known_at=known_at,
            evaluators=report_kind.evaluators,
            save=False,
            parallel=parallel,
            plan=plan,
            checkpoints=checkpoints,
            verify_all=verify_all,
        )
        document = report_kind.document(result, covered, lang)
        if renderer is None:
            return document
        return render(renderer, document, options)

    def scoreboard(self, *, full: bool = False) -> ReportKind:
        """The report kind ``gyengine replay`` prints; ``.document(replay, None, lang)`` builds it.

        A plugin's kind ``scoreboard`` (one screen), when there is one; with
        ``full``, or when no plugin registers one, gyengine's own ``results``
        (every evaluator's latest judged results and every finding).
        """
        from .reports import RESULTS, SCOREBOARD

        reports = self.reports
        board = reports.get(SCOREBOARD)
        if full or board is None or board.period is not None:
            return reports[RESULTS]
        return board

    def verify(
        self,
        *,
        derived: bool = True,
        expected_heads: Iterable[str] = (),
        progress: Callable[[int], None] | None = None,
        workers: int | None = 1,
    ) -> Audit:
        """Check the chain, then the saved runs and checkpoints, then published heads.

        See :func:`verify_log`.
        """
        return verify_log(
            self.store,
            derived=derived,
            expected_heads=expected_heads,
            progress=progress,
            workers=workers,
        )

    def explain(
        self,
        subject: str,
        metric: str | None = None,
        period: str | None = None,
        **replay_options: Any,
    ) -> list[Explanation]:
        """The audit trail of the results about ``subject``.

        Replays (without saving) with ``replay_options``, then gathers every
        evidence event and, through ``supersedes``, the reports that later
        corrections replaced.
        """
        result = self.replay(save=False, **replay_options)
        explanations = []
        for item in result.find(subject, metric, period):
            trail: dict[int, EvidenceEvent] = {}
            for seq in item.record.evidence:
                row = self.store.at(seq)
                if row is None:
                    continue
                trail[row.seq] = EvidenceEvent(row)
                successor = row
                while successor.supersedes is not None:
                    earlier = self.store.get(successor.supersedes)
                    if earlier is None or earlier.seq in trail:
                        break
                    trail[earlier.seq] = EvidenceEvent(earlier, superseded_by=successor.seq)
                    successor = earlier
            explanations.append(Explanation(item, tuple(trail[s] for s in sorted(trail))))
        return explanations


def render(
    renderer: Renderer, document: Document, options: Mapping[str, str] | None = None
) -> bytes:
    """``document`` written by ``renderer`` into bytes (a text format's as UTF-8)."""
    from .rendering import is_binary

    if is_binary(renderer):
        binary = io.BytesIO()
        renderer.render(document, binary, options)
        return binary.getvalue()
    text = io.StringIO(newline="")  # "\n" stays "\n": the bytes are the same on every system
    renderer.render(document, text, options)
    return text.getvalue().encode("utf-8")


def check_plan(
    path: str | os.PathLike[str],
    manager: PluginManager | None = None,
    *,
    plan_id: str | None = None,
) -> Plan:
    """Read a plan file as ``load_plan`` would, then replay it alone through every evaluator.

    Nothing is written anywhere: the plan goes into an empty log in memory, so
    a plan the evaluators would refuse is refused here, not at the first
    replay after loading it.

    Raises:
        PlanInvalid: the file has problems, or the evaluators refuse the plan.
    """
    from .plan import iter_events, plan_changes, read_plan
    from .plugins import build_plan_sections

    manager = manager if manager is not None else get_plugin_manager()
    from .memory import MemoryEventStore

    with Engine(MemoryEventStore(), manager) as engine:
        sections = build_plan_sections(manager)
        parsed = read_plan(Path(path), sections, engine.registry, plan_id=plan_id)
        changes = plan_changes(parsed, sections, engine.store, engine.registry, actor=None)
        engine.store.append(iter_events(changes))
        try:
            engine.replay(save=False, checkpoints=False)
        except EvaluatorError as error:
            refused = PlanInvalid(
                [f"{os.fspath(path)}: the plan loads, but the evaluators cannot replay it: {error}"]
            )
            refused.hint = (
                "fix the item the message names; `gyengine plan check` replays the plan alone"
            )
            raise refused from None
    return parsed


@attrs.frozen
class Audit:
    """What :func:`verify_log` found: the first problem of the log and what sits beside it.

    ``problem`` is one line naming the first broken seq, the first saved run or
    checkpoint that fails its seal or its binding to the chain, or the first
    published head the log does not hold; ``None`` when everything checks.
    """

    chain: VerifyResult
    problem: str | None
    runs: int = 0
    checkpoints: int = 0
    derived_checked: bool = True
    memos: int = 0

    @property
    def ok(self) -> bool:
        """Whether everything checked."""
        return self.problem is None


def verify_log(
    store: EventStore,
    *,
    derived: bool = True,
    expected_heads: Iterable[str] = (),
    progress: Callable[[int], None] | None = None,
    workers: int | None = 1,
) -> Audit:
    """Verify a log as ``gyengine verify`` does, and say the first problem.

    Args:
        store: the log.
        derived: also check every saved run, checkpoint and results memo (their
            seals under the key, and that the log still holds the hash each was
            made from).
        expected_heads: hashes published earlier (lower-case hex): the log must hold each.
        progress: called with the number of rows checked, now and then.
        workers: processes for the chain check (see the store's ``verify``).
    """
    chain = store.verify(progress=progress, workers=workers)
    if chain.problem is not None:
        return Audit(chain, f"chain broken at {chain.problem}", derived_checked=False)
    runs = checkpoints = memos = 0
    if derived:
        tables = store.runs()

        def hash_at(seq: int) -> str | None:
            row = store.at(seq)
            return row.hash if row is not None else None

        first = next(tables.problems(hash_at), None)
        if first is not None:
            return Audit(chain, first)
        runs, checkpoints = tables.counts()
        memos = tables.memo_count()
    for digest in expected_heads:
        if not store.holds_hash(digest):
            problem = f"no event has the hash {digest}: the log is not the one published"
            return Audit(chain, problem, runs, checkpoints, derived, memos)
    return Audit(chain, None, runs, checkpoints, derived, memos)


def open_store(
    target: str | os.PathLike[str],
    *,
    create: bool = False,
    clock: Callable[[], str] | None = None,
) -> EventStore:
    """Open (or with ``create``, set up) the event log ``target`` names.

    ``postgresql://user@host/db`` (or ``postgres://``) opens a PostgreSQL
    database with :class:`~gyengine.postgres.PostgresEventStore` (install the
    ``postgres`` extra: ``pip install 'gyengine[postgres]'``); anything else is
    the path of a SQLite file; ``memory:`` is a new, empty log in this process's
    memory (:class:`~gyengine.memory.MemoryEventStore`, gone when it ends).
    """
    text = os.fspath(target)
    clock = clock or utc_now
    if text == "memory:":
        from .memory import MemoryEventStore

        return MemoryEventStore(clock=clock)
    if text.startswith(("postgresql://", "postgres://")):
        try:
            from .postgres import PostgresEventStore
        except ImportError as error:
            missing = GyengineError(f"{text.split('@')[-1]}: PostgreSQL needs psycopg 3 ({error})")
            missing.hint = "install it with `pip install 'gyengine[postgres]'`"
            raise missing from None
        return PostgresEventStore(text, create=create, clock=clock)
    scheme = text.partition("://")[0]
    if "://" in text and scheme.isalpha():
        raise GyengineError(
            f"{scheme}://: gyengine keeps its log in a SQLite file or in PostgreSQL"
            " (postgresql://user@host/database), not in this kind of database"
        )
    return SQLiteEventStore(text, create=create, clock=clock)


def open(
    path: str | os.PathLike[str],
    *,
    create: bool = False,
    plugins_dir: str | Path | None = None,
    entry_points: bool = True,
    plugins: Iterable[Any] = (),
) -> Engine:
    """Open (or with ``create``, create) an event log with its plugins.

    ``path`` is a SQLite file or a ``postgresql://`` URL (see :func:`open_store`).
    """
    manager = get_plugin_manager(
        entry_points=entry_points, plugins_dir=plugins_dir, plugins=plugins
    )
    return Engine(open_store(path, create=create), manager)
