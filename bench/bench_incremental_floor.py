#!/usr/bin/env python
"""What an incremental replay of one county must spend even if its results cost nothing (issue #15).

The province target asks that, after one more week of reports from every
county, an incremental replay cost at most 10 % of a full one. This bench
measures, on the bundled year (one county, 1,758 events) in one process, the
parts of a replay that today's storage makes every replay do whatever the
evaluators could spare:

* **restore**: the nine checkpointed states read back (JSON, then the converter);
* **checkpoints**: the nine states written again (converter, canonical JSON,
  sealed rows);
* **memos**: every evaluator's results kept beside its checkpoint (pickled
  columns, zlib, sealed rows);
* **run**: the saved run (4,838 results into packs, digest, seal);
* **fold+results**: a replay from seq 1 with no checkpoints, memos or run: the
  fold and every result made (what evaluators making only the changed
  periods' results would mostly cut);
* **full**: a whole replay from seq 1 with its checkpoints, memos and run, as
  ``bench_province.py``'s full replay does for each county.

The first four are the floor of an incremental replay with the present
checkpoints, memos and runs; their sum over the full replay is the least
share an incremental replay could reach without storing these as differences.

    python bench/bench_incremental_floor.py              # 7 rounds
    python bench/bench_incremental_floor.py --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

import gyengine
from gyengine import replay as replaying
from gyengine.canonical import canonical_json
from gyengine.memo import memo_body

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_append import gyengine_command  # the gyengine beside this Python


def _demo(path: Path) -> None:
    done = subprocess.run(
        [*gyengine_command(), "demo", "init", "--db", str(path)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"gyengine demo init failed:\n{done.stderr}")


def _cpu(work: Callable[[], Any]) -> float:
    began = time.process_time()
    work()
    return time.process_time() - began


def _parts(db: Path) -> dict[str, float]:
    """CPU seconds of each part, one round, on a copy of ``db`` replayed once."""
    with gyengine.open(db) as engine:
        full = _cpu(lambda: engine.replay(save=True))
        result = engine.replay(save=False)
        runs = engine.store.runs()
        assert runs is not None
        registry = engine.registry
        converter = replaying._checkpoint_converter(registry)
        options = replaying.ReplayOptions()
        plan = [ev for ev, _ in engine.evaluators.values()]
        bound = result.seq_to
        points = {
            ev.name: next(
                runs.checkpoints(ev.name, ev.version, replaying.config_key(ev, options), bound)
            )
            for ev in plan
        }
        states: dict[str, Any] = {}

        def restore() -> None:
            for ev in plan:
                states[ev.name] = converter.structure(
                    json.loads(points[ev.name].state), ev.state_type
                )

        def checkpoints() -> None:
            saved = [
                attrs.evolve(
                    points[ev.name],
                    state=canonical_json(converter.unstructure(states[ev.name], ev.state_type)),
                )
                for ev in plan
            ]
            runs.save_checkpoints(saved)

        by_evaluator: dict[str, list[Any]] = {}
        for item in result.records:
            by_evaluator.setdefault(item.evaluator, []).append(item.record)

        def memos() -> None:
            made = []
            for ev in plan:
                body = memo_body(by_evaluator.get(ev.name, []))
                point = points[ev.name]
                if body is not None:
                    made.append(
                        replaying.Memo(
                            ev.name,
                            ev.version,
                            point.config,
                            point.seq,
                            point.hash,
                            "floor-bench",
                            body,
                        )
                    )
            runs.save_memos(made)

        def run() -> None:
            engine.save_run(result)

        def results() -> None:
            engine.replay(save=False, checkpoints=False)

        figures = {
            "restore": _cpu(restore),
            "checkpoints": _cpu(checkpoints),
            "memos": _cpu(memos),
            "run": _cpu(run),
        }
        figures["fold+results"] = _cpu(results)
        figures["full"] = full
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    rows: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "demo.db"
        _demo(template)
        for number in range(args.rounds):
            print(f"round {number + 1} of {args.rounds}...", file=sys.stderr, flush=True)
            work = Path(tmp) / "work.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{work}{suffix}").unlink(missing_ok=True)
            shutil.copy(template, work)
            rows.append(_parts(work))
    median = {name: statistics.median(row[name] for row in rows) for name in rows[0]}
    floor = sum(median[name] for name in ("restore", "checkpoints", "memos", "run"))
    print(
        f"\none county (the bundled year), CPU seconds, median of {args.rounds}; "
        f"load {os.getloadavg()[0]:.2f}"
    )
    for name, value in median.items():
        print(f"  {name:<12} {value:7.3f} s")
    print(
        f"  floor (restore + checkpoints + memos + run) {floor:.3f} s"
        f" = {floor / median['full']:.0%} of the full replay (target: 10 %)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
