"""The payload codec: round trips through the store, strict validation, exact decimals, upcasting."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import pytest
import rfc8785
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import gyengine
from gyengine import EventStore, InvalidEvent, NewEvent, Quantity, event_type
from gyengine.errors import UnknownEventType
from gyengine.events import EventTypes
from gyengine.jsonl import parse_json
from gyengine.payloadcodec import codec_for
from strategies import (
    TEST_PAYLOADS,
    Money,
    NoteTaken,
    changed_json,
    json_paths,
    payloads,
    wrong_json,
)


def _full_registry() -> EventTypes:
    types = gyengine.plugins.build_event_types(gyengine.get_plugin_manager())
    for cls in TEST_PAYLOADS:
        types.register(cls, owner="tests")
    return types


# Every type the standard plugins and the tests register, known at collection time.
TYPE_NAMES = _full_registry().names()

VALID_SAMPLE: dict[str, Any] = {
    "name": "湘城",
    "amount": "1234.56",
    "count": 3,
    "ratio": 0.5,
    "day": "2019-06-30",
    "moment": "2019-06-30T09:00:00+08:00",
    "flag": True,
    "maybe": None,
    "tags": ["a", "b"],
    "steps": [1, 2],
    "weights": [0.25],
    "price": {"amount": "10", "currency": "CNY"},
    "prices": [{"amount": "1"}, {"amount": "2", "currency": "USD"}],
    "by_name": {"x": 1},
    "size": "75 亿元",
}

MISSING = object()
"""Stands for a field left out of the payload."""


def _sample(**changes: Any) -> dict[str, Any]:
    data = dict(VALID_SAMPLE, **changes)
    return {key: value for key, value in data.items() if value is not MISSING}


def _encode(registry: EventTypes, data: Any, type_name: str = "SampleRecorded") -> Any:
    return registry.encode(NewEvent(type=type_name, stream="codec", data=data))


def test_every_standard_plugin_type_is_covered() -> None:
    """The round trip below runs for the built-in, standard-plugin and test types."""
    assert {"EventRetracted", "StatisticReported", "ProjectProgressReported"} <= set(TYPE_NAMES)
    assert {"NoteTaken", "SampleRecorded"} <= set(TYPE_NAMES)


@pytest.mark.parametrize("name", TYPE_NAMES, ids=TYPE_NAMES)
# One store serves every example of a test: each example appends a fresh id.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_payload_round_trip(
    name: str, data: st.DataObject, registry: EventTypes, store: EventStore
) -> None:
    """Any valid payload survives encode, append, read and decode unchanged, and re-encodes to the same text."""
    cls = registry.class_of(name)
    payload = data.draw(payloads(cls), label="payload")
    pending = _encode(registry, payload, name)
    # Whichever path the class's codec takes, it writes the converter's text.
    assert pending.data == registry.codec(name).reference.encode(payload)
    store.append([pending])
    stored = store.get(pending.id)
    assert stored is not None
    assert stored.data == pending.data
    event = registry.decode(stored)
    assert type(event.data) is cls
    assert event.data == payload
    # The read path of rows (the class's codec, from the text or from its UTF-8
    # bytes) gives the same event as decode().
    row = attrs.astuple(stored)
    assert registry.decode_row(row) == event
    by_bytes = registry.decode_row((*row[:10], row[10].encode(), *row[11:]))
    assert by_bytes == event
    assert type(by_bytes.data) is cls
    assert _encode(registry, event.data, name).data == stored.data
    # The same payload as a JSON Lines file carries it (fractions parsed as Decimal).
    line = registry.parse_line({"type": name, "stream": "codec", "data": parse_json(stored.data)})
    assert line.data == stored.data
    # Whichever path encoded it (the fast one for classes of plain fields), the
    # stored text is the RFC 8785 form of its own JSON value.
    # (An integral float beyond 2**53 is written as digits; read it back as the float it is.)
    value = json.loads(stored.data, parse_int=lambda t: int(t) if len(t) < 16 else float(t))
    assert stored.data == rfc8785.dumps(value).decode("utf-8")


def test_valid_sample_mapping_is_accepted(registry: EventTypes) -> None:
    """The base mapping of the strictness table is valid, so each row tests one change."""
    pending = _encode(registry, _sample())
    payload = registry.decode_payload("SampleRecorded", 1, pending.data)
    assert payload.prices == [Money(Decimal("1")), Money(Decimal("2"), "USD")]
    assert payload.steps == (1, 2)
    assert payload.size == Quantity(Decimal(7_500_000_000), "元")


STRICTNESS = [
    ("string-for-int", {"count": "5"}, "$.data.count", "expected an integer"),
    ("fraction-for-int", {"count": 5.7}, "$.data.count", "expected an integer"),
    ("decimal-fraction-for-int", {"count": Decimal("5.7")}, "$.data.count", "expected an integer"),
    ("true-for-int", {"count": True}, "$.data.count", "expected an integer"),
    ("int-beyond-2**53", {"count": 2**53}, "$.data.count", "beyond"),
    ("true-for-float", {"ratio": True}, "$.data.ratio", "expected a number"),
    ("string-for-float", {"ratio": "0.5"}, "$.data.ratio", "expected a number"),
    ("true-for-decimal", {"amount": True}, "$.data.amount", "expected a decimal"),
    ("binary-float-for-decimal", {"amount": 1.5}, "$.data.amount", "expected a decimal"),
    ("word-for-decimal", {"amount": "abc"}, "$.data.amount", "expected a decimal"),
    ("nan-for-decimal", {"amount": "NaN"}, "$.data.amount", "expected a decimal"),
    ("infinity-for-decimal", {"amount": "Infinity"}, "$.data.amount", "expected a decimal"),
    ("fullwidth-digits-for-decimal", {"amount": "１２３"}, "$.data.amount", "expected a decimal"),
    ("arabic-digits-for-decimal", {"amount": "١٢٣"}, "$.data.amount", "expected a decimal"),
    ("spaced-decimal", {"amount": " 5 "}, "$.data.amount", "expected a decimal"),
    ("empty-string-for-decimal", {"amount": ""}, "$.data.amount", "expected a decimal"),
    ("int-for-string", {"name": 5}, "$.data.name", "expected a string"),
    ("int-for-bool", {"flag": 1}, "$.data.flag", "expected true or false"),
    ("string-for-bool", {"flag": "true"}, "$.data.flag", "expected true or false"),
    ("short-date", {"day": "2019-6-30"}, "$.data.day", "expected a date"),
    ("impossible-date", {"day": "2019-06-31"}, "$.data.day", "is not a date"),
    ("int-for-date", {"day": 20190630}, "$.data.day", "expected a date"),
    ("datetime-without-offset", {"moment": "2019-06-30T09:00:00"}, "$.data.moment", "offset"),
    ("string-for-optional-int", {"maybe": "5"}, "$.data.maybe", "expected an integer"),
    ("string-for-list", {"tags": "abc"}, "$.data.tags", "expected a list"),
    ("object-for-list", {"tags": {"a": "b"}}, "$.data.tags", "expected a list"),
    ("string-for-tuple", {"steps": "12"}, "$.data.steps", "expected a list"),
    ("bad-list-item", {"steps": [1, "2"]}, "$.data.steps[1]", "expected an integer"),
    ("number-for-quantity", {"size": 75}, "$.data.size", "expected a quantity"),
    ("unknown-unit", {"size": "75 斤"}, "$.data.size", "is not a quantity with a unit"),
    ("list-for-mapping", {"by_name": [1]}, "$.data.by_name", "expected an object"),
    ("string-for-nested", {"price": "5"}, "$.data.price", "expected an object"),
    ("extra-field", {"bogus": 1}, "$.data", "unknown field(s) bogus"),
    (
        "extra-nested-field",
        {"price": {"amount": "1", "rate": 2}},
        "$.data.price",
        "unknown field(s) rate",
    ),
    ("missing-field", {"count": MISSING}, "$.data.count", "required field missing"),
    (
        "missing-nested-field",
        {"price": {"currency": "CNY"}},
        "$.data.price.amount",
        "required field missing",
    ),
    (
        "missing-field-in-list-item",
        {"prices": [{"amount": "1"}, {}]},
        "$.data.prices[1].amount",
        "required field missing",
    ),
]


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [row[1:] for row in STRICTNESS],
    ids=[row[0] for row in STRICTNESS],
)
def test_payload_validation_is_strict(
    registry: EventTypes, changes: dict[str, Any], path: str, message: str
) -> None:
    """A payload value of the wrong kind is refused, naming the JSON path of the field."""
    with pytest.raises(InvalidEvent) as info:
        _encode(registry, _sample(**changes))
    assert info.value.field == path
    assert message in info.value.message


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"count": Decimal("5")}, "count", 5),
        ({"count": Decimal("5.0")}, "count", 5),
        ({"ratio": 2}, "ratio", 2.0),
        ({"ratio": Decimal("0.1")}, "ratio", 0.1),
        ({"amount": 7}, "amount", Decimal(7)),
        ({"amount": Decimal("0.10")}, "amount", Decimal("0.10")),
        ({"maybe": 4}, "maybe", 4),
        ({"moment": "2019-06-30T01:00:00Z"}, "moment", "2019-06-30T01:00:00+00:00"),
    ],
    ids=[
        "integral-decimal-for-int",
        "integral-decimal-with-point-for-int",
        "int-for-float",
        "decimal-for-float",
        "int-for-decimal",
        "decimal-for-decimal",
        "int-for-optional-int",
        "z-offset",
    ],
)
def test_lossless_conversions_are_accepted(
    registry: EventTypes, changes: dict[str, Any], field: str, expected: Any
) -> None:
    """Values that convert exactly (an integral decimal for an int, an int for a float) are accepted."""
    payload = registry.structure("SampleRecorded", _sample(**changes))
    value = getattr(payload, field)
    if field == "moment":
        value = value.isoformat()
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1E+2"), "100"),
        (Decimal("0.10"), "0.10"),
        (Decimal("1.23E-5"), "0.0000123"),
        (Decimal("1234567890.123456789012345678"), "1234567890.123456789012345678"),
        (Decimal("-7.50"), "-7.50"),
        (Decimal("1E-18"), "0.000000000000000001"),
        ("1E+2", "100"),
        ("0.10", "0.10"),
        ("+7", "7"),
        (".5", "0.5"),
        (42, "42"),
    ],
    ids=[
        "1E+2",
        "0.10",
        "1.23E-5",
        "28-digits",
        "negative",
        "1E-18",
        "string-1E+2",
        "string-0.10",
        "string-plus",
        "string-leading-point",
        "int",
    ],
)
def test_decimals_are_written_as_exact_strings(registry: EventTypes, value: Any, text: str) -> None:
    """A Decimal is stored as its exact plain decimal string, never as a binary float."""
    pending = registry.encode(
        NewEvent(
            type="StatisticReported",
            stream="indicator/I1",
            data={"indicator": "I1", "value": value, "unit": "%"},
        )
    )
    assert json.loads(pending.data)["value"] == text
    assert registry.decode_payload("StatisticReported", 1, pending.data).value == Decimal(text)


@pytest.mark.parametrize(
    "amount",
    [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("sNaN")],
    ids=["nan", "infinity", "minus-infinity", "snan"],
)
def test_non_finite_decimal_payloads_are_refused(registry: EventTypes, amount: Decimal) -> None:
    """A payload object holding a non-finite Decimal cannot be encoded; the error names the field."""
    with pytest.raises(InvalidEvent) as info:
        registry.encode(
            NewEvent(
                type="StatisticReported",
                stream="indicator/I1",
                data=registry.class_of("StatisticReported")("I1", amount, "%"),
            )
        )
    assert info.value.field == "$.data.value"
    assert info.value.message == f'expected a decimal number such as "1234.56", got {str(amount)!r}'


def test_payload_of_another_class_is_refused(registry: EventTypes) -> None:
    """encode() refuses a payload object that is not the type's registered class."""
    with pytest.raises(InvalidEvent, match="not a SampleRecorded") as info:
        _encode(registry, Money(Decimal(1)))
    assert info.value.field == "$.data"


def test_unknown_type_is_refused(registry: EventTypes) -> None:
    """An unregistered type name raises UnknownEventType naming it."""
    with pytest.raises(UnknownEventType, match="NoSuchThing"):
        _encode(registry, {}, "NoSuchThing")


# -- upcasting -------------------------------------------------------------------------


@event_type("ThingCounted", schema=1)
@attrs.frozen
class ThingCountedV1:
    """Things were counted (schema 1: a bare count)."""

    count: int


@event_type("ThingCounted", schema=2)
@attrs.frozen
class ThingCountedV2:
    """Things were counted (schema 2: with a unit)."""

    count: int
    unit: str


@event_type("ThingCounted", schema=3)
@attrs.frozen
class ThingCounted:
    """Things were counted (schema 3: an exact quantity with a unit)."""

    quantity: Decimal
    unit: str


def upcast_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "unit": "个"}


def upcast_v2_v3(data: dict[str, Any]) -> dict[str, Any]:
    return {"quantity": str(data["count"]), "unit": data["unit"]}


def _registry_with(*classes: type) -> EventTypes:
    types = EventTypes()
    for cls in classes:
        types.register(cls)
    return types


def test_old_schema_is_upcast_on_read(store: EventStore) -> None:
    """A row written with schema 1 decodes into schema 3 through the registered upcasters."""
    old = _registry_with(ThingCountedV1)
    pending = old.encode(NewEvent(type="ThingCounted", stream="things", data=ThingCountedV1(4)))
    assert pending.schema == 1
    store.append([pending])
    stored = store.get(pending.id)
    assert stored is not None

    new = _registry_with(ThingCounted)
    new.register_upcaster("ThingCounted", 1, upcast_v1_v2)
    new.register_upcaster("ThingCounted", 2, upcast_v2_v3)
    event = new.decode(stored)
    assert event.data == ThingCounted(Decimal(4), "个")
    assert event.schema == 1
    # The stored row is never rewritten: it still verifies and holds schema 1.
    assert store.get(pending.id) == stored
    assert store.verify().ok


def test_one_step_upcast(store: EventStore) -> None:
    """A schema 1 row decodes into schema 2 with a single upcaster."""
    old = _registry_with(ThingCountedV1)
    pending = old.encode(NewEvent(type="ThingCounted", stream="things", data=ThingCountedV1(2)))
    store.append([pending])
    new = _registry_with(ThingCountedV2)
    new.register_upcaster("ThingCounted", 1, upcast_v1_v2)
    stored = store.get(pending.id)
    assert stored is not None
    assert new.decode(stored).data == ThingCountedV2(2, "个")


def test_missing_upcaster_is_reported(store: EventStore) -> None:
    """Reading an old schema without an upcaster raises UnknownEventType naming the schema."""
    old = _registry_with(ThingCountedV1)
    pending = old.encode(NewEvent(type="ThingCounted", stream="things", data=ThingCountedV1(2)))
    store.append([pending])
    new = _registry_with(ThingCounted)
    new.register_upcaster("ThingCounted", 1, upcast_v1_v2)
    stored = store.get(pending.id)
    assert stored is not None
    with pytest.raises(UnknownEventType, match="no upcaster from schema 2"):
        new.decode(stored)


def test_newer_schema_than_registered_is_reported(store: EventStore) -> None:
    """A row of a schema newer than the registered class raises rather than guessing."""
    newer = _registry_with(ThingCounted)
    pending = newer.encode(
        NewEvent(type="ThingCounted", stream="things", data=ThingCounted(Decimal(1), "个"))
    )
    store.append([pending])
    stored = store.get(pending.id)
    assert stored is not None
    with pytest.raises(UnknownEventType, match="newer"):
        _registry_with(ThingCountedV1).decode(stored)


# -- the payload codec: one path per class, every path equal to the reference ----------------

STANDARD_TYPE_NAMES = gyengine.plugins.build_event_types(gyengine.get_plugin_manager()).names()
"""The types of gyengine and its standard plugins, the registry built as the CLI builds it."""

CODEC_REGISTRY = _full_registry()


def _outcome(function: Callable[[Any], Any], argument: Any) -> tuple[Any, ...]:
    """What ``function(argument)`` gives, comparably: the value (and its repr, which shows a
    Decimal's digits), or the error's type and message."""
    try:
        value = function(argument)
    except Exception as error:
        return ("refused", type(error).__name__, str(error))
    return ("accepted", type(value), value, repr(value))


def test_standard_payload_classes_mostly_take_the_msgspec_path() -> None:
    """The classifier sends classes of exact kinds to msgspec, the rest to the converter."""
    assert set(STANDARD_TYPE_NAMES) <= set(CODEC_REGISTRY.names())
    paths = {name: CODEC_REGISTRY.codec(name).path for name in CODEC_REGISTRY.names()}
    for name in ("StatisticReported", "ProjectProgressReported", "BankMonthlyReported"):
        assert paths[name] == "msgspec", name
    # A float, a mapping, a date-time: the converter's rules only.
    assert paths["SampleRecorded"] == "reference"
    assert paths["RuleDefined"] == "reference"  # dict[str, Any]
    assert sum(path == "msgspec" for path in paths.values()) > len(paths) // 2


@pytest.mark.parametrize("name", TYPE_NAMES, ids=TYPE_NAMES)
@given(data=st.data())
def test_every_codec_path_equals_the_reference(name: str, data: st.DataObject) -> None:
    """For valid payloads, the class's codec writes the reference's bytes and reads its objects."""
    codec = CODEC_REGISTRY.codec(name)
    reference = codec.reference
    payload = data.draw(payloads(CODEC_REGISTRY.class_of(name)), label="payload")
    text = codec.encode(payload)
    assert text == reference.encode(payload)  # byte for byte
    for stored in (text, text.encode()):
        decoded = codec.decode(stored)
        assert _outcome(codec.decode, stored) == _outcome(reference.decode, stored)
        assert decoded == payload


@pytest.mark.parametrize("name", TYPE_NAMES, ids=TYPE_NAMES)
@settings(max_examples=30)
@given(data=st.data())
def test_a_changed_stored_payload_is_read_or_refused_as_the_reference_does(
    name: str, data: st.DataObject
) -> None:
    """A stored payload with a value of another kind, a key dropped or an unknown key added:
    the class's codec and the reference both refuse it with the same message (or read the same)."""
    codec = CODEC_REGISTRY.codec(name)
    payload = data.draw(payloads(CODEC_REGISTRY.class_of(name)), label="payload")
    value = json.loads(codec.encode(payload))
    at = data.draw(st.sampled_from(json_paths(value)), label="at")
    change = data.draw(st.sampled_from(["replace", "drop", "unknown key"]), label="change")
    wrong = data.draw(wrong_json, label="wrong")
    try:
        text = json.dumps(changed_json(value, at, change, wrong), ensure_ascii=False)
    except ValueError:  # a float JSON cannot hold
        return
    for stored in (text, text.encode("utf-8", "surrogatepass")):
        assert _outcome(codec.decode, stored) == _outcome(codec.reference.decode, stored)


WRONG_OBJECTS = st.sampled_from(
    [
        None,
        True,
        0,
        2**53,
        1.5,
        "x",
        "\ud800",
        Decimal("NaN"),
        Decimal("1E+3"),
        Decimal("1E+30"),
        Decimal("1E-19"),
        Decimal("-0.00"),
        dt.date(2019, 6, 30),
        dt.datetime(2019, 6, 30, 9, tzinfo=dt.UTC),
        Quantity.parse("75 亿元"),
        Quantity(Decimal(1), "万元"),
        Quantity(Decimal(1), "斤"),
        ("x",),
        ["x"],
        (1, 2),
        [],
        (),
        Money(Decimal(1)),
    ]
)


@pytest.mark.parametrize("name", TYPE_NAMES, ids=TYPE_NAMES)
# Validators refuse most wrong values of some classes (money fields): few examples remain.
@settings(max_examples=30, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data())
def test_a_payload_object_of_wrong_field_types_is_written_or_refused_as_the_reference_does(
    name: str, data: st.DataObject
) -> None:
    """attrs does not check field types: whatever a field holds (its validators allowing it),
    the class's codec writes the reference's text or refuses with the reference's message."""
    cls = CODEC_REGISTRY.class_of(name)
    codec = CODEC_REGISTRY.codec(name)
    payload = data.draw(payloads(cls), label="payload")
    field = data.draw(st.sampled_from(attrs.fields(cls)), label="field")
    wrong = data.draw(WRONG_OBJECTS, label="wrong")
    try:  # built by __init__, as every payload object is: its validators and converters run
        changed = attrs.evolve(payload, **{field.alias: wrong})
    except Exception:  # a validator refused it (any error: NaN >= 0 raises InvalidOperation)
        assume(False)
    assert _outcome(codec.encode, changed) == _outcome(codec.reference.encode, changed)


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ('{"indicator":"I1","part":"","unit":"%"}', "$.data.value", "required field missing"),
        (
            '{"indicator":"I1","part":"","unit":"%","value":8.7}',
            "$.data.value",
            'expected a decimal number such as "1234.56", got 8.7',
        ),
        (
            '{"indicator":"I1","part":"","unit":"%","value":" 8 "}',
            "$.data.value",
            "expected a decimal number such as \"1234.56\", got ' 8 '",
        ),
        (
            '{"indicator":5,"part":"","unit":"%","value":"8"}',
            "$.data.indicator",
            "expected a string, got 5",
        ),
        (
            '{"indicator":"I1","part":"","unit":"%","value":"8","zz":1}',
            "$.data",
            "unknown field(s) zz",
        ),
    ],
    ids=["missing", "binary-float", "spaced-decimal", "int-for-string", "unknown-key"],
)
def test_a_stored_payload_msgspec_refuses_is_named_by_the_converter(
    registry: EventTypes, text: str, field: str, message: str
) -> None:
    """A row the msgspec path refuses raises the converter's message and JSON path."""
    assert registry.codec("StatisticReported").path == "msgspec"
    row = (7, "e7", "s", 1, "StatisticReported", 1, None, "2019-01-01T00:00:00.000000Z")
    with pytest.raises(InvalidEvent) as info:
        registry.decode_row((*row, None, None, text.encode(), "0" * 64, "1" * 64))
    assert (info.value.field, info.value.message) == (field, message)


def test_classes_msgspec_cannot_build_run_their_own_init(registry: EventTypes) -> None:
    """msgspec builds plain attrs classes itself; a field converter, a cached hash, a pre-init
    hook or a hand-written ``__init__`` gets the class called as cattrs calls it."""

    @attrs.frozen
    class Converted:
        name: str = attrs.field(converter=str.strip)

    @attrs.frozen(cache_hash=True)
    class CachedHash:
        name: str

    @attrs.frozen
    class PreInit:
        name: str

        def __attrs_pre_init__(self) -> None:
            pass

    @attrs.define(init=False)
    class OwnInit:
        name: str

        def __init__(self, name: str) -> None:
            self.name = name.strip()

    @attrs.frozen
    class Plain:
        name: str
        count: int = 0

    for cls in (Converted, CachedHash, PreInit, OwnInit, Plain):
        codec = codec_for(cls, registry.converter, registry.input_converter)
        assert codec.path == "msgspec", cls
        decoded = codec.decode(b'{"name":" x "}')
        assert decoded == codec.reference.decode(b'{"name":" x "}'), cls
        assert hash(decoded) == hash(cls(" x ")) if cls is not OwnInit else decoded.name == "x"
    assert codec_for(Converted, registry.converter, registry.input_converter).decode(
        '{"name":" x "}'
    ) == Converted("x")


def test_the_writer_leaves_what_it_cannot_vouch_for_to_the_reference(registry: EventTypes) -> None:
    """A decimal with an exponent is written as the converter writes it; a wrong type is refused
    with the converter's message; a lone surrogate has no UTF-8 form."""
    cls = registry.class_of("StatisticReported")
    codec = registry.codec("StatisticReported")
    good = cls(indicator="I1", value=Decimal("8.70"), unit="%", part="")
    assert codec.encode(good) == '{"indicator":"I1","part":"","unit":"%","value":"8.70"}'
    exponent = cls(indicator="I1", value=Decimal("1E+3"), unit="%", part="")
    assert '"value":"1000"' in codec.encode(exponent)
    with pytest.raises(InvalidEvent) as info:
        codec.encode(cls(indicator=5, value=Decimal("1"), unit="%", part=""))  # type: ignore[arg-type]
    assert (info.value.field, info.value.message) == (
        "$.data.indicator",
        "expected a string, got 5",
    )
    with pytest.raises(InvalidEvent, match="lone surrogate"):
        codec.encode(cls(indicator="\ud800", value=Decimal("1"), unit="%", part=""))


def test_event_replace_derives_a_changed_copy(registry: EventTypes) -> None:
    """``Event.replace`` is attrs' ``evolve`` for the envelope: a new event, the old unchanged."""
    row = (1, "e1", "s", 1, "NoteTaken", 1, None, "2019-01-01T00:00:00.000000Z", None, None)
    event = registry.decode_row((*row, b'{"text":"a"}', "0" * 64, "1" * 64))
    moved = event.replace(stream="project/P02", data=NoteTaken("b"))
    assert (moved.stream, moved.data, moved.seq) == ("project/P02", NoteTaken("b"), 1)
    assert (event.stream, event.data) == ("s", NoteTaken("a"))
    with pytest.raises(TypeError):
        event.replace(nonsense=1)


@attrs.frozen
class _Inner:
    name: str
    size: int = 0


@event_type("ShapeChecked")
@attrs.frozen
class _Outer:
    label: str
    inner: _Inner
    items: tuple[_Inner, ...] = ()
    maybe: _Inner | None = None
    note: str = ""


@pytest.mark.parametrize(
    ("data", "unknown"),
    [
        ('{"extra":1,"inner":{"name":"a","size":1},"label":"x"}', "extra"),
        ('{"inner":{"name":"a","renamed":1},"label":"x"}', "renamed"),
        ('{"inner":{"name":"a"},"items":[{"name":"b","zz":2}],"label":"x"}', "zz"),
        ('{"inner":{"name":"a"},"label":"x","maybe":{"name":"c","yy":3}}', "yy"),
    ],
    ids=["top-level", "nested", "in-a-tuple", "in-an-optional"],
)
def test_a_stored_key_the_class_does_not_have_is_refused(data: str, unknown: str) -> None:
    """A field renamed without a new schema is an error on the msgspec path too, not a silent default."""
    types = _registry_with(_Outer)
    assert types.codec("ShapeChecked").path == "msgspec"
    row = (
        1,
        "e1",
        "s",
        1,
        "ShapeChecked",
        1,
        None,
        "2019-01-01T00:00:00.000000Z",
        None,
        None,
        data.encode(),
        "0" * 64,
        "1" * 64,
    )
    with pytest.raises(InvalidEvent, match=unknown):
        types.decode_row(row)
    # Keys the class has, some left out (fields added later, with defaults), decode.
    good = (*row[:10], b'{"inner":{"name":"a"},"label":"x","maybe":null}', *row[11:])
    assert types.decode_row(good).data == _Outer("x", _Inner("a"))


def test_decimal_characters_check_is_the_converters_pattern() -> None:
    """The msgspec path checks a stored decimal's characters only (``0-9 . + - e E``) and lets
    ``Decimal()`` refuse the malformed ones: exhaustively, over every text of up to six such
    characters (0 and 1 standing for any digit), that is exactly the converter's pattern."""
    from decimal import InvalidOperation

    from gyengine.codec import DECIMAL_TEXT
    from gyengine.payloadcodec import _check_decimal

    for size in range(7):
        for chars in itertools.product("01.+-eE", repeat=size):
            text = "".join(chars)
            try:
                read = _check_decimal(text) and Decimal(text).is_finite()
            except InvalidOperation:
                read = False
            assert read == (DECIMAL_TEXT.fullmatch(text) is not None), text
    assert not _check_decimal(" 5 ")
    assert not _check_decimal("１２３")
    assert not _check_decimal("1_000")
    assert not _check_decimal("NaN")


def test_the_engine_generates_no_code() -> None:
    """No ``exec``, ``eval`` or ``compile`` in src/: every codec path is a closure built once."""
    import ast
    from pathlib import Path

    found = []
    for path in sorted((Path(gyengine.__file__).parent).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"exec", "eval", "compile"}
            ):
                found.append(f"{path.name}:{node.lineno}")
    assert found == []
