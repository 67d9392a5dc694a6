"""Results memos: an evaluator's results kept beside its sealed checkpoint (issue #15).

A replay at a seq where every evaluator has a sealed checkpoint would make the
same results again from the same states: most of the time of ``gyengine
replay``, ``report`` and ``explain`` on a log that has not moved. A memo keeps
those results, exactly (a ``Decimal`` stays a ``Decimal`` with its exponent, a
text a text, the order the replay sorted them in), so the replay can skip
restoring the states and calling ``results()``. It is a shortcut, never the
answer's source of truth: it is sealed with the checkpoint key and bound to the
checkpoint's seq and hash, and a memo that is missing, does not check or cannot
be read is simply not used (the results are made again).

What a memo's results depend on besides the checkpointed state, and so what it
is keyed by (:func:`memo_context`): the record time asked (``known_at``), the
configuration keys of the evaluators whose results it reads (``requires``,
through theirs), the record classes' fields, and the size and modification time
of the source files of gyengine and of the evaluator's code, so that a plugin
edited in a checkout (its version unchanged) is not answered from what its old
code made.

The body is the records column by column (one list per field of
:class:`Score` and of :class:`Finding`), pickled and zlib-compressed. Pickle
because it keeps every type exactly and is read at C speed; it is read only
after the seal checked, and by an unpickler that can build nothing but the
builtin containers and ``Decimal`` (no class of any module is looked up, so a
body cannot run code even under a stolen key). A record holding anything else
(a subclass of ``str``, say) is not memoised.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import pickle
import sys
import zlib
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import repeat
from operator import attrgetter
from pathlib import Path
from typing import Any, Final

import attrs

from .evaluation import Evaluator, Finding, Record, Score

__all__ = ["MEMO_FORMAT", "memo_body", "memo_context", "memo_records", "sources_stamp"]

MEMO_FORMAT: Final = 1
"""Bumped when the body's layout changes, so older memos are not read."""

_CLASS_OF: Final[dict[str, type[Record]]] = {"s": Score, "f": Finding}
_KIND_OF: Final = {cls: kind for kind, cls in _CLASS_OF.items()}
_FIELDS: Final = {
    kind: tuple(field.name for field in attrs.fields(cls)) for kind, cls in _CLASS_OF.items()
}
_GETTERS: Final = {kind: attrgetter(*names) for kind, names in _FIELDS.items()}
_HERE: Final = Path(__file__).parent


def sources_stamp(sources: Iterable[Path]) -> list[list[object]]:
    """Name, size and modification time of every Python file in the folders ``sources``.

    Part of a cache's key (the bundled dataset's prebuilt copy, a memo) so that
    code edited in a checkout, its version unchanged, is not answered from what
    its old code made.
    """
    stamps: list[list[object]] = []
    for folder in sorted({Path(source) for source in sources}):
        for path in sorted(folder.glob("*.py")):
            try:
                info = path.stat()
            except OSError:
                continue
            stamps.append([str(path), info.st_size, info.st_mtime_ns])
    return stamps


@functools.cache
def _folder_stamp(folder: Path) -> list[list[object]]:
    """A folder's stamp, taken once per process: its code was loaded once too."""
    return sources_stamp([folder])


def _code_folders(evaluator: Evaluator) -> set[Path]:
    """The folders of the modules that define an evaluator's fold and results, and gyengine's."""
    folders = {_HERE}
    for part in (evaluator.fold, evaluator.results):
        code = getattr(part, "__code__", None)
        where = getattr(code, "co_filename", None)
        if where is None:
            module = sys.modules.get(getattr(part, "__module__", None) or "")
            where = getattr(module, "__file__", None)
        if where and os.path.exists(where):
            folders.add(Path(where).parent)
    return folders


def memo_context(
    evaluator: Evaluator,
    known_at: str | None,
    keys: Mapping[str, str],
    required: Iterable[str],
) -> str:
    """What a memo of ``evaluator``'s results is keyed by besides its checkpoint.

    ``keys`` are the checkpoint keys of the replay's evaluators, ``required``
    the names of every evaluator whose results this one reads, through theirs.
    """
    context = {
        "format": MEMO_FORMAT,
        "known_at": known_at,
        "requires": {name: keys[name] for name in sorted(required)},
        "fields": _FIELDS,
        "sources": [_folder_stamp(folder) for folder in sorted(_code_folders(evaluator))],
    }
    text = json.dumps(context, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _OnlyDecimal(pickle.Pickler):
    """A pickler that refuses every object but the builtin containers, texts, numbers and Decimal."""

    def reducer_override(self, obj: Any) -> Any:  # called for every non-builtin object
        if type(obj) is Decimal or obj is Decimal:  # a Decimal, and its class as a global
            return NotImplemented
        raise pickle.PicklingError(f"{type(obj).__name__} is not memoised")


class _DecimalOnly(pickle.Unpickler):
    """An unpickler that can build nothing but the builtins and ``Decimal``."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("decimal", "Decimal"):
            return Decimal
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a memo")


def memo_body(records: Sequence[Record]) -> bytes | None:
    """The memo of ``records`` (in their order); ``None`` when one holds a value it cannot keep."""
    try:
        kinds = "".join(map(_KIND_OF.__getitem__, map(type, records)))
    except KeyError:
        return None
    columns: dict[str, list[tuple[Any, ...]]] = {}
    for kind, names in _FIELDS.items():
        chosen = [record for record, its in zip(records, kinds, strict=True) if its == kind]
        # transposed in C: one tuple per field
        columns[kind] = list(zip(*map(_GETTERS[kind], chosen), strict=True)) or [() for _ in names]
    buffer = io.BytesIO()
    try:
        _OnlyDecimal(buffer, protocol=5).dump((kinds, columns))
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return zlib.compress(buffer.getvalue())


def memo_records(body: bytes) -> tuple[Record, ...]:
    """The records a memo holds, in their order.

    Raises:
        ValueError: the body cannot be read or is not a memo of this layout.
    """
    try:
        kinds, columns = _DecimalOnly(io.BytesIO(zlib.decompress(body))).load()
        made = {}
        for kind, cls in _CLASS_OF.items():
            count = kinds.count(kind)
            objects = list(map(object.__new__, repeat(cls, count)))
            for name, column in zip(_FIELDS[kind], columns[kind], strict=True):
                if len(column) != count:
                    raise ValueError(f"{count} {cls.__name__} records, {len(column)} {name}s")
                # the slot's own setter, field by field in C: a frozen class's
                # __setattr__ is not called, nor its validators (the values were
                # checked when the records were first made)
                deque(map(getattr(cls, name).__set__, objects, column), maxlen=0)
            made[kind] = iter(objects)
        return tuple(next(made[kind]) for kind in kinds)
    except Exception as error:  # any damage: the memo is not used
        raise ValueError(f"unreadable memo: {error}") from None
