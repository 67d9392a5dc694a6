"""The commands people wait for, timed whole against ``gyengine --help`` (issue #15).

Runs each command in a fresh process, in rounds (every command once per round,
so that a change of load touches them all alike), and prints per command the
median wall time, the median CPU time of the process (user + system, from
``wait4``) and their ratios to ``gyengine --help`` measured in the same rounds:

* ``replay``: ``gyengine replay`` with no database (the bundled year);
* ``monthly``: ``gyengine report monthly --period 2019-06 --format html`` on a
  demo database (``gyengine demo init``);
* ``explain``: ``gyengine explain P07 --metric investment --period 2019-W23``
  on that database;
* ``replay --db``: a replay of that database that saves its run (for reference).

The database and the seal key live in a temporary directory; each command is
run once before the rounds, so that what is cached between runs (bytecode,
checkpoints, the bundled dataset's prebuilt store) is warm, as it is for
someone who runs them day after day. Bytecode is written even when
``PYTHONDONTWRITEBYTECODE`` is set in the caller's environment: without it
every command compiles gyengine from source, which no installed copy does.

    python bench/bench_commands.py               # 7 rounds
    python bench/bench_commands.py --rounds 3 --json figures.json
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
from pathlib import Path
from typing import Any

TARGETS = {"replay": 3.0, "monthly": 2.0, "explain": 2.0}
"""Issue #15's targets: at most this many times ``gyengine --help``."""


def _gyengine() -> list[str]:
    found = shutil.which("gyengine", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "gyengine.cli"]


def _commands(db: str) -> dict[str, list[str]]:
    return {
        "help": ["--help"],
        "replay": ["replay"],
        "monthly": ["report", "monthly", "--period", "2019-06", "--format", "html", "--db", db],
        "explain": ["explain", "P07", "--metric", "investment", "--period", "2019-W23", "--db", db],
        "replay --db": ["replay", "--db", db],
    }


def _run(argv: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one command in a fresh process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read() if process.stderr is not None else b""
    if process.stderr is not None:
        process.stderr.close()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{stderr.decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime


def bench(rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("GYENGINE_DB", "PYTHONDONTWRITEBYTECODE")
        }
        env["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        env["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")
        work = Path(tmp) / "work"  # no gyengine.db here: `replay` takes the bundled year
        work.mkdir()
        db = str(Path(tmp) / "demo.db")
        gyengine = _gyengine()
        subprocess.run(
            [*gyengine, "demo", "init", "--db", db], env=env, cwd=work, check=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        commands = _commands(db)
        for argv in commands.values():  # warm: bytecode, checkpoints, caches
            _run([*gyengine, *argv], env, str(work))
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        loads = [os.getloadavg()[0]]
        for _ in range(rounds):
            for name, argv in commands.items():
                times[name].append(_run([*gyengine, *argv], env, str(work)))
            loads.append(os.getloadavg()[0])
    return _figures(times, loads)


def _figures(times: dict[str, list[tuple[float, float]]], loads: list[float]) -> dict[str, Any]:
    medians = {
        name: (
            statistics.median(wall for wall, _ in runs),
            statistics.median(cpu for _, cpu in runs),
        )
        for name, runs in times.items()
    }
    help_wall, help_cpu = medians["help"]
    rows = []
    for name, (wall, cpu) in medians.items():
        target = TARGETS.get(name)
        ratio = cpu / help_cpu
        rows.append(
            {
                "command": name,
                "wall_s": round(wall, 3),
                "cpu_s": round(cpu, 3),
                "wall_ratio": round(wall / help_wall, 2),
                "cpu_ratio": round(ratio, 2),
                "target": target,
                "met": None if target is None else ratio <= target,
            }
        )
    return {"rounds": len(next(iter(times.values()))), "load": loads, "commands": rows}


def _print(figures: dict[str, Any]) -> None:
    loads = ", ".join(f"{load:.2f}" for load in figures["load"])
    print(f"# {figures['rounds']} rounds; load average (1 min) before and after each: {loads}")
    print(f"{'command':<12} {'wall':>7} {'CPU':>7} {'wall x':>7} {'CPU x':>7}  target")
    for row in figures["commands"]:
        target = "" if row["target"] is None else f"<= {row['target']:g} x help: "
        verdict = "" if row["met"] is None else ("met" if row["met"] else "NOT met")
        print(
            f"{row['command']:<12} {row['wall_s']:7.3f} {row['cpu_s']:7.3f}"
            f" {row['wall_ratio']:7.2f} {row['cpu_ratio']:7.2f}  {target}{verdict}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="rounds of every command")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    figures = bench(args.rounds)
    _print(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
