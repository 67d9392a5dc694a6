#!/usr/bin/env python
"""Benchmark appends where people wait for them (issues #13 and #15).

Run by hand from a checkout with gyengine installed::

    python bench/bench_append.py                   # 200,000 events, about a minute
    python bench/bench_append.py --events 20000    # quick mode, a few seconds

Every phase appends the same monthly figures (``StatisticReported`` about the
indicators of the bundled Xiangcheng plan, some in another unit of the
indicator's dimension) into a copy of one database that holds the plan, so the
plugins' event checks run as they do for an office. Side by side, in one run:

* **SQLite alone**: the finished rows the library append wrote, inserted into a
  fresh database made by gyengine (its schema, indexes and PRAGMAs) in one
  transaction, ``executemany`` per 10,000 rows; only the SQL is timed (wall and
  CPU). The part of an append no Python change can remove.
* **library append**: ``Engine.append`` of ``NewEvent`` objects with typed
  payloads, built inside the timer (encode, checks, hashing, insert, commit).
* **``gyengine append FILE.jsonl``**: the whole command in a child process, as a
  person runs it (start-up, plugins, reading and parsing the file, checks,
  store); wall time and the child's CPU time.
* **checks' cost** (issue #13): ``--check-events`` figures appended through
  ``Engine.append`` (checked) and through ``store.append(registry.encode(...))``
  (unchecked), main-process CPU (``time.process_time``), encode included, in
  alternating order, several rounds; the median of each.

The ratios are rates over SQLite alone's rate (wall time), measured in the same run.
The targets: the command >= 0.4 x and the library >= 0.6 x SQLite alone at
200,000 events (issue #15); checked appends within 10 % of unchecked (issue #13).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import gyengine
from gyengine import NewEvent, SQLiteEventStore

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "events" / "xiangcheng-2019" / "plan.toml"
COMMAND_RATIO = 0.4
LIBRARY_RATIO = 0.6
CHECK_OVERHEAD = 0.10

# Indicators of the bundled plan, with a unit their figures may come in and their part.
FIGURES = (
    ("I1", "%", ""),
    ("I4", "家", "CEZ"),
    ("I3", "%", ""),
    ("I5", "%", "GDP增速"),
    ("I9", "亿元", ""),
    ("I8", "万元", ""),
    ("I7", "亿元", ""),
    ("I10", "亿元", ""),
    ("I7-增速", "%", ""),
    ("K6-研究中心", "家", ""),
)

Raw = tuple[str, str, str, str, Decimal, str]
"""stream, occurred, indicator, unit, value, part."""


def raw_events(count: int, seed: int = 2019) -> list[Raw]:
    """The field values of the bench's figures (not timed)."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        indicator, unit, part = FIGURES[i % len(FIGURES)]
        month = (i // len(FIGURES)) % 12 + 1
        value = Decimal(rng.randrange(1, 10**7)).scaleb(-2)
        rows.append((f"indicator/{indicator}", f"2019-{month:02d}", indicator, unit, value, part))
    return rows


def write_jsonl(rows: list[Raw], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for stream, occurred, indicator, unit, value, part in rows:
            line = {
                "type": "StatisticReported",
                "stream": stream,
                "occurred": occurred,
                "actor": "统计局",
                "data": {"indicator": indicator, "unit": unit, "value": str(value), "part": part},
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


def new_events(rows: list[Raw], cls: type) -> Iterator[NewEvent]:
    """NewEvents with typed payloads, built as the append consumes them (timed)."""
    for stream, occurred, indicator, unit, value, part in rows:
        yield NewEvent(
            type="StatisticReported",
            stream=stream,
            occurred=occurred,
            actor="统计局",
            data=cls(indicator=indicator, value=value, unit=unit, part=part),
        )


def gyengine_command() -> list[str]:
    beside = Path(sys.executable).with_name("gyengine")
    return [str(beside) if beside.exists() else shutil.which("gyengine") or "gyengine"]


def planned_database(path: Path) -> None:
    """A database holding the bundled plan (made by the CLI, as an office does)."""
    for args in (["init"], ["plan", "load", str(PLAN)]):
        done = subprocess.run(
            [*gyengine_command(), *args, "--db", str(path)], capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"gyengine {' '.join(args)} failed:\n{done.stderr}")


def copy_db(source: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copy(source, target)
    return target


def timed(work: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall and CPU seconds of ``work()`` in this process, and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def sqlite_alone(source: Path, target: Path, after_seq: int) -> tuple[float, float]:
    """Insert the rows past ``after_seq`` of ``source`` into a fresh gyengine database,
    one transaction, ``executemany`` per 10,000 rows; only the SQL is timed."""
    reader = sqlite3.connect(source)
    writer = SQLiteEventStore(target, create=True)
    conn = writer.conn
    insert = f"INSERT INTO events VALUES ({', '.join('?' * 13)})"
    wall = cpu = 0.0
    try:
        cursor = reader.execute("SELECT * FROM events WHERE seq > ? ORDER BY seq", (after_seq,))
        conn.execute("BEGIN IMMEDIATE")
        while rows := cursor.fetchmany(10_000):
            took, used, _ = timed(lambda rows=rows: conn.executemany(insert, rows))
            wall, cpu = wall + took, cpu + used
        took, used, _ = timed(lambda: conn.execute("COMMIT"))
    finally:
        reader.close()
        writer.close()
    return wall + took, cpu + used


def command_append(jsonl: Path, db: Path) -> tuple[float, float, str]:
    """``gyengine append FILE --db DB`` in a child: wall seconds, its CPU seconds, its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(
        [*gyengine_command(), "append", str(jsonl), "--db", str(db)], capture_output=True, text=True
    )
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"gyengine append failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout.strip().splitlines()[0]


def one_side(db: Path, rows: list[Raw], checked: bool) -> float:
    """Main-process CPU seconds of one checked (or unchecked) append of ``rows`` into ``db``."""
    with gyengine.open(db) as engine:
        cls = engine.registry.class_of("StatisticReported")
        engine.checks  # noqa: B018 - built before the timer, as a second append finds it
        encode = engine.registry.encode
        if checked:
            _, used, result = timed(lambda: engine.append(new_events(rows, cls)))
        else:
            _, used, result = timed(
                lambda: engine.store.append(encode(e) for e in new_events(rows, cls))
            )
    if result.count != len(rows):
        raise SystemExit(f"appended {result.count}, not {len(rows)}")
    return used


def checks_cost(planned: Path, workdir: Path, count: int, rounds: int) -> dict[str, Any]:
    """Main-process CPU of checked and unchecked appends of ``count`` figures."""
    rows = raw_events(count, seed=13)
    cpu: dict[str, list[float]] = {"checked": [], "unchecked": []}
    for number in range(rounds):
        order = ("checked", "unchecked") if number % 2 == 0 else ("unchecked", "checked")
        for side in order:
            db = copy_db(planned, workdir / f"checks-{side}.db")
            cpu[side].append(one_side(db, rows, side == "checked"))
    checked, unchecked = statistics.median(cpu["checked"]), statistics.median(cpu["unchecked"])
    return {
        "cpu": cpu,
        "checked": checked,
        "unchecked": unchecked,
        "overhead": checked / unchecked - 1,
    }


def bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    planned = workdir / "planned.db"
    planned_database(planned)
    with gyengine.open(planned) as engine:
        plan_seq = engine.store.head().seq
    rows = raw_events(args.events)
    jsonl = workdir / "figures.jsonl"
    write_jsonl(rows, jsonl)
    figures: dict[str, Any] = {"events": args.events, "load_start": os.getloadavg()[0]}

    print(f"library append of {args.events:,} figures...", file=sys.stderr)
    library_db = copy_db(planned, workdir / "library.db")
    with gyengine.open(library_db) as engine:
        cls = engine.registry.class_of("StatisticReported")
        wall, cpu, result = timed(lambda: engine.append(new_events(rows, cls)))
    if result.count != args.events:
        raise SystemExit(f"library: appended {result.count}, not {args.events}")
    figures["library"] = {"wall": wall, "cpu": cpu}

    print("SQLite alone: the same rows into a fresh database...", file=sys.stderr)
    wall, cpu = sqlite_alone(library_db, workdir / "alone.db", plan_seq)
    figures["alone"] = {"wall": wall, "cpu": cpu}

    print(f"gyengine append {jsonl.name} ({args.events:,} lines)...", file=sys.stderr)
    wall, cpu, said = command_append(jsonl, copy_db(planned, workdir / "command.db"))
    figures["command"] = {"wall": wall, "cpu": cpu, "output": said}

    print(
        f"checked vs unchecked, {args.check_events:,} figures x {args.rounds}...", file=sys.stderr
    )
    figures["checks"] = checks_cost(planned, workdir, args.check_events, args.rounds)
    figures["load_end"] = os.getloadavg()[0]
    return figures


def report(figures: dict[str, Any]) -> bool:
    events = figures["events"]
    alone = figures["alone"]["wall"]
    print(f"\ngyengine append benchmark: {events:,} StatisticReported figures, plan loaded")
    print(
        f"  load average {figures['load_start']:.2f} at the start, {figures['load_end']:.2f} at the end"
    )
    print(f"\n{'phase':<34}{'wall s':>8}{'CPU s':>8}{'events/s':>11}{'x alone':>9}  target")
    met = []
    for key, name, target in (
        ("alone", "SQLite alone (same rows)", None),
        ("library", "library append (Engine.append)", LIBRARY_RATIO),
        ("command", "gyengine append FILE.jsonl", COMMAND_RATIO),
    ):
        wall, cpu = figures[key]["wall"], figures[key]["cpu"]
        ratio = alone / wall
        verdict = ""
        if target is not None:
            met.append(ratio >= target)
            verdict = f">= {target} x: {'met' if ratio >= target else 'NOT met'}"
        print(f"{name:<34}{wall:>8.2f}{cpu:>8.2f}{events / wall:>11,.0f}{ratio:>9.2f}  {verdict}")
    checks = figures["checks"]
    overhead = checks["overhead"]
    met.append(overhead <= CHECK_OVERHEAD)
    print(
        f"\nchecks (main-process CPU, median of {len(checks['cpu']['checked'])}):"
        f" checked {checks['checked']:.3f} s, unchecked {checks['unchecked']:.3f} s,"
        f" {overhead:+.1%} (target <= +{CHECK_OVERHEAD:.0%}: {'met' if overhead <= CHECK_OVERHEAD else 'NOT met'})"
    )
    print(f"  the command said: {figures['command']['output']}")
    return all(met)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark gyengine's append paths.")
    parser.add_argument("--events", type=int, default=200_000, help="figures to append")
    parser.add_argument(
        "--check-events", type=int, default=50_000, help="figures per checked/unchecked round"
    )
    parser.add_argument("--rounds", type=int, default=5, help="checked/unchecked rounds")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--check", action="store_true", help="exit with status 1 when a target is not met"
    )
    args = parser.parse_args(argv)
    if args.events < 1 or args.check_events < 1 or args.rounds < 1:
        parser.error("--events, --check-events and --rounds must be positive")
    with tempfile.TemporaryDirectory(prefix="gyengine-bench-append-") as tmp:
        figures = bench(args, Path(tmp))
    all_met = report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    return 1 if args.check and not all_met else 0


if __name__ == "__main__":
    sys.exit(main())
