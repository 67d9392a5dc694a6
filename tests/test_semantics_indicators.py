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
from test_indicators import County, indicator, q2, stat

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
    assert "does not apply to this period" in january.rationale
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
