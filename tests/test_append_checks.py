"""Append checks events against the plan in force (issue #13, point 1).

Subjects must exist in the plan, units must convert to the indicator's unit,
and a stream must be the one of the subject its data name. A refusal names the
line, the field and what the plan allows, and nothing is written; a log
without a plan governs nothing.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import gyengine
import replay_helpers as h
from gyengine import NewEvent
from gyengine.errors import EventRefused

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "events" / "xiangcheng-2019" / "plan.toml"


@pytest.fixture(autouse=True)
def _isolated_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    h.isolate_cli(monkeypatch)


@pytest.fixture(scope="module")
def planned_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding the Xiangcheng plan and nothing else."""
    db = tmp_path_factory.mktemp("planned") / "plan.db"
    assert h.run_cli(["init", "--db", db]).exit_code == 0
    loaded = h.run_cli(["plan", "load", PLAN, "--db", db])
    assert loaded.exit_code == 0, loaded.output
    return db


@pytest.fixture
def planned(planned_template: Path, tmp_path: Path) -> Path:
    db = tmp_path / "plan.db"
    shutil.copy(planned_template, db)
    return db


def head(db: Path) -> tuple[int, str]:
    [(seq, hash_)] = h.execute_query(db, "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
    return seq, hash_


def write_jsonl(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text(
        "".join(json.dumps(event, ensure_ascii=False) + "\n" for event in events), "utf-8"
    )
    return path


def stat(indicator: str, value: str, unit: str, stream: str | None = None) -> dict[str, Any]:
    return {
        "type": "StatisticReported",
        "stream": stream or f"indicator/{indicator}",
        "occurred": "2019-06",
        "data": {"indicator": indicator, "value": value, "unit": unit},
    }


GOOD = stat("I7", "20", "亿元")

REFUSED = [
    pytest.param(
        stat("D9", "1", "亿元"),
        "$.data.indicator: no indicator 'D9' in the plan in force "
        "(indicators: I1, I2, I3, I4, I5, I6, I7, I7-增速, ...)",
        id="unknown-indicator",
    ),
    pytest.param(
        {
            "type": "ProjectProgressReported",
            "stream": "project/SP9",
            "occurred": "2019-W23",
            "data": {"project": "SP9", "invested_to_date": "100"},
        },
        "$.data.project: no project 'SP9' in the plan in force "
        "(projects: P01, P02, P03, P04, P05, P06, P07, P08, ...)",
        id="unknown-project",
    ),
    pytest.param(
        {
            "type": "BankVetoed",
            "stream": "bank/CMB",
            "occurred": "2019-07",
            "data": {"bank": "CMB", "period": "2019-07", "reason": "拒不配合"},
        },
        "$.data.bank: no bank 'CMB' in the plan in force (banks: ABC, ICBC, CCB, BOC, PSBC, XCRCB)",
        id="unknown-bank",
    ),
    pytest.param(
        stat("I7", "60", "%"),
        "$.data.unit: % cannot be expressed in 亿元, the unit of I7 (use 亿元, 万元 or 元)",
        id="unit-of-another-dimension",
    ),
    pytest.param(
        stat("I7", "37.1", "亿"),
        "$.data.unit: 亿 is not a unit gyengine knows; I7 is in 亿元 (use 亿元, 万元 or 元)",
        id="no-unit",
    ),
    pytest.param(
        stat("I8", "20", "亿元", stream="indicator/I7"),
        "$.stream: indicator/I7 is not the stream of indicator I8 (use indicator/I8)",
        id="stream-of-another-indicator",
    ),
    pytest.param(
        {
            "type": "ProjectProgressReported",
            "stream": "project/P02",
            "occurred": "2019-W23",
            "data": {"project": "P01", "invested_to_date": "100"},
        },
        "$.stream: project/P02 is not the stream of project P01 (use project/P01)",
        id="stream-of-another-project",
    ),
    pytest.param(
        {
            "type": "MilestoneReached",
            "stream": "indicator/K1-区中园规划",
            "occurred": "2019-05-01",
            "data": {"indicator": "K1-区中园规划", "milestone": "月球产业园", "date": "2019-05-01"},
        },
        "$.data.milestone: K1-区中园规划 has no milestone '月球产业园' (milestones: 煤基化工新材料产业园, "
        "硅材料产业园, 军民融合产业园, 炭素产业园, 精细化工产业园, 服装制鞋产业园, 智能装备科技园, 光伏产业园, "
        "食品工业产业园, 新能源汽车产业园)",
        id="unlisted-milestone",
    ),
    pytest.param(
        {
            "type": "TargetSet",
            "stream": "indicator/I7",
            "occurred": "2019",
            "data": {"indicator": "I7", "target": "60 %"},
        },
        "$.data.target: 60 % cannot be expressed in 亿元, the unit of I7 (use 亿元, 万元 or 元)",
        id="target-in-another-unit",
    ),
]


@pytest.mark.parametrize(("event", "message"), REFUSED)
def test_append_refuses_what_the_plan_does_not_allow(
    planned: Path, tmp_path: Path, event: dict[str, Any], message: str
) -> None:
    """`gyengine append` names the line, the field and what the plan allows; the head does not move."""
    before = head(planned)
    events = write_jsonl(tmp_path / "events.jsonl", [GOOD, event])
    result = h.run_cli(["append", events, "--db", planned])
    assert h.one_line_error(result) == f"Error: {events}:2: {message}"
    assert head(planned) == before
    dry = h.run_cli(["append", events, "--db", planned, "--dry-run"])
    assert h.one_line_error(dry) == f"Error: {events}:2: {message}"


def test_a_figure_in_another_unit_of_the_same_dimension_goes_in(
    planned: Path, tmp_path: Path
) -> None:
    """371000 万元 for an indicator in 亿元 is appended (and replays as 37.1 亿元)."""
    events = write_jsonl(tmp_path / "events.jsonl", [stat("I7", "371000", "万元")])
    result = h.run_cli(["append", events, "--db", planned])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("appended 1 events")
    [(data,)] = h.execute_query(planned, "SELECT data FROM events WHERE type = 'StatisticReported'")
    assert json.loads(data)["unit"] == "万元"


def test_record_is_checked_too(planned: Path) -> None:
    """`gyengine record` refuses an unknown project, naming the field."""
    before = head(planned)
    result = h.run_cli(
        [
            "record",
            "ProjectProgressReported",
            "project=SP9",
            "invested_to_date=5",
            "--stream",
            "project/SP9",
            "--db",
            planned,
        ]
    )
    assert h.one_line_error(result) == (
        "Error: command line: $.data.project: no project 'SP9' in the plan in force "
        "(projects: P01, P02, P03, P04, P05, P06, P07, P08, ...)"
    )
    assert head(planned) == before


def test_a_log_without_a_plan_governs_nothing(tmp_path: Path) -> None:
    """With no plan in the log, an unknown indicator goes in as before."""
    db = tmp_path / "empty.db"
    assert h.run_cli(["init", "--db", db]).exit_code == 0
    events = write_jsonl(tmp_path / "events.jsonl", [stat("D9", "1", "%")])
    result = h.run_cli(["append", events, "--db", db])
    assert result.exit_code == 0, result.output
    assert h.count_rows(db, "events") == 1


def test_events_no_section_governs_pass(planned: Path, tmp_path: Path) -> None:
    """An event type no check names (a retraction, a cadence) is appended unchecked."""
    events = write_jsonl(
        tmp_path / "events.jsonl",
        [
            {
                "type": "ReportingCadenceDeclared",
                "stream": "somewhere/else",
                "data": {"cadence": "week", "event_type": "Nothing", "grace_days": 2},
            }
        ],
    )
    result = h.run_cli(["append", events, "--db", planned])
    assert result.exit_code == 0, result.output


def plan_events(tmp_path: Path) -> list[dict[str, Any]]:
    """The definition events of the Xiangcheng plan, as JSON Lines objects."""
    db = tmp_path / "source.db"
    assert h.run_cli(["init", "--db", db]).exit_code == 0
    assert h.run_cli(["plan", "load", PLAN, "--db", db]).exit_code == 0
    rows = h.execute_query(db, "SELECT id, stream, type, data FROM events ORDER BY seq")
    return [
        {"id": id_, "stream": stream, "type": type_, "data": json.loads(data)}
        for id_, stream, type_, data in rows
    ]


def test_a_plan_and_its_reports_in_one_append(tmp_path: Path) -> None:
    """Definitions earlier in the batch count: the reports after them are checked against them."""
    definitions = plan_events(tmp_path)
    db = tmp_path / "one.db"
    assert h.run_cli(["init", "--db", db]).exit_code == 0
    good = write_jsonl(tmp_path / "good.jsonl", [*definitions, stat("I7", "371000", "万元")])
    result = h.run_cli(["append", good, "--db", db])
    assert result.exit_code == 0, result.output
    assert h.count_rows(db, "events") == len(definitions) + 1
    fresh = tmp_path / "two.db"
    assert h.run_cli(["init", "--db", fresh]).exit_code == 0
    bad = write_jsonl(tmp_path / "bad.jsonl", [*definitions, stat("I7", "60", "%")])
    refused = h.run_cli(["append", bad, "--db", fresh])
    assert h.one_line_error(refused).startswith(
        f"Error: {bad}:{len(definitions) + 1}: $.data.unit:"
    )
    assert h.count_rows(fresh, "events") == 0


def without_bank(tmp_path: Path, bank: str) -> Path:
    """The Xiangcheng plan with one bank taken out."""
    text = PLAN.read_text("utf-8")
    start = text.index(f'[[bank]]\nid = "{bank}"')
    end = text.index("[[", start + 2)
    smaller = tmp_path / "plan.toml"
    smaller.write_text(text[:start] + text[end:], "utf-8")
    return smaller


def veto(bank: str, period: str = "2019-07") -> dict[str, Any]:
    return {
        "type": "BankVetoed",
        "stream": f"bank/{bank}",
        "occurred": period,
        "data": {"bank": bank, "period": period, "reason": "拒不配合"},
    }


def test_a_retracted_item_is_no_longer_in_force(planned: Path, tmp_path: Path) -> None:
    """After a plan revision drops a bank, its reports are refused."""
    loaded = h.run_cli(["plan", "load", without_bank(tmp_path, "XCRCB"), "--db", planned])
    assert loaded.exit_code == 0, loaded.output
    assert "removed: [bank] XCRCB" in loaded.output
    events = write_jsonl(tmp_path / "events.jsonl", [veto("XCRCB")])
    result = h.run_cli(["append", events, "--db", planned])
    assert h.one_line_error(result) == (
        f"Error: {events}:1: $.data.bank: no bank 'XCRCB' in the plan in force "
        "(banks: ABC, ICBC, CCB, BOC, PSBC)"
    )


def library_events() -> Iterator[NewEvent]:
    yield NewEvent(
        type="StatisticReported",
        stream="indicator/I7",
        occurred="2019-06",
        data={"indicator": "I7", "value": "371000", "unit": "万元"},
    )
    yield NewEvent(
        type="StatisticReported",
        stream="indicator/I7",
        occurred="2019-07",
        data={"indicator": "I7", "value": "60", "unit": "%"},
    )


def test_the_library_append_is_checked(planned: Path) -> None:
    """Engine.append raises EventRefused with the field and the event's place in the batch."""
    with gyengine.open(planned) as engine:
        before = engine.store.head()
        with pytest.raises(EventRefused) as caught:
            engine.append(library_events())
        assert caught.value.index == 1
        assert caught.value.field == "$.data.unit"
        assert str(caught.value) == (
            "$.data.unit: % cannot be expressed in 亿元, the unit of I7 (use 亿元, 万元 or 元)"
        )
        assert engine.store.head() == before
        # The first event alone is fine; the plan cached for the head follows the append.
        [first, _] = list(library_events())
        assert engine.append([first]).count == 1
        assert engine.append([attrs_evolve(first, occurred="2019-08")]).count == 1
        with pytest.raises(EventRefused):
            engine.append([attrs_evolve(first, data={**first.data, "indicator": "D9"})])
        [(value,)] = h.execute_query(
            planned,
            "SELECT json_extract(data, '$.value') FROM events WHERE occurred = '2019-08'",
        )
        assert Decimal(str(value)) == Decimal(371000)


def attrs_evolve(event: NewEvent, **changes: Any) -> NewEvent:
    import attrs

    return attrs.evolve(event, **changes)


def test_the_plan_cache_sees_a_plan_loaded_by_another_writer(planned: Path, tmp_path: Path) -> None:
    """An engine that cached the plan reads it again when the head moved under it."""
    with gyengine.open(planned) as engine:
        july, august = (
            NewEvent(type=e["type"], stream=e["stream"], occurred=e["occurred"], data=e["data"])
            for e in (veto("XCRCB"), veto("XCRCB", "2019-08"))
        )
        assert engine.append([july]).count == 1
        smaller = without_bank(tmp_path, "XCRCB")
        assert h.run_cli(["plan", "load", smaller, "--db", planned]).exit_code == 0
        with pytest.raises(EventRefused, match="no bank 'XCRCB' in the plan in force"):
            engine.append([august])


def test_demo_init_checks_and_loads(tmp_path: Path) -> None:
    """The bundled demo data agree with their plan: `demo init` loads them through the checks."""
    db = tmp_path / "demo.db"
    result = h.run_cli(["demo", "init", "--db", db])
    assert result.exit_code == 0, result.output
    assert h.count_rows(db, "events") > 1800


def test_a_dataset_with_a_refused_event_names_its_line(tmp_path: Path) -> None:
    """Loading a dataset through the checks names the file and line of the event refused."""
    from gyengine.datasets import Dataset, load_dataset
    from gyengine.plugins import build_plan_sections

    lines = [
        {**GOOD, "recorded": "2019-07-05T08:00:00Z"},
        {**stat("I7", "1", "亿"), "recorded": "2019-07-06T08:00:00Z"},
    ]
    events = write_jsonl(tmp_path / "events.jsonl", lines)
    dataset = Dataset(name="t", title="t", plan=PLAN, events=[events], plan_recorded="2019-01-02")
    with gyengine.open(tmp_path / "d.db", create=True) as engine:
        sections = build_plan_sections(engine.manager)
        with pytest.raises(EventRefused) as caught:
            load_dataset(engine.store, engine.registry, sections, dataset, checks=engine.checks)
        assert str(caught.value) == (
            f"{events}:2: $.data.unit: 亿 is not a unit gyengine knows; I7 is in 亿元 "
            "(use 亿元, 万元 or 元)"
        )


def test_an_encoded_event_without_its_payload_object_is_checked_the_same(planned: Path) -> None:
    """A PendingEvent made elsewhere (no payload object kept from its encoding) is decoded
    for the check and refused with the same words; the object is no part of its identity."""
    import attrs

    with gyengine.open(planned) as engine:
        [_, bad] = [engine.registry.encode(event) for event in library_events()]
        assert bad.payload is not None
        bare = attrs.evolve(bad, payload=None)
        assert bare == bad
        with pytest.raises(EventRefused) as caught:
            engine.append([bare])
        assert str(caught.value) == (
            "$.data.unit: % cannot be expressed in 亿元, the unit of I7 (use 亿元, 万元 or 元)"
        )
