#!/usr/bin/env python
"""Benchmark the size of saved runs (issue #15: "one saved run adds <= 50 % of the log's size").

Run by hand from a checkout with gyengine installed::

    python bench/bench_runs.py                    # the bundled demo year, SQLite and PostgreSQL
    python bench/bench_runs.py --no-postgres
    python bench/bench_runs.py --counties 10      # where `demo init --counties` exists

On SQLite, every size is the file's after ``VACUUM`` (a copy is vacuumed, the
working file is left as it is):

* the log: the database after ``demo init``;
* the baseline: after a replay that saves no run (its checkpoints are kept:
  they are no part of a run);
* one saved run (the whole year), then the same replay saved again, then a run
  to mid-year: what each adds, and its ratio to the log;
* the same first run written as the first layout's tables (a row per result
  and per evidence seq, as gyengine 0.1 stored them), side by side;
* the pages of each table and index after the three runs (``dbstat``);
* the CPU time (``time.process_time``) of saving the first run and of checking
  its seal (the digest read back from the packs).

On PostgreSQL (where a server answers at ``--postgres-url``),
``pg_total_relation_size`` of the events table and of the run tables after
``VACUUM FULL``, for one saved run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from click.testing import CliRunner

import gyengine
from gyengine.cli import cli
from gyengine.runs import RESULT_COLUMNS

FIRST_LAYOUT = f"""
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


def gyengine_cli(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args), prog_name="gyengine")
    if result.exit_code != 0:
        sys.exit(f"gyengine {' '.join(args)} failed: {result.output}")


def vacuumed(path: Path) -> int:
    """The size of a vacuumed copy of ``path``, in bytes."""
    copy = path.with_name(path.name + ".vacuum")
    shutil.copy(path, copy)
    with closing(sqlite3.connect(copy)) as conn:
        conn.execute("VACUUM")
    size = copy.stat().st_size
    copy.unlink()
    return size


def pages(path: Path) -> dict[str, int]:
    """Bytes of each table and index of a vacuumed copy (``dbstat``)."""
    copy = path.with_name(path.name + ".pages")
    shutil.copy(path, copy)
    with closing(sqlite3.connect(copy)) as conn:
        conn.execute("VACUUM")
        rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")
        sizes = {name: int(size) for name, size in rows}
    copy.unlink()
    return sizes


RUN_TABLES = ("runs", "result_packs", "run_packs")


def run_table_bytes(path: Path) -> int:
    """Bytes of the run tables and their indexes (not the checkpoints) in a vacuumed copy."""
    return sum(
        size
        for name, size in pages(path).items()
        if name in RUN_TABLES or any(name.startswith(f"sqlite_autoindex_{t}_") for t in RUN_TABLES)
    )


def first_layout_size(path: Path, run_id: int) -> int:
    """The vacuumed size of ``path`` with run ``run_id`` stored as gyengine 0.1 did."""
    copy = path.with_name(path.name + ".first")
    shutil.copy(path, copy)
    with gyengine.SQLiteEventStore(copy) as store:
        rows = list(store.runs().results(run_id))
    with closing(sqlite3.connect(copy)) as conn, conn:
        for statement in ("DROP VIEW evidence", "DROP VIEW results"):
            conn.execute(statement)
        conn.execute("DELETE FROM run_packs")
        conn.execute("DELETE FROM result_packs")
        for statement in FIRST_LAYOUT.split(";"):
            conn.execute(statement)
        marks = ", ".join("?" * (len(RESULT_COLUMNS) + 2))
        conn.executemany(
            f"INSERT INTO results (run_id, n, {', '.join(RESULT_COLUMNS)}) VALUES ({marks})",
            [(run_id, n, *(row[c] for c in RESULT_COLUMNS)) for n, row, _ in rows],
        )
        conn.executemany(
            "INSERT INTO evidence VALUES (?, ?, ?)",
            [(run_id, n, seq) for n, _, seqs in rows for seq in seqs],
        )
    size = vacuumed(copy)
    copy.unlink()
    return size


def sqlite_figures(work: Path, init: list[str]) -> dict[str, Any]:
    db = work / "demo.db"
    gyengine_cli("demo", "init", "--db", str(db), *init)
    log = vacuumed(db)
    gyengine_cli("replay", "--db", str(db), "--no-save", "--format", "json")
    baseline = vacuumed(db)
    with gyengine.open(db) as engine:
        result = engine.replay(save=False)
        started = time.process_time()
        first = engine.save_run(result)
        save_cpu = time.process_time() - started
        runs = engine.store.runs()
        started = time.process_time()
        runs._results_digest(first.run_id or 0)
        digest_cpu = time.process_time() - started
        results = len(result.records)
        evidence = sum(len(item.record.evidence) for item in result.records)
    one = vacuumed(db)
    first_layout = first_layout_size(db, first.run_id or 0)
    tables_one = run_table_bytes(db)
    gyengine_cli("replay", "--db", str(db), "--format", "json")
    again = vacuumed(db)
    tables_again = run_table_bytes(db)
    gyengine_cli("replay", "--db", str(db), "--format", "json", "--as-of", "2019-06-30")
    tables_mid_year = run_table_bytes(db)
    return {
        "log_bytes": log,
        "results": results,
        "evidence_seqs": evidence,
        "baseline_bytes": baseline,
        "first_run_adds": one - baseline,
        "first_run_ratio": (one - baseline) / log,
        "first_layout_run_adds": first_layout - baseline,
        "first_layout_ratio": (first_layout - baseline) / log,
        "same_run_again_adds": again - one,
        "first_run_tables": tables_one,
        "same_run_again_tables_add": tables_again - tables_one,
        "mid_year_run_tables_add": tables_mid_year - tables_again,
        "save_cpu_s": save_cpu,
        "seal_check_cpu_s": digest_cpu,
        "pages_after_three_runs": pages(db),
    }


def postgres_figures(url: str, init: list[str]) -> dict[str, Any] | None:
    try:
        import psycopg
    except ImportError:
        return None
    name = f"gyengine_bench_runs_{os.getpid()}"
    try:
        admin = psycopg.connect(url, autocommit=True, connect_timeout=3)
    except psycopg.Error as error:
        print(f"PostgreSQL: no server at {url} ({error}); skipped", file=sys.stderr)
        return None
    target = f"{url.rsplit('/', 1)[0]}/{name}"
    admin.execute(f"CREATE DATABASE {name}")
    try:
        gyengine_cli("demo", "init", "--db", target, *init)
        gyengine_cli("replay", "--db", target, "--format", "json")
        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute("VACUUM FULL")

            def size(*tables: str) -> int:
                total = 0
                for table in tables:
                    row = conn.execute("SELECT pg_total_relation_size(%s)", (table,)).fetchone()
                    total += int(row[0]) if row else 0
                return total

            log = size("events", "gyengine_meta")
            run = size("runs", "result_packs", "run_packs")
            checkpoints = size("checkpoints")
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
    return {
        "log_bytes": log,
        "run_bytes": run,
        "ratio": run / log,
        "checkpoints_bytes": checkpoints,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counties", type=int, help="passed to `demo init --counties`")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "GYENGINE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    init = ["--counties", str(args.counties)] if args.counties else []
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        os.environ["GYENGINE_KEY"] = str(work / "key")
        figures: dict[str, Any] = {"sqlite": sqlite_figures(work, init)}
        if not args.no_postgres:
            figures["postgres"] = postgres_figures(args.postgres_url, init)
    s = figures["sqlite"]
    print(f"SQLite, {s['results']:,} results with {s['evidence_seqs']:,} evidence seqs")
    print(f"  log (after VACUUM)                  {s['log_bytes']:>12,} B")
    print(
        f"  one saved run adds                  {s['first_run_adds']:>12,} B  {s['first_run_ratio']:7.1%} of the log (target <= 50 %)"
    )
    print(
        f"  the same run in the first layout    {s['first_layout_run_adds']:>12,} B  {s['first_layout_ratio']:7.1%}"
    )
    print(f"  the same replay saved again adds    {s['same_run_again_adds']:>12,} B")
    print(f"  run tables after the first run      {s['first_run_tables']:>12,} B")
    print(f"  run tables: the same again adds     {s['same_run_again_tables_add']:>12,} B")
    print(
        f"  run tables: a mid-year run adds     {s['mid_year_run_tables_add']:>12,} B (its checkpoints apart)"
    )
    print(
        f"  saving the run: {s['save_cpu_s']:.3f} s CPU; checking its digest: {s['seal_check_cpu_s']:.3f} s CPU"
    )
    print(
        "  pages after the three runs:",
        ", ".join(f"{k} {v:,}" for k, v in s["pages_after_three_runs"].items()),
    )
    pg = figures.get("postgres")
    if pg:
        print("PostgreSQL (pg_total_relation_size after VACUUM FULL)")
        print(f"  log (events)                        {pg['log_bytes']:>12,} B")
        print(
            f"  one saved run (runs, packs, links)  {pg['run_bytes']:>12,} B  {pg['ratio']:7.1%} of the log"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
