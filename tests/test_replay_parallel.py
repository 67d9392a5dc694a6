"""A replay that hashes its rows in a second process answers as one that hashes them itself."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

import gyengine
import gyengine.replay
import gyengine.store
from gyengine import NewEvent, Score
from gyengine.errors import BrokenChain


@attrs.frozen
class Reading:
    """A meter was read."""

    meter: str
    value: Decimal


@attrs.define
class Totals:
    sums: dict[str, Decimal] = attrs.Factory(dict)


def fold(state: Totals, event: gyengine.Event, context: gyengine.ReplayContext) -> Totals:
    state.sums[event.data.meter] = state.sums.get(event.data.meter, Decimal(0)) + event.data.value
    return state


def results(state: Totals, context: gyengine.ReplayContext):  # type: ignore[no-untyped-def]
    for meter, total in sorted(state.sums.items()):
        yield Score(subject=meter, metric="total", period="all", value=total)


class Plugin:
    __name__ = "meters"

    @gyengine.hookimpl
    def register_event_types(self) -> list[type]:
        return [Reading]

    @gyengine.hookimpl
    def register_evaluators(self) -> list[gyengine.Evaluator]:
        return [
            gyengine.Evaluator(
                name="totals",
                version="1",
                consumes=["Reading"],
                state_type=Totals,
                fold=fold,
                results=results,
            )
        ]


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """60 readings, and a threshold low enough that a replay of them hashes in parallel."""
    monkeypatch.setattr(gyengine.store, "PARALLEL_HASHING_FROM", 10)
    path = tmp_path / "m.db"
    with engine(path, create=True) as eng:
        eng.append(
            NewEvent(type="Reading", stream=f"m{n % 4}", data=Reading(f"M{n % 4}", Decimal(n)))
            for n in range(60)
        )
    return path


def engine(path: Path, create: bool = False) -> gyengine.Engine:
    manager = gyengine.get_plugin_manager(entry_points=False, plugins=[Plugin()])
    return gyengine.Engine(gyengine.SQLiteEventStore(path, create=create), manager)


def answer(path: Path, **options: object) -> str:
    with engine(path) as eng:
        result = eng.replay(save=False, checkpoints=False, **options)  # type: ignore[arg-type]
    return json.dumps(result.to_json(), sort_keys=True)


def test_parallel_hashing_gives_the_same_answer(db: Path) -> None:
    """The JSON of a replay with parallel hashing is byte-identical to one without."""
    assert answer(db, parallel=True) == answer(db, parallel=False)
    assert json.loads(answer(db, parallel=True))["results"][0]["value"] == str(sum(range(0, 60, 4)))


def test_parallel_hashing_refuses_a_changed_row(db: Path) -> None:
    """A row whose hash no longer matches (links intact) is refused, naming its seq, as without."""
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE events SET actor = 'someone' WHERE seq = 37")
    for parallel in (False, True):
        with pytest.raises(BrokenChain) as caught:
            answer(db, parallel=parallel)
        assert (caught.value.problem.seq, caught.value.problem.kind) == (37, "hash")
    broken = json.loads(answer(db, parallel=True, allow_broken_chain=True))
    assert broken == json.loads(answer(db, parallel=False, allow_broken_chain=True))
    assert broken["log"]["chain_ok"] is False


@pytest.mark.parametrize("in_sql", [True, False], ids=["sqlite-builds-the-bytes", "python-builds"])
@pytest.mark.parametrize(
    "change",
    [
        "actor = 'someone'",
        "data = replace(data, 'value', 'valve')",
        "stream = 'm\"1'",
        "recorded = '2019-01-01T00:00:00.000000Z'",
        "type = 'Reading\\'",
        "occurred = '2019-06'",
    ],
)
def test_the_hashing_worker_finds_a_changed_row(db: Path, in_sql: bool, change: str) -> None:
    """Both ways of building the canonical bytes (SQL, Python) pass a good log and name a changed row."""
    assert gyengine.store._hash_part(str(db), (1, 60), in_sql=in_sql) is None
    with sqlite3.connect(db) as conn:
        conn.execute(f"UPDATE events SET {change} WHERE seq = 41")
    problem = gyengine.store._hash_part(str(db), (1, 60), in_sql=in_sql)
    assert problem is not None
    assert (problem.seq, problem.kind) == (41, "hash")
    assert gyengine.store._hash_part(str(db), (1, 40), in_sql=in_sql) is None
