"""``gyengine replay`` and ``gyengine explain`` on the command line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
from pathlib import Path

import pytest

import replay_helpers as h
from gyengine.rendering.scoreboard import COLUMNS

FRAGILE_PLUGIN = """\
import attrs

from gyengine import Evaluator, hookimpl


@attrs.define
class Nothing:
    pass


def fold(state, event, context):
    raise ValueError(f"cannot fold a report about {event.data.subject}")


@hookimpl
def register_evaluators():
    return [
        Evaluator(
            name="fragile",
            version="1",
            consumes=["ValueReported"],
            state_type=Nothing,
            fold=fold,
            results=lambda state, context: [],
        )
    ]
"""


@pytest.fixture(autouse=True)
def _isolated_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    h.isolate_cli(monkeypatch)


@pytest.fixture
def log(tmp_path: Path) -> tuple[Path, Path]:
    """A plugins dir with the scoreboard plugin, and a log written a day per batch from 2019-07-01.

    Seqs: 1 a=1.5 (2019-06), 2 goal a=2, 3 goal b=10 | 4 b=4 (2019-05), 5 b=8 (2019-07) |
    6 a=2.5 correcting seq 1.
    """
    plugins = tmp_path / "plugins"
    h.install_plugin(plugins, "scoreboard")
    db = tmp_path / "log.db"
    with h.open_engine(db, clock=h.StepClock(step=dt.timedelta(days=1))) as engine:
        first = h.value("a", "1.5", id="a1")
        engine.append([first, h.target("a", 2, id="ta"), h.target("b", 10, id="tb")])
        engine.append(
            [
                h.value("b", 4, id="b1", occurred="2019-05"),
                h.value("b", 8, id="b2", occurred="2019-07"),
            ]
        )
        engine.append([h.correction(first, "2.5", id="a2")])
    return plugins, db


def replay(log: tuple[Path, Path], *args: object):
    plugins, db = log
    return h.run_cli(["--plugins-dir", plugins, "replay", "--db", db, *args])


def replay_json(log: tuple[Path, Path], *args: object) -> dict:
    result = replay(log, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def scores(report: dict, evaluator: str) -> dict[str, tuple]:
    return {
        r["subject"]: (r["value"], r["target"], r["status"])
        for r in report["results"]
        if r["evaluator"] == evaluator
    }


# -- replay -------------------------------------------------------------------


def test_replay_json(log: tuple[Path, Path]) -> None:
    """``--format json`` is one JSON document with the log range, head hash, plugins and records."""
    report = replay_json(log)
    assert report["log"]["seq_to"] == 6
    assert report["log"]["chain_ok"] is True
    assert len(report["log"]["head_hash"]) == 64
    assert scores(report, "latest") == {"a": ("2.5", "2", "green"), "b": ("8", "10", "red")}
    assert {"name": "scoreboard", "version": "1.0"} in report["plugins"]
    assert {"timeliness", "counter", "latest"} <= {e["name"] for e in report["evaluators"]}


def test_replay_csv(log: tuple[Path, Path]) -> None:
    """``--format csv`` has a header row and one row per record."""
    result = replay(log, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == list(COLUMNS)
    assert rows[0][:3] == ["evaluator", "record_type", "subject"]
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert len(records) == len(replay_json(log)["results"])
    finding = next(r for r in records if r["record_type"] == "finding")
    assert (finding["kind"], finding["subject"], finding["evidence"]) == ("warn", "b", "3 5")


def test_replay_markdown(log: tuple[Path, Path]) -> None:
    """``--all --format markdown``: gyengine's own results document in Markdown, a table per evaluator."""
    result = replay(log, "--all", "--format", "markdown")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "# gyengine replay"
    assert "- log: seq 1..6, head " + replay_json(log)["log"]["head_hash"] in lines
    assert "## Scores" in lines
    assert "### latest" in lines
    assert "## Findings" in lines
    header = lines.index(
        "| subject | label | metric | period | value | target | expected | status | points | evidence |"
    )
    assert lines[header + 1] == "|---|---|---|---|---:|---:|---:|---|---:|---|"
    assert "| b |  | value | 2019-07 | 8 | 10 |  | red |  | 3 5 |" in lines
    assert "| warn | b | below-target | 2019-07 | 8 is below the target 10 | 3 5 |" in lines


def test_replay_table(log: tuple[Path, Path]) -> None:
    """``--all``: the terminal table names the log and shows each evaluator's scores and the findings."""
    result = replay(log, "--all")
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert lines[0] == "gyengine replay"
    assert lines[1] == "log: seq 1..6, head " + replay_json(log)["log"]["head_hash"]
    assert lines[2] == "chain: ok, rows 1..6 verified"
    assert "latest" in lines
    assert "Findings" in " ".join(lines)
    rows = [line.split() for line in lines]
    assert any(row[:4] == ["b", "value", "2019-07", "8"] and "red" in row for row in rows)
    assert any(row[:3] == ["warn", "b", "below-target"] for row in rows)


def test_replay_as_of(log: tuple[Path, Path]) -> None:
    """``--as-of`` leaves out facts about later periods; a period means its last day."""
    report = replay_json(log, "--as-of", "2019-06-30")
    assert scores(report, "latest")["b"] == ("4", "10", "red")
    assert report["options"]["as_of"] == "2019-06-30"
    assert replay_json(log, "--as-of", "2019-06")["results"] == report["results"]
    assert scores(replay_json(log, "--as-of", "2019-07"), "latest")["b"] == ("8", "10", "red")


def test_replay_known_at(log: tuple[Path, Path]) -> None:
    """``--known-at`` replays what had been appended by then; a bare date is the end of that day."""
    report = replay_json(log, "--known-at", "2019-07-01")
    assert report["log"]["seq_to"] == 3
    assert report["options"]["known_at"] == "2019-07-01T23:59:59.999999Z"
    assert scores(report, "latest") == {"a": ("1.5", "2", "red")}
    at_nine = replay_json(log, "--known-at", "2019-07-02T09:00:00Z")
    assert at_nine["log"]["seq_to"] == 5
    before = replay_json(log, "--known-at", "2019-07-02T16:59:59+08:00")
    assert before["log"]["seq_to"] == 3


def test_replay_evaluator(log: tuple[Path, Path]) -> None:
    """``--evaluator`` runs that evaluator and what it requires."""
    report = replay_json(log, "--evaluator", "summary")
    assert [e["name"] for e in report["evaluators"]] == ["latest", "summary"]
    assert {r["evaluator"] for r in report["results"]} == {"latest", "summary"}
    two = replay_json(log, "--evaluator", "summary", "--evaluator", "counter")
    assert [e["name"] for e in two["evaluators"]] == ["counter", "latest", "summary"]
    unknown = replay(log, "--evaluator", "nope")
    assert h.one_line_error(unknown).startswith("Error: no evaluator named 'nope' (registered: ")


def test_replay_options(log: tuple[Path, Path]) -> None:
    """``-o key=value`` reaches the evaluators and is recorded in the run."""
    report = replay_json(log, "-o", "unit=%", "--option", "note=x=y")
    assert report["options"]["options"] == {"note": "x=y", "unit": "%"}
    assert {r["unit"] for r in report["results"] if r["evaluator"] == "latest"} == {"%"}
    bad = replay(log, "-o", "unit")
    assert bad.exit_code == 2
    assert "'unit' is not KEY=VALUE" in bad.stderr


def test_replay_saves_the_run_unless_no_save(log: tuple[Path, Path]) -> None:
    """A replay saves its run in the database; ``--no-save`` saves none."""
    _, db = log
    assert replay(log, "--no-save").exit_code == 0
    assert h.count_rows(db, "runs") == 0
    assert replay(log, "-o", "unit=%").exit_code == 0
    assert h.count_rows(db, "runs") == 1
    ((options,),) = h.execute_query(db, "SELECT options FROM runs")
    assert json.loads(options)["options"] == {"unit": "%"}


def test_replay_output_file(log: tuple[Path, Path], tmp_path: Path) -> None:
    """``--output FILE`` writes the report to the file and nothing to standard output."""
    target = tmp_path / "report.json"
    result = replay(log, "--format", "json", "--output", target, "--no-save")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    written = json.loads(target.read_text(encoding="utf-8"))
    again = replay_json(log, "--no-save")
    # The second replay resumed from the first one's checkpoints: it says so, and only there.
    assert written.pop("verification")["rows_verified"] == [1, 6]
    assert again.pop("verification")["rows_verified"] is None
    assert written == again
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


@pytest.mark.parametrize(
    ("args", "option"),
    [(["--as-of", "June"], "--as-of"), (["--known-at", "yesterday"], "--known-at")],
    ids=["as-of", "known-at"],
)
def test_replay_bad_time_is_a_usage_error(
    log: tuple[Path, Path], args: list[str], option: str
) -> None:
    """A time that cannot be read is a usage error naming the option."""
    result = replay(log, *args)
    assert result.exit_code == 2
    assert option in result.stderr
    assert "Traceback" not in result.stderr


def test_replay_of_a_tampered_log(log: tuple[Path, Path]) -> None:
    """A tampered log is a one-line error naming the seq; --allow-broken-chain replays and warns."""
    _, db = log
    h.execute(db, "UPDATE events SET occurred = '2019-08' WHERE seq = 4")
    line = h.one_line_error(replay(log))
    assert line.startswith("Error: the log fails verification at seq 4: hash:")
    assert h.count_rows(db, "runs") == 0
    allowed = replay(log, "--format", "json", "--allow-broken-chain")
    assert allowed.exit_code == 0, allowed.output
    assert json.loads(allowed.stdout)["log"]["chain_ok"] is False
    assert allowed.stderr.startswith("warning: the log fails verification at seq 4")


def test_replay_is_the_same_under_any_hash_seed(log: tuple[Path, Path]) -> None:
    """The console script prints the same bytes whatever PYTHONHASHSEED is (no set or dict order leaks)."""
    plugins, db = log
    outputs = []
    for seed in ("1", "2"):
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("GYENGINE_") or k == "GYENGINE_KEY"
        }
        env["PYTHONHASHSEED"] = seed
        completed = subprocess.run(
            [
                h.console_script(),
                "--plugins-dir",
                str(plugins),
                "replay",
                "--db",
                str(db),
                "--format",
                "json",
                "--no-save",
                "--no-checkpoints",  # else the second resumes from the first and says so
            ],
            capture_output=True,
            env=env,
            check=False,
            timeout=60,
        )
        assert completed.returncode == 0, completed.stderr
        outputs.append(completed.stdout)
    assert outputs[0] == outputs[1]
    assert b'"subject": "a"' in outputs[0]


# -- explain ------------------------------------------------------------------


def explain(log: tuple[Path, Path], *args: object):
    plugins, db = log
    return h.run_cli(["--plugins-dir", plugins, "explain", *args, "--db", db])


def test_explain_prints_the_audit_trail(log: tuple[Path, Path]) -> None:
    """explain prints evaluator, version, rationale and every evidence event, marking the superseded one."""
    result = explain(log, "a", "--metric", "value")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    rows = {
        row[0]: row for row in h.execute_query(log[1], "SELECT seq, hash, recorded FROM events")
    }
    assert lines[0] == "a · value · 2019-06"
    assert lines[1] == "  evaluator latest 1 (plugin scoreboard)"
    assert "  value: 2.5" in lines
    assert "  status: green" in lines
    assert "  rationale: latest report seq 6: 2.5 against target 2 (seq 2)" in lines
    assert "  evidence (3 events):" in lines
    events = [line.strip() for line in lines if line.startswith("    seq ")]
    assert events == [
        f"seq 1 ValueReported subject/a actor=统计局 occurred=2019-06 recorded={rows[1][2]} hash={rows[1][1][:12]}  [superseded by seq 6]",
        f"seq 2 GoalSet goal/a actor=发改局 occurred=2019 recorded={rows[2][2]} hash={rows[2][1][:12]}",
        f"seq 6 ValueReported subject/a actor=统计局 occurred=2019-06 recorded={rows[6][2]} hash={rows[6][1][:12]}",
    ]
    assert rows[1][2] == "2019-07-01T09:00:00.000000Z"
    assert '      {"subject":"a","value":"1.5"}' in lines


def test_explain_every_result_about_a_subject(log: tuple[Path, Path]) -> None:
    """Without --metric, explain shows every result about the subject, findings included."""
    result = explain(log, "b")
    assert result.exit_code == 0, result.output
    headings = [line for line in result.stdout.splitlines() if line and not line.startswith(" ")]
    assert headings == ["b · value · 2019-07", "b · below-target · 2019-07", "b · total · all"]
    assert "  kind: warn" in result.stdout.splitlines()


def test_explain_json(log: tuple[Path, Path]) -> None:
    """``explain --format json`` gives each result with its evidence events and superseded_by."""
    result = explain(log, "a", "--metric", "value", "--format", "json")
    assert result.exit_code == 0, result.output
    (explanation,) = json.loads(result.stdout)
    assert explanation["result"]["evaluator"] == "latest"
    assert explanation["result"]["value"] == "2.5"
    trail = [(e["seq"], e["id"], e["superseded_by"], e["data"]) for e in explanation["evidence"]]
    assert trail == [
        (1, "a1", 6, {"subject": "a", "value": "1.5"}),
        (2, "ta", None, {"subject": "a", "target": "2"}),
        (6, "a2", None, {"subject": "a", "value": "2.5"}),
    ]


def test_explain_with_replay_options(log: tuple[Path, Path]) -> None:
    """explain takes the replay's time options: as known before the correction, seq 1 stands."""
    result = explain(log, "a", "--metric", "value", "--known-at", "2019-07-02", "--format", "json")
    (explanation,) = json.loads(result.stdout)
    assert [(e["seq"], e["superseded_by"]) for e in explanation["evidence"]] == [
        (1, None),
        (2, None),
    ]
    assert h.count_rows(log[1], "runs") == 0


def test_explain_unknown_subject(log: tuple[Path, Path]) -> None:
    """An unknown subject is a one-line error with a hint."""
    result = explain(log, "nobody")
    assert h.one_line_error(result) == "Error: no result about nobody"
    assert "gyengine replay" in result.stderr


# -- evaluator errors ---------------------------------------------------------


def test_evaluator_error_is_one_line(log: tuple[Path, Path]) -> None:
    """An evaluator that raises stops replay with one line naming plugin, evaluator, seq and type."""
    plugins, db = log
    (plugins / "fragile.py").write_text(FRAGILE_PLUGIN, encoding="utf-8")
    result = h.run_cli(["--plugins-dir", plugins, "replay", "--db", db])
    assert h.one_line_error(result) == (
        "Error: evaluator 'fragile' of plugin fragile failed at seq 4 (ValueReported): "
        "ValueError: cannot fold a report about b"
    )  # seq 1 is never folded: seq 6 corrects it
    assert "--debug" in result.stderr
    assert h.count_rows(db, "runs") == 0


def test_evaluator_error_with_debug_shows_the_traceback(log: tuple[Path, Path]) -> None:
    """With --debug the evaluator's traceback is shown, down to the line that raised."""
    plugins, db = log
    (plugins / "fragile.py").write_text(FRAGILE_PLUGIN, encoding="utf-8")
    result = h.run_cli(["--debug", "--plugins-dir", plugins, "replay", "--db", db])
    assert result.exit_code == 1
    assert "Traceback (most recent call last):" in result.stderr
    assert "fragile.py" in result.stderr
    assert 'raise ValueError(f"cannot fold a report about {event.data.subject}")' in result.stderr
    assert (
        "Error: evaluator 'fragile' of plugin fragile failed at seq 4 (ValueReported)"
        in result.stderr
    )


def test_scoreboard_shows_judged_results_of_the_bundled_year(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no database, --all is the bundled year's full table: synthetic notice, judged rows only."""
    from click.testing import CliRunner

    from gyengine.cli import cli

    for name in ("GYENGINE_DB", "GYENGINE_PLUGINS_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["replay", "--all"], prog_name="gyengine")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("synthetic data — ")
    assert any(line.split()[:2] == ["I1", "规上工业增加值增速"] for line in lines)
    assert "criterion:" not in result.stdout  # bank criteria carry points, not a status
    assert "results without a status left out" in result.stdout
    assert not (tmp_path / "gyengine.db").exists()


def test_an_output_file_gets_the_usual_permissions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--output writes through a private temporary file, but the result is readable as umask allows."""
    import os
    import stat

    from click.testing import CliRunner

    from gyengine.cli import cli

    for name in ("GYENGINE_DB", "GYENGINE_PLUGINS_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    old = os.umask(0o022)
    try:
        result = CliRunner().invoke(
            cli, ["replay", "--format", "json", "--output", "r.json"], prog_name="gyengine"
        )
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE((tmp_path / "r.json").stat().st_mode) == 0o644
