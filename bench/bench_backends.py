#!/usr/bin/env python
"""Benchmark the SQLite and PostgreSQL backends side by side (issue #12 "Speed").

Run by hand from a checkout with gyengine installed (and its ``postgres`` extra)::

    python bench/bench_backends.py                   # 1,000,000 events per backend
    python bench/bench_backends.py --events 200000   # what docs/performance.md reports
    python bench/bench_backends.py --events 3000     # smoke test

For each backend, in one run, on the payload of ``bench_store.py`` (~200-byte
``ProjectInvestmentReported`` events over 1,000 streams, 10,000 per append):

* append: ``EventTypes.encode`` + ``store.append`` per batch, as ``bench_store.py``
  times it (main-process CPU seconds are reported too: the machine is shared);
* the append floor: the rows gyengine wrote, read back (not timed) and written
  again into a fresh events table made by the same backend on the same server,
  only the write timed: SQLite ``executemany`` (``bench_store.py``'s "SQLite
  alone"); PostgreSQL ``COPY`` and ``executemany``, one transaction per batch;
* read decoded: ``registry.decode_rows(store.read_rows(data_bytes=True))``;
* verify: ``store.verify(workers=None)``, as ``gyengine verify`` does;
* the read floor: ``SELECT data FROM events ORDER BY seq`` and ``json.loads``
  (on PostgreSQL through a server-side cursor);
* full replay through a counting evaluator, hashing in a second process as
  ``gyengine replay`` does, and the incremental replay after one more append
  (from opening the store, without interpreter start-up).

On PostgreSQL the bench runs ``ANALYZE events`` after loading, as autovacuum
would (this project's server runs with autovacuum off).

Every read phase runs in a fresh child process. PostgreSQL is measured in a new
database on the server ``--postgres`` names (an admin URL; default
``postgresql://postgres@127.0.0.1:5432/postgres``), dropped at the end; where no
server answers it is skipped with a message. Targets checked here (issue #12):
on PostgreSQL, append >= 0.5 x the COPY floor and full replay >= 0.5 x the read
floor. The SQLite targets are ``bench_store.py``'s and ``bench_replay.py``'s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_replay
import bench_store

import gyengine
from gyengine.events import ENVELOPE_FIELDS

TARGET_EVENTS = 1_000_000
FLOOR_RATIO = 0.5
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
COLUMNS = ", ".join(ENVELOPE_FIELDS)


class BenchPlugin:
    """The bench payload and a counting evaluator that consumes it."""

    __name__ = "bench_backends"

    @gyengine.hookimpl
    def register_event_types(self) -> list[type]:
        return [bench_store.ProjectInvestmentReported]

    @gyengine.hookimpl
    def register_evaluators(self) -> list[gyengine.Evaluator]:
        return [
            gyengine.Evaluator(
                name="count",
                version="1",
                consumes=[bench_store.EVENT_TYPE],
                state_type=bench_replay.Count,
                fold=bench_replay.fold,
                results=bench_replay.results,
            )
        ]


def engine(target: str) -> gyengine.Engine:
    manager = gyengine.get_plugin_manager(entry_points=False, plugins=[BenchPlugin()])
    return gyengine.Engine(gyengine.open_store(target), manager)


# -- child phases ----------------------------------------------------------------------


def floor_read(target: str) -> int:
    """``SELECT data ... ORDER BY seq`` and ``json.loads`` of each: the plain read floor."""
    loads = json.loads
    count = 0
    if target.startswith(("postgresql://", "postgres://")):
        import psycopg

        with psycopg.connect(target) as conn, conn.cursor(name="floor") as cursor:
            cursor.itersize = 2000
            cursor.execute("SELECT data FROM events ORDER BY seq")
            for (data,) in cursor:
                loads(data)
                count += 1
        return count
    conn = sqlite3.connect(target)
    for (data,) in conn.execute("SELECT data FROM events ORDER BY seq"):
        loads(data)
        count += 1
    conn.close()
    return count


def run_phase(phase: str, target: str) -> dict[str, Any]:
    """One measured phase in this (child) process: events, wall and CPU seconds, peak RSS."""
    if phase == "floor-read":
        began, cpu = time.perf_counter(), time.process_time()
        count = floor_read(target)
    elif phase == "incremental":
        began, cpu = time.perf_counter(), time.process_time()
        with engine(target) as eng:
            result = eng.replay(save=False)
        if not result.resumed:
            raise SystemExit("the incremental replay did not resume from a checkpoint")
        count = result.events_read
    else:
        eng = engine(target)
        eng.store.head()
        began, cpu = time.perf_counter(), time.process_time()
        if phase == "read":
            count = sum(1 for _ in eng.registry.decode_rows(eng.store.read_rows(data_bytes=True)))
        elif phase == "verify":
            verified = eng.store.verify(workers=None)
            if not verified.ok:
                raise SystemExit(f"verify failed: {verified.problem}")
            count = verified.checked
        elif phase == "full":
            count = eng.replay(save=False, checkpoints=False, parallel=True).seq_to
        elif phase == "checkpoint":
            count = eng.replay(save=False, parallel=True).seq_to
        else:
            raise SystemExit(f"unknown phase {phase!r}")
        eng.close()
    return {
        "phase": phase,
        "count": count,
        "seconds": time.perf_counter() - began,
        "cpu": time.process_time() - cpu,
        "peak_rss": bench_store.peak_rss(),
    }


def in_child(phase: str, target: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--db", target],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- the server ---------------------------------------------------------------------------


class Server:
    """Fresh databases on a PostgreSQL server, dropped by :meth:`drop_all`."""

    def __init__(self, admin_url: str) -> None:
        import psycopg

        self.admin_url = admin_url
        self.admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
        self.made: list[str] = []

    def create(self) -> str:
        name = f"gyengine_bench_{secrets.token_hex(4)}"
        self.admin.execute(f"CREATE DATABASE {name}")
        self.made.append(name)
        return f"{self.admin_url.rsplit('/', 1)[0]}/{name}"

    def drop_all(self) -> None:
        for name in self.made:
            self.admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.admin.close()

    def version(self) -> str:
        version = self.admin.execute("SHOW server_version").fetchone()
        autovacuum = self.admin.execute("SHOW autovacuum").fetchone()
        return (
            f"{version[0] if version else 'unknown'}, autovacuum"
            f" {autovacuum[0] if autovacuum else 'unknown'} (the bench runs ANALYZE after loading)"
        )


def analyze(url: str) -> None:
    """``ANALYZE events`` after the bulk load, as autovacuum would (it may be off: this
    project's server runs without it). Without statistics the planner scans the whole
    table for the corrections an incremental replay looks up (about 1 s at 200,000 events)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE events")


def server_or_reason(admin_url: str) -> Server | str:
    try:
        import psycopg
    except ImportError as error:
        return f"psycopg is not installed ({error})"
    try:
        return Server(admin_url)
    except psycopg.Error as error:
        return " ".join(str(error).split())


# -- appending and the append floors --------------------------------------------------------


def append_all(target: str, args: argparse.Namespace) -> dict[str, float]:
    """Append ``args.events`` events in batches through gyengine; wall and CPU seconds."""
    registry = bench_store.make_registry()
    store = gyengine.open_store(target, create=True)
    rng = random.Random(2019)
    wall = cpu = 0.0
    appended = 0
    for start, count in bench_store.batches(args.events, args.batch):
        batch = bench_store.raw_batch(rng, start, count, args.streams)
        began, began_cpu = time.perf_counter(), time.process_time()
        appended += bench_store.gyengine_append(store, registry, batch)  # type: ignore[arg-type]
        wall += time.perf_counter() - began
        cpu += time.process_time() - began_cpu
    store.close()
    if appended != args.events:
        raise SystemExit(f"appended {appended}, not {args.events}")
    return {"seconds": wall, "cpu": cpu}


def stored_batches(target: str, size: int) -> Iterator[list[tuple[Any, ...]]]:
    """The finished rows of a log, a batch at a time (reading them is not timed)."""
    with gyengine.open_store(target) as store:
        rows = store.read_rows()
        while batch := [row for _, row in zip(range(size), rows, strict=False)]:
            yield batch


def postgres_floors(source: str, server: Server, size: int) -> dict[str, float]:
    """The rows gyengine wrote into fresh gyengine events tables on the same server:
    one by ``COPY``, one by ``executemany``, a transaction per batch, only the writes timed."""
    targets = {"copy": server.create(), "executemany": server.create()}
    seconds = dict.fromkeys(targets, 0.0)
    import psycopg

    for how, url in targets.items():
        gyengine.open_store(url, create=True).close()
        with psycopg.connect(url) as conn:
            for batch in stored_batches(source, size):
                began = time.perf_counter()
                with conn.transaction(), conn.cursor() as cursor:
                    if how == "copy":
                        with cursor.copy(f"COPY events ({COLUMNS}) FROM STDIN") as copy:
                            for row in batch:
                                copy.write_row(row)
                    else:
                        marks = ", ".join(["%s"] * len(ENVELOPE_FIELDS))
                        cursor.executemany(
                            f"INSERT INTO events ({COLUMNS}) VALUES ({marks})", batch
                        )
                seconds[how] += time.perf_counter() - began
    return seconds


def sqlite_floor(source: str, workdir: Path, size: int) -> dict[str, float]:
    """``bench_store.py``'s "SQLite alone": the same rows into a fresh store, SQL timed."""
    total, _ = bench_store.storage_only(Path(source), workdir / "floor.db", size, 0)
    return {"executemany": total}


# -- one backend --------------------------------------------------------------------------


def measure(
    name: str, target: str, args: argparse.Namespace, floors: Any, loaded: Any = None
) -> dict[str, Any]:
    print(f"{name}: appending {args.events:,} events...", file=sys.stderr)
    appended = append_all(target, args)
    if loaded is not None:
        loaded()
    print(f"{name}: append floors...", file=sys.stderr)
    floor = floors()
    phases: dict[str, dict[str, Any]] = {}
    for phase in ("floor-read", "read", "verify", "full", "checkpoint"):
        print(f"{name}: {phase} (fresh child process)...", file=sys.stderr)
        phases[phase] = in_child(phase, target)
        if phases[phase]["count"] != args.events:
            raise SystemExit(f"{name} {phase} saw {phases[phase]['count']}, not {args.events}")
    with gyengine.open_store(target) as store:
        more = bench_store.raw_batch(random.Random(1), args.events, 1, args.streams)
        bench_store.gyengine_append(store, bench_store.make_registry(), more)  # type: ignore[arg-type]
    phases["incremental"] = in_child("incremental", target)
    return {"append": appended, "floor_append": floor, "phases": phases}


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


# -- the report ---------------------------------------------------------------------------


def report(results: dict[str, Any], events: int) -> bool:
    """Print the side-by-side table; whether every PostgreSQL target is met."""
    backends = [name for name in ("sqlite", "postgresql") if name in results["backends"]]
    quick = events < TARGET_EVENTS
    lines: list[tuple[str, ...]] = []
    met: list[bool] = []

    def cells(measure: Any) -> list[str]:
        out = []
        for name in backends:
            value = measure(results["backends"][name])
            out.append("" if value is None else value)
        return out

    def figure(phase: str) -> Any:
        def get(backend: dict[str, Any]) -> str:
            measured = backend["phases"][phase]
            return f"{rate(measured['count'], measured['seconds']):,.0f}/s"

        return get

    lines.append(
        (
            "append (encode + store.append)",
            *cells(lambda b: f"{rate(events, b['append']['seconds']):,.0f}/s"),
        )
    )
    lines.append(
        (
            "  main-process CPU per event",
            *cells(lambda b: f"{b['append']['cpu'] / events * 1e6:.1f} µs"),
        )
    )
    lines.append(
        (
            "append floor: executemany of the rows",
            *cells(lambda b: f"{rate(events, b['floor_append']['executemany']):,.0f}/s"),
        )
    )
    lines.append(
        (
            "append floor: COPY of the rows",
            *cells(
                lambda b: (
                    f"{rate(events, b['floor_append']['copy']):,.0f}/s"
                    if "copy" in b["floor_append"]
                    else "-"
                )
            ),
        )
    )
    for phase, label in (
        ("floor-read", "read floor: SELECT data + json.loads"),
        ("read", "read decoded"),
        ("verify", "verify (workers=None)"),
        ("full", "full replay (hashing worker)"),
    ):
        lines.append((label, *cells(figure(phase))))
    lines.append(
        (
            "  main-process CPU per event, full replay",
            *cells(lambda b: f"{b['phases']['full']['cpu'] / events * 1e6:.1f} µs"),
        )
    )
    lines.append(
        (
            "incremental replay (+1 event)",
            *cells(lambda b: f"{b['phases']['incremental']['seconds']:.3f} s"),
        )
    )
    lines.append(
        (
            "peak RSS: read decoded / full replay",
            *cells(
                lambda b: (
                    f"{b['phases']['read']['peak_rss'] / 1e6:.0f} / "
                    f"{b['phases']['full']['peak_rss'] / 1e6:.0f} MB"
                )
            ),
        )
    )
    header = ("", *backends)
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    for row in [header, *lines]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print()
    pg = results["backends"].get("postgresql")
    if pg is None:
        print(f"PostgreSQL: skipped ({results['postgresql_skipped']})")
        return True
    append_rate = rate(events, pg["append"]["seconds"])
    for how in ("copy", "executemany"):
        floor_rate = rate(events, pg["floor_append"][how])
        ok = append_rate >= FLOOR_RATIO * floor_rate
        if how == "copy":
            met.append(ok)
        print(
            f"PostgreSQL append {append_rate:,.0f}/s = {append_rate / floor_rate:.2f} x the "
            f"{how} floor ({floor_rate:,.0f}/s); target >= {FLOOR_RATIO} x the COPY floor:"
            f" {verdict(ok, quick) if how == 'copy' else 'for reference'}"
        )
    full = pg["phases"]["full"]
    read_floor = pg["phases"]["floor-read"]
    replay_rate = rate(full["count"], full["seconds"])
    floor_rate = rate(read_floor["count"], read_floor["seconds"])
    ok = replay_rate >= FLOOR_RATIO * floor_rate
    met.append(ok)
    print(
        f"PostgreSQL full replay {replay_rate:,.0f}/s = {replay_rate / floor_rate:.2f} x the read"
        f" floor ({floor_rate:,.0f}/s); target >= {FLOOR_RATIO} x: {verdict(ok, quick)}"
    )
    if quick:
        print(f"\nQuick mode: the targets are stated at {TARGET_EVENTS:,} events; verdicts above")
        print("are only indicative.")
    return all(met)


def verdict(ok: bool, quick: bool) -> str:
    return bench_store.verdict(ok, quick)


# -- main ---------------------------------------------------------------------------------


def bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {"events": args.events, "backends": {}}
    sqlite_db = str(workdir / "gyengine.db")
    results["backends"]["sqlite"] = measure(
        "sqlite", sqlite_db, args, lambda: sqlite_floor(sqlite_db, workdir, args.batch)
    )
    server = server_or_reason(args.postgres)
    if isinstance(server, str):
        where = args.postgres.split("@")[-1]
        results["postgresql_skipped"] = f"no PostgreSQL server at {where}: {server}"
        print(f"postgresql: skipped ({results['postgresql_skipped']})", file=sys.stderr)
        return results
    try:
        results["postgresql_version"] = server.version()
        url = server.create()
        results["backends"]["postgresql"] = measure(
            "postgresql",
            url,
            args,
            lambda: postgres_floors(url, server, args.batch),
            lambda: analyze(url),
        )
    finally:
        server.drop_all()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=TARGET_EVENTS, help="events per backend")
    parser.add_argument("--streams", type=int, default=1000, help="streams to spread them over")
    parser.add_argument("--batch", type=int, default=10_000, help="events per append")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("GYENGINE_BENCH_POSTGRES", ADMIN_URL),
        help="admin URL of the PostgreSQL server (a database is made and dropped there)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--check", action="store_true", help="exit with status 1 when a target is not met"
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.db)))
        return 0
    if args.events < 1 or args.streams < 1 or args.batch < 1:
        parser.error("--events, --streams and --batch must be positive")
    info = bench_store.machine()
    workdir = Path(tempfile.mkdtemp(prefix="gyengine-bench-backends-"))
    try:
        info["databases"] = bench_store.filesystem_of(workdir)
        results = bench(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    info["load average"] += f" at the start, {bench_store.load_average()} at the end"
    info["postgresql"] = results.get("postgresql_version", "not measured")
    results["machine"] = info
    print(
        f"\ngyengine backends side by side: {args.events:,} events over {args.streams:,}"
        f" streams, {args.batch:,} per append"
    )
    for key, value in info.items():
        print(f"  {key + ':':<16}{value}")
    print()
    all_met = report(results, args.events)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return 1 if args.check and not all_met else 0


if __name__ == "__main__":
    sys.exit(main())
