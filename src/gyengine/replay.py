"""Replay: fold the log through the evaluators into scores, findings and evidence.

A replay reads the log up to a bound (all of it, or what was known at a record
time), verifies every row it reads, skips events that later events supersede,
leaves out facts about periods that began after the as-of date, and hands each
evaluator the events it consumes, decoded and upcast. Evaluators run in the
order their ``requires`` give; their records are sorted by stable keys, so the
same log, plugins and options give byte-identical JSON.

Checkpoints make it incremental: an evaluator's state after seq N is saved with
the hash at N and reused only when the evaluator's version and the options
match, the hash at N is unchanged, and no later event supersedes one at or
before N. Only the rows read are verified: after a checkpoint at N, rows
N+1.. and the link to the hash at N. A row changed behind the checkpoint does not
change the answer (the state was folded from the rows as they were), but is not
noticed either; ``verify_all`` (``--verify-all``) checks every row first, and
``gyengine verify`` checks the whole log. Whether a replay resumed or not never
changes its answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

import attrs
import cattrs

from .canonical import (
    ENVELOPE_SQL,
    GENESIS_HASH,
    canonical_json,
    event_hash,
    row_envelope,
    sqlite_quotes_as_jcs,
)
from .errors import GyengineError
from .evaluation import (
    ANY_TYPE,
    Evaluator,
    EvaluatorError,
    Finding,
    Record,
    ReplayContext,
    Score,
    check_record,
    order_evaluators,
)
from .events import Event, EventTypes, StoredEvent
from .runs import Checkpoint, RunStore
from .store import ChainProblem, EventStore

__all__ = [
    "BrokenChain",
    "Replay",
    "ReplayOptions",
    "ResultRecord",
    "check_link",
    "replay",
]


class BrokenChain(GyengineError):
    """The log fails verification, and the replay was not told to go on regardless."""

    def __init__(self, problem: ChainProblem) -> None:
        self.problem = problem
        super().__init__(f"the log fails verification at {problem}")
        self.hint = "run `gyengine verify` for details, or replay with --allow-broken-chain"


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
    """

    as_of: dt.date | None = None
    known_at: str | None = None
    evaluators: tuple[str, ...] | None = attrs.field(default=None, converter=_names_or_none)
    options: dict[str, str] = attrs.field(factory=dict, converter=_sorted_dict)
    allow_broken_chain: bool = False
    checkpoints: bool = True
    verify_all: bool = False
    parallel: bool = False

    def to_json(self) -> dict[str, Any]:
        """The options that decide the answer, as JSON (``checkpoints`` does not)."""
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "known_at": self.known_at,
            "evaluators": list(self.evaluators) if self.evaluators is not None else None,
            "options": self.options,
            "allow_broken_chain": self.allow_broken_chain,
        }


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
            base[field.name] = value
        return base

    def to_row(self) -> dict[str, Any]:
        """The record as a row of the ``results`` table."""
        record = self.record
        text = self.to_json()
        if isinstance(record, Score):
            return {
                "evaluator": self.evaluator,
                "evaluator_version": self.evaluator_version,
                "record_type": "score",
                "subject": record.subject,
                "label": record.label,
                "metric": record.metric,
                "period": record.period,
                "value": text["value"],
                "target": text["target"],
                "expected": text["expected"],
                "status": record.status,
                "points": text["points"],
                "unit": record.unit,
                "kind": None,
                "rule": None,
                "rationale": record.rationale,
                "details": json.dumps(record.details, ensure_ascii=False, sort_keys=True),
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
            "points": text["points"],
            "unit": None,
            "kind": record.kind,
            "rule": record.rule,
            "rationale": record.rationale,
            "details": json.dumps(record.parameters, ensure_ascii=False, sort_keys=True),
            "evidence": list(record.evidence),
        }


def _sort_key(item: ResultRecord) -> tuple[Any, ...]:
    record = item.record
    if isinstance(record, Score):
        head: tuple[str, ...] = ("score", record.subject, record.metric, record.period)
    else:
        head = ("finding", record.subject, record.rule, record.period, record.kind)
    return (item.evaluator, *head, canonical_json(item.to_json()))


@attrs.frozen(kw_only=True)
class Replay:
    """The outcome of a replay: the log range read, the plugins, and the records.

    ``resumed`` (which checkpoints were used) and ``run_id`` are not part of
    :meth:`to_json`: they never change the answer.
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

    @property
    def chain_ok(self) -> bool:
        """Whether every row read verified."""
        return self.chain_problem is None

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
        data = self.to_json()
        return {
            "as_of": data["options"]["as_of"],
            "known_at": self.options.known_at,
            "seq_from": 1,
            "seq_to": self.seq_to,
            "head_hash": self.head_hash,
            "chain_ok": int(self.chain_ok),
            "chain_problem": data["log"]["chain_problem"],
            "allow_broken_chain": int(self.options.allow_broken_chain),
            "options": json.dumps(data["options"], ensure_ascii=False, sort_keys=True),
            "plugins": json.dumps(data["plugins"], ensure_ascii=False),
            "evaluators": json.dumps(data["evaluators"], ensure_ascii=False),
        }


PARALLEL_HASHING_FROM: Final = 100_000
"""Reads at least this long hash their rows in a second process (starting it costs ~0.2 s)."""


class _Hashing:
    """A worker process recomputing the hashes of a seq range while the replay folds it."""

    def __init__(self, path: str, start: int, stop: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: a forked child must not touch the parent's SQLite connection.
        self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        self.future = self.pool.submit(_hash_part, path, (start, stop))

    def result(self) -> ChainProblem | None:
        """Wait for the worker: the first problem it found, if any."""
        try:
            problem: ChainProblem | None = self.future.result()
        finally:
            self.pool.shutdown(cancel_futures=True)
        return problem

    def stop(self) -> None:
        """Give up on the worker (the replay already failed)."""
        self.pool.shutdown(wait=True, cancel_futures=True)


def _hash_part(
    path: str, span: tuple[int, int], *, in_sql: bool | None = None
) -> ChainProblem | None:
    """Recompute the hash of every row of a seq range (in a worker process).

    The replay checks seqs and links as it reads; this is the rest of the
    check, the costly part, done on another core. SQLite builds each row's
    canonical bytes (:data:`ENVELOPE_SQL`) where its ``json_quote`` is JCS's
    (``in_sql=None`` asks the connection), so Python only hashes them.
    Returns the first row whose hash is wrong, described as ``verify``
    describes it.
    """
    from .store import SQLiteEventStore

    start, stop = span
    sha256 = hashlib.sha256
    with SQLiteEventStore(path) as store:
        if in_sql is None:
            in_sql = sqlite_quotes_as_jcs(store.conn)
        if in_sql:
            rows = store.conn.execute(
                f"SELECT seq, {ENVELOPE_SQL}, hash FROM events"
                " WHERE seq >= ? AND seq <= ? ORDER BY seq",
                (start, stop),
            )
            for seq, envelope, digest in rows:
                if envelope is None or sha256(envelope).hexdigest() != digest:
                    row = next(store.read_rows(start=seq, stop=seq, data_bytes=True))
                    return _row_problem(row, seq, row[11]) or ChainProblem(
                        seq, "hash", f"the row does not hash to its stored hash {digest:.12}..."
                    )
            return None
        for row in store.read_rows(start=start, stop=stop, data_bytes=True):
            try:
                if sha256(row_envelope(row)).hexdigest() == row[12]:
                    continue
            except (UnicodeError, TypeError, ValueError):
                pass
            return _row_problem(row, row[0], row[11])
    return None


def _row_problem(row: tuple[Any, ...], expected_seq: int, prev_hash: str) -> ChainProblem | None:
    """:func:`check_link` of a row tuple whose ``data`` may be UTF-8 bytes."""
    data = row[10]
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            return ChainProblem(row[0], "undecodable", f"data is not UTF-8 text: {error}")
    fields = (*row[:10], data, *row[11:])
    return check_link(StoredEvent(*fields), expected_seq, prev_hash)


def _start_hashing(store: EventStore, start: int, stop: int) -> _Hashing | None:
    path = getattr(store, "path", None)
    if (
        stop - start + 1 < PARALLEL_HASHING_FROM
        or not isinstance(path, str)
        or path == ":memory:"
        or (os.cpu_count() or 1) < 2
    ):
        return None
    return _Hashing(path, start, stop)


def _row_hash(row: tuple[Any, ...]) -> str:
    try:
        return event_hash(row_envelope(row))
    except (UnicodeError, TypeError, ValueError):
        return ""  # check_link names the problem


def check_link(row: StoredEvent, expected_seq: int, prev_hash: str) -> ChainProblem | None:
    """Check one row's place in the chain: its seq, its link and its hash.

    The messages are those of ``verify`` for the same faults.
    """
    if row.seq != expected_seq:
        missing = (
            f"seq {expected_seq}"
            if row.seq == expected_seq + 1
            else f"seqs {expected_seq}..{row.seq - 1}"
        )
        return ChainProblem(expected_seq, "gap", f"{missing} missing before seq {row.seq}")
    if row.prev_hash != prev_hash:
        return ChainProblem(
            row.seq,
            "link",
            f"prev_hash {row.prev_hash:.12}... is not the hash of seq {row.seq - 1} ({prev_hash:.12}...)",
        )
    try:
        digest = event_hash(row_envelope(attrs.astuple(row)))
    except (UnicodeError, TypeError, ValueError) as error:
        return ChainProblem(row.seq, "undecodable", str(error))
    if digest != row.hash:
        return ChainProblem(
            row.seq, "hash", f"stored hash {row.hash:.12}... but the row hashes to {digest:.12}..."
        )
    return None


def _exact_decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} has no exact decimal form")
    return str(value)


def _checkpoint_converter(converter: cattrs.Converter) -> cattrs.Converter:
    """The payload converter, but writing Decimals with their exponent (``2E+2``).

    Payloads write ``format(d, "f")`` (``200``), which loses the exponent; in a
    checkpointed state that would change later arithmetic (``2E+2 * 1.5`` is
    ``3.0E+2``, ``200 * 1.5`` is ``300.0``) and so the answer of a resumed replay.
    """
    exact = converter.copy()
    exact.register_unstructure_hook(Decimal, _exact_decimal)
    return exact


def _prefix_verifies(store: EventStore, stop: int, progress: Callable[[int], None] | None) -> bool:
    """Whether seqs 1..``stop`` (skipped thanks to checkpoints) still verify."""
    prev_hash = GENESIS_HASH
    expected = 1
    for row in store.read(stop=stop):
        if check_link(row, expected, prev_hash) is not None:
            return False
        expected, prev_hash = row.seq + 1, row.hash
        if progress is not None and expected % 10_000 == 0:
            progress(10_000)
    if progress is not None:
        progress((expected - 1) % 10_000)
    return expected == stop + 1


CONFIG_VERSION: Final = 1
"""Bumped when the replay's own semantics change, so old checkpoints are not reused."""


def config_key(evaluator: Evaluator, options: ReplayOptions) -> str:
    """The checkpoint key of an evaluator under these options."""
    return event_hash(
        canonical_json(
            {
                "engine": CONFIG_VERSION,
                "evaluator": evaluator.name,
                "version": evaluator.version,
                "as_of": options.as_of.isoformat() if options.as_of else None,
                "options": options.options,
            }
        ).encode("utf-8")
    )


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
    plan = order_evaluators({name: ev for name, (ev, _) in evaluators.items()}, options.evaluators)
    owner = {name: plugin for name, (_, plugin) in evaluators.items()}
    known_at = options.known_at
    bound = store.seq_at(known_at) if known_at is not None else store.head().seq
    bound_row = store.at(bound) if bound else None
    bound_hash = bound_row.hash if bound_row is not None else GENESIS_HASH
    # The first record time of each correction's fact, through chains of corrections.
    origins: dict[str, str] = {}
    for later, earlier, earlier_recorded in store.corrections(bound) if bound else ():
        first = origins.get(earlier, earlier_recorded)
        origins[later] = min(first, origins.get(later, first))
    context = ReplayContext(
        options.as_of, options.known_at, options.options, bound, origins=origins
    )
    # Folds see neither the bound nor known_at: their state must be the same
    # whether it was folded in one go or resumed from a checkpoint.
    fold_context = ReplayContext(options.as_of, None, options.options, None, origins=origins)
    converter = _checkpoint_converter(registry.converter)

    states: dict[str, Any] = {}
    after: dict[str, int] = {}
    keys: dict[str, str] = {}
    for evaluator in plan:
        keys[evaluator.name] = config_key(evaluator, options)
        states[evaluator.name] = None
        after[evaluator.name] = 0
        if options.checkpoints and runs is not None:
            for point in runs.checkpoints(
                evaluator.name, evaluator.version, keys[evaluator.name], bound
            ):
                row = store.at(point.seq)
                if row is None or row.hash != point.hash:
                    continue
                if store.supersedes_before(point.seq + 1, bound, point.seq):
                    continue
                try:
                    states[evaluator.name] = converter.structure(
                        json.loads(point.state), evaluator.state_type
                    )
                except Exception:  # an unreadable checkpoint is only a lost shortcut
                    continue
                after[evaluator.name] = point.seq
                break
        if after[evaluator.name] == 0:
            states[evaluator.name] = evaluator.initial_state(fold_context)

    start = min(after.values(), default=0) + 1
    if start > 1 and options.verify_all and not _prefix_verifies(store, start - 1, progress):
        # A checkpoint vouches for the state, not for the rows behind it: a row
        # changed before it must still break the chain. Replay in full, so the
        # problem is met (and refused or recorded) exactly as without checkpoints.
        for evaluator in plan:
            states[evaluator.name] = evaluator.initial_state(fold_context)
            after[evaluator.name] = 0
        start = 1
    superseded = store.superseded(bound) if bound else {}
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
    # What the loop below needs per event type, looked up once per row: the
    # folds (name, function, the seq its state already holds) and the decoder
    # of the current schema.
    folds: dict[str, tuple[tuple[str, Callable[..., Any], int], ...]] = {
        type_name: tuple((ev.name, ev.fold, after[ev.name]) for ev in interested)
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

    previous = store.at(start - 1) if start > 1 else None
    prev_hash = previous.hash if previous is not None else GENESIS_HASH
    expected = start
    problem: ChainProblem | None = None
    # Read apart from the fold, so a replay resumed past the declaration still knows.
    synthetic = any(
        row.id not in superseded for row in store.read(types=["SyntheticDataDeclared"], stop=bound)
    )
    as_of = options.as_of
    period = context.period
    read = 0
    # Plain tuples (envelope order) where the store offers them: this loop runs
    # once per event of the log, so every attribute lookup counts.
    read_rows = getattr(store, "read_rows", None)
    rows: Iterable[tuple[Any, ...]] = (
        read_rows(start=start, stop=bound, data_bytes=True)
        if read_rows is not None
        else (attrs.astuple(r) for r in store.read(start=start, stop=bound))
    )
    make_event = Event
    # On a long read, another process recomputes the hashes while this one folds
    # (the links and seqs are still checked here); its verdict is awaited below.
    hashing = _start_hashing(store, start, bound) if options.parallel else None
    check_hash = hashing is None
    try:
        for line in rows:
            read += 1
            if progress is not None and read % 10_000 == 0:
                progress(10_000)
            seq = line[0]
            if (
                seq != expected
                or line[11] != prev_hash
                or (check_hash and _row_hash(line) != line[12])
            ):
                found = _row_problem(line, expected, prev_hash)
                if found is not None:
                    if not options.allow_broken_chain:
                        raise BrokenChain(found)
                    problem = problem or found
            expected = seq + 1
            prev_hash = line[12]
            type_name = line[4]
            targets = folds.get(type_name)
            if targets is None or line[1] in superseded:
                continue
            occurred = line[6]
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
            except GyengineError as error:
                raise GyengineError(f"seq {seq} ({type_name}) cannot be decoded: {error}") from None
            for name, fold, skip_to in targets:
                if seq <= skip_to:
                    continue
                try:
                    states[name] = fold(states[name], event, fold_context)
                except Exception as error:
                    raise EvaluatorError(
                        plugin=owner[name],
                        evaluator=name,
                        seq=seq,
                        event_type=type_name,
                        cause=error,
                    ) from error
    except Exception as error:
        # A fold that tripped over a changed row: the broken chain is the news.
        if hashing is not None:
            if isinstance(error, BrokenChain):
                hashing.stop()
            else:
                found = hashing.result()
                if found is not None and not options.allow_broken_chain:
                    raise BrokenChain(found) from error
        raise
    finally:
        # An evaluator error or a broken chain leaves the reader half-read:
        # close it now, while the store is still open.
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    if hashing is not None:
        found = hashing.result()
        if found is not None:
            if not options.allow_broken_chain:
                raise BrokenChain(found)
            if problem is None or found.seq < problem.seq:
                problem = found
    if progress is not None:
        progress(read % 10_000)
    if expected != bound + 1 and bound >= start:
        gap = ChainProblem(expected, "gap", f"seqs {expected}..{bound} are missing")
        if not options.allow_broken_chain:
            raise BrokenChain(gap)
        problem = problem or gap

    checkpoints = []
    if options.checkpoints and runs is not None and problem is None and bound > 0:
        for evaluator in plan:
            if after[evaluator.name] == bound:
                continue
            try:
                text = canonical_json(
                    converter.unstructure(states[evaluator.name], evaluator.state_type)
                )
            except Exception as error:
                raise EvaluatorError(
                    plugin=owner[evaluator.name],
                    evaluator=evaluator.name,
                    seq=None,
                    event_type=None,
                    cause=TypeError(f"its state cannot be checkpointed: {error}"),
                ) from error
            checkpoints.append(
                Checkpoint(
                    evaluator.name, evaluator.version, keys[evaluator.name], bound, bound_hash, text
                )
            )

    produced: dict[str, tuple[Record, ...]] = {}
    records: list[ResultRecord] = []
    for evaluator in plan:
        plugin = owner[evaluator.name]
        # Only what it requires: reading another evaluator's results because it
        # happened to run earlier would break under --evaluator and name order.
        scoped = attrs.evolve(
            context, results={name: produced[name] for name in sorted(evaluator.requires)}
        )
        try:
            items = list(evaluator.results(states[evaluator.name], scoped))
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
        wrapped = sorted(
            (ResultRecord(evaluator.name, evaluator.version, plugin, item) for item in items),
            key=_sort_key,
        )
        produced[evaluator.name] = tuple(item.record for item in wrapped)
        records.extend(wrapped)

    if checkpoints and runs is not None:
        runs.save_checkpoints(checkpoints)
    return Replay(
        options=options,
        seq_to=bound,
        head_hash=bound_hash,
        chain_problem=problem,
        plugins=tuple(sorted(set(plugins))),
        evaluators=tuple(sorted((ev.name, ev.version, owner[ev.name]) for ev in plan)),
        records=tuple(records),
        events_read=read,
        synthetic=synthetic,
        resumed={name: seq for name, seq in after.items() if seq},
    )
