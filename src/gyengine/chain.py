"""The one chain checker: every rule a stored row must keep, and its message.

``gyengine verify``, replay and their worker processes all check rows here,
so they agree on every row they read and say the same thing about it. Rows
are tuples in envelope order (:data:`~gyengine.events.ENVELOPE_FIELDS`:
``seq, id, stream, version, type, schema, occurred, recorded, actor,
supersedes, data, prev_hash, hash``); ``data`` may be its text or the UTF-8
bytes of its text.

A row is sound when, in this order:

1. its seq is the next one (no gap, nothing below 1);
2. every column holds a value of its type, and the text is UTF-8;
3. ``prev_hash`` is the hash of the row before (64 zeros for seq 1);
4. ``hash`` is the sha256 of its canonical envelope;
5. ``recorded`` is not earlier than the row before's;
6. its ``version`` is one more than its stream's previous version.

A backend reads rows for checking and raises :class:`UnreadableRow` at one it
cannot read at all (say, a text column that is not UTF-8).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, Final, Literal

import attrs

from .canonical import GENESIS_HASH, row_envelope
from .errors import UnreadableRow

__all__ = ["ChainChecker", "ChainProblem", "ProblemKind", "UnreadableRow", "hash_problem"]

ProblemKind = Literal["gap", "link", "hash", "order", "version", "undecodable"]

_FIELDS: Final = (
    "seq",
    "id",
    "stream",
    "version",
    "type",
    "schema",
    "occurred",
    "recorded",
    "actor",
    "supersedes",
    "data",
    "prev_hash",
    "hash",
)
_NONE = type(None)
_TYPES: Final[tuple[tuple[type, ...], ...]] = (
    (int,),
    (str,),
    (str,),
    (int,),
    (str,),
    (int,),
    (str, _NONE),
    (str,),
    (str, _NONE),
    (str, _NONE),
    (str, bytes),
    (str,),
    (str,),
)


def _combinations() -> frozenset[tuple[type, ...]]:
    combos: list[tuple[type, ...]] = [()]
    for options in _TYPES:
        combos = [(*combo, option) for combo in combos for option in options]
    return frozenset(combos)


_ROW_TYPES: Final = _combinations()
"""Every exact combination of column types a sound row can have (one set lookup per row)."""


@attrs.frozen
class ChainProblem:
    """The first thing wrong with a log: where and what."""

    seq: int
    kind: ProblemKind
    detail: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.kind}: {self.detail}"


def gap(expected: int, found: int) -> ChainProblem:
    """Rows ``expected..found-1`` are missing."""
    missing = f"seq {expected}" if found == expected + 1 else f"seqs {expected}..{found - 1}"
    return ChainProblem(expected, "gap", f"{missing} missing before seq {found}")


def _wrong_type(row: tuple[Any, ...]) -> ChainProblem:
    seq = row[0]
    for name, value, kinds in zip(_FIELDS, row, _TYPES, strict=False):
        if type(value) not in kinds:
            return ChainProblem(
                seq, "undecodable", f"{name} holds {type(value).__name__} {value!r:.40}"
            )
    return ChainProblem(seq, "undecodable", f"the row has {len(row)} columns, not {len(_FIELDS)}")


def hash_problem(row: tuple[Any, ...]) -> ChainProblem | None:
    """Whether the row's ``hash`` is the sha256 of its canonical envelope (rule 4 alone).

    For a worker that only hashes: the other rules are checked by whoever reads
    the rows in order. The messages are :class:`ChainChecker`'s.
    """
    seq = row[0]
    data = row[10]
    if isinstance(data, bytes):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            return ChainProblem(seq, "undecodable", f"data is not UTF-8 text: {error}")
    try:
        digest = hashlib.sha256(row_envelope(row)).hexdigest()
    except UnicodeEncodeError as error:
        return ChainProblem(seq, "undecodable", f"text is not valid Unicode: {error}")
    if digest != row[12]:
        return ChainProblem(
            seq, "hash", f"stored hash {row[12]:.12}... but the row hashes to {digest:.12}..."
        )
    return None


class ChainChecker:
    """Checks rows in seq order from ``start``, given what came before it.

    Args:
        start: the first seq to be checked.
        prev_hash: the hash of seq ``start - 1`` (the genesis hash for seq 1).
        last_recorded: the record time of seq ``start - 1`` ("" for seq 1).
        version_before: a stream's last version before ``start`` (only asked
            for streams first met after seq 1; ``None``: every stream is new).
        hashes: recompute each row's hash (``False`` when another process
            does, with :func:`hash_problem`).
        typed: the backend guarantees each column's type (a table that
            enforces them, unchanged since gyengine made it): rule 2 is then
            kept by the database, and only UTF-8 is left to check.
    """

    __slots__ = (
        "_version_before",
        "expected",
        "hashes",
        "last_recorded",
        "prev_hash",
        "typed",
        "versions",
    )

    def __init__(
        self,
        start: int = 1,
        prev_hash: str = GENESIS_HASH,
        last_recorded: str = "",
        *,
        version_before: Callable[[str], int] | None = None,
        hashes: bool = True,
        typed: bool = False,
    ) -> None:
        self.expected = start
        self.prev_hash = prev_hash
        self.last_recorded = last_recorded
        self.versions: dict[str, int] = {}
        self._version_before = version_before
        self.hashes = hashes
        self.typed = typed

    @property
    def checked_to(self) -> int:
        """The last seq that passed (``start - 1`` before any)."""
        return self.expected - 1

    def check(self, row: tuple[Any, ...]) -> ChainProblem | None:
        """Check the next row; on success it becomes the row before the next."""
        seq = row[0]
        if seq != self.expected:
            return self._misplaced(seq)
        if not self.typed and tuple(map(type, row)) not in _ROW_TYPES:
            return _wrong_type(row)
        if row[11] != self.prev_hash:
            return ChainProblem(
                seq,
                "link",
                f"prev_hash {row[11]:.12}... is not the hash of seq {seq - 1} ({self.prev_hash:.12}...)",
            )
        if self.hashes:
            found = hash_problem(row)
            if found is not None:
                return found
        if row[7] < self.last_recorded:
            return ChainProblem(
                seq, "order", f"recorded {row[7]} is earlier than {self.last_recorded}"
            )
        stream = row[2]
        versions = self.versions
        last = versions.get(stream)
        if last is None:
            last = self._version_before(stream) if self._version_before is not None else 0
        if row[3] != last + 1:
            return ChainProblem(
                seq, "version", f"stream {stream!r} jumps from version {last} to {row[3]}"
            )
        versions[stream] = row[3]
        self.expected = seq + 1
        self.prev_hash = row[12]
        self.last_recorded = row[7]
        return None

    def accept(self, row: tuple[Any, ...]) -> None:
        """Go on past a row that failed (a replay told to carry on over a broken chain)."""
        if type(row[0]) is int:
            self.expected = row[0] + 1
        if type(row[12]) is str:
            self.prev_hash = row[12]
        if type(row[7]) is str:
            self.last_recorded = max(self.last_recorded, row[7])
        if type(row[2]) is str and type(row[3]) is int:
            self.versions[row[2]] = row[3]

    def _misplaced(self, seq: Any) -> ChainProblem:
        if type(seq) is not int:
            return ChainProblem(self.expected, "undecodable", f"seq is {seq!r:.40}")
        if seq < self.expected:
            # Rows come in seq order, so only a seq below 1 can come before the
            # one expected; append() never writes one.
            return ChainProblem(seq, "undecodable", f"seq {seq} is below 1, where the log starts")
        return gap(self.expected, seq)

    def unreadable(self, error: UnreadableRow) -> ChainProblem:
        """The problem of a row the backend could not read (a gap before it comes first)."""
        if error.seq != self.expected:
            return self._misplaced(error.seq)
        return ChainProblem(error.seq, "undecodable", error.detail)

    def finish(self, stop: int, after: int | None) -> ChainProblem | None:
        """After the last row read: whether every seq up to ``stop`` was there.

        ``after`` is the first seq the log holds past the rows read, if any.
        """
        if self.expected > stop:
            return None
        if after is not None:
            return gap(self.expected, after)
        missing = (
            f"seq {self.expected}" if self.expected == stop else f"seqs {self.expected}..{stop}"
        )
        return ChainProblem(self.expected, "gap", f"{missing} missing at the end of the log")
