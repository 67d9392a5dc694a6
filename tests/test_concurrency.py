"""Many OS processes appending to one log at once, in SQLite and in PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import gyengine
import pg_helpers

WRITERS = 4
ROUNDS = 10
PRIVATE_EVENTS = 500

# Each writer runs this in its own interpreter. Per round it appends a batch
# of a random size to its own stream, then two events to the shared stream
# with the version it read just before; a file barrier makes every writer read
# that version before any of them appends, so all but one of them conflict.
# A conflicted writer retries with fresh ids and the new version. Every
# attempt is reported: accepted or refused, with the error's numbers.
WRITER = r"""
import json, random, sys, time
from pathlib import Path

import attrs

from gyengine import NewEvent, open_store
from gyengine.errors import ConcurrencyError
from gyengine.events import EventTypes


@attrs.frozen
class Written:
    writer: int
    note: str


db, writer, writers, rounds, private, sync, out = sys.argv[1:]
writer, writers, rounds, private = int(writer), int(writers), int(rounds), int(private)
sync = Path(sync)
rng = random.Random(writer)
registry = EventTypes()
registry.register(Written)
store = open_store(db)


def barrier(name):
    (sync / f"{name}.{writer}").touch()
    deadline = time.monotonic() + 60
    while len(list(sync.glob(f"{name}.*"))) < writers:
        if time.monotonic() > deadline:
            raise SystemExit(f"writer {writer}: timed out at barrier {name}")
        time.sleep(0.0005)


def event(stream, event_id, expected_version=None):
    return registry.encode(
        NewEvent(
            type="Written",
            stream=stream,
            id=event_id,
            data=Written(writer, event_id),
            expected_version=expected_version,
        )
    )


cuts = sorted(rng.sample(range(1, private), rounds - 1))
sizes = [b - a for a, b in zip([0, *cuts], [*cuts, private])]
attempts = []
written = 0
barrier("start")
for round_no, size in enumerate(sizes):
    ids = [f"w{writer}-p{written + i}" for i in range(size)]
    written += size
    result = store.append([event(f"writer/{writer}", i) for i in ids])
    attempts.append({"ids": ids, "accepted": True, "appended": [seq for seq, _ in result.appended]})

    version = store.stream_version("shared")
    barrier(f"round-{round_no}")
    for attempt in range(1000):
        ids = [f"w{writer}-r{round_no}-a{attempt}-{j}" for j in range(2)]
        form = (round_no + attempt) % 3
        try:
            if form == 0:
                result = store.append([event("shared", i) for i in ids], expected_version=version)
            elif form == 1:
                result = store.append(
                    [event("shared", i) for i in ids], expected_version={"shared": version}
                )
            else:
                result = store.append(
                    [event("shared", i, version + n) for n, i in enumerate(ids)]
                )
        except ConcurrencyError as error:
            attempts.append(
                {
                    "ids": ids,
                    "accepted": False,
                    "stream": error.stream,
                    "expected": error.expected,
                    "actual": error.actual,
                }
            )
            version = store.stream_version("shared")
        else:
            attempts.append(
                {"ids": ids, "accepted": True, "appended": [seq for seq, _ in result.appended]}
            )
            break
    else:
        raise SystemExit(f"writer {writer}: no append to the shared stream in 1000 attempts")
store.close()
Path(out).write_text(json.dumps(attempts))
"""


def _run_writers(db: str, sync: Path, out: Path) -> list[list[dict[str, Any]]]:
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                db,
                str(number),
                str(WRITERS),
                str(ROUNDS),
                str(PRIVATE_EVENTS),
                str(sync),
                str(out / f"writer{number}.json"),
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        for number in range(WRITERS)
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
    return [json.loads((out / f"writer{n}.json").read_text()) for n in range(WRITERS)]


@pytest.fixture(params=["sqlite", "postgres"])
def shared_log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty log on each backend, as ``--db`` names it."""
    if request.param == "sqlite":
        db = str(tmp_path / "shared.db")
        gyengine.open_store(db, create=True).close()
        yield db
        return
    with pg_helpers.database() as db:
        gyengine.open_store(db, create=True).close()
        yield db


@pytest.mark.slow
def test_processes_appending_at_once(tmp_path: Path, shared_log: str) -> None:
    """Four processes appending at once leave exactly their accepted events, gap-free and chained, and every conflict was reported to its writer."""
    db = shared_log
    sync = tmp_path / "sync"
    sync.mkdir()
    reports = _run_writers(db, sync, tmp_path)

    accepted = [a for report in reports for a in report if a["accepted"]]
    refused = [a for report in reports for a in report if not a["accepted"]]
    accepted_ids = {i for a in accepted for i in a["ids"]}
    refused_ids = {i for a in refused for i in a["ids"]}

    with gyengine.open_store(db) as store:
        rows = list(store.read())
        result = store.verify()
        assert result.ok, result.problem
        assert result.checked == len(rows)

    # Exactly the accepted events, each once, at the seqs their writers were told.
    assert [row.seq for row in rows] == list(range(1, len(rows) + 1))
    assert {row.id for row in rows} == accepted_ids
    assert len(rows) == len(accepted_ids) == WRITERS * (PRIVATE_EVENTS + 2 * ROUNDS)
    assert not refused_ids & {row.id for row in rows}
    seq_of = {row.id: row.seq for row in rows}
    for attempt in accepted:
        assert [seq_of[i] for i in attempt["ids"]] == attempt["appended"]

    # Per stream, versions 1..n; a writer's own events keep its order.
    streams: dict[str, list[Any]] = {}
    for row in rows:
        streams.setdefault(row.stream, []).append(row)
    assert set(streams) == {"shared"} | {f"writer/{n}" for n in range(WRITERS)}
    for stream, events in streams.items():
        assert [e.version for e in events] == list(range(1, len(events) + 1)), stream
    for number in range(WRITERS):
        assert [e.id for e in streams[f"writer/{number}"]] == [
            f"w{number}-p{i}" for i in range(PRIVATE_EVENTS)
        ]

    # Conflicts happened (the barrier guarantees at least WRITERS - 1 per round),
    # each was reported with the stream, the stale version and a newer actual one.
    assert len(refused) >= (WRITERS - 1) * ROUNDS
    for attempt in refused:
        assert attempt["stream"] == "shared"
        assert attempt["actual"] > attempt["expected"]
    # Every writer got each of its rounds into the shared stream exactly once.
    for number, report in enumerate(reports):
        shared = [a for a in report if a["accepted"] and a["ids"][0].startswith(f"w{number}-r")]
        assert len(shared) == ROUNDS
