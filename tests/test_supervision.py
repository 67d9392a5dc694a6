"""The supervision loop (督办闭环): each step with fixed dates and hand-computed 整改时限.

Working days are Monday to Friday unless the plan lists holidays. A 督办单 issued on
Wednesday 2019-06-05 with 5 working days is due Wednesday 2019-06-12 (Thu 6, Fri 7,
Mon 10, Tue 11, Wed 12); it is overdue on Thursday 2019-06-13 and escalates to 通报
with a new 整改时限 5 working days after the missed one, Wednesday 2019-06-19.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import gyengine_supervision
from cli_helpers import clean_environment, invoke
from gyengine import Finding, InvalidEvent, NewEvent, Score
from gyengine.plan import PlanInvalid, read_plan
from gyengine.plugins import build_plan_sections
from gyengine_supervision import Calendar
from test_rules import HEAD, RULES, STANDARD, YELLOW, County, project, stamp

LOOP = """
[supervision_loop]
open_on = ["accountable"]
days = 5
return_days = 3
escalation = ["supervise", "notify", "accountable"]
escalation_days = 5
"""
MANUAL = LOOP.replace('open_on = ["accountable"]', "open_on = []")
"""The loop with no automatic items (the test project reports nothing, so its rules fire)."""


class Office(County):
    """A test county with the supervision plugin, and the office's acts as events."""

    def __init__(self, tmp_path: Path) -> None:
        super().__init__(tmp_path, plugins=[*STANDARD, gyengine_supervision])

    def act(
        self, kind: str, number: str, day: str, recorded: str | None = None, **data: Any
    ) -> int:
        payload = data if kind == "InterviewHeld" else {"item": number, **data}
        return self.add(
            recorded or stamp(day, 10),
            NewEvent(
                type=kind, stream=f"supervision/{number}", occurred=day, actor="U3", data=payload
            ),
        )

    def issue(self, item: str = "DB-1", day: str = "2019-06-05", **data: Any) -> int:
        fields = {"unit": "U1", "reason": "项目滞后，限期整改", **data}
        return self.act("SupervisionItemIssued", item, day, **fields)

    def ledger(self, **options: Any) -> tuple[dict[str, Score], list[Finding]]:
        result = self.engine.replay(
            evaluators=["supervision"], save=False, checkpoints=False, **options
        )
        scores, findings = {}, []
        for item in result.records:
            if item.evaluator != "supervision":
                continue
            if isinstance(item.record, Score):
                scores[item.record.subject] = item.record
            else:
                findings.append(item.record)
        return scores, findings


def on(day: str) -> dict[str, Any]:
    return {"as_of": dt.date.fromisoformat(day)}


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    made = Office(tmp_path)
    yield made
    made.engine.close()


# -- the working-day calendar ---------------------------------------------------------


def test_working_days_skip_weekends_and_holidays() -> None:
    """5 working days after Wednesday 2019-06-05 is Wednesday 2019-06-12; with 端午 (Friday 06-07) off, Thursday 06-13."""
    assert Calendar().add(dt.date(2019, 6, 5), 5) == dt.date(2019, 6, 12)
    assert Calendar(["2019-06-07"]).add(dt.date(2019, 6, 5), 5) == dt.date(2019, 6, 13)
    # 国庆 2019: Oct 1-4 and 7 off, Sat Oct 12 worked: 5 working days after Mon Sep 30
    # are Tue Oct 8, Wed 9, Thu 10, Fri 11, Sat 12.
    october = Calendar(
        ["2019-10-01", "2019-10-02", "2019-10-03", "2019-10-04", "2019-10-07"], ["2019-10-12"]
    )
    assert october.add(dt.date(2019, 9, 30), 5) == dt.date(2019, 10, 12)
    assert Calendar().between(dt.date(2019, 6, 13), dt.date(2019, 6, 12)) == -1
    assert Calendar().between(dt.date(2019, 6, 7), dt.date(2019, 6, 12)) == 3


# -- open, answer, accept, return, overdue, escalate ---------------------------------


def test_issued_item_is_open_with_its_deadline(office: Office) -> None:
    """Issued Wednesday 06-05: on Monday 06-10 it is open with 2 working days left (Tue 11, Wed 12)."""
    office.plan(project("P1"), rules=RULES + MANUAL)
    seq = office.issue()
    scores, findings = office.ledger(**on("2019-06-10"))
    item = scores["DB-1"]
    assert (item.status, item.value, item.period) == ("open", Decimal(2), "2019-06-05")
    assert item.details["deadline"] == "2019-06-12"
    assert item.details["owner"] == "U1"
    assert item.details["owner_name"] == "单位一"
    assert item.details["age_days"] == 5
    assert item.details["source"] == "office"
    assert seq in item.evidence
    assert findings == []
    # Before its day of issue, the item is not in the ledger.
    assert office.ledger(**on("2019-06-04"))[0] == {}
    # On the deadline day itself it is still open, 0 days left.
    last = office.ledger(**on("2019-06-12"))[0]["DB-1"]
    assert (last.status, last.value) == ("open", Decimal(0))


def test_missed_deadline_is_overdue_and_escalates_up_the_ladder(office: Office) -> None:
    """Due 06-12: overdue and 通报 on 06-13 (new 整改时限 06-19), 问责 on 06-20 (due 06-26), then no higher step."""
    office.plan(project("P1"), rules=RULES + MANUAL)
    seq = office.issue()
    scores, findings = office.ledger(**on("2019-06-13"))
    item = scores["DB-1"]
    assert (item.status, item.value) == ("overdue", Decimal(-1))
    assert item.details["deadline"] == "2019-06-19"
    assert item.details["step"] == "notify"
    assert [(f.kind, f.subject, f.period, f.parameters["deadline"]) for f in findings] == [
        ("notify", "U1", "2019-06-13", "2019-06-12")
    ]
    assert findings[0].rule == "item-overdue"
    assert findings[0].parameters["item"] == "DB-1"
    assert "升级为通报" in findings[0].rationale
    assert seq in findings[0].evidence
    _, findings = office.ledger(**on("2019-06-20"))
    assert [(f.kind, f.period) for f in findings] == [
        ("notify", "2019-06-13"),
        ("accountable", "2019-06-20"),
    ]
    # At the top of the ladder a further missed 整改时限 (06-26) is named once, and no more.
    for day in ("2019-06-27", "2019-12-31"):
        _, findings = office.ledger(**on(day))
        assert [(f.kind, f.period) for f in findings][-1] == ("accountable", "2019-06-27")
        assert len(findings) == 3


def test_answer_stops_the_clock_and_acceptance_closes_on_time(office: Office) -> None:
    """Answered 06-11, closed 06-14: not overdue on 06-13 while the office checks; closed on time."""
    office.plan(project("P1"), rules=RULES + MANUAL)
    office.issue()
    answer = office.act(
        "RectificationReported",
        "DB-1",
        "2019-06-11",
        text="已整改",
        actions=["增加施工班组"],
        attachments=["整改报告.pdf"],
    )
    scores, findings = office.ledger(**on("2019-06-13"))
    assert (scores["DB-1"].status, scores["DB-1"].value) == ("answered", None)
    assert findings == []
    close = office.act("SupervisionItemClosed", "DB-1", "2019-06-14", remark="同意销号")
    item = office.ledger(**on("2019-06-20"))[0]["DB-1"]
    assert item.status == "closed"
    assert (item.details["closed"], item.details["on_time"]) == ("2019-06-14", "yes")
    assert item.details["age_days"] == 9
    assert {answer, close} <= set(item.evidence)


def test_return_restarts_the_clock(office: Office) -> None:
    """Returned 06-13 with 3 working days: due Tuesday 06-18; unanswered, it is 通报 on 06-19; redone and closed late."""
    office.plan(project("P1"), rules=RULES + MANUAL)
    office.issue()
    office.act("RectificationReported", "DB-1", "2019-06-11", text="已整改")
    office.act("SupervisionItemReturned", "DB-1", "2019-06-13", reason="缺少整改计划")
    item = office.ledger(**on("2019-06-18"))[0]["DB-1"]
    assert (item.status, item.value, item.details["deadline"]) == ("returned", 0, "2019-06-18")
    assert item.details["returns"] == 1
    scores, findings = office.ledger(**on("2019-06-19"))
    assert scores["DB-1"].status == "overdue"
    assert [(f.kind, f.parameters["deadline"]) for f in findings] == [("notify", "2019-06-18")]
    office.act("RectificationReported", "DB-1", "2019-06-20", text="已补充整改计划")
    office.act("SupervisionItemClosed", "DB-1", "2019-06-21")
    scores, findings = office.ledger(**on("2019-07-31"))
    assert scores["DB-1"].status == "closed"
    assert scores["DB-1"].details["on_time"] == "no"
    assert len(findings) == 1  # the 通报 of 06-19 stays; nothing after the answer


def test_a_returned_item_is_not_overdue_before_its_new_deadline(office: Office) -> None:
    """An answer after a missed deadline, then a return: the item runs again, on its new 整改时限."""
    office.plan(project("P1"), rules=RULES + MANUAL)
    office.issue()
    office.act("RectificationReported", "DB-1", "2019-06-14", text="已整改")  # a day late
    office.act("SupervisionItemReturned", "DB-1", "2019-06-17", reason="不到位")
    item = office.ledger(**on("2019-06-19"))[0]["DB-1"]
    assert (item.status, item.value, item.details["deadline"]) == ("returned", 1, "2019-06-20")


def test_holidays_of_the_plan_move_the_deadline(office: Office) -> None:
    """With Friday 06-07 a holiday the 督办单 of 06-05 is due Thursday 06-13, not overdue that day."""
    office.plan(project("P1"), rules=RULES + MANUAL + 'holidays = ["2019-06-07"]\n')
    office.issue()
    item = office.ledger(**on("2019-06-13"))[0]["DB-1"]
    assert (item.status, item.details["deadline"]) == ("open", "2019-06-13")


def test_meeting_item_and_interview_enter_the_loop(office: Office) -> None:
    """A 企业服务日 problem with its own deadline, and a 约谈 on it: one ledger, one history."""
    office.plan(project("P1"), rules=RULES + MANUAL)
    office.act(
        "MeetingItemAgreed",
        "FW-1",
        "2019-06-14",
        unit="U2",
        reason="企业反映用电接入慢",
        meeting="service_day",
        enterprise="示例企业",
        deadline="2019-06-28",
    )
    talk = office.act(
        "InterviewHeld",
        "FW-1",
        "2019-07-02",
        unit="U2",
        interviewee="主任",
        by="分管县领导",
        reason="服务日问题逾期未解决",
        item="FW-1",
    )
    scores, findings = office.ledger(**on("2019-07-03"))
    item = scores["FW-1"]
    assert (item.status, item.details["source"]) == ("overdue", "service_day")
    assert talk in item.evidence
    assert "约谈" in item.details["history"]
    assert sorted((f.kind, f.period) for f in findings) == [
        ("interview", "2019-07-02"),
        ("notify", "2019-07-01"),
    ]
    interview = next(f for f in findings if f.kind == "interview")
    assert (interview.subject, interview.label, interview.evidence) == ("U2", "单位二", (talk,))


# -- automatic items from the rules' findings ----------------------------------------


def test_a_rule_finding_opens_an_item_with_its_evidence(office: Office) -> None:
    """R05 (问责) at W30: an item R05-2019-W30-P1 issued Tuesday 07-30, the working day after its
    last evidence was recorded (Monday 07-29), due Tuesday 08-06; R04 (督办) opens none."""
    office.plan(project("P1"), rules=RULES + LOOP)
    office.reports("P1", 33, {28: YELLOW, 29: YELLOW, 30: YELLOW})
    seqs = office.flush()
    scores, findings = office.ledger(**on("2019-08-06"))
    assert sorted(scores) == ["R05-2019-W30-P1"]
    item = scores["R05-2019-W30-P1"]
    assert item.details["issued"] == "2019-07-30"
    assert item.details["deadline"] == "2019-08-06"
    assert (item.details["source"], item.details["step"]) == ("rule:R05", "accountable")
    assert {seqs["r-P1-W28"], seqs["r-P1-W29"], seqs["r-P1-W30"]} <= set(item.evidence)
    assert item.status == "open"
    # Overdue at the top of the ladder from the start: one finding, 问责.
    _, findings = office.ledger(**on("2019-08-07"))
    assert [(f.kind, f.period, f.subject) for f in findings] == [
        ("accountable", "2019-08-07", "U1")
    ]
    # Before the report of W30 was recorded, the finding and the item were not known.
    assert office.ledger(known_at=stamp("2019-07-28", 23))[0] == {}


def test_an_issued_item_following_a_finding_takes_its_evidence(office: Office) -> None:
    """A 督办单 that names R04's finding carries that finding's evidence, whatever open_on says."""
    office.plan(project("P1"), rules=RULES + LOOP)
    office.reports("P1", 30, {28: YELLOW, 29: YELLOW})
    office.stage(
        stamp("2019-07-30", 10),
        NewEvent(
            type="SupervisionItemIssued",
            stream="supervision/DB-7",
            occurred="2019-07-30",
            id="DB-7",
            data={
                "item": "DB-7",
                "unit": "U1",
                "reason": "连续2周滞后",
                "finding": "R04-2019-W29-P1",
            },
        ),
    )
    seqs = office.flush()
    item = office.ledger(**on("2019-07-31"))[0]["DB-7"]
    assert {seqs["r-P1-W28"], seqs["r-P1-W29"], seqs["DB-7"]} <= set(item.evidence)
    assert item.details["finding"] == "R04-2019-W29-P1"


def test_known_at_reproduces_the_ledger_of_that_day(office: Office) -> None:
    """An answer dated 06-11 but recorded 06-14: known at 06-13 the item was overdue and 通报;
    the later log, as of the same day, has the answer; known at 06-13 still says what it said."""
    office.plan(project("P1"), rules=RULES + MANUAL)
    office.issue()
    office.act(
        "RectificationReported", "DB-1", "2019-06-11", recorded=stamp("2019-06-14"), text="已整改"
    )
    scores, findings = office.ledger(known_at=stamp("2019-06-13", 23))
    assert scores["DB-1"].status == "overdue"
    assert [f.kind for f in findings] == ["notify"]
    scores, findings = office.ledger(**on("2019-06-13"))
    assert (scores["DB-1"].status, findings) == ("answered", [])
    office.act("SupervisionItemClosed", "DB-1", "2019-06-20")
    scores, findings = office.ledger(known_at=stamp("2019-06-13", 23))
    assert (scores["DB-1"].status, [f.kind for f in findings]) == ("overdue", ["notify"])


# -- plan and events refuse what cannot be read ---------------------------------------


def test_plan_check_names_the_field(office: Office, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    sections = build_plan_sections(office.engine.manager)
    path.write_text(HEAD + RULES + LOOP + 'rules = ["R99"]\n', encoding="utf-8")
    with pytest.raises(PlanInvalid, match=r"\[supervision_loop\].*rules: unknown rule 'R99'"):
        read_plan(path, sections, office.engine.registry)
    path.write_text(HEAD + RULES + LOOP + 'holidays = ["2019-6-7"]\n', encoding="utf-8")
    with pytest.raises(PlanInvalid, match=r"holidays.*2019-06-12"):
        read_plan(path, sections, office.engine.registry)


def test_an_event_with_a_bad_deadline_is_refused(office: Office) -> None:
    event = NewEvent(
        type="SupervisionItemIssued",
        stream="supervision/DB-1",
        data={"item": "DB-1", "unit": "U1", "reason": "x", "deadline": "6月12日"},
    )
    with pytest.raises(InvalidEvent, match="deadline"):
        office.engine.registry.encode(event)


# -- the demo year and the command line -----------------------------------------------


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    clean_environment(monkeypatch)
    db = tmp_path / "demo.db"
    assert invoke(["demo", "init", "--db", str(db)]).exit_code == 0
    return db


def test_demo_year_has_every_course_of_an_item(demo: Path) -> None:
    """Closed on time, returned and redone, overdue and escalated, and a 约谈."""
    result = invoke(
        ["replay", "--db", str(demo), "--evaluator", "supervision", "--no-save", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    records = [r for r in json.loads(result.stdout)["results"] if r["evaluator"] == "supervision"]
    items = {r["subject"]: r for r in records if r["record_type"] == "score"}
    kinds = [r["kind"] for r in records if r["record_type"] == "finding"]
    assert any(r["details"].get("on_time") == "yes" for r in items.values())
    assert any(r["details"]["returns"] != "0" and r["status"] == "closed" for r in items.values())
    assert items["DB-2019-001"]["details"]["on_time"] == "no"
    assert {"notify", "accountable", "interview"} <= set(kinds)
    assert items["DB-2019-003"]["status"] == "overdue"  # still open at the end of the year
    assert {r["details"]["source"] for r in items.values()} >= {
        "office",
        "weekly_meeting",
        "service_day",
        "rule:R05",
        "rule:R08",
    }


def test_explain_an_item_shows_its_history(demo: Path) -> None:
    """`gyengine explain DB-2019-001` as of 2019-05-23: issued, overdue and 通报; its events as evidence."""
    result = invoke(["explain", "DB-2019-001", "--db", str(demo), "--as-of", "2019-05-23"])
    assert result.exit_code == 0, result.output
    assert "状态：overdue" in result.output
    assert "2019-05-22 逾期（整改时限 2019-05-21），升级为通报" in result.output
    assert "SupervisionItemIssued supervision/DB-2019-001" in result.output
    assert "RectificationReported" not in result.output
    later = invoke(["explain", "DB-2019-001", "--db", str(demo)])
    assert "状态：closed" in later.output
    assert "InterviewHeld supervision/DB-2019-001" in later.output


ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z]{2,}")


def test_explain_speaks_the_plans_language(demo: Path) -> None:
    """A Chinese plan's explain is Chinese but for identifiers; --lang en gives frame and rationales in English."""
    zh = invoke(["explain", "P06", "--period", "2019-W23", "--db", str(demo)])
    assert zh.exit_code == 0, zh.output
    lines = zh.output.splitlines()
    assert "  评估器 projects 4（插件 projects）" in lines
    assert "  状态：黄（yellow）" in lines
    assert (
        "  依据：投资 3,573.8 万元 / 年度计划 26,000 万元 = 13.75 %，序时 25.45 %，落后 11.70 个百分点 → 黄灯"
        in lines
    )
    assert "  证据（5 个事件）：" in lines
    # Every rationale is Chinese but for the codes it names (seq, ISO periods are digits).
    for line in (line for line in lines if line.startswith("  依据：")):
        assert not ENGLISH_WORD.findall(line.replace("seq", "")), line
    en = invoke(["explain", "P06", "--period", "2019-W23", "--db", str(demo), "--lang", "en"])
    lines = en.output.splitlines()
    assert "  evaluator projects 4 (plugin projects)" in lines
    assert "  status: yellow" in lines
    assert any(line.startswith("  rationale: ") and line.endswith("→ yellow") for line in lines)
    assert "  evidence (5 events):" in lines
    milestone = invoke(["explain", "P07", "--metric", "milestone:竣工", "--db", str(demo)])
    assert "至少提前 41 天 → 提前完成" in milestone.output


def test_the_docs_walk_through_runs(demo: Path) -> None:
    """Every `gyengine record` line of docs/supervision.md appends, and the ledger says what the docs say."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "supervision.md").read_text("utf-8")
    lines = [line for line in text.splitlines() if line.startswith("gyengine record ")]
    assert len(lines) == 7
    for line in lines:
        result = invoke([*shlex.split(line)[1:], "--db", str(demo)])
        assert result.exit_code == 0, (line, result.output)
    before = invoke(["explain", "DB-2019-010", "--db", str(demo), "--as-of", "2019-06-10"])
    assert "deadline = 2019-06-13" in before.output  # 端午 (Friday 06-07) is not a working day
    returned = invoke(["explain", "DB-2019-010", "--db", str(demo), "--as-of", "2019-06-14"])
    assert "状态：returned" in returned.output
    assert "deadline = 2019-06-19" in returned.output
    assert "days_left = 3" in returned.output
    closed = invoke(["explain", "DB-2019-010", "--db", str(demo), "--as-of", "2019-06-30"])
    assert "状态：closed" in closed.output
    assert "R04" in closed.output  # the finding's rule is in the evidence
    meeting = invoke(["explain", "ZL-2019-W24-01", "--db", str(demo), "--as-of", "2019-06-25"])
    assert "状态：overdue" in meeting.output
    assert "2019-06-24 逾期（整改时限 2019-06-21），升级为通报" in meeting.output
    assert "InterviewHeld" in meeting.output
    known = invoke(["explain", "DB-2019-001", "--db", str(demo), "--known-at", "2019-05-23"])
    assert "状态：overdue" in known.output
    assert "升级为通报" in known.output


def test_an_act_on_an_unknown_item_is_flagged(office: Office) -> None:
    """A 整改反馈 quoting a number the ledger does not hold is named, on its actor, and counts nowhere."""
    office.plan(project("P1"), rules=RULES + MANUAL)
    office.issue()
    seq = office.act("RectificationReported", "DB-2", "2019-06-10", text="已整改")
    scores, findings = office.ledger(**on("2019-06-13"))
    assert scores["DB-1"].status == "overdue"
    stray = [f for f in findings if f.rule == "unknown-item"]
    assert [(f.kind, f.subject, f.period, f.evidence) for f in stray] == [
        ("warn", "U3", "2019-06-10", (seq,))
    ]
    assert "DB-2" in stray[0].rationale
