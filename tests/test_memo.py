"""Results memos: a replay at a sealed checkpoint reads the results it made there before,
exactly, and a memo that cannot be trusted or read is never used (issue #15)."""

from __future__ import annotations

import os
import pickle
import shutil
import sys
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import gyengine
import strategies as gs
from gyengine.cli import cli
from gyengine.evaluation import Evaluator, Finding, Score
from gyengine.memo import _folder_stamp, memo_body, memo_context, memo_records

EVALUATORS = {
    "bank_rules",
    "banks",
    "indicators",
    "projects",
    "quarterly",
    "report_header",
    "rules",
    "supervision",
    "timeliness",
}


def exact(value: Any) -> Any:
    """``value`` with every type and every Decimal's exponent spelled out, for comparing."""
    if isinstance(value, (Score, Finding)):
        fields = {f.name: exact(getattr(value, f.name)) for f in attrs.fields(type(value))}
        return (type(value).__name__, fields)
    if isinstance(value, Decimal):
        return ("Decimal", value.as_tuple())
    if isinstance(value, dict):
        return ("dict", [(type(k).__name__, k, exact(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [exact(v) for v in value])
    return (type(value).__name__, value)


texts = st.text(max_size=12)
figures = st.none() | gs.decimals() | texts
json_leaves = st.none() | st.booleans() | gs.safe_integers | gs.decimals() | texts
json_values = st.recursive(
    json_leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=12,
)
evidence = st.lists(st.integers(1, 10**9), max_size=6)
points = st.none() | gs.decimals()
scores = st.builds(
    Score,
    subject=texts,
    metric=texts,
    period=texts,
    label=st.none() | texts,
    value=figures,
    target=figures,
    expected=figures,
    status=st.none() | st.sampled_from(["green", "red", "pending"]),
    points=points,
    unit=st.none() | texts,
    rationale=texts,
    evidence=evidence,
    details=st.dictionaries(texts, json_values, max_size=4),
)
findings = st.builds(
    Finding,
    kind=st.sampled_from(["commend", "warn", "accountable"]),
    subject=texts,
    rule=texts,
    period=texts,
    rationale=texts,
    label=st.none() | texts,
    evidence=evidence,
    points=points,
    parameters=st.dictionaries(texts, json_values, max_size=4),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(scores | findings, max_size=12))
def test_a_memo_gives_back_every_record_exactly(records: list[Score | Finding]) -> None:
    """Types, texts, Decimals with their exponents (2E+2 is not 200), JSON values and the
    order all come back as they went in."""
    body = memo_body(records)
    assert body is not None
    back = memo_records(body)
    assert [exact(r) for r in back] == [exact(r) for r in records]
    assert list(back) == records


def test_a_record_holding_another_type_is_not_memoised() -> None:
    """A text of a str subclass would come back as a plain text: such records get no memo."""

    class Code(str):
        pass

    assert memo_body([Score(subject=Code("P07"), metric="m", period="2019")]) is None
    assert memo_body([Score(subject="P07", metric="m", period="2019")]) is not None


class _Payload:
    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, ("touch should-not-exist",))


def test_a_body_naming_any_other_class_is_refused_unrun(tmp_path: Path) -> None:
    """Even a body sealed under a stolen key cannot run code: only Decimal may be built."""
    os.chdir(tmp_path)
    body = zlib.compress(pickle.dumps(("s", {"score": [_Payload()], "finding": []})))
    with pytest.raises(ValueError, match=r"posix\.system is not allowed in a memo"):
        memo_records(body)
    assert not (tmp_path / "should-not-exist").exists()
    with pytest.raises(ValueError, match="unreadable memo"):
        memo_records(b"not zlib at all")


def _evaluator_in(folder: Path, name: str) -> Evaluator:
    """An evaluator whose fold and results live in a module file of ``folder``."""
    folder.mkdir(exist_ok=True)
    source = folder / f"{name}.py"
    source.write_text(
        "def fold(state, event, context):\n    return state\n\n"
        "def results(state, context):\n    return []\n"
    )
    sys.path.insert(0, str(folder))
    try:
        module = __import__(name)
    finally:
        sys.path.remove(str(folder))
    return Evaluator(
        name=name,
        version="1",
        consumes={"*"},
        state_type=int,
        fold=module.fold,
        results=module.results,
        initial=lambda context: 0,
    )


def test_the_context_changes_with_what_the_results_depend_on(tmp_path: Path) -> None:
    """known_at, a required evaluator's configuration, and the evaluator's source files."""
    evaluator = _evaluator_in(tmp_path / "plug", "memo_probe_plugin")
    keys = {"memo_probe_plugin": "k1", "other": "k2"}
    base = memo_context(evaluator, None, keys, [])
    assert memo_context(evaluator, None, keys, []) == base
    assert memo_context(evaluator, "2019-07-01T00:00:00.000000Z", keys, []) != base
    with_other = memo_context(evaluator, None, keys, ["other"])
    assert with_other != base
    assert memo_context(evaluator, None, {**keys, "other": "k3"}, ["other"]) != with_other
    source = tmp_path / "plug" / "memo_probe_plugin.py"
    source.write_text(source.read_text() + "# edited, its version unchanged\n")
    _folder_stamp.cache_clear()
    try:
        assert memo_context(evaluator, None, keys, []) != base
    finally:
        _folder_stamp.cache_clear()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("memo") / "demo.db"
    result = CliRunner().invoke(cli, ["demo", "init", "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def copy(demo: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    shutil.copy(demo, path)
    return path


def test_a_second_replay_reads_every_result_from_memos(copy: Path) -> None:
    with gyengine.open(copy) as engine:
        full = engine.replay(save=False, checkpoints=False)
        first = engine.replay(save=False)
        second = engine.replay(save=False)
        assert engine.store.runs().memo_count() == len(EVALUATORS)
    assert first.memoised == ()
    assert set(second.memoised) == EVALUATORS
    assert second.to_json() == first.to_json() == full.to_json()
    assert [exact(r.record) for r in second.records] == [exact(r.record) for r in full.records]
    assert second.verification_json()["results_memos"] == sorted(EVALUATORS)


def test_known_at_and_a_subset_of_evaluators(copy: Path) -> None:
    """A replay as known at an earlier time has memos of its own; --evaluator reads the
    memos of the evaluators it runs, with the answer of a full replay of them."""
    with gyengine.open(copy) as engine:
        moment = engine.store.at(900).recorded  # type: ignore[union-attr]
        for _ in range(2):
            engine.replay(save=False)
            engine.replay(save=False, known_at=moment)
        again = engine.replay(save=False, known_at=moment)
        assert set(again.memoised) == EVALUATORS
        assert (
            again.to_json()
            == engine.replay(known_at=moment, checkpoints=False, save=False).to_json()
        )
        subset = engine.replay(save=False, evaluators=["indicators"])
        expected = engine.replay(save=False, evaluators=["indicators"], checkpoints=False)
    assert set(subset.memoised) == {"indicators"}
    assert subset.to_json() == expected.to_json()


def test_a_bulletin_from_memos_is_byte_identical(copy: Path) -> None:
    """The monthly HTML bulletin and the explanation of one figure, made from states and
    then from memos, are the same bytes."""
    runner = CliRunner()
    commands = (
        ["report", "monthly", "--period", "2019-06", "--format", "html", "--db", str(copy)],
        ["explain", "P07", "--metric", "investment", "--period", "2019-W23", "--db", str(copy)],
    )
    for args in commands:
        made = runner.invoke(cli, args)
        read = runner.invoke(cli, args)
        assert made.exit_code == read.exit_code == 0, made.output
        assert read.stdout == made.stdout
        assert "P07" in made.stdout or "<html" in made.stdout
    with gyengine.open(copy) as engine:
        assert engine.store.runs().memo_count() > len(EVALUATORS)  # June's and the head's


def test_verify_counts_the_memos(copy: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["replay", "--db", str(copy), "--format", "json"]).exit_code == 0
    result = runner.invoke(cli, ["verify", "--db", str(copy)])
    assert result.exit_code == 0, result.output
    assert "1 saved runs, 9 checkpoints and 9 results memos sealed" in result.stdout


def test_no_checkpoints_means_no_memos(copy: Path) -> None:
    with gyengine.open(copy) as engine:
        engine.replay(save=False, checkpoints=False)
        assert engine.store.runs().memo_count() == 0
