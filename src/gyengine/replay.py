"""Replay: fold the log through the evaluators into scores, findings and evidence.

A replay reads the log up to a bound (all of it, or what was known at a record
time), checks every row it reads with the one chain checker (:mod:`.chain`, as
``verify`` does), skips events that later events supersede,
leaves out facts about periods that began after the as-of date, and hands each
evaluator the events it consumes, decoded and upcast. Evaluators run in the
order their ``requires`` give; their records are sorted by stable keys, so the
same log, plugins and options give byte-identical JSON.

Checkpoints make it incremental: an evaluator's state after seq N is saved,
sealed (:mod:`.seal`), with the hash at N, and reused only when its seal
checks, the evaluator's version and the options match, the hash at N is
unchanged, and no later event supersedes one at or before N. A checkpoint whose
seal fails makes the replay start from seq 1, with a note. Only the rows read
are verified: after a checkpoint at N, rows N+1.. and the link to the hash at N;
the result says so (:meth:`Replay.verification_text`). A row changed behind the
checkpoint does not change the answer (the state was folded from the rows as
they were); ``verify_all`` (``--verify-all``) checks every row first, a problem
met after the checkpoint sends the replay back over the rows behind it for the
first one, and ``gyengine verify`` checks the whole log. Whether a replay
resumed or not never changes its answer (``to_json``); only what it says it
verified differs.
"""

from __future__ import annotations

import datetime as dt
import json
import weakref
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import Any, Final

import attrs
import cattrs

from .canonical import (
    GENESIS_HASH,
    canonical_json,
    event_hash,
)
from .chain import ChainChecker, ChainProblem, UnreadableRow
from .errors import BrokenChain, GyengineError
from .evaluation import (
    ANY_TYPE,
    Evaluator,
    EvaluatorError,
    Finding,
    Record,
    ReplayContext,
    Score,
    check_record,
    json_text,
    order_evaluators,
)
from .events import Event, EventTypes
from .memo import memo_body, memo_context, memo_records
from .plan import DEFAULT_PLAN, plan_of, scoped
from .runs import Checkpoint, Memo, RunStore
from .store import EventStore

__all__ = [
    "BrokenChain",
    "Replay",
    "ReplayOptions",
    "ResultRecord",
    "Trusted",
    "replay",
    "replay_each",
]


def _names_or_none(value: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(sorted(set(value)))


def _sorted_dict(value: Mapping[str, str]) -> dict[str, str]:
    return dict(sorted(value.items()))


@attrs.frozen(kw_only=True)
class ReplayOptions:
    """What a replay is asked.

    Args:
        as_of: business time: facts about periods that begin after this date are left out.
        known_at: record time: only events appended at or before this record timestamp count.
        evaluators: run only these (and what they require); ``None`` runs all.
        options: evaluator options (``-o key=value``), passed in the context.
        allow_broken_chain: go on when the log fails verification (the run says so).
        checkpoints: reuse and save checkpoints.
        verify_all: also verify the rows behind a checkpoint (slower; a full
            replay always verifies every row it reads).
        parallel: on a read of 100,000 rows or more, hash the rows in a second
            process while this one folds (the CLI does; from a script, only under
            ``if __name__ == "__main__":``, since the worker is spawned).
        plan: in a log of many plans, fold only this plan's events (its
            streams begin with ``<plan>:``; ``default``: the streams with no
            plan id); ``None`` folds every event. The chain is checked over
            every row of the range read all the same.
    """

    as_of: dt.date | None = None
    known_at: str | None = None
    evaluators: tuple[str, ...] | None = attrs.field(default=None, converter=_names_or_none)
    options: dict[str, str] = attrs.field(factory=dict, converter=_sorted_dict)
    allow_broken_chain: bool = False
    checkpoints: bool = True
    verify_all: bool = False
    parallel: bool = False
    plan: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The options that decide the answer, as JSON (``checkpoints`` does not).

        ``plan`` is there only for a replay of one plan, so a one-plan log's
        runs read as they always did.
        """
        data: dict[str, Any] = {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "known_at": self.known_at,
            "evaluators": list(self.evaluators) if self.evaluators is not None else None,
            "options": self.options,
            "allow_broken_chain": self.allow_broken_chain,
        }
        if self.plan is not None:
            data["plan"] = self.plan
        return data

    def keeps(self) -> Callable[[str], bool] | None:
        """Whether a stream belongs to the plan replayed (``None``: every stream does)."""
        if self.plan is None:
            return None
        if self.plan == DEFAULT_PLAN:
            return lambda stream: plan_of(stream)[0] is None
        prefix = scoped(self.plan, "")
        return lambda stream: stream.startswith(prefix)


@attrs.frozen
class ResultRecord:
    """A record with the evaluator that produced it."""

    evaluator: str
    evaluator_version: str
    plugin: str
    record: Record

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON object; exact figures as decimal strings."""
        record = self.record
        base: dict[str, Any] = {
            "evaluator": self.evaluator,
            "evaluator_version": self.evaluator_version,
            "record_type": record.record_type,
        }
        for field in attrs.fields(type(record)):
            value = getattr(record, field.name)
            if isinstance(value, Decimal):
                value = format(value, "f")
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, dict):
                value = json_text(value)
            base[field.name] = value
        return base

    def to_row(self) -> dict[str, Any]:
        """The record as a row of the ``results`` table.

        The texts are those of :meth:`to_json` (a Decimal as its decimal text),
        made here directly: a run saves thousands of rows.
        """
        record = self.record
        if isinstance(record, Score):
            return {
                "evaluator": self.evaluator,
                "evaluator_version": self.evaluator_version,
                "record_type": "score",
                "subject": record.subject,
                "label": record.label,
                "metric": record.metric,
                "period": record.period,
                "value": _figure_text(record.value),
                "target": _figure_text(record.target),
                "expected": _figure_text(record.expected),
                "status": record.status,
                "points": _figure_text(record.points),
                "unit": record.unit,
                "kind": None,
                "rule": None,
                "rationale": record.rationale,
                "details": _details_json(record.details),
                "evidence": list(record.evidence),
            }
        return {
            "evaluator": self.evaluator,
            "evaluator_version": self.evaluator_version,
            "record_type": "finding",
            "subject": record.subject,
            "label": record.label,
            "metric": record.rule,
            "period": record.period,
            "value": None,
            "target": None,
            "expected": None,
            "status": record.kind,
            "points": _figure_text(record.points),
            "unit": None,
            "kind": record.kind,
            "rule": record.rule,
            "rationale": record.rationale,
            "details": _details_json(record.parameters),
            "evidence": list(record.evidence),
        }


def _figure_text(value: Any) -> Any:
    """A figure as :meth:`ResultRecord.to_json` writes it: a Decimal as its decimal text."""
    return format(value, "f") if isinstance(value, Decimal) else value


def _decimal_default(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_DETAILS_ENCODER: Final = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, default=_decimal_default
)


def _details_json(value: Mapping[str, Any]) -> str:
    """The ``details`` column: ``json.dumps(json_text(value), ensure_ascii=False,
    sort_keys=True)``, in one pass (each Decimal written as its decimal text by
    the encoder's ``default``, as :func:`~gyengine.evaluation.json_text` writes it)."""
    return _DETAILS_ENCODER.encode(value)


def _head_key(item: ResultRecord) -> tuple[str, ...]:
    record = item.record
    if isinstance(record, Score):
        return (item.evaluator, "score", record.subject, record.metric, record.period)
    return (item.evaluator, "finding", record.subject, record.rule, record.period, record.kind)


def _full_key(item: ResultRecord) -> str:
    return canonical_json(item.to_json())


def _sort_records(items: Iterable[ResultRecord]) -> list[ResultRecord]:
    """Records in their stable order: by evaluator, type, subject, metric or rule,
    period (and a finding's kind), then by their canonical JSON.

    The canonical JSON, which costs most, is made only for records whose other
    keys tie (few do): the order is the one a key of all of them would give.
    """
    keyed = sorted(((_head_key(item), item) for item in items), key=itemgetter(0))
    ordered: list[ResultRecord] = []
    for _, group in groupby(keyed, key=itemgetter(0)):
        tied = [item for _, item in group]
        ordered.extend(sorted(tied, key=_full_key) if len(tied) > 1 else tied)
    return ordered


@attrs.frozen
class Trusted:
    """A sealed checkpoint a replay started from: the rows up to ``seq`` were not re-read."""

    evaluator: str
    seq: int
    hash: str


@attrs.frozen(kw_only=True)
class Replay:
    """The outcome of a replay: the log range read, the plugins, and the records.

    ``resumed`` (which checkpoints were used), ``memoised`` (the evaluators
    whose results were read from sealed memos, :mod:`gyengine.memo`) and
    ``run_id`` are not part of :meth:`to_json`: they never change the answer.
    """

    options: ReplayOptions
    seq_to: int
    head_hash: str
    chain_problem: ChainProblem | None
    plugins: tuple[tuple[str, str], ...]
    evaluators: tuple[tuple[str, str, str], ...]
    records: tuple[ResultRecord, ...]
    events_read: int = 0
    synthetic: bool = False
    resumed: Mapping[str, int] = attrs.field(factory=dict)
    run_id: int | None = None
    verified_from: int = 1
    trusted: tuple[Trusted, ...] = ()
    notes: tuple[str, ...] = ()
    memoised: tuple[str, ...] = ()

    @property
    def chain_ok(self) -> bool:
        """Whether every row this replay verified (``verified_from..seq_to``) is sound."""
        return self.chain_problem is None

    def verification_json(self) -> dict[str, Any]:
        """What this replay checked and what it trusted (depends on the checkpoints it found)."""
        return {
            "rows_verified": [self.verified_from, self.seq_to]
            if self.verified_from <= self.seq_to
            else None,
            "trusted_checkpoints": [attrs.asdict(point) for point in self.trusted],
            "results_memos": list(self.memoised),
            "summary": self.verification_text(),
            "notes": list(self.notes),
        }

    def verification_text(self) -> str:
        """One line: the rows verified, and the sealed checkpoints trusted for the rows before."""
        first, last = self.verified_from, self.seq_to
        if last == 0:
            parts = ["empty log"]
        elif first <= last:
            parts = [f"rows {first}..{last} verified"]
        else:
            parts = []
        if self.trusted:
            seqs = sorted({point.seq for point in self.trusted})
            top = max(self.trusted, key=lambda point: point.seq)
            # With --verify-all the rows behind the checkpoints were read too.
            behind = f"rows 1..{first - 1} not re-read: " if first > 1 else ""
            parts.append(
                f"{behind}evaluator states from checkpoints at seq "
                + ", ".join(str(seq) for seq in seqs)
                + f", seals checked, hash at seq {top.seq} {top.hash[:12]}... matches the log"
            )
        if self.chain_problem is not None:
            parts.append(f"chain broken at {self.chain_problem}")
        return "; ".join(parts) if parts else "nothing verified"

    def find(
        self, subject: str, metric: str | None = None, period: str | None = None
    ) -> list[ResultRecord]:
        """The records about ``subject`` (for findings, ``metric`` matches the rule)."""
        found = []
        for item in self.records:
            record = item.record
            name = record.metric if isinstance(record, Score) else record.rule
            if record.subject != subject:
                continue
            if metric is not None and name != metric:
                continue
            if period is not None and record.period != period:
                continue
            found.append(item)
        return found

    def to_json(self) -> dict[str, Any]:
        """Everything that decides the answer, deterministic to the byte."""
        return {
            "log": {
                "seq_from": 1,
                "seq_to": self.seq_to,
                "head_hash": self.head_hash,
                "chain_ok": self.chain_ok,
                "chain_problem": str(self.chain_problem) if self.chain_problem else None,
                "synthetic": self.synthetic,
            },
            "options": self.options.to_json(),
            "plugins": [{"name": n, "version": v} for n, v in self.plugins],
            "evaluators": [{"name": n, "version": v, "plugin": p} for n, v, p in self.evaluators],
            "results": [item.to_json() for item in self.records],
        }

    def run_row(self) -> dict[str, Any]:
        """The row saved in the ``runs`` table."""
        options = self.options.to_json()
        plugins = [{"name": n, "version": v} for n, v in self.plugins]
        evaluators = [{"name": n, "version": v, "plugin": p} for n, v, p in self.evaluators]
        problem = str(self.chain_problem) if self.chain_problem else None
        return {
            "as_of": options["as_of"],
            "known_at": self.options.known_at,
            "seq_from": 1,
            "seq_to": self.seq_to,
            "head_hash": self.head_hash,
            "chain_ok": int(self.chain_ok),
            "chain_problem": problem,
            "allow_broken_chain": int(self.options.allow_broken_chain),
            "options": json.dumps(options, ensure_ascii=False, sort_keys=True),
            "plugins": json.dumps(plugins, ensure_ascii=False),
            "evaluators": json.dumps(evaluators, ensure_ascii=False),
            "verified_from": self.verified_from,
            "trusted": json.dumps(
                [attrs.asdict(point) for point in self.trusted], ensure_ascii=False
            ),
        }


def _exact_decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} has no exact decimal form")
    return str(value)


_CHECKPOINT_CONVERTERS: weakref.WeakKeyDictionary[
    EventTypes, tuple[cattrs.Converter, cattrs.Converter]
] = weakref.WeakKeyDictionary()
"""Per registry, its converter and the checkpoint converter copied from it."""


def _checkpoint_converter(registry: EventTypes) -> cattrs.Converter:
    """The payload converter, but writing Decimals with their exponent (``2E+2``).

    Payloads write ``format(d, "f")`` (``200``), which loses the exponent; in a
    checkpointed state that would change later arithmetic (``2E+2 * 1.5`` is
    ``3.0E+2``, ``200 * 1.5`` is ``300.0``) and so the answer of a resumed replay.

    Made once per registry: a copy of a converter generates its structure and
    unstructure functions anew, which cost more than a county's restore
    (profiled: 0.01-0.02 s each time, twice per replay).
    """
    converter = registry.converter
    known = _CHECKPOINT_CONVERTERS.get(registry)
    if known is not None and known[0] is converter:
        return known[1]
    exact = converter.copy()
    exact.register_unstructure_hook(Decimal, _exact_decimal)
    _CHECKPOINT_CONVERTERS[registry] = (converter, exact)
    return exact


CONFIG_VERSION: Final = 1
"""Bumped when the replay's own semantics change, so old checkpoints are not reused."""


def config_key(evaluator: Evaluator, options: ReplayOptions) -> str:
    """The checkpoint key of an evaluator under these options."""
    config: dict[str, Any] = {
        "engine": CONFIG_VERSION,
        "evaluator": evaluator.name,
        "version": evaluator.version,
        "as_of": options.as_of.isoformat() if options.as_of else None,
        "options": options.options,
    }
    if options.plan is not None:  # checkpoints are per plan; a one-plan log's keys stay
        config["plan"] = options.plan
    return event_hash(canonical_json(config).encode("utf-8"))


@attrs.define
class _Folding:
    """The replay's working state: the evaluators, their states and where each resumes."""

    plan: list[Evaluator]
    owner: dict[str, str]
    keys: dict[str, str]
    states: dict[str, Any]
    after: dict[str, int]
    trusted: dict[str, Trusted]
    notes: list[str]
    memos: dict[str, tuple[Record, ...]] = attrs.field(factory=dict)
    """The results read from sealed memos, by evaluator (its state then stays unrestored)."""
    contexts: dict[str, str] = attrs.field(factory=dict)
    """Each evaluator's memo context (:func:`gyengine.memo.memo_context`)."""

    @property
    def start(self) -> int:
        """The first seq some evaluator still has to fold."""
        return min(self.after.values(), default=0) + 1

    def restart(self, context: ReplayContext) -> None:
        """Forget every restored state: fold from seq 1."""
        for evaluator in self.plan:
            self.states[evaluator.name] = evaluator.initial_state(context)
            self.after[evaluator.name] = 0
        self.trusted.clear()
        self.memos.clear()


def _restore(
    store: EventStore,
    runs: RunStore | None,
    folding: _Folding,
    bound: int,
    converter: cattrs.Converter,
    context: ReplayContext,
) -> None:
    """Resume each evaluator from its newest usable sealed checkpoint.

    A checkpoint whose seal does not check (edited, or sealed with another
    key) makes the whole replay start from seq 1, with a note saying why.
    """
    folding.restart(context)
    if runs is None:
        return
    for evaluator in folding.plan:
        name = evaluator.name
        for point in runs.checkpoints(name, evaluator.version, folding.keys[name], bound):
            problem = runs.checkpoint_problem(point)
            if problem is not None:
                folding.notes.append(
                    f"checkpoint of {name} at seq {point.seq} not used: {problem}; replayed in full"
                )
                folding.restart(context)
                return
            try:
                row = store.at(point.seq)
            except UnreadableRow:  # the read from seq 1 meets it and names it
                continue
            if row is None or row.hash != point.hash:
                continue
            if store.supersedes_before(point.seq + 1, bound, point.seq):
                continue
            if point.seq == bound and _recall(runs, folding, point):
                pass  # its results are known: the state itself is not needed
            else:
                try:
                    state: Any = converter.structure(json.loads(point.state), evaluator.state_type)
                except Exception:  # an unreadable checkpoint is only a lost shortcut
                    continue
                folding.states[name] = state
            folding.after[name] = point.seq
            folding.trusted[name] = Trusted(name, point.seq, point.hash)
            break


def _recall(runs: RunStore, folding: _Folding, point: Checkpoint) -> bool:
    """Whether the results of ``point``'s evaluator were read from its sealed memo.

    A memo that fails its seal is noted and not used; one that cannot be read
    is only a lost shortcut.
    """
    name = point.evaluator
    body, problem = runs.memo(point, folding.contexts[name])
    if problem is not None:
        folding.notes.append(
            f"results memo of {name} at seq {point.seq} not used: {problem}; results made again"
        )
    if body is None:
        return False
    try:
        folding.memos[name] = memo_records(body)
    except ValueError:
        return False
    return True


def _fold_tables(
    registry: EventTypes, folding: _Folding
) -> tuple[dict[str, tuple[tuple[str, Callable[..., Any], int], ...]], dict[str, Any]]:
    """Per event type: the folds that consume it, and the decoder of its current schema."""
    plan = folding.plan
    consumers: dict[str, list[Evaluator]] = {}
    everything = [ev for ev in plan if ANY_TYPE in ev.consumes]
    for type_name in registry.names():
        interested = [ev for ev in plan if type_name in ev.consumes or ev in everything]
        if interested:
            consumers[type_name] = interested
    for evaluator in plan:
        for type_name in sorted(evaluator.consumes - {ANY_TYPE}):
            if evaluator not in consumers.setdefault(type_name, []):
                consumers[type_name].append(evaluator)
    folds = {
        type_name: tuple((ev.name, ev.fold, folding.after[ev.name]) for ev in interested)
        for type_name, interested in consumers.items()
        if interested
    }
    row_decoder = registry.row_decoder
    current = {
        type_name: (
            registry.schema_of(type_name),
            row_decoder(type_name, registry.schema_of(type_name)),
        )
        for type_name in folds
        if type_name in registry
    }
    return folds, current


def _fold(
    store: EventStore,
    registry: EventTypes,
    folding: _Folding,
    options: ReplayOptions,
    bound: int,
    context: ReplayContext,
    progress: Callable[[int], None] | None,
) -> tuple[int, ChainProblem | None, str]:
    """Read and check rows ``folding.start..bound`` and fold them.

    Returns the rows read, the first problem and the hash at ``bound``.
    """
    start = folding.start
    # On a long read the backend may recompute the hashes in another process
    # while this one checks everything else and folds; its verdict is awaited below.
    hashing = store.hash_in_background(start, bound) if options.parallel else None
    checker = store.checker_at(start, hashes=hashing is None)
    problems: list[ChainProblem] = []
    rows = _checked_rows(store, checker, start, bound, options.allow_broken_chain, problems)
    superseded = store.superseded(bound) if bound else {}
    try:
        read = _fold_rows(rows, registry, folding, superseded, options, context, progress)
    except Exception as error:
        # The first problem is the news: an earlier row whose hash the worker
        # found wrong, or the broken chain behind a fold that tripped over it.
        found = hashing.result() if hashing is not None else None
        if isinstance(error, BrokenChain):
            if found is not None and found.seq < error.problem.seq:
                raise BrokenChain(found) from None
        elif found is not None and not options.allow_broken_chain:
            raise BrokenChain(found) from error
        raise
    finally:
        # An evaluator error or a broken chain leaves the reader half-read:
        # close it now, while the store is still open.
        rows.close()
    if progress is not None:
        progress(read % 10_000)
    if hashing is not None:
        found = hashing.result()
        if found is not None:
            problems.append(found)
    if bound >= start:
        found = checker.finish(bound, None)
        if found is not None:
            problems.append(found)
    problem = min(problems, key=lambda found: found.seq) if problems else None
    if problem is not None and not options.allow_broken_chain:
        raise BrokenChain(problem)
    return read, problem, checker.prev_hash if bound else GENESIS_HASH


def _fold_rows(
    rows: Iterable[tuple[tuple[Any, ...], bool]],
    registry: EventTypes,
    folding: _Folding,
    superseded: Mapping[str, int],
    options: ReplayOptions,
    context: ReplayContext,
    progress: Callable[[int], None] | None,
) -> int:
    """Decode each row some evaluator consumes and fold it; the number of rows read."""
    folds, current = _fold_tables(registry, folding)
    row_decoder = registry.row_decoder
    as_of, period, states = options.as_of, context.period, folding.states
    keeps = options.keeps()
    make_event = Event
    read = 0
    for line, broken in rows:
        read += 1
        if progress is not None and read % 10_000 == 0:
            progress(10_000)
        if broken and (type(line[10]) is not bytes or type(line[0]) is not int):
            continue  # nothing to decode: the row is named in the chain problem
        type_name = line[4]
        targets = folds.get(type_name)
        if targets is None or line[1] in superseded:
            continue
        if keeps is not None and not keeps(line[2]):
            continue  # another plan's event: checked above, not folded here
        seq, occurred = line[0], line[6]
        if as_of is not None and occurred is not None:
            try:
                if period(occurred).start > as_of:
                    continue
            except ValueError:
                pass  # verify-level problem; the evaluator sees the event as it is
        entry = current.get(type_name)
        if entry is not None and entry[0] == line[5]:
            decode = entry[1]
        else:  # an old schema (upcast) or an unknown type (an error naming it)
            decode = row_decoder(type_name, line[5])
        try:
            event = make_event(
                seq,
                line[1],
                line[2],
                line[3],
                type_name,
                line[5],
                occurred,
                line[7],
                line[8],
                line[9],
                decode(line[10]),
                line[11],
                line[12],
            )
        except (GyengineError, ValueError) as error:
            if broken:
                continue  # a broken row whose payload is unreadable: not folded
            raise GyengineError(f"seq {seq} ({type_name}) cannot be decoded: {error}") from None
        for name, fold, skip_to in targets:
            if seq <= skip_to:
                continue
            try:
                states[name] = fold(states[name], event, context)
            except Exception as error:
                raise EvaluatorError(
                    plugin=folding.owner[name],
                    evaluator=name,
                    seq=seq,
                    event_type=type_name,
                    cause=error,
                ) from error
    return read


def _first_problem(
    store: EventStore, folding: _Folding, verified_from: int, problem: ChainProblem
) -> ChainProblem:
    """The first problem of the log, given one found after the rows not re-read.

    A row after a checkpoint may fail because of an edit behind it (its
    stream's version is looked up there): the rows behind are checked then,
    so that the replay names the first problem, as ``verify`` does.
    """
    if verified_from <= 1:
        return problem
    earlier = store.check_chain(store.checker_at(1), verified_from - 1)
    return earlier if earlier is not None else problem


def _checked_rows(
    store: EventStore,
    checker: ChainChecker,
    start: int,
    bound: int,
    allow_broken: bool,
    problems: list[ChainProblem],
) -> Generator[tuple[tuple[Any, ...], bool], None, None]:
    """Rows ``start..bound``, each with whether it failed its check.

    A failed check raises :class:`BrokenChain` unless ``allow_broken``; then the
    problem is kept in ``problems`` and the read goes on, past a row the
    backend cannot read at all too.
    """
    while True:
        rows = store.chain_rows(start, bound)
        try:
            for line in rows:
                found = checker.check(line)
                if found is not None:
                    if not allow_broken:
                        raise BrokenChain(found)
                    problems.append(found)
                    checker.accept(line)
                yield line, found is not None
            return
        except UnreadableRow as error:
            found = checker.unreadable(error)
            if not allow_broken or error.seq < 1:
                raise BrokenChain(found) from None
            problems.append(found)
            start = checker.expected = error.seq + 1
        finally:
            rows.close()


def _checkpoints(
    folding: _Folding, converter: cattrs.Converter, bound: int, bound_hash: str
) -> list[Checkpoint]:
    """The states after ``bound`` to save, for the evaluators that moved past their checkpoint."""
    saved = []
    for evaluator in folding.plan:
        name = evaluator.name
        if folding.after[name] == bound:
            continue
        try:
            text = canonical_json(converter.unstructure(folding.states[name], evaluator.state_type))
        except Exception as error:
            raise EvaluatorError(
                plugin=folding.owner[name],
                evaluator=name,
                seq=None,
                event_type=None,
                cause=TypeError(f"its state cannot be checkpointed: {error}"),
            ) from error
        saved.append(
            Checkpoint(name, evaluator.version, folding.keys[name], bound, bound_hash, text)
        )
    return saved


def _collect(folding: _Folding, context: ReplayContext, bound: int) -> list[ResultRecord]:
    """Every evaluator's results, in ``requires`` order, each list sorted by stable keys."""
    produced: dict[str, tuple[Record, ...]] = {}
    records: list[ResultRecord] = []
    for evaluator in folding.plan:
        plugin = folding.owner[evaluator.name]
        known = folding.memos.get(evaluator.name)
        if known is not None:  # sorted and checked when the memo was made
            produced[evaluator.name] = known
            records.extend(
                ResultRecord(evaluator.name, evaluator.version, plugin, item) for item in known
            )
            continue
        # Only what it requires: reading another evaluator's results because it
        # happened to run earlier would break under --evaluator and name order.
        scoped = attrs.evolve(
            context, results={name: produced[name] for name in sorted(evaluator.requires)}
        )
        try:
            items = list(evaluator.results(folding.states[evaluator.name], scoped))
            for item in items:
                if not isinstance(item, (Score, Finding)):
                    raise TypeError(
                        f"results() yielded {type(item).__name__}, not Score or Finding"
                    )
                check_record(item, evaluator.statuses, evaluator.finding_kinds)
                outside = [seq for seq in item.evidence if not 1 <= seq <= bound]
                if outside:
                    raise ValueError(
                        f"evidence seq {outside[0]} is outside the log read (1..{bound})"
                    )
        except Exception as error:
            raise EvaluatorError(
                plugin=plugin, evaluator=evaluator.name, seq=None, event_type=None, cause=error
            ) from error
        wrapped = _sort_records(
            ResultRecord(evaluator.name, evaluator.version, plugin, item) for item in items
        )
        produced[evaluator.name] = tuple(item.record for item in wrapped)
        records.extend(wrapped)
    return records


def _origins(store: EventStore, bound: int) -> dict[str, str]:
    """The first record time of each correction's fact, through chains of corrections."""
    origins: dict[str, str] = {}
    for later, earlier, earlier_recorded in store.corrections(bound) if bound else ():
        first = origins.get(earlier, earlier_recorded)
        origins[later] = min(first, origins.get(later, first))
    return origins


def replay(
    store: EventStore,
    registry: EventTypes,
    evaluators: Mapping[str, tuple[Evaluator, str]],
    options: ReplayOptions,
    *,
    plugins: Iterable[tuple[str, str]] = (),
    runs: RunStore | None = None,
    progress: Callable[[int], None] | None = None,
) -> Replay:
    """Replay the log through the evaluators.

    In stages: restore sealed checkpoints, read, check and fold the rows after
    them, save new checkpoints, collect the results.

    Args:
        store: the event log.
        registry: the event types (decoding and the converter for checkpoints).
        evaluators: ``name -> (evaluator, plugin name)``.
        options: what to replay.
        plugins: ``(name, version)`` of every plugin, recorded in the result.
        runs: where checkpoints live (``None``: no checkpoints).
        progress: called with the number of rows read, now and then.

    Raises:
        BrokenChain: a row fails verification (unless ``allow_broken_chain``).
        EvaluatorError: an evaluator raised; names plugin, evaluator, seq and type.
    """
    bound = store.seq_at(options.known_at) if options.known_at is not None else store.head().seq
    origins = _origins(store, bound)
    use_checkpoints = runs if options.checkpoints else None
    folding, context, fold_context = _prepare(
        store, registry, evaluators, options, bound, origins, use_checkpoints
    )
    if folding.start > 1 and options.verify_all:
        # The checkpoints vouch for the states; --verify-all checks the rows
        # behind them too. A broken one makes the replay start over, so the
        # problem is met (and refused or recorded) exactly as without checkpoints.
        found = store.check_chain(store.checker_at(1), folding.start - 1, progress)
        if found is not None:
            folding.restart(fold_context)
    verified_from = 1 if options.verify_all else folding.start
    try:
        read, problem, bound_hash = _fold(
            store, registry, folding, options, bound, fold_context, progress
        )
    except BrokenChain as broken:
        raise BrokenChain(_first_problem(store, folding, verified_from, broken.problem)) from None
    if problem is not None:
        problem = _first_problem(store, folding, verified_from, problem)
    return _conclude(
        store,
        registry,
        folding,
        options,
        context,
        _Read(bound, bound_hash, problem, read, verified_from),
        plugins=plugins,
        runs=use_checkpoints,
    )


@attrs.frozen
class _Read:
    """What the read of a replay found: the bound, the hash there, the first problem, the rows."""

    bound: int
    bound_hash: str
    problem: ChainProblem | None
    read: int
    verified_from: int


def _prepare(
    store: EventStore,
    registry: EventTypes,
    evaluators: Mapping[str, tuple[Evaluator, str]],
    options: ReplayOptions,
    bound: int,
    origins: dict[str, str],
    runs: RunStore | None,
) -> tuple[_Folding, ReplayContext, ReplayContext]:
    """The evaluators in order, their states restored from checkpoints, and the two contexts."""
    plan = order_evaluators({name: ev for name, (ev, _) in evaluators.items()}, options.evaluators)
    context = ReplayContext(
        options.as_of, options.known_at, options.options, bound, origins=origins
    )
    # Folds see neither the bound nor known_at: their state must be the same
    # whether it was folded in one go or resumed from a checkpoint.
    fold_context = ReplayContext(options.as_of, None, options.options, None, origins=origins)
    folding = _Folding(
        plan=plan,
        owner={name: plugin for name, (_, plugin) in evaluators.items()},
        keys={ev.name: config_key(ev, options) for ev in plan},
        states={},
        after={},
        trusted={},
        notes=[],
    )
    if runs is not None:
        named = {ev.name: ev for ev in plan}
        folding.contexts = {
            ev.name: memo_context(ev, options.known_at, folding.keys, _required(ev, named))
            for ev in plan
        }
    converter = _checkpoint_converter(registry)
    _restore(store, runs, folding, bound, converter, fold_context)
    return folding, context, fold_context


def _required(evaluator: Evaluator, named: Mapping[str, Evaluator]) -> set[str]:
    """The evaluators whose results ``evaluator`` reads, through theirs."""
    found: set[str] = set()
    waiting = list(evaluator.requires)
    while waiting:
        name = waiting.pop()
        if name not in found and name in named:
            found.add(name)
            waiting.extend(named[name].requires)
    return found


def _conclude(
    store: EventStore,
    registry: EventTypes,
    folding: _Folding,
    options: ReplayOptions,
    context: ReplayContext,
    found: _Read,
    *,
    plugins: Iterable[tuple[str, str]],
    runs: RunStore | None,
) -> Replay:
    """Save the new checkpoints and collect the results into the replay's outcome."""
    bound, problem = found.bound, found.problem
    # Read apart from the fold, so a replay resumed past the declaration still knows.
    superseded = store.superseded(bound) if bound else {}
    keeps = options.keeps()
    synthetic = any(
        row.id not in superseded and (keeps is None or keeps(row.stream))
        for row in store.read(types=["SyntheticDataDeclared"], stop=bound)
    )
    saved: list[Checkpoint] = []
    if runs is not None and problem is None and bound > 0:
        converter = _checkpoint_converter(registry)
        saved = _checkpoints(folding, converter, bound, found.bound_hash)
    records = _collect(folding, context, bound)
    if saved and runs is not None:
        runs.save_checkpoints(saved)
    if runs is not None and problem is None and bound > 0:
        runs.save_memos(_memos(folding, records, bound, found.bound_hash))
    return Replay(
        options=options,
        seq_to=bound,
        head_hash=found.bound_hash,
        chain_problem=problem,
        plugins=tuple(sorted(set(plugins))),
        evaluators=tuple(
            sorted((ev.name, ev.version, folding.owner[ev.name]) for ev in folding.plan)
        ),
        records=tuple(records),
        events_read=found.read,
        synthetic=synthetic,
        resumed={name: seq for name, seq in folding.after.items() if seq},
        verified_from=found.verified_from,
        trusted=tuple(sorted(folding.trusted.values(), key=lambda point: point.evaluator)),
        notes=tuple(folding.notes),
        memoised=tuple(sorted(folding.memos)),
    )


def _memos(
    folding: _Folding, records: Iterable[ResultRecord], bound: int, bound_hash: str
) -> list[Memo]:
    """Memos of the results made (not read from a memo), each beside its checkpoint at ``bound``."""
    made: dict[str, list[Record]] = {
        ev.name: [] for ev in folding.plan if ev.name not in folding.memos
    }
    for item in records:
        if item.evaluator in made:
            made[item.evaluator].append(item.record)
    memos = []
    for evaluator in folding.plan:
        name = evaluator.name
        if name not in made:
            continue
        body = memo_body(made[name])
        if body is not None:
            memos.append(
                Memo(
                    name,
                    evaluator.version,
                    folding.keys[name],
                    bound,
                    bound_hash,
                    folding.contexts[name],
                    body,
                )
            )
    return memos


def replay_each(
    store: EventStore,
    registry: EventTypes,
    evaluators: Mapping[str, tuple[Evaluator, str]],
    options: ReplayOptions,
    plans: Iterable[str],
    *,
    plugins: Iterable[tuple[str, str]] = (),
    runs: RunStore | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Replay]:
    """Replay each plan of a log of many, one after the other: one :class:`Replay` per plan.

    Each is what :func:`replay` with ``plan`` set gives (results, checkpoints
    per plan), but the chain is checked once for them all: the rows from the
    earliest seq any plan resumes at up to the bound, every plan's rows among
    them. Each plan then reads only its own rows (through the store's index
    on the stream) and holds only its own state: time grows with the log, and
    memory with the largest plan, not with the number of plans.

    Raises:
        BrokenChain: a row fails verification (unless ``allow_broken_chain``).
        EvaluatorError: an evaluator raised; names plugin, evaluator, seq and type.
    """
    bound = store.seq_at(options.known_at) if options.known_at is not None else store.head().seq
    origins = _origins(store, bound)
    use_checkpoints = runs if options.checkpoints else None
    checked = _CheckedRange(store, bound, options.allow_broken_chain, progress)
    plugins = tuple(plugins)
    for plan_id in plans:
        scoped_options = attrs.evolve(options, plan=plan_id)
        folding, context, fold_context = _prepare(
            store, registry, evaluators, scoped_options, bound, origins, use_checkpoints
        )
        start = 1 if options.verify_all else folding.start
        problem = checked.through(start)
        prefix = None if plan_id == DEFAULT_PLAN else scoped(plan_id, "")
        rows = store.chain_rows(folding.start, bound, prefix=prefix)
        broken = checked.broken
        superseded = store.superseded(bound) if bound else {}
        read = _fold_rows(
            ((row, row[0] in broken) for row in rows),
            registry,
            folding,
            superseded,
            scoped_options,
            fold_context,
            None,
        )
        bound_row = store.at(bound) if bound else None
        yield _conclude(
            store,
            registry,
            folding,
            scoped_options,
            context,
            _Read(
                bound,
                bound_row.hash if bound_row is not None else GENESIS_HASH,
                problem,
                read,
                start,
            ),
            plugins=plugins,
            runs=use_checkpoints,
        )


class _CheckedRange:
    """The rows up to a bound checked once, from the lowest seq any plan asked for."""

    def __init__(
        self,
        store: EventStore,
        bound: int,
        allow_broken: bool,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.store = store
        self.bound = bound
        self.allow_broken = allow_broken
        self.progress = progress
        self.low = bound + 1
        self.problems: list[ChainProblem] = []
        self.broken: set[int] = set()

    def through(self, start: int) -> ChainProblem | None:
        """Check the rows ``start..`` not checked yet; the first problem of the checked range.

        Rows below the range checked so far are checked up to it: the row
        where the earlier check began was linked to the stored hash before
        it, which this check recomputes.
        """
        start = max(start, 1)
        if start < self.low:
            stop = self.low - 1
            checker = self.store.checker_at(start)
            rows = _checked_rows(self.store, checker, start, stop, self.allow_broken, self.problems)
            try:
                count = 0
                for row, broken in rows:
                    if broken:
                        self.broken.add(row[0])
                    count += 1
                    if self.progress is not None and count % 10_000 == 0:
                        self.progress(10_000)
                if self.progress is not None:
                    self.progress(count % 10_000)
            finally:
                rows.close()
            found = checker.finish(stop, self.low if self.low <= self.bound else None)
            if found is not None:
                self.problems.append(found)
            self.low = start
            problem = min(self.problems, key=lambda p: p.seq) if self.problems else None
            if problem is not None and not self.allow_broken:
                raise BrokenChain(problem)
        return min(self.problems, key=lambda p: p.seq) if self.problems else None
