#!/usr/bin/env python
"""Would a parsing worker bring ``gyengine append FILE.jsonl`` to 0.4 x SQLite alone? (issue #15)

A measurement of a design that was *not* built, kept so the figure in
docs/performance.md can be taken again. ``gyengine append`` reads, parses and
encodes every line (``JsonLinesReader``) in the process that also checks the
events against the plan and writes them. The design measured here moves the
reading and parsing to a second process on the other core (forked, so it
starts with the plugins loaded) that sends batches of parsed events down a pipe,
while this process checks and appends them in its one transaction, as the
command does. Side by side, in one run, on copies of one database holding the
bundled plan, the bench's 200,000 ``StatisticReported`` figures:

* **in process**: ``Engine.append(JsonLinesReader(...))``, what the command does
  after its start-up;
* **worker, fields**: the worker sends each event's envelope fields and payload
  text (pickled, 2,000 a batch); this process rebuilds ``PendingEvent`` s (the
  plan checks then decode each payload again);
* **worker, payloads**: the worker sends whole ``PendingEvent`` s, payload objects
  included (no decode here, but pickling the payloads costs the worker);
* **SQLite alone**: the finished rows inserted into a fresh gyengine database
  (``bench_append.sqlite_alone``);
* **start-up**: ``gyengine append`` of an empty file, the part of the command
  before its first line (interpreter, plugins, opening the database, the plan).

The ratio that would be the command's is SQLite alone's wall time over (start-up
+ the pipeline's wall time). Only meaningful with the second core idle: check
the load average printed beside each figure.

    python bench/bench_append_worker.py                  # 200,000 events, 3 rounds
    python bench/bench_append_worker.py --events 50000 --rounds 1
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import gyengine
from gyengine.envelope import PendingEvent
from gyengine.events import EventTypes
from gyengine.jsonl import JsonLinesReader

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_append  # the bench's figures, database and SQLite alone

BATCH = 2000
FIELDS = ("id", "stream", "type", "schema", "occurred", "actor", "supersedes", "data")


def _worker(conn: Connection, path: Path, registry: EventTypes, whole: bool) -> None:
    """Read and parse ``path``; send pickled batches, then an empty message."""
    with path.open("rb") as handle:
        batch: list[Any] = []
        for event in JsonLinesReader(handle, str(path), registry):
            batch.append(event if whole else tuple(getattr(event, f) for f in FIELDS))
            if len(batch) == BATCH:
                conn.send_bytes(pickle.dumps(batch, 5))
                batch = []
        if batch:
            conn.send_bytes(pickle.dumps(batch, 5))
    conn.send_bytes(b"")
    conn.close()


def _received(conn: Connection, whole: bool) -> Iterator[PendingEvent]:
    while data := conn.recv_bytes():
        for item in pickle.loads(data):
            yield item if whole else PendingEvent(**dict(zip(FIELDS, item, strict=True)))


def in_process(db: Path, path: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``Engine.append(JsonLinesReader(...))``."""
    with gyengine.open(db) as engine, path.open("rb") as handle:
        engine.checks  # noqa: B018 - built before the timer, as the command's start-up does
        reader = JsonLinesReader(handle, str(path), engine.registry)
        wall, cpu, result = bench_append.timed(lambda: engine.append(reader))
    assert result.count > 0
    return wall, cpu


def with_worker(db: Path, path: Path, whole: bool) -> tuple[float, float]:
    """Wall seconds of the pipeline and this process's CPU seconds."""
    context = multiprocessing.get_context("fork")
    with gyengine.open(db) as engine:
        engine.checks  # noqa: B018
        wall, cpu = time.perf_counter(), time.process_time()
        receiving, sending = context.Pipe(duplex=False)
        worker = context.Process(target=_worker, args=(sending, path, engine.registry, whole))
        worker.start()
        sending.close()
        try:
            result = engine.append(_received(receiving, whole))
        finally:
            worker.join(timeout=60)
            worker.kill()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert result.count > 0
    return wall, cpu


def start_up(db: Path, workdir: Path) -> float:
    """Wall seconds of ``gyengine append`` of an empty file."""
    empty = workdir / "empty.jsonl"
    empty.write_text("")
    began = time.perf_counter()
    subprocess.run(
        [*bench_append.gyengine_command(), "append", str(empty), "--db", str(db)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - began


def bench(events: int, rounds: int, workdir: Path) -> dict[str, list[tuple[float, float, float]]]:
    planned = workdir / "planned.db"
    bench_append.planned_database(planned)
    path = workdir / "figures.jsonl"
    bench_append.write_jsonl(bench_append.raw_events(events), path)
    with gyengine.open(planned) as engine:
        after = engine.store.head().seq
    work = workdir / "work.db"
    phases: dict[str, Callable[[], tuple[float, float]]] = {
        "in process": lambda: in_process(bench_append.copy_db(planned, work), path),
        "worker, fields": lambda: with_worker(bench_append.copy_db(planned, work), path, False),
        "worker, payloads": lambda: with_worker(bench_append.copy_db(planned, work), path, True),
    }
    figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in phases}
    figures["SQLite alone"] = []
    figures["start-up"] = []
    for number in range(rounds):
        print(f"round {number + 1} of {rounds}...", file=sys.stderr, flush=True)
        for name, phase in phases.items():
            wall, cpu = phase()
            figures[name].append((wall, cpu, os.getloadavg()[0]))
        alone = workdir / "alone.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{alone}{suffix}").unlink(missing_ok=True)
        wall, cpu = bench_append.sqlite_alone(work, alone, after)
        figures["SQLite alone"].append((wall, cpu, os.getloadavg()[0]))
        wall = start_up(bench_append.copy_db(planned, work), workdir)
        figures["start-up"].append((wall, wall, os.getloadavg()[0]))
    return figures


def report(events: int, figures: dict[str, list[tuple[float, float, float]]]) -> None:
    def median(name: str, index: int) -> float:
        return statistics.median(row[index] for row in figures[name])

    alone, start = median("SQLite alone", 0), median("start-up", 0)
    print(f"\nparsing in a worker process: {events:,} StatisticReported figures (medians)")
    print(f"{'phase':<20} {'wall s':>7} {'CPU s*':>7} {'loads':>16} {'as a command':>13}")
    for name, rows in figures.items():
        loads = ",".join(f"{row[2]:.1f}" for row in rows)
        line = f"{name:<20} {median(name, 0):7.2f} {median(name, 1):7.2f} {loads:>16}"
        if name not in ("SQLite alone", "start-up"):
            line += f" {alone / (start + median(name, 0)):12.2f} x"
        print(line)
    print("* CPU of this process only (the worker's is not counted); target 0.4 x SQLite alone")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        figures = bench(args.events, args.rounds, Path(tmp))
    report(args.events, figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
