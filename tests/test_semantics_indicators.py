"""Scores a county office would sign (issue 11): each rule with a figure computed by hand.

The seed sentence each test proves is quoted in its docstring or comment
(方案 = 襄城县2019年推进工业高质量发展实施方案).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

import gyengine
from gyengine import Finding, Score
from gyengine.datasets import load_dataset
from gyengine.plugins import build_datasets, build_plan_sections
from test_indicators import County, indicator, milestone, q2, stat

D = Decimal


@pytest.fixture
def county(tmp_path: Path) -> Iterator[County]:
    """A fresh test county (the indicator tests' plan head) in its own database."""
    made = County(tmp_path)
    yield made
    made.engine.close()


# -- 8. a target applies from when it was set ---------------------------------------------

REVISED = {
    "unit": "亿元",
    "shape": "cumulative",
    "target": "12 亿元",
    "schedule": "month",
    "weight": 10,
}


def test_a_revision_does_not_rejudge_the_months_before_it(county: County) -> None:
    """A target cut from 12 to 9 亿元 in force from July leaves January judged against 12."""
    county.plan(indicator("R", **REVISED))
    county.add(stat("R", "2019-01", "0.5", "亿元"), stat("R", "2019-07", "5.6", "亿元"))
    county.at("2019-07-20T02:00:00")
    revision = {"effective": dt.date(2019, 7, 1), "target": "9 亿元", "text": "年中调整"}
    county.plan(indicator("R", **REVISED, revisions=[revision]))
    results = county.replay("2019-07-31")
    january, july = results("R", "2019-01"), results("R", "2019-07")
    # January: 0.5 of 12 亿元 = 4.17 %, 序时 1/12 = 8.33 %: 4.17 pp behind, watch.
    assert january.target == D(12)
    assert january.details["completion_pct"] == str(q2(D("0.5") / 12 * 100)) == "4.17"
    assert january.status == "watch"
    assert "不适用于本期" in january.rationale
    # July: 5.6 of 9 亿元 = 62.22 %, 序时 7/12 = 58.33 %: ahead, green.
    assert july.target == D(9)
    assert july.details["completion_pct"] == str(q2(D("5.6") / 9 * 100)) == "62.22"
    assert july.status == "green"
    # Known before the revision was recorded, July is judged against 12: 46.67 %, 11.67 behind.
    before = county.replay("2019-07-31", known_at="2019-07-19")("R", "2019-07")
    assert before.target == D(12)
    assert before.status == "yellow"


def test_a_retroactive_revision_applies_from_the_start(county: County) -> None:
    """A revision marked retroactive corrects the plan: January is judged against 9 亿元 too."""
    revision = {"effective": dt.date(2019, 7, 1), "target": "9 亿元", "retroactive": True}
    county.plan(indicator("R", **REVISED, revisions=[revision]))
    county.add(stat("R", "2019-01", "0.5", "亿元"))
    january = county.replay("2019-01-31")("R", "2019-01")
    assert january.target == D(9)
    assert january.details["completion_pct"] == str(q2(D("0.5") / 9 * 100)) == "5.56"


def test_a_target_set_with_an_effective_day(county: County) -> None:
    """A TargetSet recorded in July but effective from 1 April applies to April, not to March."""
    county.plan(indicator("I3", unit="%", shape="external"))
    county.add(stat("I3", "2019-03", "1.6", "%"), stat("I3", "2019-04", "1.9", "%"))
    county.at("2019-07-15T03:00:00")
    county.add(
        gyengine.NewEvent(
            type="TargetSet",
            stream="indicator/I3",
            occurred="2019",
            data={"indicator": "I3", "target": "3.8 %", "effective": "2019-04-01"},
        )
    )
    results = county.replay("2019-04-30")
    assert results("I3", "2019-03").status == "pending"
    april = results("I3", "2019-04")
    assert april.details["gap_pp"] == "1.90"  # 3.8 − 1.9
    assert april.status == "yellow"


# -- 4. work led by two parks is split by park ----------------------------------------------


def test_a_park_committee_answers_only_for_its_own_park(county: County) -> None:
    """K2 is led by both 管委会: a CEZ item counts for 循环区管委会, never for 集聚区管委会."""
    county.plan(
        indicator(
            "K2-CEZ",
            unit="亿元",
            shape="threshold",
            target="10 亿元",
            park="CEZ",
            weight=4,
            responsible=["循环区管委会", "集聚区管委会", "科工信局"],
            lead=["循环区管委会", "集聚区管委会"],
        )
    )
    county.add(stat("K2-CEZ", "2019-06", "5", "亿元"))
    results = county.replay("2019-06-30")
    # 5 of 10 亿元 = 50 %: 4 × 0.5 = 2 points; 循环区管委会 leads: 2 / 4 = 50 %.
    assert results("循环区管委会", "2019-06", "indicator_score").value == D(50)
    assert ("集聚区管委会", "2019-06", "indicator_score") not in results.scores
    assert results("科工信局", "2019-06", "indicator_score").points == D("1.00")  # 2 × 0.5


# -- 3. a roll-up counts only what is due by the month judged ------------------------------
#
# An item with nothing due yet scores green with its full weight (nothing is expected of
# it): counted, it would put a unit first with 100 points for work not yet due. The
# roll-up lists it as 未到考核节点 instead, and the unit's score and item count leave it out.

# 方案：申报“许昌英才计划”创新创业人才团队不少于2个 (年底前): nothing is due before 31 December.
TEAMS = {
    "unit": "个",
    "shape": "cumulative",
    "target": "2 个",
    "schedule": "nodes",
    "nodes": {"2019-12-31": "2 个"},
    "weight": 2,
}
# 方案：全县规上工业增加值增速8.5%以上: a rate, judged every month.
GROWTH = {"unit": "%", "shape": "threshold", "target": "8.5 %", "weight": 15}


def test_a_not_yet_due_item_is_listed_not_scored(county: County) -> None:
    """One item not due (英才团队, 年底前) and one due (增速 8.5 %): exactly the due item's score, 1 item."""
    county.plan(indicator("G", **GROWTH), indicator("T", **TEAMS))
    county.add(stat("G", "2019-01", "7.9", "%"), stat("T", "2019-01", "0", "个"))
    results = county.replay("2019-01-31")
    # T: 0 of 2 with 序时 0 → green with its 2 points: what would have made 100 out of nothing.
    assert (results("T", "2019-01").status, results("T", "2019-01").points) == ("green", D(2))
    # G: 8.5 − 7.9 = 0.6 pp behind: 15 × (1 − 0.6 / 3) = 12 points; 12 / 15 = 80.00 %
    # (counting T too it would be (12 + 2) / (15 + 2) = 82.35 %).
    score = results("科工信局", "2019-01", "indicator_score")
    assert score.value == q2(D(12) / 15 * 100) == D(80)
    assert score.points == D(12)
    assert score.details == {"kind": "unit", "indicators": "1", "not_due": "1"}
    assert "未到考核节点 1 项（T），不计分" in score.rationale


def test_a_rate_counts_every_month(county: County) -> None:
    """方案：全县规上工业增加值增速8.5%以上 — a rate is judged from January: 9.0 % is 15 / 15."""
    county.plan(indicator("G", **GROWTH))
    county.add(stat("G", "2019-01", "9.0", "%"))
    score = county.replay("2019-01-31")("科工信局", "2019-01", "indicator_score")
    assert (score.value, score.details) == (D(100), {"kind": "unit", "indicators": "1"})


def test_a_nodes_item_counts_from_its_first_node(county: County) -> None:
    """「2019年完成10个区中园的规划编制」with nodes 4 by 30 June and 10 by December: due from June."""
    nodes = {"2019-06-30": "4 个", "2019-12-31": "10 个"}
    county.plan(
        indicator("Z", unit="个", shape="cumulative", target="10 个", schedule="nodes", nodes=nodes)
    )
    county.add(stat("Z", "2019-05", "0", "个"), stat("Z", "2019-06", "1", "个"))
    may = county.replay("2019-05-31")("科工信局", "2019-05", "indicator_score")
    # May: nothing due (the first node is 30 June): no score, listed as 未到考核节点.
    assert (may.value, may.status) == (None, "pending")
    assert may.details == {"kind": "unit", "indicators": "0", "not_due": "1"}
    # Mid-June the first node has not come yet either: judged on 15 June, still not due.
    mid = county.replay("2019-06-15")("科工信局", "2019-06", "indicator_score")
    assert mid.value is None
    # June: 1 of the 4 due, completion 1 / 10 = 10 %, 序时 4 / 10 = 40 %:
    # 10 × 10 / 40 = 2.5 points; 2.5 / 10 = 25.00 %.
    june = county.replay("2019-06-30")("科工信局", "2019-06", "indicator_score")
    assert june.value == q2(D(10) * (D(10) / 40) / 10 * 100) == D(25)
    assert june.details == {"kind": "unit", "indicators": "1"}


def test_a_cumulative_item_counts_once_its_schedule_expects_anything(county: County) -> None:
    """序时 0 in January and February (an assumed curve): the item counts from March."""
    curve = [D(v) for v in ("0", "0", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9")]
    curve += [D("0.95"), D(1)]
    county.plan(
        indicator(
            "F",
            unit="亿元",
            shape="cumulative",
            target="10 亿元",
            schedule="curve",
            curve=curve,
            weight=3,
        )
    )
    county.add(stat("F", "2019-02", "0.5", "亿元"), stat("F", "2019-03", "1", "亿元"))
    results = county.replay("2019-03-31")
    february = results("科工信局", "2019-02", "indicator_score")
    assert (february.value, february.details["not_due"]) == (None, "1")
    # March: 1 of 10 亿元 = 10 %, 序时 20 %: 3 × 10 / 20 = 1.5 points; 1.5 / 3 = 50.00 %.
    march = results("科工信局", "2019-03", "indicator_score")
    assert march.value == q2(D("1.5") / 3 * 100) == D(50)
    assert march.details["indicators"] == "1"


def test_a_milestone_counts_from_its_deadline(county: County) -> None:
    """方案：年底完成紫云镇坡刘、方庄2个行政村搬迁 — a milestone counts once its deadline is reached.

    M1 (deadline 30 June) is reached on 10 April, early; M2 (deadline 31 May) is not
    reached. Reached early, M1 is still not counted before its deadline: a quarter is
    not commended for work that is not yet due.
    """
    county.plan(
        indicator("M1", unit="项", shape="milestone", deadline=dt.date(2019, 6, 30), weight=2),
        indicator("M2", unit="项", shape="milestone", deadline=dt.date(2019, 5, 31), weight=2),
    )
    county.add(milestone("M1", "完成", "2019-04-10"))
    results = county.replay("2019-06-30")
    april = results("科工信局", "2019-04", "indicator_score")
    assert (april.value, april.details["not_due"]) == (None, "2")
    # May: M2 is overdue (red, 0 of 2 points); M1 is not due: 0 / 2 = 0.00 %, 1 item.
    may = results("科工信局", "2019-05", "indicator_score")
    assert (may.value, may.details) == (D(0), {"kind": "unit", "indicators": "1", "not_due": "1"})
    # June: M1 reached by its deadline (2 of 2), M2 still red: 2 / 4 = 50.00 %, 2 items.
    june = results("科工信局", "2019-06", "indicator_score")
    assert (june.value, june.details) == (D(50), {"kind": "unit", "indicators": "2"})


# -- the demo year -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[gyengine.Engine]:
    """The bundled Xiangcheng plan and demo year in one database."""
    manager = gyengine.get_plugin_manager()
    path = tmp_path_factory.mktemp("semantics") / "demo.db"
    engine = gyengine.Engine(gyengine.SQLiteEventStore(path, create=True), manager)
    dataset = build_datasets(manager)["xiangcheng-2019"]
    load_dataset(engine.store, engine.registry, build_plan_sections(manager), dataset)
    yield engine
    engine.close()


def _quarterly(replay: gyengine.Replay, quarter: str) -> dict[str, Score]:
    return {
        item.record.subject: item.record
        for item in replay.records
        if item.evaluator == "quarterly"
        and isinstance(item.record, Score)
        and item.record.metric == "quarterly_score"
        and item.record.period == quarter
    }


def test_replaying_the_year_does_not_change_the_second_quarter(demo: gyengine.Engine) -> None:
    """The Q2 bulletin's scores are the full-year replay's (科工信局 was 72.53 and 68.53 before)."""
    june = _quarterly(demo.replay(as_of="2019-06-30", save=False), "2019-Q2")
    year = _quarterly(demo.replay(save=False), "2019-Q2")
    assert {u: s.value for u, s in june.items()} == {u: s.value for u, s in year.items()}
    assert june["科工信局"].value == year["科工信局"].value


def test_no_annual_target_is_commended_mid_year(demo: gyengine.Engine) -> None:
    """方案：全县规上工业增加值增速8.5%以上 — I1 at 8.8 % in June is not yet "完成全年目标"."""
    june = demo.replay(as_of="2019-06-30", save=False)
    commended = [
        item.record
        for item in june.records
        if isinstance(item.record, Finding) and item.record.rule == "R09"
    ]
    assert commended == []
    year = demo.replay(save=False)
    december = [
        item.record
        for item in year.records
        if isinstance(item.record, Finding) and item.record.rule == "R09"
    ]
    assert december
    assert {f.period for f in december} == {"2019-12"}


def test_the_improvement_target_in_the_demo(demo: gyengine.Engine) -> None:
    """方案：战略性新兴产业增加值占工业增加值比重提高3个百分点 — January 24.1 % on 23.6 %: 16.67 %."""
    [january] = demo.replay(as_of="2019-01-31", evaluators=["indicators"], save=False).find(
        "I2", "completion", "2019-01"
    )
    # (24.1 − 23.6) / 3 × 100 = 16.67 %, not 24.1 / 26.6 = 90.60 %.
    assert january.record.details["completion_pct"] == "16.67"
    assert january.record.points == q2(D(10) * D("0.5") / 3)  # 1.67


def test_the_growth_targets_are_targets(demo: gyengine.Engine) -> None:
    """方案：同比增长25%、35%、13%、11% — each a target judged in points: June 24.2 % against 25 % is 0.8 behind."""
    replay = demo.replay(as_of="2019-06-30", evaluators=["indicators"], save=False)
    targets = {}
    for name in ("I7-增速", "I8-增速", "I9-增速", "I10-增速"):
        [june] = replay.find(name, "completion", "2019-06")
        targets[name] = june.record.target
    assert targets == {"I7-增速": 25, "I8-增速": 35, "I9-增速": 13, "I10-增速": 11}
    [i7] = replay.find("I7-增速", "completion", "2019-06")
    assert (i7.record.details["gap_pp"], i7.record.status) == ("0.80", "watch")


def test_findings_land_on_units_and_data_sources_are_not_ranked(demo: gyengine.Engine) -> None:
    """No finding's subject is a county leader; 统计局 and 国网供电公司 are neither ranked nor commended."""
    replay = demo.replay(save=False)
    units = {e.data.id for e in demo.events(types=["UnitDefined"])}
    banks = {e.data.id for e in demo.events(types=["BankDefined"])}
    subjects = {
        item.record.subject
        for item in replay.records
        if isinstance(item.record, Finding) and item.evaluator in ("rules", "quarterly")
    }
    assert subjects <= units | banks
    reported = [
        item.record
        for item in replay.records
        if isinstance(item.record, Finding) and "report_to" in item.record.parameters
    ]
    assert reported
    assert all("报分管县领导" in f.rationale for f in reported)
    ranked = {
        item.record.subject
        for item in replay.records
        if item.evaluator == "quarterly" and isinstance(item.record, Score)
    }
    assert not ranked & {"统计局", "供电公司", "转型办", "各乡镇", "招商重点单位"}


def test_each_park_answers_for_its_own_k2_items(demo: gyengine.Engine) -> None:
    """方案 K2 责任单位：循环经济产业集聚区管委会、产业集聚区管委会牵头 — 7 ICZ items for one, 8 CEZ items for the other."""
    # In the fourth quarter every K2 item has fallen due (年底前), so each is judged: a
    # task item counts in the quarter it falls due, not before.
    q2_scores = _quarterly(demo.replay(as_of="2019-12-31", save=False), "2019-Q4")
    # ICZ: 集聚区道路, 集聚区变电站, 污水处理厂三期, 襄业路污水管道, 绿化亮化, 酒店写字楼, 公租房,
    # 集聚区企业服务平台 (「推动两个园区…企业服务平台」, one item per park) = 8. Not
    # K6-商标品牌培育基地: its first unit, 市场监管局, answers for it.
    assert "/8 个牵头任务节点" in q2_scores["集聚区管委会"].rationale
    # CEZ: 村庄搬迁, 22万伏变电站, 11万伏变电站 (方案 lists the 220 kV and 110 kV stations
    # apart), 供水, 静脉产业园, 第二污水处理厂, 循环区道路, 循环区服务中心 = 8 K2 items; plus
    # K6-硅材料基地 (K6's lead 人才办 is not responsible for it: its first unit answers) and
    # K5-引入新项目盘活 (K5 has no lead; 循环经济产业集聚区管委会 comes first in the seed's
    # 责任单位 of 盘活) = 10; plus K2-电力线路整体规划 and K2-循环区企业服务平台 = 12. None of
    # the 8 ICZ items is among them.
    assert "/12 个牵头任务节点" in q2_scores["循环区管委会"].rationale
    # 发投公司 answers for the industry fund, which no park is responsible for.
    assert "1/1 个牵头任务节点" in q2_scores["发投公司"].rationale


def test_a_unit_with_nothing_due_is_not_first_in_the_second_quarter(demo: gyengine.Engine) -> None:
    """人才办 answers for K6-英才团队 (年底前) and the three S3 talent items (deadline 31 December).

    Nothing of them is due in June: its roll-up has no score, so the Q2 evaluation does
    not rank it first with 100 points (it was, on 英才团队 alone, before).
    """
    replay = demo.replay(as_of="2019-06-30", save=False)
    [june] = [
        item.record
        for item in replay.find("人才办", "indicator_score", "2019-06")
        if isinstance(item.record, Score)
    ]
    assert (june.value, june.status) == (None, "pending")
    assert june.details["not_due"] == "4"
    assert "K6-英才团队" in june.rationale
    assert "人才办" not in _quarterly(replay, "2019-Q2")
