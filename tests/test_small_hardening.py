"""The smaller findings of the adversarial review (issue #10, point 7), each pinned by a test.

A full disk is not "damaged"; a validator's error names its field; --expect-head takes
either case; `plan check` refuses what `plan load` refuses; no text from the data
reaches a terminal with its control characters; deep nesting is a one-line error.
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import cattrs
import pytest
from click.testing import Result

from cli_helpers import clean_environment, error_lines, fingerprint, invoke, jsonl, statistic
from gyengine.codec import describe_errors, make_converter
from gyengine.store import SQLiteEventStore

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "events" / "xiangcheng-2019" / "plan.toml"


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)


def run(*args: str | Path, input: bytes | str | None = None) -> Result:
    return invoke([str(a) for a in args], input=input)


def init(db: Path) -> Path:
    result = run("init", "--db", db)
    assert result.exit_code == 0, result.output
    return db


# --- 1. a full disk -----------------------------------------------------------


def _fill_the_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every store opened from now on may not grow by a page: SQLite raises SQLITE_FULL."""
    configure = SQLiteEventStore._configure

    def full(self: SQLiteEventStore, create: bool, memory: bool) -> None:
        configure(self, create, memory)
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        self.conn.execute(f"PRAGMA max_page_count = {pages}")

    monkeypatch.setattr(SQLiteEventStore, "_configure", full)


def test_append_on_a_full_disk_says_no_space_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLITE_FULL during an append is reported as a full disk, not as a damaged database."""
    db = init(tmp_path / "full.db")
    events = tmp_path / "events.jsonl"
    events.write_bytes(jsonl(statistic(stream=f"indicator/I{n}") for n in range(300)))
    before = fingerprint(db)
    _fill_the_disk(monkeypatch)
    result = run("append", "--db", db, events)
    assert error_lines(result) == [f"Error: no space left on device writing {db}"]
    assert fingerprint(db) == before


def test_replay_save_on_a_full_disk_says_no_space_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saving a replay's run on a full disk: the same one line, and no output written."""
    db = tmp_path / "demo.db"
    assert run("demo", "init", "--db", db).exit_code == 0
    _fill_the_disk(monkeypatch)
    result = run("replay", "--db", db, "--format", "json")
    assert error_lines(result) == [f"Error: no space left on device writing {db}"]
    assert result.stdout == ""


def test_creating_the_schema_on_a_full_disk_says_no_space_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store's own mapping of SQLite errors (opening, creating) knows a full disk too."""
    create = SQLiteEventStore._create_schema

    def full(self: SQLiteEventStore, memory: bool) -> None:
        self.conn.execute("PRAGMA max_page_count = 1")
        create(self, memory)

    monkeypatch.setattr(SQLiteEventStore, "_create_schema", full)
    db = tmp_path / "new.db"
    result = run("init", "--db", db)
    assert error_lines(result) == [f"Error: no space left on device writing {db}"]


def test_a_damaged_database_is_still_called_damaged(tmp_path: Path) -> None:
    """Only SQLITE_FULL is a full disk: other SQLite errors keep their own message."""
    db = init(tmp_path / "d.db")
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE events")
    result = run("log", "--db", db)
    assert "no space left" not in result.stderr
    assert "damaged" in result.stderr


# --- 2. a validator's error names its field -------------------------------------


def _append_one(tmp_path: Path, event: dict[str, Any]) -> list[str]:
    db = init(tmp_path / "v.db")
    source = tmp_path / "e.jsonl"
    source.write_bytes(jsonl([event]))
    return error_lines(run("append", "--db", db, source))


def test_negative_invested_to_date_names_the_field(tmp_path: Path) -> None:
    """attrs' ``ge(0)`` on a project report: the field and the value, not ``$.data: invalid value``."""
    event = {
        "type": "ProjectProgressReported",
        "stream": "project/P01",
        "occurred": "2019-W23",
        "data": {"project": "P01", "invested_to_date": "-5"},
    }
    assert _append_one(tmp_path, event) == [
        f"Error: {tmp_path / 'e.jsonl'}:1: $.data.invested_to_date: must not be negative, got -5"
    ]


def test_negative_grace_days_names_the_field(tmp_path: Path) -> None:
    """The timeliness plugin's ``grace_days`` (an int with ``ge(0)``) the same way."""
    event = {
        "type": "ReportingCadenceDeclared",
        "stream": "cadence/StatisticReported",
        "data": {"event_type": "StatisticReported", "cadence": "month", "grace_days": -5},
    }
    assert _append_one(tmp_path, event) == [
        f"Error: {tmp_path / 'e.jsonl'}:1: $.data.grace_days: must not be negative, got -5"
    ]


def test_a_plugin_validator_that_names_its_field(tmp_path: Path) -> None:
    """A validator of a plugin writing ``field: what is wrong`` gets the field into the path."""
    event = {
        "type": "ProjectProgressReported",
        "stream": "project/P01",
        "data": {"project": "P01", "invested_to_date": "5", "milestone": "奠基"},
    }
    (line,) = _append_one(tmp_path, event)
    assert line.endswith(": $.data.milestone: must be in ('开工', '竣工', '投产') (got '奠基')")


@attrs.frozen
class _Bounded:
    low: int = attrs.field(validator=attrs.validators.ge(3))
    inner: tuple[_Inner, ...] = ()


@attrs.frozen
class _Inner:
    amount: Decimal = attrs.field(validator=attrs.validators.lt(Decimal(10)))
    label: str = "x"

    def __attrs_post_init__(self) -> None:
        if self.label == "bad":
            raise ValueError("label and amount disagree")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"low": 1}, [("$.low", "must be >= 3, got 1")]),
        (
            {"low": 3, "inner": [{"amount": "1"}, {"amount": "12"}]},
            [("$.inner[1].amount", "must be < 10, got 12")],
        ),
        (
            {"low": 3, "inner": [{"amount": "1", "label": "bad"}]},
            [("$.inner[0]", "label and amount disagree")],
        ),
    ],
    ids=["bound", "nested", "class-level"],
)
def test_describe_errors_reads_validator_messages(
    data: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    """describe_errors, for every caller: the field an attrs validator names, and its message."""
    with pytest.raises(cattrs.BaseValidationError) as caught:
        make_converter().structure(data, _Bounded)
    assert describe_errors(caught.value) == expected


# --- 3. --expect-head in either case -------------------------------------------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    assert invoke(["demo", "init", "--db", str(db)]).exit_code == 0
    return db


def _head_hash(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("SELECT hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()[0])


def test_expect_head_in_upper_case(demo_db: Path) -> None:
    """A hash copied from a bulletin in capitals is the same hash."""
    digest = _head_hash(demo_db)
    result = run("verify", "--db", demo_db, "--expect-head", digest.upper())
    assert result.exit_code == 0, result.output
    assert digest in result.stdout


@pytest.mark.parametrize(
    "value", ["xyz", "a" * 63, "a" * 65, "g" * 64, " " + "a" * 63, "", "０" * 64]
)
def test_expect_head_that_is_not_a_hash(demo_db: Path, value: str) -> None:
    """Anything but 64 hex digits is a usage error, one line, before the log is read."""
    result = run("verify", "--db", demo_db, "--expect-head", value)
    assert result.exit_code == 2
    assert error_lines(result) == [
        f"Error: --expect-head: {value!r} is not a hash: give the 64 hex digits of one"
    ]


# --- 4. plan check refuses what plan load refuses -------------------------------


def test_plan_check_refuses_a_control_character_in_a_unit_id(tmp_path: Path) -> None:
    """A BEL in a unit id (and every reference to it): both commands, the same problem."""
    text = PLAN.read_text(encoding="utf-8")
    assert text.count('"发改委"') > 1
    plan = tmp_path / "plan.toml"
    plan.write_text(text.replace('"发改委"', '"发改\\u0007委"'), encoding="utf-8")
    checked = error_lines(run("plan", "check", plan))
    db = init(tmp_path / "p.db")
    before = fingerprint(db)
    loaded = error_lines(run("plan", "load", plan, "--db", db))
    assert checked == loaded
    (line,) = checked
    assert line.startswith(f"Error: {plan}:39: [unit] 发改\\x07委: ")
    assert line.endswith("must not contain control characters")
    assert fingerprint(db) == before


# --- 5. no control character from the data reaches the terminal ----------------

ESCAPES = "\x9b31m\x1b[2J\x1b]8;;http://example.invalid/\x1b\\link\x1b]8;;\x1b\\\x07"


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo log with a project and a bank renamed to terminal escape sequences."""
    directory = tmp_path_factory.mktemp("hostile")
    db = directory / "demo.db"
    assert invoke(["demo", "init", "--db", str(db)]).exit_code == 0
    text = PLAN.read_text(encoding="utf-8")
    escaped = json.dumps(ESCAPES)  # a TOML basic string takes JSON's escapes
    for old in ('name = "环己酮项目"', 'name = "示例·农业银行襄城支行"'):
        assert text.count(old) == 1
        text = text.replace(old, f"name = {escaped}")
    plan = directory / "plan.toml"
    plan.write_text(text, encoding="utf-8")
    result = invoke(["plan", "load", str(plan), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def _assert_shown_inert(text: str) -> None:
    for control in ("\x1b", "\x9b", "\x07"):
        assert control not in text
    assert "\\x1b[2J" in text


@pytest.mark.parametrize(
    "args",
    [
        ["replay", "--no-save"],
        ["report", "weekly", "--week", "2019-W23", "--format", "terminal"],
        ["explain", "P01"],
    ],
    ids=["replay-table", "report-terminal", "explain-text"],
)
def test_terminal_output_has_no_control_characters(hostile_db: Path, args: list[str]) -> None:
    result = run(*args, "--db", hostile_db)
    assert result.exit_code == 0, result.output
    _assert_shown_inert(result.stdout)


def test_log_table_escapes_c1_controls(hostile_db: Path) -> None:
    """JSON escapes ESC in the data column, but not C1's one-byte CSI: the table does."""
    result = run("log", "--stream", "plan/bank/ABC", "--db", hostile_db)
    assert result.exit_code == 0, result.output
    for control in ("\x1b", "\x9b", "\x07"):
        assert control not in result.stdout
    assert "\\x9b31m" in result.stdout


def test_error_messages_show_controls_as_escapes(tmp_path: Path) -> None:
    """An error quoting the data (a plan item's id) does not carry its control characters."""
    text = PLAN.read_text(encoding="utf-8").replace('"发改委"', '"发改\\u001b[2J委"')
    plan = tmp_path / "plan.toml"
    plan.write_text(text, encoding="utf-8")
    result = run("plan", "check", plan)
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr
    assert "发改\\x1b[2J委" in result.stderr


def test_printable_keeps_tabs_newlines_and_text() -> None:
    from gyengine.document import printable

    assert printable("襄城\t县\n第二行 — ok") == "襄城\t县\n第二行 — ok"
    assert printable("a\rb\x00c\x7fd\x85e") == "a\\x0db\\x00c\\x7fd\\x85e"


# --- 6. deep nesting -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 100_000 + "]" * 100_000 + "\n",
        "a = " + "{ x = " * 100_000 + "1" + " }" * 100_000 + "\n",
        '[[unit]]\nid = "u"\nname = ' + "[" * 100_000 + "]" * 100_000 + "\n",
    ],
    ids=["arrays", "inline-tables", "in-an-item"],
)
def test_deeply_nested_toml_is_one_line(tmp_path: Path, text: str) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(text, encoding="utf-8")
    for args in (["plan", "check", plan], ["plan", "load", plan, "--db", init(tmp_path / "n.db")]):
        assert error_lines(run(*args)) == [f"Error: {plan}: nested too deeply"]


def test_deep_dotted_keys_in_an_item_are_one_line(tmp_path: Path) -> None:
    """Dotted keys nest without recursion in the parser; the message must not recurse either."""
    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[[unit]]\nid = "u"\nname.' + ".".join(["x"] * 3000) + " = 1\n", encoding="utf-8"
    )
    (line,) = error_lines(run("plan", "check", plan))
    assert (
        line == f"Error: {plan}:1: [unit] u: name: expected a string, got a dict nested too deeply"
    )


@pytest.mark.parametrize("depth", [100_000, 2_000])
def test_deeply_nested_json_line_is_one_line(tmp_path: Path, depth: int) -> None:
    db = init(tmp_path / "j.db")
    source = tmp_path / "deep.jsonl"
    note = "[" * depth + "]" * depth
    line = (
        '{"type":"ProjectProgressReported","stream":"project/P01",'
        f'"data":{{"project":"P01","invested_to_date":"1","note":{note}}}}}'
    )
    source.write_bytes(jsonl([json.dumps(statistic()), line]))
    assert error_lines(run("append", "--db", db, source)) == [
        f"Error: {source}:2: malformed JSON: nested too deeply"
    ]
