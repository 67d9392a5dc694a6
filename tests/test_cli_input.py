"""`gyengine append`: every bad input is a one-line error naming file:line and field,
with a non-zero exit code and the database byte-for-byte unchanged."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

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
from gyengine.jsonl import MAX_LINE_BYTES
from gyengine.store import SQLiteEventStore

# The log every test starts from: two events on indicator/I1 (version 2).
SEED = [statistic(id="seed-1", value="8.1"), statistic(id="seed-2", value="8.4")]


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run each test in its own directory, so messages name plain `events.jsonl`."""
    clean_environment(monkeypatch)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def db(workdir: Path) -> Path:
    """A gyengine database holding the two SEED events, its connection closed."""
    (workdir / "seed.jsonl").write_bytes(jsonl(SEED))
    assert invoke(["init", "--db", "gy.db"]).exit_code == 0
    result = invoke(["append", "seed.jsonl", "--db", "gy.db"])
    assert result.exit_code == 0, result.output
    return workdir / "gy.db"


@pytest.fixture
def plugins(workdir: Path) -> Path:
    """A --plugins-dir holding the MilestoneSet type (it has a date field)."""
    return write_plugin(workdir / "plugins")


def stored_ids(db: Path) -> list[str]:
    with SQLiteEventStore(db) as store:
        return [row.id for row in store.read()]


def milestone(due: str) -> dict[str, Any]:
    return {
        "type": "MilestoneSet",
        "stream": "project/P01",
        "data": {"project": "P01", "due": due, "count": 2, "amount": "10.5"},
    }


FIRST = statistic(id="good-1", stream="indicator/I9", value="1")
LAST = statistic(id="good-3", stream="indicator/I9", value="3")


def data(**fields: Any) -> dict[str, Any]:
    return {"indicator": "I1", "value": "8.7", "unit": "%", **fields}


def without(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}


# (bad line, expected line number, field, words the message must hold).
# Each bad line sits between two good ones.
BAD_LINES: list[tuple[Any, int, str | None, str]] = [
    ('{"type": "StatisticReported", ', 2, None, "malformed JSON: Expecting"),
    ("[1, 2]", 2, "$", "expected a JSON object, got list"),
    ('"just a string"', 2, "$", "expected a JSON object, got str"),
    (statistic(type="NoSuchType"), 2, "$.type", "unknown event type 'NoSuchType'"),
    (statistic(type=7), 2, "$.type", "expected a string, got 7"),
    (statistic(data=without(data(), "unit")), 2, "$.data.unit", "required field missing"),
    (statistic(data=data(colour="red")), 2, "$.data", "unknown field(s) colour"),
    (statistic(data=data(indicator=1)), 2, "$.data.indicator", "expected a string, got 1"),
    (statistic(data=data(value=True)), 2, "$.data.value", "expected a decimal number"),
    (statistic(data=data(value="8,7")), 2, "$.data.value", "expected a decimal number"),
    (statistic(data=data(value=[8.7])), 2, "$.data.value", "expected a decimal number"),
    (without(statistic(), "stream"), 2, "$.stream", "required field missing"),
    (without(statistic(), "type"), 2, "$.type", "required field missing"),
    (without(statistic(), "data"), 2, "$.data", "required field missing"),
    (statistic(colour="red"), 2, "$", "unknown field(s) colour"),
    (statistic(stream=5), 2, "$.stream", "expected a string, got 5"),
    (statistic(stream=""), 2, "$.stream", "must be a non-empty string"),
    (statistic(stream="a\tb"), 2, "$.stream", "control characters"),
    (statistic(actor=["统计局"]), 2, "$.actor", "expected a string"),
    (statistic(data="I1=8.7"), 2, "$.data", "expected an object, got 'I1=8.7'"),
    (statistic(expected_version="2"), 2, "$.expected_version", "expected an integer"),
    (statistic(expected_version=-1), 2, "$.expected_version", "must be 0 or more"),
    (statistic(occurred="2019-13"), 2, "$.occurred", "'2019-13' is not a period"),
    (statistic(occurred="2019-02-30"), 2, "$.occurred", "'2019-02-30' is not a period"),
    (statistic(occurred="2019-W54"), 2, "$.occurred", "'2019-W54' is not a period"),
    (statistic(occurred="2019-Q5"), 2, "$.occurred", "'2019-Q5' is not a period"),
    (statistic(occurred=201906), 2, "$.occurred", "expected a string"),
    (
        json.dumps(statistic()).replace('"8.7"', "NaN"),
        2,
        "$.data.value",
        "NaN is not allowed",
    ),
    (
        json.dumps(statistic()).replace('"8.7"', "Infinity"),
        2,
        "$.data.value",
        "Infinity is not allowed",
    ),
    (
        json.dumps(statistic()).replace('"8.7"', "-Infinity"),
        2,
        "$.data.value",
        "-Infinity is not allowed",
    ),
    (
        json.dumps(statistic()).replace(
            '"indicator": "I1"', '"indicator": "I1", "indicator": "I2"'
        ),
        2,
        "$.data.indicator",
        "the key appears more than once",
    ),
    (
        json.dumps(statistic()).replace('"stream"', '"stream": "x", "stream"'),
        2,
        "$.stream",
        "the key appears more than once",
    ),
    (
        json.dumps(statistic()).replace('"%"', '"\\ud800"'),
        2,
        "$.data.unit",
        "lone surrogate",
    ),
    (
        json.dumps(statistic(), ensure_ascii=False).replace('"统计局"', '"\\udfff\\ud800"'),
        2,
        "$.actor",
        "lone surrogate",
    ),
    (statistic(supersedes="no-such-event"), 2, "$.supersedes", "'no-such-event'"),
]


@pytest.mark.parametrize(
    ("bad", "line", "field", "words"),
    BAD_LINES,
    ids=[
        "malformed-json",
        "not-an-object-list",
        "not-an-object-string",
        "unknown-type",
        "mistyped-type",
        "data-missing-field",
        "data-extra-field",
        "data-mistyped-str",
        "data-mistyped-decimal-bool",
        "data-mistyped-decimal-comma",
        "data-mistyped-decimal-list",
        "missing-stream",
        "missing-type",
        "missing-data",
        "top-extra-field",
        "top-mistyped-stream",
        "top-empty-stream",
        "top-control-char-stream",
        "top-mistyped-actor",
        "top-mistyped-data",
        "top-mistyped-expected-version",
        "top-negative-expected-version",
        "occurred-month-13",
        "occurred-feb-30",
        "occurred-week-54",
        "occurred-quarter-5",
        "occurred-number",
        "nan",
        "infinity",
        "minus-infinity",
        "duplicate-key-data",
        "duplicate-key-top",
        "lone-surrogate-data",
        "lone-surrogate-actor",
        "supersedes-unknown",
    ],
)
def test_bad_line(db: Path, bad: Any, line: int, field: str | None, words: str) -> None:
    """A bad line is one error naming file:line and field; nothing is appended."""
    Path("events.jsonl").write_bytes(jsonl([FIRST, bad, LAST]))
    before = fingerprint(db)
    result = invoke(["append", "events.jsonl", "--db", "gy.db"])
    message = error_lines(result)[0]
    prefix = f"Error: events.jsonl:{line}: " + (f"{field}: " if field else "")
    assert message.startswith(prefix), message
    assert words in message
    assert fingerprint(db) == before
    assert stored_ids(db) == ["seed-1", "seed-2"]


@pytest.mark.parametrize(
    ("due", "words"),
    [
        ("2019-02-30", "'2019-02-30' is not a date"),
        ("2019-13-01", "'2019-13-01' is not a date"),
        ("2019-06", 'expected a date such as "2019-06-30"'),
        ("30/06/2019", 'expected a date such as "2019-06-30"'),
    ],
    ids=["feb-30", "month-13", "month-only", "dmy"],
)
def test_bad_date_in_payload(db: Path, plugins: Path, due: str, words: str) -> None:
    """A bad date in a payload field of a plugin's type names $.data.<field>."""
    Path("events.jsonl").write_bytes(jsonl([milestone("2019-06-30"), milestone(due)]))
    before = fingerprint(db)
    result = invoke(["--plugins-dir", str(plugins), "append", "events.jsonl", "--db", "gy.db"])
    message = error_lines(result)[0]
    assert message.startswith("Error: events.jsonl:2: $.data.due: "), message
    assert words in message
    assert fingerprint(db) == before


def test_good_date_in_payload_is_stored_as_iso_text(db: Path, plugins: Path) -> None:
    """The same plugin's valid date goes in as ISO 8601 text (the bad-date test's control)."""
    Path("events.jsonl").write_bytes(jsonl([milestone("2019-06-30")]))
    result = invoke(["--plugins-dir", str(plugins), "append", "events.jsonl", "--db", "gy.db"])
    assert result.exit_code == 0, result.output
    with SQLiteEventStore(db) as store:
        [row] = store.read(start=3)
    assert json.loads(row.data)["due"] == "2019-06-30"


def test_invalid_utf8(db: Path) -> None:
    """Bytes that are not UTF-8 name the line and the byte offset."""
    good = jsonl([statistic(data=data(unit="ZZ"))])
    bad = good.replace(b"ZZ", b"\xff\xfe")
    offset = good.index(b"ZZ") + 1
    Path("events.jsonl").write_bytes(jsonl([FIRST]) + bad + jsonl([LAST]))
    before = fingerprint(db)
    message = error_lines(invoke(["append", "events.jsonl", "--db", "gy.db"]))[0]
    assert message == f"Error: events.jsonl:2: invalid UTF-8 at byte {offset}"
    assert fingerprint(db) == before


def test_line_over_one_mebibyte(db: Path) -> None:
    """A line longer than 1 MiB is refused by number, without reading it whole."""
    long_line = json.dumps(statistic(data=data(unit="x" * MAX_LINE_BYTES)))
    assert len(long_line) > MAX_LINE_BYTES
    Path("events.jsonl").write_bytes(jsonl([FIRST, FIRST, long_line, LAST]))
    before = fingerprint(db)
    message = error_lines(invoke(["append", "events.jsonl", "--db", "gy.db"]))[0]
    assert message == "Error: events.jsonl:3: line is longer than 1048576 bytes (1 MiB)"
    assert fingerprint(db) == before


def test_line_of_exactly_one_mebibyte_is_accepted(db: Path) -> None:
    """A line of exactly 1 MiB (CRLF ending) is within the limit: the boundary of the test above.

    The padding is whitespace between JSON tokens: a payload that large would
    be refused by the data limit (tests/test_bounds.py).
    """
    event = json.dumps(statistic(id="big")).encode()
    text = event[:-1] + b" " * (MAX_LINE_BYTES - len(event)) + b"}"
    assert len(text) == MAX_LINE_BYTES
    Path("events.jsonl").write_bytes(text + b"\r\n")
    result = invoke(["append", "events.jsonl", "--db", "gy.db"])
    assert result.exit_code == 0, result.output
    assert stored_ids(db)[-1] == "big"


def test_id_reused_with_other_content_in_log(db: Path) -> None:
    """An id already in the log with other content names the line and the seq holding it."""
    Path("events.jsonl").write_bytes(jsonl([FIRST, statistic(id="seed-2", value="9.9"), LAST]))
    before = fingerprint(db)
    message = error_lines(invoke(["append", "events.jsonl", "--db", "gy.db"]))[0]
    assert message == (
        "Error: events.jsonl:2: event id 'seed-2' is already used by seq 2 with other content"
    )
    assert fingerprint(db) == before


def test_id_reused_with_other_content_within_file(db: Path) -> None:
    """The second use of an id within one file, with other content, names its own line."""
    twice_a = statistic(id="twice", stream="indicator/I9", value="1")
    twice_b = statistic(id="twice", stream="indicator/I9", value="2")
    Path("events.jsonl").write_bytes(jsonl([twice_a, "", LAST, twice_b]))
    before = fingerprint(db)
    message = error_lines(invoke(["append", "events.jsonl", "--db", "gy.db"]))[0]
    assert message == (
        "Error: events.jsonl:4: event id 'twice' is already used by "
        "an earlier event of this batch with other content"
    )
    assert fingerprint(db) == before


def test_stale_expected_version(db: Path) -> None:
    """An expected_version the stream has moved past is refused with a hint to re-read."""
    stale = statistic(id="late", expected_version=1)  # indicator/I1 is at version 2
    Path("events.jsonl").write_bytes(jsonl([FIRST, stale, LAST]))
    before = fingerprint(db)
    message, hint = error_lines(invoke(["append", "events.jsonl", "--db", "gy.db"]))
    assert message == (
        "Error: events.jsonl:2: stream 'indicator/I1' is at version 2, but version 1 was expected"
    )
    assert "current version" in hint
    assert fingerprint(db) == before


def test_expected_version_counts_the_lines_before_it(db: Path) -> None:
    """expected_version is checked against the version the file's earlier lines made."""
    lines = [
        statistic(id="a", expected_version=2),
        statistic(id="b", expected_version=3),
        statistic(id="c", expected_version=3),
    ]
    Path("events.jsonl").write_bytes(jsonl(lines))
    before = fingerprint(db)
    message, _ = error_lines(invoke(["append", "events.jsonl", "--db", "gy.db"]))
    assert message == (
        "Error: events.jsonl:3: stream 'indicator/I1' is at version 4, but version 3 was expected"
    )
    assert fingerprint(db) == before


def test_store_error_past_the_first_chunk_names_its_line(db: Path) -> None:
    """A store-level error at line 1203 (the store works in chunks of 500) names line 1203."""
    lines: list[Any] = [
        statistic(id=f"n{number}", stream=f"s/{number % 7}") for number in range(1200)
    ]
    lines[700:700] = ["", "   "]  # blank lines count as lines
    lines.append(statistic(id="late", stream="s/3", expected_version=3))
    Path("events.jsonl").write_bytes(jsonl(lines))
    before = fingerprint(db)
    message, _ = error_lines(invoke(["append", "events.jsonl", "--db", "gy.db"]))
    assert message == (
        "Error: events.jsonl:1203: stream 's/3' is at version 171, but version 3 was expected"
    )
    assert fingerprint(db) == before


def test_id_conflict_past_the_first_chunk_names_no_phantom_seq(db: Path) -> None:
    """An id reused within one file is "an earlier event of this batch" in any chunk.

    Naming a seq would send the reader to a row that the refused batch never wrote.
    """
    lines: list[Any] = [
        statistic(id=f"n{number}", stream=f"s/{number % 7}") for number in range(600)
    ]
    lines.append(statistic(id="n3", stream="s/3", value="9"))  # n3 with other content
    Path("events.jsonl").write_bytes(jsonl(lines))
    before = fingerprint(db)
    message = error_lines(invoke(["append", "events.jsonl", "--db", "gy.db"]))[0]
    assert message == (
        "Error: events.jsonl:601: event id 'n3' is already used by "
        "an earlier event of this batch with other content"
    )
    assert fingerprint(db) == before


def test_bad_line_in_the_middle_of_a_good_file(db: Path) -> None:
    """The good lines before a bad one are not appended either: all or nothing."""
    good = [statistic(id=f"g{number}", stream="indicator/I9") for number in range(6)]
    bad = statistic(id="bad", data=data(value="not a number"))
    Path("events.jsonl").write_bytes(jsonl([*good[:3], "", bad, *good[3:]]))
    before = fingerprint(db)
    message = error_lines(invoke(["append", "events.jsonl", "--db", "gy.db"]))[0]
    assert message.startswith("Error: events.jsonl:5: $.data.value: expected a decimal number")
    assert fingerprint(db) == before
    assert stored_ids(db) == ["seed-1", "seed-2"]
    # The same file without the bad line goes in whole: the refusal was the bad line's.
    Path("events.jsonl").write_bytes(jsonl(good))
    assert invoke(["append", "events.jsonl", "--db", "gy.db"]).exit_code == 0
    assert stored_ids(db) == ["seed-1", "seed-2", *(event["id"] for event in good)]


def test_missing_input_file(db: Path) -> None:
    """A FILE that does not exist is a one-line error and writes nothing."""
    before = fingerprint(db)
    message = error_lines(invoke(["append", "nowhere.jsonl", "--db", "gy.db"]))[0]
    assert "nowhere.jsonl" in message
    assert fingerprint(db) == before


def test_bad_line_through_the_console_script(db: Path) -> None:
    """The installed `gyengine` script prints the same one line on stderr and exits 1."""
    Path("events.jsonl").write_bytes(jsonl([FIRST, statistic(occurred="2019-02-30"), LAST]))
    before = fingerprint(db)
    completed = subprocess.run(
        [gyengine_script(), "append", "events.jsonl", "--db", "gy.db"],
        capture_output=True,
        env=subprocess_env(),
        check=False,
    )
    assert completed.returncode == 1
    assert completed.stdout == b""
    assert completed.stderr.decode() == (
        "Error: events.jsonl:2: $.occurred: '2019-02-30' is not a period "
        "(use 2019-06-30, 2019-W26, 2019-06, 2019-Q2, 2019-H1 or 2019)\n"
    )
    assert fingerprint(db) == before


@pytest.mark.parametrize(
    "content",
    [b"", b"\n", b"\n\n   \n\t\n", b"\r\n\r\n", b"\xef\xbb\xbf\n"],
    ids=["empty", "one-newline", "blank-lines", "crlf-blank-lines", "bom-only"],
)
def test_nothing_to_append(db: Path, content: bytes) -> None:
    """An empty file, or one of blank lines, is not an error: exit 0, says so, writes nothing."""
    Path("events.jsonl").write_bytes(content)
    before = fingerprint(db)
    result = invoke(["append", "events.jsonl", "--db", "gy.db"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "nothing to append: events.jsonl holds no events\n"
    assert fingerprint(db) == before


def test_same_file_twice_appends_nothing_the_second_time(db: Path) -> None:
    """Appending a file again is a no-op by id, and the message says so."""
    Path("events.jsonl").write_bytes(jsonl([FIRST, LAST]))
    seeded = fingerprint(db)
    first = invoke(["append", "events.jsonl", "--db", "gy.db"])
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("appended 2 events (seq 3..4)\nhead 4 ")
    before = fingerprint(db)
    assert before != seeded  # the fingerprint does see an append
    second = invoke(["append", "events.jsonl", "--db", "gy.db"])
    assert second.exit_code == 0, second.output
    assert second.stdout == (
        "appended 0 events; 2 already in the log with the same content (skipped)\n"
    )
    assert fingerprint(db) == before
    assert stored_ids(db) == ["seed-1", "seed-2", "good-1", "good-3"]


def test_dry_run_validates_and_appends_nothing(db: Path) -> None:
    """--dry-run reports what it would append, writes nothing, and still catches errors."""
    Path("events.jsonl").write_bytes(jsonl([FIRST, LAST]))
    before = fingerprint(db)
    result = invoke(["append", "events.jsonl", "--db", "gy.db", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "would append 2 events (seq 3..4)\n"
    assert fingerprint(db) == before
    Path("bad.jsonl").write_bytes(jsonl([FIRST, statistic(id="seed-1", value="0")]))
    message = error_lines(invoke(["append", "bad.jsonl", "--db", "gy.db", "--dry-run"]))[0]
    assert message.startswith("Error: bad.jsonl:2: event id 'seed-1' is already used by seq 1")
    assert fingerprint(db) == before


def test_stdin(db: Path) -> None:
    """`-` reads the events from stdin."""
    result = invoke(["append", "-", "--db", "gy.db"], input=jsonl([FIRST, LAST]))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("appended 2 events (seq 3..4)")
    assert stored_ids(db)[2:] == ["good-1", "good-3"]


def test_stdin_errors_name_stdin(db: Path) -> None:
    """An error in stdin's third line names <stdin>:3."""
    before = fingerprint(db)
    result = invoke(
        ["append", "-", "--db", "gy.db"],
        input=jsonl([FIRST, LAST, statistic(stream=None)]),
    )
    message = error_lines(result)[0]
    assert message == "Error: <stdin>:3: $.stream: expected a string, got None"
    assert fingerprint(db) == before


def test_stdin_through_the_console_script(db: Path) -> None:
    """The console script reads a pipe on stdin and prints nothing on stderr."""
    completed = subprocess.run(
        [gyengine_script(), "append", "-", "--db", "gy.db"],
        input=jsonl([FIRST, LAST]),
        capture_output=True,
        env=subprocess_env(),
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == b""
    assert completed.stdout.startswith(b"appended 2 events (seq 3..4)\nhead 4 ")
    assert stored_ids(db)[2:] == ["good-1", "good-3"]
