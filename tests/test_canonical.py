"""RFC 8785 (JCS) canonical form: the RFC's own examples, refusals, and agreement with rfc8785."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import struct
from collections.abc import Iterator
from typing import Any

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gyengine.canonical import (
    ENVELOPE_SQL,
    GENESIS_HASH,
    MAX_SAFE_INTEGER,
    _is_plain,
    canonical_array,
    canonical_json,
    canonicalize,
    envelope_bytes,
    event_hash,
    row_envelope,
    sqlite_quotes_as_jcs,
)
from gyengine.errors import CanonicalizationError
from gyengine.events import ENVELOPE_FIELDS
from gyengine.store import _SCHEMA
from strategies import envelopes, jcs_inputs, json_values, plain_json_values

# RFC 8785 section 3.2.2, the input as printed in the RFC.
RFC_INPUT = r"""{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"""

# Its canonical output, section 3.2.2 ...
RFC_OUTPUT = (
    r"""{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"""
    r""""string":"€$\u000f\nA'B\"\\\\\"/"}"""
)

# ... and the same as the UTF-8 bytes of section 3.2.4.
RFC_OUTPUT_BYTES = bytes.fromhex(
    "7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72"
    "75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a"
    "5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31"
    "65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37"
    "5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30"
    "30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d"
)

# RFC 8785 section 3.2.3: property sorting by UTF-16 code units.
SORTING_INPUT = r"""{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"""

SORTED_VALUES = [
    "Carriage Return",
    "One",
    "Control",
    "Latin Small Letter O With Diaeresis",
    "Euro Sign",
    "Emoji: Grinning Face",
    "Hebrew Letter Dalet With Dagesh",
]

# RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text.
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]

# Appendix B's non-finite rows: a compliant implementation must refuse them.
APPENDIX_B_ERRORS = [
    ("7fffffffffffffff", "NaN"),
    ("7ff0000000000000", "Infinity"),
]

# The same rules for numbers written as Python literals (ECMAScript Number.toString).
NUMBER_LITERALS = [
    (0, "0"),
    (0.0, "0"),
    (-0.0, "0"),
    (1, "1"),
    (-1, "-1"),
    (1.0, "1"),
    (4.50, "4.5"),
    (2e-3, "0.002"),
    (0.000001, "0.000001"),
    (1e-7, "1e-7"),
    (1e21, "1e+21"),
    (1e20, "100000000000000000000"),
    (1e23, "1e+23"),
    (1e30, "1e+30"),
    (1e-27, "1e-27"),
    (333333333.33333329, "333333333.3333333"),
    (123456789.0, "123456789"),
    (-1.5, "-1.5"),
    (2**53 - 1, "9007199254740991"),
    (-(2**53 - 1), "-9007199254740991"),
]


def _double(bits: str) -> float:
    value: float = struct.unpack(">d", bytes.fromhex(bits))[0]
    return value


def test_rfc_example_canonical_text() -> None:
    """The RFC 8785 section 3.2.2 example canonicalises to the RFC's exact text."""
    assert canonical_json(json.loads(RFC_INPUT)) == RFC_OUTPUT


def test_rfc_example_canonical_bytes() -> None:
    """canonicalize() gives the RFC's section 3.2.4 UTF-8 bytes for the same example."""
    assert canonicalize(json.loads(RFC_INPUT)) == RFC_OUTPUT_BYTES
    assert RFC_OUTPUT.encode() == RFC_OUTPUT_BYTES


@pytest.mark.parametrize("extra", [{}, {"\uffff": 0.5}], ids=["as-printed", "with-a-float-member"])
def test_rfc_sorting_example(extra: dict[str, Any]) -> None:
    """Keys sort by UTF-16 code unit as in RFC 8785 section 3.2.3, a surrogate pair before U+FB33."""
    value = json.loads(SORTING_INPUT) | extra
    text = canonical_json(value)
    assert list(json.loads(text).values()) == SORTED_VALUES + list(extra.values())
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"'
    )
    assert text.startswith(expected)


def test_bmp_keys_sort_the_same_on_the_fast_path() -> None:
    """Without non-BMP keys or floats (the json.dumps path) keys still sort as JCS requires."""
    value = {key: key for key in ["\ufb33", "€", "\r", "1", "\u0080", "ö", "B", "a", "", "aa"]}
    assert canonical_json(value) == rfc8785.dumps(value).decode()
    order = ["", "\r", "1", "B", "a", "aa", "\u0080", "ö", "€", "\ufb33"]
    assert list(json.loads(canonical_json(value))) == order


@pytest.mark.parametrize(("bits", "expected"), APPENDIX_B, ids=[bits for bits, _ in APPENDIX_B])
def test_appendix_b_numbers(bits: str, expected: str) -> None:
    """Every finite number of RFC 8785 Appendix B serialises to the RFC's text, alone and nested."""
    number = _double(bits)
    assert canonical_json(number) == expected
    assert canonical_json({"n": [number]}) == f'{{"n":[{expected}]}}'


@pytest.mark.parametrize(
    ("bits", "name"), APPENDIX_B_ERRORS, ids=[name for _, name in APPENDIX_B_ERRORS]
)
def test_appendix_b_non_finite_numbers_are_refused(bits: str, name: str) -> None:
    """Appendix B's NaN and Infinity rows raise CanonicalizationError."""
    with pytest.raises(CanonicalizationError):
        canonical_json(_double(bits))


@pytest.mark.parametrize(
    ("number", "expected"), NUMBER_LITERALS, ids=[repr(number) for number, _ in NUMBER_LITERALS]
)
def test_number_serialisation(number: float, expected: str) -> None:
    """Numbers follow ECMAScript's Number.toString, integers and floats alike."""
    assert canonical_json(number) == expected
    assert canonical_json([number, "x"]) == f'[{expected},"x"]'


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        float("-inf"),
        [1, {"a": float("nan")}],
        {"a": [float("inf")]},
        2**53,
        -(2**53),
        10**30,
        {"big": 2**63},
        "\ud800",
        "a\udfffb",
        {"\ud83d": 1},
        ["ok", "\udc00"],
        {1: "non-string key"},
        {"a": b"bytes"},
        {"a": object()},
    ],
    ids=[
        "nan",
        "infinity",
        "minus-infinity",
        "nested-nan",
        "nested-infinity",
        "2**53",
        "minus-2**53",
        "10**30",
        "nested-2**63",
        "lone-high-surrogate",
        "lone-low-surrogate-inside",
        "lone-surrogate-key",
        "lone-surrogate-in-list",
        "integer-key",
        "bytes",
        "object",
    ],
)
def test_values_without_a_canonical_form_are_refused(value: Any) -> None:
    """NaN, infinities, integers beyond 2**53 - 1, lone surrogates and non-JSON values raise."""
    with pytest.raises(CanonicalizationError):
        canonical_json(value)


def test_chinese_text_is_kept_as_is() -> None:
    """Non-ASCII text is written as UTF-8, not as \\u escapes."""
    assert canonicalize({"项目": "湘城 P07"}) == '{"项目":"湘城 P07"}'.encode()


@pytest.mark.parametrize(
    ("char", "escaped"),
    [
        ("\b", "\\b"),
        ("\t", "\\t"),
        ("\n", "\\n"),
        ("\f", "\\f"),
        ("\r", "\\r"),
        ("\x00", "\\u0000"),
        ("\x1f", "\\u001f"),
        ('"', '\\"'),
        ("\\", "\\\\"),
        ("/", "/"),
        ("\x7f", "\x7f"),
        ("\u2028", "\u2028"),
        ("😀", "😀"),
    ],
    ids=[
        *("bs", "tab", "lf", "ff", "cr", "nul", "us", "quote", "backslash", "solidus", "del"),
        *("line-separator", "emoji"),
    ],
)
def test_string_escapes(char: str, escaped: str) -> None:
    """Strings escape exactly what RFC 8785 section 3.2.2.2 says, with lowercase hex."""
    assert canonical_json(char) == f'"{escaped}"'
    assert canonical_json({char: 1.5}) == f'{{"{escaped}":1.5}}'


def test_event_hash_is_lowercase_sha256_hex() -> None:
    """event_hash is sha256 as 64 lowercase hex digits; the genesis hash is 64 zeros."""
    assert event_hash(b"abc") == hashlib.sha256(b"abc").hexdigest()
    assert event_hash(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert GENESIS_HASH == "0" * 64


@given(json_values)
def test_canonical_json_agrees_with_rfc8785(value: Any) -> None:
    """For any JSON value canonical_json gives the same text as the rfc8785 package."""
    assert canonical_json(value) == rfc8785.dumps(value).decode()


@given(plain_json_values)
def test_fast_path_agrees_with_rfc8785(value: Any) -> None:
    """Without floats (mostly the json.dumps fast path) the text equals rfc8785's."""
    assert canonical_json(value) == rfc8785.dumps(value).decode()
    assert canonicalize(value) == rfc8785.dumps(value)


@given(envelopes)
def test_envelope_bytes_equal_rfc8785_of_the_envelope(envelope: dict[str, Any]) -> None:
    """The hand-spliced envelope is byte for byte rfc8785 of the envelope object."""
    fields = dict(envelope, data=canonical_json(envelope["data"]))
    assert envelope_bytes(**fields) == rfc8785.dumps(envelope)
    # The payload's UTF-8 bytes (what the typed read path fetches) splice the same way.
    fields["data"] = fields["data"].encode()
    assert envelope_bytes(**fields) == rfc8785.dumps(envelope)


def _plain_item_by_item(value: Any) -> bool:
    """The plain check as first written, one item at a time: the reference for ``_is_plain``."""
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return True
    if kind is int:
        return bool(-MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (key and max(key) > "\uffff"):
                return False
            if not _plain_item_by_item(item):
                return False
        return True
    if kind is list or kind is tuple:
        return all(map(_plain_item_by_item, value))
    return False


@settings(max_examples=300)
@given(jcs_inputs)
def test_the_plain_check_agrees_with_the_item_by_item_one(value: Any) -> None:
    """Judging a container's items by their types in one go says "plain" exactly when the
    item-by-item check does (integers past 2**53 - 1, floats, keys beyond the BMP, a
    ``str`` subclass, a Decimal at any depth), and the text is then rfc8785's."""
    assert _is_plain(value) == _plain_item_by_item(value)
    if _is_plain(value):
        assert canonical_json(value) == rfc8785.dumps(value).decode()


@given(st.lists(json_values, max_size=6))
def test_an_array_is_its_items_texts_joined(items: list[Any]) -> None:
    """``canonical_array`` of the items' canonical texts is the array's canonical text."""
    assert canonical_array(canonical_json(item) for item in items) == canonical_json(items)


@pytest.fixture(scope="module")
def events_table() -> Iterator[sqlite3.Connection]:
    """An in-memory copy of the store's events table (STRICT, the same column types)."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(_SCHEMA)
    yield conn
    conn.close()


def test_this_sqlite_quotes_strings_as_jcs() -> None:
    """The SQLite gyengine runs on here escapes as JCS does, so the SQL envelope path is the one tested."""
    assert sqlite_quotes_as_jcs(sqlite3.connect(":memory:"))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(envelope=envelopes)
def test_the_sql_envelope_equals_the_python_one(
    envelope: dict[str, Any], events_table: sqlite3.Connection
) -> None:
    """ENVELOPE_SQL renders a stored row byte for byte as row_envelope and rfc8785 do."""
    fields = dict(envelope, data=canonical_json(envelope["data"]))
    row = (*(fields[name] for name in ENVELOPE_FIELDS[:-1]), "f" * 64)
    events_table.execute("DELETE FROM events")
    events_table.execute(f"INSERT INTO events VALUES ({', '.join('?' * len(row))})", row)
    (in_sql,) = events_table.execute(f"SELECT {ENVELOPE_SQL} FROM events").fetchone()
    assert in_sql == row_envelope(row) == rfc8785.dumps(envelope)
