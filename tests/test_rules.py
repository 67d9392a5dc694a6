"""Reward and accountability rules and the quarterly evaluation: each rule fires exactly when it should."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

import gyengine
import gyengine_indicators
import gyengine_plan
import gyengine_projects
import gyengine_rules
from cli_helpers import clean_environment, invoke
from gyengine import Finding, NewEvent, Score
from gyengine.plan import PlanInvalid, iter_events, plan_changes, read_plan
from gyengine.plugins import build_plan_sections
from gyengine_rules import bank_rules, triggers

D = Decimal
STANDARD = [gyengine_plan, gyengine_projects, gyengine_indicators, gyengine_rules]

# -- a small county ----------------------------------------------------------------
# Projects invest on a curve that expects nothing before the end of June and half the
# year's plan from then to November: a report of 5000 of 10000 万元 is green then,
# 3000 (30 %, 20 pp behind) yellow, 1000 (40 pp behind) red.

CURVE = "[0, 0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1]"
GREEN, YELLOW, RED = "5000", "3000", "1000"

HEAD = """\
[plan]
id = "t-2019"
title = "测试方案"
county = "测试县"
year = 2019

[supervision]
office = "U3"
data_source = "U3"
weekly_due_days = 2

[[unit]]
id = "U1"
name = "单位一"

[[unit]]
id = "U2"
name = "单位二"

[[unit]]
id = "U3"
name = "单位三"

[[park]]
id = "A"
name = "园区甲"
committee = "U1"

[[task]]
id = "T1"
title = "任务一"
group = "重点工作"
responsible = ["U3", "U2"]
lead = ["U3"]
"""

RULES = """
[[rule]]
id = "R01"
kind = "warn"
trigger = "project_lag_episode"
params = { statuses = "yellow", from = 1, to = 1 }
text = "首次黄灯，约谈项目负责人"

[[rule]]
id = "R02"
kind = "supervise"
trigger = "project_lag_episode"
params = { statuses = "yellow", from = 2 }
text = "再次黄灯，督办责任单位"

[[rule]]
id = "R03"
kind = "accountable"
trigger = "project_lag_episode"
params = { statuses = "red", report_to = "lead_official" }
text = "红灯，报分管县领导问责"

[[rule]]
id = "R04"
kind = "supervise"
trigger = "project_lag_streak"
params = { periods = 2 }
text = "连续2周滞后督办"

[[rule]]
id = "R05"
kind = "accountable"
trigger = "project_lag_streak"
params = { periods = 3, report_to = "lead_official" }
text = "连续3周滞后问责"

[[rule]]
id = "R06"
kind = "deduct"
trigger = "report_missing"
params = { grace_days = 3, points = -1 }
text = "无故拖延扣分"

[[rule]]
id = "R07"
kind = "supervise"
trigger = "indicator_lag_streak"
params = { periods = 2 }
text = "指标连续2月滞后督办"

[[rule]]
id = "R08"
kind = "accountable"
trigger = "indicator_lag_streak"
params = { periods = 2, statuses = "red" }
text = "指标连续2月红灯问责"

[[rule]]
id = "R09"
kind = "commend"
trigger = "indicator_met"
text = "指标完成表彰"

[[rule]]
id = "R10"
kind = "commend"
trigger = "early_completion"
text = "提前竣工表彰"

[[rule]]
id = "R11"
kind = "commend"
trigger = "quarterly_rank"
params = { list = "top" }
text = "季考评第一名表彰"

[[rule]]
id = "R13"
kind = "veto"
trigger = "false_report"
text = "虚报一票否决"

[quarterly_evaluation]
weights = { indicator = 0.5, project = 0.3, task = 0.2, finding = 1 }
top = 1
bottom = 1
finding_points = { commend = 2, supervise = -1, accountable = -3, deduct = -1 }
"""


def project(id: str, lead: str = "U1", official: str = "副县长甲", **fields: Any) -> str:
    """A ``[[project]]`` of 10000 万元 this year on :data:`CURVE`."""
    extra = "".join(f"{key} = {value}\n" for key, value in fields.items())
    return f"""
[[project]]
id = "{id}"
name = "项目{id}"
park = "A"
category = "计划建成"
total_investment = "2 亿元"
annual_plan = "10000 万元"
responsible = ["{lead}"]
department = "{lead}"
lead_official = "{official}"
schedule = "curve"
curve = {CURVE}
{extra}"""


INDICATORS = """
[[indicator]]
id = "IA"
name = "指标甲"
unit = "亿元"
shape = "threshold"
target = "10 亿元"
responsible = ["U1"]
weight = 10

[[indicator]]
id = "IB"
name = "指标乙"
unit = "亿元"
shape = "threshold"
target = "10 亿元"
responsible = ["U2", "U1"]
weight = 10

[[indicator]]
id = "IM"
name = "节点一"
unit = "个"
shape = "milestone"
deadline = 2019-12-31
task = "T1"
responsible = ["U3"]

[[indicator]]
id = "IM2"
name = "节点二"
unit = "个"
shape = "milestone"
deadline = 2019-09-15
task = "T1"
responsible = ["U3"]
"""


def stamp(day: dt.date | str, hour: int = 9) -> str:
    """A record time on ``day`` (UTC)."""
    return gyengine.timeutil.parse_timestamp(f"{day}T{hour:02d}:00:00Z")


def monday_after(week: int) -> dt.date:
    return dt.date.fromisocalendar(2019, week, 7) + dt.timedelta(days=1)


def due(week: int) -> dt.date:
    """The due day of a week's report (its Sunday + 2)."""
    return dt.date.fromisocalendar(2019, week, 7) + dt.timedelta(days=2)


class County:
    """A log with a test plan; events are staged with their record times and appended in order."""

    def __init__(
        self, tmp_path: Path, plugins: Iterable[Any] = STANDARD, plugins_dir: Path | None = None
    ) -> None:
        self.tmp_path = tmp_path
        manager = gyengine.get_plugin_manager(
            entry_points=False, plugins=list(plugins), plugins_dir=plugins_dir
        )
        store = gyengine.SQLiteEventStore(tmp_path / "x.db", create=True)
        self.engine = gyengine.Engine(store, manager)
        self.staged: list[tuple[str, int, NewEvent]] = []

    def plan(self, *parts: str, rules: str = RULES) -> None:
        path = self.tmp_path / "plan.toml"
        path.write_text(HEAD + "".join(parts) + rules, encoding="utf-8")
        sections = build_plan_sections(self.engine.manager)
        registry = self.engine.registry
        changes = plan_changes(
            read_plan(path, sections, registry), sections, self.engine.store, registry
        )
        events = [attrs.evolve(e, recorded=stamp("2019-01-01")) for e in iter_events(changes)]
        self.engine.store.append(events, keep_recorded=True)

    def stage(self, recorded: str, event: NewEvent) -> None:
        self.staged.append((recorded, len(self.staged), event))

    def flush(self) -> dict[str, int]:
        """Append the staged events by record time; return their seqs by id."""
        encode = self.engine.registry.encode
        pending = [
            attrs.evolve(encode(event), recorded=recorded)
            for recorded, _, event in sorted(self.staged, key=lambda item: item[:2])
        ]
        self.staged = []
        result = self.engine.store.append(pending, keep_recorded=True)
        return {event_id: seq for seq, event_id in result.appended}

    def add(self, recorded: str, event: NewEvent) -> int:
        self.stage(recorded, event)
        return next(iter(self.flush().values()))

    def reports(
        self,
        project: str,
        until: int,
        values: dict[int, str] | None = None,
        *,
        skip: Iterable[int] = (),
        late: dict[int, int] | None = None,
        milestones: dict[int, str] | None = None,
    ) -> None:
        """Stage a report for every week up to ``until``: green unless ``values`` says otherwise.

        ``late`` gives days after the due day a report is recorded; ``skip`` the weeks not reported.
        """
        values, late, milestones = values or {}, late or {}, milestones or {}
        for week in range(1, until + 1):
            if week in skip:
                continue
            value = values.get(week, "0" if week < 26 else GREEN)
            when = (
                stamp(due(week) + dt.timedelta(days=late[week]))
                if week in late
                else stamp(monday_after(week))
            )
            data: dict[str, Any] = {"project": project, "invested_to_date": value}
            if week in milestones:
                data["milestone"] = milestones[week]
            self.stage(
                when,
                NewEvent(
                    type="ProjectProgressReported",
                    stream=f"project/{project}",
                    occurred=f"2019-W{week:02d}",
                    actor="U1",
                    id=f"r-{project}-W{week:02d}",
                    data=data,
                ),
            )

    def statistic(self, indicator: str, month: int, value: str, unit: str = "亿元") -> None:
        self.stage(
            stamp(dt.date(2019, month, 28)),
            NewEvent(
                type="StatisticReported",
                stream=f"indicator/{indicator}",
                occurred=f"2019-{month:02d}",
                data={"indicator": indicator, "value": value, "unit": unit},
            ),
        )

    def replay(self, evaluator: str = "rules", **options: Any) -> gyengine.Replay:
        return self.engine.replay(evaluators=[evaluator], save=False, checkpoints=False, **options)


@pytest.fixture
def county(tmp_path: Path) -> Iterator[County]:
    made = County(tmp_path)
    yield made
    made.engine.close()


def findings(result: gyengine.Replay, rule: str, evaluator: str = "rules") -> list[Finding]:
    """The findings of ``rule``, in the replay's (stable) order."""
    found = []
    for item in result.records:
        record = item.record
        if item.evaluator == evaluator and isinstance(record, Finding) and record.rule == rule:
            found.append(record)
    return found


def fired(result: gyengine.Replay, rule: str, evaluator: str = "rules") -> list[tuple[str, str]]:
    """``(subject, period)`` of each finding of ``rule``, sorted."""
    return sorted((f.subject, f.period) for f in findings(result, rule, evaluator))


def excuse(project: str, reason: str = "停电检修", **span: Any) -> NewEvent:
    return NewEvent(
        type="ReportExcused",
        stream=f"project/{project}",
        data={"project": project, "reason": reason, "approved_by": "U3", **span},
    )


def false_report(subject: str, period: str) -> NewEvent:
    return NewEvent(
        type="FalseReportFound",
        stream=f"unit/{subject}",
        data={"subject": subject, "period": period, "reason": "虚报", "report_ids": ["r-x"]},
    )


# -- project streaks, justifications, corrections -------------------------------------


def test_lag_streak_supervises_then_holds_accountable(county: County) -> None:
    """Two lagging weeks running give 督办 to the department, three 问责 of the department reported to the leader in charge."""
    county.plan(project("P1"), project("P2", lead="U2"))
    county.reports("P1", 33, {28: YELLOW, 29: YELLOW, 30: RED, 32: YELLOW})
    county.reports("P2", 33, {29: YELLOW})
    seqs = county.flush()
    result = county.replay()
    assert fired(result, "R04") == [("U1", "2019-W29")]
    # 问责 lands on the unit; the county leader is who it is reported to (报分管县领导).
    assert fired(result, "R05") == [("U1", "2019-W30")]
    supervise, accountable = findings(result, "R04")[0], findings(result, "R05")[0]
    assert (supervise.kind, supervise.label) == ("supervise", "单位一")
    assert (accountable.kind, accountable.label) == ("accountable", "单位一")
    assert accountable.parameters == {
        "periods": "3",
        "report_to": "副县长甲",
        "trigger": "project_lag_streak",
        "project": "P1",
        "unit": "U1",
        "streak": "2019-W28:yellow,2019-W29:yellow,2019-W30:red",
    }
    assert accountable.rationale.endswith("→ 问责：单位一，报分管县领导副县长甲")
    assert {seqs["r-P1-W28"], seqs["r-P1-W29"], seqs["r-P1-W30"]} <= set(accountable.evidence)
    assert seqs["r-P1-W31"] not in accountable.evidence
    assert "2019-W28 黄灯、2019-W29 黄灯、2019-W30 红灯" in accountable.rationale
    # The rule and its parameters in the plan's words; in English with the option lang=en.
    assert "（连续期数 3，上报 分管县领导） → 问责" in accountable.rationale
    english = findings(county.replay(options={"lang": "en"}), "R05")[0]
    assert "(periods=3, report_to=lead_official) → accountable: 单位一" in english.rationale
    rule_seq = next(
        e.seq for e in county.engine.events(types=["RuleDefined"]) if e.data.id == "R05"
    )
    assert rule_seq in accountable.evidence


def test_justification_suspends_the_streak(county: County) -> None:
    """Weeks a justification covers count neither for nor against: the streak skips them and names the justification."""
    county.plan(project("P1"), project("P2"), project("P3"))
    county.reports("P1", 31, {28: YELLOW, 29: YELLOW})  # excused W29: no streak of two
    county.reports("P2", 31, {28: YELLOW, 29: YELLOW, 30: YELLOW})  # excused W29: W28 + W30
    county.reports("P3", 31, {28: YELLOW, 29: YELLOW, 30: GREEN})  # W30 green breaks it
    county.stage(stamp("2019-07-24"), excuse("P1", weeks=["2019-W29"]))
    county.stage(stamp("2019-07-24"), excuse("P2", from_week="2019-W29", to_week="2019-W29"))
    county.stage(stamp("2019-07-24"), excuse("P3", weeks=["2019-W29"]))
    county.flush()
    result = county.replay()
    assert [(f.parameters["project"], f.period) for f in findings(result, "R04")] == [
        ("P2", "2019-W30")
    ]
    (finding,) = findings(result, "R04")
    excuse_seq = next(
        e.seq for e in county.engine.events(types=["ReportExcused"]) if e.data.project == "P2"
    )
    assert excuse_seq in finding.evidence
    assert "2019-W28 黄灯、2019-W30 黄灯（2019-W29 已说明不计：停电检修" in finding.rationale


def test_justification_known_later_removes_the_finding(county: County) -> None:
    """Known at a time before the justification, the streak stands; known after it, it does not."""
    county.plan(project("P1"))
    county.reports("P1", 31, {28: YELLOW, 29: YELLOW})
    county.flush()
    county.add(stamp("2019-08-10"), excuse("P1", weeks=["2019-W28"]))
    assert fired(county.replay(known_at="2019-08-09"), "R04") == [("U1", "2019-W29")]
    assert fired(county.replay(), "R04") == []
    assert fired(county.replay(), "R01") == [("U1", "2019-W29")]  # the first yellow not excused


def test_excused_missing_report_is_neither_deducted_nor_counted(county: County) -> None:
    """A missing report the office excused gives no deduction and does not extend the streak; unexcused, it does both."""
    county.plan(project("P1"), project("P2"))
    county.reports("P1", 32, {29: YELLOW}, skip=[28])
    county.reports("P2", 32, {29: YELLOW}, skip=[28])
    county.stage(stamp("2019-07-20"), excuse("P1", weeks=["2019-W28"]))
    county.flush()
    result = county.replay()
    assert fired(result, "R06") == [("U1", "2019-W28")]
    assert [f.parameters["project"] for f in findings(result, "R06")] == ["P2"]
    assert [(f.parameters["project"], f.period) for f in findings(result, "R04")] == [
        ("P2", "2019-W29")
    ]
    assert "2019-W28 绿灯（周报未报送）、2019-W29 黄灯" in findings(result, "R04")[0].rationale


def test_correction_removes_the_lag_and_the_finding(county: County) -> None:
    """A corrected report that supersedes a lagging one removes the lag, and the finding with it."""
    county.plan(project("P1"))
    county.reports("P1", 31, {28: YELLOW, 29: YELLOW})
    county.flush()
    assert fired(county.replay(), "R04") == [("U1", "2019-W29")]
    county.add(
        stamp("2019-08-12"),
        NewEvent(
            type="ProjectProgressReported",
            stream="project/P1",
            occurred="2019-W29",
            actor="U1",
            supersedes="r-P1-W29",
            data={"project": "P1", "invested_to_date": GREEN},
        ),
    )
    corrected = county.replay()
    assert fired(corrected, "R04") == []
    assert fired(corrected, "R01") == [("U1", "2019-W28")]  # W28 still lagged
    assert fired(county.replay(known_at="2019-08-11"), "R04") == [("U1", "2019-W29")]


# -- reports: the rule's own deadline -------------------------------------------------


def test_late_report_within_the_rules_deadline_is_not_deducted(county: County) -> None:
    """A report late by no more than grace_days gives nothing; later, or missing past the grace, one deduction per week."""
    county.plan(project("P1"))
    county.reports("P1", 29, late={28: 3, 29: 4})
    county.flush()
    due30 = due(30)
    before = county.replay(as_of=str(due30 + dt.timedelta(days=3)))
    assert fired(before, "R06") == [("U1", "2019-W29")]
    after = county.replay(as_of=str(due30 + dt.timedelta(days=4)))
    assert fired(after, "R06") == [("U1", "2019-W29"), ("U1", "2019-W30")]
    late, missing = findings(after, "R06")
    assert (late.kind, late.points) == ("deduct", D(-1))
    assert "迟报逾期 4 天，超过宽限 3 天" in late.rationale
    assert "未报送逾期 4 天" in missing.rationale
    assert late.parameters["grace_days"] == "3"


# -- escalation -------------------------------------------------------------------------


def test_escalation_steps(county: County) -> None:
    """First yellow: warn (约谈); a later yellow: supervise; red: the unit accountable, reported to the leader in charge."""
    county.plan(project("P1"))
    county.reports("P1", 36, {28: YELLOW, 30: YELLOW, 31: RED, 32: RED, 33: YELLOW, 35: YELLOW})
    county.flush()
    result = county.replay()
    assert fired(result, "R01") == [("U1", "2019-W28")]
    assert fired(result, "R02") == [("U1", "2019-W30"), ("U1", "2019-W33"), ("U1", "2019-W35")]
    assert fired(result, "R03") == [("U1", "2019-W31")]
    assert fired(result, "R04") == [("U1", "2019-W31")]
    assert fired(result, "R05") == [("U1", "2019-W32")]
    warn = findings(result, "R01")[0]
    assert warn.kind == "warn"
    assert "2019-W28 第 1 次 黄灯" in warn.rationale
    assert "首次黄灯，约谈项目负责人" in warn.rationale
    assert [f.kind for f in findings(result, "R02")] == ["supervise"] * 3
    assert "2019-W33 第 3 次 黄灯" in findings(result, "R02")[1].rationale
    red = findings(result, "R03")[0]
    assert (red.kind, red.label, red.parameters["unit"]) == ("accountable", "单位一", "U1")
    assert red.parameters["report_to"] == "副县长甲"


# -- commendation and veto --------------------------------------------------------------


def test_commendation_for_early_completion(county: County) -> None:
    """竣工 reported before its planned day commends the department; on time, nothing."""
    county.plan(
        project("P1", completion="2019-08-31"),
        project("P2", lead="U2", completion="2019-07-21"),
    )
    county.reports("P1", 31, milestones={29: "竣工"})
    county.reports("P2", 31, milestones={29: "竣工"})
    seqs = county.flush()
    result = county.replay()
    assert fired(result, "R10") == [("U1", "2019-W29")]
    (commend,) = findings(result, "R10")
    assert commend.kind == "commend"
    assert seqs["r-P1-W29"] in commend.evidence
    assert "至少提前 41 天" in commend.rationale


def test_veto_withdraws_the_quarters_commendations(county: County) -> None:
    """A false report found for a unit and quarter withdraws its commendations of that quarter, and only those."""
    county.plan(
        project("P1", completion="2019-08-31"),
        project("P2", completion="2019-12-31"),
    )
    county.reports("P1", 31, milestones={29: "竣工"})
    county.reports("P2", 31, milestones={22: "竣工"})
    county.flush()
    assert fired(county.replay(), "R10") == [("U1", "2019-W22"), ("U1", "2019-W29")]
    veto_seq = county.add(stamp("2019-10-15"), false_report("U1", "2019-Q3"))
    county.add(stamp("2019-10-16"), false_report("U1", "2019-Q4"))
    result = county.replay()
    assert fired(result, "R10") == [("U1", "2019-W22")]
    q3, q4 = findings(result, "R13")
    assert (q3.kind, q3.subject, q3.period) == ("veto", "U1", "2019-Q3")
    assert q3.parameters["withdrawn"] == "R10 2019-W29"
    assert "撤销奖惩规则 2019-Q3 的表彰 1 项：R10 2019-W29" in q3.rationale
    assert veto_seq in q3.evidence
    assert county.engine.store.get("r-P1-W29").seq in q3.evidence
    assert q4.parameters["withdrawn"] == ""
    assert "奖惩规则中 2019-Q4 无表彰可撤销" in q4.rationale


# -- indicators -------------------------------------------------------------------------


def test_indicator_streaks_and_target_met(county: County) -> None:
    """Yellow or red two months running: 督办; red two months running: 问责; the whole target met: 表彰."""
    cumulative = """
[[indicator]]
id = "IC"
name = "指标丙"
unit = "亿元"
shape = "cumulative"
target = "10 亿元"
schedule = "month"
responsible = ["U2"]
weight = 10
"""
    county.plan(INDICATORS, cumulative)
    # 10 % target: 8 is yellow (20 pp behind), 6 red, 10.5 green.
    for month, value in enumerate(["8", "6", "6", "10.5", "6", "6", "11"], start=1):
        county.statistic("IA", month, value)
    # Ahead of 序时 and past the annual 10 亿元 by June, but the whole target is due only in December.
    county.statistic("IC", 6, "10.5", "亿元")
    county.statistic("IC", 12, "12", "亿元")
    county.flush()
    june = county.replay(as_of="2019-06-30")
    assert fired(june, "R07") == [("U1", "2019-02"), ("U1", "2019-06")]
    assert fired(june, "R08") == [("U1", "2019-03"), ("U1", "2019-06")]
    assert fired(june, "R09") == []
    streak = findings(june, "R08")[0]
    assert streak.kind == "accountable"
    assert "连续 2 个月红灯：2019-02 红灯、2019-03 红灯" in streak.rationale
    assert streak.parameters["indicator"] == "IA"
    # IA is at 11 of 10 亿元 in July, but 完成全年目标 is said only when the target is due:
    # not in the July bulletin, in December's (IA still 11 by December: 110 %).
    july = county.replay(as_of="2019-07-31")
    assert fired(july, "R09") == []
    year_end = county.replay(as_of="2019-12-31")
    assert fired(year_end, "R09") == [("U1", "2019-12"), ("U2", "2019-12")]
    commend = next(f for f in findings(year_end, "R09") if f.subject == "U1")
    assert "完成率 110.00 % ≥ 100 %，目标 2019-12-31 到期" in commend.rationale


@pytest.mark.parametrize(
    ("period", "span", "inside"),
    [
        ("2019-W29", "2019-Q3", True),
        ("2019-W40", "2019-Q3", False),  # Monday 30 September, Thursday 3 October
        ("2019-W40", "2019-Q4", True),
        ("2020-W53", "2020-Q4", True),  # Thursday 31 December 2020, Sunday 3 January 2021
        ("2019-09", "2019-Q3", True),
        ("2019", "2019-Q3", False),  # longer than the quarter
        ("2019-Q3", "2019-Q3", True),
    ],
)
def test_a_period_belongs_to_the_quarter_of_its_middle_day(
    period: str, span: str, inside: bool
) -> None:
    """Findings count in the quarter (or veto period) that holds their middle day; a longer period in none."""
    assert triggers.within(period, span) is inside


# -- the quarterly evaluation -------------------------------------------------------------


def quarterly_county(county: County) -> None:
    """U1 leads P1 (yellow in W28 and W29, watch in W30) and co-leads IB; U2 leads IB; U3 leads P2 and task T1."""
    county.plan(project("P1"), project("P2", lead="U3", official="副县长乙"), INDICATORS)
    county.reports("P1", 39, {28: YELLOW, 29: YELLOW, 30: "4500"})  # W30: 5 pp behind, watch
    county.reports("P2", 39)
    county.statistic("IA", 9, "9")  # 90 %: watch, 9 of 10 points
    county.statistic("IB", 9, "10")  # 100 %: green, 10 points
    county.flush()


def scores(result: gyengine.Replay, metric: str) -> dict[tuple[str, str], Score]:
    return {
        (item.record.subject, item.record.period): item.record
        for item in result.records
        if item.evaluator == "quarterly"
        and isinstance(item.record, Score)
        and item.record.metric == metric
    }


def q2(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_quarterly_composite_and_ranking(county: County) -> None:
    """The composite, ranks with shared places, change and lists, computed by hand."""
    quarterly_county(county)
    result = county.replay("quarterly", as_of="2019-09-30")
    units = scores(result, "quarterly_score")
    assert sorted(units) == [
        ("U1", "2019-Q1"),
        ("U1", "2019-Q2"),
        ("U1", "2019-Q3"),
        ("U2", "2019-Q3"),
        ("U3", "2019-Q1"),
        ("U3", "2019-Q2"),
        ("U3", "2019-Q3"),
    ]
    # U1: indicator (9×1 + 10×0.5) / (10×1 + 10×0.5) = 93.33; project 11 of 13 weeks
    # green or watch (W30 watch counts); no task; findings: R01 warn (0 points) and R04 supervise (-1).
    u1 = units["U1", "2019-Q3"]
    indicator, project_share = D("93.33"), D(11) / D(13) * 100
    expected = q2((D("0.5") * indicator + D("0.3") * project_share) / D("0.8") - 1)
    assert expected == D("89.06")
    assert u1.value == expected
    assert u1.details == {
        "indicator": "93.33",
        "project": "84.62",
        "task": "",
        "finding": "-1.00",
        "divisor": D("0.8"),
        "rank": 2,
        "previous_rank": 1,
        "change": "-1",
        "ranked": 3,
        "items": 3,  # IA and IB in its indicator score, P1
    }
    assert str(u1.details["divisor"]) == "0.8"  # the weights' sum, exactly as written
    # U2: indicator 100 (IB, lead). R09 does not commend IB in September: its whole
    # target is due in December (完成全年目标 is said when due), so no +2.
    assert units["U2", "2019-Q3"].value == D("100.00")
    assert units["U2", "2019-Q3"].details["change"] == "new"
    # U3: project 13 of 13 weeks; task T1's milestones in September: IM is due after
    # the quarter, so not judged in it (a task item counts in the quarter it falls due);
    # IM2 overdue: 0 of 1; IM2 yellow in August then red: R07 supervises (-1).
    u3 = units["U3", "2019-Q3"]
    assert u3.value == q2((D("0.3") * 100 + D("0.2") * 0) / D("0.5") - 1) == D("59.00")
    assert (u3.details["task"], u3.details["rank"], u3.details["change"]) == ("0.00", 3, "-2")
    # Q2: U1 and U3 both 100 and share the first place; U2 has nothing scored yet.
    assert units["U1", "2019-Q2"].value == units["U3", "2019-Q2"].value == D("100.00")
    assert units["U1", "2019-Q2"].details["rank"] == units["U3", "2019-Q2"].details["rank"] == 1
    lists = scores(result, "top") | {
        (k[0] + "-bottom", k[1]): v for k, v in scores(result, "bottom").items()
    }
    assert lists["quarterly", "2019-Q3"].value == "单位二"
    assert lists["quarterly-bottom", "2019-Q3"].value == "单位三"
    assert lists["quarterly", "2019-Q2"].value == "单位一、单位三"
    assert lists["quarterly-bottom", "2019-Q2"].value == ""
    assert fired(result, "R11", "quarterly") == [
        ("U1", "2019-Q1"),
        ("U1", "2019-Q2"),
        ("U2", "2019-Q3"),
        ("U3", "2019-Q1"),
        ("U3", "2019-Q2"),
    ]
    # Not yet evaluated: the fourth quarter has not ended by the as-of date.
    assert all(period != "2019-Q4" for _, period in units)


def test_quarterly_veto_withdraws_commendations_and_their_points(county: County) -> None:
    """A false report of U2 in Q3 withdraws its top-rank commendation; R09 had nothing to withdraw (not due)."""
    quarterly_county(county)
    veto_seq = county.add(stamp("2019-09-30", 12), false_report("U2", "2019-Q3"))
    result = county.replay("quarterly", as_of="2019-09-30")
    assert fired(result, "R09") == []
    assert scores(result, "quarterly_score")["U2", "2019-Q3"].value == D("100.00")
    assert fired(result, "R11", "quarterly") == [
        ("U1", "2019-Q1"),
        ("U1", "2019-Q2"),
        ("U3", "2019-Q1"),
        ("U3", "2019-Q2"),
    ]
    (by_rules,) = findings(result, "R13")
    (by_quarterly,) = findings(result, "R13", "quarterly")
    assert by_rules.parameters["withdrawn"] == ""
    assert by_quarterly.parameters["withdrawn"] == "R11 2019-Q3"
    assert veto_seq in by_rules.evidence
    assert veto_seq in by_quarterly.evidence


# -- the bank bulletin ---------------------------------------------------------------------


@attrs.define
class NoState:
    seq: int = 0


def _bulletin(state: NoState, context: gyengine.ReplayContext) -> Iterator[Score]:
    seq = [state.seq]
    for period, top, provisional in (
        ("2019-Q1", "B1,B2", "no"),
        ("2019-03", "B2,B1", "no"),
        ("2019-Q2", "B1,B3", "yes"),
    ):
        yield Score(
            subject="bulletin",
            metric="top",
            period=period,
            value=top,
            evidence=seq,
            details={"banks": top.split(","), "provisional": provisional},
        )
    for bank, place in (("B1", 1), ("B2", 2)):
        yield Score(
            subject=bank,
            label=f"银行{bank}",
            metric="score",
            period="2019-Q1",
            value=D(90 - place),
            evidence=seq,
            details={"rank": place},
        )


class FakeBanks:
    """A stand-in for the bank assessment: the bulletin lists only."""

    __name__ = "fake_banks"

    @gyengine.hookimpl
    def register_evaluators(self) -> list[gyengine.Evaluator]:
        return [
            gyengine.Evaluator(
                name="banks",
                version="1",
                consumes=["PlanDefined"],
                state_type=NoState,
                fold=lambda state, event, context: NoState(event.seq),
                results=_bulletin,
            )
        ]


def test_bank_bulletin_commends_the_quarters_top_banks(tmp_path: Path) -> None:
    """Banks in a quarter's final top list are commended; a false report withdraws one."""
    county = County(tmp_path, [*STANDARD, bank_rules, FakeBanks()])
    rules = RULES + '\n[[rule]]\nid = "R12"\nkind = "commend"\ntrigger = "bank_bulletin"\n'
    county.plan(rules=rules)
    result = county.replay("bank_rules")
    assert fired(result, "R12", "bank_rules") == [("B1", "2019-Q1"), ("B2", "2019-Q1")]
    commend = findings(result, "R12", "bank_rules")[0]
    assert (commend.label, commend.kind) == ("银行B1", "commend")
    assert "第 1 名，得分 89" in commend.rationale
    county.add(stamp("2019-04-20"), false_report("B2", "2019-Q1"))
    vetoed = county.replay("bank_rules")
    assert fired(vetoed, "R12", "bank_rules") == [("B1", "2019-Q1")]
    assert findings(vetoed, "R13", "bank_rules")[0].parameters["withdrawn"] == "R12 2019-Q1"
    county.engine.close()


def test_rules_run_without_banks(county: County) -> None:
    """Without the bank plugins, rules and the quarterly evaluation still run (bank rules are simply absent)."""
    county.plan(
        project("P1"),
        rules=RULES + '\n[[rule]]\nid = "R12"\nkind = "commend"\ntrigger = "bank_bulletin"\n',
    )
    county.reports("P1", 30, {28: YELLOW, 29: YELLOW})
    county.flush()
    result = county.engine.replay(save=False, checkpoints=False)
    assert "bank_rules" not in {name for name, _, _ in result.evaluators}
    assert fired(result, "R04") == [("U1", "2019-W29")]


# -- a county's own rule, as a plugin --------------------------------------------------------

CUSTOM_RULE = '''\
"""A county's own rule: a notice (a new kind of finding) for every weekly report that came in late."""

import attrs

from gyengine import Evaluator, Finding, hookimpl


@attrs.define
class Rules:
    kinds: dict[str, str] = attrs.Factory(dict)
    seqs: dict[str, int] = attrs.Factory(dict)


def fold(state, event, context):
    if event.data.trigger == "county:late_report":
        state.kinds[event.data.id] = event.data.kind
        state.seqs[event.data.id] = event.seq
    return state


def results(state, context):
    for record in context.results_of("projects"):
        if getattr(record, "metric", None) != "report" or record.value != "late":
            continue
        for rule, kind in sorted(state.kinds.items()):
            yield Finding(
                kind=kind,
                subject=record.subject,
                rule=rule,
                period=record.period,
                rationale=f"{record.rationale}: late, so a notice",
                evidence=[*record.evidence, state.seqs[rule]],
                parameters={"trigger": "county:late_report"},
            )


late_notice = Evaluator(
    name="late_notice",
    version="1",
    consumes=["RuleDefined"],
    requires=["projects"],
    state_type=Rules,
    fold=fold,
    results=results,
    finding_kinds=["notice"],
)


@hookimpl
def register_evaluators():
    return [late_notice]
'''


def test_custom_rule_plugin_in_replay_and_explain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule of the plan with a plugin's own trigger and kind is judged by that plugin: in replay and explain."""
    directory = tmp_path / "plugins"
    directory.mkdir()
    (directory / "county_rules.py").write_text(CUSTOM_RULE, encoding="utf-8")
    county = County(tmp_path, STANDARD, plugins_dir=directory)
    custom = '\n[[rule]]\nid = "R99"\nkind = "notice"\ntrigger = "county:late_report"\ntext = "迟报提醒"\n'
    county.plan(project("P1"), rules=RULES + custom)
    county.reports("P1", 30, late={29: 1})
    seqs = county.flush()
    result = county.engine.replay(save=False, checkpoints=False)
    assert fired(result, "R99", "late_notice") == [("P1", "2019-W29")]
    (notice,) = findings(result, "R99", "late_notice")
    assert notice.kind == "notice"
    assert seqs["r-P1-W29"] in notice.evidence
    assert findings(result, "R99") == []  # the standard rules leave it to its plugin
    county.engine.close()

    clean_environment(monkeypatch)
    db = str(tmp_path / "x.db")
    shown = invoke(
        [
            "--plugins-dir",
            str(directory),
            "explain",
            "P1",
            "--metric",
            "R99",
            "--evaluator",
            "late_notice",
            "--db",
            db,
            "--format",
            "json",
        ]
    )
    assert shown.exit_code == 0, shown.output
    (explained,) = json.loads(shown.output)
    assert explained["result"]["evaluator"] == "late_notice"
    assert (explained["result"]["kind"], explained["result"]["period"]) == ("notice", "2019-W29")
    assert "r-P1-W29" in [event["id"] for event in explained["evidence"]]


# -- the plan ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            'kind = "warn"\ntrigger = "lag"',
            "[rule] RX: trigger: unknown trigger 'lag'",
        ),
        (
            'kind = "commend"\ntrigger = "false_report"',
            "[rule] RX: kind: false_report gives veto, not 'commend'",
        ),
        (
            'kind = "supervise"\ntrigger = "project_lag_streak"\nparams = { period = 2 }',
            "[rule] RX: params: unknown parameter 'period' (project_lag_streak takes periods, points, report_to, statuses, subject)",
        ),
        (
            'kind = "supervise"\ntrigger = "project_lag_streak"\nparams = { periods = 0 }',
            "[rule] RX: params: periods must be a whole number ≥ 1, not 0",
        ),
        (
            'kind = "supervise"\ntrigger = "project_lag_streak"\nparams = { statuses = "amber" }',
            "[rule] RX: params: statuses must list statuses separated by commas",
        ),
        (
            'kind = "Supervise"\ntrigger = "project_lag_streak"',
            "[rule] RX: kind: must be a lower-case name such as 'supervise' (got 'Supervise')",
        ),
    ],
    ids=["unknown-trigger", "wrong-kind", "unknown-param", "bad-int", "bad-status", "bad-kind"],
)
def test_plan_check_names_the_rule_and_parameter(county: County, rule: str, message: str) -> None:
    """A rule with a wrong trigger, kind or parameter is refused with file, line, rule and field."""
    with pytest.raises(PlanInvalid) as raised:
        county.plan(rules=f'\n[[rule]]\nid = "RX"\n{rule}\n')
    assert any(message in problem for problem in raised.value.problems), raised.value.problems
    assert all(":" in problem.split(" ")[0] for problem in raised.value.problems)


# -- the semantics a county office signs (issue 11) --------------------------------------

WATCH_RULES = """
[[rule]]
id = "RW"
kind = "supervise"
trigger = "project_lag_streak"
params = { periods = 2, statuses = "watch,yellow,red" }
text = "项目连续2周进度滞后（关注、黄灯、红灯均计为滞后）"

[[rule]]
id = "RY"
kind = "supervise"
trigger = "project_lag_streak"
params = { periods = 2, statuses = "yellow,red" }
text = "项目连续2周黄灯或红灯"
"""


def test_watch_counts_as_behind_where_the_rule_says_so(county: County) -> None:
    """5 pp behind 序时 two weeks running is 进度滞后 under a rule counting 关注, not under one naming 黄灯、红灯."""
    county.plan(project("P1"), rules=WATCH_RULES)
    # CURVE expects 50 % of 10000 万元 from the end of June: 4500 is 45 %, 5 pp behind: watch.
    county.reports("P1", 30, {29: "4500", 30: "4500"})
    county.flush()
    result = county.replay()
    assert fired(result, "RW") == [("U1", "2019-W30")]
    assert fired(result, "RY") == []
    (found,) = findings(result, "RW")
    assert "关注、黄灯、红灯计为滞后" in found.rationale
    assert "2019-W29 关注、2019-W30 关注" in found.rationale


def test_plan_check_refuses_an_official_as_the_subject(county: County) -> None:
    """方案：对工作不力、无故拖延的予以问责 — of units: subject = "lead_official" is refused with the fix."""
    bad = RULES.replace('report_to = "lead_official"', 'subject = "lead_official"')
    with pytest.raises(PlanInvalid) as raised:
        county.plan(project("P1"), rules=bad)
    text = str(raised.value)
    assert "subject must be a unit, not 'lead_official'" in text
    assert 'report_to = "lead_official"' in text


def test_a_tie_lengthens_the_list_and_says_so(county: County) -> None:
    """Top 1 with U1 and U3 both at 100.00 in Q2 names both, and says the first place is shared."""
    quarterly_county(county)
    result = county.replay("quarterly", as_of="2019-09-30")
    top = scores(result, "top")["quarterly", "2019-Q2"]
    assert top.value == "单位一、单位三"
    assert "第 1 名得分并列，名单 2 个单位" in top.rationale
    # Q3 has no tie: U2 alone (100.00 > 89.06 > 79.00) and no note.
    assert "并列" not in scores(result, "top")["quarterly", "2019-Q3"].rationale


CATEGORIES = """
[quarterly_evaluation]
weights = { indicator = 0.5, project = 0.3, task = 0.2, finding = 1 }
top = 1
bottom = 0
min_items = 2
finding_points = { commend = 2, supervise = -1, accountable = -3, deduct = -1 }

[[quarterly_evaluation.categories]]
id = "depts"
name = "牵头部门"
units = ["U1", "U2"]
"""


def test_only_assessed_units_with_enough_items_are_ranked(county: County) -> None:
    """U3 is not assessed (in no category); U2 has 1 scored item of the 2 required: not ranked, not first."""
    rules = RULES.split("[quarterly_evaluation]")[0] + CATEGORIES
    county.plan(project("P1"), project("P2", lead="U3"), INDICATORS, rules=rules)
    county.reports("P1", 39)
    county.reports("P2", 39)
    county.statistic("IA", 9, "9")
    county.statistic("IB", 9, "10")
    county.flush()
    result = county.replay("quarterly", as_of="2019-09-30")
    units = scores(result, "quarterly_score")
    assert ("U3", "2019-Q3") not in units  # leads P2 and T1, but not an assessed unit
    u1, u2 = units["U1", "2019-Q3"], units["U2", "2019-Q3"]
    # U1: IA (lead) and IB (co) in its indicator score, and P1: 3 items. Indicator
    # (9 × 1 + 10 × 0.5) / (10 × 1 + 10 × 0.5) = 93.33; project 13 of 13 weeks green: 100;
    # (0.5 × 93.33 + 0.3 × 100) / 0.8 = 95.83.
    assert (u1.details["items"], u1.details["rank"], u1.value) == (3, 1, D("95.83"))
    # U2: IB only, 1 item < 2: listed as not ranked, with its 100.00, never first.
    assert (u2.details["items"], u2.details["rank"], u2.details["not_ranked"]) == (1, "", "yes")
    assert u2.value == D("100.00")
    assert "得分项 1 项，少于 2 项，不参与排名" in u2.rationale
    # U1 is the only unit ranked in its category: a list never takes every unit ranked
    # (compared with no one, U1 is neither 先进 nor 后进), so no list and no R11 commend.
    assert scores(result, "top")["quarterly/depts", "2019-Q3"].value == ""
    assert ("U1", "2019-Q3") not in fired(result, "R11", "quarterly")
