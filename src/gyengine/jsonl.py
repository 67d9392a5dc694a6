"""Reading events from JSON Lines, strictly, with errors that name file:line and field."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import IO, Any, Final

from .errors import InvalidEvent
from .events import EventTypes, PendingEvent

__all__ = ["MAX_LINE_BYTES", "JsonLinesReader"]

MAX_LINE_BYTES: Final = 1024 * 1024
"""The longest line accepted (1 MiB, without its newline)."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed: JSON has no NaN or Infinity")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r}")
            seen.add(key)
    return result


def parse_json(text: str) -> Any:
    """Parse JSON strictly: no NaN or Infinity, no duplicate keys, numbers with a
    fraction or exponent as exact ``Decimal``."""
    return json.loads(
        text,
        parse_float=Decimal,
        parse_constant=_reject_constant,
        object_pairs_hook=_no_duplicate_keys,
    )


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
    ) -> None:
        self.handle = handle
        self.source = source
        self.registry = registry
        self.on_bytes = on_bytes
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
        try:
            value = parse_json(text)
        except json.JSONDecodeError as error:
            raise InvalidEvent(
                f"malformed JSON: {error.msg} at column {error.colno}",
                source=self.source,
                line=number,
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
            event = self.registry.parse_line(value)
        except InvalidEvent as error:
            raise error.located(self.source, number) from None
        self.lines.append(number)
        return event
