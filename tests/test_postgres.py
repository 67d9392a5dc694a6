"""The PostgreSQL backend beyond the store contract: the same chain as SQLite byte for byte,
every tamper of the tamper suite, sealed runs and checkpoints, and the CLI.

Every test works in a database of its own and skips where no server answers
(see pg_helpers). The contract itself runs on PostgreSQL through ``BACKENDS``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

import gyengine
import gyengine.store
import pg_helpers
import replay_helpers as h
from gyengine.events import ENVELOPE_FIELDS
from test_tamper_suite import CHECKPOINT_STATE, DERIVED, EDITS, EVENTS, Tamperer, _expected

COLUMNS = ", ".join(ENVELOPE_FIELDS)
INSERT = f"INSERT INTO events ({COLUMNS}) VALUES ({', '.join(['%s'] * len(ENVELOPE_FIELDS))})"


def _psql(url: str) -> Any:
    """A plain psycopg connection, as a tamperer (or a copying script) would use."""
    import psycopg

    return psycopg.connect(url, autocommit=True)


def _copy_rows(rows: Iterator[tuple[Any, ...]], url: str) -> None:
    """Insert rows verbatim into a log's events table."""
    with closing(_psql(url)) as conn, conn.cursor() as cursor:
        cursor.executemany(INSERT, list(rows))


@pytest.fixture(scope="module")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled demo year in SQLite."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result = h.run_cli(["demo", "init", "--db", path])
    assert result.exit_code == 0, result.output
    return path


# -- the same chain, byte for byte ------------------------------------------------------


def test_a_log_copied_from_sqlite_verifies_with_the_same_head(
    demo_sqlite: Path, tmp_path: Path
) -> None:
    """SQLite -> PostgreSQL -> SQLite, rows inserted verbatim: every copy verifies with the same head."""
    with gyengine.SQLiteEventStore(demo_sqlite) as source:
        expected = source.verify()
        rows = list(source.read_rows())
    assert expected.ok
    assert expected.checked == len(rows) > 1000
    with pg_helpers.database() as url:
        gyengine.open_store(url, create=True).close()
        _copy_rows(iter(rows), url)
        with gyengine.open_store(url) as copy:
            assert copy.verify() == expected
            assert copy.head() == expected.head
            back = list(copy.read_rows())
    assert back == rows
    with gyengine.SQLiteEventStore(tmp_path / "back.db", create=True) as again:
        with again.conn:
            again.conn.executemany(INSERT.replace("%s", "?"), back)
        assert again.verify() == expected


def test_a_broken_log_copied_to_postgresql_is_broken_at_the_same_row(
    demo_sqlite: Path, tmp_path: Path
) -> None:
    """An edited SQLite log verifies on PostgreSQL with the same problem, word for word."""
    path = tmp_path / "edited.db"
    path.write_bytes(demo_sqlite.read_bytes())
    assert h.execute(path, "UPDATE events SET actor = 'someone' WHERE seq = 900") == 1
    with gyengine.SQLiteEventStore(path) as source:
        expected = source.verify()
        rows = list(source.read_rows())
    assert expected.problem is not None
    assert (expected.problem.seq, expected.problem.kind) == (900, "hash")
    with pg_helpers.database() as url:
        gyengine.open_store(url, create=True).close()
        _copy_rows(iter(rows), url)
        with gyengine.open_store(url) as copy:
            assert copy.verify() == expected


# -- the tamper suite's edits ---------------------------------------------------------


class _Tamperer:
    """A psycopg connection taking the tamper suite's SQL (``?`` placeholders)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.conn.execute(sql.replace("?", "%s"), params)


@pytest.fixture(scope="module")
def pristine_pg() -> Iterator[str]:
    """The tamper suite's log (12 events, checkpoints at seq 6), as a template database."""
    url = pg_helpers.create_database()
    events = [h.value("abc"[n % 3], n, id=f"v{n}") for n in range(1, EVENTS)]
    events.insert(3, h.target("a", 10, id="t1"))
    with h.open_engine(url) as engine:
        engine.append(events[:6])
        engine.replay()
        engine.append(events[6:])
    yield url.rsplit("/", 1)[1]
    pg_helpers.release()


def _verify(url: str) -> gyengine.store.ChainProblem | None:
    with gyengine.open_store(url) as store:
        return store.verify().problem


def _replay(url: str, **options: Any) -> gyengine.store.ChainProblem | None:
    with h.open_engine(url, create=False) as engine:
        try:
            engine.replay(save=False, **options)
        except gyengine.errors.BrokenChain as broken:
            return broken.problem
    return None


PG_EDITS = sorted(set(EDITS) - {"not-utf8"})


@pytest.mark.parametrize("name", PG_EDITS)
@pytest.mark.parametrize("seq", [1, 4, 9, EVENTS])
def test_replay_and_verify_name_the_same_problem(
    pristine_pg: str, name: str, seq: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each edit of the tamper suite, made with plain SQL on PostgreSQL: verify names it where
    it does on SQLite, in one process and in two worker processes; a full, a resumed
    (verify_all), a carried-on replay and one with the hashing worker agree."""
    edit, _ = EDITS[name]
    with pg_helpers.database(template=pristine_pg) as url:
        with closing(_psql(url)) as conn:
            edit(_Tamperer(conn), seq)  # type: ignore[arg-type]
        found = _verify(url)
        expected = _expected(name, seq)
        assert (found.seq, found.kind) == expected if found is not None else expected is None
        assert _replay(url, checkpoints=False) == found
        assert _replay(url, verify_all=True) == found
        with h.open_engine(url, create=False) as engine:
            carried = engine.replay(save=False, checkpoints=False, allow_broken_chain=True)
        assert carried.chain_problem == found
        with gyengine.open_store(url) as store:
            assert store.verify(workers=2).problem == found
        monkeypatch.setattr(gyengine.store, "PARALLEL_HASHING_FROM", 2)
        assert _replay(url, checkpoints=False, parallel=True) == found


def test_text_that_is_not_utf8_cannot_be_stored(pristine_pg: str) -> None:
    """The tamper suite's not-UTF-8 edit has no PostgreSQL form: the server refuses the bytes."""
    import psycopg

    with pg_helpers.database(template=pristine_pg) as url:
        with closing(_psql(url)) as conn, pytest.raises(psycopg.DataError, match="UTF8"):
            conn.execute(
                "UPDATE events SET stream = convert_from('\\xc328ff'::bytea, 'UTF8') WHERE seq = 4"
            )
        assert _verify(url) is None


# -- runs and checkpoints ------------------------------------------------------------


@pytest.fixture(scope="module")
def with_runs_pg() -> Iterator[str]:
    """The demo year with two saved runs and their checkpoints, as a template database."""
    url = pg_helpers.create_database()
    for args in (
        ["demo", "init", "--db", url],
        ["replay", "--db", url, "--format", "json", "--as-of", "2019-06-30"],
        ["replay", "--db", url, "--format", "json"],
    ):
        result = h.run_cli(args)
        assert result.exit_code == 0, result.output
    yield url.rsplit("/", 1)[1]
    pg_helpers.release()


def test_runs_and_checkpoints_are_saved_and_sealed(with_runs_pg: str, tmp_path: Path) -> None:
    """Two runs and as many checkpoints as on SQLite are in the database, each seal checks,
    each bound to the chain; a replay resumes from the checkpoints with the answer of a full one."""
    sqlite_db = tmp_path / "demo.db"
    for args in (
        ["demo", "init", "--db", sqlite_db],
        ["replay", "--db", sqlite_db, "--format", "json", "--as-of", "2019-06-30"],
        ["replay", "--db", sqlite_db, "--format", "json"],
    ):
        assert h.run_cli(args).exit_code == 0
    with gyengine.open(sqlite_db) as engine:
        expected_counts = engine.store.runs().counts()
    assert expected_counts[1] > 0
    with pg_helpers.database(template=with_runs_pg) as url:
        with gyengine.open(url) as engine:
            runs = engine.store.runs()
            assert runs.counts() == expected_counts
            assert [anchor[:3] for anchor in runs.anchors()] == [
                (1, engine.store.head().seq, engine.store.head().hash),
                (2, engine.store.head().seq, engine.store.head().hash),
            ]
            latest = runs.latest_run()
            assert latest is not None
            assert latest["id"] == 2
            assert latest["chain_ok"] == 1

            def hash_at(seq: int) -> str | None:
                row = engine.store.at(seq)
                return row.hash if row is not None else None

            assert list(runs.problems(hash_at)) == []
            full = engine.replay(save=False, checkpoints=False)
            resumed = engine.replay(save=False)
        assert resumed.resumed
        assert resumed.to_json() == full.to_json()


@pytest.mark.parametrize("name", sorted(DERIVED))
def test_verify_names_the_edited_derived_row(with_runs_pg: str, name: str) -> None:
    """Every edit of a checkpoint, a run, a result or evidence fails `verify`, naming the row."""
    with pg_helpers.database(template=with_runs_pg) as url:
        with gyengine.open(url) as engine:
            head = engine.store.head().seq
        assert h.run_cli(["verify", "--db", url]).exit_code == 0
        with closing(_psql(url)) as conn:
            message = DERIVED[name](Tamperer(conn, "%s"), head)
        result = h.run_cli(["verify", "--db", url])
        assert result.exit_code == 1
        assert f"{url}: {message}" in result.stderr
        if not name.startswith(("checkpoint", "memo")):
            assert "its content does not match its seal" in result.stderr
        assert h.run_cli(["verify", "--db", url, "--chain-only"]).exit_code == 0


def test_an_edited_checkpoint_is_not_used(with_runs_pg: str) -> None:
    """A checkpoint whose state was edited is refused; the replay runs in full, with the full answer."""
    with pg_helpers.database(template=with_runs_pg) as url:
        with gyengine.open(url) as engine:
            expected = engine.replay(save=False, checkpoints=False).to_json()
        with closing(_psql(url)) as conn:
            assert conn.execute(CHECKPOINT_STATE).rowcount >= 1
        with gyengine.open(url) as engine:
            result = engine.replay(save=False)
        assert result.to_json() == expected
        assert result.resumed == {}
        head = result.seq_to
        assert result.notes[0].startswith(f"checkpoint of indicators at seq {head} not used")


# -- the command line ------------------------------------------------------------------


def test_the_cli_gives_the_same_answers_on_both_backends(demo_sqlite: Path, tmp_path: Path) -> None:
    """demo init, replay and verify through --db postgresql://... give SQLite's JSON and head."""
    sqlite_db = tmp_path / "demo.db"
    assert h.run_cli(["demo", "init", "--db", sqlite_db]).exit_code == 0
    with gyengine.open(sqlite_db) as engine:
        events = engine.store.head().seq
    with pg_helpers.database() as url:
        loaded = h.run_cli(["demo", "init", "--db", url])
        assert loaded.exit_code == 0, loaded.output
        assert loaded.stdout.startswith(f"wrote {events} events of xiangcheng-2019 into {url}\n")
        for extra in (["--as-of", "2019-06-30"], []):
            answers = [
                h.run_cli(["replay", "--db", db, "--format", "json", *extra])
                for db in (sqlite_db, url)
            ]
            assert [a.exit_code for a in answers] == [0, 0], answers[1].output
            assert json.loads(answers[1].stdout) == json.loads(answers[0].stdout)
        verified = [h.run_cli(["verify", "--db", db]) for db in (sqlite_db, url)]
        assert verified[1].exit_code == 0, verified[1].output
        assert verified[1].stdout.replace(url, "DB") == verified[0].stdout.replace(
            str(sqlite_db), "DB"
        )
        assert f"{events} events" in verified[1].stdout
        assert "2 saved runs, " in verified[1].stdout
        assert " results memos sealed" in verified[1].stdout


def test_init_makes_the_tables_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """`gyengine init` with $GYENGINE_DB a URL makes the tables; a second init finds them."""
    with pg_helpers.database() as url:
        monkeypatch.setenv("GYENGINE_DB", url)
        first = h.run_cli(["init"])
        assert first.exit_code == 0, first.output
        assert first.stdout == f"created {url}\n"
        second = h.run_cli(["init"])
        assert second.stdout == f"{url} is already a gyengine database (0 events)\n"
        monkeypatch.delenv("GYENGINE_DB")
        with closing(_psql(url)) as conn:
            tables = {row[0] for row in conn.execute("SELECT tablename FROM pg_tables")}
        assert {"events", "gyengine_meta"} <= tables


def test_a_database_without_gyengine_tables_is_refused() -> None:
    """Opening a database gyengine has not set up is a one-line error with the fix."""
    with pg_helpers.database() as url:
        result = h.run_cli(["verify", "--db", url])
        assert (
            h.one_line_error(result)
            == f"Error: {url} is not a gyengine database: it has no gyengine tables"
        )
        assert f"gyengine init --db {url}" in result.stderr


@pytest.mark.parametrize("missing", ["database", "server"])
def test_no_database_or_no_server_is_a_one_line_error(missing: str) -> None:
    """A missing database or a port with no server: one line naming the URL, nothing made."""
    pg_helpers.require_server()
    if missing == "database":
        url = pg_helpers.url_of("gyengine_test_no_such_database")
        reason = 'database "gyengine_test_no_such_database" does not exist'
    else:
        url = "postgresql://postgres@127.0.0.1:1/postgres"
        reason = "Connection refused"
    line = h.one_line_error(h.run_cli(["init", "--db", url]))
    assert line.startswith(f"Error: {url}: ")
    assert reason in line


def test_help_does_not_import_psycopg() -> None:
    """`gyengine --help` answers without importing the PostgreSQL driver."""
    code = (
        "import sys\n"
        "from gyengine.cli import main\n"
        "sys.argv = ['gyengine', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('psycopg' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.rstrip().endswith("False")


def test_an_unknown_url_scheme_is_refused(tmp_path: Path) -> None:
    """--db mysql://... is not taken for a file name."""
    line = h.one_line_error(h.run_cli(["verify", "--db", "mysql://host/db"]))
    assert "keeps its log in a SQLite file or in PostgreSQL" in line
    assert not any(tmp_path.iterdir())


def test_a_retyped_events_table_gets_the_full_type_check(pristine_pg: str) -> None:
    """The events table gyengine made is typed (the checker skips the type check); with its
    version column retyped to text, verify and replay both name the first text version."""
    with pg_helpers.database(template=pristine_pg) as url:
        with gyengine.open_store(url) as store:
            assert store.checker_at(1).typed
        with closing(_psql(url)) as conn:
            conn.execute("ALTER TABLE events ALTER COLUMN version TYPE text")
        with gyengine.open_store(url) as store:
            assert not store.checker_at(1).typed
        found = _verify(url)
        assert found == gyengine.store.ChainProblem(1, "undecodable", "version holds str '1'")
        assert _replay(url, checkpoints=False) == found


# -- the hashing worker ------------------------------------------------------------------


def test_the_server_builds_the_canonical_bytes_python_builds(pristine_pg: str) -> None:
    """The server quotes as JCS does, and its envelope expression gives row_envelope's
    bytes for every row, also one whose text holds quotes, backslashes and control
    characters (written behind the store's back)."""
    from gyengine.canonical import row_envelope
    from gyengine.postgres import _ENVELOPE_SQL, _quotes_as_jcs

    with pg_helpers.database(template=pristine_pg) as url:
        with closing(_psql(url)) as conn:
            conn.execute(
                "UPDATE events SET actor = %s WHERE seq = 3", ('a"\\\x01\x1f\n\t\u2028中',)
            )
            assert _quotes_as_jcs(conn)
            built = conn.execute(f"SELECT {_ENVELOPE_SQL} FROM events ORDER BY seq").fetchall()
        with gyengine.open_store(url) as store:
            rows = list(store.chain_rows())
    assert len(built) == len(rows) == EVENTS
    assert [bytes(envelope) for (envelope,) in built] == [row_envelope(row) for row in rows]


@pytest.mark.parametrize("in_sql", [True, False], ids=["server-builds-the-bytes", "python-builds"])
def test_the_hashing_worker_finds_a_changed_row(pristine_pg: str, in_sql: bool) -> None:
    """The worker's check of a range names a changed row as verify does, and passes
    the ranges that do not hold it."""
    from gyengine.postgres import _hash_part

    with pg_helpers.database(template=pristine_pg) as url:
        assert _hash_part(url, (1, EVENTS), in_sql=in_sql) is None
        with closing(_psql(url)) as conn:
            conn.execute("UPDATE events SET actor = 'someone else' WHERE seq = 5")
        problem = _hash_part(url, (1, EVENTS), in_sql=in_sql)
        assert problem is not None
        assert problem == _verify(url)
        assert (problem.seq, problem.kind) == (5, "hash")
        assert _hash_part(url, (1, 4), in_sql=in_sql) is None
        assert _hash_part(url, (6, EVENTS), in_sql=in_sql) is None
