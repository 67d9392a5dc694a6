"""Hypothesis strategies for JSON values, payloads, envelopes and event batches.

Also the payload classes the store and codec tests register: they live here
because the strategies are built from them at import time.
"""

from __future__ import annotations

import collections
import datetime as dt
import enum
import string
import types
import typing
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import strategies as st

from gyengine.canonical import MAX_SAFE_INTEGER
from gyengine.limits import MAX_DECIMAL_DIGITS, MAX_DECIMAL_PLACES, MAX_MAGNITUDE_EXPONENT
from gyengine.quantity import UNITS, Quantity

# -- test payload classes -------------------------------------------------------


@attrs.frozen
class NoteTaken:
    """A note was taken."""

    text: str


@attrs.frozen
class Money:
    """An amount of money in a currency (nested inside other payloads)."""

    amount: Decimal
    currency: str = "CNY"


@attrs.frozen
class SampleRecorded:
    """A sample with one field of every kind the codec handles was recorded."""

    name: str
    amount: Decimal
    count: int
    ratio: float
    day: dt.date
    moment: dt.datetime
    flag: bool
    maybe: int | None
    tags: list[str]
    steps: tuple[int, ...]
    weights: tuple[float, ...]
    price: Money
    prices: list[Money]
    by_name: dict[str, int]
    size: Quantity
    refund: Money | None = None
    note: str = ""


TEST_PAYLOADS: tuple[type, ...] = (NoteTaken, SampleRecorded)
"""The classes the ``registry`` fixture registers beside the built-in ones."""


# -- JSON values ------------------------------------------------------------------

safe_integers = st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
"""Integers RFC 8785 can carry exactly (within +/-(2**53 - 1))."""

finite_floats = st.floats(allow_nan=False, allow_infinity=False)

# Every code point but lone surrogates (which have no UTF-8 form): control
# characters, the BMP, and beyond it (non-BMP keys sort differently by UTF-16).
json_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)

json_scalars = st.none() | st.booleans() | safe_integers | finite_floats | json_text

json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(json_text, children, max_size=5)
    ),
    max_leaves=25,
)
"""Arbitrary JSON values as Python objects (dicts, lists, str, int, float, bool, None)."""

plain_json_values = st.recursive(
    st.none() | st.booleans() | safe_integers | json_text,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(json_text, children, max_size=5)
    ),
    max_leaves=25,
)
"""JSON values without floats: the ones gyengine's fast path handles without rfc8785."""


# -- payloads, built field by field from the attrs annotations ---------------------


def decimals(magnitude: int = MAX_MAGNITUDE_EXPONENT) -> st.SearchStrategy[Decimal]:
    """Decimals a new event may carry, built exactly (no context rounding), boundaries included.

    Up to 28 digits, no digit beyond the 18th decimal place, magnitude below
    ``10 ** magnitude`` (the bound of :mod:`gyengine.limits` by default).
    """

    def build(sign: int, digits: str, exponent: int) -> Decimal:
        return Decimal((sign, tuple(int(d) for d in digits), exponent))

    return st.integers(0, 1).flatmap(
        lambda sign: st.text(string.digits, min_size=1, max_size=MAX_DECIMAL_DIGITS).flatmap(
            lambda digits: st.builds(
                build,
                st.just(sign),
                st.just(digits),
                st.integers(-MAX_DECIMAL_PLACES, magnitude - len(digits)),
            )
        )
    )


fixed_offsets = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
"""UTC offsets in whole minutes, as ISO 8601 writes them (the codec reads an offset back, not a zone).

Python's ``fromisoformat`` drops an offset of a fraction of a second
(``+00:00:00.000001``), so the strategy keeps to offsets real clocks use.
"""

quantities = st.builds(
    lambda amount, unit: Quantity.parse(f"{amount:f} {unit}"),
    decimals(MAX_MAGNITUDE_EXPONENT - 8),  # 亿元 multiplies by 10^8 into 元
    st.sampled_from(sorted(UNITS)),
)
"""Quantities as a plan writes them and :meth:`Quantity.parse` reads them (base unit, normalised)."""

_SCALARS: dict[Any, st.SearchStrategy[Any]] = {
    str: json_text,
    int: safe_integers,
    float: finite_floats,
    bool: st.booleans(),
    Decimal: decimals(),
    dt.date: st.dates(),
    dt.datetime: st.datetimes(timezones=fixed_offsets),
    Quantity: quantities,
}


def for_type(tp: Any) -> st.SearchStrategy[Any]:
    """A strategy for valid values of a payload field's type.

    Raises:
        NotImplementedError: for a type the strategies do not know yet, so a
            new plugin field type shows up as a failing round-trip test.
    """
    if tp in _SCALARS:
        return _SCALARS[tp]
    if tp is type(None):
        return st.none()
    if attrs.has(tp):
        return payloads(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(for_type(arg) for arg in args))
    if origin is list:
        return st.lists(for_type(args[0]), max_size=4)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return st.lists(for_type(args[0]), max_size=4).map(tuple)
    if origin is tuple:
        return st.tuples(*(for_type(arg) for arg in args))
    if origin is dict and args[0] is str:
        return st.dictionaries(json_text, for_type(args[1]), max_size=4)
    if origin is dict and args[0] is dt.date:  # a node schedule: date -> amount
        return st.dictionaries(st.dates(), for_type(args[1]), max_size=4)
    raise NotImplementedError(f"no strategy for payload field type {tp!r}")


def _field(field: attrs.Attribute[Any], tp: Any) -> st.SearchStrategy[Any]:
    validator = field.validator
    # attrs.validators.optional(in_(...)) keeps the inner validator as .validator.
    inner = getattr(validator, "validator", None)
    options = getattr(inner if inner is not None else validator, "options", None)
    if options is not None:  # attrs.validators.in_
        allowed = st.sampled_from(sorted(options, key=repr))
        return allowed if inner is None else st.none() | allowed
    return for_type(tp)


def _build(cls: type, kwargs: dict[str, Any]) -> Any:
    try:
        return cls(**kwargs)
    except (TypeError, ValueError):  # refused by one of the class's validators
        return None


_weeks = st.integers(1, 52).map(lambda week: f"2019-W{week:02d}")
periods = st.sampled_from(["2019", "2019-H1", "2019-Q2", "2019-06", "2019-W26", "2019-06-30"])

_money = decimals().map(lambda amount: Quantity.parse(f"{abs(amount):f} 元"))

_days = st.dates(dt.date(2019, 1, 1), dt.date(2020, 12, 31)).map(dt.date.isoformat)
_item_numbers = st.from_regex(r"[A-Z]{2}-20[0-9]{2}-[0-9]{3}", fullmatch=True) | st.sampled_from(
    ["R05-2019-W11-P11", "R08-2019-02-I7-增速"]
)
_filled = json_text.filter(lambda text: bool(text.strip())) | st.just("整改")
_steps = st.lists(
    st.sampled_from(["warn", "supervise", "notify", "interview", "accountable"]),
    max_size=3,
    unique=True,
).map(tuple)

FIELD_STRATEGIES: dict[tuple[str, str], st.SearchStrategy[Any]] = {
    # Fields whose validators refuse almost every value of their annotated type
    # (money among 18 units, text that must be a period): drawn from what they
    # accept, or filtering whole payloads would reject nearly every example.
    **{
        ("BankMonthlyReported", name): _money
        for name in (
            "loan_balance",
            "deposits",
            "new_loans",
            "industrial_increment",
            "inclusive_loans",
            "renewals_without_repayment",
            "maturing_loans",
            "matchmaking_signed",
            "matchmaking_disbursed",
            "balance_at_year_start",
        )
    },
    ("BankTargetSet", "target"): quantities.map(str) | decimals().map(lambda d: f"{d:f}"),
    ("BankTargetSet", "period"): st.sampled_from(["2019", "2019-H2", "2019-Q3", "2019-06"]),
    ("BankVetoed", "period"): st.integers(1, 12).map(lambda month: f"2019-{month:02d}"),
    ("FalseReportFound", "period"): periods,
    ("ReportExcused", "weeks"): st.lists(_weeks, min_size=1, max_size=3).map(tuple),
    ("ReportExcused", "from_week"): st.sampled_from(["", "2019-W05", "2019-W30"]),
    ("ReportExcused", "to_week"): st.sampled_from(["", "2019-W05", "2019-W30"]),
    ("RuleDefined", "kind"): st.sampled_from(["commend", "deduct", "veto", "notice"]),
    # Numbers and texts: the parameters of a rule are either (numeric text reads as a number).
    ("RuleDefined", "params"): st.dictionaries(json_text, decimals() | json_text, max_size=4),
    # The supervision loop: item numbers, dates, non-empty texts, ladder steps, seqs.
    **{
        (cls, field): strategy
        for cls in (
            "SupervisionItemIssued",
            "MeetingItemAgreed",
            "RectificationReported",
            "SupervisionItemClosed",
            "SupervisionItemReturned",
            "InterviewHeld",
            "SupervisionLoopDefined",
        )
        for field, strategy in {
            "item": _item_numbers,
            "deadline": st.just("") | _days,
            "unit": _filled,
            "reason": _filled,
            "text": _filled,
            "interviewee": _filled,
            "by": _filled,
            "evidence": st.lists(st.integers(1, 10**6), max_size=3).map(tuple),
            "open_on": _steps,
            "escalation": _steps,
            "holidays": st.lists(_days, max_size=3).map(tuple),
            "workdays": st.just(()),
        }.items()
    },
    ("InterviewHeld", "item"): st.just("") | _item_numbers,
    # The quarterly evaluation's list sizes and item minimum (validators ge(0), ge(1)): three
    # filtered ints left one payload in eight, which Hypothesis's health check refused.
    ("QuarterlyEvaluationDefined", "top"): st.integers(0, 10),
    ("QuarterlyEvaluationDefined", "bottom"): st.integers(0, 10),
    ("QuarterlyEvaluationDefined", "min_items"): st.integers(1, 10),
}
"""(payload class name, field) -> the strategy for that field, instead of its annotation's."""


def payloads(cls: type) -> st.SearchStrategy[Any]:
    """Instances of an attrs payload class with every field drawn from its annotation.

    Values an ``in_`` validator allows are sampled; fields in
    :data:`FIELD_STRATEGIES` use theirs; other validators filter.
    """
    hints = typing.get_type_hints(cls)
    fields = {
        field.name: (
            FIELD_STRATEGIES[cls.__name__, field.name]
            if (cls.__name__, field.name) in FIELD_STRATEGIES
            else _field(field, hints[field.name])
        )
        for field in attrs.fields(cls)
    }
    return (
        st.fixed_dictionaries(fields)
        .map(lambda kwargs: _build(cls, kwargs))
        .filter(lambda payload: payload is not None)
    )


# -- envelopes and batches -----------------------------------------------------------

names = st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=10)
"""Ids, streams, actors: non-empty, no control characters (what the registry accepts)."""

hex_hashes = st.text("0123456789abcdef", min_size=64, max_size=64)

timestamps = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)
).map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
"""Record timestamps in the store's fixed-width UTC form."""

envelopes = st.fixed_dictionaries(
    {
        "seq": st.integers(1, MAX_SAFE_INTEGER),
        "id": names,
        "stream": names,
        "version": st.integers(1, MAX_SAFE_INTEGER),
        "type": names,
        "schema": st.integers(1, 1000),
        "occurred": st.none() | periods | json_text,
        "recorded": timestamps,
        "actor": st.none() | json_text,
        "supersedes": st.none() | names,
        "data": st.dictionaries(json_text, json_values, max_size=4),
        "prev_hash": hex_hashes,
    }
)
"""Envelope dicts (without ``hash``) with a payload object as ``data``."""


@attrs.frozen
class Batch:
    """One append call to make: events as ``(stream, note, occurred, supersedes index)``."""

    events: tuple[tuple[str, str, str | None, int | None], ...]


def batches(max_batches: int = 5, max_size: int = 6) -> st.SearchStrategy[list[Batch]]:
    """Sequences of append batches over a few streams.

    An event's supersedes index points at an earlier event of the whole
    sequence (counted across batches); the test turns it into that event's id.
    """

    @st.composite
    def build(draw: st.DrawFn) -> list[Batch]:
        result = []
        total = 0
        for _ in range(draw(st.integers(1, max_batches))):
            events = []
            for _ in range(draw(st.integers(1, max_size))):
                supersedes = draw(st.none() | st.integers(0, total - 1)) if total else None
                events.append(
                    (
                        draw(st.sampled_from(["project/P01", "project/P02", "bank/B1", "统计局"])),
                        draw(json_text),
                        draw(st.none() | periods),
                        supersedes,
                    )
                )
                total += 1
            result.append(Batch(tuple(events)))
        return result

    return build()


# -- changed JSON values (what a tampered row or a careless line holds) -------------

wrong_json = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        -1,
        7,
        1.5,
        -0.0,
        1e300,
        2**53,
        -(2**53),
        2**70,
        "",
        "x",
        " 5 ",
        "5\n",
        "１２３",
        "1_000",
        "NaN",
        "Infinity",
        "1e5",
        "1E+999",
        "8.70",
        "+7",
        ".5",
        "2019-06-30",
        "2019-02-30",
        "2019-6-30",
        "２０１９-０６-３０",
        "2019-06-30T09:00:00+08:00",
        "75 亿元",
        "75 斤",
        "1e30 元",
        "\ud800",
        [],
        ["x"],
        [1, "x"],
        [None],
        {},
        {"amount": "1"},
    ]
) | st.deferred(lambda: json_values)
"""JSON values of every kind, the wrong kind for most fields: what a changed row or line may hold."""


def json_paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside a JSON value (object keys, array indexes), outermost first."""
    found = [at]
    if isinstance(value, dict):
        for key, item in value.items():
            found += json_paths(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += json_paths(item, (*at, index))
    return found


def changed_json(value: Any, at: tuple[Any, ...], change: str, wrong: Any) -> Any:
    """``value`` with the thing at ``at`` replaced by ``wrong``, dropped, or given an unknown key."""
    if not at:
        if change == "unknown key" and isinstance(value, dict):
            return {**value, "zz_unknown": wrong}
        return wrong
    head, rest = at[0], at[1:]
    if isinstance(value, dict):
        if not rest and change == "drop":
            return {key: item for key, item in value.items() if key != head}
        return {**value, head: changed_json(value[head], rest, change, wrong)}
    items = list(value)
    items[head] = changed_json(items[head], rest, change, wrong)
    return items


# -- results: named inputs (details, parameters) and saved rows ---------------------


class Label(str):
    """A ``str`` subclass (as a ``StrEnum`` member is): details keep its plain text."""


class Level(enum.IntEnum):
    """An ``int`` subclass: no JSON value for a score's details."""

    LOW = 1


class Exact(Decimal):
    """A ``Decimal`` subclass: details keep it as it is."""


_surrogates = st.sampled_from(["\ud800", "\udfff", "\ud83d", "\ude00", "\ud83d\ude00"])
_surrogate_texts = st.tuples(st.text(max_size=3), _surrogates, st.text(max_size=3)).map("".join)
odd_texts = json_text | _surrogate_texts
"""Texts, a few with a lone surrogate (no UTF-8 form), some beyond the BMP."""

any_decimals = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.builds(
        lambda sign, digits, exponent: Decimal((sign, tuple(digits), exponent)),
        st.integers(0, 1),
        st.lists(st.integers(0, 9), min_size=1, max_size=30),
        st.integers(-60, 60),
    ),
    st.sampled_from(
        [Decimal(text) for text in ("sNaN", "-NaN", "-Infinity", "-0", "0E-7", "1E+999999")]
    ),
)
"""Decimals of every exponent, finite or not (NaN, sNaN, infinities)."""

_edge_integers = st.sampled_from([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER, 2**53, -(2**53), 10**30])

odd_keys = st.one_of(
    odd_texts,
    odd_texts.map(Label),
    st.integers(),
    st.none(),
    st.booleans(),
    st.tuples(st.integers()),
)

odd_scalars = st.one_of(
    st.floats(),
    st.sampled_from([Decimal(text) for text in ("NaN", "sNaN", "-NaN", "Infinity", "-Infinity")]),
    any_decimals,
    _edge_integers | st.integers(),
    _surrogate_texts,
    odd_texts.map(Label),
    any_decimals.filter(lambda value: value.is_finite()).map(Exact),
    st.sampled_from([Level.LOW, dt.date(2019, 6, 7), b"bytes", frozenset({"a"}), object()]),
)
"""Values a score's details may not hold, or hold only after conversion (a ``Label`` as
its plain text, an ``Exact`` as it is), each kind about as likely."""

_common_scalars = st.one_of(
    st.none(),
    st.booleans(),
    safe_integers,
    any_decimals.filter(lambda value: value.is_finite()),
    json_text,
)


def _mostly(common: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``common``, and one time in eight ``odd``: a value with one odd thing in it."""
    return st.integers(0, 7).flatmap(lambda n: odd if n == 0 else common)


common_named_values = st.recursive(
    _common_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(json_text, children, max_size=4),
    ),
    max_leaves=20,
)

common_named_inputs = st.dictionaries(json_text, common_named_values, max_size=8)
"""Details as the standard plugins give them: plain texts, literals, safe integers,
finite Decimals, and lists, tuples and dicts of them."""

_named_keys = _mostly(json_text, odd_keys)

odd_named_values = st.recursive(
    _mostly(_common_scalars, odd_scalars),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        _mostly(
            st.dictionaries(_named_keys, children, max_size=4),
            st.dictionaries(json_text, children, max_size=3).map(collections.OrderedDict)
            | st.dictionaries(json_text, children, max_size=3).map(types.MappingProxyType),
        ),
    ),
    max_leaves=20,
)

odd_named_inputs = _mostly(
    st.dictionaries(_named_keys, odd_named_values, max_size=8),
    st.none() | odd_named_values,
)
"""What an evaluator might give as a score's ``details``: mostly the common values, with
here and there anything else (str, int and Decimal subclasses, lone surrogates, floats,
NaN, huge integers, dates, keys that are no text, mappings that are no dict), at any depth."""

_row_texts = st.one_of(
    st.none(),
    json_text,
    st.text(max_size=40),
    decimals().map(lambda value: format(value, "f")),
    st.sampled_from(["", "迟报 P07", "\U0001f600", '{"a": "1"}', "\u2028", "\\"]),
)

result_rows = st.tuples(
    st.lists(_row_texts, max_size=18),
    st.lists(st.integers(1, 10**7), max_size=30),
)
"""A saved result's fields (texts, Decimals as text, None; as few as none) and its evidence seqs."""

jcs_inputs = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        safe_integers,
        _edge_integers,
        st.floats(),
        json_text,
        st.sampled_from([Decimal("1.5"), Label("x"), Level.LOW, b"x"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=6),
        st.lists(children, max_size=6).map(tuple),
        st.dictionaries(json_text, children, max_size=4),
        st.dictionaries(json_text | st.integers() | odd_texts.map(Label), children, max_size=3),
    ),
    max_leaves=25,
)
"""Values for the canonical form's plain check: JSON values with integers at and past
2**53 - 1, floats, keys beyond the BMP or no text, and values JSON has not (a Decimal, a
``str`` or ``int`` subclass, bytes), in lists, tuples and objects."""
