#!/usr/bin/env python
"""Benchmark replay (issue #3 "Speed"): full, incremental, and the CLI's start-up.

Run by hand from a checkout with gyengine installed::

    python bench/bench_replay.py                  # 1,000,000 events
    python bench/bench_replay.py --events 50000   # quick mode, a few seconds

It measures, in one run:

* the raw floor: ``SELECT ... ORDER BY seq`` + ``json.loads`` of every row;
* a full replay of the log through a trivial counting evaluator (every row
  read, its link and hash checked, every event decoded into its class and
  folded), events/s and the ratio to the floor, in a child process whose peak
  RSS is reported;
* an incremental replay after appending one event: the work beyond interpreter
  start-up (opening the store, checking and loading the checkpoint, reading and
  folding the tail, saving the new checkpoint), in a fresh child process;
* ``gyengine --help`` and ``gyengine plugins`` wall time, against
  ``python -c pass``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import attrs

import gyengine

BATCH = 10_000


@attrs.frozen
class Reading:
    """A meter was read (benchmark payload)."""

    meter: str
    value: Decimal
    note: str


@attrs.define
class Count:
    n: int = 0


def fold(state: Count, event: gyengine.Event, context: gyengine.ReplayContext) -> Count:
    state.n += 1
    return state


def results(state: Count, context: gyengine.ReplayContext) -> list[gyengine.Score]:
    return [gyengine.Score(subject="log", metric="events", period="all", value=state.n)]


class BenchPlugin:
    """The benchmark's payload type and counting evaluator, as a plugin object."""

    __name__ = "bench"

    @gyengine.hookimpl
    def register_event_types(self) -> list[type]:
        return [Reading]

    @gyengine.hookimpl
    def register_evaluators(self) -> list[gyengine.Evaluator]:
        return [
            gyengine.Evaluator(
                name="count",
                version="1",
                consumes=["Reading"],
                state_type=Count,
                fold=fold,
                results=results,
            )
        ]


def engine(path: Path, create: bool = False) -> gyengine.Engine:
    manager = gyengine.get_plugin_manager(entry_points=False, plugins=[BenchPlugin()])
    return gyengine.Engine(gyengine.SQLiteEventStore(path, create=create), manager)


def build(path: Path, events: int) -> None:
    with engine(path, create=True) as eng:
        note = "进度正常，已完成主体施工，设备安装中"
        for start in range(0, events, BATCH):
            eng.append(
                gyengine.NewEvent(
                    type="Reading",
                    stream=f"meter/{n % 1000}",
                    data=Reading(f"M{n % 1000:04d}", Decimal(n) / 100, note),
                )
                for n in range(start, min(events, start + BATCH))
            )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase(args: argparse.Namespace) -> None:
    """Run one measured phase in this (child) process and print JSON."""
    path = Path(args.db)
    if args.phase == "floor":
        started = time.perf_counter()
        conn = sqlite3.connect(path)
        count = 0
        for count, (data,) in enumerate(  # noqa: B007 - the count is read after the loop
            conn.execute("SELECT data FROM events ORDER BY seq"), start=1
        ):
            json.loads(data)
        seconds = time.perf_counter() - started
    elif args.phase == "full":
        with engine(path) as eng:
            started = time.perf_counter()
            # As `gyengine replay` does: hashing in a second process on a long read.
            result = eng.replay(save=False, checkpoints=False, parallel=True)
            seconds = time.perf_counter() - started
            count = result.seq_to
    elif args.phase == "checkpoint":
        with engine(path) as eng:
            started = time.perf_counter()
            result = eng.replay(save=False)
            seconds = time.perf_counter() - started
            count = result.seq_to
    elif args.phase == "incremental":
        started = time.perf_counter()
        with engine(path) as eng:
            result = eng.replay(save=False)
        seconds = time.perf_counter() - started
        count = result.events_read
        assert result.resumed, "the incremental replay did not resume from a checkpoint"
    else:  # pragma: no cover
        raise SystemExit(f"unknown phase {args.phase}")
    print(json.dumps({"seconds": seconds, "events": count, "rss_mb": peak_rss_mb()}))


def child(db: Path, name: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--db", str(db)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def wall(command: list[str], runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phase(args)
        return 0
    folder = Path(tempfile.mkdtemp(prefix="gyengine-bench-replay-"))
    try:
        db = folder / "log.db"
        started = time.perf_counter()
        build(db, args.events)
        print(f"built {args.events:,} events in {time.perf_counter() - started:.1f} s ({db})")
        floor = child(db, "floor")
        full = child(db, "full")
        child(db, "checkpoint")  # leaves a checkpoint at the head
        with engine(db) as eng:
            eng.append(
                [
                    gyengine.NewEvent(
                        type="Reading", stream="meter/x", data=Reading("MX", Decimal(1), "one more")
                    )
                ]
            )
        incremental = child(db, "incremental")
        python = wall([sys.executable, "-c", "pass"])
        # The gyengine of this interpreter's environment, activated or not.
        beside = Path(sys.executable).with_name("gyengine")
        script = str(beside) if beside.exists() else shutil.which("gyengine") or "gyengine"
        help_time = wall([script, "--help"])
        plugins_time = wall([script, "plugins"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    def rate(measure: dict[str, float]) -> float:
        return measure["events"] / measure["seconds"]

    ratio = rate(full) / rate(floor)
    rows = [
        ("floor: SELECT + json.loads", f"{rate(floor):>12,.0f} ev/s", "", "reference", ""),
        (
            "full replay, counting",
            f"{rate(full):>12,.0f} ev/s",
            f"{ratio:.2f}",
            ">= 150,000/s and >= 0.4 x floor",
            "met" if rate(full) >= 150_000 and ratio >= 0.4 else "NOT met",
        ),
        (
            "peak RSS, full replay",
            f"{full['rss_mb']:>12.1f} MB",
            "",
            "< 150 MB",
            "met" if full["rss_mb"] < 150 else "NOT met",
        ),
        (
            "incremental (+1 event)",
            f"{incremental['seconds']:>12.3f} s",
            "",
            "< 0.3 s beyond start-up",
            "met" if incremental["seconds"] < 0.3 else "NOT met",
        ),
        ("python -c pass", f"{python:>12.3f} s", "", "reference", ""),
        (
            "gyengine --help",
            f"{help_time:>12.3f} s",
            "",
            "< 0.3 s",
            "met" if help_time < 0.3 else "NOT met",
        ),
        (
            "gyengine plugins",
            f"{plugins_time:>12.3f} s",
            "",
            "< 0.3 s",
            "met" if plugins_time < 0.3 else "NOT met",
        ),
    ]
    print(f"\n{'phase':<28}{'measured':>18}  {'ratio':<6}{'target':<34}result")
    for name, value, ratio_text, target, verdict in rows:
        if args.events < 1_000_000 and verdict:
            verdict += " (indicative: quick mode)"
        print(f"{name:<28}{value:>18}  {ratio_text:<6}{target:<34}{verdict}")
    print(
        f"\nmachine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"SQLite {sqlite3.sqlite_version}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
