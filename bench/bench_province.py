"""A province's year (issue #15): many counties' plans in one database, replayed each.

For each backend (SQLite, and PostgreSQL when a server answers) and each
number of counties (10, 30, 100 by default), builds a database of synthetic
counties (``gyengine demo init --counties N``'s data: the demo generator, one
seed per county) holding the year up to its last week, then measures, each in
a fresh process (peak RSS is that process's ``VmHWM``):

* full: ``replay --plan all`` with checkpoints and a saved run per county, on
  the log without its last week (the chain checked once, each county read by
  its streams' prefix);
* incremental: the same after appending the last week of every county
  (checkpoints from the full replay: only the week's rows are checked and
  folded, but every county's results are collected and saved again).

Times are CPU seconds of the measuring process (``time.process_time``) and
wall seconds; the machine is shared, so compare the ratios of one run.

    python bench/bench_province.py                       # 10, 30, 100 counties
    python bench/bench_province.py --counties 10 --no-postgres
    python bench/bench_province.py --counties 10 --no-postgres --profile profiles/
    python -m pstats profiles/sqlite-10-full.prof     # then: sort cumulative, stats 40
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CUT = "2019-12-23T00:00:00.000000Z"
"""Events recorded after this are the "one more week" appended before the incremental replay."""

PG_ADMIN = os.environ.get("GYENGINE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def _peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _dataset(engine: Any) -> Any:
    from gyengine.plugins import build_datasets

    return build_datasets(engine.manager)["xiangcheng-2019"]


def _build(target: str, counties: int) -> dict[str, Any]:
    import gyengine
    from gyengine.datasets import load_counties
    from gyengine.plugins import build_plan_sections

    started = time.perf_counter()
    with gyengine.open(target, create=True) as engine:
        count = load_counties(
            engine.store,
            engine.registry,
            build_plan_sections(engine.manager),
            _dataset(engine),
            counties,
            checks=engine.checks,
            until=CUT,
        )
    return {"events": count, "build_s": time.perf_counter() - started}


def _append_week(target: str, counties: int) -> dict[str, Any]:
    import gyengine
    from gyengine.datasets import append_lines, county_lines

    with gyengine.open(target) as engine:
        week = (
            line for line in county_lines(_dataset(engine), counties) if str(line["recorded"]) > CUT
        )
        count = append_lines(engine.store, engine.registry, week, checks=engine.checks)
        return {"week_events": count, "events": engine.store.head().seq}


def _replay_all(target: str, profile: str | None = None) -> dict[str, Any]:
    import cProfile

    import gyengine

    with gyengine.open(target) as engine:
        profiler = cProfile.Profile() if profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        plans = results = resumed = 0
        if profiler is not None:
            profiler.enable()
        for result in engine.replay_each():
            plans += 1
            results += len(result.records)
            resumed += bool(result.resumed)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(str(profile))
        return {
            "cpu_s": time.process_time() - cpu,
            "wall_s": time.perf_counter() - wall,
            "plans": plans,
            "results": results,
            "resumed": resumed,
            "peak_mb": _peak_mb(),
        }


def _in_child(function: Any, *args: Any) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        result: dict[str, Any] = pool.apply(function, args)
    return result


def _targets(workdir: Path, counties: int, postgres: bool) -> list[tuple[str, str, Any]]:
    targets: list[tuple[str, str, Any]] = [
        ("sqlite", str(workdir / f"province-{counties}.db"), None)
    ]
    if postgres:
        try:
            import psycopg

            admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
        except Exception as error:  # no server: SQLite only, and say so
            print(f"# PostgreSQL skipped: {' '.join(str(error).split())}", file=sys.stderr)
            return targets
        name = f"gyengine_province_{os.getpid()}_{counties}"
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
        targets.append(("postgresql", url, (admin, name)))
    return targets


def bench(counties: list[int], postgres: bool, profile: Path | None = None) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in counties:
            for backend, target, cleanup in _targets(Path(tmp), n, postgres):
                stem = None if profile is None else str(profile / f"{backend}-{n}")
                try:
                    row: dict[str, Any] = {"backend": backend, "counties": n}
                    row.update(_in_child(_build, target, n))
                    full = _in_child(_replay_all, target, stem and f"{stem}-full.prof")
                    row.update(_in_child(_append_week, target, n))
                    incremental = _in_child(
                        _replay_all, target, stem and f"{stem}-incremental.prof"
                    )
                    row["full"] = full
                    row["incremental"] = incremental
                    rows.append(row)
                    _print(row)
                finally:
                    if cleanup is not None:
                        admin, name = cleanup
                        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return rows


def _print(row: dict[str, Any]) -> None:
    full, incremental = row["full"], row["incremental"]
    print(
        f"{row['backend']:<10} {row['counties']:>4} counties  {row['events']:>7} events"
        f" ({row['week_events']} of them the last week)"
        f" | full {full['cpu_s']:6.1f} s CPU ({full['wall_s']:6.1f} s wall),"
        f" {full['cpu_s'] / row['counties']:.3f} s/county, peak {full['peak_mb']:.0f} MB"
        f" | incremental {incremental['cpu_s']:6.1f} s CPU"
        f" = {incremental['cpu_s'] / full['cpu_s']:.0%} of full,"
        f" {incremental['resumed']}/{incremental['plans']} resumed,"
        f" peak {incremental['peak_mb']:.0f} MB",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", default="10,30,100", help="comma-separated county counts")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--profile",
        type=Path,
        help="profile each replay with cProfile into this folder (BACKEND-N-full.prof,"
        " BACKEND-N-incremental.prof; the times are then the profiler's, not comparable)",
    )
    args = parser.parse_args(argv)
    counties = [int(n) for n in args.counties.split(",")]
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    rows = bench(counties, postgres=not args.no_postgres, profile=args.profile)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
