"""docs/verifying.md: its script re-verifies a gyengine log without gyengine, and finds the
same first problem (seq and kind) as `gyengine verify` on a log changed behind the store's back."""

from __future__ import annotations

import ast
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
import rfc8785
from hypothesis import event, given, settings
from hypothesis import strategies as st

from cli_helpers import clean_environment, invoke, jsonl, write_plugin
from gyengine import SQLiteEventStore
from gyengine.canonical import GENESIS_HASH, event_hash, row_envelope
from gyengine.events import ENVELOPE_FIELDS

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "verifying.md"
SAMPLE = ROOT / "events" / "sample" / "sample.jsonl"


def doc_blocks(language: str) -> list[str]:
    """The fenced code blocks of the doc tagged ``language`` ("" for untagged ones)."""
    blocks: list[tuple[str, list[str]]] = []
    inside = False
    for line in DOC.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("```"):
            if not inside:
                blocks.append((line[3:].strip(), []))
            inside = not inside
        elif inside:
            blocks[-1][1].append(line)
    assert not inside, "an unclosed code fence"
    return ["".join(lines) for tag, lines in blocks if tag == language]


@pytest.fixture(scope="module")
def script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The doc's Python script, written to a file of its own."""
    [code] = doc_blocks("python")
    path = tmp_path_factory.mktemp("doc") / "verify_log.py"
    path.write_text(code, encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A gyengine database with the bundled sample log and payloads that need full JCS.

    The sample has Chinese text, a correction and a retraction; the extra
    events add floats, a date, an astral-plane character and escapes.
    """
    clean_environment(monkeypatch)
    monkeypatch.chdir(tmp_path)
    plugins = write_plugin(tmp_path / "plugins")
    extra = [
        {
            "type": "MilestoneSet",
            "stream": "project/P07",
            "occurred": "2019-Q2",
            "actor": 'unit "A" \\ 𠀋',
            "data": {
                "project": "P07 😀\u2028\t</script>",
                "due": "2019-06-30",
                "count": 9007199254740991,
                "amount": "-0.000100",
                "ratio": ratio,
            },
        }
        for ratio in (0.1, 1e21, 5e-324, -0.0, 123456789.125, 1e-7)
    ]
    (tmp_path / "extra.jsonl").write_bytes(jsonl(extra))
    assert invoke(["init", "--db", "gy.db"]).exit_code == 0
    for source in (str(SAMPLE), "extra.jsonl"):
        result = invoke(["--plugins-dir", str(plugins), "append", source, "--db", "gy.db"])
        assert result.exit_code == 0, result.output
    return tmp_path / "gy.db"


Problem = tuple[int, str] | None
"""The first problem of a log as (seq, kind), or None when it verifies."""

Tamper = Callable[[sqlite3.Connection], None]

COLUMNS = ", ".join(ENVELOPE_FIELDS)
SEQ = 900  # a row in the middle of the demo log (1,758 events)


def run_script(script: Path, db: Path) -> subprocess.CompletedProcess[str]:
    """Run the doc's script with this interpreter, as a reader would."""
    return subprocess.run(
        [sys.executable, str(script), str(db)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        cwd=db.parent,
    )


def script_problem(script: Path, db: Path) -> Problem:
    """What the script reports, checking its output's form and its exit status."""
    completed = run_script(script, db)
    assert completed.stderr == ""
    if completed.returncode == 0:
        assert re.fullmatch(r"ok, (\d+) events, head seq \1 hash [0-9a-f]{64}\n", completed.stdout)
        return None
    assert completed.returncode == 1
    match = re.fullmatch(r"seq (-?\d+): (\w+): [^\n]+\n", completed.stdout)
    assert match, completed.stdout
    return int(match[1]), match[2]


def gyengine_problem(db: Path) -> Problem:
    """What `gyengine verify` (the store's check) reports."""
    with SQLiteEventStore(db) as store:
        problem = store.verify().problem
    return None if problem is None else (problem.seq, problem.kind)


def gyengine_verify() -> tuple[int, str]:
    result = invoke(["verify", "--db", "gy.db"])
    return result.exit_code, result.stdout + result.stderr


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled demo log, written by `gyengine demo init` (never changed: tamper with copies)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with pytest.MonkeyPatch.context() as monkeypatch:
        clean_environment(monkeypatch)
        result = invoke(["demo", "init", "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path


@contextmanager
def tampered(demo: Path, tamper: Tamper) -> Iterator[Path]:
    """A copy of the demo log changed by ``tamper`` with plain sqlite3, as a forger would."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "log.db"
        with closing(sqlite3.connect(demo)) as source, closing(sqlite3.connect(path)) as copy:
            source.backup(copy)
            with copy:
                tamper(copy)
        yield path


def rechain(conn: sqlite3.Connection, start: int) -> None:
    """Recompute every hash and link from seq ``start`` on, so that only other checks can fail."""
    before = conn.execute("SELECT hash FROM events WHERE seq = ?", (start - 1,)).fetchone()
    prev = before[0] if before else GENESIS_HASH
    rows = conn.execute(f"SELECT {COLUMNS} FROM events WHERE seq >= ? ORDER BY seq", (start,))
    for row in rows.fetchall():
        digest = event_hash(row_envelope((*row[:11], prev)))
        conn.execute(
            "UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, row[0])
        )
        prev = digest


def sql(*statements: str) -> Tamper:
    """Run SQL statements, each of which must change exactly one row."""

    def apply(conn: sqlite3.Connection) -> None:
        for statement in statements:
            assert conn.execute(statement).rowcount == 1, statement

    return apply


def then_rechain(tamper: Tamper, start: int = SEQ) -> Tamper:
    """``tamper``, then every hash and link from ``start`` on recomputed."""

    def apply(conn: sqlite3.Connection) -> None:
        tamper(conn)
        rechain(conn, start)

    return apply


def edit_data(change: Callable[[str], str], seq: int = SEQ) -> Tamper:
    """Replace the stored ``data`` text of one row by ``change(text)``."""

    def apply(conn: sqlite3.Connection) -> None:
        [text] = conn.execute("SELECT data FROM events WHERE seq = ?", (seq,)).fetchone()
        changed = change(text)
        assert changed != text
        conn.execute("UPDATE events SET data = ? WHERE seq = ?", (changed, seq))

    return apply


def without_strict(*statements: str) -> Tamper:
    """Rebuild the table without STRICT and with untyped columns, then run ``statements``:
    only then can a column hold a value of another type."""

    def apply(conn: sqlite3.Connection) -> None:
        [schema] = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'events'").fetchone()
        loose = re.sub(r" (TEXT|INTEGER)(?! PRIMARY)", "", schema.replace(") STRICT", ")"))
        conn.execute("ALTER TABLE events RENAME TO strict_events")
        conn.execute(loose.replace(" IF NOT EXISTS", ""))
        conn.execute("INSERT INTO events SELECT * FROM strict_events")
        conn.execute("DROP TABLE strict_events")
        sql(*statements)(conn)

    return apply


def bump_a_digit(text: str) -> str:
    """One byte changed: the first digit of the payload, plus one."""
    at = next(index for index, char in enumerate(text) if char.isdigit())
    return text[:at] + str((int(text[at]) + 1) % 10) + text[at + 1 :]


def repeat_a_key(text: str) -> str:
    """A key repeated in front with another value: Python's json keeps the last, others the first."""
    key = next(iter(json.loads(text)))
    return "{" + json.dumps(key) + ':"forged",' + text[1:]


def reorder_keys(text: str) -> str:
    """The same members in reverse order."""
    reverse = dict(reversed(json.loads(text).items()))
    return json.dumps(reverse, ensure_ascii=False, separators=(",", ":"))


NOT_UTF8 = "CAST(x'c328ff' AS TEXT)"

TAMPERS: list[tuple[str, Tamper, Problem]] = [
    (
        "seq-zero-not-utf8",
        sql(f"UPDATE events SET seq = 0, actor = {NOT_UTF8} WHERE seq = {SEQ}"),
        (0, "undecodable"),
    ),
    (
        "first-row-to-zero-not-utf8",
        sql(f"UPDATE events SET seq = 0, actor = {NOT_UTF8} WHERE seq = 1"),
        (0, "undecodable"),
    ),
    ("data-byte", edit_data(bump_a_digit), (SEQ, "hash")),
    ("data-repeated-key", edit_data(repeat_a_key), (SEQ, "hash")),
    ("data-whitespace", edit_data(lambda text: text.replace(",", ", ", 1)), (SEQ, "hash")),
    ("data-key-order", edit_data(reorder_keys), (SEQ, "hash")),
    ("first-data-whitespace", edit_data(lambda text: text + " ", seq=1), (1, "hash")),
    ("occurred", sql(f"UPDATE events SET occurred = '2019-W01' WHERE seq = {SEQ}"), (SEQ, "hash")),
    (
        "hash-upper-case",
        sql(f"UPDATE events SET hash = upper(hash) WHERE seq = {SEQ}"),
        (SEQ, "hash"),
    ),
    ("deleted-row", sql(f"DELETE FROM events WHERE seq = {SEQ}"), (SEQ, "gap")),
    ("deleted-first-row", sql("DELETE FROM events WHERE seq = 1"), (1, "gap")),
    (
        "swapped-rows",
        sql(
            f"UPDATE events SET seq = -1 WHERE seq = {SEQ}",
            f"UPDATE events SET seq = {SEQ} WHERE seq = {SEQ + 1}",
            f"UPDATE events SET seq = {SEQ + 1} WHERE seq = -1",
        ),
        (SEQ, "link"),
    ),
    ("seq-zero", sql(f"UPDATE events SET seq = 0 WHERE seq = {SEQ}"), (0, "undecodable")),
    ("seq-negative", sql("UPDATE events SET seq = -5 WHERE seq = 1"), (-5, "undecodable")),
    (
        "prev-hash",
        sql(f"UPDATE events SET prev_hash = '{GENESIS_HASH}' WHERE seq = {SEQ}"),
        (SEQ, "link"),
    ),
    (
        "recorded-backwards-rehashed",
        then_rechain(
            sql(f"UPDATE events SET recorded = '2019-01-01T00:00:00.000000Z' WHERE seq = {SEQ}")
        ),
        (SEQ, "order"),
    ),
    (
        "version-jump-rehashed",
        then_rechain(sql(f"UPDATE events SET version = version + 1000 WHERE seq = {SEQ}")),
        (SEQ, "version"),
    ),
    (
        "first-version-zero-rehashed",
        then_rechain(sql("UPDATE events SET version = 0 WHERE seq = 1"), start=1),
        (1, "version"),
    ),
    (
        "not-utf8-data",
        sql(f"UPDATE events SET data = {NOT_UTF8} WHERE seq = {SEQ}"),
        (SEQ, "undecodable"),
    ),
    (
        "not-utf8-actor",
        sql(f"UPDATE events SET actor = {NOT_UTF8} WHERE seq = {SEQ}"),
        (SEQ, "undecodable"),
    ),
    (
        "gap-then-not-utf8",
        sql(
            f"DELETE FROM events WHERE seq = {SEQ}",
            f"UPDATE events SET stream = {NOT_UTF8} WHERE seq = {SEQ + 1}",
        ),
        (SEQ, "gap"),
    ),
    (
        "integer-actor",
        without_strict(f"UPDATE events SET actor = 5 WHERE seq = {SEQ}"),
        (SEQ, "undecodable"),
    ),
    (
        "blob-type",
        without_strict(f"UPDATE events SET type = x'41' WHERE seq = {SEQ}"),
        (SEQ, "undecodable"),
    ),
    (
        "text-version",
        without_strict(f"UPDATE events SET version = '26' WHERE seq = {SEQ}"),
        (SEQ, "undecodable"),
    ),
]


@pytest.mark.parametrize(
    ("tamper", "expected"), [case[1:] for case in TAMPERS], ids=[case[0] for case in TAMPERS]
)
def test_script_finds_what_gyengine_finds(
    script: Path, demo: Path, tamper: Tamper, expected: Problem
) -> None:
    """On a changed copy of the demo log, the script and gyengine name the same seq and kind."""
    with tampered(demo, tamper) as path:
        found = script_problem(script, path)
        assert found == expected
        assert gyengine_problem(path) == found


def test_script_agrees_on_the_untouched_demo_log(script: Path, demo: Path) -> None:
    """The untouched demo log verifies, with the count and head hash gyengine reports."""
    completed = run_script(script, demo)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    with SQLiteEventStore(demo) as store:
        result = store.verify()
    assert result.ok
    head = f"head seq {result.head.seq} hash {result.head.hash}"
    assert completed.stdout == f"ok, {result.checked} events, {head}\n"


def test_script_imports_only_the_standard_library_and_rfc8785(script: Path) -> None:
    """The script needs nothing but the standard library and an RFC 8785 implementation."""
    tree = ast.parse(script.read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0
            assert node.module is not None
            modules.add(node.module.partition(".")[0])
    assert "rfc8785" in modules
    assert modules - {"rfc8785"} <= sys.stdlib_module_names, modules
    # Nor a back door to gyengine's own code.
    assert "importlib" not in modules
    assert "__import__" not in script.read_text(encoding="utf-8")


def test_script_agrees_with_gyengine_verify(script: Path, db: Path) -> None:
    """On payloads that need full JCS (floats, astral characters, escapes), the script prints
    ok with the count and head hash gyengine prints."""
    code, text = gyengine_verify()
    assert code == 0, text
    assert text.startswith("gy.db: ok, 16 events, head seq 16 hash "), text
    completed = run_script(script, db)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "gy.db: " + completed.stdout == text


def test_script_on_an_empty_log(
    script: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty log is ok with 0 events and the genesis hash as head."""
    monkeypatch.chdir(tmp_path)
    assert invoke(["init", "--db", "empty.db"]).exit_code == 0
    completed = run_script(script, tmp_path / "empty.db")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == f"ok, 0 events, head seq 0 hash {GENESIS_HASH}\n"


def test_doc_console_example_is_the_demo_log(
    script: Path, demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The doc's example session is what the script and gyengine print for the demo log."""
    [session] = doc_blocks("console")
    clean_environment(monkeypatch)
    monkeypatch.chdir(tmp_path)
    with closing(sqlite3.connect(demo)) as source, closing(sqlite3.connect("gyengine.db")) as copy:
        source.backup(copy)
    ran = run_script(script, tmp_path / "gyengine.db")
    verified = invoke(["verify", "--db", "gyengine.db"])
    assert session == (
        f"$ python verify_log.py gyengine.db\n{ran.stdout}"
        f"$ gyengine verify --db gyengine.db\n{verified.stdout}"
    )


# A non-canonical data text whose hash (and every later one) was recomputed is not
# a chain problem: the hash covers the exact bytes. Only a rewrite makes such a
# row, and a rewrite is found against a saved run or a published head.
NOT_CHAIN_PROBLEMS: list[tuple[str, Tamper]] = [
    (
        "non-canonical-data-rehashed",
        then_rechain(edit_data(lambda text: text.replace(",", ", ", 1))),
    ),
]


@pytest.mark.parametrize(
    "tamper", [case[1] for case in NOT_CHAIN_PROBLEMS], ids=[case[0] for case in NOT_CHAIN_PROBLEMS]
)
def test_script_and_gyengine_pass_a_consistently_rehashed_row(
    script: Path, demo: Path, tamper: Tamper
) -> None:
    """Neither reports a row whose text changed with its hashes recomputed: the chain holds."""
    with tampered(demo, tamper) as path:
        assert script_problem(script, path) is None
        with SQLiteEventStore(path) as store:
            assert store.verify().ok


@settings(max_examples=25)  # each example runs the script in a process of its own
@given(data=st.data())
def test_any_changed_byte_of_data_is_found_as_gyengine_finds_it(
    script: Path, demo: Path, data: st.DataObject
) -> None:
    """Any one byte of any row's stored data text changed (even into invalid UTF-8): both
    name that row, with the same kind."""
    with closing(sqlite3.connect(demo)) as conn:
        [count] = conn.execute("SELECT count(*) FROM events").fetchone()
        seq = data.draw(st.integers(1, count), label="seq")
        [text] = conn.execute("SELECT data FROM events WHERE seq = ?", (seq,)).fetchone()
    stored = bytearray(text.encode())
    position = data.draw(st.integers(0, len(stored) - 1), label="position")
    stored[position] ^= data.draw(st.integers(1, 255), label="mask")

    def flip(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE events SET data = CAST(? AS TEXT) WHERE seq = ?", (bytes(stored), seq))

    with tampered(demo, flip) as path:
        found = script_problem(script, path)
        event(f"{found and found[1]}")
        assert found is not None
        assert found[0] == seq
        assert gyengine_problem(path) == found


def test_doc_lists_the_hashed_envelope_fields() -> None:
    """The doc's list of hashed keys is gyengine's envelope without `hash`, sorted."""
    [listing] = [block for block in doc_blocks("") if block.startswith("actor, ")]
    keys = [key.strip() for key in listing.split(",")]
    assert keys == sorted(set(ENVELOPE_FIELDS) - {"hash"})


def test_doc_example_envelope_is_canonical() -> None:
    """The doc's example envelope is in RFC 8785 form and has exactly the hashed keys."""
    [example] = doc_blocks("json")
    line = example.strip()
    assert rfc8785.dumps(json.loads(line)) == line.encode("utf-8")
    assert sorted(json.loads(line)) == sorted(set(ENVELOPE_FIELDS) - {"hash"})
