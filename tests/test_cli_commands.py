"""The commands `init`, `record`, `log` and `verify`, where they find the database,
what they say about a bad one, and the progress bar."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from cli_helpers import (
    clean_environment,
    error_lines,
    fingerprint,
    gyengine_script,
    invoke,
    jsonl,
    statistic,
    subprocess_env,
    write_plugin,
)
from gyengine import NewEvent, SQLiteEventStore, get_plugin_manager
from gyengine.plugins import build_event_types


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run each test in its own directory, without GYENGINE_* variables."""
    clean_environment(monkeypatch)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def plugins(workdir: Path) -> Path:
    """A --plugins-dir holding the MilestoneSet type (str, date, int, Decimal, float)."""
    return write_plugin(workdir / "plugins")


def rows(db: Path) -> list[dict[str, object]]:
    with SQLiteEventStore(db) as store:
        return [row.to_json() for row in store.read()]


# -- init ----------------------------------------------------------------------


def test_init_creates_a_database(workdir: Path) -> None:
    """init creates an empty WAL database that the store opens."""
    result = invoke(["init", "--db", "gy.db"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "created gy.db\n"
    with SQLiteEventStore(workdir / "gy.db") as store:
        assert store.count() == 0
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_init_twice_is_a_no_op(workdir: Path) -> None:
    """A second init changes nothing and says the database is already there, with its count."""
    assert invoke(["init", "--db", "gy.db"]).exit_code == 0
    (workdir / "e.jsonl").write_bytes(jsonl([statistic(), statistic(value="9")]))
    assert invoke(["append", "e.jsonl", "--db", "gy.db"]).exit_code == 0
    before = fingerprint(workdir / "gy.db")
    result = invoke(["init", "--db", "gy.db"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "gy.db is already a gyengine database (2 events)\n"
    assert fingerprint(workdir / "gy.db") == before


def test_init_in_a_missing_directory(workdir: Path) -> None:
    """init into a directory that does not exist fails in one line, without advising init."""
    result = invoke(["init", "--db", "no/such/dir/gy.db"])
    lines = error_lines(result)
    assert "no/such/dir/gy.db" in lines[0]
    assert not (workdir / "no").exists()
    # The hint must not tell the user to run the command that just failed.
    assert "gyengine init" not in "\n".join(lines)


# -- record --------------------------------------------------------------------


def test_record_converts_fields_by_the_registered_class(workdir: Path, plugins: Path) -> None:
    """FIELD=VALUE is typed by the payload class: str stays text, int, Decimal, date, float."""
    assert invoke(["init", "--db", "gy.db"]).exit_code == 0
    result = invoke(
        [
            "--plugins-dir",
            str(plugins),
            "record",
            "MilestoneSet",
            "--stream",
            "project/P07",
            "--id",
            "m-1",
            "--occurred",
            "2019-W23",
            "--actor",
            "发改委",
            "--db",
            "gy.db",
            "project=007",
            "due=2019-06-30",
            "count=3",
            "amount=12.50",
            "ratio=0.25",
        ]
    )
    assert result.exit_code == 0, result.output
    [row] = rows(workdir / "gy.db")
    assert result.stdout == f"appended seq 1 id m-1 hash {row['hash']}\n"
    assert row["data"] == {
        "project": "007",
        "due": "2019-06-30",
        "count": 3,
        "amount": "12.50",
        "ratio": 0.25,
    }
    assert (row["stream"], row["occurred"], row["actor"]) == ("project/P07", "2019-W23", "发改委")
    registry = build_event_types(get_plugin_manager(plugins_dir=plugins))
    with SQLiteEventStore(workdir / "gy.db") as store:
        [event] = registry.decode_all(store.read())
    assert event.data.amount == Decimal("12.50")
    assert type(event.data.count) is int
    assert event.data.project == "007"


def test_record_statistic_from_a_standard_plugin(workdir: Path) -> None:
    """The bundled StatisticReported type keeps a decimal's digits exactly."""
    assert invoke(["init", "--db", "gy.db"]).exit_code == 0
    result = invoke(
        [
            *("record", "StatisticReported", "--stream", "indicator/I1", "--db", "gy.db"),
            *("indicator=I1", "value=8.70", "unit=%"),
        ]
    )
    assert result.exit_code == 0, result.output
    [row] = rows(workdir / "gy.db")
    assert row["data"] == {"indicator": "I1", "value": "8.70", "unit": "%", "part": ""}
    assert row["occurred"] is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["count=abc"], "Error: command line: $.data.count: expected an integer, got 'abc'"),
        (["count=2.5"], "Error: command line: $.data.count: expected an integer"),
        (["count=true"], "Error: command line: $.data.count: expected an integer"),
        (["amount=x"], "Error: command line: $.data.amount: expected a decimal number"),
        (["amount=NaN"], "Error: command line: $.data.amount: expected a decimal number"),
        (["amount=Infinity"], "Error: command line: $.data.amount: expected a decimal number"),
        (["due=2019-02-30"], "Error: command line: $.data.due: '2019-02-30' is not a date"),
        (["ratio=1e999"], "Error: command line: $.data.ratio: expected a finite number"),
        (["colour=red"], "Error: command line: $.data: unknown field(s) colour"),
        (["project"], "Error: command line: 'project' is not FIELD=VALUE"),
        (["--occurred", "2019-13"], "Error: command line: $.occurred: '2019-13' is not a period"),
    ],
    ids=[
        "int-text",
        "int-fraction",
        "int-bool",
        "decimal-text",
        "decimal-nan",
        "decimal-infinity",
        "date-feb-30",
        "float-overflow",
        "unknown-field",
        "not-field-value",
        "bad-occurred",
    ],
)
def test_record_bad_value(workdir: Path, plugins: Path, args: list[str], expected: str) -> None:
    """A value the class refuses is a one-line error naming the field; nothing is written."""
    assert invoke(["init", "--db", "gy.db"]).exit_code == 0
    before = fingerprint(workdir / "gy.db")
    fields = {"project": "P1", "due": "2019-06-30", "count": "1", "amount": "1"}
    for arg in args:
        fields.pop(arg.partition("=")[0], None)
    result = invoke(
        [
            *("--plugins-dir", str(plugins), "record", "MilestoneSet", "--stream", "m/1"),
            *("--db", "gy.db", *[f"{k}={v}" for k, v in fields.items()], *args),
        ]
    )
    [message] = error_lines(result)
    assert message.startswith(expected), message
    assert fingerprint(workdir / "gy.db") == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["NoSuchType", "--stream", "s", "a=1"],
            "Error: command line: $.type: unknown event type 'NoSuchType'",
        ),
        (
            [
                *("StatisticReported", "--stream", "s", "--supersedes", "nope"),
                *("indicator=I1", "value=1", "unit=%"),
            ],
            "Error: command line: $.supersedes: supersedes 'nope', which is not in the log",
        ),
    ],
    ids=["unknown-type", "unknown-supersedes"],
)
def test_record_errors_name_the_command_line(workdir: Path, args: list[str], expected: str) -> None:
    """Every validation error of record says `command line:` and the field, like the others."""
    assert invoke(["init", "--db", "gy.db"]).exit_code == 0
    before = fingerprint(workdir / "gy.db")
    result = invoke(["record", *args, "--db", "gy.db"])
    assert error_lines(result) == [expected]
    assert fingerprint(workdir / "gy.db") == before


def test_record_dry_run(workdir: Path, plugins: Path) -> None:
    """record --dry-run validates and appends nothing."""
    assert invoke(["init", "--db", "gy.db"]).exit_code == 0
    before = fingerprint(workdir / "gy.db")
    args = ["--plugins-dir", str(plugins), "record", "MilestoneSet", "--stream", "m/1"]
    fields = ["project=P1", "due=2019-06-30", "count=1", "amount=1"]
    result = invoke([*args, "--db", "gy.db", "--dry-run", *fields])
    assert result.exit_code == 0, result.output
    assert result.stdout == "valid: would append MilestoneSet to m/1\n"
    assert fingerprint(workdir / "gy.db") == before
    bad = invoke([*args, "--db", "gy.db", "--dry-run", *fields[:-1], "amount=x"])
    assert error_lines(bad)[0].startswith("Error: command line: $.data.amount: ")


def test_record_stale_expected_version_and_repeat(workdir: Path) -> None:
    """--expected-version is checked; the same --id with the same content is a no-op."""
    assert invoke(["init", "--db", "gy.db"]).exit_code == 0
    base = ["record", "StatisticReported", "--stream", "indicator/I1", "--db", "gy.db"]
    fields = ["indicator=I1", "value=1", "unit=%"]
    assert invoke([*base, "--id", "r1", *fields]).exit_code == 0
    repeat = invoke([*base, "--id", "r1", *fields])
    assert repeat.exit_code == 0, repeat.output
    assert repeat.stdout == "event r1 is already in the log with the same content (skipped)\n"
    message, hint = error_lines(invoke([*base, "--expected-version", "0", *fields]))
    assert message == ("Error: stream 'indicator/I1' is at version 1, but version 0 was expected")
    assert "retry" in hint
    assert len(rows(workdir / "gy.db")) == 1


# -- log -----------------------------------------------------------------------

BATCH_1 = "2019-07-01T02:00:00.000000Z"
BATCH_2 = "2019-07-05T10:00:00.000000Z"


@pytest.fixture
def log_db(workdir: Path) -> Path:
    """Five events in two batches: seqs 1-3 recorded on 2019-07-01, 4-5 on 2019-07-05."""
    registry = build_event_types(get_plugin_manager())

    def stat(stream: str, value: str) -> NewEvent:
        indicator = stream.rpartition("/")[2]
        data = {"indicator": indicator, "value": value, "unit": "%"}
        return NewEvent(type="StatisticReported", stream=stream, data=data, occurred="2019-06")

    def progress(invested: str) -> NewEvent:
        data = {"project": "P01", "invested_to_date": invested, "note": "主体施工"}
        return NewEvent(type="ProjectProgressReported", stream="project/P01", data=data)

    path = workdir / "gy.db"
    with SQLiteEventStore(path, create=True, clock=lambda: BATCH_1) as store:
        store.append(
            [registry.encode(e) for e in (stat("indicator/I1", "8.1"), stat("indicator/I1", "8.4"))]
            + [registry.encode(progress("1250.5"))]
        )
    with SQLiteEventStore(path, clock=lambda: BATCH_2) as store:
        store.append(
            [registry.encode(stat("indicator/I7", "5.2")), registry.encode(progress("1410"))]
        )
    return path


def logged_seqs(args: list[str]) -> list[int]:
    result = invoke(["log", "--db", "gy.db", "--format", "jsonl", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line)["seq"] for line in result.stdout.splitlines()]


@pytest.mark.parametrize(
    ("args", "seqs"),
    [
        ([], [1, 2, 3, 4, 5]),
        (["--stream", "project/P01"], [3, 5]),
        (["--stream", "indicator/I1"], [1, 2]),
        (["--stream", "nowhere"], []),
        (["--type", "ProjectProgressReported"], [3, 5]),
        (["--type", "StatisticReported"], [1, 2, 4]),
        (["--type", "StatisticReported", "--type", "ProjectProgressReported"], [1, 2, 3, 4, 5]),
        (["--since", "2019-07-02"], [4, 5]),
        (["--since", "2019-07-05T10:00:00Z"], [4, 5]),
        (["--since", "2019-07-05T10:00:01Z"], []),
        (["--until", "2019-07-01"], [1, 2, 3]),
        (["--until", "2019-06-30"], []),
        (["--until", "2019-07-05T17:59:59+08:00"], [1, 2, 3]),
        (["--known-at", "2019-07-04"], [1, 2, 3]),
        (["--known-at", "2019-07-05T18:00:00+08:00"], [1, 2, 3, 4, 5]),
        (["--known-at", "2019-07-05"], [1, 2, 3, 4, 5]),
        (["--known-at", "2019-07-05", "--until", "2019-07-02"], [1, 2, 3]),
        (["--stream", "project/P01", "--since", "2019-07-02"], [5]),
        (["--type", "StatisticReported", "--known-at", "2019-07-01"], [1, 2]),
    ],
    ids=[
        "all",
        "stream-project",
        "stream-indicator",
        "stream-unknown",
        "type-progress",
        "type-statistic",
        "type-repeated",
        "since-date",
        "since-exact-moment",
        "since-after-last",
        "until-whole-day",
        "until-before-first",
        "until-offset",
        "known-at-date",
        "known-at-offset-exact",
        "known-at-whole-day",
        "known-at-and-until-earlier-wins",
        "stream-and-since",
        "type-and-known-at",
    ],
)
def test_log_filters(log_db: Path, args: list[str], seqs: list[int]) -> None:
    """Each filter of `log` selects by stream, type or record time (bounds included)."""
    assert logged_seqs(args) == seqs


def test_log_bad_time_names_the_option(log_db: Path) -> None:
    """A --since that is not a date or time is a usage error naming the option and value."""
    result = invoke(["log", "--db", "gy.db", "--since", "yesterday"])
    assert result.exit_code == 2
    assert "'yesterday' is not a date or time" in result.stderr
    assert "--since" in result.stderr


def test_log_formats_agree(log_db: Path) -> None:
    """json is one array of the jsonl objects; both hold every envelope field."""
    as_jsonl = invoke(["log", "--db", "gy.db", "--format", "jsonl"])
    as_json = invoke(["log", "--db", "gy.db", "--format", "json"])
    assert as_jsonl.exit_code == as_json.exit_code == 0
    objects = [json.loads(line) for line in as_jsonl.stdout.splitlines()]
    assert json.loads(as_json.stdout) == objects
    first = objects[0]
    assert list(first) == [
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
    ]
    assert first["data"] == {"indicator": "I1", "part": "", "unit": "%", "value": "8.1"}
    assert first["recorded"] == BATCH_1
    assert objects[4]["data"]["note"] == "主体施工"  # Chinese as is, not \\u escapes
    assert "主体施工" in as_jsonl.stdout


def test_log_json_with_no_match_is_an_empty_array(log_db: Path) -> None:
    """An empty selection is still valid JSON (and empty jsonl)."""
    as_json = invoke(["log", "--db", "gy.db", "--format", "json", "--stream", "nowhere"])
    assert json.loads(as_json.stdout) == []
    as_jsonl = invoke(["log", "--db", "gy.db", "--format", "jsonl", "--stream", "nowhere"])
    assert as_jsonl.stdout == ""


def test_log_table(log_db: Path) -> None:
    """The table (the default format) has a header and one row per event, ids not truncated."""
    result = invoke(["log", "--db", "gy.db", "--stream", "project/P01"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "seq",
        "recorded",
        "stream",
        "v",
        "type",
        "occurred",
        "actor",
        "data",
    ]
    assert [line.split()[:5] for line in lines[1:]] == [
        ["3", "2019-07-01T02:00:00Z", "project/P01", "1", "ProjectProgressReported"],
        ["5", "2019-07-05T10:00:00Z", "project/P01", "2", "ProjectProgressReported"],
    ]
    assert '"invested_to_date":"1410"' in lines[2]
    nothing = invoke(["log", "--db", "gy.db", "--format", "table", "--type", "Nope"])
    assert nothing.stdout == "no events match\n"


# -- verify --------------------------------------------------------------------


def test_verify_ok(log_db: Path) -> None:
    """verify prints the count and the head hash the store holds."""
    result = invoke(["verify", "--db", "gy.db"])
    assert result.exit_code == 0, result.output
    with SQLiteEventStore(log_db) as store:
        head = store.head()
    assert result.stdout == f"gy.db: ok, 5 events, head seq 5 hash {head.hash}\n"


def test_verify_empty(workdir: Path) -> None:
    """An empty log verifies, saying there was nothing to check."""
    assert invoke(["init", "--db", "gy.db"]).exit_code == 0
    result = invoke(["verify", "--db", "gy.db"])
    assert result.exit_code == 0
    assert result.stdout == "gy.db: empty log, nothing to verify\n"


@pytest.mark.parametrize(
    ("sql", "seq", "kind"),
    [
        ("UPDATE events SET data = replace(data, '8.4', '9.4') WHERE seq = 2", 2, "hash"),
        ("UPDATE events SET actor = '统计局' WHERE seq = 3", 3, "hash"),
        (
            "UPDATE events SET hash = replace(hash, substr(hash, 1, 1), 'x') WHERE seq = 4",
            4,
            "hash",
        ),
        ("UPDATE events SET prev_hash = '" + "0" * 64 + "' WHERE seq = 3", 3, "link"),
        ("DELETE FROM events WHERE seq = 4", 4, "gap"),
        ("DELETE FROM events WHERE seq = 1", 1, "gap"),
    ],
    ids=["data", "actor", "hash", "prev-hash", "deleted-row", "deleted-first-row"],
)
def test_verify_names_the_tampered_seq(log_db: Path, sql: str, seq: int, kind: str) -> None:
    """After a row is changed with sqlite3, verify exits non-zero naming its seq."""
    with sqlite3.connect(log_db) as conn:
        conn.execute(sql)
    conn.close()
    message, hint = error_lines(invoke(["verify", "--db", "gy.db"]))
    assert message.startswith(f"Error: gy.db: chain broken at seq {seq}: {kind}: "), message
    assert hint == f"the {seq - 1} events before seq {seq} verify"


# -- which database ----------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "env", "used"),
    [
        (True, True, "flag.db"),
        (False, True, "env.db"),
        (False, False, "gyengine.db"),
        (True, False, "flag.db"),
    ],
    ids=["flag-over-env", "env-over-default", "default", "flag-over-default"],
)
def test_db_precedence(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, flag: bool, env: bool, used: str
) -> None:
    """--db wins over $GYENGINE_DB, which wins over ./gyengine.db."""
    for name in ("flag.db", "env.db", "gyengine.db"):
        assert invoke(["init", "--db", name]).exit_code == 0
    if env:
        monkeypatch.setenv("GYENGINE_DB", "env.db")
    result = invoke(["verify", *(["--db", "flag.db"] if flag else [])])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{used}: empty log, nothing to verify\n"


def test_default_db_is_in_the_working_directory(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --db or $GYENGINE_DB, init creates ./gyengine.db in the working directory."""
    sub = workdir / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)
    assert invoke(["init"]).stdout == "created gyengine.db\n"
    assert (sub / "gyengine.db").is_file()
    assert not (workdir / "gyengine.db").exists()


# -- bad databases -------------------------------------------------------------


@pytest.fixture(scope="module")
def real_db_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a closed gyengine database holding 300 events (many pages)."""
    path = tmp_path_factory.mktemp("real") / "real.db"
    registry = build_event_types(get_plugin_manager())
    events = [
        registry.encode(
            NewEvent(
                type="StatisticReported",
                stream=f"indicator/I{n % 9}",
                data={"indicator": f"I{n % 9}", "value": f"{n}.5", "unit": "亿元"},
            )
        )
        for n in range(300)
    ]
    with SQLiteEventStore(path, create=True) as store:
        store.append(events)
    data = path.read_bytes()
    assert len(data) > 8 * 4096
    return data


GARBAGE = bytes(range(256)) * 40


def _foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers (name) VALUES ('someone')")
    conn.commit()
    conn.close()


BAD_DATABASES: dict[str, Callable[[Path, bytes], None]] = {
    "missing": lambda path, real: None,
    "directory": lambda path, real: path.mkdir(),
    "sqlite-magic-then-garbage": lambda path, real: path.write_bytes(
        b"SQLite format 3\x00" + GARBAGE
    ),
    "real-header-then-garbage": lambda path, real: path.write_bytes(real[:100] + GARBAGE),
    "truncated-to-one-page": lambda path, real: path.write_bytes(real[:4096]),
    "truncated-to-half": lambda path, real: path.write_bytes(real[: len(real) // 2]),
    "not-sqlite": lambda path, real: path.write_text("name,value\nI1,8.7\n"),
    "another-programs-sqlite": lambda path, real: _foreign(path),
}

COMMANDS: dict[str, list[str]] = {
    "init": ["init"],
    "log": ["log"],
    "verify": ["verify"],
    "append": ["append", "events.jsonl"],
    "record": ["record", "StatisticReported", "--stream", "s", "indicator=I", "value=1", "unit=%"],
}


def _state(path: Path) -> object:
    if path.is_dir():
        return sorted(p.name for p in path.iterdir())
    return fingerprint(path) if path.exists() else None


# init creates a missing database: test_init_creates_a_database.
BAD_DATABASE_CASES = [
    (kind, command)
    for kind in BAD_DATABASES
    for command in COMMANDS
    if (kind, command) != ("missing", "init")
]


@pytest.mark.parametrize(
    ("kind", "command"), BAD_DATABASE_CASES, ids=[f"{k}-{c}" for k, c in BAD_DATABASE_CASES]
)
def test_bad_database_is_one_line(
    workdir: Path, real_db_bytes: bytes, kind: str, command: str
) -> None:
    """A missing, damaged, foreign or directory database is one line, no traceback, nothing written."""
    (workdir / "events.jsonl").write_bytes(jsonl([statistic()]))
    path = workdir / "bad.db"
    BAD_DATABASES[kind](path, real_db_bytes)
    before = _state(path)
    result = invoke([*COMMANDS[command], "--db", "bad.db"])
    message = error_lines(result)[0]
    assert message.startswith("Error: ")
    assert "bad.db" in message
    assert _state(path) == before


def test_missing_database_message(workdir: Path) -> None:
    """A missing database names the path and the fix, and is not created."""
    message, hint = error_lines(invoke(["log", "--db", "gone.db"]))
    assert message == "Error: no gyengine database at gone.db"
    assert "gyengine init" in hint
    assert not (workdir / "gone.db").exists()


def test_another_programs_database_message(workdir: Path) -> None:
    """Another program's SQLite file is named as such, and init does not take it over."""
    _foreign(workdir / "shop.db")
    before = fingerprint(workdir / "shop.db")
    [message] = error_lines(invoke(["init", "--db", "shop.db"]))
    assert message == (
        "Error: shop.db is not a gyengine database: "
        "it is another program's SQLite file (no gyengine tables)"
    )
    assert fingerprint(workdir / "shop.db") == before


def test_truncated_database_message(workdir: Path, real_db_bytes: bytes) -> None:
    """A truncated gyengine database is reported as damaged."""
    (workdir / "cut.db").write_bytes(real_db_bytes[: len(real_db_bytes) // 2])
    [message] = error_lines(invoke(["verify", "--db", "cut.db"]))
    assert message.startswith("Error: cut.db is damaged")


# -- plugins -------------------------------------------------------------------


def test_plugins_dir_postponed_annotations(workdir: Path) -> None:
    """A --plugins-dir plugin written with `from __future__ import annotations` works.

    Its field types are strings until resolved against the module's globals, so
    the loader must make the module importable (sys.modules) for cattrs to see them.
    """
    directory = workdir / "future"
    directory.mkdir()
    source = (workdir / write_plugin(workdir / "plain").joinpath("milestones.py")).read_text()
    (directory / "milestones.py").write_text(
        source.replace('"""\n\nimport', '"""\n\nfrom __future__ import annotations\n\nimport', 1)
    )
    assert "from __future__ import annotations" in (directory / "milestones.py").read_text()
    assert invoke(["init", "--db", "gy.db"]).exit_code == 0
    result = invoke(
        [
            *("--plugins-dir", str(directory), "record", "MilestoneSet", "--stream", "m/1"),
            *("--db", "gy.db", "project=P1", "due=2019-06-30", "count=1", "amount=1"),
        ]
    )
    assert result.exit_code == 0, result.output


# -- progress bar --------------------------------------------------------------


@pytest.fixture
def big_file(workdir: Path) -> Path:
    """A database and a file of 2000 events, enough for the bar to be started."""
    assert invoke(["init", "--db", "gy.db"]).exit_code == 0
    events = [statistic(stream=f"s/{n % 20}", value=str(n)) for n in range(2000)]
    path = workdir / "big.jsonl"
    path.write_bytes(jsonl(events))
    return path


BAR_CHARACTERS = ("━", "╸", "╺", "\x1b[")


def test_no_progress_bar_when_piped(big_file: Path) -> None:
    """append and verify print no progress bar (nor any escape code) on a piped stderr."""
    for args in (["append", "big.jsonl"], ["verify"]):
        completed = subprocess.run(
            [gyengine_script(), *args, "--db", "gy.db"],
            capture_output=True,
            env=subprocess_env(),
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        assert completed.stderr == b""
        assert not any(ch in completed.stdout.decode() for ch in BAR_CHARACTERS)
    assert b"2000 events" in completed.stdout


def test_progress_bar_on_a_terminal(big_file: Path) -> None:
    """On a terminal stderr the bar does appear: the control for the piped test."""
    pty = pytest.importorskip("pty")
    assert invoke(["append", "big.jsonl", "--db", "gy.db"]).exit_code == 0
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [gyengine_script(), "verify", "--db", "gy.db"],
        stdout=subprocess.PIPE,
        stderr=slave,
        env=subprocess_env(TERM="xterm"),
    )
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closes when the process exits
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    stdout, _ = process.communicate()
    assert process.returncode == 0
    assert b"2000 events" in stdout
    text = seen.decode("utf-8", "replace")
    assert "verifying" in text
    assert "━" in text


def test_log_table_is_never_markup_and_is_capped(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Brackets in a stream are shown as written; a long log's table stops at TABLE_ROWS and says so."""
    import gyengine.cli

    monkeypatch.setattr(gyengine.cli, "TABLE_ROWS", 3)
    registry = build_event_types(get_plugin_manager())
    with SQLiteEventStore(workdir / "gy.db", create=True) as store:
        store.append(
            registry.encode(
                NewEvent(
                    type="StatisticReported",
                    stream=f"[bold]s{n}[/]",
                    data={"indicator": "I1", "value": str(n), "unit": "%"},
                )
            )
            for n in range(5)
        )
    result = invoke(["log", "--db", "gy.db"])
    assert result.exit_code == 0, result.output
    assert "[bold]s0[/]" in result.stdout
    assert "[bold]s3[/]" not in result.stdout
    assert "the first 3 events; --format jsonl lists them all" in result.stdout
