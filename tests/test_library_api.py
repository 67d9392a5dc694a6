"""The library does what the CLI does: load a plan, publish a report, pick the scoreboard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

import gyengine
import replay_helpers as h
from gyengine.errors import InvalidEvent, UnknownFormat, UnknownReport, WrongPeriod

PLAN = """\
[plan]
id = "qingshi-2020"
title = "青石县2020年工业发展工作方案（测试用，虚构）"
county = "青石县"
year = 2020

[[unit]]
id = "经信局"
name = "县经济和信息化局"

[[indicator]]
id = "Q1"
name = "规上工业增加值增速"
unit = "%"
shape = "threshold"
target = "7 %"
responsible = ["经信局"]
weight = 20
"""


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    h.isolate_cli(monkeypatch)


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "qingshi.toml"
    path.write_text(PLAN, encoding="utf-8")
    return path


@pytest.fixture
def county(tmp_path: Path, plan_file: Path) -> Iterator[gyengine.Engine]:
    """A log with the plan loaded and June's figure for Q1 (7.4 % against 7 %)."""
    with gyengine.open(tmp_path / "county.db", create=True) as engine:
        engine.load_plan(plan_file)
        engine.append(
            [
                gyengine.NewEvent(
                    type="StatisticReported",
                    stream="indicator/Q1",
                    occurred="2020-06",
                    data={"indicator": "Q1", "value": "7.4", "unit": "%"},
                )
            ]
        )
        yield engine


def test_load_plan_appends_the_changes_once(tmp_path: Path, plan_file: Path) -> None:
    """load_plan appends the plan, a unit and an indicator; again, nothing; dry_run, nothing."""
    with gyengine.open(tmp_path / "p.db", create=True) as engine:
        dry = engine.load_plan(plan_file, dry_run=True)
        assert (dry.counts(), dry.appended is not None, engine.store.head().seq) == (
            {"new": 3},
            True,
            0,
        )
        loaded = engine.load_plan(plan_file, actor="转型办")
        assert [seq for seq, _ in loaded.appended.appended] == [1, 2, 3]  # type: ignore[union-attr]
        assert {event.actor for event in engine.store.read()} == {"转型办"}
        again = engine.load_plan(plan_file)
        assert (again.changes, again.appended) == ((), None)


def test_load_plan_refuses_a_recorded_time_before_the_head(tmp_path: Path, plan_file: Path) -> None:
    """``recorded`` earlier than the log's newest event is refused on ``$.recorded``, nothing appended."""
    with gyengine.open(tmp_path / "p.db", create=True) as engine:
        engine.append(
            [gyengine.NewEvent(type="EventRetracted", stream="s", data={"reason": "x"}, id="r1")]
        )
        head = engine.store.head()
        with pytest.raises(InvalidEvent) as caught:
            engine.load_plan(plan_file, recorded="2001-01-01")
        assert caught.value.field == "$.recorded"
        assert engine.store.head() == head


def test_report_is_the_cli_report(county: gyengine.Engine, tmp_path: Path) -> None:
    """report(format=...) gives the bytes `gyengine report` writes, the same each time."""
    page = county.report("monthly", "2020-06", format="markdown", lang="en")
    assert page == county.report("monthly", dt_period("2020-06"), format="markdown", lang="en")
    out = tmp_path / "june.md"
    db = str(county.store.path)  # type: ignore[attr-defined]
    result = h.run_cli(
        ["report", "monthly", "--period", "2020-06", "--db", db, "--lang", "en", "-o", out,
         "--format", "markdown"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == page
    document = county.report("monthly", "2020-06")
    assert isinstance(document, gyengine.Document)


def dt_period(text: str) -> gyengine.Period:
    return gyengine.parse_period(text)


def test_report_errors_name_what_there_is(
    county: gyengine.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown kind or format, or a wrong period, is refused before any replay."""

    def no_replay(*args: object, **kwargs: object) -> None:
        raise AssertionError("replayed before checking the arguments")

    monkeypatch.setattr(gyengine.Engine, "replay", no_replay)
    with pytest.raises(UnknownReport) as kind:
        county.report("yearly", "2020")
    assert {"monthly", "results"} <= set(kind.value.known)
    with pytest.raises(UnknownFormat, match="'pdf' is not one of csv, html, json, markdown"):
        county.report("monthly", "2020-06", format="pdf")
    with pytest.raises(WrongPeriod, match="the monthly report covers a month, not '2020-Q2'"):
        county.report("monthly", "2020-Q2")
    with pytest.raises(WrongPeriod, match=r"the monthly report covers a month$"):
        county.report("monthly")
    with pytest.raises(WrongPeriod, match="the results report covers no period"):
        county.report("results", "2020-06")


def test_the_scoreboard_is_the_plugins_unless_full(county: gyengine.Engine) -> None:
    """scoreboard() is the reports plugin's one screen; full=True, gyengine's own results."""
    assert county.scoreboard().name == "scoreboard"
    assert county.scoreboard(full=True).name == "results"
    replayed = county.replay(save=False, as_of=dt.date(2020, 6, 30))
    results = county.scoreboard(full=True).document(replayed, None, None)
    [scores, findings, about] = results.sections
    [table] = scores.blocks
    row = next(r for r in table.rows if r["subject"] == "Q1")  # type: ignore[union-attr]
    assert (str(row["value"]), str(row["target"]), row["status"]) == ("7.4", "7", "green")
    assert (findings.title, about.title) == ("Findings", "About")


def test_check_plan_writes_nothing(county: gyengine.Engine, plan_file: Path) -> None:
    """check_plan reads and replays the plan alone; the engine's log is untouched."""
    head = county.store.head()
    assert county.check_plan(plan_file).keys("indicator") == {"Q1"}
    assert county.store.head() == head
