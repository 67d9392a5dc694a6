"""The payload codec: round trips through the store, strict validation, exact decimals, upcasting."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import attrs
import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gyengine
from gyengine import EventStore, InvalidEvent, NewEvent, Quantity, event_type
from gyengine.errors import UnknownEventType
from gyengine.events import EventTypes
from gyengine.jsonl import parse_json
from strategies import TEST_PAYLOADS, Money, payloads


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
    # The generated encoder (classes of simple fields) writes the converter's text.
    assert pending.data == registry._payload_text(name, cls, payload)[0]
    store.append([pending])
    stored = store.get(pending.id)
    assert stored is not None
    assert stored.data == pending.data
    event = registry.decode(stored)
    assert type(event.data) is cls
    assert event.data == payload
    # The fast read paths (msgspec or generated decoders, from the text or from
    # its UTF-8 bytes) give the same event as the converter.
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


def test_flat_classes_get_a_fast_decoder_and_others_do_not(registry: EventTypes) -> None:
    """Generated decoders cover flat payloads of simple fields; nested or mapping fields use cattrs."""
    from gyengine.events import _fast_decoder

    flat = _fast_decoder(registry.class_of("StatisticReported"))
    assert flat is not None
    assert flat(
        {"indicator": "I1", "value": "8.70", "unit": "%", "part": ""}
    ) == registry.structure(
        "StatisticReported", {"indicator": "I1", "value": "8.70", "unit": "%", "part": ""}
    )
    with pytest.raises(KeyError):
        flat({"indicator": "I1", "value": "8.7", "unit": "%"})  # a field missing: cattrs decides
    assert _fast_decoder(registry.class_of("SampleRecorded")) is None  # nested and mapping fields


def test_classes_of_simple_fields_are_decoded_by_msgspec(registry: EventTypes) -> None:
    """msgspec decodes classes of simple fields; converters, mappings and custom types keep cattrs."""
    from gyengine.events import _direct_decoder

    direct = _direct_decoder(registry.class_of("StatisticReported"))
    assert direct is not None
    text = '{"indicator":"I1","part":"","unit":"%","value":"8.70"}'
    assert (
        direct(text)
        == direct(text.encode())
        == registry.structure("StatisticReported", json.loads(text))
    )
    assert _direct_decoder(registry.class_of("SampleRecorded")) is None  # a mapping, a Quantity

    @attrs.frozen
    class Converted:
        name: str = attrs.field(converter=str.strip)

    assert _direct_decoder(Converted) is None  # msgspec would not run the converter

    @attrs.frozen(cache_hash=True)
    class CachedHash:
        name: str

    assert _direct_decoder(CachedHash) is None  # msgspec would leave the cache unset

    @attrs.frozen
    class PreInit:
        name: str

        def __attrs_pre_init__(self) -> None:
            pass

    assert _direct_decoder(PreInit) is None

    @attrs.define(init=False)
    class OwnInit:
        name: str

        def __init__(self, name: str) -> None:
            self.name = name.strip()

    assert _direct_decoder(OwnInit) is None

    @attrs.frozen
    class Plain:
        name: str
        count: int = 0

    plain = _direct_decoder(Plain)
    assert plain is not None
    assert plain(b'{"name":"x"}') == Plain("x")
    assert hash(plain(b'{"name":"x"}')) == hash(Plain("x"))


def test_classes_of_simple_fields_get_a_fast_encoder(registry: EventTypes) -> None:
    """A generated encoder writes objects whose field types it can vouch for, and no others."""
    from gyengine.events import _direct_encoder

    cls = registry.class_of("StatisticReported")
    fast = _direct_encoder(cls)
    assert fast is not None
    good = cls(indicator="I1", value=Decimal("8.70"), unit="%", part="")
    assert fast(good) == registry._payload_text("StatisticReported", cls, good)[0]
    # Each of these is left to the converter's path (which accepts or names the field).
    assert fast(cls(indicator="I1", value=Decimal("1E+3"), unit="%", part="")) is None
    assert fast(cls(indicator="I1", value=Decimal("NaN"), unit="%", part="")) is None
    assert fast(cls(indicator=5, value=Decimal("1"), unit="%", part="")) is None  # type: ignore[arg-type]
    assert fast(cls(indicator="\ud800", value=Decimal("1"), unit="%", part="")) is None
    assert _direct_encoder(registry.class_of("SampleRecorded")) is None
    exponent = _encode(
        registry, cls(indicator="I1", value=Decimal("1E+3"), unit="%", part=""), "StatisticReported"
    )
    assert '"value":"1000"' in exponent.data


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
    """A field renamed without a new schema is an error on the fast path too, not a silent default."""
    from gyengine.events import _direct_decoder

    types = _registry_with(_Outer)
    assert _direct_decoder(_Outer) is not None
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


def test_a_row_the_fast_path_cannot_decode_goes_to_the_converter(registry: EventTypes) -> None:
    """A stored payload missing a field is not guessed at: the converter names the field."""
    row = (
        7,
        "e7",
        "s",
        1,
        "StatisticReported",
        1,
        None,
        "2019-01-01T00:00:00.000000Z",
        None,
        None,
        b'{"indicator":"I1","part":"","unit":"%"}',
        "0" * 64,
        "1" * 64,
    )
    with pytest.raises(InvalidEvent, match="value"):
        registry.decode_row(row)
