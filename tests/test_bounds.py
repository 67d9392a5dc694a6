"""Bounds at the door (issue #10, point 4): decimals, payload size, kept record times.

Each refusal is checked through the CLI (one line, non-zero exit, the database
byte for byte unchanged) and through the library (the exact message, the head
unchanged); the values at the bounds are accepted and replay.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import gyengine
from cli_helpers import clean_environment, error_lines, fingerprint, invoke, jsonl, statistic
from gyengine import InvalidEvent, NewEvent, SQLiteEventStore
from gyengine.events import EventTypes, PendingEvent
from gyengine.jsonl import JsonLinesReader
from gyengine.limits import MAX_DATA_BYTES, decimal_fits
from gyengine.quantity import Quantity
from test_plan import QINGSHI

BOUNDS = "at most 28 significant digits, magnitude below 10^18, at most 18 decimal places"
LARGEST = "999999999999999999.9999999999"
"""The largest decimal accepted: 28 digits, 18 of them before the point."""
SMALLEST = "0.000000000000000001"
"""The smallest positive decimal accepted: a digit at the 18th decimal place."""
CLOCK = "2024-05-01T08:00:00.000000Z"
LATEST = "2024-05-01T08:05:00.000000Z"
"""The latest recorded time an import may keep on a store whose clock reads CLOCK."""


def out_of_range(text: str, unit: str = "") -> str:
    """The refusal of a figure written ``text``: a long one is shown by its start and length."""
    bounds = f"in {unit}: {BOUNDS}" if unit else BOUNDS
    shown = text if len(text) <= 40 else f"{text[:30]}... ({len(text)} characters)"
    return f"{shown} is out of range ({bounds})"


@attrs.frozen
class Reading:
    """A payload that the fast encoder does not take (a float field): the converter encodes it."""

    value: Decimal
    ratio: float = 0.0


# -- the rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        LARGEST,
        "-" + LARGEST,
        SMALLEST,
        "1234567890.123456789012345678",  # 28 digits, 18 places
        "1E+17",
        "0",
        "0E+30",  # zero is written "0" whatever its exponent
        "100.000",
    ],
)
def test_within_the_bounds(text: str) -> None:
    """Values at the edges of the bounds fit."""
    assert decimal_fits(Decimal(text))


@pytest.mark.parametrize(
    "text",
    [
        "1E+18",  # magnitude
        "1000000000000000000",
        "0.0000000000000000001",  # a 19th decimal place
        "0E-19",
        "1234567890.1234567890123456789",  # 29 digits
        "1.000000000000000000000000000",  # 28 places written
        "1E+1000000",
        "NaN",
        "Infinity",
        "-Infinity",
        "sNaN",
    ],
)
def test_beyond_the_bounds(text: str) -> None:
    """Values one step past an edge, and non-finite ones, do not fit."""
    assert not decimal_fits(Decimal(text))


# -- one rule on every path in -------------------------------------------------------

EXTREMES = [
    Decimal(text)
    for text in (
        "1e1000000",
        "1e999999999",
        "-1e-1000000",
        "1e18",
        "-1e18",
        LARGEST,
        "-" + LARGEST,
        SMALLEST,
        "1e-19",
        "0E-30",
        "0E+30",
    )
]

wide_decimals = st.builds(
    lambda sign, digits, exponent: Decimal((sign, tuple(digits), exponent)),
    st.integers(0, 1),
    # As many long coefficients as short ones: lists would mostly be short.
    st.integers(1, 34).flatmap(lambda n: st.lists(st.integers(0, 9), min_size=n, max_size=n)),
    st.integers(-40, 40),
) | st.sampled_from(EXTREMES)
"""Decimals in and out of the bounds, their edges and exponents no computer could write out."""

# Beyond the bounds yet written without an exponent: what the fast encoder would
# write as it is, unless it checks the bounds too.
FIXED_BEYOND = [Decimal("1" * 29), Decimal("1" * 19), Decimal("0.1234567890123456789")]


@pytest.fixture(scope="module")
def door(tmp_path_factory: pytest.TempPathFactory) -> tuple[EventTypes, Path]:
    """The registry (with ``Reading``) and an empty database for ``gyengine record``."""
    registry = gyengine.plugins.build_event_types(gyengine.get_plugin_manager())
    registry.register(Reading, owner="tests")
    db = tmp_path_factory.mktemp("door") / "door.db"
    SQLiteEventStore(db, create=True).close()
    return registry, db


def _outcome(attempt: Any, field: str = "value") -> tuple[str, ...]:
    """``("ok", stored value)``, or ``("refused", field, message)``."""
    try:
        pending = attempt()
    except InvalidEvent as error:
        return ("refused", str(error.field), error.message)
    return ("ok",) if pending is None else ("ok", json.loads(pending.data)[field])


def _line(registry: EventTypes, event: dict[str, Any] | str) -> PendingEvent:
    """The event of a one-line JSON Lines file, as ``gyengine append`` reads it."""
    return next(iter(JsonLinesReader(BytesIO(jsonl([event])), "events.jsonl", registry)))


def _record(db: Path, *fields: str) -> None:
    """``gyengine record --dry-run``, its one-line error raised as the InvalidEvent it names."""
    result = invoke(
        ["record", "StatisticReported", "--stream", "s", "--db", str(db), "--dry-run", *fields]
    )
    if result.exit_code:
        error = error_lines(result)[0].removeprefix("Error: command line: ")
        field, _, message = error.partition(": ")
        raise InvalidEvent(message, field=field)


def _paths(registry: EventTypes, db: Path, value: Decimal) -> dict[str, tuple[str, ...]]:
    """What each way of handing in ``value`` makes of it."""
    text = str(value)
    mapping = {"indicator": "I1", "unit": "%"}
    cls = registry.class_of("StatisticReported")

    def encode(data: Any, name: str = "StatisticReported") -> PendingEvent:
        return registry.encode(NewEvent(type=name, stream="s", data=data))

    def line(raw: str) -> PendingEvent:
        data = f'{{"indicator":"I1","unit":"%","value":{raw}}}'
        return _line(registry, f'{{"type":"StatisticReported","stream":"s","data":{data}}}')

    paths = {
        "JSON Lines, text": lambda: line(json.dumps(text)),
        "mapping, text": lambda: encode({**mapping, "value": text}),
        "mapping, Decimal": lambda: encode({**mapping, "value": value}),
        "object, fast encoder": lambda: encode(cls("I1", value, "%")),
        "object, converter": lambda: encode(Reading(value), "Reading"),
        "gyengine record": lambda: _record(db, "indicator=I1", "unit=%", f"value={text}"),
    }
    if value.is_finite():
        paths["JSON Lines, number"] = lambda: line(text)
    return {name: _outcome(attempt) for name, attempt in paths.items()}


@given(value=wide_decimals)
@example(value=FIXED_BEYOND[0])
@example(value=FIXED_BEYOND[1])
@example(value=FIXED_BEYOND[2])
def test_every_path_in_applies_the_one_rule(door: tuple[EventTypes, Path], value: Decimal) -> None:
    """JSON Lines (text or number), a mapping (text or Decimal), a payload object (through
    the fast encoder or the converter) and ``gyengine record`` accept and refuse alike."""
    registry, db = door
    outcomes = _paths(registry, db, value)
    if decimal_fits(value):
        # The same number everywhere (a JSON integer -0 is the int 0: compared as numbers).
        expected = dict.fromkeys(outcomes, ("ok", value))
        expected["gyengine record"] = ("ok",)  # --dry-run: "valid", nothing stored
        assert {
            name: (kind, *map(Decimal, stored)) for name, (kind, *stored) in outcomes.items()
        } == expected
    elif value.is_finite():
        refusal = ("refused", "$.data.value", out_of_range(str(value)))
        assert outcomes == dict.fromkeys(outcomes, refusal)
    else:
        assert {(kind, field) for kind, field, _ in outcomes.values()} == {
            ("refused", "$.data.value")
        }


@given(value=wide_decimals.filter(lambda d: d.is_finite() and -40 < d.adjusted() < 40))
def test_quantities_keep_the_bounds_in_their_base_unit(
    door: tuple[EventTypes, Path], value: Decimal
) -> None:
    """A quantity is held to the bounds as the amount in its base unit (the one stored),
    whether written in a JSON Lines line or a mapping, or given as an object."""
    registry, _ = door
    written = f"{value:f} 亿元"
    quantity = Quantity.parse(written)
    data = {"indicator": "I1", "target": written}
    as_object = registry.class_of("TargetSet")("I1", quantity)

    def encode(payload: Any) -> PendingEvent:
        return registry.encode(NewEvent(type="TargetSet", stream="s", data=payload))

    outcomes = {
        "JSON Lines": _outcome(
            lambda: _line(registry, {"type": "TargetSet", "stream": "s", "data": data}), "target"
        ),
        "mapping": _outcome(lambda: encode(data), "target"),
        "object": _outcome(lambda: encode(as_object), "target"),
    }
    if decimal_fits(quantity.amount):
        assert outcomes == dict.fromkeys(outcomes, ("ok", str(quantity)))
    else:
        refusal = ("refused", "$.data.target", out_of_range(written, "元"))
        assert outcomes["JSON Lines"] == outcomes["mapping"] == refusal
        # An object was never written by anyone: its message shows it in 元.
        assert outcomes["object"] == ("refused", "$.data.target", out_of_range(str(quantity), "元"))


# -- the CLI: one line, non-zero exit, nothing written -------------------------------


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database with one event, in a directory of its own (messages name ``events.jsonl``)."""
    clean_environment(monkeypatch)
    monkeypatch.chdir(tmp_path)
    assert invoke(["init", "--db", "gy.db"]).exit_code == 0
    Path("seed.jsonl").write_bytes(jsonl([statistic(id="seed")]))
    assert invoke(["append", "seed.jsonl", "--db", "gy.db"]).exit_code == 0
    return tmp_path / "gy.db"


def _append_refused(db: Path, lines: list[Any], *options: str) -> str:
    """Append ``lines`` as events.jsonl, check that nothing was written, return the error."""
    Path("events.jsonl").write_bytes(jsonl(lines))
    before = fingerprint(db)
    result = invoke(["append", "events.jsonl", "--db", str(db), *options])
    [message] = error_lines(result)
    assert fingerprint(db) == before
    return message


GOOD = statistic(stream="indicator/I9", value="1")


@pytest.mark.parametrize(
    "value",
    [
        "1e1000000",
        "1e999999999",
        "1E+18",
        "0.0000000000000000001",
        "1234567890.1234567890123456789",
        "1" * 100_000,
    ],
    ids=["1e1000000", "1e999999999", "1e18", "19-places", "29-digits", "100000-digits"],
)
def test_append_refuses_a_decimal_out_of_range(db: Path, value: str) -> None:
    """A figure beyond the bounds is refused at its line and field; the file appends nothing."""
    message = _append_refused(db, [GOOD, GOOD, statistic(value=value)])
    assert message == f"Error: events.jsonl:3: $.data.value: {out_of_range(value)}"
    if len(value) > 40:
        assert "... (100000 characters) is out of range" in message


def test_append_refuses_a_json_number_out_of_range(db: Path) -> None:
    """A JSON number (not a string) is held to the same bounds."""
    message = _append_refused(
        db,
        [
            GOOD,
            '{"type":"StatisticReported","stream":"s","data":'
            '{"indicator":"I1","unit":"%","value":1e1000000}}',
        ],
    )
    assert message == f"Error: events.jsonl:2: $.data.value: {out_of_range('1E+1000000')}"


def test_append_still_refuses_nan(db: Path) -> None:
    """NaN and Infinity stay refused, as JSON numbers and as text."""
    message = _append_refused(db, [statistic(value="NaN")])
    assert message == (
        """Error: events.jsonl:1: $.data.value: expected a decimal number such as "1234.56", got 'NaN'"""
    )
    message = _append_refused(
        db,
        [
            '{"type":"StatisticReported","stream":"s","data":'
            '{"indicator":"I1","unit":"%","value":Infinity}}'
        ],
    )
    assert message == (
        "Error: events.jsonl:1: $.data.value: Infinity is not allowed: JSON has no NaN or Infinity"
    )


def test_append_refuses_a_quantity_out_of_range_in_its_base_unit(db: Path) -> None:
    """10^10 亿元 is 10^18 元: one past the bound of the amount stored."""
    line = {
        "type": "TargetSet",
        "stream": "s",
        "data": {"indicator": "I1", "target": "10000000000 亿元"},
    }
    message = _append_refused(db, [line])
    assert (
        message == f"Error: events.jsonl:1: $.data.target: {out_of_range('10000000000 亿元', '元')}"
    )


def test_record_refuses_a_decimal_out_of_range(db: Path) -> None:
    """The command of the issue: the value is refused on the command line, nothing is written."""
    before = fingerprint(db)
    result = invoke(
        [
            "record",
            "StatisticReported",
            *("--stream", "indicator/I1", "--occurred", "2019-06", "--actor", "统计局"),
            *("indicator=I1", "value=1e1000000", "unit=%", "--db", str(db)),
        ]
    )
    assert error_lines(result) == [
        f"Error: command line: $.data.value: {out_of_range('1E+1000000')}"
    ]
    assert fingerprint(db) == before


def test_append_refuses_a_payload_over_the_size_limit(db: Path) -> None:
    """A payload of 256 KiB + 1 byte of canonical JSON is refused, naming its line and size."""
    padding = MAX_DATA_BYTES - len('{"reason":""}')
    fits = {"type": "EventRetracted", "stream": "s", "data": {"reason": "x" * padding}}
    over = {"type": "EventRetracted", "stream": "t", "data": {"reason": "x" * (padding + 1)}}
    message = _append_refused(db, [fits, over])
    assert message == (
        "Error: events.jsonl:2: $.data: is 262,145 bytes of canonical JSON, over the limit of "
        "262,144 bytes (256 KiB): keep documents outside the log and record a reference"
    )
    Path("fits.jsonl").write_bytes(jsonl([fits]))
    assert invoke(["append", "fits.jsonl", "--db", str(db)]).exit_code == 0


def test_append_keep_recorded_refuses_a_time_in_the_future(db: Path) -> None:
    """One line dated 9999 would set the time of every later event: refused at its line."""
    future = statistic(id="future", recorded="9999-01-01T00:00:00Z")
    message = _append_refused(db, [future], "--keep-recorded")
    prefix = "Error: events.jsonl:1: $.recorded: 9999-01-01T00:00:00.000000Z is in the future: "
    assert message.startswith(prefix + "a kept recorded time must be no later than ")
    assert message.endswith(" (the store's clock plus 5 minutes)")


# -- the library: the exact message, the head unchanged -------------------------------


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[gyengine.Engine]:
    """An engine with the standard plugins whose store's clock always reads CLOCK."""
    store = SQLiteEventStore(tmp_path / "lib.db", create=True, clock=lambda: CLOCK)
    with gyengine.Engine(store) as opened:
        opened.append([NewEvent(type="EventRetracted", stream="seed", data={"reason": "seed"})])
        yield opened


def _refused(engine: gyengine.Engine, events: list[Any], **options: Any) -> str:
    """Append ``events``, check that the head did not move, return the error."""
    head = engine.store.head()
    with pytest.raises(InvalidEvent) as info:
        engine.append(events, **options)
    assert engine.store.head() == head
    return str(info.value)


def _statistic(value: Any) -> NewEvent:
    return NewEvent(
        type="StatisticReported",
        stream="indicator/I1",
        occurred="2019-06",
        data={"indicator": "I1", "value": value, "unit": "%"},
    )


@pytest.mark.parametrize("value", ["1e1000000", Decimal("1e1000000"), 10**30])
def test_library_refuses_a_decimal_out_of_range(engine: gyengine.Engine, value: Any) -> None:
    """Text, a Decimal or an int beyond the bounds: refused, naming the field."""
    shown = value if isinstance(value, str) else str(Decimal(value))
    assert _refused(engine, [_statistic("1"), _statistic(value)]) == (
        f"$.data.value: {out_of_range(shown)}"
    )


def test_library_refuses_a_payload_object_out_of_range(engine: gyengine.Engine) -> None:
    """A payload object with a Decimal of a billion digits is refused without writing it out."""
    payload = engine.registry.class_of("StatisticReported")("I1", Decimal("1e999999999"), "%")
    event = NewEvent(type="StatisticReported", stream="indicator/I1", data=payload)
    assert _refused(engine, [event]) == f"$.data.value: {out_of_range('1E+999999999')}"


def test_library_refuses_a_payload_over_the_size_limit(engine: gyengine.Engine) -> None:
    """The size limit holds for the library as for files."""
    event = NewEvent(type="EventRetracted", stream="s", data={"reason": "中" * 100_000})
    assert _refused(engine, [event]) == (
        "$.data: is 300,013 bytes of canonical JSON, over the limit of 262,144 bytes "
        "(256 KiB): keep documents outside the log and record a reference"
    )


def _kept(engine: gyengine.Engine, recorded: str, stream: str = "kept") -> PendingEvent:
    pending = engine.registry.encode(
        NewEvent(type="EventRetracted", stream=stream, data={"reason": "r"})
    )
    return attrs.evolve(pending, recorded=recorded)


def test_library_keep_recorded_refuses_a_time_in_the_future(engine: gyengine.Engine) -> None:
    """A kept recorded time past the clock plus 5 minutes is refused; the whole batch with it."""
    batch = [_kept(engine, CLOCK), _kept(engine, "2024-05-01T08:05:00.000001Z")]
    assert _refused(engine, batch, keep_recorded=True) == (
        "$.recorded: 2024-05-01T08:05:00.000001Z is in the future: a kept recorded time must be "
        f"no later than {LATEST} (the store's clock plus 5 minutes)"
    )


def test_library_keep_recorded_accepts_the_clock_plus_five_minutes(engine: gyengine.Engine) -> None:
    """The boundary: exactly the clock plus 5 minutes is kept."""
    result = engine.append([_kept(engine, LATEST)], keep_recorded=True)
    assert result.head.recorded == LATEST


def test_library_accepts_the_values_at_the_bounds(engine: gyengine.Engine) -> None:
    """The largest, the most negative and the smallest figures, and the largest payload."""
    padding = MAX_DATA_BYTES - len('{"reason":""}')
    events = [
        _statistic(LARGEST),
        _statistic("-" + LARGEST),
        _statistic(SMALLEST),
        NewEvent(
            type="TargetSet",
            stream="t",
            data={"indicator": "I1", "target": "9999999999.99999999 亿元"},
        ),
        NewEvent(type="EventRetracted", stream="s", data={"reason": "x" * padding}),
    ]
    result = engine.append(events)
    assert result.count == 5
    values = [event.data for event in engine.events(start=result.appended[0][0])]
    assert [v.value for v in values[:3]] == [Decimal(LARGEST), -Decimal(LARGEST), Decimal(SMALLEST)]
    assert values[3].target == Quantity(Decimal("999999999999999999"), "元")


# -- figures at the bounds replay --------------------------------------------------------


@pytest.fixture(scope="module")
def demo_at_the_bounds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled demo year plus figures at the bounds: the largest 产业集聚区固定资产投资
    (I7, in 亿元: 10^26 元 once converted) and, for I3, the largest statistic against the
    smallest target (a completion of 10^38 %)."""
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    assert invoke(["demo", "init", "--db", str(db)]).exit_code == 0
    with gyengine.open(db) as engine:
        engine.append(
            [
                NewEvent(
                    type="StatisticReported",
                    stream="indicator/I7",
                    occurred="2019-06",
                    data={"indicator": "I7", "value": LARGEST, "unit": "亿元"},
                ),
                NewEvent(
                    type="TargetSet",
                    stream="indicator/I3",
                    occurred="2019",
                    # Retroactive: a target recorded today applies to 2019 only if it says so.
                    data={"indicator": "I3", "target": f"{SMALLEST} %", "retroactive": True},
                ),
                NewEvent(
                    type="StatisticReported",
                    stream="indicator/I8",
                    occurred="2019-06",
                    data={"indicator": "I8", "value": LARGEST, "unit": "亿元"},
                ),
                NewEvent(
                    type="StatisticReported",
                    stream="indicator/I3",
                    occurred="2019-06",
                    data={"indicator": "I3", "value": LARGEST, "unit": "%"},
                ),
            ]
        )
    return db


def test_replay_over_figures_at_the_bounds(demo_at_the_bounds: Path) -> None:
    """Every evaluator folds and judges the figures at the bounds without a decimal error,
    and a second replay resumes from the checkpoints holding them."""
    with gyengine.open(demo_at_the_bounds) as engine:
        first = engine.replay(as_of="2019-06-30")
        second = engine.replay(as_of="2019-06-30")
    assert second.resumed  # the states with 10^26 元 were checkpointed and read back
    assert [item.record for item in second.records] == [item.record for item in first.records]
    [i7] = first.find("I7", "completion", "2019-06")
    assert i7.record.value == Decimal(LARGEST)
    [i3] = first.find("I3", "completion", "2019-06")
    assert (i3.record.value, i3.record.target) == (Decimal(LARGEST), Decimal(SMALLEST))
    # A rate is judged in percentage points: 10^18 - 10^-18 above target, to cents 10^18.
    assert "高于目标 1,000,000,000,000,000,000.00 个百分点" in i3.record.rationale
    # The largest level against its plan target: 10^18 亿元 / 106 亿元 × 100 %, to cents.
    [i8] = first.find("I8", "completion", "2019-06")
    assert "完成率 943,396,226,415,094,339.62 %" in i8.record.rationale


def test_cli_replay_and_report_over_figures_at_the_bounds(demo_at_the_bounds: Path) -> None:
    """The commands people run show them too."""
    for args in (
        ["replay"],
        ["replay", "--format", "json"],
        ["report", "monthly", "--month", "2019-06"],
    ):
        result = invoke([*args, "--db", str(demo_at_the_bounds)])
        assert result.exit_code == 0, result.output


# -- what is already in a log stays readable ----------------------------------------------


def test_a_stored_row_beyond_the_bounds_reads_alike_on_every_path(
    registry: EventTypes, store: gyengine.EventStore
) -> None:
    """The bounds are for new events. A row written before them (here: handed to the store
    directly) decodes on every read path, the same way, and so can be retracted."""
    text = '{"indicator":"I1","unit":"%","value":"1' + "0" * 40 + '"}'
    store.append(
        [
            PendingEvent(
                id="old",
                stream="s",
                type="StatisticReported",
                schema=1,
                occurred="2019-06",
                actor=None,
                supersedes=None,
                data=text,
            )
        ]
    )
    stored = store.get("old")
    assert stored is not None
    row = attrs.astuple(stored)
    decoded = [
        registry.decode(stored).data,
        registry.decode_row(row).data,
        registry.decode_row((*row[:10], row[10].encode(), *row[11:])).data,
        registry.decode_payload("StatisticReported", 1, text),
    ]
    assert [payload.value for payload in decoded] == [Decimal(10) ** 40] * 4


# -- plan files ------------------------------------------------------------------------


def test_plan_check_refuses_a_target_out_of_range(tmp_path: Path) -> None:
    """A plan's quantities are new input too: refused at their line, with the item and field."""
    text = QINGSHI.replace('target = "12000 万元"', 'target = "100000000000000 万元"')
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    result = invoke(["plan", "check", str(path)])
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "100000000000000 万元" in row)
    assert error_lines(result) == [
        f"Error: {path}:{line}: [indicator] Q2: target: "
        + out_of_range("100000000000000 万元", "元")
    ]
