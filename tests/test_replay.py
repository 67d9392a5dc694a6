"""Replay: the evaluator contract, corrections, bitemporal time, errors, saved runs, determinism."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import given, settings
from hypothesis import strategies as st

import gyengine
import replay_helpers as h
from gyengine import Finding, GyengineError, Score
from gyengine.errors import BrokenChain, EvaluatorError, PluginError


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The path of a database that does not exist yet."""
    return tmp_path / "log.db"


@pytest.fixture
def engine(db: Path):
    """An engine with the replay_helpers plugin on a fresh database."""
    with h.open_engine(db) as opened:
        yield opened


def small_log(engine: gyengine.Engine) -> None:
    """Two subjects with targets: a is corrected once (on target), b reported twice (below)."""
    first = h.value("a", "1.5", id="a1")
    engine.append([first, h.target("a", 2, id="ta"), h.target("b", 10, id="tb")])
    engine.append([h.value("b", 4, id="b1", occurred="2019-05"), h.value("b", 8, id="b2")])
    engine.append([h.correction(first, "2.5", id="a2")])


# -- the evaluator contract ---------------------------------------------------


def chain_plugin(calls: list[str]) -> object:
    """Evaluators aaa -> mmm -> zzz (each requires the next), recording the order they run."""

    def produce(name: str, source: str | None):
        def run(context: gyengine.ReplayContext):
            calls.append(name)
            upstream = len(context.results_of(source)) if source else 0
            yield Score(subject=name, metric="upstream", period="all", value=upstream)

        return run

    return h.make_plugin(
        "chain",
        evaluators=[
            h.results_only("aaa", produce("aaa", "mmm"), requires=["mmm"]),
            h.results_only("mmm", produce("mmm", "zzz"), requires=["zzz"]),
            h.results_only("zzz", produce("zzz", None)),
        ],
    )


def test_requirements_run_first(db: Path) -> None:
    """An evaluator runs after those it requires, whatever their names, and reads their results."""
    calls: list[str] = []
    with h.open_engine(db, [chain_plugin(calls)]) as engine:
        result = engine.replay()
    assert calls == ["zzz", "mmm", "aaa"]
    assert h.values_of(result, "aaa") == {"aaa": "1"}
    assert h.values_of(result, "mmm") == {"mmm": "1"}


def test_requirement_cycle_is_an_error(db: Path) -> None:
    """Evaluators that require each other in a cycle are refused, naming the cycle."""
    plugin = h.make_plugin(
        "loop",
        evaluators=[
            h.results_only("a", lambda c: [], requires=["b"]),
            h.results_only("b", lambda c: [], requires=["c"]),
            h.results_only("c", lambda c: [], requires=["a"]),
        ],
    )
    with h.open_engine(db, [plugin]) as engine, pytest.raises(GyengineError) as caught:
        engine.replay()
    assert "cycle: a -> b -> c -> a" in str(caught.value)
    assert h.count_rows(db, "runs") == 0


def test_missing_requirement_is_an_error(db: Path) -> None:
    """Requiring an evaluator that no plugin provides is refused, naming both."""
    plugin = h.make_plugin(
        "needy", evaluators=[h.results_only("needy", lambda c: [], requires=["ghost"])]
    )
    with h.open_engine(db, [plugin]) as engine, pytest.raises(GyengineError) as caught:
        engine.replay()
    assert str(caught.value) == "evaluator 'needy' requires 'ghost', which no plugin provides"


def test_unknown_evaluator_is_an_error(engine: gyengine.Engine) -> None:
    """Asking for an evaluator nobody registered names it and lists the registered ones."""
    with pytest.raises(GyengineError, match=r"no evaluator named 'nope' \(registered: by_type, "):
        engine.replay(evaluators=["nope"])


@pytest.mark.parametrize(
    ("wanted", "ran"),
    [
        (["summary"], ["latest", "summary"]),
        (["totals"], ["totals"]),
        (["counter", "summary"], ["counter", "latest", "summary"]),
    ],
    ids=["with-requirement", "alone", "two"],
)
def test_evaluator_subset_runs_what_it_requires(
    engine: gyengine.Engine, wanted: list[str], ran: list[str]
) -> None:
    """``evaluators=`` runs the named evaluators and what they require, nothing else."""
    small_log(engine)
    result = engine.replay(evaluators=wanted)
    assert h.evaluator_names(result) == ran
    assert sorted({item.evaluator for item in result.records}) == ran
    assert result.to_json()["options"]["evaluators"] == sorted(wanted)


def test_reading_results_without_requiring_them_fails(db: Path) -> None:
    """``results_of`` an evaluator not named in ``requires`` is an evaluator error saying so."""
    sneaky = h.results_only("sneaky", lambda c: list(c.results_of("counter")))
    plugin = h.make_plugin("sneaky", evaluators=[sneaky])
    with (
        h.open_engine(db, [h.this_module(), plugin]) as engine,
        pytest.raises(EvaluatorError, match="name it in `requires`"),
    ):
        engine.replay()


# -- corrections and retractions ---------------------------------------------


def test_correction_replaces_what_it_corrects(engine: gyengine.Engine) -> None:
    """A correction replaces the corrected report: the evaluator never sees it, the log keeps it."""
    first = h.value("a", 1, id="a1")
    engine.append([first, h.value("b", 7, id="b1")])
    engine.append([h.correction(first, 5, id="a2")])
    result = engine.replay()
    assert h.values_of(result, "totals") == {"a": "5", "b": "7"}
    (count,) = result.find("log", "events")
    assert count.record.evidence == (2, 3)  # seq 1, the corrected report, was never folded
    assert engine.store.count() == 3
    assert engine.store.get("a1") is not None


def test_correction_of_a_correction(engine: gyengine.Engine) -> None:
    """Only the newest of a chain of corrections counts; explain shows every earlier version."""
    first = h.value("a", 1, id="a1")
    second = h.correction(first, 2, id="a2")
    engine.append([first])
    engine.append([second])
    engine.append([h.correction(second, 3, id="a3")])
    result = engine.replay()
    assert h.values_of(result, "totals") == {"a": "3"}
    (explanation,) = engine.explain("a", "total")
    trail = [(item.event.seq, item.superseded_by) for item in explanation.evidence]
    assert trail == [(1, 2), (2, 3), (3, None)]


def test_retraction_removes_the_event(engine: gyengine.Engine) -> None:
    """A retraction removes the retracted report from every evaluator; both stay in the log."""
    engine.append([h.value("a", 1, id="a1"), h.value("b", 2, id="b1"), h.target("b", 1, id="tb")])
    engine.append([h.retraction("b1", id="r1")])
    result = engine.replay()
    assert h.values_of(result, "totals") == {"a": "1"}
    assert h.values_of(result, "latest") == {"a": "1"}
    assert h.values_of(result, "by_type") == {
        "EventRetracted": "1",
        "GoalSet": "1",
        "ValueReported": "1",
    }
    assert [row.id for row in engine.store.read()] == ["a1", "b1", "tb", "r1"]


def test_retracting_the_latest_report_falls_back_to_the_one_before(
    engine: gyengine.Engine,
) -> None:
    """Once the latest report is retracted, the report before it is the latest again."""
    engine.append([h.value("a", 1, id="a1"), h.value("a", 9, id="a2")])
    assert h.values_of(engine.replay(), "latest") == {"a": "9"}
    engine.append([h.retraction("a2")])
    assert h.values_of(engine.replay(), "latest") == {"a": "1"}


def test_explain_shows_the_superseded_report(engine: gyengine.Engine) -> None:
    """explain() lists every evidence event and the report a correction replaced, marked so."""
    small_log(engine)
    (explanation,) = engine.explain("a", "value")
    assert explanation.result.evaluator == "latest"
    assert explanation.result.plugin == "replay_helpers"
    assert explanation.result.record.value == Decimal("2.5")
    trail = [(item.event.id, item.event.seq, item.superseded_by) for item in explanation.evidence]
    assert trail == [("a1", 1, 6), ("ta", 2, None), ("a2", 6, None)]
    assert h.count_rows(engine.store.path, "runs") == 0  # explaining saves no run


def test_explain_filters_by_metric_and_period(engine: gyengine.Engine) -> None:
    """explain() narrows to the metric and period asked, and finds nothing for an unknown subject."""
    small_log(engine)
    assert [e.result.evaluator for e in engine.explain("b")] == ["latest", "summary", "totals"]
    assert [e.result.evaluator for e in engine.explain("b", "value", "2019-06")] == ["latest"]
    assert engine.explain("b", "value", "2019-05") == []
    assert engine.explain("nobody") == []


# -- business time and record time --------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (None, {"a": "3", "b": "3", "c": "4", "d": "5", "e": "6"}),
        ("2019-06-30", {"a": "1", "c": "4", "d": "5", "e": "6"}),
        (dt.date(2019, 6, 23), {"a": "1", "d": "5", "e": "6"}),
        ("2019-07-01", {"a": "3", "b": "3", "c": "4", "d": "5", "e": "6"}),
        ("2018-12-31", {"d": "5"}),
    ],
    ids=["all", "june", "before-W26", "july", "year-before"],
)
def test_as_of_leaves_out_later_periods(
    engine: gyengine.Engine, as_of: object, expected: dict[str, str]
) -> None:
    """``as_of`` leaves out facts about periods that start after the date; undated facts stay."""
    engine.append(
        [
            h.value("a", 1, occurred="2019-05"),
            h.value("a", 2, occurred="2019-07"),
            h.value("b", 3, occurred="2019-Q3"),
            h.value("c", 4, occurred="2019-W26"),
            h.value("d", 5, occurred=None),
            h.value("e", 6, occurred="2019"),
        ]
    )
    result = engine.replay(as_of=as_of)
    assert h.values_of(result, "totals") == expected
    assert result.seq_to == 6


def test_as_of_rejects_a_non_date(engine: gyengine.Engine) -> None:
    """An ``as_of`` that is not a date is a clear error."""
    with pytest.raises(ValueError, match="'June' is not a date"):
        engine.replay(as_of="June")


def test_known_at_sees_only_what_was_appended_by_then(db: Path) -> None:
    """``known_at`` replays the log as it stood: later reports, targets and corrections are unknown."""
    clock = h.StepClock(step=dt.timedelta(days=1))
    with h.open_engine(db, clock=clock) as engine:
        first = h.value("a", 1, id="a1")
        engine.append([first])  # 2019-07-01
        engine.append([h.target("a", "0.5", id="ta")])  # 2019-07-02: a definition event
        engine.append([h.correction(first, "0.1", id="a2")])  # 2019-07-03
        day1, day2, day3 = clock.issued

        def latest(known_at: object) -> list[tuple[str | None, str | None, str | None]]:
            result = engine.replay(known_at=known_at, save=False)
            return [
                (item["value"], item["target"], item["status"])
                for item in result.to_json()["results"]
                if item["evaluator"] == "latest"
            ]

        assert latest("2019-06-30") == []
        assert latest(day1) == [("1", None, None)]
        assert latest("2019-07-01") == [("1", None, None)]  # a date means the end of that day
        assert latest(dt.datetime(2019, 7, 2, 9, 30, tzinfo=dt.UTC)) == [("1", "0.5", "green")]
        assert latest(day2) == [("1", "0.5", "green")]
        assert latest(day3) == [("0.1", "0.5", "red")]
        assert latest(None) == [("0.1", "0.5", "red")]
        early = engine.replay(known_at=day2)
    assert early.seq_to == 2
    assert early.to_json()["options"]["known_at"] == day2
    run = sqlite_utils.Database(db)["runs"].get(early.run_id)
    assert (run["seq_to"], run["known_at"]) == (2, day2)


def test_known_at_gives_the_same_bytes_after_later_corrections(db: Path) -> None:
    """Re-running with ``known_at`` an issue time gives the same bytes after any later correction."""
    clock = h.StepClock()
    with h.open_engine(db, clock=clock) as engine:
        small_log(engine)
        issued = clock.issued[-1]
        before = h.result_bytes(engine.replay(known_at=issued))
        engine.append([h.retraction("b2"), h.correction(h.target("a", 2, id="ta"), 1)])
        engine.append([h.value("c", 3)])
        after = h.result_bytes(engine.replay(known_at=issued))
        now = h.result_bytes(engine.replay())
    assert after == before
    assert now != before


# -- upcasters ----------------------------------------------------------------


def test_upcasters_are_applied_on_read(db: Path) -> None:
    """Rows of an old schema are upcast when read; the stored rows are never rewritten."""
    old = h.make_plugin("meter", version="1", event_types=[h.ReadingTakenV1])
    with h.open_engine(db, [old]) as engine:
        engine.append(
            [
                gyengine.NewEvent(
                    type="ReadingTaken", stream="m/a", data={"subject": "a", "reading": "8.5 %"}
                )
            ]
        )
        stored_before = list(engine.store.read())
    new = h.make_plugin(
        "meter",
        version="2",
        event_types=[h.ReadingTaken],
        evaluators=[h.readings],
        upcasters=[("ReadingTaken", 1, h.upcast_reading_v1_v2)],
    )
    with h.open_engine(db, [new]) as engine:
        engine.append(
            [
                gyengine.NewEvent(
                    type="ReadingTaken", stream="m/b", data=h.ReadingTaken("b", Decimal(3), "亿元")
                )
            ]
        )
        result = engine.replay()
        events = list(engine.events())
        stored_after = list(engine.store.read())
    readings = {item.record.subject: item.record for item in result.records}
    assert (readings["a"].value, readings["a"].unit) == (Decimal("8.5"), "%")
    assert (readings["b"].value, readings["b"].unit) == (Decimal(3), "亿元")
    assert events[0].data == h.ReadingTaken("a", Decimal("8.5"), "%")
    assert events[0].schema == 1
    assert stored_after[0] == stored_before[0]
    assert [row.schema for row in stored_after] == [1, 2]


def test_missing_upcaster_is_a_clear_error(db: Path) -> None:
    """Replaying an old row without an upcaster to the current schema names the seq and type."""
    with h.open_engine(db, [h.make_plugin("meter", event_types=[h.ReadingTakenV1])]) as engine:
        engine.append(
            [
                gyengine.NewEvent(
                    type="ReadingTaken", stream="m", data={"subject": "a", "reading": "1 %"}
                )
            ]
        )
    plugin = h.make_plugin("meter", event_types=[h.ReadingTaken], evaluators=[h.readings])
    with h.open_engine(db, [plugin]) as engine, pytest.raises(GyengineError) as caught:
        engine.replay()
    assert "seq 1 (ReadingTaken) cannot be decoded" in str(caught.value)
    assert "no upcaster from schema 1" in str(caught.value)


# -- evaluators that raise ----------------------------------------------------


def test_fold_error_names_plugin_evaluator_seq_and_type(db: Path) -> None:
    """An evaluator raising in fold stops the run with an error naming plugin, evaluator, seq, type."""
    plugin = h.make_plugin("fragile_plugin", evaluators=[h.failing_evaluator("fold")])
    with h.open_engine(db, [h.this_module(), plugin]) as engine:
        engine.append([h.value("a", 1), h.target("a", 1)])
        first = engine.replay()
        runs, checkpoints = h.count_rows(db, "runs"), h.count_rows(db, "checkpoints")
        engine.append([h.value("c", 1), h.value("boom", 2), h.value("d", 3)])
        with pytest.raises(EvaluatorError) as caught:
            engine.replay()
    error = caught.value
    assert (error.plugin, error.evaluator, error.seq, error.event_type) == (
        "fragile_plugin",
        "fragile",
        4,
        "ValueReported",
    )
    assert str(error) == (
        "evaluator 'fragile' of plugin fragile_plugin failed at seq 4 (ValueReported): "
        "ValueError: cannot fold a report about boom"
    )
    assert isinstance(error.cause, ValueError)
    assert (h.count_rows(db, "runs"), h.count_rows(db, "checkpoints")) == (runs, checkpoints)
    assert h.count_rows(db, "results") == len(first.records) > 0


def test_results_error_names_plugin_and_evaluator(db: Path) -> None:
    """An evaluator raising in results stops the run with no seq named and nothing saved."""
    plugin = h.make_plugin("fragile_plugin", evaluators=[h.failing_evaluator("results")])
    with h.open_engine(db, [h.this_module(), plugin]) as engine:
        engine.append([h.value("a", 1)])
        with pytest.raises(EvaluatorError) as caught:
            engine.replay()
    error = caught.value
    assert (error.plugin, error.evaluator, error.seq, error.event_type) == (
        "fragile_plugin",
        "fragile",
        None,
        None,
    )
    assert "failed while computing its results: RuntimeError: cannot compute" in str(error)
    for table in ("runs", "results", "evidence", "checkpoints"):
        assert h.count_rows(db, table) == 0, table


@pytest.mark.parametrize(
    ("produced", "message"),
    [
        ([{"subject": "x"}], "results() yielded dict, not Score or Finding"),
        (
            [Finding(kind="warn", subject="x", rule="r", period="all", rationale="", evidence=[9])],
            "evidence seq 9 is outside the log read (1..1)",
        ),
    ],
    ids=["not-a-record", "evidence-outside-log"],
)
def test_bad_records_are_evaluator_errors(db: Path, produced: list[object], message: str) -> None:
    """A record that is not a Score or Finding, or cites a seq beyond the log, is refused."""
    plugin = h.make_plugin("odd", evaluators=[h.results_only("odd", lambda c: produced)])
    with h.open_engine(db, [h.this_module(), plugin]) as engine:
        engine.append([h.value("a", 1)])
        with pytest.raises(EvaluatorError) as caught:
            engine.replay()
    assert caught.value.evaluator == "odd"
    assert message in str(caught.value)
    assert h.count_rows(db, "runs") == 0


# -- a tampered log -----------------------------------------------------------


def test_tampered_log_is_refused(engine: gyengine.Engine, db: Path) -> None:
    """A row changed with plain sqlite3 makes replay refuse the log, naming the seq."""
    small_log(engine)
    changed = h.execute(
        db, "UPDATE events SET data = ? WHERE seq = 4", ['{"subject":"b","value":"400"}']
    )
    assert changed == 1
    with pytest.raises(BrokenChain) as caught:
        engine.replay()
    assert caught.value.problem.seq == 4
    assert str(caught.value).startswith("the log fails verification at seq 4: hash:")
    assert h.count_rows(db, "runs") == 0


def test_tampered_log_with_allow_broken_chain(engine: gyengine.Engine, db: Path) -> None:
    """With allow_broken_chain the replay goes on and its JSON and saved run say the chain broke."""
    small_log(engine)
    h.execute(db, "DELETE FROM events WHERE seq = 3")
    result = engine.replay(allow_broken_chain=True)
    log = result.to_json()["log"]
    assert log["chain_ok"] is False
    assert log["chain_problem"].startswith("seq 3: gap")
    assert result.to_json()["options"]["allow_broken_chain"] is True
    run = sqlite_utils.Database(db)["runs"].get(result.run_id)
    assert (run["chain_ok"], run["allow_broken_chain"]) == (0, 1)
    assert run["chain_problem"].startswith("seq 3: gap")
    assert h.count_rows(db, "checkpoints") == 0  # no shortcut is kept from a broken log


def test_tampered_row_before_a_checkpoint_is_refused(engine: gyengine.Engine, db: Path) -> None:
    """A row tampered with behind a checkpoint is refused by a full or verify_all replay, not by a resumed one."""
    small_log(engine)
    before = engine.replay()  # saves checkpoints at seq 6
    engine.append([h.value("c", 1)])
    h.execute(db, "UPDATE events SET actor = 'someone else' WHERE seq = 2")
    with pytest.raises(BrokenChain) as caught:
        engine.replay(verify_all=True)
    assert caught.value.problem.seq == 2
    with pytest.raises(BrokenChain):
        engine.replay(checkpoints=False)
    # A resumed replay reads only seq 7: its state was folded from the rows as
    # they were, so the change does not reach the answer (gyengine verify finds it).
    resumed = engine.replay()
    assert resumed.resumed
    assert resumed.events_read == 1
    assert resumed.to_json()["results"] != before.to_json()["results"]  # seq 7 counted


# -- saved runs ---------------------------------------------------------------


def test_saved_run_tables(engine: gyengine.Engine, db: Path) -> None:
    """A saved run lands in runs, results and evidence with plugins, options, seq range and head."""
    small_log(engine)
    result = engine.replay(options={"unit": "%"}, as_of="2019-06-30")
    database = sqlite_utils.Database(db)
    (run,) = database["runs"].rows
    assert run["id"] == result.run_id
    assert (run["seq_from"], run["seq_to"]) == (1, 6)
    assert run["head_hash"] == engine.store.head().hash == result.head_hash
    assert run["as_of"] == "2019-06-30"
    assert run["chain_ok"] == 1
    assert json.loads(run["options"]) == result.to_json()["options"]
    assert json.loads(run["options"])["options"] == {"unit": "%"}
    plugins = {p["name"]: p["version"] for p in json.loads(run["plugins"])}
    assert plugins["replay_helpers"] == "1.0"
    assert "gyengine.builtin" in plugins
    evaluators = json.loads(run["evaluators"])
    assert {e["name"]: e["version"] for e in evaluators} == {
        "by_type": "1",
        "counter": "1",
        "latest": "1",
        "summary": "1",
        "totals": "1",
    }
    assert run["result_count"] == len(result.records)
    rows = list(database["results"].rows_where("run_id = ?", [run["id"]], order_by="n"))
    assert [(r["evaluator"], r["subject"], r["metric"], r["value"]) for r in rows] == [
        (i.evaluator, i.record.subject, i.to_row()["metric"], i.to_row()["value"])
        for i in result.records
    ]
    assert {r["unit"] for r in rows if r["evaluator"] == "latest"} == {"%"}
    evidence: dict[int, list[int]] = {}
    for row in database["evidence"].rows_where("run_id = ?", [run["id"]], order_by="n, seq"):
        evidence.setdefault(row["n"], []).append(row["seq"])
    assert [evidence.get(n, []) for n in range(1, len(rows) + 1)] == [
        list(item.record.evidence) for item in result.records
    ]
    finding = next(r for r in rows if r["record_type"] == "finding")
    assert (finding["kind"], finding["rule"], finding["subject"]) == ("warn", "below-target", "b")


def test_every_run_is_saved(engine: gyengine.Engine, db: Path) -> None:
    """Each saved replay adds one run with its own id; the earlier runs stay."""
    small_log(engine)
    first = engine.replay()
    engine.append([h.value("c", 1)])
    second = engine.replay()
    assert second.run_id == first.run_id + 1
    runs = list(sqlite_utils.Database(db)["runs"].rows)
    assert [r["seq_to"] for r in runs] == [6, 7]


def test_save_false_saves_nothing(engine: gyengine.Engine, db: Path) -> None:
    """``save=False`` adds no run, result or evidence row, and gives no run id."""
    small_log(engine)
    result = engine.replay(save=False, checkpoints=False)
    assert result.run_id is None
    for table in ("runs", "results", "evidence", "checkpoints"):
        assert h.count_rows(db, table) == 0, table
    engine.replay()
    result = engine.replay(save=False)
    assert result.records
    assert h.count_rows(db, "runs") == 1


def test_library_end_to_end(tmp_path: Path) -> None:
    """From Python: open a log, append, replay, find and explain, reopen and get the same bytes."""
    path = tmp_path / "county.db"
    with gyengine.open(path, create=True, entry_points=False, plugins=[h.this_module()]) as engine:
        report = h.value("甲", "8.7", id="r1", occurred="2019-06")
        appended = engine.append([report, h.target("甲", 9, id="t1")])
        assert [seq for seq, _ in appended.appended] == [1, 2]
        engine.append([h.correction(report, "9.2", id="r2")])
        result = engine.replay(as_of="2019-06-30")
        (score,) = result.find("甲", "value")
        assert score.record.status == "green"
        assert score.record.rationale == "latest report seq 3: 9.2 against target 9 (seq 2)"
        (explanation,) = engine.explain("甲", "value", as_of="2019-06-30")
        assert [e.superseded_by for e in explanation.evidence] == [3, None, None]
        assert [e.data.subject for e in engine.events(stream="subject/甲")] == ["甲", "甲"]
        first = h.result_bytes(result)
    with gyengine.open(path, entry_points=False, plugins=[h.this_module()]) as engine:
        assert h.result_bytes(engine.replay(as_of="2019-06-30", checkpoints=False)) == first
    with pytest.raises(gyengine.errors.DatabaseNotFound):
        gyengine.open(tmp_path / "missing.db")


def test_bad_plugin_fails_when_the_engine_needs_it(db: Path) -> None:
    """A plugin registering something that is not an Evaluator fails replay naming the plugin."""
    plugin = h.make_plugin("junk", evaluators=["counter"])  # type: ignore[list-item]
    with h.open_engine(db, [plugin]) as engine, pytest.raises(PluginError) as caught:
        engine.replay()
    assert caught.value.plugin == "junk"
    assert "returned str, not Evaluator" in str(caught.value)


# -- determinism --------------------------------------------------------------


def test_replaying_twice_gives_the_same_bytes(engine: gyengine.Engine) -> None:
    """Replaying again, resumed from checkpoints or in full, gives byte-identical JSON."""
    small_log(engine)
    first = engine.replay()
    second = engine.replay()
    third = engine.replay(checkpoints=False)
    assert second.resumed  # the second replay did use its checkpoints
    assert not third.resumed
    assert h.result_bytes(first) == h.result_bytes(second) == h.result_bytes(third)


def test_a_copy_of_the_database_replays_the_same(db: Path, tmp_path: Path) -> None:
    """A byte copy of the database file replays to byte-identical JSON."""
    with h.open_engine(db) as engine:
        small_log(engine)
        original = h.result_bytes(engine.replay(as_of="2019-06-30", options={"unit": "%"}))
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    with h.open_engine(copy, create=False) as engine:
        copied = engine.replay(as_of="2019-06-30", options={"unit": "%"}, checkpoints=False)
    assert h.result_bytes(copied) == original


def test_plugin_registration_order_does_not_matter(tmp_path: Path) -> None:
    """Registering the plugins in another order gives byte-identical JSON."""
    outputs = []
    for number, order in enumerate([(0, 1), (1, 0)]):
        plugins = h.split_plugins()
        with h.open_engine(tmp_path / f"{number}.db", [plugins[i] for i in order]) as engine:
            small_log(engine)
            outputs.append(h.result_bytes(engine.replay()))
    assert outputs[0] == outputs[1]
    data = json.loads(outputs[0])
    assert [p["name"] for p in data["plugins"]] == ["core", "extras", "gyengine.builtin"]
    assert {e["name"]: e["plugin"] for e in data["evaluators"]}["summary"] == "extras"


@settings(max_examples=30, deadline=None)
@given(
    events=h.event_logs(max_events=12),
    sizes=st.lists(st.integers(1, 4), max_size=6),
    cut=st.integers(0, 8),
    offset=st.sampled_from([dt.timedelta(0), dt.timedelta(minutes=30)]),
    as_of=st.sampled_from(h.AS_OF_DATES),
)
def test_known_at_equals_a_truncated_log(
    events: list[gyengine.NewEvent],
    sizes: list[int],
    cut: int,
    offset: dt.timedelta,
    as_of: dt.date | None,
) -> None:
    """Replaying with known_at T equals replaying a copy of the log cut after the last seq known at T."""
    batches = h.split(events, sizes)
    clock = h.StepClock()
    with tempfile.TemporaryDirectory() as directory:
        path, copy = Path(directory) / "log.db", Path(directory) / "cut.db"
        with h.open_engine(path, clock=clock) as engine:
            h.append_batches(engine, batches)
            known_at = h.timestamp(h.START + (cut - 1) * clock.step + offset)
            bound = engine.store.seq_at(known_at)
            expected_bound = sum(len(b) for b in batches[:cut])
            assert bound == expected_bound
            known = engine.replay(known_at=known_at, as_of=as_of)
        shutil.copy(path, copy)
        conn = sqlite3.connect(copy)
        with conn:
            conn.execute("DELETE FROM events WHERE seq > ?", (bound,))
        conn.close()
        with h.open_engine(copy, create=False) as engine:
            assert engine.store.verify().ok
            truncated = engine.replay(as_of=as_of, checkpoints=False, save=False)
    left, right = known.to_json(), truncated.to_json()
    assert left["options"].pop("known_at") == known_at
    assert right["options"].pop("known_at") is None
    assert left == right
    assert known.seq_to == bound


def test_first_recorded_follows_a_chain_of_corrections(tmp_path: Path) -> None:
    """context.first_recorded gives a correction the record time of the first version it replaces."""
    import attrs as _attrs

    @_attrs.frozen
    class Noted:
        """A note was taken."""

        text: str

    @_attrs.define
    class Seen:
        firsts: dict[str, str] = _attrs.Factory(dict)

    def fold(state: Seen, event: gyengine.Event, context: gyengine.ReplayContext) -> Seen:
        state.firsts[event.data.text] = context.first_recorded(event)
        return state

    def results(state: Seen, context: gyengine.ReplayContext):
        for text, first in sorted(state.firsts.items()):
            yield Score(subject=text, metric="first", period="all", value=first)

    class Plugin:
        __name__ = "firsts"

        @gyengine.hookimpl
        def register_event_types(self) -> list[type]:
            return [Noted]

        @gyengine.hookimpl
        def register_evaluators(self) -> list[gyengine.Evaluator]:
            return [
                gyengine.Evaluator(
                    name="firsts",
                    version="1",
                    consumes=["Noted"],
                    state_type=Seen,
                    fold=fold,
                    results=results,
                )
            ]

    times = iter(
        [
            "2019-01-01T00:00:00.000000Z",
            "2019-02-01T00:00:00.000000Z",
            "2019-03-01T00:00:00.000000Z",
            "2019-04-01T00:00:00.000000Z",
        ]
    )
    store = gyengine.SQLiteEventStore(tmp_path / "f.db", create=True, clock=lambda: next(times))
    engine = gyengine.Engine(
        store, gyengine.get_plugin_manager(entry_points=False, plugins=[Plugin()])
    )
    note = gyengine.NewEvent
    engine.append([note(type="Noted", stream="s", id="a", data={"text": "v1"})])
    engine.append([note(type="Noted", stream="s", id="b", supersedes="a", data={"text": "v2"})])
    engine.append([note(type="Noted", stream="s", id="c", supersedes="b", data={"text": "v3"})])
    engine.append([note(type="Noted", stream="t", id="d", data={"text": "other"})])
    firsts = {item.record.subject: item.record.value for item in engine.replay(save=False).records}
    assert firsts == {"v3": "2019-01-01T00:00:00.000000Z", "other": "2019-04-01T00:00:00.000000Z"}
    engine.close()
