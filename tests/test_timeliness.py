"""The example plugin of the tutorial: reporting timeliness against a declared cadence."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

import gyengine
import gyengine_timeliness
from gyengine import NewEvent


class Clock:
    """A store clock that the test moves by hand."""

    def __init__(self) -> None:
        self.now = "2019-01-01T00:00:00.000000Z"

    def __call__(self) -> str:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(tmp_path: Path, clock: Clock) -> Iterator[gyengine.Engine]:
    store = gyengine.SQLiteEventStore(tmp_path / "t.db", create=True, clock=clock)
    # Installed through its entry point, beside the projects plugin that
    # supplies ProjectProgressReported.
    engine = gyengine.Engine(store, gyengine.get_plugin_manager())
    assert engine.evaluators["timeliness"][0] is gyengine_timeliness.timeliness
    yield engine
    engine.close()


def report(engine: gyengine.Engine, clock: Clock, week: str, at: str, actor: str) -> None:
    clock.now = at
    engine.append(
        [
            NewEvent(
                type="ProjectProgressReported",
                stream="project/P01",
                occurred=week,
                actor=actor,
                data={"project": "P01", "invested_to_date": "100"},
            )
        ]
    )


def declare(engine: gyengine.Engine, clock: Clock, grace_days: int = 2) -> None:
    clock.now = "2019-01-01T00:00:00.000000Z"
    engine.append(
        [
            NewEvent(
                type="ReportingCadenceDeclared",
                stream="office/cadence",
                data={
                    "event_type": "ProjectProgressReported",
                    "cadence": "week",
                    "grace_days": grace_days,
                },
            )
        ]
    )


def test_on_time_and_late(engine: gyengine.Engine, clock: Clock) -> None:
    """A report recorded on its due day is on time; one recorded the day after is late."""
    declare(engine, clock)
    # 2019-W02 ends Sunday 2019-01-13; due 2019-01-15.
    report(engine, clock, "2019-W02", "2019-01-15T23:00:00.000000Z", "甲")
    report(engine, clock, "2019-W03", "2019-01-21T01:00:00.000000Z", "乙")
    report(engine, clock, "2019-W03", "2019-01-23T01:00:00.000000Z", "甲")  # due 01-22
    result = engine.replay(save=False, evaluators=["timeliness"])
    [a] = result.find("甲", metric="reports_on_time")
    assert a.record.value == Decimal("50.00")
    assert a.record.status == "red"
    assert a.record.evidence == (1, 2, 4)
    [warning] = result.find("甲", metric="late-reporting")
    assert warning.record.kind == "warn"
    assert warning.record.rationale == (
        "迟报 1 份：seq 4（2019-W03，应于 2019-01-22 前报送，2019-01-23 报送）"
    )
    assert a.record.rationale == "报送 2 份，按时 1 份，按时率 50.00 %"
    # With the option lang=en, the same in English.
    english = engine.replay(save=False, evaluators=["timeliness"], options={"lang": "en"})
    [late] = english.find("甲", metric="late-reporting")
    assert "seq 4 for 2019-W03 due 2019-01-22 recorded 2019-01-23" in late.record.rationale
    [share] = english.find("甲", metric="reports_on_time")
    assert share.record.rationale == "1 of 2 reports on time = 50.00 %"
    [b] = result.find("乙")
    assert (b.record.value, b.record.status) == (Decimal("100.00"), "green")


def test_reports_before_any_declaration_do_not_count(engine: gyengine.Engine, clock: Clock) -> None:
    """Without a declared cadence nothing is judged; other period kinds are ignored."""
    report(engine, clock, "2019-W02", "2019-03-01T00:00:00.000000Z", "甲")
    declare(engine, clock)
    clock.now = "2019-03-02T00:00:00.000000Z"
    report(engine, clock, "2019-02", "2019-03-02T00:00:00.000000Z", "甲")  # a month, not a week
    assert engine.replay(save=False, evaluators=["timeliness"]).records == ()


def test_correcting_an_on_time_report_keeps_it_on_time(
    engine: gyengine.Engine, clock: Clock
) -> None:
    """A correction recorded after the due day is judged by when the fact was first reported."""
    declare(engine, clock, grace_days=0)
    report(engine, clock, "2019-W02", "2019-01-13T10:00:00.000000Z", "甲")
    first = engine.store.at(2)
    assert first is not None
    clock.now = "2019-01-20T00:00:00.000000Z"
    engine.append(
        [
            NewEvent(
                type="ProjectProgressReported",
                stream="project/P01",
                occurred="2019-W02",
                actor="甲",
                supersedes=first.id,
                data={"project": "P01", "invested_to_date": "90"},
            )
        ]
    )
    [score] = engine.replay(save=False, evaluators=["timeliness"]).find("甲", "reports_on_time")
    assert score.record.evidence == (1, 3)
    assert score.record.value == Decimal("100.00")
    assert engine.replay(save=False, evaluators=["timeliness"]).find("甲", "late-reporting") == []
