"""The layout of saved runs: results and evidence in deduplicated packs, and the
migration of databases of the first layout (a row per result, a row per evidence seq).

A first-layout database is made here by writing its tables directly, with the
first layout's SQL (kept below as it was), from the rows of runs saved with the
current code: the same runs, the same seals.
"""

from __future__ import annotations

import hashlib
import itertools
import shutil
import sqlite3
import zlib
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from hypothesis import given, settings
from hypothesis import strategies as st

import gyengine
import pg_helpers
import replay_helpers as h
import strategies
from gyengine.canonical import canonical_json
from gyengine.runs import (
    PACK_CUT,
    PACK_MAX,
    PACK_MIN,
    RESULT_COLUMNS,
    RunStore,
    _digest_line,
    _pack_line,
    _packs,
    _run_content,
    _texts,
)
from gyengine.seal import Sealer

FIRST_LAYOUT_SQLITE = f"""
CREATE TABLE results (
    [run_id] INTEGER REFERENCES [runs]([id]),
    [n] INTEGER,
    {", ".join(f"[{c}] TEXT" for c in RESULT_COLUMNS)},
    PRIMARY KEY ([run_id], [n])
);
CREATE TABLE evidence (
    [run_id] INTEGER REFERENCES [runs]([id]),
    [n] INTEGER,
    [seq] INTEGER,
    PRIMARY KEY ([run_id], [n], [seq])
);
CREATE INDEX [idx_results_run_id_subject] ON [results] ([run_id], [subject])
"""
"""The results and evidence tables of gyengine 0.1 on SQLite, as its runs.py made them."""

FIRST_LAYOUT_PG = f"""
CREATE TABLE results (
    run_id BIGINT REFERENCES runs (id),
    n BIGINT,
    {", ".join(f"{c} TEXT" for c in RESULT_COLUMNS)},
    PRIMARY KEY (run_id, n)
);
CREATE TABLE evidence (
    run_id BIGINT REFERENCES runs (id),
    n BIGINT,
    seq BIGINT,
    PRIMARY KEY (run_id, n, seq)
);
CREATE INDEX idx_results_run_id_subject ON results (run_id, subject)
"""
"""The same on PostgreSQL, as its postgres.py made them."""


def _saved(store: Any) -> dict[int, list[tuple[int, dict[str, Any], list[int]]]]:
    """Every saved run's results and evidence, read through the run store."""
    runs = store.runs()
    return {run_id: list(runs.results(run_id)) for run_id, *_ in runs.anchors()}


def _to_first_layout(conn: Any, saved: dict[int, Any], schema: str, mark: str = "?") -> None:
    """Rewrite the packs of ``saved`` runs as the first layout's tables, as 0.1 wrote them."""
    for statement in ("DROP VIEW IF EXISTS evidence", "DROP VIEW IF EXISTS results"):
        if mark == "?":
            conn.execute(statement)
    conn.execute("DROP TABLE run_packs")
    conn.execute("DROP TABLE result_packs")
    for statement in schema.split(";"):
        conn.execute(statement)
    marks = ", ".join([mark] * (len(RESULT_COLUMNS) + 2))
    for run_id, rows in saved.items():
        for n, row, evidence in rows:
            conn.execute(
                f"INSERT INTO results (run_id, n, {', '.join(RESULT_COLUMNS)}) VALUES ({marks})",
                (run_id, n, *(row[c] for c in RESULT_COLUMNS)),
            )
            for seq in evidence:
                conn.execute(
                    f"INSERT INTO evidence VALUES ({mark}, {mark}, {mark})", (run_id, n, seq)
                )


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo year with two saved runs (to mid-year and the whole year)."""
    path = tmp_path_factory.mktemp("layout") / "demo.db"
    for args in (
        ["demo", "init", "--db", str(path)],
        ["replay", "--db", str(path), "--format", "json", "--as-of", "2019-06-30"],
        ["replay", "--db", str(path), "--format", "json"],
    ):
        assert h.run_cli(args).exit_code == 0
    return path


@pytest.fixture(scope="module")
def first_layout(two_runs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``two_runs`` with its runs written as the first layout's tables."""
    path = tmp_path_factory.mktemp("first") / "old.db"
    shutil.copy(two_runs, path)
    with gyengine.SQLiteEventStore(path) as store:
        saved = _saved(store)
    with closing(sqlite3.connect(path)) as conn, conn:
        _to_first_layout(conn, saved, FIRST_LAYOUT_SQLITE)
    return path


def _vacuumed_size(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("VACUUM")
    return path.stat().st_size


def _table_names(path: Path) -> dict[str, str]:
    return dict(h.execute_query(path, "SELECT name, type FROM sqlite_master"))


def test_a_first_layout_database_migrates_on_open_with_every_seal_valid(
    two_runs: Path, first_layout: Path, tmp_path: Path
) -> None:
    """Opened by this gyengine, the old tables become packs: verify passes (no seal
    remade), every run has the same results and evidence, and the file shrinks."""
    path = tmp_path / "old.db"
    shutil.copy(first_layout, path)
    before = _vacuumed_size(path)
    assert _table_names(path)["results"] == "table"
    with gyengine.SQLiteEventStore(two_runs) as store:
        expected = _saved(store)
    seals = h.execute_query(path, "SELECT id, seal FROM runs ORDER BY id")
    assert h.execute_query(path, "SELECT count(*) FROM evidence")[0][0] > 50_000

    verified = h.run_cli(["verify", "--db", str(path)])
    assert verified.exit_code == 0, verified.output
    assert "2 saved runs" in verified.stdout
    names = _table_names(path)
    assert (names["results"], names["evidence"], names["result_packs"]) == ("view", "view", "table")
    assert not any(name.startswith("first_layout") for name in names)
    assert h.execute_query(path, "SELECT id, seal FROM runs ORDER BY id") == seals
    with gyengine.SQLiteEventStore(path) as store:
        assert _saved(store) == expected
    after = _vacuumed_size(path)
    assert after < before / 2, (before, after)


def test_the_migration_keeps_an_edit_made_before_it_visible(
    first_layout: Path, tmp_path: Path
) -> None:
    """An old database edited before it was migrated still fails verify after: the packs
    carry what was there (evidence without a result too), not what the seal vouched for."""
    for n, statement in enumerate(
        (
            "UPDATE results SET value = '99.9' WHERE run_id = 2 AND n = 17",
            "INSERT INTO evidence VALUES (2, 999999, 3)",  # evidence of no result
            "DELETE FROM results WHERE run_id = 1 AND n = 5",  # a gap in n
        )
    ):
        path = tmp_path / f"edited-{n}.db"
        shutil.copy(first_layout, path)
        assert h.execute(path, statement) == 1
        result = h.run_cli(["verify", "--db", str(path)])
        assert result.exit_code == 1, statement
        assert "its content does not match its seal" in result.stderr
        assert "result_packs" in _table_names(path)


def test_a_repeated_replay_stores_no_pack_again(two_runs: Path, tmp_path: Path) -> None:
    """A third replay of the same log with the same options adds a run of links only."""
    path = tmp_path / "d.db"
    shutil.copy(two_runs, path)
    packs = h.count_rows(path, "result_packs")
    before = _vacuumed_size(path)
    assert h.run_cli(["replay", "--db", str(path), "--format", "json"]).exit_code == 0
    assert h.count_rows(path, "result_packs") == packs
    links = h.execute_query(
        path,
        "SELECT run_id, count(*), sum(rows) FROM run_packs JOIN result_packs"
        " ON result_packs.id = run_packs.pack_id GROUP BY run_id ORDER BY run_id",
    )
    assert links[2][1:] == links[1][1:]
    assert _vacuumed_size(path) - before <= 8192  # two pages at most: the run and its links
    assert h.run_cli(["verify", "--db", str(path)]).exit_code == 0


def test_the_views_show_results_and_evidence_as_the_run_store_reads_them(
    two_runs: Path,
) -> None:
    """datasette and sqlite-utils (through gyengine's plugin) and plain sqlite3 (with the
    function registered) see the ``results`` and ``evidence`` views as the old tables."""
    with gyengine.SQLiteEventStore(two_runs) as store:
        saved = _saved(store)
    database = sqlite_utils.Database(two_runs)  # the plugin gives it sqlar_uncompress
    rows = list(database["results"].rows_where("run_id = ?", [2], order_by="n"))
    assert [(r["n"], *(r[c] for c in RESULT_COLUMNS)) for r in rows] == [
        (n, *(row[c] for c in RESULT_COLUMNS)) for n, row, _ in saved[2]
    ]
    evidence = list(database["evidence"].rows_where("run_id = ?", [2], order_by="n, seq"))
    assert [(e["n"], e["seq"]) for e in evidence] == [
        (n, seq) for n, _, seqs in saved[2] for seq in seqs
    ]
    assert len(evidence) > 10_000
    # As datasette filters (?n=17 is the text '17'): n and seq have INTEGER affinity.
    by_text = database.execute(
        "SELECT count(*) FROM results WHERE run_id = '2' AND n = '17'"
        " UNION ALL SELECT count(*) FROM evidence WHERE run_id = '2' AND n = '17' AND seq = ?",
        [str(saved[2][16][2][0])],
    ).fetchall()
    assert by_text == [(1,), (1,)]
    assert h.count_rows(two_runs, "evidence") == sum(
        len(seqs) for rows in saved.values() for _, _, seqs in rows
    )


def test_the_sqlite3_shell_reads_the_views_without_gyengine() -> None:
    """``sqlar_uncompress`` is the shell's own: the views are readable there as they are."""
    shell = shutil.which("sqlite3")
    if shell is None:
        pytest.skip("no sqlite3 shell on this machine")
    import subprocess

    data = ("[" + ",".join(['["a",[1,2]]'] * 20) + "]").encode()
    script = (
        f"CREATE TABLE t (size, body); INSERT INTO t VALUES ({len(data)},"
        f" x'{zlib.compress(data, 9).hex()}');"
        " SELECT count(*) FROM t, json_each(CAST(sqlar_uncompress(body, size) AS TEXT));"
    )
    out = subprocess.run([shell, ":memory:", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "20"


def test_packs_are_cut_at_evaluators_gaps_and_by_content() -> None:
    """Pack boundaries: a change of evaluator, a gap in n, PACK_MAX rows, and after a row
    whose CRC-32 is a multiple of PACK_CUT once PACK_MIN rows are in; so the same rows
    give the same packs wherever they start."""
    lines = [(n, "a" if n <= 2000 else "b", f"[{n}]".encode()) for n in range(1, 2601)]
    lines.remove((2500, "b", b"[2500]"))
    packs = list(_packs(lines))
    assert sum(p.rows for p in packs) == 2599
    firsts = [p.first_n for p in packs]
    assert 2001 in firsts  # the evaluator changes
    assert 2501 in firsts  # the gap
    assert max(p.rows for p in packs) <= PACK_MAX
    for pack, following in itertools.pairwise(packs):
        last = pack.first_n + pack.rows - 1
        natural = zlib.crc32(f"[{last}]".encode()) % PACK_CUT == 0 and pack.rows >= PACK_MIN
        assert natural or following.first_n in (2001, 2501) or pack.rows == PACK_MAX
    # 300 rows put in front: every pack after the first boundary is found again.
    shifted = list(_packs([(n, "a", f"[{n + 10_000}]".encode()) for n in range(1, 301)] + lines))
    assert {p.data for p in packs[1:]} <= {p.data for p in shifted}


# -- each result put in canonical form once ----------------------------------------------


def _first_digest_line(n: int, fields: Any, evidence: list[int]) -> str:
    """A result's digest line as first made: one canonical JSON of the whole line."""
    return canonical_json([n, list(fields), sorted(evidence)]) + "\n"


def _first_pack_line(fields: Any, evidence: list[int]) -> str:
    """A result's pack line as first made: one canonical JSON of the whole row."""
    return canonical_json([*fields, list(evidence)])


@given(st.integers(1, 10**9), strategies.result_rows)
def test_a_results_lines_are_made_from_its_texts_as_they_were_made_whole(
    n: int, row: tuple[list[Any], list[int]]
) -> None:
    """The digest line and the pack line built from the fields' and the evidence's
    canonical texts are byte for byte the lines made whole (no fields, no evidence,
    unicode, Decimals as text, None included)."""
    fields, evidence = row
    seqs = sorted(set(evidence))
    fields_text, evidence_text = _texts(fields, seqs)
    assert _digest_line(n, fields_text, evidence_text) == _first_digest_line(n, fields, seqs)
    assert _pack_line(fields_text, evidence_text) == _first_pack_line(fields, seqs)


RUN_ROW = {
    "as_of": None,
    "known_at": None,
    "seq_from": 1,
    "seq_to": 0,
    "head_hash": "0" * 64,
    "chain_ok": 1,
    "chain_problem": None,
    "allow_broken_chain": 0,
    "options": "{}",
    "plugins": "[]",
    "evaluators": "[]",
    "verified_from": 1,
    "trusted": "[]",
}


@settings(max_examples=25)
@given(st.lists(strategies.result_rows, min_size=1, max_size=60))
def test_a_saved_run_stores_and_seals_what_it_did(rows: list[tuple[list[Any], list[int]]]) -> None:
    """A run saved now stores the packs and seals the digest that the lines made whole
    give, so runs saved before and after read and check alike."""
    sealer = Sealer(b"k" * 32)
    runs = RunStore(sqlite3.connect(":memory:"), sealer)
    results = [
        {**dict(zip(RESULT_COLUMNS, [*fields, *[None] * 17][:17], strict=True)), "evidence": seqs}
        for fields, seqs in rows
    ]
    run_id = runs.save_run(RUN_ROW, results)
    lines = {
        n: (tuple(row[c] for c in RESULT_COLUMNS), sorted(set(row["evidence"])))
        for n, row in enumerate(results, start=1)
    }
    stored = runs.conn.execute(
        "SELECT first_n, rows, size, body FROM run_packs JOIN result_packs"
        " ON result_packs.id = run_packs.pack_id WHERE run_id = ? ORDER BY first_n",
        (run_id,),
    ).fetchall()
    assert sum(count for _, count, _, _ in stored) == len(results)
    for first_n, count, size, body in stored:
        made = [_first_pack_line(*lines[n]) for n in range(first_n, first_n + count)]
        data = zlib.decompress(body) if len(body) != size else body
        assert data == ("[" + ",".join(made) + "]").encode()
    digest = hashlib.sha256(
        "".join(_first_digest_line(n, *lines[n]) for n in lines).encode()
    ).hexdigest()
    (run,) = list(runs._runs())
    assert sealer.check("run", _run_content(run, digest), run["seal"]) is None
    assert list(runs.problems(lambda seq: None)) == []


# -- PostgreSQL ------------------------------------------------------------------------


@pytest.fixture
def pg_first_layout() -> Iterator[tuple[str, dict[int, Any]]]:
    """The demo year on PostgreSQL with two runs written as the first layout's tables."""
    with pg_helpers.database() as url:
        for args in (
            ["demo", "init", "--db", url],
            ["replay", "--db", url, "--format", "json", "--as-of", "2019-06-30"],
            ["replay", "--db", url, "--format", "json"],
        ):
            assert h.run_cli(args).exit_code == 0
        with gyengine.open(url) as engine:
            saved = _saved(engine.store)
        import psycopg

        with closing(psycopg.connect(url)) as conn, conn.transaction():
            _to_first_layout(conn, saved, FIRST_LAYOUT_PG, "%s")
        yield url, saved


def test_a_first_layout_postgresql_database_migrates(
    pg_first_layout: tuple[str, dict[int, Any]],
) -> None:
    """On PostgreSQL too: migrated on first use, every seal valid, the same results."""
    url, saved = pg_first_layout
    with gyengine.open(url) as engine:
        tables = engine.store.runs().conn.tables()
        assert "results" in tables
        assert "result_packs" not in tables
        audit = engine.verify()
        assert audit.ok, audit.problem
        assert audit.runs == 2
        tables = engine.store.runs().conn.tables()
        assert "results" not in tables
        assert "evidence" not in tables
        assert {"result_packs", "run_packs"} <= tables
        assert _saved(engine.store) == saved
    assert all(len(rows) > 1000 for rows in saved.values())


def test_a_run_store_without_runs_reads_nothing(tmp_path: Path) -> None:
    """A log that never saved a run has no run tables; reading results makes none."""
    path = tmp_path / "log.db"
    with gyengine.SQLiteEventStore(path, create=True) as store:
        assert list(RunStore(store.conn).results(1)) == []
    assert "run_packs" not in _table_names(path)
