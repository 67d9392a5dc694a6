"""The evaluator contract: what a plugin provides, and the records it yields.

An :class:`Evaluator` declares its name, version, the event types it consumes
and the evaluators whose results it reads; it folds events into serialisable
attrs state and turns that state into :class:`Score` and :class:`Finding`
records. Every record carries its **evidence**: the seqs of the events it
rests on.

Example::

    @attrs.define
    class Count:
        n: int = 0
        seqs: list[int] = attrs.Factory(list)

    def fold(state: Count, event: Event, context: ReplayContext) -> Count:
        state.n += 1
        state.seqs.append(event.seq)
        return state

    def results(state: Count, context: ReplayContext) -> Iterator[Score]:
        yield Score(subject="log", metric="reports", period="all", value=Decimal(state.n),
                    rationale=f"{state.n} reports", evidence=state.seqs)

    counter = Evaluator(name="counter", version="1", consumes=["StatisticReported"],
                        state_type=Count, fold=fold, results=results)
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any, ClassVar, Final

import attrs

from .canonical import MAX_SAFE_INTEGER
from .errors import EvaluatorError, GyengineError
from .events import Event
from .timeutil import Period, parse_period

__all__ = [
    "ANY_TYPE",
    "FINDING_KINDS",
    "STATUSES",
    "Evaluator",
    "EvaluatorError",
    "Finding",
    "JsonValue",
    "ReplayContext",
    "Score",
    "check_record",
]

ANY_TYPE: Final = "*"
"""In ``consumes``: every registered event type (for audits such as reporting timeliness)."""

# The result vocabulary: what the standard plugins use. An evaluator may declare
# more (``Evaluator(statuses=..., finding_kinds=...)``); anything else is refused
# when a replay collects its results (see :func:`check_record`).
STATUSES: Final = ("green", "watch", "yellow", "red", "pending", "top", "bottom")
"""The statuses a :class:`Score` may have besides None: traffic lights, ``pending``
(not yet due) and a ranking's ``top`` and ``bottom`` lists."""

FINDING_KINDS: Final = ("commend", "warn", "supervise", "accountable", "deduct", "veto")
"""The kinds a :class:`Finding` may have: those of the standard rules."""

Value = Decimal | str | None


def _evidence(seqs: Iterable[int]) -> tuple[int, ...]:
    """The seqs, each once, in order; anything but an integer is refused.

    A boolean would pass for seq 1 or 0, and ``1.0`` for seq 1: a record would
    then name an event it was never about (the replay checks only the range).
    """
    found = set(seqs)
    if not set(map(type, found)) <= {int}:
        for seq in found:
            if isinstance(seq, bool) or not isinstance(seq, int):
                raise TypeError(f"evidence holds {seq!r}, not a seq (an integer)")
        found = {int(seq) for seq in found}  # an int subclass as the plain integer
    return tuple(sorted(found))


def _decimal(value: Any) -> Any:
    # An int becomes a Decimal; anything else is left for _figure to judge.
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


def _figure(*, text: bool) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """A validator of a figure: a finite Decimal, None, or (when ``text``) a text.

    Exact figures only: a binary float in a result would make "correct to the
    last yuan" a guess, and NaN or an infinity is no figure at all.
    """

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None or (text and isinstance(value, str)):
            return
        if type(value) is Decimal and value.is_finite():  # the common case, before any message
            return
        where = f"{type(instance).__name__}.{attribute.name}"
        if isinstance(value, bool):
            raise TypeError(f"{where}: a boolean is not a figure")
        if isinstance(value, float):
            raise TypeError(f"{where}: {value!r} is a binary float; use Decimal")
        if not isinstance(value, Decimal):
            allowed = "a Decimal, a text or None" if text else "a Decimal or None"
            raise TypeError(f"{where}: give {allowed}, not {type(value).__name__}")
        if not value.is_finite():
            raise ValueError(f"{where}: {value} is not a finite number")

    return check


JsonValue = str | int | bool | Decimal | None | list["JsonValue"] | dict[str, "JsonValue"]
"""What ``details`` and ``parameters`` hold: JSON values, with exact numbers as
Decimals (written as decimal text, like a score's figures)."""


def _json_value(item: Any, where: str) -> JsonValue:
    """``item`` as a JSON value (a tuple becomes a list, a mapping a sorted dict).

    Refused, naming ``where``: a float (inexact), NaN or an infinity, an integer
    JSON cannot carry exactly, text with no UTF-8 form (a lone surrogate), and
    anything that is no JSON value (a date: give its ISO text).
    """
    kind = type(item)
    if isinstance(item, str):
        text = str.__str__(item)  # a str subclass (an enum) as its plain text
        try:
            text.encode("utf-8")
        except UnicodeError:
            raise ValueError(f"{where}: {text!r} has no UTF-8 form (a lone surrogate)") from None
        return text
    if item is None or kind is bool:
        return item  # type: ignore[no-any-return]
    if kind is int:
        if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
            raise ValueError(f"{where}: {item} is beyond 2**53 - 1; give a Decimal")
        return item  # type: ignore[no-any-return]
    if isinstance(item, Decimal):
        if not item.is_finite():
            raise ValueError(f"{where}: {item} is not a finite number")
        return item
    if isinstance(item, float):
        raise TypeError(f"{where}: {item!r} is a binary float; use Decimal")
    if isinstance(item, (list, tuple)):
        return [_json_value(part, f"{where}[{n}]") for n, part in enumerate(item)]
    if isinstance(item, Mapping):
        return _json_object(item, where)
    raise TypeError(
        f"{where}: {type(item).__name__} is not a JSON value "
        "(give a text, int, bool, Decimal, None, or a list or mapping of them)"
    )


def _json_object(value: Mapping[Any, Any], where: str) -> dict[str, JsonValue]:
    items = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise TypeError(f"{where}: the name {key!r} is not a text")
        try:
            key.encode("utf-8")
        except UnicodeError:
            raise ValueError(f"{where}[{key!r}]: {key!r} has no UTF-8 form") from None
        items[str.__str__(key)] = _json_value(item, f"{where}[{key!r}]")
    return dict(sorted(items.items()))


class _Unusual(Exception):
    """A value the fast pass leaves to the reference walk, which accepts or refuses it."""


def _plain_object(value: dict[Any, Any], texts: list[str]) -> dict[str, JsonValue]:
    """:func:`_json_object` of a dict holding only common values, or :class:`_Unusual`.

    Common: plain ``str`` keys; values of exact type str, bool, None, int within
    +/-(2**53 - 1), finite Decimal, and lists, tuples and dicts of them. Each text
    (keys included) is put in ``texts`` for the caller to check for UTF-8 once.
    The result is what the reference walk gives (new lists and dicts, sorted by
    name); anything else, even what the walk accepts (a ``str`` subclass), is
    left to it, so that its result and its errors stay the only rule.
    """
    if not set(map(type, value)) <= _TEXT:
        raise _Unusual
    texts.extend(value)
    made: dict[str, JsonValue] = {}
    for key, item in value.items():
        if type(item) is str:  # most are: no call
            texts.append(item)
        else:
            item = _plain_item(item, texts)
        made[key] = item
    return {key: made[key] for key in sorted(made)}


def _plain_list(value: list[Any] | tuple[Any, ...], texts: list[str]) -> list[JsonValue]:
    """A list or tuple of common values as a new list (see :func:`_plain_object`)."""
    kinds = set(map(type, value))
    if kinds <= _TEXT:
        texts.extend(value)
        return list(value)
    if kinds <= _TEXTS_AND_LITERALS:
        texts.extend(item for item in value if type(item) is str)
        return list(value)
    return [_plain_item(item, texts) for item in value]


def _plain_item(item: Any, texts: list[str]) -> JsonValue:
    """One common value as the reference walk gives it (see :func:`_plain_object`)."""
    kind = type(item)
    if kind is str:
        texts.append(item)
    elif kind is int:
        if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
            raise _Unusual
    elif kind is Decimal:
        if not item.is_finite():
            raise _Unusual
    elif kind is list or kind is tuple:
        return _plain_list(item, texts)
    elif kind is dict:
        return _plain_object(item, texts)
    elif item is not None and kind is not bool:
        raise _Unusual
    return item  # type: ignore[no-any-return]


_TEXT: Final = frozenset({str})
_TEXTS_AND_LITERALS: Final = frozenset({str, bool, type(None)})


def _plain(value: dict[Any, Any]) -> dict[str, JsonValue] | None:
    """:func:`_json_object` of a dict of common values (:func:`_plain_object`), its texts
    checked for UTF-8 in one go; ``None`` for anything else, left to the reference walk."""
    texts: list[str] = []
    try:
        made = _plain_object(value, texts)
        "".join(texts).encode("utf-8")
    except (_Unusual, UnicodeError, RecursionError):
        return None
    return made


def _walked(value: Mapping[str, Any] | None, where: str) -> dict[str, JsonValue]:
    """Named inputs as JSON values by the reference walk, which names what it refuses."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{where}: give a mapping of names to values, not {type(value).__name__}")
    return _json_object(value, where)


def _named(value: Mapping[str, Any] | None, where: str) -> dict[str, JsonValue]:
    """Named inputs (``details``, ``parameters``) as JSON values, sorted by name.

    A fast pass (:func:`_plain`) takes a dict of the common values; anything
    else, and any text with a lone surrogate, goes through the reference walk
    (:func:`_walked`), which gives the same result or the error naming the place.
    """
    if type(value) is dict:
        made = _plain(value)
        if made is not None:
            return made
    return _walked(value, where)


def json_text(value: JsonValue) -> Any:
    """A JSON value as plain JSON: each Decimal as its exact decimal text."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list):
        return [json_text(part) for part in value]
    if isinstance(value, dict):
        return {key: json_text(part) for key, part in value.items()}
    return value


def _score_details(value: Mapping[str, Any] | None) -> dict[str, JsonValue]:
    return _named(value, "Score.details")


def _finding_parameters(value: Mapping[str, Any] | None) -> dict[str, JsonValue]:
    return _named(value, "Finding.parameters")


@attrs.frozen(kw_only=True)
class Score:
    """A measured result: a subject's metric for a period, against its target.

    Args:
        subject: what is scored (an indicator, project, unit, bank...), by its id.
        label: the subject's name for people (``规上工业增加值增速``), when it has one.
        metric: what is measured (``completion``, ``investment_to_date``...).
        period: the business period (``2019-06``, ``2019-W23``, ``2019-Q2``).
        value: the actual figure (Decimal) or state (text).
        target: the target, when there is one.
        expected: what the schedule (序时进度) expects by now, when it applies.
        status: a traffic light or other verdict, one of :data:`STATUSES` or of
            those its evaluator declares (checked when a replay collects it).
        points: points earned under the plan's weights, when scored.
        unit: the unit of ``value`` and ``target`` (``亿元``, ``%``...).
        rationale: the rule and formula with its numbers filled in.
        evidence: the seqs of the events the result rests on.
        details: further named inputs of the formula, as JSON values (text, int,
            bool, None, Decimal, and lists and mappings of them; a list is a list,
            not a comma-joined text). Decimals are written as exact decimal text.

    ``value``, ``target``, ``expected`` and ``points`` are finite Decimals (an
    int is accepted; a float, NaN or an infinity is refused on construction).
    """

    subject: str
    metric: str
    period: str
    label: str | None = None
    value: Value = attrs.field(default=None, converter=_decimal, validator=_figure(text=True))
    target: Value = attrs.field(default=None, converter=_decimal, validator=_figure(text=True))
    expected: Value = attrs.field(default=None, converter=_decimal, validator=_figure(text=True))
    status: str | None = None
    points: Decimal | None = attrs.field(
        default=None, converter=_decimal, validator=_figure(text=False)
    )
    unit: str | None = None
    rationale: str = ""
    evidence: tuple[int, ...] = attrs.field(default=(), converter=_evidence)
    details: dict[str, JsonValue] = attrs.field(factory=dict, converter=_score_details)

    record_type: ClassVar[str] = "score"


@attrs.frozen(kw_only=True)
class Finding:
    """A judgement under a rule: a commendation, a warning, supervision, accountability.

    Args:
        kind: one of :data:`FINDING_KINDS` (``commend``, ``warn``, ``supervise``...)
            or of those its evaluator declares (checked when a replay collects it).
        subject: who it is about (a unit, an official, a bank, a project), by its id.
        label: the subject's name for people, when it has one.
        rule: the rule's name.
        period: the business period it concerns.
        rationale: why, with the rule's parameters and the facts filled in.
        evidence: the seqs of the events it rests on.
        points: a deduction or bonus, when the rule gives one (a finite Decimal).
        parameters: the rule's parameters, as JSON values (as ``Score.details``).
    """

    kind: str
    subject: str
    rule: str
    period: str
    rationale: str
    label: str | None = None
    evidence: tuple[int, ...] = attrs.field(default=(), converter=_evidence)
    points: Decimal | None = attrs.field(
        default=None, converter=_decimal, validator=_figure(text=False)
    )
    parameters: dict[str, JsonValue] = attrs.field(factory=dict, converter=_finding_parameters)

    record_type: ClassVar[str] = "finding"


Record = Score | Finding


@attrs.frozen
class ReplayContext:
    """What an evaluator may know about the replay besides the events.

    Attributes:
        as_of: business time: facts about periods that began after it are left out.
        known_at: record time: only events appended by then were read.
        options: evaluator options given to the replay (``-o key=value``).
        bound: the last seq read.

    In ``fold`` both ``known_at`` and ``bound`` are None: a fold must not depend
    on how far the log is read, or a replay resumed from a checkpoint would
    answer differently from a full one. ``results`` gets them.
    """

    as_of: dt.date | None
    known_at: str | None
    options: Mapping[str, str]
    bound: int | None
    _results: Mapping[str, tuple[Record, ...]] = attrs.field(factory=dict, alias="results")
    _origins: Mapping[str, str] = attrs.field(factory=dict, alias="origins")

    def first_recorded(self, event: Event) -> str:
        """When the fact this event reports was first recorded.

        For a correction, the record time of the first version it (through a
        chain of corrections) replaces; otherwise the event's own ``recorded``.
        A report sent on time and corrected later was still sent on time.
        """
        return self._origins.get(event.id, event.recorded)

    def results_of(self, evaluator: str) -> tuple[Record, ...]:
        """The records of an evaluator this one ``requires`` (already computed)."""
        try:
            return self._results[evaluator]
        except KeyError:
            raise KeyError(
                f"no results of {evaluator!r}: name it in `requires` to read its results"
            ) from None

    @staticmethod
    @functools.lru_cache(maxsize=4096)
    def period(text: str) -> Period:
        """Parse a business period (cached)."""
        return parse_period(text)


Fold = Callable[[Any, Event, ReplayContext], Any]
Results = Callable[[Any, ReplayContext], Iterable[Record]]


def _names(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        raise TypeError("give a list of names, not one string")
    return frozenset(value)


def _vocabulary(value: Iterable[str]) -> frozenset[str]:
    names = _names(value)
    for name in names:
        if not isinstance(name, str) or not name:
            raise TypeError(f"a status or finding kind is a non-empty text, not {name!r}")
    return names


@attrs.frozen(kw_only=True)
class Evaluator:
    """A named, versioned fold over events into scores and findings.

    Args:
        name: unique across plugins; results and checkpoints are keyed by it.
        version: change it whenever the fold or results change, so that old
            checkpoints are not reused.
        consumes: the event types ``fold`` receives (upcast, corrections applied);
            ``"*"`` (:data:`ANY_TYPE`) means every registered type.
        requires: evaluators whose results ``results`` reads; they run first.
        state_type: an attrs class holding the fold's state; it must round-trip
            through gyengine's converter (it is checkpointed as JSON, never pickled).
        fold: ``fold(state, event, context) -> state``; may update ``state`` in place.
        results: ``results(state, context)`` yields :class:`Score` / :class:`Finding`.
        initial: builds the first state (default: ``state_type()``).
        description: one line for ``gyengine plugins``.
        statuses: the statuses its scores may have besides :data:`STATUSES`.
        finding_kinds: the kinds its findings may have besides :data:`FINDING_KINDS`.
    """

    name: str
    version: str
    consumes: frozenset[str] = attrs.field(converter=_names)
    state_type: type
    fold: Fold
    results: Results
    requires: frozenset[str] = attrs.field(default=frozenset(), converter=_names)
    initial: Callable[[ReplayContext], Any] | None = None
    description: str = ""
    statuses: frozenset[str] = attrs.field(default=frozenset(), converter=_vocabulary)
    finding_kinds: frozenset[str] = attrs.field(default=frozenset(), converter=_vocabulary)

    def initial_state(self, context: ReplayContext) -> Any:
        """The state before any event."""
        return self.initial(context) if self.initial is not None else self.state_type()


def check_record(
    record: Record, statuses: Collection[str] = (), kinds: Collection[str] = ()
) -> None:
    """Refuse a record whose status or kind no one declared.

    A score's status must be None, one of :data:`STATUSES` or one of
    ``statuses``; a finding's kind one of :data:`FINDING_KINDS` or of ``kinds``
    (what the record's evaluator declares besides the base vocabulary).

    Raises:
        ValueError: naming the record, the status or kind, and how to declare it.
        TypeError: for a status or kind that is not a text.
    """
    value: object
    if isinstance(record, Score):
        value, what, known, field = record.status, "status", (*STATUSES, *statuses), "statuses"
        if value is None:
            return
        where = f"score {record.subject} {record.metric} {record.period}"
    else:
        value, what, known, field = record.kind, "kind", (*FINDING_KINDS, *kinds), "finding_kinds"
        where = f"finding {record.subject} {record.rule} {record.period}"
    if not isinstance(value, str):
        raise TypeError(f"{where}: its {what} is a text, not {type(value).__name__}")
    if value in known:
        return
    raise ValueError(
        f"{where}: unknown {what} {value!r} (known: {', '.join(sorted(set(known)))}); "
        f"declare it in the evaluator's `{field}`"
    )


def order_evaluators(
    evaluators: Mapping[str, Evaluator], wanted: Collection[str] | None = None
) -> list[Evaluator]:
    """Return the wanted evaluators and what they require, requirements first.

    Ties are broken by name, so the order is the same on every machine.

    Raises:
        GyengineError: for an unknown name, a missing requirement or a cycle.
    """
    names = sorted(evaluators) if wanted is None else sorted(set(wanted))
    for name in names:
        if name not in evaluators:
            known = ", ".join(sorted(evaluators)) or "none"
            raise GyengineError(f"no evaluator named {name!r} (registered: {known})")
    order: list[Evaluator] = []
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in path:
            cycle = " -> ".join((*path[path.index(name) :], name))
            raise GyengineError(f"evaluators require each other in a cycle: {cycle}")
        evaluator = evaluators[name]
        for required in sorted(evaluator.requires):
            if required not in evaluators:
                raise GyengineError(
                    f"evaluator {name!r} requires {required!r}, which no plugin provides"
                )
            visit(required, (*path, name))
        done.add(name)
        order.append(evaluator)

    for name in names:
        visit(name, ())
    return order
