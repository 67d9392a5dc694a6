"""RFC 8785 (JSON Canonicalization Scheme) and the canonical bytes of an event.

Two paths give the same bytes. The fast path is the standard library's
``json.dumps`` with sorted keys, which *is* JCS for JSON made of strings,
booleans, null, integers within +/-(2**53 - 1) and objects whose keys sort the
same by code point as by UTF-16 code unit. Anything else (a float, a huge
integer, a key outside the Basic Multilingual Plane) goes through the
``rfc8785`` package, a complete implementation of the RFC. A property test checks
that the two agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any, Final

import rfc8785

from .errors import CanonicalizationError

__all__ = [
    "GENESIS_HASH",
    "canonical_array",
    "canonical_json",
    "canonicalize",
    "envelope_bytes",
    "event_hash",
    "row_envelope",
]

GENESIS_HASH: Final = "0" * 64
"""The ``prev_hash`` of the event at seq 1."""

MAX_SAFE_INTEGER: Final = 2**53 - 1
"""Integers beyond this have no exact IEEE 754 form, so JCS cannot carry them."""

# The C encoder, built once: sorted keys, no whitespace, Chinese as itself. It
# sees only "plain" values (below), for which its output is exactly JCS.
_encode = c_make_encoder(None, None, encode_basestring, None, ":", ",", True, False, False)


def _dumps(value: Any) -> str:
    return "".join(_encode(value, 0))


def plain_json(value: Any) -> str:
    """JCS text of a value known to hold only strings, booleans, nulls, safe integers,
    lists and objects with BMP keys, without checking that it does (the fast path
    for payload classes whose fields guarantee it)."""
    return "".join(_encode(value, 0))


_LITERALS: Final = frozenset({str, bool, type(None)})
_SCALARS: Final = _LITERALS | {int}


def _is_plain(value: Any) -> bool:
    """Tell whether the C encoder with sorted keys already gives JCS for ``value``.

    A container's items are judged by their types in one go where they are all
    texts, literals or integers (a row of texts and nulls, a list of seqs), and
    one by one otherwise.
    """
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return True
    if kind is int:
        return bool(-MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER)
    items: Collection[Any]
    if kind is list or kind is tuple:
        items = value
    elif kind is dict:
        # Keys beyond the BMP sort differently by UTF-16 unit than by code point.
        if not set(map(type, value)) <= {str} or max("".join(value), default="") > "\uffff":
            return False
        items = value.values()
    else:
        return False
    kinds = set(map(type, items))
    if kinds <= _LITERALS:
        return True
    if kinds <= _SCALARS:
        numbers = items if len(kinds) == 1 else [item for item in items if type(item) is int]
        return bool(min(numbers) >= -MAX_SAFE_INTEGER and max(numbers) <= MAX_SAFE_INTEGER)
    return all(map(_is_plain, items))


def canonical_json(value: Any) -> str:
    """Return the RFC 8785 canonical text of a JSON value.

    Raises:
        CanonicalizationError: for NaN, infinities, integers beyond 2**53 - 1,
            lone surrogates, non-string keys or values JSON cannot hold.
    """
    try:
        if _is_plain(value):
            text: str = _dumps(value)
        else:
            text = rfc8785.dumps(value).decode("utf-8")
        # A lone surrogate passes json.dumps but has no UTF-8 form.
        text.encode("utf-8")
    except (rfc8785.CanonicalizationError, ValueError, TypeError, UnicodeError) as error:
        raise CanonicalizationError(f"no canonical JSON form: {error}") from error
    return text


def canonicalize(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON value."""
    return canonical_json(value).encode("utf-8")


def canonical_array(items: Iterable[str]) -> str:
    """The RFC 8785 canonical text of an array from its items' canonical texts.

    JCS writes an array as ``[``, its items' own canonical texts joined by
    ``,``, and ``]``; an item's text does not depend on where it stands. So a
    text made once (a result's fields) can go into several arrays without being
    made again: ``canonical_array([canonical_json(a), canonical_json(b)])`` is
    ``canonical_json([a, b])``.
    """
    return "[" + ",".join(items) + "]"


def _str_or_null(value: str | None) -> str:
    return "null" if value is None else str(encode_basestring(value))


def envelope_bytes(
    *,
    seq: int,
    id: str,
    stream: str,
    version: int,
    type: str,
    schema: int,
    occurred: str | None,
    recorded: str,
    actor: str | None,
    supersedes: str | None,
    data: str | bytes,
    prev_hash: str,
) -> bytes:
    """Return the canonical bytes of an envelope without ``hash``.

    ``data`` is the payload's canonical JSON text (or its UTF-8 bytes), spliced
    in as it is: the stored ``data`` column holds exactly that text, so
    verifying a row needs no JSON parsing. Keys are written in JCS order (all
    ASCII, so code-point order).
    """
    return row_envelope(
        (
            seq,
            id,
            stream,
            version,
            type,
            schema,
            occurred,
            recorded,
            actor,
            supersedes,
            data,
            prev_hash,
        )
    )


def row_envelope(row: tuple[Any, ...]) -> bytes:
    """The canonical bytes of a stored row (a tuple in envelope order, ``hash`` last).

    ``data`` may be text or UTF-8 bytes. Verify, replay and append run this
    once per row, so it is written out in one expression.

    Raises:
        UnicodeEncodeError: a text column holds a lone surrogate.
        TypeError, ValueError: a column holds a value of the wrong type.
    """
    seq, id, stream, version, type_, schema, occurred, recorded, actor, supersedes, data = row[:11]
    quote = encode_basestring
    head = f'{{"actor":{"null" if actor is None else quote(actor)},"data":'
    tail = (
        f',"id":{quote(id)},"occurred":{"null" if occurred is None else quote(occurred)},'
        f'"prev_hash":{quote(row[11])},"recorded":{quote(recorded)},"schema":{schema:d},'
        f'"seq":{seq:d},"stream":{quote(stream)},'
        f'"supersedes":{"null" if supersedes is None else quote(supersedes)},'
        f'"type":{quote(type_)},"version":{version:d}}}'
    )
    if isinstance(data, bytes):
        return head.encode() + data + tail.encode()
    text: str = head + data + tail
    return text.encode()


ENVELOPE_SQL: Final = (
    """CAST('{"actor":' || json_quote(actor) || ',"data":' || data"""
    """ || ',"id":' || json_quote(id) || ',"occurred":' || json_quote(occurred)"""
    """ || ',"prev_hash":' || json_quote(prev_hash) || ',"recorded":' || json_quote(recorded)"""
    """ || ',"schema":' || schema || ',"seq":' || seq || ',"stream":' || json_quote(stream)"""
    """ || ',"supersedes":' || json_quote(supersedes) || ',"type":' || json_quote(type)"""
    """ || ',"version":' || version || '}' AS BLOB)"""
)
"""An SQLite expression giving a row's canonical envelope bytes (see :func:`row_envelope`).

Exact where SQLite's ``json_quote`` escapes strings as JCS does (control
characters as ``\\b \\t \\n \\f \\r`` or lowercase ``\\u00xx``, ``"`` and ``\\``,
nothing else), which :func:`sqlite_quotes_as_jcs` checks on a connection; the
columns' types are those of the store's STRICT table. A row this expression
renders differently (a changed column type, say) hashes differently, so a
check built on it still finds the row.
"""

_QUOTE_PROBE: Final = "".join(map(chr, range(0x80))) + "é中文\u2028\u2029\U0001f600"


def sqlite_quotes_as_jcs(conn: Any) -> bool:
    """Whether this SQLite's ``json_quote`` escapes strings exactly as JCS does."""
    try:
        quoted = conn.execute("SELECT json_quote(?), json_quote(NULL)", (_QUOTE_PROBE,)).fetchone()
    except Exception:  # no JSON functions in this build
        return False
    return tuple(quoted) == (encode_basestring(_QUOTE_PROBE), "null")


def event_hash(canonical: bytes) -> str:
    """Return ``sha256(canonical)`` as lowercase hex."""
    return hashlib.sha256(canonical).hexdigest()
