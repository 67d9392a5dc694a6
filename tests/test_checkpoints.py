"""Checkpoints: a replay resumed from saved state gives exactly the answer of a full replay."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gyengine
import replay_helpers as h
from gyengine import Evaluator, Score
from gyengine.errors import BrokenChain

ALL = {"by_type", "counter", "latest", "summary", "totals"}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The path of a database that does not exist yet."""
    return tmp_path / "log.db"


@pytest.fixture
def engine(db: Path):
    """An engine with the replay_helpers plugin on a fresh database."""
    with h.open_engine(db) as opened:
        yield opened


def three_reports(engine: gyengine.Engine) -> None:
    """Seqs 1..3: two reports about a and one target."""
    engine.append([h.value("a", 1, id="a1"), h.value("a", 2, id="a2"), h.target("a", 2, id="ta")])


def full(engine: gyengine.Engine, **options: object) -> bytes:
    """The bytes of a replay that neither uses nor saves checkpoints."""
    return h.result_bytes(engine.replay(checkpoints=False, save=False, **options))


@settings(max_examples=50, deadline=None)
@given(events=h.event_logs(max_events=14), data=st.data())
def test_checkpoint_plus_tail_equals_full_replay(events: list[gyengine.NewEvent], data) -> None:
    """Replaying log[1..k] (saving checkpoints), appending the rest and replaying again equals a full replay."""
    k = data.draw(st.integers(min_value=1, max_value=len(events)), label="k")
    as_of = data.draw(st.sampled_from(h.AS_OF_DATES), label="as_of")
    head, tail = events[:k], events[k:]
    with (
        tempfile.TemporaryDirectory() as directory,
        h.open_engine(Path(directory) / "log.db") as engine,
    ):
        engine.append(head)
        first = engine.replay(as_of=as_of)
        assert first.resumed == {}
        h.append_batches(engine, [tail])
        resumed = engine.replay(as_of=as_of)
        expected = engine.replay(as_of=as_of, checkpoints=False)
    assert resumed.to_json() == expected.to_json()
    assert h.result_bytes(resumed) == h.result_bytes(expected)
    tail_ids = {e.supersedes for e in tail if e.supersedes is not None}
    touches_head = bool(tail_ids & {e.id for e in head})
    if touches_head:
        assert resumed.resumed == {}
    else:
        assert resumed.resumed == dict.fromkeys(ALL, k)
        assert resumed.events_read == len(tail)


def test_checkpoint_is_reused_when_nothing_changed(engine: gyengine.Engine) -> None:
    """The same evaluators and options resume from the checkpoint and read only the new events."""
    three_reports(engine)
    engine.replay(options={"unit": "%"}, as_of="2019-06-30")
    engine.append([h.value("b", 5), h.value("a", 3)])
    result = engine.replay(options={"unit": "%"}, as_of="2019-06-30")
    assert result.resumed == dict.fromkeys(ALL, 3)
    assert result.events_read == 2
    assert h.result_bytes(result) == full(engine, options={"unit": "%"}, as_of="2019-06-30")
    assert h.values_of(result, "totals") == {"a": "6", "b": "5"}


def test_checkpoint_state_is_json(engine: gyengine.Engine, db: Path) -> None:
    """Checkpoint states are JSON text (never pickle) that load back into the evaluator's state."""
    three_reports(engine)
    engine.replay()
    rows = h.execute_query(db, "SELECT evaluator, seq, typeof(state), state, hash FROM checkpoints")
    assert {row[0] for row in rows} == ALL
    for _, seq, kind, state, digest in rows:
        assert (seq, kind) == (3, "text")
        assert isinstance(json.loads(state), dict)
        assert digest == engine.store.at(3).hash
    totals = next(json.loads(row[3]) for row in rows if row[0] == "totals")
    assert totals == {"subjects": {"a": {"amount": "3", "seqs": [1, 2]}}}


def counter_version(version: str, weight: int) -> object:
    """A plugin whose ``counter`` adds ``weight`` per event, at ``version``."""

    def fold(state: h.Count, event: gyengine.Event, context: gyengine.ReplayContext) -> h.Count:
        state.n += weight
        state.seqs.append(event.seq)
        return state

    evaluator = attrs.evolve(h.counter, version=version, fold=fold)
    return h.make_plugin("counting", event_types=h.PAYLOADS, evaluators=[evaluator])


def test_new_evaluator_version_does_not_reuse_checkpoints(db: Path) -> None:
    """A checkpoint of another version of the evaluator is not reused."""
    with h.open_engine(db, [counter_version("1", 1)]) as engine:
        three_reports(engine)
        assert h.values_of(engine.replay(), "counter") == {"log": "3"}
    with h.open_engine(db, [counter_version("2", 10)]) as engine:
        engine.append([h.value("b", 1)])
        result = engine.replay()
        assert result.resumed == {}
        assert h.values_of(result, "counter") == {"log": "40"}
        assert h.result_bytes(result) == full(engine)
    with h.open_engine(db, [counter_version("2", 10)]) as engine:
        assert engine.replay().resumed == {"counter": 4}  # its own checkpoint is


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"options": {"unit": "%"}}, {"options": {"unit": "亿元"}}),
        ({"options": {"unit": "%"}}, {}),
        ({}, {"options": {"unit": "%"}}),
        ({"as_of": "2019-06-30"}, {"as_of": "2019-07-31"}),
        ({"as_of": "2019-06-30"}, {}),
    ],
    ids=["other-option", "option-dropped", "option-added", "other-as-of", "as-of-dropped"],
)
def test_changed_options_do_not_reuse_checkpoints(
    engine: gyengine.Engine, before: dict, after: dict
) -> None:
    """A checkpoint saved under other options or another as-of date is not reused."""
    three_reports(engine)
    engine.append([h.value("a", 4, occurred="2019-07")])
    engine.replay(**before)
    result = engine.replay(**after)
    assert result.resumed == {}
    assert h.result_bytes(result) == full(engine, **after)


def test_known_at_reuses_only_checkpoints_it_could_know(db: Path) -> None:
    """A replay as known at an earlier time never resumes from a checkpoint past its bound."""
    clock = h.StepClock()
    with h.open_engine(db, clock=clock) as engine:
        three_reports(engine)
        engine.append([h.value("a", 10), h.value("b", 1)])
        engine.replay()  # a checkpoint at seq 5
        early = engine.replay(known_at=clock.issued[0])
        assert early.resumed == {}
        assert h.values_of(early, "totals") == {"a": "3"}
        assert h.result_bytes(early) == full(engine, known_at=clock.issued[0])
        assert engine.replay(known_at=clock.issued[0]).resumed == dict.fromkeys(ALL, 3)


def test_changed_hash_does_not_reuse_checkpoints(engine: gyengine.Engine, db: Path) -> None:
    """A checkpoint whose hash was edited fails its seal: the replay runs in full and says why."""
    three_reports(engine)
    engine.replay()
    changed = h.execute(
        db, "UPDATE checkpoints SET hash = ? WHERE evaluator = 'totals'", ["0" * 64]
    )
    assert changed == 1
    engine.append([h.value("a", 5)])
    result = engine.replay()
    assert result.resumed == {}
    assert result.notes == (
        "checkpoint of totals at seq 3 not used: its content does not match its seal:"
        " it was changed after it was saved; replayed in full",
    )
    assert h.values_of(result, "totals") == {"a": "8"}
    assert h.result_bytes(result) == full(engine)


@pytest.mark.parametrize(
    "later",
    [
        pytest.param(lambda: h.correction(h.value("a", 1, id="a1"), 100), id="correction"),
        pytest.param(lambda: h.retraction("a1"), id="retraction"),
        pytest.param(lambda: h.retraction("ta"), id="retracted-target"),
        pytest.param(lambda: h.correction(h.target("a", 2, id="ta"), 1), id="corrected-target"),
    ],
)
def test_later_correction_of_an_earlier_event_replays_in_full(
    engine: gyengine.Engine, later
) -> None:
    """An event after the checkpoint that supersedes one before it forces a full, correct replay."""
    three_reports(engine)
    engine.replay()
    engine.append([later()])
    result = engine.replay()
    assert result.resumed == {}
    assert h.result_bytes(result) == full(engine)


def test_correction_chain_reaching_behind_the_checkpoint(engine: gyengine.Engine) -> None:
    """Correcting, after the checkpoint, a correction made before it replays in full."""
    first = h.value("a", 1, id="a1")
    second = h.correction(first, 2, id="a2")
    engine.append([first, second])
    engine.replay()
    engine.append([h.correction(second, 3, id="a3")])
    result = engine.replay()
    assert result.resumed == {}
    assert h.values_of(result, "totals") == {"a": "3"}
    assert h.result_bytes(result) == full(engine)


def test_correction_of_an_event_after_the_checkpoint_resumes(engine: gyengine.Engine) -> None:
    """A correction of an event that came after the checkpoint still lets the replay resume."""
    three_reports(engine)
    engine.replay()
    report = h.value("b", 7, id="b1")
    engine.append([report])
    engine.append([h.correction(report, 8)])
    result = engine.replay()
    assert result.resumed == dict.fromkeys(ALL, 3)
    assert h.values_of(result, "totals") == {"a": "3", "b": "8"}
    assert h.result_bytes(result) == full(engine)


@pytest.mark.parametrize(
    "state",
    ["{not json", "[]", "null", '{"subjects": {"a": {"amount": "many", "seqs": []}}}', ""],
    ids=["not-json", "a-list", "null", "wrong-type", "empty"],
)
def test_corrupt_checkpoint_state_is_not_reused(
    engine: gyengine.Engine, db: Path, state: str
) -> None:
    """A checkpoint whose state does not load is ignored, and the replay is still right."""
    three_reports(engine)
    engine.replay()
    h.execute(db, "UPDATE checkpoints SET state = ? WHERE evaluator = 'totals'", [state])
    engine.append([h.value("a", 5)])
    result = engine.replay()
    assert "totals" not in result.resumed
    assert h.values_of(result, "totals") == {"a": "8"}
    assert h.result_bytes(result) == full(engine)


def test_no_checkpoints_neither_uses_nor_saves_them(engine: gyengine.Engine, db: Path) -> None:
    """``checkpoints=False`` saves no checkpoint and ignores those there are."""
    three_reports(engine)
    engine.replay(checkpoints=False)
    assert h.count_rows(db, "checkpoints") == 0
    engine.replay()
    assert h.count_rows(db, "checkpoints") == len(ALL)
    assert engine.replay(checkpoints=False).resumed == {}


def test_tampered_row_behind_a_checkpoint_gives_the_full_answer(
    engine: gyengine.Engine, db: Path
) -> None:
    """With verify_all, a row tampered with behind a checkpoint is met as a full replay meets it."""
    three_reports(engine)
    engine.replay()
    h.execute(db, "UPDATE events SET data = ? WHERE seq = 1", ['{"subject":"a","value":"100"}'])
    with pytest.raises(BrokenChain, match="at seq 1: hash"):
        engine.replay(verify_all=True)
    result = engine.replay(allow_broken_chain=True, verify_all=True)
    assert result.resumed == {}
    assert not result.chain_ok
    assert h.values_of(result, "totals") == {"a": "102"}
    assert h.result_bytes(result) == full(engine, allow_broken_chain=True)


@attrs.define
class Ratio:
    share: Decimal = Decimal(0)


def ratio_fold(state: Ratio, event: gyengine.Event, context: gyengine.ReplayContext) -> Ratio:
    state.share = Decimal(100) / Decimal("0.5")  # Decimal('2E+2'): a positive exponent
    return state


def ratio_results(state: Ratio, context: gyengine.ReplayContext):
    yield Score(subject="r", metric="scaled", period="all", value=state.share * Decimal("1.5"))


def test_decimal_state_survives_a_checkpoint_exactly(db: Path) -> None:
    """A Decimal in the state comes back from a checkpoint as the same Decimal, exponent included."""
    ratio = Evaluator(
        name="ratio",
        version="1",
        consumes=["ValueReported"],
        state_type=Ratio,
        fold=ratio_fold,
        results=ratio_results,
    )
    plugin = h.make_plugin("ratios", event_types=h.PAYLOADS, evaluators=[ratio])
    with h.open_engine(db, [plugin]) as engine:
        engine.append([h.value("a", 1)])
        engine.replay()
        engine.append([h.target("a", 1)])  # not consumed: the state stays as checkpointed
        resumed = engine.replay()
        assert resumed.resumed == {"ratio": 1}
        assert h.result_bytes(resumed) == full(engine)


def test_checkpoints_survive_reopening(db: Path) -> None:
    """Checkpoints live in the database: another engine on the file resumes from them."""
    with h.open_engine(db) as engine:
        three_reports(engine)
        engine.replay()
    with h.open_engine(
        db, create=False, clock=h.StepClock(start=h.START + dt.timedelta(days=1))
    ) as engine:
        engine.append([h.value("c", 1)])
        result = engine.replay()
        assert result.resumed == dict.fromkeys(ALL, 3)
        assert h.result_bytes(result) == full(engine)
