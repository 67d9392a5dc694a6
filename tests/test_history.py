"""Entering a past year (issue 13, "History"): `plan load --recorded`, `append --keep-recorded`,
bulletins `--known-at`, and `gyengine log --format jsonl` as a backup that restores to the same head."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import gyengine
import pg_helpers
from cli_helpers import clean_environment, error_lines, fingerprint, invoke
from gyengine.errors import InvalidEvent
from gyengine.events import EventTypes, Witness, event_type
from gyengine.jsonl import parse_json
from gyengine.plugins import build_event_types, get_plugin_manager

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "history.md"
DEMO = ROOT / "events" / "xiangcheng-2019"
PLAN_RECORDED = "2019-01-02T09:00:00+08:00"


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)
    monkeypatch.chdir(tmp_path)


def ok(*args: Any) -> str:
    result = invoke([str(arg) for arg in args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo year (`gyengine demo init`) and its backup (`gyengine log --format jsonl`)."""
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "demo.db"
    assert invoke(["demo", "init", "--db", str(db)]).exit_code == 0
    result = invoke(["log", "--db", str(db), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    return db, result.output


def head_of(target: str | Path) -> gyengine.store.Head:
    with gyengine.open_store(target) as store:
        return store.head()


# -- backup and restore ----------------------------------------------------------------


def test_the_demo_year_restores_from_its_jsonl_log_with_the_same_head(
    demo: tuple[Path, str], tmp_path: Path
) -> None:
    db, backup = demo
    (tmp_path / "backup.jsonl").write_text(backup, encoding="utf-8")
    ok("init", "--db", "restored.db")
    output = ok("append", "backup.jsonl", "--db", "restored.db", "--keep-recorded")
    head = head_of(db)
    assert head.seq == backup.count("\n") > 1800
    assert f"head {head.seq} {head.hash}" in output
    assert head_of(tmp_path / "restored.db") == head
    ok("verify", "--db", "restored.db", "--expect-head", head.hash)
    # The restored log writes the same backup, byte for byte.
    assert ok("log", "--db", "restored.db", "--format", "jsonl") == backup
    # Restoring it again adds nothing: every line is already there, where it says.
    again = ok("append", "backup.jsonl", "--db", "restored.db", "--keep-recorded")
    assert again.startswith(f"appended 0 events; {head.seq} already in the log")


def test_the_demo_year_restores_into_postgresql_with_the_same_head(
    demo: tuple[Path, str], tmp_path: Path
) -> None:
    pg_helpers.require_server()
    db, backup = demo
    (tmp_path / "backup.jsonl").write_text(backup, encoding="utf-8")
    with pg_helpers.database() as url:
        ok("init", "--db", url)
        ok("append", "backup.jsonl", "--db", url, "--keep-recorded")
        assert head_of(url) == head_of(db)
        ok("verify", "--db", url, "--chain-only", "--expect-head", head_of(db).hash)
        # A changed line is refused there too, by the same shared append code.
        lines = backup.splitlines(keepends=True)
        lines[-1] = lines[-1].replace('"occurred": "2019-12"', '"occurred": "2019-11"')
        (tmp_path / "changed.jsonl").write_text("".join(lines), encoding="utf-8")
        with pg_helpers.database() as other:
            ok("init", "--db", other)
            result = invoke(["append", "changed.jsonl", "--db", other, "--keep-recorded"])
            assert error_lines(result)[0].startswith(f"Error: changed.jsonl:{len(lines)}: $.hash: ")
            assert head_of(other).seq == 0


def _changed(backup: str, number: int, old: str, new: str) -> str:
    lines = backup.splitlines(keepends=True)
    assert old in lines[number - 1]
    lines[number - 1] = lines[number - 1].replace(old, new, 1)
    return "".join(lines)


def test_a_log_the_plan_checks_would_refuse_today_still_restores(tmp_path: Path) -> None:
    """An event written before append checked against the plan (here: handed to the store
    directly, an indicator the plan does not have) is part of the log: its backup restores
    to the same head, the plan of today does not re-judge what the log held."""
    source = tmp_path / "old.db"
    assert invoke(["demo", "init", "--db", str(source)]).exit_code == 0
    with gyengine.open(source) as engine:
        event = engine.registry.encode(
            gyengine.NewEvent(
                type="StatisticReported",
                stream="indicator/D9",
                occurred="2019-06",
                data={"indicator": "D9", "value": "1", "unit": "%"},
            )
        )
        engine.store.append([event])  # the store alone: no plan check, as before them
        head = engine.store.head()
    backup = invoke(["log", "--db", str(source), "--format", "jsonl"]).output
    (tmp_path / "backup.jsonl").write_text(backup, encoding="utf-8")
    ok("init", "--db", "restored.db")
    ok("append", "backup.jsonl", "--db", "restored.db", "--keep-recorded")
    assert head_of(tmp_path / "restored.db") == head
    # A new event like it, without witnesses, is refused as any new event is.
    line = '{"type": "StatisticReported", "stream": "indicator/D9", "occurred": "2019-07", '
    line += '"data": {"indicator": "D9", "value": "1", "unit": "%"}}\n'
    (tmp_path / "new.jsonl").write_text(line, encoding="utf-8")
    refused = invoke(["append", "new.jsonl", "--db", "restored.db"])
    assert refused.exit_code == 1
    assert "no indicator 'D9' in the plan in force" in refused.output


@pytest.mark.parametrize(
    ("old", "new", "field", "says"),
    [
        ('"baseline_period": ""', '"baseline_period": "2018"', "$.hash", "the event hashes to "),
        ('"version": 1', '"version": 2', "$.version", "the event would be version 1 "),
        ('"seq": 17', '"seq": 18', "$.seq", "the event would be seq 17, not 18 "),
        ('"prev_hash": "7', '"prev_hash": "8', "$.prev_hash", "the event before it hashes to "),
        ('"actor": null', '"actor": "发改委"', "$.hash", "(the line was changed or the log"),
    ],
)
def test_a_changed_line_refuses_the_whole_restore_naming_line_and_field(
    demo: tuple[Path, str], tmp_path: Path, old: str, new: str, field: str, says: str
) -> None:
    _, backup = demo
    (tmp_path / "backup.jsonl").write_text(_changed(backup, 17, old, new), encoding="utf-8")
    ok("init", "--db", "restored.db")
    before = fingerprint(tmp_path / "restored.db")
    result = invoke(["append", "backup.jsonl", "--db", "restored.db", "--keep-recorded"])
    [message] = error_lines(result)
    assert message.startswith(f"Error: backup.jsonl:17: {field}: ")
    assert says in message
    assert fingerprint(tmp_path / "restored.db") == before
    assert head_of(tmp_path / "restored.db").seq == 0


def test_a_lost_line_refuses_the_restore_at_the_line_after_it(
    demo: tuple[Path, str], tmp_path: Path
) -> None:
    _, backup = demo
    lines = backup.splitlines(keepends=True)
    del lines[399]
    (tmp_path / "backup.jsonl").write_text("".join(lines), encoding="utf-8")
    ok("init", "--db", "restored.db")
    result = invoke(["append", "backup.jsonl", "--db", "restored.db", "--keep-recorded"])
    assert error_lines(result)[0] == (
        "Error: backup.jsonl:400: $.seq: the event would be seq 400, not 401"
        " (restore a backup whole, in order, into an empty database)"
    )
    assert head_of(tmp_path / "restored.db").seq == 0


def test_a_backup_does_not_restore_on_top_of_another_log(
    demo: tuple[Path, str], tmp_path: Path
) -> None:
    _, backup = demo
    (tmp_path / "backup.jsonl").write_text(backup.splitlines()[199] + "\n", encoding="utf-8")
    ok("init", "--db", "other.db")
    ok("plan", "load", DEMO / "plan.toml", "--db", "other.db", "--recorded", "2019-01-01")
    result = invoke(["append", "backup.jsonl", "--db", "other.db", "--keep-recorded"])
    assert "$.seq: the event would be seq 157, not 200 " in error_lines(result)[0]
    # Its plan's events, with the ids of the backup's but loaded at another time: the
    # same ids and content, not the same rows.
    (tmp_path / "backup.jsonl").write_text(backup.splitlines()[0] + "\n", encoding="utf-8")
    result = invoke(["append", "backup.jsonl", "--db", "other.db", "--keep-recorded"])
    assert "backup.jsonl:1: $.hash: the event hashes to " in error_lines(result)[0]
    assert head_of(tmp_path / "other.db").seq == 156


def test_store_fields_without_keep_recorded_point_to_it(
    demo: tuple[Path, str], tmp_path: Path
) -> None:
    _, backup = demo
    line = json.loads(backup.splitlines()[0])
    del line["recorded"]
    for field in ("seq", "version", "schema", "prev_hash", "hash"):
        only = {
            k: v
            for k, v in line.items()
            if k not in {"seq", "version", "schema", "prev_hash", "hash"}
        }
        only[field] = line[field]
        (tmp_path / "one.jsonl").write_text(json.dumps(only) + "\n", encoding="utf-8")
        ok("init", "--db", "new.db")
        result = invoke(["append", "one.jsonl", "--db", "new.db"])
        [message] = error_lines(result)
        assert message.startswith(f"Error: one.jsonl:1: $.{field}: is written by the store;")
        assert message.endswith("appends back with --keep-recorded")


# -- payloads of an old schema keep their text ------------------------------------------


@event_type("Reading", schema=2)
@attrs.frozen
class Reading:
    meter: str
    kwh: int


@attrs.frozen
class Ratio:
    r: float


def _upcast_reading(data: dict[str, Any]) -> dict[str, Any]:
    return {"meter": data["meter"], "kwh": data["wh"] // 1000}


@pytest.fixture
def readings() -> EventTypes:
    registry = EventTypes()
    registry.register(Reading)
    registry.register_upcaster("Reading", 1, _upcast_reading)
    return registry


def _line(**fields: Any) -> dict[str, Any]:
    line = {"type": "Reading", "stream": "m", "recorded": "2019-03-01", **fields}
    return parse_json(json.dumps(line))  # type: ignore[no-any-return]


def test_an_old_schema_payload_is_stored_as_given(readings: EventTypes) -> None:
    old = readings.parse_line(
        _line(schema=1, data={"wh": 5000, "meter": "A"}, hash="ab"), keep_recorded=True
    )
    assert (old.schema, old.data) == (1, '{"meter":"A","wh":5000}')
    assert old.witness == Witness(hash="ab")
    # Without a schema, the line is a new event: encoded through the current class.
    new = readings.parse_line(_line(data={"kwh": 5, "meter": "A"}), keep_recorded=True)
    assert (new.schema, new.data, new.witness) == (2, '{"kwh":5,"meter":"A"}', None)


def test_numbers_with_a_fraction_keep_their_canonical_text(readings: EventTypes) -> None:
    readings.register(Ratio)
    line = readings.parse_line(
        _line(type="Ratio", schema=1, data={"r": 0.1}, seq=1), keep_recorded=True
    )
    assert line.data == '{"r":0.1}'


@pytest.mark.parametrize(
    ("fields", "where", "says"),
    [
        ({"schema": 3, "data": {"meter": "A", "kwh": 5}}, "$.schema", "Reading has schemas 1 to 2"),
        ({"schema": 0, "data": {"meter": "A", "kwh": 5}}, "$.schema", "not 0"),
        ({"schema": 1, "data": {"meter": "A", "wh": "5"}}, "$.data", "does not upcast from"),
        ({"schema": 1, "data": {"meter": "A", "wh": -5.5}}, "$.data.kwh", ""),
        ({"schema": 2, "data": {"meter": "A", "kwh": "5"}}, "$.data.kwh", ""),
        ({"schema": 2, "data": {"meter": "A", "kwh": 5, "x": 1}}, "$.data", ""),
    ],
)
def test_a_payload_that_does_not_decode_is_refused(
    readings: EventTypes, fields: dict[str, Any], where: str, says: str
) -> None:
    with pytest.raises(InvalidEvent) as caught:
        readings.parse_line(_line(**fields), keep_recorded=True)
    assert (caught.value.field or "").startswith(where)
    assert says in caught.value.message


# -- a past year, entered in order -------------------------------------------------------


def _statistics(*, kept: bool) -> str:
    """The demo's monthly statistics of January to June, each recorded on the 5th of the
    month after (within the 10 days the office allows, as it declared on 10 January);
    without their times if not ``kept``."""
    lines = []
    for raw in (DEMO / "demo-2019.jsonl").read_text(encoding="utf-8").splitlines():
        line = json.loads(raw)
        if line["id"] == "cadence-2":  # monthly statistics: due within 10 days
            assert line["data"]["event_type"] == "StatisticReported"
        elif line["type"] != "StatisticReported" or not re.fullmatch(
            r"2019-0[1-6]", line["occurred"]
        ):
            continue
        else:
            year, month = map(int, line["occurred"].split("-"))
            line["recorded"] = f"{year}-{month + 1:02d}-05T01:00:00Z"
        if not kept:
            del line["recorded"]
        lines.append(line)
    lines.sort(key=lambda line: line.get("recorded", ""))
    assert len(lines) > 30
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def _bulletin(db: str, known_at: str) -> dict[str, Any]:
    output = ok("report", "monthly", "--db", db, "--month", "2019-06", "--known-at", known_at,
                "--format", "json")  # fmt: skip
    return json.loads(output)  # type: ignore[no-any-return]


def _timeliness(bulletin: dict[str, Any], reporter: str) -> dict[str, Any]:
    [section] = [s for s in bulletin["sections"] if s["id"] == "timeliness"]
    [row] = [
        r for block in section["blocks"] for r in block.get("rows", ()) if r["reporter"] == reporter
    ]
    return row  # type: ignore[no-any-return]


def _meta(bulletin: dict[str, Any]) -> dict[str, str]:
    """The header and the 附录's lines on the log (事件日志范围, 日志头哈希...)."""
    found = dict(bulletin["meta"])
    [appendix] = [s for s in bulletin["sections"] if s["id"] == "evidence"]
    text = appendix["blocks"][0]["text"]
    found.update(line.split("：", 1) for line in text.split("\n\n"))
    return found


@pytest.mark.parametrize("kept", [True, False])
def test_a_past_year_entered_with_its_times_is_on_time(tmp_path: Path, kept: bool) -> None:
    (tmp_path / "2019.jsonl").write_text(_statistics(kept=kept), encoding="utf-8")
    ok("init", "--db", "2019.db")
    if kept:
        ok("plan", "load", DEMO / "plan.toml", "--db", "2019.db", "--recorded", PLAN_RECORDED)
        ok("append", "2019.jsonl", "--db", "2019.db", "--keep-recorded")
        known_at = "2019-07-05"
    else:  # today's times: the plan and every report are known from now
        ok("plan", "load", DEMO / "plan.toml", "--db", "2019.db")
        ok("append", "2019.jsonl", "--db", "2019.db")
        known_at = head_of(tmp_path / "2019.db").recorded or ""
    bulletin = _bulletin("2019.db", known_at)
    assert bulletin["title"] == "襄城县2019年推进工业高质量发展实施方案"
    row = _timeliness(bulletin, "统计局")
    reports = (tmp_path / "2019.jsonl").read_text(encoding="utf-8").count('"actor": "统计局"')
    assert row["reports"] == reports
    assert row["late"] == (0 if kept else reports)


def test_a_bulletin_known_at_a_time_shows_what_was_known_then(tmp_path: Path) -> None:
    (tmp_path / "2019.jsonl").write_text(_statistics(kept=True), encoding="utf-8")
    ok("init", "--db", "2019.db")
    ok("plan", "load", DEMO / "plan.toml", "--db", "2019.db", "--recorded", PLAN_RECORDED)
    ok("append", "2019.jsonl", "--db", "2019.db", "--keep-recorded")
    months = {}
    for known_at in ("2019-04-04", "2019-04-05", "2019-07-05"):
        bulletin = _bulletin("2019.db", known_at)
        assert bulletin["title"] == "襄城县2019年推进工业高质量发展实施方案"
        months[known_at] = _timeliness(bulletin, "统计局")["reports"]
        with gyengine.open_store(tmp_path / "2019.db") as store:
            seq = store.seq_at(f"{known_at}T23:59:59.999999Z")
        assert _meta(bulletin)["事件日志范围"] == f"seq 1–{seq}"
    per_month = months["2019-07-05"] // 6
    # Known on 4 April: January and February; on 5 April, March as well.
    assert (months["2019-04-04"], months["2019-04-05"]) == (2 * per_month, 3 * per_month)


def test_a_plan_after_the_reports_is_refused_not_entered_out_of_order(tmp_path: Path) -> None:
    (tmp_path / "2019.jsonl").write_text(_statistics(kept=True), encoding="utf-8")
    ok("init", "--db", "2019.db")
    ok("append", "2019.jsonl", "--db", "2019.db", "--keep-recorded")
    result = invoke(["plan", "load", str(DEMO / "plan.toml"), "--db", "2019.db",
                     "--recorded", PLAN_RECORDED])  # fmt: skip
    [message] = error_lines(result)
    assert message.startswith(
        f"Error: --recorded {PLAN_RECORDED}: 2019-01-02T01:00:00.000000Z is earlier than"
        " 2019-07-05T01:00:00.000000Z, the time of the event before it"
    )
    assert head_of(tmp_path / "2019.db").seq == (tmp_path / "2019.jsonl").read_text().count("\n")


def test_plan_load_recorded_is_refused_in_the_future_and_when_not_a_time(tmp_path: Path) -> None:
    ok("init", "--db", "x.db")
    result = invoke(["plan", "load", str(DEMO / "plan.toml"), "--db", "x.db",
                     "--recorded", "2999-01-01"])  # fmt: skip
    assert (
        "--recorded 2999-01-01: 2999-01-01T00:00:00.000000Z is in the future"
        in (error_lines(result)[0])
    )
    result = invoke(["plan", "load", str(DEMO / "plan.toml"), "--db", "x.db",
                     "--recorded", "June"])  # fmt: skip
    assert result.exit_code == 2
    assert "--recorded: 'June' is not a date or time" in result.output
    assert head_of(tmp_path / "x.db").seq == 0


# -- docs/history.md, run as written -----------------------------------------------------


def _sessions() -> Iterator[tuple[str, list[str]]]:
    """Each ``$ command`` of the page's console blocks, with the lines it shows."""
    text = DOC.read_text(encoding="utf-8")
    for block in re.findall(r"^```console\n(.*?)^```$", text, flags=re.M | re.S):
        command: str | None = None
        shown: list[str] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    yield command, shown
                command, shown = line[2:], []
            else:
                shown.append(line)
        assert command is not None
        yield command, shown


def test_the_history_page_runs_as_written(tmp_path: Path) -> None:
    shutil.copy(DEMO / "plan.toml", tmp_path / "plan.toml")
    shutil.copy(DEMO / "demo-2019.jsonl", tmp_path / "2019.jsonl")
    sessions = list(_sessions())
    assert len(sessions) >= 8
    for command, shown in sessions:
        words = shlex.split(command)
        assert words[0] == "gyengine", command
        target = None
        if ">" in words:
            words, target = words[: words.index(">")], words[words.index(">") + 1]
        result = invoke(words[1:])
        assert result.exit_code == 0, (command, result.output)
        if target is not None:
            (tmp_path / target).write_text(result.output, encoding="utf-8")
        lines = result.output.splitlines()
        for line in shown:
            assert line in lines, (command, line, result.output[:2000])
    # The refusal the page shows is the one a changed line gets.
    [refusal] = re.findall(r"^```\n(Error: .*)\n```$", DOC.read_text("utf-8"), flags=re.M)
    backup = (tmp_path / "backup.jsonl").read_text(encoding="utf-8")
    changed = _changed(backup, 17, '"baseline_period": ""', '"baseline_period": "x"')
    (tmp_path / "backup.jsonl").write_text(changed, encoding="utf-8")
    ok("init", "--db", "again.db")
    result = invoke(["append", "backup.jsonl", "--db", "again.db", "--keep-recorded"])
    assert error_lines(result) == [refusal]


def test_the_history_page_event_line_appends(tmp_path: Path) -> None:
    [line] = re.findall(r"^```json\n(.*?)\n```$", DOC.read_text("utf-8"), flags=re.M)
    registry = build_event_types(get_plugin_manager())
    event = registry.parse_line(parse_json(line), keep_recorded=True)
    assert event.recorded == "2019-07-05T01:00:00.000000Z"
    ok("init", "--db", "x.db")
    ok("plan", "load", DEMO / "plan.toml", "--db", "x.db", "--recorded", PLAN_RECORDED)
    (tmp_path / "one.jsonl").write_text(line + "\n", encoding="utf-8")
    assert "appended 1 events" in ok("append", "one.jsonl", "--db", "x.db", "--keep-recorded")
