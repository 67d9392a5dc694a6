"""The key-project ledger: plan checks, investment against 序时进度, reports, streaks, milestones, problems, roll-ups."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import gyengine
import gyengine_plan
import gyengine_projects
from cli_helpers import clean_environment, invoke
from gyengine import Finding, NewEvent, ReplayContext, Score
from gyengine_projects.ledger import LedgerState, evaluator, fold, results

# -- helpers ----------------------------------------------------------------------


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
    """A log with only the plan frame and the ledger plugins, on a clock the test sets."""
    store = gyengine.SQLiteEventStore(tmp_path / "ledger.db", create=True, clock=clock)
    manager = gyengine.get_plugin_manager(
        entry_points=False, plugins=[gyengine_plan, gyengine_projects]
    )
    engine = gyengine.Engine(store, manager)
    yield engine
    engine.close()


def project(id: str = "P01", **fields: Any) -> dict[str, Any]:
    """A ProjectDefined payload: 8000 万元 this year on a monthly schedule, unless overridden."""
    return {
        "id": id,
        "name": f"项目{id}",
        "park": "A",
        "category": "计划建成",
        "total_investment": "2 亿元",
        "annual_plan": "8000 万元",
        "responsible": ["U1"],
        "schedule": "month",
        **fields,
    }


def define(
    engine: gyengine.Engine,
    clock: Clock,
    *projects: dict[str, Any],
    profile: str = "pp",
    due_days: int = 2,
    groups: tuple[dict[str, Any], ...] = (),
) -> None:
    """Append the plan header, the supervision cadence, projects and groups as definitions."""
    clock.now = "2019-01-01T00:00:00.000000Z"
    engine.append(
        [
            NewEvent(
                type="PlanDefined",
                stream="plan/plan",
                data={
                    "id": "t2019",
                    "title": "测试方案",
                    "county": "测试县",
                    "year": 2019,
                    "status_profile": profile,
                },
            ),
            NewEvent(
                type="SupervisionDefined",
                stream="plan/supervision",
                data={"office": "OFFICE", "data_source": "STATS", "weekly_due_days": due_days},
            ),
            *(
                NewEvent(type="ProjectDefined", stream=f"plan/project/{p['id']}", data=p)
                for p in projects
            ),
            *(
                NewEvent(type="ProjectGroupDefined", stream=f"plan/project_group/{g['id']}", data=g)
                for g in groups
            ),
        ]
    )


def report(
    engine: gyengine.Engine,
    clock: Clock,
    occurred: str,
    invested: str,
    *,
    at: str | None = None,
    project: str = "P01",
    **envelope: Any,
) -> int:
    """Append a progress report, by default recorded the Monday after its period; return its seq."""
    data = {"project": project, "invested_to_date": invested}
    for field in ("milestone", "next_plan"):
        if field in envelope:
            data[field] = envelope.pop(field)
    end = gyengine.parse_period(occurred).end
    clock.now = at or f"{end + dt.timedelta(days=1)}T09:00:00.000000Z"
    result = engine.append(
        [
            NewEvent(
                type="ProjectProgressReported",
                stream=f"project/{project}",
                occurred=occurred,
                actor="U1",
                data=data,
                **envelope,
            )
        ]
    )
    return result.appended[0][0]


LIGHT = {"green": "绿灯", "watch": "关注", "yellow": "黄灯", "red": "红灯"}
"""A light as a Chinese plan's rationale words it."""


def replay(engine: gyengine.Engine, as_of: str | None = None, **options: Any) -> gyengine.Replay:
    return engine.replay(
        as_of=as_of, evaluators=["projects"], save=False, checkpoints=False, **options
    )


def score(result: gyengine.Replay, subject: str, metric: str, period: str) -> Score:
    [item] = result.find(subject, metric, period)
    assert isinstance(item.record, Score)
    return item.record


# -- plan checks --------------------------------------------------------------------

# The real plan in miniature, with its real totals: CEZ 58.8 亿 (35.4 this year), ICZ
# 110.54 亿 (68.84), together 169.34 亿 (104.24); and the major preliminary projects 65.1 亿.
PLAN = """\
[plan]
id = "t2019"
title = "测试县2019年推进工业高质量发展实施方案"
county = "测试县"
year = 2019

[supervision]
office = "OFFICE"
data_source = "STATS"

[[unit]]
id = "OFFICE"
name = "县工业转型发展领导小组办公室"
kind = "office"

[[unit]]
id = "STATS"
name = "统计局"

[[unit]]
id = "CEZC"
name = "循环经济产业集聚区管委会"
kind = "committee"

[[unit]]
id = "ICZC"
name = "产业集聚区管委会"
kind = "committee"

[[unit]]
id = "KGX"
name = "县科技和工业信息化局"

[[unit]]
id = "FGW"
name = "县发展和改革委员会"

[[park]]
id = "CEZ"
name = "循环经济产业集聚区"
committee = "CEZC"

[[park]]
id = "ICZ"
name = "产业集聚区"
committee = "ICZC"

[[project]]
id = "P01"
name = "甲项目"
park = "CEZ"
category = "计划建成"
total_investment = "30 亿元"
annual_plan = "20 亿元"
responsible = ["CEZC", "KGX"]
lead_official = "张三"
service_team = "甲项目服务组"
department = "KGX"
management_plan = "甲项目推进方案"
work_team = true
start = "2019-03-01"
completion = "2019-10-31"
synthetic = true

[[project]]
id = "P02"
name = "乙项目"
park = "CEZ"
category = "加快建设"
total_investment = "28.8 亿元"
annual_plan = "15.4 亿元"
responsible = ["CEZC"]
synthetic = true

[[project]]
id = "P03"
name = "丙项目"
park = "ICZ"
category = "计划建成"
total_investment = "110.54 亿元"
annual_plan = "68.84 亿元"
responsible = ["ICZC", "FGW"]
synthetic = true

[[project]]
id = "P04"
name = "丁项目"
park = "ICZ"
category = "重大前期"
total_investment = "65.1 亿元"
annual_plan = "0 亿元"
responsible = ["FGW"]
synthetic = true

[[project_group]]
id = "CEZ"
name = "循环经济产业集聚区重点项目"
projects = 2
total_investment = "58.8 亿元"
annual_plan = "35.4 亿元"
park = "CEZ"
categories = { "计划建成" = 1, "加快建设" = 1 }

[[project_group]]
id = "ICZ"
name = "产业集聚区重点项目"
projects = 1
total_investment = "110.54 亿元"
annual_plan = "68.84 亿元"
park = "ICZ"
categories = { "计划建成" = 1 }

[[project_group]]
id = "all"
name = "重点工业项目"
projects = 3
total_investment = "169.34 亿元"
annual_plan = "104.24 亿元"
parts = ["CEZ", "ICZ"]

[[project_group]]
id = "pre"
name = "重大前期项目"
projects = 1
total_investment = "65.1 亿元"
categories = { "重大前期" = 1 }
"""


def line_of(text: str, snippet: str) -> int:
    """The 1-based line where ``snippet`` first occurs."""
    return text[: text.index(snippet)].count("\n") + 1


# (old text, new text, where the problem is reported, the problem after "file:line: ")
PLAN_PROBLEMS = [
    pytest.param(
        'total_investment = "28.8 亿元"',
        'total_investment = "28.7 亿元"',
        'total_investment = "58.8 亿元"',
        # P01 + P02 = 30 + 28.7 = 58.7
        "[project_group] CEZ: total_investment: the 2 projects add up to 58.7 亿元, not 58.8 亿元",
        id="group-total",
    ),
    pytest.param(
        'annual_plan = "68.84 亿元"',
        'annual_plan = "68.74 亿元"',
        'annual_plan = "68.84 亿元"',  # the first one, P03's, was replaced: this is ICZ's
        "[project_group] ICZ: annual_plan: the annual plans of the 1 project add up to 68.74 亿元, not 68.84 亿元",
        id="group-annual",
    ),
    pytest.param(
        'categories = { "计划建成" = 1, "加快建设" = 1 }',
        'categories = { "计划建成" = 2, "加快建设" = 1 }',
        "categories = {",
        # only P01 is 计划建成 in CEZ
        "[project_group] CEZ: categories: 1 project is 计划建成, not 2",
        id="group-category-count",
    ),
    pytest.param(
        "projects = 3",
        "projects = 19",
        "projects = 19",
        "[project_group] all: projects: the parts CEZ + ICZ add up to 2 + 1 = 3 projects, not 19",
        id="parts-count",
    ),
    pytest.param(
        'total_investment = "169.34 亿元"',
        'total_investment = "169.43 亿元"',
        'total_investment = "169.43 亿元"',
        # 58.8 + 110.54 = 169.34
        "[project_group] all: total_investment: the parts CEZ + ICZ add up to 58.8 + 110.54 = 169.34 亿元, not 169.43 亿元",
        id="parts-total",
    ),
    pytest.param(
        'annual_plan = "104.24 亿元"',
        'annual_plan = "104.2 亿元"',
        'annual_plan = "104.2 亿元"',
        # 35.4 + 68.84 = 104.24
        "[project_group] all: annual_plan: the parts CEZ + ICZ add up to 35.4 + 68.84 = 104.24 亿元, not 104.2 亿元",
        id="parts-annual",
    ),
    pytest.param(
        'parts = ["CEZ", "ICZ"]',
        'parts = ["CEZ", "ICZ", "XX"]',
        "parts = [",
        "[project_group] all: parts: unknown group 'XX'",
        id="unknown-part",
    ),
    pytest.param(
        'park = "ICZ"\ncategory = "重大前期"',
        'park = "XYZ"\ncategory = "重大前期"',
        'park = "XYZ"',
        "[project] P04: park: unknown park 'XYZ'",
        id="dangling-park",
    ),
    pytest.param(
        'responsible = ["CEZC"]',
        'responsible = ["CEZC", "NOPE"]',
        'responsible = ["CEZC", "NOPE"]',
        "[project] P02: responsible: unknown unit 'NOPE'",
        id="dangling-unit",
    ),
    pytest.param(
        'department = "KGX"',
        'department = "KGY"',
        'department = "KGY"',
        "[project] P01: department: unknown unit 'KGY'",
        id="dangling-department",
    ),
    pytest.param(
        'category = "重大前期"\ntotal',
        'category = "前期"\ntotal',
        'category = "前期"',
        "[project] P04: category: unknown category '前期' (one of 计划建成, 加快建设, 重大前期)",
        id="unknown-category",
    ),
    pytest.param(
        'responsible = ["CEZC"]',
        'responsible = ["CEZC"]\nschedule = "curve"\ncurve = '
        + json.dumps([f"0.{n:02d}" for n in range(5, 60, 5)]),  # 11 shares
        "curve = [",
        "[project] P02: curve: a curve needs 12 cumulative monthly shares, not 11",
        id="curve-length",
    ),
]


def test_plan_reconciles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The miniature of the real plan checks clean: 2 + 1 = 3 projects, 58.8 + 110.54 = 169.34 亿."""
    clean_environment(monkeypatch)
    path = tmp_path / "plan.toml"
    path.write_text(PLAN, encoding="utf-8")
    result = invoke(["plan", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert "4 [project], 4 [project_group]" in result.output


@pytest.mark.parametrize(("old", "new", "at", "problem"), PLAN_PROBLEMS)
def test_plan_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str, at: str, problem: str
) -> None:
    """A plan that does not reconcile or refers to nothing fails with the numbers, file and line."""
    clean_environment(monkeypatch)
    assert old in PLAN
    text = PLAN.replace(old, new, 1)
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    result = invoke(["plan", "check", str(path)])
    assert result.exit_code != 0
    lines = result.stderr.removeprefix("Error: ").splitlines()
    assert f"{path}:{line_of(text, at)}: {problem}" in lines, result.stderr


# -- investment against 序时进度 -------------------------------------------------------

# 2019-W27 ends Sunday 2019-07-07: six whole months have passed, so the monthly schedule
# expects 6 / 12 = 50 % of the 8000 万元 plan, 4000 万元.
BANDS = [
    # profile, invested, shown, completion %, gap text, status, points = min(1, completion / 50)
    ("pp", "4000", "4,000", "50.00", "与序时持平", "green", "1.00"),
    ("pp", "4800", "4,800", "60.00", "超前 10.00 个百分点", "green", "1.00"),
    ("pp", "3200", "3,200", "40.00", "落后 10.00 个百分点", "watch", "0.80"),  # 10 pp ≤ 10
    ("pp", "3199.2", "3,199.2", "39.99", "落后 10.01 个百分点", "yellow", "0.80"),  # 39.99/50
    ("pp", "1600", "1,600", "20.00", "落后 30.00 个百分点", "yellow", "0.40"),  # 30 pp ≤ 30
    ("pp", "1599.2", "1,599.2", "19.99", "落后 30.01 个百分点", "red", "0.40"),
    ("ratio", "4000", "4,000", "50.00", "与序时持平", "green", "1.00"),
    ("ratio", "2000", "2,000", "25.00", "落后 25.00 个百分点", "yellow", "0.50"),  # 25/50 = 0.5
    ("ratio", "1999.2", "1,999.2", "24.99", "落后 25.01 个百分点", "red", "0.50"),  # < 0.5
]


@pytest.mark.parametrize(
    ("profile", "invested", "shown", "completion", "gap", "status", "earned"),
    BANDS,
    ids=[f"{b[0]}-{b[1]}-{b[5]}" for b in BANDS],
)
def test_investment_status_bands(
    engine: gyengine.Engine,
    clock: Clock,
    profile: str,
    invested: str,
    shown: str,
    completion: str,
    gap: str,
    status: str,
    earned: str,
) -> None:
    """Investment to date against the monthly schedule gets the light of the plan's profile."""
    define(engine, clock, project(), profile=profile)
    seq = report(engine, clock, "2019-W27", invested)
    record = score(replay(engine, "2019-07-07"), "P01", "investment", "2019-W27")
    assert record.value == Decimal(invested)
    assert record.target == Decimal(8000)
    assert record.expected == Decimal("4000.00")  # 8000 × 6 / 12
    assert record.status == status
    assert record.points == Decimal(earned)
    assert record.unit == "万元"
    assert record.rationale == (
        f"投资 {shown} 万元 / 年度计划 8,000 万元 = {completion} %，序时 50.00 %，{gap} → "
        f"{LIGHT[status]}"
    )
    # Exact Decimals, with the scale of the rationale's figures.
    assert record.details["completion_pct"] == Decimal(completion)
    assert str(record.details["completion_pct"]) == completion
    assert record.details["expected_pct"] == Decimal("50.00")
    assert str(record.details["expected_pct"]) == "50.00"
    assert seq in record.evidence
    assert {1, 2, 3} <= set(record.evidence)  # plan, supervision and project definitions


def test_daily_schedule_and_zero_plan(engine: gyengine.Engine, clock: Clock) -> None:
    """A daily schedule expects days elapsed / 365; a project with no investment this year is green."""
    define(
        engine,
        clock,
        project(annual_plan="3650 万元", schedule="day"),
        project("P02", annual_plan="0 万元", category="重大前期"),
    )
    report(engine, clock, "2019-W03", "100")
    result = replay(engine, "2019-01-20")
    # Sunday 2019-01-20 is day 20: 3650 × 20 / 365 = 200 万元, 20 / 365 = 5.48 %.
    record = score(result, "P01", "investment", "2019-W03")
    assert record.expected == Decimal("200.00")
    assert record.rationale == (
        "投资 100 万元 / 年度计划 3,650 万元 = 2.74 %，序时 5.48 %，落后 2.74 个百分点 → 关注"
    )
    idle = score(result, "P02", "investment", "2019-W03")
    assert (idle.value, idle.target, idle.status) == (Decimal(0), Decimal(0), "green")
    assert idle.rationale == "投资 0 万元（尚无报告），年度计划 0 万元（本年无投资任务） → 绿灯"


# -- reports: received, late, missing ---------------------------------------------------


def test_report_received_late_missing(engine: gyengine.Engine, clock: Clock) -> None:
    """A report is late when recorded after Sunday + weekly_due_days, missing once due and absent."""
    define(engine, clock, project(), due_days=2)
    # W01 ends Sunday 2019-01-06, due 2019-01-08: recorded that day, late in UTC by nothing.
    on_time = report(engine, clock, "2019-W01", "100", at="2019-01-08T23:59:59.000000Z")
    # W02 ends Sunday 2019-01-13, due 2019-01-15: recorded 2019-01-16, one day late.
    late = report(engine, clock, "2019-W02", "200", at="2019-01-16T00:00:01.000000Z")
    # W03 (due 2019-01-22) and W04 (due 2019-01-29) have no report.
    result = replay(engine, "2019-01-27")  # Sunday of W04
    expected = {
        "2019-W01": ("received", "green"),
        "2019-W02": ("late", "yellow"),
        "2019-W03": ("missing", "red"),  # 2019-01-27 > 2019-01-22
        "2019-W04": ("not due", None),  # 2019-01-27 ≤ 2019-01-29
    }
    got = {
        week: (
            score(result, "P01", "report", week).value,
            score(result, "P01", "report", week).status,
        )
        for week in expected
    }
    assert got == expected
    first = score(result, "P01", "report", "2019-W01")
    assert first.evidence == (1, 2, 3, on_time)
    assert first.details["due"] == "2019-01-08"
    second = score(result, "P01", "report", "2019-W02")
    assert (second.details["recorded"], second.details["days_late"]) == ("2019-01-16", 1)
    assert second.rationale == (
        "周报 2019-W02 应于 2019-01-15 前报送（周日 2019-01-13 + 2 天）；2019-01-16 报送，迟 1 天 → 迟报"
    )
    assert late in second.evidence
    missing = score(result, "P01", "report", "2019-W03")
    assert missing.details["days_late"] == 5  # 2019-01-27 - 2019-01-22
    investment = score(result, "P01", "investment", "2019-W04")
    assert investment.value == Decimal(200)  # W02's report still stands in W04
    assert investment.details["report_used"] == "2019-W02"
    assert investment.details["report"] == "not due"


def test_weeks_run_to_the_as_of_week_or_the_last_event(
    engine: gyengine.Engine, clock: Clock
) -> None:
    """Weeks run from W01 to the week of the as-of date (never past the year) or of the last event."""
    define(engine, clock, project())
    report(engine, clock, "2019-W02", "100")

    def weeks(result: gyengine.Replay) -> list[str]:
        return [item.record.period for item in result.find("P01", "investment")]

    assert weeks(replay(engine)) == ["2019-W01", "2019-W02"]
    assert weeks(replay(engine, "2019-01-16")) == ["2019-W01", "2019-W02", "2019-W03"]
    # 2019 has 52 ISO weeks; 2019-12-31 belongs to 2020-W01.
    assert len(weeks(replay(engine, "2020-01-10"))) == 52
    # Without as-of, today is the Sunday of the last week an event is about (2019-01-13):
    # W01's report was due 2019-01-08 and never came; W02's came on Monday 2019-01-14.
    assert score(replay(engine), "P01", "report", "2019-W02").value == "received"
    assert score(replay(engine), "P01", "report", "2019-W01").value == "missing"


# -- lag streaks ---------------------------------------------------------------------


def test_lag_streak_counts_and_resets(engine: gyengine.Engine, clock: Clock) -> None:
    """The streak counts consecutive weeks that were yellow, red or without a report, and resets."""
    # Ratio profile; 3650 万元 over 365 days: 10 万元 expected per day elapsed by each Sunday.
    define(engine, clock, project(annual_plan="3650 万元", schedule="day"), profile="ratio")
    weeks = {
        # week: (report or None, status, report state, streak)
        "2019-W01": ("70", "green", "received", 0),  # 70 vs 6 days × 10 = 60
        "2019-W02": ("60", "red", "received", 1),  # 60 / 130 = 0.46 < 0.5
        "2019-W03": ("120", "yellow", "received", 2),  # 120 / 200 = 0.6
        "2019-W04": (None, "red", "missing", 3),  # 120 / 270 = 0.44, and no report
        "2019-W05": ("700", "green", "received", 0),  # 700 vs 340
        "2019-W06": (None, "green", "missing", 1),  # 700 vs 410, but no report
        "2019-W07": ("700", "green", "received", 0),  # 700 vs 480
    }
    for week, (invested, *_) in weeks.items():
        if invested is not None:
            report(engine, clock, week, invested)
    result = replay(engine, "2019-02-17")  # Sunday of W07
    got = {}
    for week in weeks:
        record = score(result, "P01", "investment", week)
        got[week] = (
            weeks[week][0],
            record.status,
            record.details["report"],
            int(record.details["lag_streak"]),
        )
    assert got == weeks


# -- corrections -----------------------------------------------------------------------


def test_correction_changes_the_result(engine: gyengine.Engine, clock: Clock) -> None:
    """A correction replaces the report it supersedes; a replay known before it still sees the old figure."""
    define(engine, clock, project(annual_plan="3650 万元", schedule="day"), profile="ratio")
    original = report(engine, clock, "2019-W01", "60", id="p01-w01", at="2019-01-07T09:00:00Z")
    fixed = report(
        engine,
        clock,
        "2019-W01",
        "20",
        id="p01-w01-fix",
        supersedes="p01-w01",
        at="2019-01-08T09:00:00Z",
    )
    before = score(
        replay(engine, "2019-01-06", known_at="2019-01-07"), "P01", "investment", "2019-W01"
    )
    after = score(replay(engine, "2019-01-06"), "P01", "investment", "2019-W01")
    # W01 expects 6 days × 10 = 60 万元: 60 is on schedule; 20 / 60 = 0.33 < 0.5 is red.
    assert (before.value, before.status) == (Decimal(60), "green")
    assert (after.value, after.status) == (Decimal(20), "red")
    assert original in before.evidence
    assert fixed not in before.evidence
    assert fixed in after.evidence
    assert original not in after.evidence
    [explanation] = engine.explain(
        "P01", "investment", "2019-W01", as_of="2019-01-06", evaluators=["projects"]
    )
    trail = {entry.event.seq: entry.superseded_by for entry in explanation.evidence}
    assert trail[fixed] is None
    assert trail[original] == fixed


# -- milestones ------------------------------------------------------------------------

MILESTONES = [
    # reached in (or None), as of, value, status, the days detail, its value, score period
    pytest.param(
        "2019-W09", "2019-03-17", "early", "green", "days_early", 3, "2019-W09", id="early-week"
    ),  # W09 ends Sunday 03-03; planned Wednesday 03-06
    pytest.param(
        "2019-03-05", "2019-03-17", "early", "green", "days_early", 1, "2019-W10", id="early-day"
    ),
    pytest.param(
        "2019-W10", "2019-03-17", "on time", "green", None, None, "2019-W10", id="on-time"
    ),  # W10 is 03-04..03-10
    pytest.param(
        "2019-W11", "2019-03-17", "late", "yellow", "days_late", 5, "2019-W11", id="late"
    ),  # W11 begins 03-11
    pytest.param(
        None, "2019-03-20", "overdue", "red", "days_overdue", 14, "2019-W12", id="overdue"
    ),  # 03-20 - 03-06
]


@pytest.mark.parametrize(
    ("reached", "as_of", "value", "status", "key", "days", "period"), MILESTONES
)
def test_milestone(
    engine: gyengine.Engine,
    clock: Clock,
    reached: str | None,
    as_of: str,
    value: str,
    status: str,
    key: str | None,
    days: int | None,
    period: str,
) -> None:
    """A milestone reached before, on or after its planned day, or not at all once it has passed."""
    define(engine, clock, project(start="2019-03-06"))
    seqs = []
    if reached is not None:
        seqs.append(report(engine, clock, reached, "500", milestone="开工"))
    result = replay(engine, as_of)
    record = score(result, "P01", "milestone:开工", period)
    assert (record.value, record.status) == (value, status)
    assert record.details["planned"] == "2019-03-06"
    if key is not None:
        assert record.details[key] == days
    assert record.evidence == tuple(sorted([3, *seqs]))  # the project's definition and the report
    assert result.find("P01", "milestone:竣工") == []  # not planned, not reached
    weekly = score(result, "P01", "investment", result.find("P01", "investment")[-1].record.period)
    shown = f"{reached} 达到" if reached is not None else "未达到"
    assert weekly.details["milestones"] == f"开工 计划 2019-03-06，{shown}"
    # The ledger's 下周计划 names the next milestone while it is not reached.
    if reached is None:
        assert weekly.details["next_milestone"] == "开工"
        assert weekly.details["next_milestone_date"] == "2019-03-06"
    else:
        assert (weekly.details["next_milestone"], weekly.details["next_milestone_date"]) == ("", "")


def test_next_plan_is_the_weeks_own(engine: gyengine.Engine, clock: Clock) -> None:
    """下周计划 comes from the week's own report; a report without one (an older event) gives ""."""
    define(engine, clock, project(start="2019-03-06"))
    report(engine, clock, "2019-W10", "100", next_plan="主体施工")
    report(engine, clock, "2019-W11", "200")
    result = replay(engine, "2019-03-24")
    assert score(result, "P01", "investment", "2019-W10").details["next_plan"] == "主体施工"
    assert score(result, "P01", "investment", "2019-W11").details["next_plan"] == ""
    assert score(result, "P01", "investment", "2019-W12").details["next_plan"] == ""  # no report


def test_milestone_not_yet_due(engine: gyengine.Engine, clock: Clock) -> None:
    """Before its planned day an unreached milestone gives no score."""
    define(engine, clock, project(start="2019-03-06"))
    report(engine, clock, "2019-W09", "100")
    assert replay(engine, "2019-03-05").find("P01", "milestone:开工") == []


# -- the problem ledger ---------------------------------------------------------------

PROBLEMS = [
    # raised 2019-06-03 with deadline 2019-06-10; resolved on, as of, value, status,
    # days open, days overdue, warned
    pytest.param(None, "2019-06-16", "open", "red", 13, 6, True, id="open-overdue"),
    pytest.param(None, "2019-06-09", "open", "watch", 6, 0, False, id="open-in-time"),
    pytest.param("2019-06-08", "2019-06-16", "resolved", "green", 5, 0, False, id="resolved"),
    pytest.param("2019-06-12", "2019-06-16", "resolved", "yellow", 9, 2, False, id="resolved-late"),
    pytest.param("2019-06-20", "2019-06-16", "open", "red", 13, 6, True, id="resolved-after-as-of"),
]


@pytest.mark.parametrize(
    ("resolved", "as_of", "value", "status", "days_open", "overdue", "warned"), PROBLEMS
)
def test_problem_ledger(
    engine: gyengine.Engine,
    clock: Clock,
    resolved: str | None,
    as_of: str,
    value: str,
    status: str,
    days_open: int,
    overdue: int,
    warned: bool,
) -> None:
    """A problem is open or resolved, on time or late; one open past its deadline warns its owner."""
    define(engine, clock, project())
    clock.now = "2019-06-03T10:00:00.000000Z"
    raised = engine.append(
        [
            NewEvent(
                type="ProblemRaised",
                stream="problem/Q1",
                occurred="2019-06-03",
                actor="OFFICE",
                data={
                    "problem": "Q1",
                    "subject": "P01",
                    "owner": "U2",
                    "deadline": "2019-06-10",
                    "description": "用电未接入",
                },
            )
        ]
    ).appended[0][0]
    if resolved is not None:
        clock.now = f"{resolved}T10:00:00.000000Z"
        engine.append(
            [
                NewEvent(
                    type="ProblemResolved",
                    stream="problem/Q1",
                    occurred=resolved,
                    actor="U2",
                    data={"problem": "Q1", "resolution": "专线已接通"},
                )
            ]
        )
    result = replay(engine, as_of)
    period = gyengine.parse_period(as_of).start.isocalendar()
    week = f"{period.year}-W{period.week:02d}"
    record = score(result, "Q1", "problem", week)
    assert (record.value, record.status) == (value, status)
    assert record.details["owner"] == "U2"
    assert record.details["deadline"] == "2019-06-10"
    assert record.details["days_open"] == days_open
    assert record.details["days_overdue"] == overdue
    findings = result.find("U2", "problem-overdue")
    if warned:
        [item] = findings
        finding = item.record
        assert isinstance(finding, Finding)
        assert (finding.kind, finding.period, finding.evidence) == ("warn", week, (raised,))
        assert finding.parameters["days_overdue"] == overdue
        assert finding.rationale == (
            f"问题 Q1（P01：用电未接入）期限 2019-06-10，截至 {as_of} 未解决，逾期 {overdue} 天"
        )
    else:
        assert findings == []


def test_report_for_unknown_project_warns(engine: gyengine.Engine, clock: Clock) -> None:
    """A report about a project the plan does not define (appended unchecked) is a warning, not a silent drop."""
    define(engine, clock, project())
    # A log written before append checked reports against the plan may hold one.
    clock.now = "2019-01-07T09:00:00.000000Z"
    event = NewEvent(
        type="ProjectProgressReported",
        stream="project/P99",
        occurred="2019-W01",
        data={"project": "P99", "invested_to_date": "5"},
    )
    [(seq, _)] = engine.store.append([engine.registry.encode(event)]).appended
    [item] = replay(engine, "2019-01-06").find("P99", "report-unknown-project")
    assert item.record.evidence == (seq,)


# -- roll-ups ------------------------------------------------------------------------


def test_park_lead_unit_and_group_rollups(engine: gyengine.Engine, clock: Clock) -> None:
    """Parks, lead units (first responsible) and stated groups sum their projects' weeks."""
    define(
        engine,
        clock,
        project("P01", park="A", responsible=["U1"], annual_plan="8000 万元"),
        project("P02", park="A", responsible=["U2", "U1"], annual_plan="2000 万元"),
        project("P03", park="B", responsible=["U1"], annual_plan="1000 万元"),
        groups=(
            {
                "id": "GA",
                "name": "A 园区项目",
                "projects": 2,
                "total_investment": "4 亿元",
                "park": "A",
            },
        ),
    )
    seqs = {
        key: report(engine, clock, "2019-W27", invested, project=key)
        for key, invested in (("P01", "4000"), ("P02", "200"), ("P03", "500"))
    }
    result = replay(engine, "2019-07-07")  # 序时 6 / 12 = 50 %
    cases = {
        # subject, metric: value, target, expected, status
        # A: 4000 + 200 = 4200 of 8000 + 2000 = 10000; 42 % vs 50 %: 8 pp behind
        ("A", "investment"): ("4200", "10000", "5000.00", "watch"),
        ("B", "investment"): ("500", "1000", "500.00", "green"),
        # U1 leads P01 and P03 (not P02): 4000 + 500 = 4500 of 8000 + 1000 = 9000
        ("U1", "investment"): ("4500", "9000", "4500.00", "green"),
        # U2 leads P02: 200 / 2000 = 10 % vs 50 %: 40 pp behind
        ("U2", "investment"): ("200", "2000", "1000.00", "red"),
        ("GA", "group_investment"): ("4200", "10000", "5000.00", "watch"),
    }
    for (subject, metric), (value, target, expected, status) in cases.items():
        record = score(result, subject, metric, "2019-W27")
        assert (record.value, record.target, record.expected, record.status) == (
            Decimal(value),
            Decimal(target),
            Decimal(expected),
            status,
        ), subject
    park = score(result, "A", "investment", "2019-W27")
    assert park.rationale == (
        "园区 A（2 个项目，不含重大前期项目）：投资 4,200 万元 / 年度计划 10,000 万元 = 42.00 %，序时 50.00 %，"
        "落后 8.00 个百分点 → 关注"
    )
    assert park.details["projects"] == ["P01", "P02"]
    assert park.details["lagging"] == ["P02"]
    assert park.details["scope"] == "park"
    assert {seqs["P01"], seqs["P02"]} <= set(park.evidence)
    assert seqs["P03"] not in park.evidence
    assert score(result, "U1", "investment", "2019-W27").details["projects"] == ["P01", "P03"]


# -- state, checkpoints, CLI, explain ---------------------------------------------------


def test_state_round_trips_through_the_converter(engine: gyengine.Engine, clock: Clock) -> None:
    """The fold's state survives unstructure, JSON and structure, and gives the same results."""
    define(
        engine,
        clock,
        project(
            schedule="curve", curve=[f"{n / 12:.4f}" for n in range(1, 13)], start="2019-03-06"
        ),
        groups=({"id": "G", "name": "全部", "projects": 1, "total_investment": "2 亿元"},),
    )
    report(engine, clock, "2019-W10", "1250.5", milestone="开工")
    clock.now = "2019-03-12T00:00:00.000000Z"
    engine.append(
        [
            NewEvent(
                type="ProblemRaised",
                stream="problem/Q1",
                occurred="2019-03-11",
                data={
                    "problem": "Q1",
                    "subject": "P01",
                    "owner": "U1",
                    "deadline": "2019-03-15",
                    "description": "环评待批",
                },
            ),
            NewEvent(
                type="ProblemResolved",
                stream="problem/Q1",
                occurred="2019-03-14",
                data={"problem": "Q1", "resolution": "已批复"},
            ),
        ]
    )
    context = ReplayContext(None, None, {}, engine.store.head().seq)
    state = LedgerState()
    for event in engine.events():
        if event.type in evaluator.consumes:
            state = fold(state, event, context)
    converter = engine.registry.converter
    text = json.dumps(converter.unstructure(state, LedgerState), ensure_ascii=False)
    again = converter.structure(json.loads(text), LedgerState)
    assert again == state
    assert list(results(again, context)) == list(results(state, context))
    assert again.reports["P01"][0].invested == Decimal("1250.5")


def test_checkpoint_resume_gives_the_same_answer(engine: gyengine.Engine, clock: Clock) -> None:
    """A replay resumed from the ledger's checkpoint equals a full one."""
    define(engine, clock, project())
    report(engine, clock, "2019-W01", "100")
    first = engine.replay(as_of="2019-01-13", evaluators=["projects"], save=False)
    report(engine, clock, "2019-W02", "300")
    resumed = engine.replay(as_of="2019-01-13", evaluators=["projects"], save=False)
    full = engine.replay(as_of="2019-01-13", evaluators=["projects"], save=False, checkpoints=False)
    assert first.resumed == {}
    assert resumed.resumed == {"projects": first.seq_to}
    assert resumed.to_json() == full.to_json()


REPORTS = [
    {
        "type": "ProjectProgressReported",
        "stream": "project/P01",
        "occurred": "2019-W02",
        "actor": "CEZC",
        "data": {"project": "P01", "invested_to_date": "5000"},
    },
    {
        "type": "ProjectProgressReported",
        "stream": "project/P01",
        "occurred": "2019-W03",
        "actor": "CEZC",
        "data": {"project": "P01", "invested_to_date": "12000", "note": "主体钢构完成"},
    },
]


def test_cli_plan_load_replay_and_explain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`plan load`, `append`, `replay` and `explain` through the CLI: the project shows its reports."""
    clean_environment(monkeypatch)
    db, plan, lines = tmp_path / "cli.db", tmp_path / "plan.toml", tmp_path / "reports.jsonl"
    plan.write_text(PLAN, encoding="utf-8")
    lines.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in REPORTS), encoding="utf-8"
    )
    assert invoke(["init", "--db", str(db)]).exit_code == 0
    loaded = invoke(["plan", "load", str(plan), "--db", str(db)])
    # 1 plan + 1 supervision + 6 units + 2 parks + 4 projects + 4 groups = 18
    assert "appended 18 definition events" in loaded.output, loaded.output
    appended = invoke(["append", str(lines), "--db", str(db)])
    assert "seq 19..20" in appended.output, appended.output
    ran = invoke(
        [
            *("replay", "--db", str(db), "--evaluator", "projects", "--as-of", "2019-01-20"),
            *("--format", "json", "--no-save"),
        ]
    )
    assert ran.exit_code == 0, ran.output
    records = {
        (r["subject"], r.get("metric") or r.get("rule"), r["period"]): r
        for r in json.loads(ran.stdout)["results"]
    }
    p01 = records[("P01", "investment", "2019-W03")]
    # 20 亿元 = 200000 万元; P01 starts (开工) on 2019-03-01, so on Sunday 2019-01-20
    # nothing is expected of it yet: 序时 0.
    assert p01["value"] == "12000"
    assert p01["target"] == "200000"
    assert p01["expected"] == "0.00"
    assert "计划 2019-03-01 开工，此前无序时要求" in p01["rationale"]
    assert p01["details"]["lead_official"] == "张三"
    assert p01["details"]["work_team"] == "yes"
    assert p01["details"]["department"] == "KGX"
    assert p01["details"]["synthetic"] == "yes"
    # Plan load appends sections in name order: park (1, 2), plan (3), project (4..7),
    # project_group (8..11), supervision (12), unit (13..18). W03's report (20) replaced W02's.
    assert p01["evidence"] == [3, 4, 12, 20]
    # The real totals roll up: 104.24 亿元 = 1,042,400 万元 for the three projects of "all".
    assert records[("all", "group_investment", "2019-W03")]["target"] == "1042400"
    assert records[("CEZ", "investment", "2019-W03")]["value"] == "12000"
    assert records[("P04", "investment", "2019-W03")]["status"] == "green"  # nothing planned
    shown = invoke(
        [
            *("explain", "P01", "--metric", "investment", "--period", "2019-W03"),
            *("--evaluator", "projects", "--as-of", "2019-01-20", "--db", str(db)),
        ]
    )
    assert shown.exit_code == 0, shown.output
    assert (
        "seq 20 ProjectProgressReported project/P01 报送单位=CEZC 所属期=2019-W03" in shown.output
    )
    assert "主体钢构完成" in shown.output
    assert "seq 4 ProjectDefined plan/project/P01" in shown.output


def test_rationales_follow_the_lang_option(engine: gyengine.Engine, clock: Clock) -> None:
    """A Chinese plan's rationales are Chinese; the option lang=en words them in English."""
    define(engine, clock, project(start="2019-03-06"))
    report(engine, clock, "2019-W11", "500", milestone="开工", at="2019-03-21T09:00:00.000000Z")
    zh = replay(engine, "2019-03-24")
    en = replay(engine, "2019-03-24", options={"lang": "en"})
    # 2019-W11 runs 03-11..03-17: it begins 5 days after the planned 03-06.
    assert score(zh, "P01", "milestone:开工", "2019-W11").rationale == (
        "开工 计划 2019-03-06，2019-W11（2019-03-11 至 2019-03-17）达到：至少延期 5 天 → 延期完成"
    )
    assert score(en, "P01", "milestone:开工", "2019-W11").rationale == (
        "开工 planned 2019-03-06, reached in 2019-W11 (2019-03-11..2019-03-17): "
        "5 days late at least → late"
    )
    # Due Tuesday 03-19, recorded Thursday 03-21: two days late.
    assert score(zh, "P01", "report", "2019-W11").rationale.endswith("迟 2 天 → 迟报")
    assert score(en, "P01", "report", "2019-W11").rationale.endswith("迟 2 天 → late")
    light = score(zh, "P01", "investment", "2019-W11").status
    assert score(zh, "P01", "investment", "2019-W11").rationale.endswith(f" → {LIGHT[light]}")
    assert score(en, "P01", "investment", "2019-W11").rationale.endswith(f" → {light}")
