"""The in-memory backend beyond the store contract: the demo year held in memory gives
SQLite's chain byte for byte and the same replay, report, explain and verify answers.

There is nothing in a :class:`MemoryEventStore` but the :class:`EventStore` protocol
(no file, no connection, no SQL for the events), so replay, reports, explain and
verify passing here is the proof that they use the protocol only. The contract itself
runs on it through ``BACKENDS`` (tests/conftest.py); ``gyengine replay`` and ``report``
without ``--db`` replay the bundled year from one (the report goldens are made so).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import gyengine
import replay_helpers as h
from gyengine import Engine, EventStore, StoredEvent
from gyengine.canonical import GENESIS_HASH
from gyengine.datasets import load_dataset
from gyengine.events import PendingEvent
from gyengine.memory import MemoryEventStore
from gyengine.plugins import build_datasets, build_plan_sections
from gyengine.store import Head

AS_OF = "2019-06-30"


def _load(store: EventStore) -> Engine:
    """An engine over ``store`` holding the bundled demo year, checked as `demo init` checks it."""
    engine = Engine(store, gyengine.get_plugin_manager())
    (dataset,) = [d for d in build_datasets(engine.manager).values() if d.default]
    load_dataset(
        store,
        engine.registry,
        build_plan_sections(engine.manager),
        dataset,
        checks=engine.checks,
    )
    return engine


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Engine]]:
    """The demo year in a SQLite file and in memory."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with (
        _load(gyengine.open_store(path, create=True)) as sqlite,
        _load(gyengine.open_store("memory:")) as memory,
    ):
        yield sqlite, memory


def test_open_store_memory_is_a_new_empty_log_each_time() -> None:
    """``open_store("memory:")`` opens an empty in-memory log; two are independent."""
    first, second = gyengine.open_store("memory:"), gyengine.open_store("memory:")
    assert isinstance(first, MemoryEventStore)
    assert isinstance(first, EventStore)
    assert first is not second
    assert first.head() == Head(0, GENESIS_HASH, None)


def test_the_demo_year_in_memory_is_sqlite_s_chain_byte_for_byte(
    both: tuple[Engine, Engine],
) -> None:
    """Loaded the same way, both hold the same rows (hashes included) and verify with one head."""
    sqlite, memory = both
    rows = list(sqlite.store.read_rows())
    assert len(rows) > 1900
    assert list(memory.store.read_rows()) == rows
    assert memory.store.head() == sqlite.store.head()
    expected = sqlite.store.verify()
    assert expected.ok
    assert memory.store.verify() == expected


@pytest.mark.parametrize("as_of", [AS_OF, None], ids=["as-of-june", "whole-year"])
def test_replay_gives_the_same_json(both: tuple[Engine, Engine], as_of: str | None) -> None:
    """A full replay of the year (and one as of June) gives SQLite's JSON, byte for byte."""
    sqlite, memory = both
    answers = [
        h.result_bytes(engine.replay(as_of=as_of, save=False, checkpoints=False))
        for engine in (sqlite, memory)
    ]
    assert answers[1] == answers[0]


def _pending(row: StoredEvent) -> PendingEvent:
    """A stored row as an event to append again with its record time (a copy of the log)."""
    return PendingEvent(
        id=row.id,
        stream=row.stream,
        type=row.type,
        schema=row.schema,
        occurred=row.occurred,
        actor=row.actor,
        supersedes=row.supersedes,
        data=row.data,
        recorded=row.recorded,
    )


def test_a_replay_resumes_from_checkpoints_saved_in_memory(both: tuple[Engine, Engine]) -> None:
    """The year copied into memory in two appends, with a replay between: the second
    replay resumes from the checkpoints kept beside the in-memory log and gives the
    answer of a full replay; verify checks the saved runs' and checkpoints' seals."""
    sqlite, _ = both
    rows = list(sqlite.store.read())
    split = len(rows) - 30
    with Engine(gyengine.open_store("memory:"), sqlite.manager) as engine:
        engine.store.append((_pending(row) for row in rows[:split]), keep_recorded=True)
        first = engine.replay()
        assert first.run_id is not None
        engine.store.append((_pending(row) for row in rows[split:]), keep_recorded=True)
        assert engine.store.head() == sqlite.store.head()
        resumed = engine.replay()
        full = engine.replay(save=False, checkpoints=False)
        audit = engine.verify()
    assert resumed.resumed
    assert resumed.events_read < full.events_read
    assert h.result_bytes(resumed) == h.result_bytes(full)
    assert audit.ok, audit
    assert (audit.runs, audit.derived_checked) == (2, True)
    assert audit.checkpoints > 0


def test_explain_gives_the_same_trail(both: tuple[Engine, Engine]) -> None:
    """explain() of a subject finds the same results and the same evidence events."""
    sqlite, memory = both
    result = sqlite.replay(as_of=AS_OF, save=False)
    subject = next(item.record.subject for item in result.records if item.record.evidence)
    trails = [
        [
            (e.result.evaluator, [(ev.event.seq, ev.event.hash) for ev in e.evidence])
            for e in engine.explain(subject, as_of=AS_OF)
        ]
        for engine in (sqlite, memory)
    ]
    assert trails[0]
    assert trails[1] == trails[0]


def test_verify_names_a_published_head_in_memory(both: tuple[Engine, Engine]) -> None:
    """Engine.verify over memory checks the chain and a published head as over SQLite."""
    sqlite, memory = both
    head = sqlite.store.head().hash
    audits = [engine.verify(expected_heads=[head]) for engine in (sqlite, memory)]
    assert audits[0].ok
    assert audits[1].ok
    assert audits[1].chain == audits[0].chain
    stranger = "f" * 64
    refused = memory.verify(expected_heads=[stranger])
    assert not refused.ok
    assert stranger in str(refused.problem)


def test_the_report_without_a_database_is_the_report_of_the_sqlite_log(tmp_path: Path) -> None:
    """`gyengine report` without --db (the bundled year in memory) prints what it prints
    over the same year written into a SQLite file with `demo init`."""
    db = tmp_path / "demo.db"
    assert h.run_cli(["demo", "init", "--db", db]).exit_code == 0
    args = ["report", "monthly", "--period", "2019-06", "--format", "json"]
    from_memory = h.run_cli(args)
    from_file = h.run_cli([*args, "--db", db])
    assert from_memory.exit_code == 0, from_memory.output
    assert from_file.exit_code == 0, from_file.output
    assert json.loads(from_memory.stdout) == json.loads(from_file.stdout)
