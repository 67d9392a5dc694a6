#!/usr/bin/env python
"""Benchmark gyengine's SQLite event store against a raw-sqlite3 floor (issue #2 "Speed").

Run by hand from a checkout with gyengine installed::

    python bench/bench_store.py                  # 1,000,000 events: a few minutes
    python bench/bench_store.py --events 20000   # quick mode: a few seconds (CI smoke test)

It measures side by side in one run, on ~200-byte payloads spread over 1,000
streams:

* floor append: a plain sqlite3 table, ``executemany`` of ``json.dumps`` rows,
  one transaction per batch, the same PRAGMAs as gyengine;
* gyengine append: ``NewEvent`` -> ``EventTypes.encode`` -> ``SQLiteEventStore.append``
  in batches of the same size (validation, canonical JSON, hashing, id and
  (stream, version) uniqueness all included);
* SQLite alone: the rows gyengine wrote, inserted again into a fresh store (its
  schema, indexes and PRAGMAs) with only ``BEGIN``/``executemany``/``COMMIT``
  timed: the part of an append that no Python change can remove;
* floor read: ``SELECT ... ORDER BY seq`` and ``json.loads`` of each payload;
* gyengine read decoded: ``registry.decode_rows(store.read_rows(data_bytes=True))``
  (typed events, the path ``Engine.events()`` takes);
* verify: ``store.verify()``.

Every read phase (and verify) runs in a fresh child process (this script with
the hidden ``--phase`` option) which reports its time and its peak RSS
(``VmHWM`` of ``/proc/self/status``). A child that only imports gyengine and
opens the store gives the baseline RSS.

Needs only gyengine's own dependencies and the standard library. The databases
live in a temporary directory (``$TMPDIR``, else ``/tmp``) deleted at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

import attrs

import gyengine
from gyengine import NewEvent, SQLiteEventStore, event_type
from gyengine.events import EventTypes

# -- targets (issue #2) --------------------------------------------------------

TARGET_EVENTS = 1_000_000
"""The log size the targets are stated at."""
APPEND_RATE = 100_000
READ_RATE = 200_000
VERIFY_RATE = 250_000
FLOOR_RATIO = 0.5
PEAK_RSS = 150 * 1_000_000
"""Peak RSS while reading or verifying, in bytes (MB = 10**6 bytes)."""

# The PRAGMAs SQLiteEventStore sets (see gyengine.store): the floor uses the same.
PRAGMAS = (
    "PRAGMA busy_timeout = 60000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA cache_size = -65536",
    "PRAGMA wal_autocheckpoint = 10000",
    "PRAGMA journal_size_limit = 67108864",
)

# -- the payload -----------------------------------------------------------------

EVENT_TYPE = "ProjectInvestmentReported"


@event_type(EVENT_TYPE)
@attrs.frozen
class ProjectInvestmentReported:
    """A key project reported its investment for a month (the bench's payload)."""

    project: str
    stage: str
    invested: Decimal
    workers: int
    unit: str
    note: str


STAGES = ("design", "approval", "construction", "fit-out", "commissioning")
UNITS = ("县发展和改革委员会", "县工业和信息化局", "产业集聚区管委会", "县住房和城乡建设局")
NOTES = (
    "主体厂房已封顶，设备开始进场安装调试，预计下月完成",
    "土地手续已办结，正在进行场地平整和临时道路施工",
    "环评批复已取得，施工图设计基本完成，即将招标",
    "二期车间钢结构吊装完成，本月投资进度符合计划",
    "受连续降雨影响，室外管网工程略有滞后，正在赶工",
    "生产线单机试车成功，计划下月联动试车并试生产",
)
ACTORS = ("县发改委", "县工信局", "集聚区管委会", "县住建局")

Raw = tuple[str, str, str, str, str, Decimal, int, str, str]
"""stream, occurred, actor, project, stage, invested, workers, unit, note."""


def make_registry() -> EventTypes:
    """The registry the bench encodes and decodes with: gyengine's built-ins plus the payload."""
    registry = EventTypes()
    registry.register(ProjectInvestmentReported, owner="bench")
    return registry


def raw_batch(rng: random.Random, start: int, count: int, streams: int) -> list[Raw]:
    """The field values of events ``start .. start + count - 1`` (not timed)."""
    rows = []
    for i in range(start, start + count):
        project = i % streams
        rows.append(
            (
                f"project/XC-{project:04d}",
                f"2019-{i % 12 + 1:02d}",
                ACTORS[project % len(ACTORS)],
                f"XC-2019-{project:04d}",
                STAGES[i % len(STAGES)],
                Decimal(rng.randrange(10**6, 10**10)).scaleb(-2),
                rng.randrange(1000),
                UNITS[project % len(UNITS)],
                NOTES[i % len(NOTES)],
            )
        )
    return rows


# -- the floor -------------------------------------------------------------------------

FLOOR_SCHEMA = "CREATE TABLE events (seq INTEGER PRIMARY KEY, stream TEXT, type TEXT, data TEXT)"
SEPARATORS = (",", ":")
"""Compact JSON, so the floor stores as many payload bytes as gyengine does."""
FLOOR_INSERT = "INSERT INTO events (seq, stream, type, data) VALUES (?, ?, ?, ?)"


FLOOR_NOTE = """\
The floor is a plain table (seq INTEGER PRIMARY KEY, stream, type, data) filled by
executemany of json.dumps rows, one transaction per batch, with gyengine's PRAGMAs
(WAL, synchronous=FULL, 64 MiB cache, a checkpoint every 10,000 WAL pages). It does
NOT validate, canonicalise, hash, generate ids, check id or (stream, version)
uniqueness, keep versions, or maintain any index but the rowid; its read is
json.loads, not typed objects."""


def open_floor(path: Path, *, create: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, timeout=60.0)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    if create:
        conn.execute(FLOOR_SCHEMA)
    return conn


def floor_append(conn: sqlite3.Connection, seq: int, batch: list[Raw]) -> int:
    """Insert one batch as ``json.dumps`` rows in one transaction; return the last seq."""
    dumps = json.dumps
    rows = []
    for stream, _occ, _actor, project, stage, invested, workers, unit, note in batch:
        seq += 1
        data = {
            "project": project,
            "stage": stage,
            "invested": str(invested),
            "workers": workers,
            "unit": unit,
            "note": note,
        }
        rows.append(
            (seq, stream, EVENT_TYPE, dumps(data, ensure_ascii=False, separators=SEPARATORS))
        )
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(FLOOR_INSERT, rows)
    conn.execute("COMMIT")
    return seq


def gyengine_append(store: SQLiteEventStore, registry: EventTypes, batch: list[Raw]) -> int:
    """Build, validate, encode and append one batch; return how many were appended."""
    encode = registry.encode
    result = store.append(
        encode(
            NewEvent(
                type=EVENT_TYPE,
                stream=stream,
                occurred=occurred,
                actor=actor,
                data=ProjectInvestmentReported(project, stage, invested, workers, unit, note),
            )
        )
        for stream, occurred, actor, project, stage, invested, workers, unit, note in batch
    )
    return result.count


# -- child phases (fresh processes: time and peak RSS) ------------------------------------


def peak_rss() -> int:
    """This process's peak resident set size in bytes."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage if sys.platform == "darwin" else usage * 1024


def run_phase(phase: str, db: Path) -> dict[str, Any]:
    """Run one phase in this (child) process; return its count, seconds and peak RSS."""
    count = 0
    if phase == "floor-read":
        conn = open_floor(db)
        loads = json.loads
        start = time.perf_counter()
        for _seq, _stream, _type, data in conn.execute(
            "SELECT seq, stream, type, data FROM events ORDER BY seq"
        ):
            loads(data)
            count += 1
        seconds = time.perf_counter() - start
        conn.close()
    else:
        registry = make_registry()
        store = SQLiteEventStore(db)
        store.head()
        start = time.perf_counter()
        if phase == "read":
            last = None
            for last in registry.decode_rows(store.read_rows(data_bytes=True)):  # noqa: B007 - the last one is checked
                count += 1
            if last is not None and not isinstance(last.data, ProjectInvestmentReported):
                raise SystemExit(f"read decoded a {type(last.data).__name__}")
        elif phase == "verify":
            # As `gyengine verify` does: one worker process per core on a long log.
            result = store.verify(workers=None)
            if not result.ok:
                raise SystemExit(f"verify failed: {result.problem}")
            count = result.checked
        elif phase != "baseline":
            raise SystemExit(f"unknown phase {phase!r}")
        seconds = time.perf_counter() - start
        store.close()
    # verify() may fork worker processes: count the largest of them too (ru_maxrss of
    # the children is the biggest single child, not their sum).
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    children = children if sys.platform == "darwin" else children * 1024
    return {
        "phase": phase,
        "count": count,
        "seconds": seconds,
        "peak_rss": max(peak_rss(), children),
    }


def in_child(phase: str, db: Path) -> dict[str, Any]:
    """Run ``phase`` in a fresh Python process running this script."""
    done = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- reporting -----------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, IndexError, ValueError):
        first = Path("/proc/meminfo").read_text().splitlines()[0]
        memory = f"{int(first.split()[1]) / 1024**2:.1f} GiB"
    return {
        "cpu": f"{cpu} ({os.cpu_count()} logical CPUs)",
        "load average": load_average(),
        "memory": memory or "unknown",
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "sqlite": sqlite3.sqlite_version,
        "gyengine": f"{metadata.version('gyengine')} ({source_revision()})",
        "attrs / cattrs": f"{metadata.version('attrs')} / {metadata.version('cattrs')}",
    }


def load_average() -> str:
    """The 1-minute load average: other work on the machine skews every figure."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:  # pragma: no cover - not on every platform
        return "unknown"


def source_revision() -> str:
    """The git commit of the gyengine being measured, ``+dirty`` with local changes."""
    package = Path(gyengine.__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "-C", str(package), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(package), "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "not a git checkout"
    return f"git {head}{' +dirty' if dirty else ''}"


def filesystem_of(path: Path) -> str:
    """The mount point and type holding ``path`` (Linux), for the reader."""
    best = ("", "unknown")
    with contextlib.suppress(OSError):
        real = str(path.resolve())
        for line in Path("/proc/mounts").read_text().splitlines():
            parts = line.split()
            if len(parts) < 3:
                continue
            mount = parts[1]
            inside = real == mount or real.startswith(mount.rstrip("/") + "/")
            if inside and len(mount) > len(best[0]):
                best = (mount, f"{parts[2]} on {parts[0]}")
    return f"{path} ({best[1]})"


def verdict(ok: bool, quick: bool) -> str:
    word = "met" if ok else "NOT met"
    return f"{word} (indicative: quick mode)" if quick else word


def mb(size: float) -> str:
    return f"{size / 1_000_000:.1f} MB"


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def report(results: dict[str, Any]) -> bool:
    """Print the results table; return whether every target is met."""
    quick = results["events"] < TARGET_EVENTS
    r = results["rates"]
    rss = results["rss"]
    checks: list[tuple[str, str, str, str, bool | None]] = []

    def row(
        name: str, value: str, ratio: str = "", target: str = "", ok: bool | None = None
    ) -> None:
        checks.append((name, value, ratio, target, ok))

    append_ratio = r["append"] / r["floor_append"]
    read_ratio = r["read"] / r["floor_read"]
    row("floor append (sqlite3)", f"{r['floor_append']:>12,.0f} ev/s", "1.00", "reference")
    row(
        "gyengine append",
        f"{r['append']:>12,.0f} ev/s",
        f"{append_ratio:.2f}",
        f">= {APPEND_RATE:,}/s and >= {FLOOR_RATIO} x floor",
        r["append"] >= APPEND_RATE and append_ratio >= FLOOR_RATIO,
    )
    row(
        "  (last 10% of batches)",
        f"{r['append_tail']:>12,.0f} ev/s",
        f"{r['append_tail'] / r['floor_append_tail']:.2f}",
        f"floor: {r['floor_append_tail']:,.0f} ev/s",
    )
    row(
        "  SQLite alone, gyengine rows",
        f"{r['storage']:>12,.0f} ev/s",
        f"{r['storage'] / r['floor_append']:.2f}",
        f"no Python work; last 10%: {r['storage_tail']:,.0f} ev/s",
    )
    row("floor read (json.loads)", f"{r['floor_read']:>12,.0f} ev/s", "1.00", "reference")
    row(
        "gyengine read decoded",
        f"{r['read']:>12,.0f} ev/s",
        f"{read_ratio:.2f}",
        f">= {READ_RATE:,}/s and >= {FLOOR_RATIO} x floor",
        r["read"] >= READ_RATE and read_ratio >= FLOOR_RATIO,
    )
    row(
        "gyengine verify",
        f"{r['verify']:>12,.0f} ev/s",
        "",
        f">= {VERIFY_RATE:,}/s",
        r["verify"] >= VERIFY_RATE,
    )
    row("peak RSS: baseline", f"{mb(rss['baseline']):>15}", "", "import gyengine + open store")
    row("peak RSS: floor read", f"{mb(rss['floor-read']):>15}", "", "reference")
    for phase, name in (("read", "read decoded"), ("verify", "verify")):
        row(
            f"peak RSS: {name}",
            f"{mb(rss[phase]):>15}",
            f"+{mb(rss[phase] - rss['baseline'])}",
            f"< {mb(PEAK_RSS)}",
            rss[phase] < PEAK_RSS,
        )

    widths = [max(len(c[i]) for c in checks) for i in range(4)]
    header = ("", "measured", "ratio", "target")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + "  result")
    for name, value, ratio, target, ok in checks:
        cells = (name, value, ratio, target)
        line = "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
        print((line + ("  " + verdict(ok, quick) if ok is not None else "")).rstrip())
    print()
    print(FLOOR_NOTE)
    if quick:
        print(f"\nQuick mode: the targets are stated at {TARGET_EVENTS:,} events; verdicts above")
        print("are only indicative. Run without --events for the real figures.")
    return all(c[4] for c in checks if c[4] is not None)


# -- the main run --------------------------------------------------------------------------


def batches(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(size, total - start)


def storage_only(source: Path, target: Path, size: int, tail_from: int) -> tuple[float, float]:
    """Insert the rows gyengine wrote into a fresh store, timing only the SQL.

    The target is made by ``SQLiteEventStore`` (its schema, indexes and PRAGMAs);
    each batch is ``BEGIN IMMEDIATE``, ``executemany`` of the finished 13-column
    rows and ``COMMIT``. Reading the rows from ``source`` is not timed. This is
    what SQLite alone costs for gyengine's rows: the part of an append no Python
    change can remove. Returns the seconds overall and over the last 10 % of
    batches; the target is deleted afterwards.
    """
    reader = sqlite3.connect(source)
    writer = SQLiteEventStore(target, create=True)
    conn = writer.conn
    insert = f"INSERT INTO events VALUES ({', '.join('?' * 13)})"
    total = tail = 0.0
    try:
        cursor = reader.execute("SELECT * FROM events ORDER BY seq")
        number = 0
        while rows := cursor.fetchmany(size):
            began = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(insert, rows)
            conn.execute("COMMIT")
            took = time.perf_counter() - began
            total += took
            if number >= tail_from:
                tail += took
            number += 1
    finally:
        reader.close()
        writer.close()
        for path in target.parent.glob(target.name + "*"):
            path.unlink()
    return total, tail


def mean_payload_bytes(db: Path) -> float:
    conn = sqlite3.connect(db)
    try:
        value = conn.execute("SELECT avg(length(CAST(data AS BLOB))) FROM events").fetchone()[0]
    finally:
        conn.close()
    return float(value or 0)


def bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    floor_db = workdir / "floor.db"
    gy_db = workdir / "gyengine.db"
    floor = open_floor(floor_db, create=True)
    registry = make_registry()
    store = SQLiteEventStore(gy_db, create=True)

    rng = random.Random(2019)
    plan = list(batches(args.events, args.batch))
    tail_from = len(plan) - max(1, len(plan) // 10)
    t_floor = t_gy = tail_floor = tail_gy = 0.0
    tail_events = 0
    seq = 0
    appended = 0
    step = max(1, len(plan) // 10)
    print(f"appending {args.events:,} events in {len(plan)} batches...", file=sys.stderr)
    for number, (start, count) in enumerate(plan):
        batch = raw_batch(rng, start, count, args.streams)
        # Alternate which side goes first, so neither always runs on a warmer cache.
        order = ("floor", "gyengine") if number % 2 == 0 else ("gyengine", "floor")
        timings = {}
        for side in order:
            began = time.perf_counter()
            if side == "floor":
                seq = floor_append(floor, seq, batch)
            else:
                appended += gyengine_append(store, registry, batch)
            timings[side] = time.perf_counter() - began
        t_floor += timings["floor"]
        t_gy += timings["gyengine"]
        if number >= tail_from:
            tail_floor += timings["floor"]
            tail_gy += timings["gyengine"]
            tail_events += count
        if (number + 1) % step == 0 or number + 1 == len(plan):
            print(
                f"  {start + count:>10,} events: floor {rate(start + count, t_floor):>9,.0f}/s,"
                f" gyengine {rate(appended, t_gy):>9,.0f}/s",
                file=sys.stderr,
            )
    if appended != args.events or seq != args.events:
        raise SystemExit(f"appended {appended} (gyengine) and {seq} (floor), not {args.events}")
    floor.close()
    store.close()

    print("storage only: gyengine's rows into a fresh store, SQL timed...", file=sys.stderr)
    t_storage, tail_storage = storage_only(gy_db, workdir / "storage.db", args.batch, tail_from)

    sizes = {
        "floor_payload": mean_payload_bytes(floor_db),
        "payload": mean_payload_bytes(gy_db),
        "floor_db": sum(p.stat().st_size for p in workdir.glob("floor.db*")),
        "gyengine_db": sum(p.stat().st_size for p in workdir.glob("gyengine.db*")),
    }
    children = {}
    for phase, db in (
        ("baseline", gy_db),
        ("floor-read", floor_db),
        ("read", gy_db),
        ("verify", gy_db),
    ):
        print(f"{phase} (fresh child process)...", file=sys.stderr)
        children[phase] = in_child(phase, db)
        if phase != "baseline" and children[phase]["count"] != args.events:
            raise SystemExit(f"{phase} saw {children[phase]['count']} events, not {args.events}")

    def child_rate(phase: str) -> float:
        return rate(children[phase]["count"], children[phase]["seconds"])

    return {
        "events": args.events,
        "streams": args.streams,
        "batch": args.batch,
        "sizes": sizes,
        "seconds": {
            "floor_append": t_floor,
            "append": t_gy,
            **{phase: child["seconds"] for phase, child in children.items()},
        },
        "rates": {
            "floor_append": rate(args.events, t_floor),
            "append": rate(args.events, t_gy),
            "floor_append_tail": rate(tail_events, tail_floor),
            "storage": rate(args.events, t_storage),
            "storage_tail": rate(tail_events, tail_storage),
            "append_tail": rate(tail_events, tail_gy),
            "floor_read": child_rate("floor-read"),
            "read": child_rate("read"),
            "verify": child_rate("verify"),
        },
        "rss": {phase: child["peak_rss"] for phase, child in children.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark gyengine's SQLite store against a raw-sqlite3 floor."
    )
    parser.add_argument("--events", type=int, default=TARGET_EVENTS, help="events to append")
    parser.add_argument("--streams", type=int, default=1000, help="streams to spread them over")
    parser.add_argument("--batch", type=int, default=10_000, help="events per append transaction")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument(
        "--check", action="store_true", help="exit with status 1 when a target is not met"
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.phase:
        print(json.dumps(run_phase(args.phase, args.db)))
        return 0
    if args.events < 1 or args.streams < 1 or args.batch < 1:
        parser.error("--events, --streams and --batch must be positive")

    info = machine()
    with tempfile.TemporaryDirectory(prefix="gyengine-bench-") as tmp:
        workdir = Path(tmp)
        info["databases"] = filesystem_of(workdir)
        results = bench(args, workdir)
    info["load average"] += f" at the start, {load_average()} at the end"
    results["machine"] = info

    print(
        f"\ngyengine store benchmark: {args.events:,} events over {args.streams:,} streams,"
        f" {args.batch:,} per append"
    )
    for key, value in info.items():
        print(f"  {key + ':':<16}{value}")
    sizes = results["sizes"]
    print(
        f"  {'payload:':<16}mean {sizes['payload']:.1f} bytes of canonical JSON"
        f" (floor rows: {sizes['floor_payload']:.1f} bytes)"
    )
    print(
        f"  {'database size:':<16}gyengine {mb(sizes['gyengine_db'])},"
        f" floor {mb(sizes['floor_db'])}"
    )
    print()
    all_met = report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return 1 if args.check and not all_met else 0


if __name__ == "__main__":
    sys.exit(main())
