"""Generate demo-2019.jsonl: a SYNTHETIC year of supervision data for the Xiangcheng 2019 plan.

Nothing in the output was reported by any real unit: every figure, date and
report is invented to exercise gyengine (monthly statistics for every
indicator; weekly reports for every key project, some late, some missing, one
project lagging for weeks, one finishing early; a corrected statistic; a
retracted report; the province's energy target arriving mid-year; revitalised
assets; signed investments; funds secured; listings; enterprise problems; six
banks' monthly lending reports, one corrected, one late, one month vetoed). The
plan's own targets live in plan.toml.

Run it from the repository root::

    python events/xiangcheng-2019/generate.py            # rewrites demo-2019.jsonl
    python events/xiangcheng-2019/generate.py --check    # exit 1 if the file differs

A fixed seed makes the output byte-identical on every run and machine; a test
checks that the committed file is what this script writes.

For a province (many plans in one database, docs/province.md), ``--county N``
writes a synthetic county instead: the same plan under the id ``county-NNN``
(a top-level ``plan_id``; its header names 示例县NNN) and a year drawn with its
own seed (``--seed``, by default 2019 * 1000 + N), every stream and event id
beginning with ``county-NNN:``::

    python events/xiangcheng-2019/generate.py --county 7 --output c7.jsonl --plan-output c7.toml

``gyengine demo init --counties 100`` makes a hundred such counties in one database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "demo-2019.jsonl"
PLAN = HERE / "plan.toml"
SEED = 2019
YEAR = 2019
CST = dt.timezone(dt.timedelta(hours=8))
NOTE = "示例数据"


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment in Xiangcheng's time zone."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST)


def month_end(month: int) -> dt.date:
    first_next = dt.date(YEAR + (month == 12), month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def d2(value: Decimal | float | str) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


class Log:
    """Events with their record times; written sorted by record time.

    With a plan id, every stream, event id and superseded id is that plan's
    (``county-007:project/P01``).
    """

    def __init__(self, plan: str | None = None) -> None:
        self.items: list[tuple[dt.datetime, int, dict[str, Any]]] = []
        self.plan = plan

    def add(self, when: dt.datetime, event: dict[str, Any]) -> None:
        event = {**event, "recorded": when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
        if self.plan is not None:
            for key in ("stream", "id", "supersedes"):
                if key in event:
                    event[key] = f"{self.plan}:{event[key]}"
        self.items.append((when, len(self.items), event))

    def lines(self) -> Iterator[str]:
        for _, _, event in sorted(self.items, key=lambda item: (item[0], item[1])):
            yield json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# -- monthly statistics (统计局 and units) ----------------------------------------

MONTHLY: dict[tuple[str, str], tuple[str, list[str]]] = {
    ("I1", ""): (
        "%",
        ["7.9", "8.1", "8.3", "8.6", "8.4", "8.8", "8.7", "8.9", "8.6", "8.8", "8.9", "9.0"],
    ),
    ("I2", ""): (
        "%",
        [
            "24.1",
            "24.5",
            "24.9",
            "25.2",
            "25.6",
            "25.9",
            "26.1",
            "26.4",
            "26.5",
            "26.7",
            "26.8",
            "27.0",
        ],
    ),
    ("I3", ""): (
        "%",
        ["0.9", "1.2", "1.6", "1.9", "2.3", "2.6", "2.9", "3.1", "3.4", "3.6", "3.9", "4.1"],
    ),
    ("I4", "ICZ"): ("家", ["0", "1", "2", "3", "5", "6", "7", "8", "10", "11", "13", "14"]),
    ("I4", "CEZ"): ("家", ["0", "0", "1", "1", "2", "2", "3", "4", "4", "5", "6", "7"]),
    ("I5", "工业投资增速"): (
        "%",
        ["9.1", "8.5", "7.9", "7.6", "7.2", "7.4", "7.8", "8.1", "8.3", "8.6", "8.8", "9.0"],
    ),
    ("I5", "GDP增速"): (
        "%",
        ["7.5", "7.6", "7.6", "7.7", "7.6", "7.8", "7.7", "7.8", "7.9", "7.8", "7.9", "7.9"],
    ),
    ("I6", ""): (
        "%",
        [
            "68.2",
            "68.9",
            "69.5",
            "70.1",
            "70.4",
            "70.2",
            "70.8",
            "71.0",
            "71.3",
            "71.1",
            "71.5",
            "71.8",
        ],
    ),
    ("I7", ""): (
        "亿元",
        [
            "4.8",
            "10.9",
            "17.5",
            "24.1",
            "31.2",
            "37.9",
            "43.2",
            "49.6",
            "56.0",
            "62.5",
            "69.1",
            "76.3",
        ],
    ),
    ("I8", ""): (
        "亿元",
        [
            "7.6",
            "15.8",
            "24.9",
            "33.6",
            "42.5",
            "51.2",
            "59.9",
            "68.3",
            "77.4",
            "86.2",
            "95.6",
            "104.8",
        ],
    ),
    ("I9", ""): (
        "亿元",
        ["1.6", "3.5", "5.9", "8.1", "9.9", "11.8", "13.0", "14.1", "15.3", "16.6", "17.9", "19.4"],
    ),
    ("I10", ""): (
        "亿元",
        [
            "25.1",
            "50.8",
            "77.0",
            "103.5",
            "129.4",
            "155.9",
            "181.6",
            "207.3",
            "233.5",
            "259.1",
            "285.6",
            "312.4",
        ],
    ),
}
ACTOR_OF = {"I7": "集聚区管委会", "I8": "集聚区管委会", "I9": "循环区管委会", "I10": "循环区管委会"}
# The 同比 growth the plan sets beside each park's amounts (25 %, 35 %, 13 %, 11 %): the
# bureau's cumulative year-on-year rate for each month. Reported at 16:00 of the statistics
# day, drawing nothing from the random generator, so the rest of the year is unchanged.
GROWTH = {  # indicator: twelve monthly rates in %
    "I7-增速": [
        "18.5",
        "20.1",
        "21.4",
        "22.8",
        "23.5",
        "24.2",
        "24.6",
        "25.1",
        "25.3",
        "25.6",
        "25.8",
        "26.0",
    ],
    "I8-增速": [
        "28.0",
        "29.5",
        "30.2",
        "31.0",
        "31.8",
        "32.5",
        "33.1",
        "33.6",
        "34.2",
        "34.8",
        "35.1",
        "35.4",
    ],
    "I9-增速": [
        "9.8",
        "10.5",
        "11.2",
        "11.9",
        "12.4",
        "12.8",
        "13.1",
        "13.3",
        "13.2",
        "13.5",
        "13.6",
        "13.8",
    ],
    "I10-增速": [
        "8.1",
        "8.6",
        "9.0",
        "9.4",
        "9.9",
        "10.2",
        "10.5",
        "10.7",
        "10.9",
        "11.0",
        "11.2",
        "11.3",
    ],
}
QUARTERLY = {  # indicator: (unit, actor, {month: value})
    "K4-项目库": ("个", "科工信局", {3: "69", 6: "72", 9: "75", 12: "78"}),
    "K6-科技计划项目": ("项", "科工信局", {3: "1", 6: "4", 9: "7", 12: "11"}),
    "K6-研究中心": ("家", "科工信局", {6: "1", 11: "2"}),
}


def statistics(log: Log, rng: random.Random) -> None:
    log.add(
        at(dt.date(2019, 1, 18)),
        {
            "id": "stat-I2-2018",
            "type": "StatisticReported",
            "stream": "indicator/I2",
            "occurred": "2018",
            "actor": "统计局",
            "data": {"indicator": "I2", "value": "23.6", "unit": "%"},
        },
    )
    for month in range(1, 13):
        period = f"{YEAR}-{month:02d}"
        # The bureau reports around the 8th-12th of the next month; the due day is the 10th.
        report_day = month_end(month) + dt.timedelta(days=rng.choice([8, 9, 9, 10, 10, 11, 12]))
        for (indicator, part), (unit, values) in MONTHLY.items():
            suffix = f"-{part}" if part else ""
            log.add(
                at(report_day, 9, rng.randrange(0, 60)),
                {
                    "id": f"stat-{indicator}{suffix}-{period}",
                    "type": "StatisticReported",
                    "stream": f"indicator/{indicator}",
                    "occurred": period,
                    "actor": ACTOR_OF.get(indicator, "统计局"),
                    "data": {
                        "indicator": indicator,
                        "value": values[month - 1],
                        "unit": unit,
                        "part": part,
                    },
                },
            )
        for indicator, rates in GROWTH.items():
            log.add(
                at(report_day, 16),
                {
                    "id": f"stat-{indicator}-{period}",
                    "type": "StatisticReported",
                    "stream": f"indicator/{indicator}",
                    "occurred": period,
                    "actor": "统计局",
                    "data": {"indicator": indicator, "value": rates[month - 1], "unit": "%"},
                },
            )
        for indicator, (unit, actor, values) in QUARTERLY.items():
            if month in values:
                log.add(
                    at(report_day, 15),
                    {
                        "id": f"stat-{indicator}-{period}",
                        "type": "StatisticReported",
                        "stream": f"indicator/{indicator}",
                        "occurred": period,
                        "actor": actor,
                        "data": {"indicator": indicator, "value": values[month], "unit": unit},
                    },
                )
    # A corrected statistic: May's ICZ investment was overstated by 1 亿元.
    log.add(
        at(dt.date(2019, 6, 20), 16),
        {
            "id": "stat-I7-2019-05-corrected",
            "type": "StatisticReported",
            "stream": "indicator/I7",
            "occurred": "2019-05",
            "actor": "统计局",
            "supersedes": "stat-I7-2019-05",
            "data": {"indicator": "I7", "value": "30.2", "unit": "亿元"},
        },
    )
    # A correction after the June bulletin was issued (2019-07-10): the bureau revises
    # June's ICZ revenue on 2019-08-05. The June bulletin "as known at" 2019-07-10 must
    # still show 51.2; known at the year's end it shows 49.6.
    log.add(
        at(dt.date(2019, 8, 5), 10),
        {
            "id": "stat-I8-2019-06-corrected",
            "type": "StatisticReported",
            "stream": "indicator/I8",
            "occurred": "2019-06",
            "actor": "统计局",
            "supersedes": "stat-I8-2019-06",
            "data": {"indicator": "I8", "value": "49.6", "unit": "亿元"},
        },
    )
    # The province's energy target arrives mid-year.
    log.add(
        at(dt.date(2019, 7, 15), 11),
        {
            "id": "target-I3-province",
            "type": "TargetSet",
            "stream": "indicator/I3",
            "occurred": "2019",
            "actor": "发改委",
            "data": {"indicator": "I3", "target": "3.8 %", "source": f"河南省下达（{NOTE}）"},
        },
    )


# -- milestones, funds, assets, investments, listings --------------------------------

CERAMICS = ("2019-08-30", "2019-09-27", "2019-09-27", "2019-10-25", "2019-11-15", "2019-11-29")
CERAMICS += ("2019-11-29",)  # the 7 ceramics plants' ultra-low-emission works, as each is done
MEETINGS = [  # 招商引资月例会: (month, the day it met), one a month
    (1, "2019-01-29"),
    (2, "2019-02-26"),
    (3, "2019-03-28"),
    (4, "2019-04-25"),
    (5, "2019-05-29"),
    (6, "2019-06-27"),
    (7, "2019-07-30"),
    (8, "2019-08-29"),
    (9, "2019-09-26"),
    (10, "2019-10-29"),
    (11, "2019-11-28"),
    (12, "2019-12-26"),
]
MILESTONES = [  # (indicator, milestone, date, actor)
    ("K1-区中园规划", "硅材料产业园", "2019-03-28", "发改委"),
    ("K1-区中园规划", "光伏产业园", "2019-04-25", "发改委"),
    ("K1-区中园规划", "煤基化工新材料产业园", "2019-05-30", "发改委"),
    ("K1-区中园规划", "服装制鞋产业园", "2019-06-27", "发改委"),
    ("K1-区中园规划", "智能装备科技园", "2019-07-30", "发改委"),
    ("K1-区中园规划", "精细化工产业园", "2019-08-29", "发改委"),
    ("K1-区中园规划", "炭素产业园", "2019-09-26", "发改委"),
    ("K1-区中园规划", "食品工业产业园", "2019-10-30", "发改委"),
    ("K1-区中园规划", "军民融合产业园", "2019-11-28", "发改委"),
    ("K1-区中园规划", "新能源汽车产业园", "2019-12-26", "发改委"),
    ("K2-村庄搬迁", "坡刘村搬迁", "2019-10-18", "紫云镇"),
    ("K2-村庄搬迁", "方庄村搬迁", "2019-12-20", "紫云镇"),
    ("K2-22万伏变电站", "22万伏变电站规划", "2019-06-14", "供电公司"),
    ("K2-11万伏变电站", "第一座11万伏变电站规划", "2019-06-14", "供电公司"),
    ("K2-11万伏变电站", "第二座11万伏变电站规划", "2019-10-24", "供电公司"),
    ("K2-供水", "水厂扩容完成", "2019-09-20", "循环区管委会"),
    ("K2-静脉产业园", "静脉产业园设计完成", "2019-11-15", "循环区管委会"),
    ("K2-循环区道路", "开源路提升", "2019-07-12", "循环区管委会"),
    ("K2-循环区道路", "丹霞路提升", "2019-09-27", "循环区管委会"),
    ("K2-循环区道路", "道路亮化工程", "2019-11-22", "循环区管委会"),
    ("K2-循环区服务中心", "综合服务中心主体完工", "2019-12-13", "循环区管委会"),
    ("K2-集聚区道路", "文明路东延", "2019-08-16", "集聚区管委会"),
    ("K2-集聚区道路", "汝河路北延", "2019-12-27", "集聚区管委会"),
    ("K2-集聚区变电站", "侯庄变电站开工", "2019-05-17", "供电公司"),
    ("K2-集聚区变电站", "十里铺变电站开工", "2019-10-11", "供电公司"),
    ("K2-污水处理厂三期", "前期审批完成", "2019-11-08", "集聚区管委会"),
    ("K2-襄业路污水管道", "管道贯通", "2019-10-25", "集聚区管委会"),
    ("K2-绿化亮化", "首山大道", "2019-06-21", "集聚区管委会"),
    ("K2-绿化亮化", "襄业路", "2019-09-13", "集聚区管委会"),
    ("K2-绿化亮化", "阿里山路", "2019-11-29", "集聚区管委会"),
    ("K2-公租房", "公租房全面完工", "2019-12-16", "集聚区管委会"),
    ("K2-产业投资基金", "产业投资基金设立", "2019-09-06", "发投公司"),
    ("K4-智能化改造事项", "万杰智能智能化车间", "2019-05-24", "科工信局"),
    ("K4-智能化改造事项", "首山化工智能化工厂", "2019-08-23", "科工信局"),
    ("K4-智能化改造事项", "平煤隆基智能化车间", "2019-09-20", "科工信局"),
    ("K4-智能化改造事项", "天源光伏智能化工厂", "2019-11-15", "科工信局"),
    ("K4-智能化改造事项", "舒莱信息化智能化融合改造", "2019-12-20", "科工信局"),
    (
        "K4-首山化工烟道气治理",
        "首山化工焦炉烟道气脱硫脱硝除尘及余热回收工程",
        "2019-07-26",
        "科工信局",
    ),
    *(
        ("K4-陶瓷厂超低排放", f"示例陶瓷厂{n}", day, "科工信局")
        for n, day in enumerate(CERAMICS, start=1)
    ),
    *(
        ("K4-建材企业低排放", f"示例建材企业{n}", day, "科工信局")
        for n, day in enumerate(("2019-09-20", "2019-10-30", "2019-11-22", "2019-12-20"), start=1)
    ),  # the fifth firm is not done by the year's end
    ("K4-技术改造专项资金企业", "硅烷科技", "2019-03-22", "科工信局"),
    ("K4-技术改造专项资金企业", "天戈电力", "2019-08-16", "科工信局"),
    ("K4-技术改造专项资金企业", "瑞翔鞋业", "2019-12-13", "科工信局"),
    ("K5-盘活项目", "气凝胶项目盘活首瑞橡胶", "2019-04-19", "循环区管委会"),
    ("K5-盘活项目", "针状焦项目和环己酮项目盘活宏源焦化", "2019-06-14", "循环区管委会"),
    ("K5-盘活项目", "番茄酱项目盘活鼎举电力", "2019-08-09", "集聚区管委会"),
    ("K5-盘活项目", "胡萝卜深加工项目盘活世强光电", "2019-09-20", "集聚区管委会"),
    ("K5-引入新项目盘活", "万隆发饰", "2019-10-25", "集聚区管委会"),
    ("K5-引入新项目盘活", "中力新能源", "2019-11-29", "集聚区管委会"),
    ("K6-硅材料基地", "国家级硅材料特色产业基地获批", "2019-12-18", "循环区管委会"),
    ("K6-高新技术企业", "长江高压", "2019-06-12", "科工信局"),
    ("K6-高新技术企业", "许昌开炭", "2019-06-12", "科工信局"),
    ("K6-高新技术企业", "许智电力", "2019-09-10", "科工信局"),
    ("K6-高新技术企业", "金鹏电力", "2019-10-15", "科工信局"),
    ("K6-英才团队", "许昌英才计划团队（示例一）", "2019-07-19", "人才办"),
    ("K6-英才团队", "许昌英才计划团队（示例二）", "2019-11-22", "人才办"),
    ("K6-省级重大专项", "万杰智能省级重大专项申报", "2019-04-26", "科工信局"),
    ("K6-星创天地", "星创天地申报", "2019-10-18", "科工信局"),
    ("K6-新型研发机构", "硅烷科技", "2019-05-31", "科工信局"),
    ("K6-新型研发机构", "平煤隆基", "2019-08-30", "科工信局"),
    ("K6-新型研发机构", "万杰智能", "2019-11-29", "科工信局"),
    ("K6-知识产权优势企业", "平煤隆基", "2019-09-27", "市场监管局"),
    ("K6-知识产权优势企业", "硅烷科技", "2019-12-06", "市场监管局"),
    ("S2-上市辅导备案", "万杰公司证监会上市辅导备案", "2019-11-05", "金融局"),
    ("S2-政银企洽谈会", "2019年政银企洽谈会", "2019-05-16", "金融局"),
    ("S2-融资增信机制", "助保贷", "2019-06-20", "金融局"),
    ("S2-融资增信机制", "续贷周转金", "2019-08-22", "金融局"),
    # Added with the rest of the plan's items (issue 11); appended, so the ids above and the
    # record minutes they draw are unchanged (minutes are reused, nothing more is drawn).
    ("K7-春节前邀请回襄", "现场观摩", "2019-01-26", "商务局"),
    ("K7-春节前邀请回襄", "座谈会", "2019-01-26", "商务局"),
    *(("K7-招商引资月例会", f"{month}月例会", day, "商务局") for month, day in MEETINGS),
    ("S1-企业沙龙", "2019年第一期企业沙龙", "2019-04-18", "科工信局"),
    ("S1-审批改革", "“最多跑一次”改革", "2019-05-30", "发改委"),
    ("S1-审批改革", "“多证合一”改革", "2019-07-25", "发改委"),
    ("S1-审批改革", "模拟审批、联审联批、容缺审批相结合", "2019-09-26", "发改委"),
    ("S3-企业家一对一培训", "一企一策专项培训计划", "2019-06-20", "人才办"),
    ("S3-职业技能培训", "紧缺高技能人才专题培训", "2019-08-15", "人才办"),
    ("S3-人才培养基地", "区域研发人才和应用型人才培养基地", "2019-12-12", "人才办"),
    ("K2-电力线路整体规划", "园区电力线路整体规划", "2019-08-23", "供电公司"),
    ("K2-电力线路整体规划", "申请上级资金", "2019-11-15", "循环区管委会"),
    ("K2-集聚区企业服务平台", "企业服务平台运行", "2019-07-26", "集聚区管委会"),
    ("K2-循环区企业服务平台", "企业服务平台运行", "2019-09-27", "循环区管委会"),
    ("K6-商标品牌培育基地", "省产业集群商标品牌培育基地申报", "2019-08-28", "市场监管局"),
    ("K6-专利导航实验区", "聘请服务机构", "2019-04-12", "市场监管局"),
    ("K6-专利导航实验区", "硅材料产业专利导航", "2019-09-12", "市场监管局"),
    ("K6-专利导航实验区", "太阳能装备制造产业专利导航", "2019-11-21", "市场监管局"),
]
FUNDS = [  # programme, 万元, date, enterprise
    ("技术改造", "500", "2019-03-22", "硅烷科技"),
    ("智能化改造", "800", "2019-04-19", "万杰智能"),
    ("绿色化改造", "600", "2019-05-24", "首山化工"),
    ("智能化改造", "1200", "2019-07-19", "平煤隆基"),
    ("技术改造", "1000", "2019-08-16", "天戈电力"),
    ("绿色化改造", "900", "2019-09-20", "示例陶瓷企业"),
    ("智能化改造", "1300", "2019-10-18", "天源光伏"),
    ("绿色化改造", "700", "2019-11-22", "示例建材企业"),
    ("技术改造", "600", "2019-12-13", "瑞翔鞋业"),
]
ASSETS = [  # kind, area, date, enterprise, park, project
    ("厂房", "1.8 万m²", "2019-04-19", "首瑞橡胶", "CEZ", "气凝胶项目"),
    ("土地", "120 亩", "2019-04-19", "首瑞橡胶", "CEZ", "气凝胶项目"),
    ("厂房", "3.2 万m²", "2019-06-14", "宏源焦化", "CEZ", "针状焦项目、环己酮项目"),
    ("土地", "150 亩", "2019-06-14", "宏源焦化", "CEZ", "针状焦项目、环己酮项目"),
    ("厂房", "1.5 万m²", "2019-08-09", "鼎举电力", "ICZ", "番茄酱项目"),
    ("土地", "90 亩", "2019-08-09", "鼎举电力", "ICZ", "番茄酱项目"),
    ("厂房", "1.2 万m²", "2019-09-20", "世强光电", "ICZ", "胡萝卜深加工项目"),
    ("土地", "110 亩", "2019-09-20", "世强光电", "ICZ", "胡萝卜深加工项目"),
    ("厂房", "0.9 万m²", "2019-10-25", "万隆发饰", "ICZ", "示例新入驻项目"),
    ("土地", "80 亩", "2019-10-25", "万隆发饰", "ICZ", "示例新入驻项目"),
    ("厂房", "1.1 万m²", "2019-11-29", "中力新能源", "ICZ", "示例新入驻项目"),
    ("土地", "60 亩", "2019-11-29", "中力新能源", "ICZ", "示例新入驻项目"),
]


MINUTES = 57
"""How many record minutes the milestones draw: as many as the first demo had milestones,
so that adding milestones leaves every later draw (and so the rest of the year) unchanged."""


def one_offs(log: Log, rng: random.Random) -> None:
    minutes = [rng.randrange(60) for _ in range(MINUTES)]
    for n, (indicator, milestone, day, actor) in enumerate(MILESTONES, start=1):
        date = dt.date.fromisoformat(day)
        log.add(
            at(date + dt.timedelta(days=1), 11, minutes[(n - 1) % MINUTES]),
            {
                "id": f"milestone-{n:03d}",
                "type": "MilestoneReached",
                "stream": f"indicator/{indicator}",
                "occurred": day,
                "actor": actor,
                "data": {"indicator": indicator, "milestone": milestone, "date": day, "note": NOTE},
            },
        )
    for n, (programme, amount, day, enterprise) in enumerate(FUNDS, start=1):
        log.add(
            at(dt.date.fromisoformat(day), 15),
            {
                "id": f"funds-{n:03d}",
                "type": "FundsSecured",
                "stream": f"funds/{programme}",
                "occurred": day,
                "actor": "科工信局",
                "data": {
                    "programme": programme,
                    "amount": f"{amount} 万元",
                    "enterprise": enterprise,
                    "source": f"省级专项资金（{NOTE}）",
                },
            },
        )
    for n, (kind, area, day, enterprise, park, project) in enumerate(ASSETS, start=1):
        log.add(
            at(dt.date.fromisoformat(day), 16),
            {
                "id": f"asset-{n:03d}",
                "type": "AssetRevitalised",
                "stream": f"assets/{park}",
                "occurred": day,
                "actor": "循环区管委会" if park == "CEZ" else "集聚区管委会",
                "data": {
                    "kind": kind,
                    "area": area,
                    "enterprise": enterprise,
                    "park": park,
                    "project": project,
                },
            },
        )
    signings = [("ICZ", "示例·光伏新材料项目", "12 亿元", "2019-05-17")]
    icz_amounts = [
        "3.5",
        "2.8",
        "0.6",
        "4.2",
        "1.5",
        "2.2",
        "0.8",
        "3.1",
        "1.2",
        "2.6",
        "0.5",
        "1.8",
        "2.4",
        "0.9",
        "3.3",
        "1.1",
        "0.7",
        "2.0",
        "1.6",
        "0.4",
        "2.9",
    ]
    for n, amount in enumerate(icz_amounts, start=1):
        month = 1 + (n * 11) // len(icz_amounts)
        day = dt.date(YEAR, month, min(28, 3 + n))
        signings.append(
            ("ICZ", f"示例·产业集聚区招商项目{n:02d}", f"{amount} 亿元", day.isoformat())
        )
    for n, (amount, month) in enumerate(
        [("6.5", 3), ("4.0", 5), ("15", 8), ("7.5", 9), ("3.0", 11), ("5.0", 12)], start=1
    ):
        signings.append(
            (
                "CEZ",
                f"示例·循环区招商项目{n:02d}",
                f"{amount} 亿元",
                dt.date(YEAR, month, 12 + n).isoformat(),
            )
        )
    for n, (park, project, amount, day) in enumerate(signings, start=1):
        log.add(
            at(dt.date.fromisoformat(day), 17),
            {
                "id": f"signing-{n:03d}",
                "type": "InvestmentSigned",
                "stream": f"investment/{park}",
                "occurred": day,
                "actor": "商务局",
                "data": {
                    "park": park,
                    "project": project,
                    "amount": amount,
                    "investor": f"示例投资方{n:02d}",
                },
            },
        )
    for n in range(1, 19):
        day = dt.date(YEAR, 2 + (n * 10) // 19, min(28, 2 * n))
        log.add(
            at(day, 14),
            {
                "id": f"listing-{n:03d}",
                "type": "EnterpriseListed",
                "stream": "listings",
                "occurred": day.isoformat(),
                "actor": "金融局",
                "data": {"enterprise": f"示例挂牌企业{n:02d}", "board": "中原股权交易中心"},
            },
        )


# -- weekly project reports (周汇总) ------------------------------------------------

# (id, annual plan 亿元, planned start, completion, production); must match plan.toml
PROJECTS = {
    "P01": ("9.0", "2019-03-01", "2020-06-30", ""),
    "P02": ("7.0", "2019-04-01", "2020-09-30", ""),
    "P03": ("4.0", "2019-02-15", "2019-10-31", "2019-11-30"),
    "P04": ("5.0", "2019-03-01", "2019-11-30", "2019-12-31"),
    "P05": ("3.4", "2019-03-15", "2019-09-30", "2019-10-31"),
    "P06": ("2.6", "2019-04-01", "2019-11-30", "2019-12-31"),
    "P07": ("2.4", "2019-02-20", "2019-08-31", "2019-09-30"),
    "P08": ("2.0", "2019-05-01", "2020-05-31", ""),
    "P09": ("18.0", "2019-03-01", "2020-03-31", ""),
    "P10": ("7.5", "2019-04-01", "2020-06-30", ""),
    "P11": ("6.0", "2019-02-25", "2019-09-30", "2019-10-31"),
    "P12": ("5.6", "2019-03-10", "2019-10-31", "2019-11-30"),
    "P13": ("5.2", "2019-03-01", "2019-11-30", "2019-12-31"),
    "P14": ("4.8", "2019-04-01", "2019-12-15", "2019-12-31"),
    "P15": ("4.6", "2019-03-20", "2019-10-31", "2019-11-30"),
    "P16": ("4.3", "2019-04-10", "2019-11-30", "2019-12-31"),
    "P17": ("4.0", "2019-03-05", "2019-09-30", "2019-10-31"),
    "P18": ("4.84", "2019-05-01", "2019-12-20", "2019-12-31"),
    "P19": ("4.0", "2019-03-15", "2019-10-31", "2019-11-30"),
    # 重大前期项目: no 2019 investment plan; they report weekly on their preliminary work.
    "P20": ("0", "", "", ""),
    "P21": ("0", "", "", ""),
    "P22": ("0", "", "", ""),
    "P23": ("0", "", "", ""),
    "P24": ("0", "", "", ""),
}
# 推进计划 (亿元 a month), must match the monthly_plan of plan.toml
MONTHLY_PLANS = {
    "P01": ["0", "0", "0.5", "0.7", "0.9", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0", "0.9"],
    "P03": ["0", "0.2", "0.4", "0.5", "0.5", "0.6", "0.6", "0.5", "0.4", "0.3", "0", "0"],
    "P09": ["0", "0", "1.0", "1.5", "2.0", "2.0", "2.0", "2.0", "2.0", "2.0", "2.0", "1.5"],
    "P14": ["0", "0", "0", "0.3", "0.5", "0.6", "0.6", "0.7", "0.7", "0.6", "0.5", "0.3"],
}
UNIT_OF = {
    f"P{n:02d}": ("循环区管委会" if n <= 8 or n in (21, 22, 23) else "集聚区管委会")
    for n in range(1, 25)
}
LAGGING = "P06"  # falls far behind from week 14 to week 30
EARLY = "P07"  # finishes (竣工) in July, six weeks early
LATE_START = "P11"  # starts two weeks after its planned date
SILENT = ("P15", (30, 31))  # no report for two weeks (无故拖延)
RETRACTED = ("P12", 20)  # a report withdrawn the next day, then sent again


def planned_share(project: str, start: str, day: dt.date) -> Decimal:
    """The share of the annual plan a project means to have invested by ``day``.

    Its monthly plan, spread evenly over each month's days; else a straight line
    from its actual start (开工) to the year's end: nothing before it starts.
    """
    if project in MONTHLY_PLANS:
        months = [Decimal(v) for v in MONTHLY_PLANS[project]]
        total = sum(months, Decimal(0))
        done = sum(months[: day.month - 1], Decimal(0))
        days = month_end(day.month).day
        return (done + months[day.month - 1] * Decimal(day.day) / Decimal(days)) / total
    begin = dt.date.fromisoformat(start) if start else dt.date(YEAR, 1, 1)
    if day < begin:
        return Decimal(0)
    return Decimal((day - begin).days + 1) / Decimal((dt.date(YEAR, 12, 31) - begin).days + 1)


def share_done(project: str, start: str, week: int, rng: random.Random) -> Decimal:
    """The share of the annual plan invested by the end of ``week`` (0..1)."""
    sunday = dt.date.fromisocalendar(YEAR, week, 7)
    planned = planned_share(project, start, sunday)
    if project == EARLY:
        begin = dt.date.fromisoformat(start)
        planned = min(Decimal(1), Decimal(max(0, (sunday - begin).days + 1)) / Decimal(150))
    # Most projects keep to their plan or run a little ahead of it (0.97..1.10 of it).
    factor = Decimal(str(rng.uniform(0.93, 1.06))) + Decimal("0.04")
    if project == LAGGING and 14 <= week <= 30:
        factor = Decimal("0.45") + Decimal(week - 14) * Decimal("0.01")
    elif project == LAGGING and week > 30:
        factor = Decimal("0.62") + Decimal(week - 30) * Decimal("0.015")
    return min(Decimal("1.02"), planned * factor)


NEXT_MILESTONE = {"开工": "开工建设", "竣工": "竣工验收", "投产": "投产"}


def next_plan(
    project: str, week: int, plan_dates: dict[str, str], reached: dict[str, str], share: Decimal
) -> str:
    """The unit's 下周计划 for ``week``: from the project's stage, drawing nothing at random."""
    following = dt.date.fromisocalendar(YEAR, week, 7) + dt.timedelta(days=7)
    for name, day in plan_dates.items():
        if day and name not in reached and dt.date.fromisoformat(day) <= following:
            return f"计划下周{NEXT_MILESTONE[name]}（{NOTE}）"
    if project == LAGGING and 14 <= week <= 30:
        return f"协调解决征地手续，加快基础施工（{NOTE}）"
    if "投产" in reached:
        return f"稳定生产，达产达效（{NOTE}）"
    if "竣工" in reached:
        return f"设备调试，准备投产（{NOTE}）"
    if "开工" not in reached:
        return f"办理施工许可等开工前手续（{NOTE}）"
    if share < Decimal("0.5"):
        return f"推进主体工程施工（{NOTE}）"
    if share < Decimal("0.85"):
        return f"设备采购及安装（{NOTE}）"
    return f"收尾施工，准备竣工验收（{NOTE}）"


def project_reports(log: Log, rng: random.Random) -> None:
    for project, (annual, start, completion, production) in PROJECTS.items():
        annual_wan = Decimal(annual) * 10000
        actor = UNIT_OF[project]
        reached: dict[str, str] = {}
        plan_dates = {"开工": start, "竣工": completion, "投产": production}
        if project == EARLY:
            plan_dates = {"开工": start, "竣工": "2019-07-19", "投产": "2019-08-20"}
        if project == LATE_START:
            plan_dates["开工"] = "2019-03-11"
        last = Decimal(0)
        for week in range(1, 53):
            monday = dt.date.fromisocalendar(YEAR, week, 1)
            sunday = monday + dt.timedelta(days=6)
            if project == SILENT[0] and week in SILENT[1]:
                continue
            invested = max(
                last,
                (annual_wan * share_done(project, plan_dates["开工"], week, rng)).quantize(
                    Decimal("0.1")
                ),
            )
            last = invested
            milestone = None
            for name, day in plan_dates.items():
                if day and name not in reached and dt.date.fromisoformat(day) <= sunday:
                    reached[name] = day
                    milestone = name
                    break
            # Due on Tuesday (Sunday + 2); most arrive on Monday, some late on Thursday.
            roll = rng.random()
            when = at(sunday + dt.timedelta(days=1), 17, rng.randrange(60))
            if roll < 0.05 or (project == LAGGING and week in (18, 19)):
                when = at(sunday + dt.timedelta(days=4), 10, rng.randrange(60))
            period = f"{YEAR}-W{week:02d}"
            event_id = f"report-{project}-{period}"
            data: dict[str, Any] = {
                "project": project,
                "invested_to_date": str(invested),
                "note": NOTE,
            }
            if milestone:
                data["milestone"] = milestone
            if project == LAGGING and 14 <= week <= 30:
                data["note"] = f"征地手续未完成，施工进度滞后（{NOTE}）"
            if annual_wan == 0:
                data["note"] = f"前期手续办理、项目对接中（{NOTE}）"
                data["next_plan"] = f"继续办理前期手续，对接投资方（{NOTE}）"
            else:
                data["next_plan"] = next_plan(
                    project, week, plan_dates, reached, invested / annual_wan
                )
            if (project, week) == RETRACTED:
                wrong = {**data, "invested_to_date": str(invested * 10), "note": f"误报（{NOTE}）"}
                log.add(
                    when,
                    {
                        "id": f"{event_id}-wrong",
                        "type": "ProjectProgressReported",
                        "stream": f"project/{project}",
                        "occurred": period,
                        "actor": actor,
                        "data": wrong,
                    },
                )
                log.add(
                    when + dt.timedelta(hours=15),
                    {
                        "id": f"{event_id}-retraction",
                        "type": "EventRetracted",
                        "stream": f"project/{project}",
                        "occurred": period,
                        "actor": actor,
                        "supersedes": f"{event_id}-wrong",
                        "data": {"reason": "投资额多填一位，撤回重报"},
                    },
                )
                when = when + dt.timedelta(hours=16)
            log.add(
                when,
                {
                    "id": event_id,
                    "type": "ProjectProgressReported",
                    "stream": f"project/{project}",
                    "occurred": period,
                    "actor": actor,
                    "data": data,
                },
            )


# -- monthly bank reports (保障措施二：每月考核各银行) ---------------------------------

# id: (loans at year start 万元, deposits 万元, yearly loan growth, monthly new loans 万元,
#      industrial increment 万元, inclusive increment 万元, renewal share, matchmaking
#      signed per month 万元, share disbursed); must match the [[bank]] items of plan.toml
BANKS: dict[str, tuple[int, int, str, int, int, int, str, int, str]] = {
    "ABC": (420000, 780000, "0.09", 9000, 1500, 900, "0.25", 3000, "0.80"),
    "ICBC": (300000, 520000, "0.07", 7000, 2200, 600, "0.15", 2500, "0.85"),
    "CCB": (350000, 600000, "0.08", 7500, 1200, 700, "0.20", 2800, "0.75"),
    "BOC": (150000, 330000, "0.04", 3000, 300, 250, "0.08", 1200, "0.60"),
    "PSBC": (120000, 420000, "0.10", 3500, 200, 900, "0.12", 1000, "0.70"),
    "XCRCB": (500000, 800000, "0.12", 12000, 1800, 1500, "0.35", 4000, "0.90"),
}
BANK_TARGETS = [  # bank, new-loan quota for the period (万元), period; BOC has the card's default
    ("ABC", "96000", "2019"),  # a year's quota, gated month by month against its 序时 share
    ("ICBC", "72000", "2019"),
    ("CCB", "78000", "2019"),
    ("PSBC", "42000", "2019"),
    ("XCRCB", "120000", "2019"),
    ("XCRCB", "72000", "2019-H2"),  # raised for the second half: the shorter period wins
]
BANK_LATE = ("PSBC", 9)  # September's report arrives on 16 October (due the 10th)
BANK_CORRECTED = ("ICBC", 4)  # April's industrial increment first sent a digit short
BANK_VETO = ("CCB", 7, "拒不配合银企对接工作，未按要求参加对接活动（示例）")


def wan(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} 万元"


def banks(log: Log, rng: random.Random) -> None:
    """Each bank's monthly report around the 8th of the next month, targets, a correction, a veto."""
    for n, (bank, target, period) in enumerate(BANK_TARGETS, start=1):
        log.add(
            at(dt.date(2019, 1, 18) if period == "2019" else dt.date(2019, 6, 28), 15, n),
            {
                "id": f"bank-target-{bank}-new_loans-{period}",
                "type": "BankTargetSet",
                "stream": f"bank/{bank}",
                "occurred": period,
                "actor": "金融局",
                "data": {
                    "bank": bank,
                    "criterion": "new_loans",
                    "target": f"{target} 万元",
                    "period": period,
                    "source": f"县金融工作局分解下达（{NOTE}）",
                },
            },
        )
    for bank, profile in BANKS.items():
        start, deposits, growth, new, industrial, inclusive, renewal, signed, fulfil = profile
        for month in range(1, 13):
            noise = Decimal(str(rng.uniform(0.8, 1.2)))
            balance = Decimal(start) * (1 + Decimal(growth) * month / 12 * noise)
            low = -0.8 if bank == "BOC" else 0.3  # BOC's industrial loans shrink some months
            figures = {
                "loan_balance": balance,
                "deposits": Decimal(deposits)
                * (1 + Decimal("0.06") * month / 12)
                * Decimal(str(rng.uniform(0.98, 1.02))),
                "new_loans": Decimal(new) * Decimal(str(rng.uniform(0.7, 1.3))),
                "industrial_increment": Decimal(industrial) * Decimal(str(rng.uniform(low, 1.7))),
                "inclusive_loans": Decimal(inclusive) * Decimal(str(rng.uniform(0.6, 1.4))),
                "balance_at_year_start": Decimal(start),
            }
            maturing = Decimal(start) * Decimal(str(rng.uniform(0.015, 0.03)))
            figures["maturing_loans"] = maturing
            figures["renewals_without_repayment"] = (
                maturing * Decimal(renewal) * Decimal(str(rng.uniform(0.7, 1.3)))
            )
            signed_to_date = Decimal(signed) * month * Decimal(str(rng.uniform(0.9, 1.1)))
            figures["matchmaking_signed"] = signed_to_date
            figures["matchmaking_disbursed"] = min(
                signed_to_date,
                signed_to_date * Decimal(fulfil) * Decimal(str(rng.uniform(0.9, 1.1))),
            )
            data: dict[str, Any] = {"bank": bank, **{k: wan(v) for k, v in figures.items()}}
            period = f"{YEAR}-{month:02d}"
            event_id = f"bank-{bank}-{period}"
            day = month_end(month) + dt.timedelta(days=rng.choice([6, 7, 8, 8, 9]))
            if (bank, month) == BANK_LATE:
                day = month_end(month) + dt.timedelta(days=16)
            event = {
                "id": event_id,
                "type": "BankMonthlyReported",
                "stream": f"bank/{bank}",
                "occurred": period,
                "actor": bank,
                "data": data,
            }
            if (bank, month) == BANK_CORRECTED:
                right = data["industrial_increment"]
                wrong = wan(Decimal(right.split()[0]) / 10)
                log.add(
                    at(day, 16, rng.randrange(60)),
                    {
                        **event,
                        "data": {**data, "industrial_increment": wrong},
                        "id": f"{event_id}-wrong",
                    },
                )
                log.add(
                    # corrected the next morning, still before the due day (the 10th)
                    at(day + dt.timedelta(days=1), 11),
                    {**event, "id": event_id, "supersedes": f"{event_id}-wrong"},
                )
                continue
            log.add(at(day, 16, rng.randrange(60)), event)
    bank, month, reason = BANK_VETO
    log.add(
        at(month_end(month) + dt.timedelta(days=12), 10),
        {
            "id": f"bank-veto-{bank}-{YEAR}-{month:02d}",
            "type": "BankVetoed",
            "stream": f"bank/{bank}",
            "occurred": f"{YEAR}-{month:02d}",
            "actor": "金融局",
            "data": {"bank": bank, "period": f"{YEAR}-{month:02d}", "reason": reason},
        },
    )


PROBLEMS = [  # id, subject, owner, raised, deadline, resolved (or None), description, where
    (
        "Q01",
        "P01",
        "循环区管委会",
        "2019-03-12",
        "2019-04-30",
        "2019-04-25",
        "环己酮项目环评批复滞后",
        "周例会",
    ),
    (
        "Q02",
        "P09",
        "供电公司",
        "2019-04-09",
        "2019-06-30",
        "2019-07-15",
        "平煤隆基二期用电增容",
        "周例会",
    ),
    (
        "Q03",
        "P06",
        "循环区管委会",
        "2019-04-16",
        "2019-06-15",
        "2019-08-20",
        "精细化工中间体项目征地手续",
        "周例会",
    ),
    (
        "Q04",
        "示例·鞋业企业",
        "住建局",
        "2019-05-21",
        "2019-09-30",
        None,
        "企业厂房产权证办理遗留问题",
        "企业服务日",
    ),
    (
        "Q05",
        "P04",
        "集聚区管委会",
        "2019-06-18",
        "2019-07-31",
        "2019-07-10",
        "气凝胶项目厂房改造审批",
        "周例会",
    ),
    (
        "Q06",
        "示例·食品企业",
        "科工信局",
        "2019-09-17",
        "2019-11-30",
        "2019-11-12",
        "企业技改资金申报指导",
        "企业服务日",
    ),
]


def problems(log: Log) -> None:
    for problem, subject, owner, raised, deadline, resolved, text, where in PROBLEMS:
        log.add(
            at(dt.date.fromisoformat(raised), 18),
            {
                "id": f"problem-{problem}",
                "type": "ProblemRaised",
                "stream": f"problem/{problem}",
                "occurred": raised,
                "actor": "转型办",
                "data": {
                    "problem": problem,
                    "subject": subject,
                    "owner": owner,
                    "deadline": deadline,
                    "description": f"{text}（{NOTE}）",
                    "raised_at": where,
                },
            },
        )
        if resolved:
            log.add(
                at(dt.date.fromisoformat(resolved), 18),
                {
                    "id": f"problem-{problem}-resolved",
                    "type": "ProblemResolved",
                    "stream": f"problem/{problem}",
                    "occurred": resolved,
                    "actor": owner,
                    "data": {"problem": problem, "resolution": f"已解决（{NOTE}）"},
                },
            )


# -- justifications and a false report (表彰奖励与问责) ---------------------------------

EXCUSES = [  # project, weeks or (from, to), reason, approved on
    ("P06", ("2019-W18", "2019-W19"), "征地手续待省自然资源厅批复，非项目单位原因", "2019-05-14"),
    ("P15", ("2019-W30",), "厂区停电检修、网络中断，周报无法报送", "2019-08-01"),
]  # P15's week 31 stays unexcused (无故拖延)
FALSE_REPORT = ("循环区管委会", "2019-Q3", "P07", "2019-W29", "2019-10-15")


def rulings(log: Log) -> None:
    """Justifications the office accepted, and one false report it found (一票否决)."""
    for n, (project, weeks, reason, day) in enumerate(EXCUSES, start=1):
        span: dict[str, Any] = (
            {"from_week": weeks[0], "to_week": weeks[1]} if len(weeks) == 2 else {"weeks": weeks}
        )
        log.add(
            at(dt.date.fromisoformat(day), 16),
            {
                "id": f"excuse-{n:03d}",
                "type": "ReportExcused",
                "stream": f"project/{project}",
                "occurred": day,
                "actor": "转型办",
                "data": {
                    "project": project,
                    "reason": f"{reason}（{NOTE}）",
                    "approved_by": "转型办",
                    **span,
                },
            },
        )
    unit, period, project, week, day = FALSE_REPORT
    log.add(
        at(dt.date.fromisoformat(day), 16),
        {
            "id": "false-report-001",
            "type": "FalseReportFound",
            "stream": f"unit/{unit}",
            "occurred": day,
            "actor": "转型办",
            "data": {
                "subject": unit,
                "period": period,
                "reason": f"{project} 报第{int(week[-2:])}周竣工，经核查主体工程未通过竣工验收（{NOTE}）",
                "report_ids": [f"report-{project}-{week}"],
            },
        },
    )


def declare_synthetic(log: Log) -> None:
    log.add(
        at(dt.date(2019, 1, 2), 9, 30),
        {
            "id": "synthetic-data",
            "type": "SyntheticDataDeclared",
            "stream": "office/data",
            "actor": "gyengine",
            "data": {
                "note": "本数据集中的报送数据均为合成的演示数据，仅方案目标取自方案原文。"
                " All reports in this dataset are synthetic demonstration data; only the "
                "plan's targets are taken from the plan text."
            },
        },
    )


def cadences(log: Log) -> None:
    for n, (event_type, cadence, days) in enumerate(
        [("ProjectProgressReported", "week", 2), ("StatisticReported", "month", 10)], start=1
    ):
        log.add(
            at(dt.date(2019, 1, 10), 9, n),
            {
                "id": f"cadence-{n}",
                "type": "ReportingCadenceDeclared",
                "stream": "office/cadence",
                "actor": "转型办",
                "data": {"event_type": event_type, "cadence": cadence, "grace_days": days},
            },
        )


# -- the supervision loop (督办闭环) --------------------------------------------------
# Appended after the rest of the year and drawing nothing from the random sequence, so
# every event above keeps its content and id. Items numbered R05-/R08-... are the ones
# the plan's 问责 rules open automatically ([supervision_loop] open_on); DB- items are
# 督办单 the office issued by hand (following a rule's 督办 finding), ZL- an item of the
# 周例会 and FW- an enterprise's problem from a 企业服务日.

LOOP_ISSUED = [  # item, unit, reason, finding followed, day issued, deadline set by hand
    (
        "DB-2019-001",
        "集聚区管委会",
        "P13 服装制鞋产业园标准化厂房连续两周进度滞后，限期整改并报送赶工计划",
        "R04-2019-W19-P13",
        "2019-05-14",
        "",
    ),
    (
        "DB-2019-002",
        "科工信局",
        "争取上级智能化改造资金连续两个月黄灯，限期报送申报计划",
        "R07-2019-06-K4-智能化资金",
        "2019-07-12",
        "",
    ),
    (
        "DB-2019-003",
        "商务局",
        "循环经济产业集聚区招商连续两个月黄灯，限期报送在谈项目清单及落地计划",
        "R07-2019-11-K7-循环区招商",
        "2019-12-27",
        "",
    ),
]
LOOP_MEETINGS = [  # item, unit, reason, meeting, enterprise, day, deadline
    (
        "ZL-2019-W41-01",
        "住建局",
        "文明路东延征迁遗留问题，周例会议定限期解决",
        "weekly_meeting",
        "",
        "2019-10-09",
        "2019-10-18",
    ),
    (
        "FW-2019-11-01",
        "住建局",
        "企业服务日反映天然气管网未接入厂区",
        "service_day",
        "瑞翔鞋业",
        "2019-11-15",
        "",
    ),
]
LOOP_ACTS = [  # item, act, day, text
    ("R08-2019-02-I7-增速", "answer", "2019-03-18", "已召开重点项目推进会，分解一季度投资任务"),
    ("R08-2019-02-I7-增速", "close", "2019-03-19", "整改措施到位，同意销号"),
    ("R08-2019-02-I8-增速", "answer", "2019-03-19", "已约谈主营业务收入下降企业"),
    ("R08-2019-02-I8-增速", "return", "2019-03-21", "措施不具体，缺少分月目标和责任人"),
    ("R08-2019-02-I8-增速", "answer", "2019-03-27", "已补充分月目标、责任人和帮扶措施"),
    ("R08-2019-02-I8-增速", "close", "2019-03-28", "补充材料齐全，同意销号"),
    ("R05-2019-W11-P11", "answer", "2019-03-25", "已调整施工组织，增加作业班组"),
    ("R05-2019-W11-P11", "close", "2019-03-27", "经现场核查，同意销号"),
    ("R05-2019-W16-P06", "answer", "2019-04-26", "征地手续已报省厅，同步开展场平"),
    ("R05-2019-W16-P06", "close", "2019-04-30", "同意销号"),
    ("DB-2019-001", "interview", "2019-05-30", "督办事项逾期两次未反馈"),
    ("DB-2019-001", "answer", "2019-06-03", "已报送赶工计划，增加两台塔吊"),
    ("DB-2019-001", "close", "2019-06-05", "经现场核查，同意销号"),
    ("R08-2019-05-I5", "answer", "2019-06-14", "已梳理工业投资在建项目，加快入库"),
    ("R08-2019-05-I5", "close", "2019-06-18", "同意销号"),
    ("DB-2019-002", "answer", "2019-07-18", "已报送下半年智能化改造资金申报计划"),
    ("DB-2019-002", "close", "2019-07-22", "同意销号"),
    ("R05-2019-W27-P19", "answer", "2019-07-24", "已更换施工单位项目经理，倒排工期"),
    ("R05-2019-W27-P19", "close", "2019-07-26", "逾期整改，予以销号，逾期情况计入季考评"),
    ("R05-2019-W34-P19", "answer", "2019-09-05", "已落实周调度，进度追赶"),
    ("R05-2019-W34-P19", "close", "2019-09-10", "同意销号"),
    ("R08-2019-08-K4-绿色化资金", "answer", "2019-09-06", "已组织三家企业申报省绿色化改造专项"),
    ("R08-2019-08-K4-绿色化资金", "close", "2019-09-11", "同意销号"),
    ("R05-2019-W38-P11", "answer", "2019-09-27", "组件生产线设备已到场，安装调试中"),
    ("R05-2019-W38-P11", "close", "2019-10-08", "同意销号"),
    ("R05-2019-W40-P18", "answer", "2019-10-11", "已协调设备供应商加快交货"),
    ("R05-2019-W40-P18", "return", "2019-10-15", "未提供供货合同和到货时间，整改不到位"),
    ("R05-2019-W40-P18", "answer", "2019-10-21", "已补充供货合同，设备10月底前到货"),
    ("R05-2019-W40-P18", "close", "2019-10-23", "同意销号"),
    ("ZL-2019-W41-01", "answer", "2019-10-17", "征迁遗留问题已签订补偿协议"),
    ("ZL-2019-W41-01", "close", "2019-10-18", "同意销号"),
    ("FW-2019-11-01", "answer", "2019-11-21", "已与燃气公司对接，正在设计"),
    ("FW-2019-11-01", "return", "2019-11-25", "未附燃气公司接入协议和完成时间"),
    ("FW-2019-11-01", "answer", "2019-11-29", "已签订接入协议，12月底前通气"),
    ("FW-2019-11-01", "close", "2019-12-03", "同意销号"),
]
LOOP_UNITS = {
    **{item: unit for item, unit, *_ in LOOP_ISSUED},
    **{item: unit for item, unit, *_ in LOOP_MEETINGS},
    "R08-2019-02-I7-增速": "集聚区管委会",
    "R08-2019-02-I8-增速": "集聚区管委会",
    "R05-2019-W11-P11": "集聚区管委会",
    "R05-2019-W16-P06": "循环区管委会",
    "R08-2019-05-I5": "发改委",
    "R05-2019-W27-P19": "集聚区管委会",
    "R05-2019-W34-P19": "集聚区管委会",
    "R08-2019-08-K4-绿色化资金": "科工信局",
    "R05-2019-W38-P11": "集聚区管委会",
    "R05-2019-W40-P18": "集聚区管委会",
}


def _loop_event(kind: str, item: str, day: str, actor: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"supervision-{item}-{kind}-{day}",
        "type": kind,
        "stream": f"supervision/{item}",
        "occurred": day,
        "actor": actor,
        "data": {"item": item, **data} if kind != "InterviewHeld" else data,
    }


def supervision_loop(log: Log) -> None:
    """督办单, meeting items, 整改反馈, 销号, 退回 and a 约谈 (items closed on time, returned
    and redone, overdue and escalated)."""
    for item, unit, reason, finding, day, deadline in LOOP_ISSUED:
        data = {
            "unit": unit,
            "reason": f"{reason}（{NOTE}）",
            "finding": finding,
            "deadline": deadline,
        }
        log.add(
            at(dt.date.fromisoformat(day), 17),
            _loop_event("SupervisionItemIssued", item, day, "转型办", data),
        )
    for item, unit, reason, meeting, enterprise, day, deadline in LOOP_MEETINGS:
        data = {
            "unit": unit,
            "reason": f"{reason}（{NOTE}）",
            "meeting": meeting,
            "enterprise": enterprise,
            "deadline": deadline,
        }
        log.add(
            at(dt.date.fromisoformat(day), 17),
            _loop_event("MeetingItemAgreed", item, day, "转型办", data),
        )
    for item, act, day, text in LOOP_ACTS:
        unit, when = LOOP_UNITS[item], at(dt.date.fromisoformat(day), 17, 30)
        if act == "answer":
            event = _loop_event(
                "RectificationReported",
                item,
                day,
                unit,
                {
                    "text": f"{text}（{NOTE}）",
                    "actions": [text],
                    "attachments": [f"{item}整改报告.pdf"],
                },
            )
        elif act == "close":
            event = _loop_event("SupervisionItemClosed", item, day, "转型办", {"remark": text})
        elif act == "return":
            event = _loop_event("SupervisionItemReturned", item, day, "转型办", {"reason": text})
        else:
            event = _loop_event(
                "InterviewHeld",
                item,
                day,
                "转型办",
                {
                    "unit": unit,
                    "interviewee": "主任",
                    "by": "分管工业副县长",
                    "reason": f"{text}（{NOTE}）",
                    "item": item,
                    "outcome": "表态一周内完成整改",
                },
            )
        log.add(when, event)


def generate(seed: int = SEED, plan: str | None = None) -> str:
    """The year's events as JSON Lines (``plan``: a county's, see :func:`county`)."""
    rng = random.Random(seed)
    log = Log(plan)
    declare_synthetic(log)
    cadences(log)
    statistics(log, rng)
    one_offs(log, rng)
    project_reports(log, rng)
    banks(log, rng)
    problems(log)
    rulings(log)
    supervision_loop(log)
    return "".join(line + "\n" for line in log.lines())


def county_id(number: int) -> str:
    """The plan id of synthetic county ``number``: ``county-007``."""
    return f"county-{number:03d}"


def county_plan(number: int) -> str:
    """The plan file of synthetic county ``number``: this plan, under its own id and name."""
    plan_id, name = county_id(number), f"示例{number:03d}县"
    lines = [f'plan_id = "{plan_id}"', ""]
    header = False
    for line in PLAN.read_text("utf-8").splitlines():
        if line.startswith("["):
            header = line.strip() == "[plan]"
        elif header and line.startswith("id = "):
            line = f'id = "{plan_id}"'
        elif header and line.startswith("county = "):
            line = f'county = "{name}"'
        elif header and line.startswith("title = "):
            line = line.replace("襄城县", name)
        lines.append(line)
    return "\n".join(lines) + "\n"


def county(number: int, seed: int | None = None) -> tuple[str, str, str]:
    """``(plan id, plan file text, events as JSON Lines)`` of synthetic county ``number``."""
    plan_id = county_id(number)
    events = generate(SEED * 1000 + number if seed is None else seed, plan_id)
    return plan_id, county_plan(number), events


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file differs")
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--county", type=int, help="a synthetic county's year (plan county-NNN)")
    parser.add_argument("--seed", type=int, help="with --county: its random seed")
    parser.add_argument("--plan-output", type=Path, help="with --county: write its plan file here")
    args = parser.parse_args(argv)
    if args.county is not None:
        if args.check or args.output is None:
            parser.error("--county writes a new county: give --output (and --plan-output)")
        plan_id, plan_text, text = county(args.county, args.seed)
        if args.plan_output is not None:
            args.plan_output.write_text(plan_text, "utf-8")
        args.output.write_text(text, "utf-8")
        print(f"wrote {text.count(chr(10))} events of plan {plan_id} to {args.output}")
        return 0
    if args.seed is not None or args.plan_output is not None:
        parser.error("--seed and --plan-output go with --county")
    args.output = args.output or OUTPUT
    text = generate()
    if args.check:
        same = args.output.exists() and args.output.read_text("utf-8") == text
        print("up to date" if same else f"{args.output} differs from what generate.py writes")
        return 0 if same else 1
    args.output.write_text(text, "utf-8")
    print(f"wrote {text.count(chr(10))} events to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
