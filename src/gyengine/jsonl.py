"""Reading events from JSON Lines, strictly, with errors that name file:line and field."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import IO, Any, Final

from .errors import InvalidEvent
from .eventlines import read_line_fast
from .events import EventTypes, PendingEvent

__all__ = ["MAX_LINE_BYTES", "JsonLinesReader", "JsonValueError", "parse_json"]

MAX_LINE_BYTES: Final = 1024 * 1024
"""The longest line accepted (1 MiB, without its newline)."""


class JsonValueError(ValueError):
    """Well-formed JSON text holding a value gyengine refuses; ``path`` says where."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(f"{path}: {message}")
        self.message = message
        self.path = path


class _Constant:
    """Stands in for NaN or an infinity until the walk finds its path."""

    def __init__(self, name: str) -> None:
        self.name = name


class _DuplicateKeys(dict[str, Any]):
    """Stands in for an object with a repeated key until the walk finds its path."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        seen: set[str] = set()
        self.duplicate = ""
        for key, _ in pairs:
            if key in seen:
                self.duplicate = key
                break
            seen.add(key)


# A lone surrogate can only come from a \uD800-\uDFFF escape: the text itself
# is valid UTF-8. Only text with such an escape needs its strings walked.
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE: Final = re.compile(r"[\ud800-\udfff]")


def _member(path: str, key: str) -> str:
    return (
        f"{path}.{key}" if key.isidentifier() else f"{path}[{json.dumps(key, ensure_ascii=False)}]"
    )


def _check(value: Any, path: str) -> None:
    """Raise :class:`JsonValueError` at the first refused value, in document order."""
    if isinstance(value, _Constant):
        raise JsonValueError(f"{value.name} is not allowed: JSON has no NaN or Infinity", path)
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise JsonValueError("a lone surrogate (\\ud800-\\udfff) has no UTF-8 form", path)
    elif isinstance(value, dict):
        if isinstance(value, _DuplicateKeys):
            raise JsonValueError("the key appears more than once", _member(path, value.duplicate))
        for key, item in value.items():
            if _SURROGATE.search(key):
                raise JsonValueError("a key holds a lone surrogate, which has no UTF-8 form", path)
            _check(item, _member(path, key))
    elif isinstance(value, list):
        for number, item in enumerate(value):
            _check(item, f"{path}[{number}]")


class _StrictDecoder:
    """A JSON decoder with gyengine's hooks, built once per thread: ``json.loads`` with
    hooks builds a new decoder on every call, which cost as much as a line's parse."""

    def __init__(self) -> None:
        self.suspect = False
        self.decode = json.JSONDecoder(
            parse_float=Decimal, parse_constant=self._constant, object_pairs_hook=self._pairs
        ).decode

    def _constant(self, name: str) -> _Constant:
        self.suspect = True
        return _Constant(name)

    def _pairs(self, items: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(items)
        if len(result) != len(items):
            self.suspect = True
            return _DuplicateKeys(items)
        return result


_decoders = threading.local()


def parse_json(text: str) -> Any:
    """Parse JSON strictly: no NaN or Infinity, no duplicate keys, no lone
    surrogates, numbers with a fraction or exponent as exact ``Decimal``.

    Raises:
        json.JSONDecodeError: the text is not JSON.
        JsonValueError: it is, but holds a refused value; ``path`` names it
            (``$.data.value``).
    """
    decoder: _StrictDecoder | None = getattr(_decoders, "decoder", None)
    if decoder is None:
        decoder = _decoders.decoder = _StrictDecoder()
    decoder.suspect = False
    value = decoder.decode(text)
    # The hooks cannot know where they are; a second walk, only when one of
    # them fired (or a surrogate escape is present), finds the path to report.
    if decoder.suspect or _SURROGATE_ESCAPE.search(text):
        _check(value, "$")
    return value


class JsonLinesReader:
    """Iterate the events of a JSON Lines stream, validating each line.

    Blank lines are skipped. ``lines[i]`` is the line number of the ``i``-th
    event yielded, so a store error about event ``i`` can name its line.

    Args:
        handle: a binary file object.
        source: the name to show in errors (a path, or ``-`` for stdin).
        registry: the event types to validate against.
        on_bytes: called with the byte count of each line read (progress bars).
    """

    def __init__(
        self,
        handle: IO[bytes],
        source: str,
        registry: EventTypes,
        on_bytes: Callable[[int], None] | None = None,
        *,
        keep_recorded: bool = False,
    ) -> None:
        self.handle = handle
        self.source = source
        self.registry = registry
        self.on_bytes = on_bytes
        self.keep_recorded = keep_recorded
        self.lines: list[int] = []

    def __iter__(self) -> Iterator[PendingEvent]:
        number = 0
        while True:
            raw = self.handle.readline(MAX_LINE_BYTES + 2)
            if not raw:
                return
            number += 1
            if self.on_bytes is not None:
                self.on_bytes(len(raw))
            body = raw.rstrip(b"\r\n") if raw.endswith(b"\n") else raw
            if len(body) > MAX_LINE_BYTES:
                raise InvalidEvent(
                    f"line is longer than {MAX_LINE_BYTES} bytes (1 MiB)",
                    source=self.source,
                    line=number,
                )
            if number == 1 and body.startswith(b"\xef\xbb\xbf"):
                body = body[3:]  # a UTF-8 byte-order mark, as some Windows editors write
            if not body.strip():
                continue
            yield self._parse(body, number)

    def _parse(self, body: bytes, number: int) -> PendingEvent:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidEvent(
                f"invalid UTF-8 at byte {error.start + 1}", source=self.source, line=number
            ) from None
        if not self.keep_recorded:
            event = read_line_fast(self.registry, text)
            if event is not None:
                self.lines.append(number)
                return event
        try:
            value = parse_json(text)
        except json.JSONDecodeError as error:
            raise InvalidEvent(
                f"malformed JSON: {error.msg} at column {error.colno}",
                source=self.source,
                line=number,
            ) from None
        except JsonValueError as error:
            raise InvalidEvent(
                error.message, source=self.source, line=number, field=error.path
            ) from None
        except RecursionError:
            raise InvalidEvent(
                "malformed JSON: nested too deeply", source=self.source, line=number
            ) from None
        except ValueError as error:
            raise InvalidEvent(
                f"malformed JSON: {error}", source=self.source, line=number
            ) from None
        try:
            event = self.registry.parse_line(value, keep_recorded=self.keep_recorded)
        except InvalidEvent as error:
            raise error.located(self.source, number) from None
        self.lines.append(number)
        return event
