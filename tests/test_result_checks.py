"""Plugin results are checked when made: finite figures, text details, declared statuses and kinds."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import replay_helpers as h
import strategies
from gyengine import Evaluator, Finding, Score
from gyengine.errors import EvaluatorError
from gyengine.evaluation import FINDING_KINDS, STATUSES, _named, _plain, _walked, check_record
from gyengine.replay import ResultRecord, _full_key, _head_key, _sort_records

NOT_FINITE = ["NaN", "sNaN", "-NaN", "Infinity", "-Infinity"]


def score(**fields: Any) -> Score:
    return Score(**{"subject": "a", "metric": "m", "period": "2019-06", **fields})


def finding(**fields: Any) -> Finding:
    base = {"kind": "warn", "subject": "a", "rule": "r", "period": "2019-06", "rationale": ""}
    return Finding(**{**base, **fields})


# -- figures ----------------------------------------------------------------------


@pytest.mark.parametrize("text", NOT_FINITE)
@pytest.mark.parametrize(
    ("make", "field"),
    [
        (score, "value"),
        (score, "target"),
        (score, "expected"),
        (score, "points"),
        (finding, "points"),
    ],
    ids=["Score.value", "Score.target", "Score.expected", "Score.points", "Finding.points"],
)
def test_a_figure_that_is_not_finite_is_refused(make: Any, field: str, text: str) -> None:
    """NaN, sNaN and the infinities are refused on construction, naming the class and field."""
    owner = "Score" if make is score else "Finding"
    with pytest.raises(ValueError, match="is not a finite number") as caught:
        make(**{field: Decimal(text)})
    assert str(caught.value) == f"{owner}.{field}: {text} is not a finite number"


@pytest.mark.parametrize("field", ["value", "target", "expected", "points"])
def test_finite_figures_and_ints_are_kept(field: str) -> None:
    """A finite Decimal is kept as given; an int becomes the Decimal of it."""
    assert getattr(score(**{field: Decimal("-1.50")}), field) == Decimal("-1.50")
    kept = getattr(score(**{field: 3}), field)
    assert (type(kept), kept) == (Decimal, Decimal(3))


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"value": 0.5}, TypeError, "Score.value: 0.5 is a binary float; use Decimal"),
        ({"target": float("nan")}, TypeError, "Score.target: nan is a binary float; use Decimal"),
        ({"expected": True}, TypeError, "Score.expected: a boolean is not a figure"),
        ({"value": [1]}, TypeError, "Score.value: give a Decimal, a text or None, not list"),
        ({"points": "NaN"}, TypeError, "Score.points: give a Decimal or None, not str"),
    ],
    ids=["float", "float-nan", "bool", "list", "points-as-text"],
)
def test_a_figure_of_the_wrong_type_is_refused(
    fields: dict[str, Any], error: type[Exception], message: str
) -> None:
    """Floats, booleans and other types are refused naming the field; points cannot be text."""
    with pytest.raises(error) as caught:
        score(**fields)
    assert str(caught.value) == message


def test_value_target_and_expected_may_be_text() -> None:
    """A state such as ``late`` is a text value, not a number, so it is kept."""
    record = score(value="late", target="on time", expected="NaN")
    assert (record.value, record.target, record.expected) == ("late", "on time", "NaN")


# -- details and parameters ----------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "field", "where"),
    [(score, "details", "Score.details"), (finding, "parameters", "Finding.parameters")],
    ids=["details", "parameters"],
)
@pytest.mark.parametrize(
    ("given", "error", "message"),
    [
        ({"best": Decimal("Infinity")}, ValueError, "['best']: Infinity is not a finite number"),
        ({"share": float("nan")}, TypeError, "['share']: nan is a binary float; use Decimal"),
        ({"share": 0.5}, TypeError, "['share']: 0.5 is a binary float; use Decimal"),
        ({"due": dt.date(2019, 6, 7)}, TypeError, "['due']: date is not a JSON value"),
        ({"ids": ["P01", {"n": 2**53}]}, ValueError, "['ids'][1]['n']: 9007199254740992 is"),
        ({7: "x"}, TypeError, ": the name 7 is not a text"),
        ({"who": "\ud800"}, ValueError, "['who']: '\\ud800' has no UTF-8 form (a lone surrogate)"),
        ({"\udfff": "x"}, ValueError, "['\\udfff']: '\\udfff' has no UTF-8 form"),
        (["best", "1"], TypeError, ": give a mapping of names to values, not list"),
    ],
    ids=[
        "decimal-infinity",
        "float-nan",
        "float",
        "date",
        "huge-int-deep",
        "int-name",
        "surrogate-value",
        "surrogate-key",
        "not-a-mapping",
    ],
)
def test_named_inputs_that_json_cannot_hold_are_refused(
    make: Any, field: str, where: str, given: Any, error: type[Exception], message: str
) -> None:
    """Details and parameters are JSON values: anything JSON cannot hold exactly is refused."""
    with pytest.raises(error) as caught:
        make(**{field: given})
    assert str(caught.value).startswith(where + message)


def test_named_inputs_are_sorted_json_values() -> None:
    """JSON values are kept as they are (a tuple as a list), sorted by name at every level."""
    record = score(
        details={
            "weight": Decimal("15.50"),
            "n": 3,
            "ids": ("P01", "P02"),
            "note": "迟报",
            "by": {"z": True, "a": None},
        }
    )
    assert list(record.details.items()) == [
        ("by", {"a": None, "z": True}),
        ("ids", ["P01", "P02"]),
        ("n", 3),
        ("note", "迟报"),
        ("weight", Decimal("15.50")),
    ]
    assert list(record.details["by"]) == ["a", "z"]  # type: ignore[arg-type]


def test_named_inputs_are_written_as_json_with_exact_decimals() -> None:
    """A Decimal is written as its exact decimal text (as a score's value is), the rest as
    JSON, so that canonical JSON and a saved run hold exactly the figure given."""
    record = score(details={"weight": Decimal("1E+2"), "parts": [Decimal("0.10"), 2, "x"]})
    item = ResultRecord("e", "1", "p", record)
    assert item.to_json()["details"] == {"parts": ["0.10", 2, "x"], "weight": "100"}
    assert item.to_row()["details"] == '{"parts": ["0.10", 2, "x"], "weight": "100"}'


def test_a_text_detail_is_stored_as_before() -> None:
    """Texts are stored exactly as when details were all text, so old runs read the same."""
    record = score(details={"banks": "A,B", "rank": "3"})
    row = ResultRecord("e", "1", "p", record).to_row()
    assert row["details"] == '{"banks": "A,B", "rank": "3"}'


def _shape(value: Any) -> Any:
    """A value with every type spelled out: two shapes are equal only when the values have
    the same types, keys in the same order, and the same texts and numbers."""
    if isinstance(value, dict):
        return (type(value), [(type(k), k, _shape(item)) for k, item in value.items()])
    if isinstance(value, list):
        return (type(value), [_shape(item) for item in value])
    if isinstance(value, Decimal):
        return (type(value), value.as_tuple())
    return (type(value), value)


def _outcome(convert: Any, value: Any) -> Any:
    """What a converter gives: the value's shape, or the error's type and message."""
    try:
        return ("value", _shape(convert(value, "Score.details")))
    except Exception as error:
        return ("error", type(error), str(error))


@settings(max_examples=400)
@given(strategies.odd_named_inputs)
def test_the_fast_pass_gives_what_the_reference_walk_gives(value: Any) -> None:
    """Named inputs of every sort (nested, str subclasses, lone surrogates, floats, NaN,
    huge integers, Decimals of every exponent, keys that are no text): the converter
    gives the reference walk's value, types and key order, or its error and message."""
    assert _outcome(_named, value) == _outcome(_walked, value)


@given(strategies.common_named_inputs)
def test_common_named_inputs_take_the_fast_pass(value: dict[str, Any]) -> None:
    """Details as the standard plugins give them are converted without the walk, to
    exactly what the walk gives."""
    made = _plain(value)
    assert made is not None
    assert _shape(made) == _shape(_walked(value, "Score.details"))


def test_the_fast_pass_copies_what_it_is_given() -> None:
    """A record keeps its own lists and dicts: changing the caller's afterwards changes nothing."""
    ids, by = ["P01"], {"a": [1]}
    record = score(details={"ids": ids, "by": by, "t": ("x",)})
    ids.append("P02")
    by["a"].append(2)
    by["b"] = []
    assert record.details == {"by": {"a": [1]}, "ids": ["P01"], "t": ["x"]}


@given(
    details=strategies.common_named_inputs,
    value=st.none() | strategies.decimals() | strategies.json_text,
    points=st.none() | strategies.any_decimals.filter(lambda value: value.is_finite()),
)
def test_a_row_is_made_as_from_the_records_json(
    details: dict[str, Any], value: Any, points: Decimal | None
) -> None:
    """``to_row`` writes figures and details as it did from ``to_json``: a Decimal as its
    decimal text, details as ``json.dumps(..., ensure_ascii=False, sort_keys=True)``."""
    for record in (
        score(value=value, target=points, expected=value, points=points, details=details),
        finding(points=points, parameters=details),
    ):
        item = ResultRecord("e", "1", "p", record)
        text, row = item.to_json(), item.to_row()
        named = text["details"] if isinstance(record, Score) else text["parameters"]
        assert row["details"] == json.dumps(named, ensure_ascii=False, sort_keys=True)
        for column in ("value", "target", "expected", "points"):
            assert row[column] == text.get(column)


_few = st.sampled_from(["a", "b"])
_records = st.one_of(
    st.builds(
        score,
        subject=_few,
        metric=_few,
        period=_few,
        value=st.none() | st.sampled_from([Decimal("1.5"), Decimal("2"), "late"]),
        details=st.dictionaries(_few, st.integers(0, 2), max_size=1),
    ),
    st.builds(
        finding,
        kind=st.sampled_from(["warn", "commend"]),
        subject=_few,
        rule=_few,
        period=_few,
        rationale=_few,
    ),
)


@given(st.lists(st.tuples(_few, _records), max_size=30))
def test_records_sort_as_by_their_keys_then_their_canonical_json(
    made: list[tuple[str, Score | Finding]],
) -> None:
    """Records sort by evaluator, type, subject, metric or rule, period (and kind), then,
    where those tie, by their canonical JSON: the order one key of all of them gives."""
    items = [ResultRecord(evaluator, "1", "p", record) for evaluator, record in made]
    expected = sorted(items, key=lambda item: (_head_key(item), _full_key(item)))
    assert _sort_records(items) == expected


# -- the vocabulary --------------------------------------------------------------------


def test_the_base_vocabulary_is_what_the_standard_plugins_use() -> None:
    """The engine's one list of statuses and finding kinds."""
    assert set(STATUSES) == {"green", "watch", "yellow", "red", "pending", "top", "bottom"}
    assert set(FINDING_KINDS) == {"commend", "warn", "supervise", "accountable", "deduct", "veto"}


def test_check_record_accepts_the_base_and_the_declared() -> None:
    """None and every base status pass; an extra status or kind passes only when declared."""
    for status in (None, *STATUSES):
        check_record(score(status=status))
    for kind in FINDING_KINDS:
        check_record(finding(kind=kind))
    check_record(score(status="amber"), statuses={"amber"})
    check_record(finding(kind="notice"), kinds={"notice"})
    with pytest.raises(ValueError, match="unknown status 'amber'"):
        check_record(score(status="amber"), kinds={"amber"})
    with pytest.raises(ValueError, match="unknown kind 'notice'"):
        check_record(finding(kind="notice"), statuses={"notice"})


def test_check_record_message_names_the_record_and_the_fix() -> None:
    """The message says which record, what is unknown, what is known and where to declare it."""
    with pytest.raises(ValueError, match="unknown status") as caught:
        check_record(score(status="weird"), statuses={"amber"})
    assert str(caught.value) == (
        "score a m 2019-06: unknown status 'weird' (known: amber, bottom, green, pending, red, "
        "top, watch, yellow); declare it in the evaluator's `statuses`"
    )
    with pytest.raises(TypeError, match="its kind is a text, not int"):
        check_record(finding(kind=3))


@pytest.mark.parametrize(
    ("declared", "message"),
    [("amber", "give a list of names, not one string"), (["amber", ""], "non-empty text")],
    ids=["one-string", "empty-name"],
)
def test_an_evaluator_declares_a_list_of_names(declared: Any, message: str) -> None:
    """``statuses`` and ``finding_kinds`` are lists of non-empty names."""
    for field in ("statuses", "finding_kinds"):
        with pytest.raises(TypeError, match=message):
            Evaluator(
                name="x",
                version="1",
                consumes=[],
                state_type=h.Nothing,
                fold=h.no_fold,
                results=lambda state, context: [],
                **{field: declared},
            )


# -- in a replay ---------------------------------------------------------------------------


def producing(
    name: str,
    records: Iterable[Score | Finding],
    *,
    statuses: Iterable[str] = (),
    finding_kinds: Iterable[str] = (),
) -> Evaluator:
    """An evaluator yielding ``records``, declaring ``statuses`` and ``finding_kinds``."""
    return Evaluator(
        name=name,
        version="1",
        consumes=[],
        state_type=h.Nothing,
        fold=h.no_fold,
        results=lambda state, context: list(records),
        statuses=list(statuses),
        finding_kinds=list(finding_kinds),
    )


def replay_with(db: Path, plugins: Mapping[str, list[Evaluator]]) -> Any:
    """Replay a one-event log with ``plugins`` (name -> evaluators) beside the helpers."""
    made = [h.make_plugin(name, evaluators=evaluators) for name, evaluators in plugins.items()]
    with h.open_engine(db, [h.this_module(), *made]) as engine:
        engine.append([h.value("a", 1)])
        return engine.replay()


AMBER = score(status="amber", evidence=[1])
NOTICE = finding(kind="notice", evidence=[1])


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (score(status="weird", evidence=[1]), "score a m 2019-06: unknown status 'weird'"),
        (NOTICE, "finding a r 2019-06: unknown kind 'notice'"),
    ],
    ids=["status", "finding-kind"],
)
def test_an_unknown_status_or_kind_stops_the_replay(
    tmp_path: Path, record: Score | Finding, message: str
) -> None:
    """An undeclared status or kind is an EvaluatorError naming plugin and evaluator; nothing is saved."""
    db = tmp_path / "log.db"
    with pytest.raises(EvaluatorError) as caught:
        replay_with(db, {"odd_plugin": [producing("odd", [record])]})
    error = caught.value
    assert (error.plugin, error.evaluator, error.seq) == ("odd_plugin", "odd", None)
    assert str(error).startswith(
        "evaluator 'odd' of plugin odd_plugin failed while computing its results: "
        f"ValueError: {message}"
    )
    for table in ("runs", "results", "evidence", "checkpoints"):
        assert h.count_rows(db, table) == 0, table


def test_a_declared_status_and_kind_are_accepted(tmp_path: Path) -> None:
    """An evaluator declaring ``amber`` and ``notice`` may use them; the run is saved."""
    declaring = producing("mine", [AMBER, NOTICE], statuses=["amber"], finding_kinds=["notice"])
    result = replay_with(tmp_path / "log.db", {"mine_plugin": [declaring]})
    mine = [item.record for item in result.records if item.evaluator == "mine"]
    assert sorted(type(r).__name__ for r in mine) == ["Finding", "Score"]
    assert {getattr(r, "status", None) or getattr(r, "kind", None) for r in mine} == {
        "amber",
        "notice",
    }
    assert h.count_rows(tmp_path / "log.db", "runs") == 1


def test_a_declaration_covers_only_its_own_evaluator(tmp_path: Path) -> None:
    """Another evaluator, even of the same plugin, does not inherit a declared status."""
    declaring = producing("declaring", [], statuses=["amber"])
    borrowing = producing("borrowing", [AMBER])
    with pytest.raises(EvaluatorError) as caught:
        replay_with(tmp_path / "log.db", {"both": [declaring, borrowing]})
    assert caught.value.evaluator == "borrowing"
    assert "unknown status 'amber'" in str(caught.value)


def test_an_unknown_status_is_one_line_on_the_command_line(tmp_path: Path) -> None:
    """``gyengine replay`` with such a plugin prints one line naming plugin and evaluator, saves no run."""
    plugins = tmp_path / "plugins"
    h.install_plugin(plugins, "scoreboard")
    (plugins / "weird.py").write_text(WEIRD_PLUGIN, encoding="utf-8")
    db = tmp_path / "log.db"
    with h.open_engine(db) as engine:
        engine.append([h.value("a", 1)])
    result = h.run_cli(["--plugins-dir", plugins, "replay", "--db", db])
    assert h.one_line_error(result) == (
        "Error: evaluator 'weird' of plugin weird failed while computing its results: "
        "ValueError: score county m 2019: unknown status 'weird' (known: bottom, green, pending, "
        "red, top, watch, yellow); declare it in the evaluator's `statuses`"
    )
    assert h.count_rows(db, "runs") == 0


WEIRD_PLUGIN = """\
import attrs

from gyengine import Evaluator, Score, hookimpl


@attrs.define
class Nothing:
    pass


def results(state, context):
    yield Score(subject="county", metric="m", period="2019", status="weird")


@hookimpl
def register_evaluators():
    return [
        Evaluator(
            name="weird",
            version="1",
            consumes=[],
            state_type=Nothing,
            fold=lambda state, event, context: state,
            results=results,
        )
    ]
"""


def test_a_detail_that_is_no_json_value_stops_the_replay(tmp_path: Path) -> None:
    """A date in ``details`` is one error naming the plugin, the evaluator and the key."""
    dated = Evaluator(
        name="dated",
        version="1",
        consumes=[],
        state_type=h.Nothing,
        fold=h.no_fold,
        results=lambda state, context: [score(details={"due": dt.date(2019, 6, 7)})],
    )
    with pytest.raises(EvaluatorError) as caught:
        replay_with(tmp_path / "log.db", {"dated_plugin": [dated]})
    assert (caught.value.plugin, caught.value.evaluator) == ("dated_plugin", "dated")
    assert str(caught.value).startswith(
        "evaluator 'dated' of plugin dated_plugin failed while computing its results: "
        "TypeError: Score.details['due']: date is not a JSON value"
    )
    assert h.count_rows(tmp_path / "log.db", "runs") == 0


@pytest.mark.parametrize("odd", [True, False, 1.0, "1", Decimal(1), None])
def test_evidence_is_refused_unless_every_seq_is_an_integer(odd: object) -> None:
    """True would pass for seq 1 and 1.0 too: a record would name an event it is not about."""
    with pytest.raises(TypeError, match="not a seq"):
        Score(
            subject="s", metric="m", period="2019-06", value=None, rationale="r", evidence=[2, odd]
        )
    with pytest.raises(TypeError, match="not a seq"):
        Finding(kind="warn", subject="s", rule="r", period="2019-06", rationale="r", evidence=[odd])


def test_evidence_takes_an_int_subclass_as_the_plain_integer() -> None:
    class Seq(int):
        pass

    made = Score(
        subject="s",
        metric="m",
        period="2019-06",
        value=None,
        rationale="r",
        evidence=[Seq(3), 2, 3],
    )
    assert made.evidence == (2, 3)
    assert all(type(seq) is int for seq in made.evidence)
