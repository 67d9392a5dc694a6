"""docs/verifying.md: its script re-verifies a gyengine log without gyengine, and agrees
with `gyengine verify` on the head hash and on the first broken seq."""

from __future__ import annotations

import ast
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import rfc8785

from cli_helpers import clean_environment, invoke, jsonl, write_plugin
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


def run_script(script: Path, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(script), str(db)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        cwd=db.parent,
    )


def gyengine_verify() -> tuple[int, str]:
    result = invoke(["verify", "--db", "gy.db"])
    return result.exit_code, result.stdout + result.stderr


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
    """On an intact log the script prints ok, the count and the head hash gyengine prints."""
    code, text = gyengine_verify()
    assert code == 0, text
    match = re.fullmatch(r"gy\.db: ok, (\d+) events, head seq \d+ hash ([0-9a-f]{64})\n", text)
    assert match, text
    completed = run_script(script, db)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == f"ok {match[1]} events, head {match[2]}\n"
    assert match[1] == "16"


def test_script_on_an_empty_log(
    script: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty log is ok with 0 events and the genesis hash as head."""
    monkeypatch.chdir(tmp_path)
    assert invoke(["init", "--db", "empty.db"]).exit_code == 0
    completed = run_script(script, tmp_path / "empty.db")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == f"ok 0 events, head {'0' * 64}\n"


@pytest.mark.parametrize(
    ("sql", "seq"),
    [
        ("UPDATE events SET data = replace(data, '8.4', '8.5') WHERE seq = 2", 2),
        ("UPDATE events SET data = replace(data, '0.1', '0.2') WHERE seq = 11", 11),
        ("UPDATE events SET occurred = '2019-03' WHERE seq = 4", 4),
        ("UPDATE events SET supersedes = NULL WHERE seq = 10", 10),
        ("UPDATE events SET recorded = '2000-01-01T00:00:00.000000Z' WHERE seq = 1", 1),
        ("UPDATE events SET hash = upper(hash) WHERE seq = 7", 7),
        ("UPDATE events SET prev_hash = hash WHERE seq = 5", 5),
        ("DELETE FROM events WHERE seq = 6", 6),
        ("DELETE FROM events WHERE seq = 1", 1),
    ],
    ids=[
        "data",
        "float-data",
        "occurred",
        "supersedes",
        "recorded",
        "hash-case",
        "prev-hash",
        "deleted-row",
        "deleted-first-row",
    ],
)
def test_script_names_the_tampered_seq(script: Path, db: Path, sql: str, seq: int) -> None:
    """After one row is changed with sqlite3, the script and gyengine name the same seq."""
    conn = sqlite3.connect(db)
    with conn:
        assert conn.execute(sql).rowcount == 1
    conn.close()
    completed = run_script(script, db)
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout.startswith(f"broken at seq {seq}: "), completed.stdout
    code, text = gyengine_verify()
    assert code == 1
    assert f"chain broken at seq {seq}: " in text


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
