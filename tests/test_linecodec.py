"""The fast line reader: the same PendingEvents as the strict reader, or the strict reader's error."""

from __future__ import annotations

import gc
import io
import json
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gyengine
import gyengine.jsonl
from gyengine.eventlines import read_line_fast
from gyengine.events import EventTypes
from gyengine.jsonl import JsonLinesReader
from strategies import (
    TEST_PAYLOADS,
    changed_json,
    json_paths,
    names,
    payloads,
    periods,
    wrong_json,
)


def _registry() -> EventTypes:
    types = gyengine.plugins.build_event_types(gyengine.get_plugin_manager())
    for cls in TEST_PAYLOADS:
        types.register(cls, owner="tests")
    return types


REGISTRY = _registry()
TYPE_NAMES = REGISTRY.names()
FAST_TYPES = [name for name in TYPE_NAMES if REGISTRY.codec(name).path == "msgspec"]

# Numbers as a careless writer may put them where the payload has a decimal, an integer...
ODD_NUMBERS = st.sampled_from(
    [
        "0",
        "-0",
        "-0.0",
        "0e0",
        "1e2",
        "1E+2",
        "1.5e-3",
        "5.00",
        "1.0",
        "123456789012345678901234567890",
        "9007199254740991",
        "9007199254740993",
        "-9007199254740993",
        "1e400",
        "-1e-400",
        "1e18",
        "NaN",
        "Infinity",
        "-Infinity",
    ]
) | st.integers().map(str)

_NUMBER = "@@number@@"
_REPEAT = "@@repeat@@"


def _outcome(registry: EventTypes, line: bytes, *, fast: bool) -> Any:
    """What the reader makes of one line: the event and its payload, or the error's words."""
    reader = JsonLinesReader(io.BytesIO(line), "events.jsonl", registry)
    if not fast:
        reader_module = gyengine.jsonl
        keep = reader_module.read_line_fast
        reader_module.read_line_fast = lambda registry, text: None  # type: ignore[assignment]
    try:
        (event,) = list(reader)
    except gyengine.GyengineError as error:
        return ("refused", type(error).__name__, str(error))
    finally:
        if not fast:
            reader_module.read_line_fast = keep
    # An id the line leaves out is a fresh UUIDv7 on either path.
    if event.id.encode() not in line:
        event = attrs.evolve(event, id="generated")
    return ("read", event, type(event.payload), event.payload, reader.lines)


@st.composite
def lines(draw: st.DrawFn, name: str) -> tuple[bytes, bool]:
    """One JSON Lines line of event type ``name``, valid or changed in one of many ways;
    and whether it was left as a writer would write it (no change, no ``:`` in its strings)."""
    payload = draw(payloads(REGISTRY.class_of(name)), label="payload")
    data: Any = json.loads(REGISTRY.codec(name).encode(payload))
    envelope: dict[str, Any] = {"type": name, "stream": draw(names, label="stream"), "data": data}
    for key, values in (
        ("id", names),
        ("occurred", st.none() | periods),
        ("actor", st.none() | names),
        ("supersedes", names),
        ("expected_version", st.none() | st.integers(0, 5)),
    ):
        if draw(st.booleans()):
            envelope[key] = draw(values, label=key)
    change = draw(
        st.sampled_from(
            ["none", "payload", "number", "repeat", "envelope", "drop", "unknown", "text"]
        ),
        label="change",
    )
    number = None
    if change == "payload":
        at = draw(st.sampled_from(json_paths(data)), label="at")
        how = draw(st.sampled_from(["replace", "drop", "unknown key"]), label="how")
        envelope["data"] = changed_json(data, at, how, draw(wrong_json, label="wrong"))
    elif change == "number":
        at = draw(st.sampled_from(json_paths(data)), label="at")
        envelope["data"] = changed_json(data, at, "replace", _NUMBER)
        number = draw(ODD_NUMBERS, label="number")
    elif change == "repeat":  # a key given twice, in the envelope or in the payload
        inside = envelope["data"] if data and draw(st.booleans()) else envelope
        inside[_REPEAT] = draw(wrong_json | st.sampled_from(list(inside.values())), label="again")
    elif change == "envelope":
        key = draw(st.sampled_from(sorted(envelope)), label="key")
        envelope[key] = draw(wrong_json, label="wrong")
    elif change == "drop":
        del envelope[draw(st.sampled_from(sorted(envelope)), label="key")]
    elif change == "unknown":
        key = draw(st.sampled_from(["recorded", "seq", "hash", "schema", "zz"]), label="key")
        envelope[key] = draw(wrong_json | st.integers(1, 3), label="value")
    elif change == "text":
        envelope["actor"] = draw(st.text(), label="actor")  # control characters, surrogates
    text = json.dumps(
        envelope,
        ensure_ascii=draw(st.booleans(), label="ascii"),
        separators=draw(st.sampled_from([(", ", ": "), (",", ":"), (" , ", " :\t")])),
    )
    if number is not None:
        text = text.replace(json.dumps(_NUMBER), number)
    if _REPEAT in text:
        again = sorted(inside.keys() - {_REPEAT})
        key = draw(st.sampled_from(again), label="repeated") if again else "type"
        text = text.replace(json.dumps(_REPEAT), json.dumps(key))
    usual = change == "none" and text.count(":") == _members(envelope)
    return text.encode("utf-8", "surrogatepass"), usual


def _members(value: Any) -> int:
    if isinstance(value, dict):
        return len(value) + sum(_members(item) for item in value.values())
    if isinstance(value, list):
        return sum(_members(item) for item in value)
    return 0


@pytest.mark.parametrize("name", TYPE_NAMES, ids=TYPE_NAMES)
@settings(max_examples=150)
@given(data=st.data())
def test_fast_and_strict_readers_agree(name: str, data: st.DataObject) -> None:
    """For lines of every registered type, valid or changed, the fast reader gives the strict
    reader's event and payload (same bytes stored), or the same error, word for word."""
    line, usual = data.draw(lines(name), label="line")
    strict = _outcome(REGISTRY, line, fast=False)
    fast = _outcome(REGISTRY, line, fast=True)
    assert fast == strict
    if usual and name in FAST_TYPES:
        # The line as a writer writes it takes the fast path (else this test proves nothing).
        assert read_line_fast(REGISTRY, line.decode()) is not None


def test_the_standard_figures_take_the_fast_path() -> None:
    """A usual line of each msgspec-path standard type is read by the fast reader."""
    line = {
        "type": "StatisticReported",
        "stream": "indicator/gdp",
        "occurred": "2019-06",
        "actor": "统计局",
        "data": {"indicator": "gdp", "value": "12.5", "unit": "亿元"},
    }
    event = read_line_fast(REGISTRY, json.dumps(line, ensure_ascii=False))
    assert event is not None
    assert event.data == '{"indicator":"gdp","part":"","unit":"亿元","value":"12.5"}'
    assert {"StatisticReported", "ProjectProgressReported", "BankMonthlyReported"} <= set(
        FAST_TYPES
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"type": "StatisticReported", "stream": "s", "stream": "t", "data": {}}',
            "events.jsonl:1: $.stream: the key appears more than once",
        ),
        (
            '{"type": "StatisticReported", "stream": "s", "data": {"indicator": "g",'
            ' "indicator": "h", "value": "1", "unit": "元"}}',
            "events.jsonl:1: $.data.indicator: the key appears more than once",
        ),
        (
            '{"type": "StatisticReported", "stream": "s", "data": {"indicator": "g",'
            ' "value": "1e30", "unit": "元"}}',
            "events.jsonl:1: $.data.value: 1e30 is out of range",
        ),
        (
            '{"type": "StatisticReported", "stream": "s", "data": {"indicator": "g",'
            ' "value": NaN, "unit": "元"}}',
            "events.jsonl:1: $.data.value: NaN is not allowed",
        ),
        (
            '{"type": "StatisticReported", "stream": "s", "data": {"indicator": "g",'
            ' "value": "1", "unit": "元", "zz": 1}}',
            "events.jsonl:1: $.data: unknown field(s) zz",
        ),
    ],
    ids=["repeated envelope key", "repeated payload key", "out of bounds", "NaN", "unknown key"],
)
def test_a_line_the_fast_reader_declines_gets_the_strict_readers_error(
    text: str, message: str
) -> None:
    """The fast reader declines these lines; the error is the strict reader's, with file and line."""
    assert read_line_fast(REGISTRY, text) is None
    with pytest.raises(gyengine.InvalidEvent) as caught:
        list(JsonLinesReader(io.BytesIO(text.encode()), "events.jsonl", REGISTRY))
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize("enabled", [True, False], ids=["collector on", "collector off"])
def test_an_append_pauses_the_collector_and_restores_it(tmp_path: Any, enabled: bool) -> None:
    """The cyclic collector is off while Engine.append runs, and as it was after, refused or not."""
    seen: list[bool] = []
    note = gyengine.NewEvent(type="EventRetracted", stream="s", data={"reason": "x"})
    bad = gyengine.NewEvent(type="EventRetracted", stream="s", data={"reason": 5})
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with gyengine.open(tmp_path / "g.db", create=True) as engine:
            engine.append([note] * 3, on_progress=lambda done, total: seen.append(gc.isenabled()))
            assert gc.isenabled() is enabled
            with pytest.raises(gyengine.InvalidEvent):
                engine.append([note, bad])
            assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert seen
    assert not any(seen)
