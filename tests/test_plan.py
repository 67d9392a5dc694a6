"""Plans as data: `gyengine plan check` and `plan load` on small TOML plans, and another county's plan."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import gyengine
from gyengine.cli import cli

REAL_PLAN = Path(__file__).resolve().parent.parent / "events" / "xiangcheng-2019" / "plan.toml"

# A made-up county with its own year: nothing in gyengine knows 青石县 or 2020.
QINGSHI = """\
[plan]
id = "qingshi-2020"
title = "青石县2020年工业发展工作方案（测试用，虚构）"
county = "青石县"
year = 2020
status_profile = "ratio"
co_weight = "0.25"

[[unit]]
id = "经信局"
name = "县经济和信息化局"

[[unit]]
id = "发改局"
name = "县发展和改革局"

[[unit]]
id = "园区管委会"
name = "青石产业园管委会"
kind = "committee"

[[park]]
id = "QSP"
name = "青石产业园"
committee = "园区管委会"

[[task]]
id = "T1"
title = "园区建设"
group = "重点工作"
responsible = ["园区管委会", "发改局"]
lead = ["园区管委会"]

[[indicator]]
id = "Q1"
name = "规上工业增加值增速"
unit = "%"
shape = "threshold"
target = "7 %"
responsible = ["经信局", "发改局"]
weight = 20

[[indicator]]
id = "Q2"
name = "园区固定资产投资"
unit = "万元"
shape = "cumulative"
target = "12000 万元"
schedule = "month"
park = "QSP"
responsible = ["园区管委会", "发改局"]
weight = 30

[[indicator]]
id = "Q3"
name = "园区污水处理厂投运"
unit = "座"
shape = "milestone"
deadline = 2020-09-30
park = "QSP"
task = "T1"
responsible = ["园区管委会"]
weight = 10
"""


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the test decides the database and plugins, not the caller's environment."""
    for name in ("GYENGINE_DB", "GYENGINE_PLUGINS_DIR"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str) -> Result:
    """Run the CLI in-process; unexpected exceptions propagate instead of hiding in the result."""
    return CliRunner().invoke(cli, list(args), prog_name="gyengine", catch_exceptions=False)


def write(tmp_path: Path, text: str, name: str = "plan.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the ``nth`` line of ``text`` that contains ``needle``."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(found) >= nth, f"{needle!r} occurs {len(found)} times"
    return found[nth - 1]


def errors(result: Result) -> list[str]:
    """The problem lines of a failed command (click prefixes the first with ``Error: ``)."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.output.removeprefix("Error: ").rstrip("\n").splitlines()


def check(tmp_path: Path, text: str) -> tuple[Path, list[str]]:
    path = write(tmp_path, text)
    return path, errors(run("plan", "check", str(path)))


# -- plan check: the happy paths ----------------------------------------------------


def test_small_plan_checks(tmp_path: Path) -> None:
    """A valid plan passes and the summary counts the items of each section."""
    path = write(tmp_path, QINGSHI)
    result = run("plan", "check", str(path))
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"{path}: ok (3 [indicator], 1 [park], 1 [plan], 1 [task], 3 [unit])\n"
    )


def test_real_plan_checks() -> None:
    """The bundled Xiangcheng 2019 plan passes `plan check` with all its sections."""
    text = REAL_PLAN.read_text(encoding="utf-8")
    result = run("plan", "check", str(REAL_PLAN))
    assert result.exit_code == 0, result.output
    summary = result.output.split("ok", 1)[1]
    counts = {name: int(n) for n, name in re.findall(r"(\d+) \[(\w+)\]", summary)}
    for section in ("indicator", "unit", "park", "task"):
        assert counts[section] == text.count(f"\n[[{section}]]\n"), section
    assert counts["plan"] == 1
    assert counts["supervision"] == 1
    assert counts["indicator"] >= 10  # the ten 主要指标 at least
    # Counted by hand: 59 items, then 12 more of the seed's checkable items (issue 11):
    # K2 电力线路整体规划 and 企业服务平台 (one per park: 2), K6 商标品牌培育基地 and 专利导航实验区,
    # K7 春节前邀请回襄 and 招商引资月例会, S1 企业沙龙 and 审批改革, S3's three talent items.
    assert counts["indicator"] == 59 + 2 + 1 + 2 + 2 + 2 + 3  # = 71
    assert counts["unit"] == 20  # every 责任单位 the seed names
    assert counts["park"] == 2  # 产业集聚区 and 循环经济产业集聚区


# The items added last (issue 11), each with a phrase of the seed's sentence it encodes.
SEED_ITEMS = [
    ("K2-电力线路整体规划", "对园区电力线路进行整体规划，积极申请上级资金建设"),
    ("K2-循环区企业服务平台", "推动两个园区逐步建立健全企业服务平台"),
    ("K2-集聚区企业服务平台", "推动两个园区逐步建立健全企业服务平台"),
    ("K6-商标品牌培育基地", "积极推进县产业集聚区申报省产业集群商标品牌培育基地"),
    ("K6-专利导航实验区", "加快建设河南省专利导航实验区"),
    ("K7-春节前邀请回襄", "春节前，邀请襄城籍在外成功人士回襄"),
    ("K7-招商引资月例会", "坚持招商引资月例会制度"),
    ("S1-企业沙龙", "定期召开企业沙龙"),
    ("S1-审批改革", "坚持模拟审批、联审联批、容缺审批相结合"),
    ("S3-企业家一对一培训", "尝试开展企业家一对一培训"),
    ("S3-职业技能培训", "强化紧缺高技能人才专题培训"),
    ("S3-人才培养基地", "建立区域研发人才和应用型人才培养基地"),
]


def _real_plan() -> Any:
    from gyengine.plan import read_plan
    from gyengine.plugins import build_plan_sections

    manager = gyengine.get_plugin_manager()
    return read_plan(
        REAL_PLAN, build_plan_sections(manager), gyengine.plugins.build_event_types(manager)
    )


@pytest.mark.parametrize(("item_id", "phrase"), SEED_ITEMS, ids=[i for i, _ in SEED_ITEMS])
def test_real_plan_has_the_seeds_last_items(item_id: str, phrase: str) -> None:
    """Each item is in the plan with the seed's words; the seed gives no number, so no target."""
    item = _real_plan().get("indicator", item_id)
    assert phrase in item.text
    assert item.shape == "milestone"
    assert item.target is None
    assert item.deadline is not None
    assert "weight" in item.assumed  # the seed weighs nothing


def test_real_plan_dates_what_the_seed_dates() -> None:
    """「春节前」 is the seed's own deadline (2019-02-05, not assumed); 「每月」 gives one meeting a month."""
    plan = _real_plan()
    spring = plan.get("indicator", "K7-春节前邀请回襄")
    assert spring.deadline == dt.date(2019, 2, 5)
    assert "deadline" not in spring.assumed
    meetings = plan.get("indicator", "K7-招商引资月例会")
    assert len(meetings.milestones) == 12
    assert "deadline" in meetings.assumed
    # 「推动两个园区」: each park's committee answers for its own platform.
    parks = {
        plan.get("indicator", i).park: plan.get("indicator", i).responsible
        for i in ("K2-循环区企业服务平台", "K2-集聚区企业服务平台")
    }
    assert parks == {"CEZ": ("循环区管委会",), "ICZ": ("集聚区管委会",)}


def test_real_plan_indicators_match_the_seed() -> None:
    """The main indicators of the real plan carry the seed's targets, exactly."""
    manager = gyengine.get_plugin_manager()
    registry = gyengine.plugins.build_event_types(manager)
    from gyengine.plan import read_plan
    from gyengine.plugins import build_plan_sections

    plan = read_plan(REAL_PLAN, build_plan_sections(manager), registry)
    targets = {item.id: item.target for item in plan.items("indicator") if item.target is not None}
    assert targets["I1"] == gyengine.Quantity(Decimal("8.5"), "%")
    assert targets["I4"] == gyengine.Quantity(Decimal(21), "家")
    assert targets["I7"] == gyengine.Quantity(Decimal(7_500_000_000), "元")  # 75 亿元
    assert targets["I8"] == gyengine.Quantity(Decimal(10_600_000_000), "元")  # 106 亿元
    assert targets["I9"] == gyengine.Quantity(Decimal(2_600_000_000), "元")  # 26 亿元
    assert targets["I10"] == gyengine.Quantity(Decimal(31_000_000_000), "元")  # 310 亿元
    i4 = plan.get("indicator", "I4")
    assert i4.parts == {
        "ICZ": gyengine.Quantity(Decimal(15), "家"),
        "CEZ": gyengine.Quantity(Decimal(6), "家"),
    }
    assert plan.get("indicator", "I3").target is None  # set later by the province
    assert plan.items("plan")[0].year == 2019


# -- plan check: every error names file:line: [section] key: field: message -------------


def test_duplicate_ids(tmp_path: Path) -> None:
    """A second item with an id already used is named with its line and the first one's."""
    text = QINGSHI + '\n[[unit]]\nid = "经信局"\nname = "重复"\n'
    path, problems = check(tmp_path, text)
    first, second = line_of(text, 'id = "经信局"', 1), line_of(text, 'id = "经信局"', 2)
    assert problems == [f"{path}:{second}: [unit] 经信局: duplicate id (first at line {first - 1})"]


def test_duplicate_indicator_ids(tmp_path: Path) -> None:
    """Duplicate indicator ids are reported in their section too."""
    text = QINGSHI.replace('id = "Q3"', 'id = "Q1"')
    path, problems = check(tmp_path, text)
    second = line_of(text, 'id = "Q1"', 2)
    header = line_of(text, "[[indicator]]", 1)
    assert problems == [f"{path}:{second}: [indicator] Q1: duplicate id (first at line {header})"]


def test_unknown_section_names_its_header_line(tmp_path: Path) -> None:
    """A section no plugin owns is named with the line of its header and the known sections."""
    text = QINGSHI + '\n# a typo of [[indicator]]\n[[indicators]]\nid = "Q9"\n'
    path, problems = check(tmp_path, text)
    assert len(problems) == 1
    header = line_of(text, "[[indicators]]")
    assert problems[0].startswith(f"{path}:{header}: unknown section [indicators] (sections: ")
    assert "[indicator]" in problems[0]
    assert "[unit]" in problems[0]


def test_dangling_unit_in_responsible(tmp_path: Path) -> None:
    """An indicator's responsible unit that the plan does not define is named at its line."""
    text = QINGSHI.replace(
        'responsible = ["经信局", "发改局"]', 'responsible = ["经信局", "财政局"]'
    )
    path, problems = check(tmp_path, text)
    line = line_of(text, '"财政局"')
    assert problems == [f"{path}:{line}: [indicator] Q1: responsible: unknown unit '财政局'"]


def test_dangling_unit_in_task(tmp_path: Path) -> None:
    """A task's responsible unit must be defined too."""
    text = QINGSHI.replace(
        'responsible = ["园区管委会", "发改局"]\nlead',
        'responsible = ["园区管委会", "统计局"]\nlead',
    )
    path, problems = check(tmp_path, text)
    line = line_of(text, '"统计局"')
    assert problems == [f"{path}:{line}: [task] T1: responsible: unknown unit '统计局'"]


def test_dangling_park(tmp_path: Path) -> None:
    """An indicator's park and a park's committee must be defined."""
    text = QINGSHI.replace('park = "QSP"\ntask', 'park = "XYZ"\ntask').replace(
        'committee = "园区管委会"', 'committee = "管委会"'
    )
    path, problems = check(tmp_path, text)
    park, committee = line_of(text, 'park = "XYZ"'), line_of(text, "committee = ")
    assert sorted(problems) == sorted(
        [
            f"{path}:{park}: [indicator] Q3: park: unknown park 'XYZ'",
            f"{path}:{committee}: [park] QSP: committee: unknown unit '管委会'",
        ]
    )


def test_lead_not_among_responsible(tmp_path: Path) -> None:
    """A task's lead must be one of its responsible units."""
    text = QINGSHI.replace('lead = ["园区管委会"]', 'lead = ["经信局"]')
    path, problems = check(tmp_path, text)
    line = line_of(text, 'lead = ["经信局"]')
    assert problems == [
        f"{path}:{line}: [task] T1: lead: lead '经信局' is not among the responsible"
    ]


I4_LIKE = """
[[park]]
id = "ICZ"
name = "产业集聚区"
committee = "园区管委会"

[[park]]
id = "CEZ"
name = "循环经济产业集聚区"
committee = "园区管委会"

[[indicator]]
id = "I4"
name = "规上工业企业新增"
unit = "家"
shape = "count_parts"
target = "21 家"
parts = {parts}
schedule = "month"
responsible = ["经信局"]
weight = 10
"""


def test_parts_that_do_not_add_up(tmp_path: Path) -> None:
    """Parts that do not reconcile with the total show the sum written out: 5 + 15 = 20, not 21."""
    text = QINGSHI + I4_LIKE.replace("{parts}", '{ ICZ = "15 家", CEZ = "5 家" }')
    path, problems = check(tmp_path, text)
    line = line_of(text, "parts = ")
    assert problems == [
        f"{path}:{line}: [indicator] I4: parts: the parts add up to CEZ 5 + ICZ 15 = 20 家, not 21 家"
    ]


def test_parts_that_add_up(tmp_path: Path) -> None:
    """The seed's own split, 15 + 6 = 21, passes."""
    text = QINGSHI + I4_LIKE.replace("{parts}", '{ ICZ = "15 家", CEZ = "6 家" }')
    path = write(tmp_path, text)
    result = run("plan", "check", str(path))
    assert result.exit_code == 0, result.output
    assert "4 [indicator], 3 [park]" in result.output


def test_parts_in_another_unit_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    """A part written in 个 for a total in 家 is reported on the file, without a traceback."""
    text = QINGSHI + I4_LIKE.replace("{parts}", '{ ICZ = "15 个", CEZ = "6 家" }')
    path, problems = check(tmp_path, text)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:")
    assert "[indicator]" in problems[0]
    assert "15 个" in problems[0]


def test_missing_field(tmp_path: Path) -> None:
    """A required field that is missing is named, at the line where its item starts."""
    text = QINGSHI.replace('name = "县发展和改革局"\n', "")
    path, problems = check(tmp_path, text)
    item = line_of(text, 'id = "发改局"') - 1
    assert problems == [f"{path}:{item}: [unit] 发改局: name: required field missing"]


def test_missing_field_of_the_plan_header(tmp_path: Path) -> None:
    """A one-table section such as [plan] is named without an item number."""
    text = QINGSHI.replace("year = 2020\n", "")
    path, problems = check(tmp_path, text)
    assert problems == [f"{path}:1: [plan]: year: required field missing"]


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "weight = 20",
            'weight = "twenty"',
            '"twenty"',
            "[indicator] Q1: weight: expected a decimal number such as \"1234.56\", got 'twenty'",
        ),
        (
            'responsible = ["经信局", "发改局"]',
            'responsible = "经信局"',
            'responsible = "经信局"',
            "[indicator] Q1: responsible: expected a list, got '经信局'",
        ),
        (
            "deadline = 2020-09-30",
            'deadline = "九月底"',
            "deadline = ",
            "[indicator] Q3: deadline: ",
        ),
        (
            'shape = "threshold"',
            'shape = "thresold"',
            '"thresold"',
            "[indicator] Q1: shape: must be in ('threshold', 'baseline_delta', 'external', "
            "'count_parts', 'compare', 'cumulative', 'milestone', 'composite') (got 'thresold')",
        ),
        (
            'status_profile = "ratio"',
            'status_profile = "percent"',
            '"percent"',
            "[plan]: status_profile: must be in ('pp', 'ratio') (got 'percent')",
        ),
        (
            'schedule = "month"',
            'schedule = "month"\nmeasure = { source = "total" }',
            "measure = ",
            "[indicator] Q2: measure.source: must be in ('statistic', 'sum', 'count', "
            "'milestones') (got 'total')",
        ),
    ],
    ids=["weight-text", "responsible-string", "deadline-text", "shape-typo", "profile", "source"],
)
def test_mistyped_field(tmp_path: Path, old: str, new: str, needle: str, message: str) -> None:
    """A field of the wrong type is named at its own line with what was expected."""
    text = QINGSHI.replace(old, new, 1)
    path, problems = check(tmp_path, text)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:{line_of(text, needle)}: {message}")


def test_quantity_without_unit(tmp_path: Path) -> None:
    """A target written as a bare number ("75") is refused: which unit would it be?"""
    text = QINGSHI.replace('target = "12000 万元"', 'target = "75"')
    path, problems = check(tmp_path, text)
    line = line_of(text, 'target = "75"')
    assert len(problems) == 1
    assert problems[0].startswith(
        f"{path}:{line}: [indicator] Q2: target: '75' is not a quantity with a unit (units: "
    )


def test_quantity_as_a_toml_number(tmp_path: Path) -> None:
    """A target written as a TOML number (75, no quotes, no unit) is refused too."""
    text = QINGSHI.replace('target = "12000 万元"', "target = 75")
    path, problems = check(tmp_path, text)
    line = line_of(text, "target = 75")
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:{line}: [indicator] Q2: target: ")
    assert "75" in problems[0]


def test_bad_toml_names_its_line(tmp_path: Path) -> None:
    """A file that is not TOML is reported with the line of the first error."""
    text = QINGSHI.replace('county = "青石县"', "county = 青石县")
    path, problems = check(tmp_path, text)
    line = line_of(text, "county = 青石县")
    assert problems == [f"{path}:{line}: not valid TOML: Invalid value"]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    """Several structural problems are all listed, in file order, one line each."""
    text = QINGSHI.replace('target = "7 %"', 'target = "7"').replace(
        'name = "县发展和改革局"\n', ""
    )
    path, problems = check(tmp_path, text)
    assert len(problems) == 2
    unit, target = line_of(text, 'id = "发改局"') - 1, line_of(text, 'target = "7"')
    assert problems[0].startswith(f"{path}:{unit}: [unit] 发改局: name")
    assert problems[1].startswith(f"{path}:{target}: [indicator] Q1: target")


def test_missing_file() -> None:
    """A plan file that does not exist is one line naming it."""
    result = run("plan", "check", "no-such-plan.toml")
    assert errors(result) == ["no-such-plan.toml: cannot read the plan: No such file or directory"]


# -- plan load: new, unchanged, revised, removed -----------------------------------------


def load(path: Path, db: Path) -> Result:
    return run("plan", "load", str(path), "--db", str(db))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """An empty event database created through the CLI."""
    path = tmp_path / "county.db"
    assert run("init", "--db", str(path)).exit_code == 0
    return path


def rows(db: Path, **filters: Any) -> list[Any]:
    with gyengine.SQLiteEventStore(db) as store:
        return list(store.read(**filters))


def test_load_twice_appends_nothing_the_second_time(tmp_path: Path, db: Path) -> None:
    """Loading the same plan again appends no event and says so."""
    path = write(tmp_path, QINGSHI)
    first = load(path, db)
    assert first.exit_code == 0, first.output
    # 1 [plan] + 3 [unit] + 1 [park] + 1 [task] + 3 [indicator] = 9 definitions
    assert first.output == f"{path}: appended 9 definition events (9 new)\n"
    before = rows(db)
    second = load(path, db)
    assert second.exit_code == 0, second.output
    assert second.output == f"{path}: nothing to load, the log already holds this plan\n"
    assert rows(db) == before


def test_definition_streams(tmp_path: Path, db: Path) -> None:
    """Each item is a definition event on its own stream, plan/<section>/<id>."""
    load(write(tmp_path, QINGSHI), db)
    streams = sorted((row.stream, row.type) for row in rows(db))
    assert streams == sorted(
        [
            ("plan/plan", "PlanDefined"),
            ("plan/unit/经信局", "UnitDefined"),
            ("plan/unit/发改局", "UnitDefined"),
            ("plan/unit/园区管委会", "UnitDefined"),
            ("plan/park/QSP", "ParkDefined"),
            ("plan/task/T1", "TaskDefined"),
            ("plan/indicator/Q1", "IndicatorDefined"),
            ("plan/indicator/Q2", "IndicatorDefined"),
            ("plan/indicator/Q3", "IndicatorDefined"),
        ]
    )


def q2_target(result: gyengine.Replay) -> Any:
    [item] = result.find("Q2", "completion", "2020-06")
    return item.record.target


def test_revised_target_supersedes_the_old_definition(tmp_path: Path, db: Path) -> None:
    """Changing one target appends exactly one revision that supersedes the old definition."""
    path = write(tmp_path, QINGSHI)
    load(path, db)
    [old] = rows(db, stream="plan/indicator/Q2")
    count = len(rows(db))
    write(tmp_path, QINGSHI.replace('target = "12000 万元"', 'target = "15000 万元"'))
    result = load(path, db)
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"{path}: appended 1 definition events (1 revised)\n  revised: [indicator] Q2\n"
    )
    assert len(rows(db)) == count + 1
    [revision] = rows(db, start=count + 1)
    assert revision.stream == "plan/indicator/Q2"
    assert revision.type == "IndicatorDefined"
    assert revision.supersedes == old.id
    assert '"target":"1.5E+8 元"' not in revision.data  # exact text, no exponent
    assert "150000000 元" in revision.data
    assert "120000000 元" in old.data


def test_known_at_before_a_revision_sees_the_old_target(tmp_path: Path, db: Path) -> None:
    """A replay known at a time before the revision uses the old target, after it the new one."""
    path = write(tmp_path, QINGSHI)
    load(path, db)
    [old] = rows(db, stream="plan/indicator/Q2")
    write(tmp_path, QINGSHI.replace('target = "12000 万元"', 'target = "15000 万元"'))
    load(path, db)
    revision = rows(db, stream="plan/indicator/Q2")[-1]
    assert old.recorded < revision.recorded
    with gyengine.Engine(gyengine.SQLiteEventStore(db), gyengine.get_plugin_manager()) as engine:
        before = engine.replay(as_of="2020-06-30", known_at=old.recorded, save=False)
        after = engine.replay(as_of="2020-06-30", known_at=revision.recorded, save=False)
        now = engine.replay(as_of="2020-06-30", save=False)
    assert q2_target(before) == Decimal(12000)  # 万元, as the indicator's unit
    assert q2_target(after) == Decimal(15000)
    assert q2_target(now) == Decimal(15000)
    # The expected amount follows: 6 of 12 months elapsed on 2020-06-30.
    [item] = before.find("Q2", "completion", "2020-06")
    assert item.record.expected == Decimal(12000) * 6 / 12


def test_removed_item_is_retracted(tmp_path: Path, db: Path) -> None:
    """An item gone from the file gets an EventRetracted on its stream, superseding its definition."""
    path = write(tmp_path, QINGSHI)
    load(path, db)
    [old] = rows(db, stream="plan/indicator/Q3")
    write(tmp_path, QINGSHI.split('[[indicator]]\nid = "Q3"')[0])
    result = load(path, db)
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"{path}: appended 1 definition events (1 removed)\n  removed: [indicator] Q3\n"
    )
    retraction = rows(db, stream="plan/indicator/Q3")[-1]
    assert retraction.type == "EventRetracted"
    assert retraction.supersedes == old.id
    with gyengine.Engine(gyengine.SQLiteEventStore(db), gyengine.get_plugin_manager()) as engine:
        now = engine.replay(as_of="2020-06-30", save=False)
        before = engine.replay(as_of="2020-06-30", known_at=old.recorded, save=False)
    assert now.find("Q3") == []
    assert len(before.find("Q3", "completion")) == 6  # January to June
    # Loading the shortened file again: nothing more to retract.
    assert "nothing to load" in load(path, db).output


def test_dry_run_appends_nothing(tmp_path: Path, db: Path) -> None:
    """`plan load --dry-run` says what it would append and leaves the log as it was."""
    path = write(tmp_path, QINGSHI)
    result = run("plan", "load", str(path), "--db", str(db), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output == f"{path}: would append 9 definition events (9 new)\n"
    assert rows(db) == []


def test_invalid_plan_loads_nothing(tmp_path: Path, db: Path) -> None:
    """A plan with problems is refused as a whole: the log stays empty."""
    path = write(tmp_path, QINGSHI.replace('target = "7 %"', 'target = "7"'))
    problems = errors(load(path, db))
    assert len(problems) == 1
    assert "[indicator] Q1: target:" in problems[0]
    assert rows(db) == []


# -- another county, no code change ---------------------------------------------------


def qingshi_events() -> list[gyengine.NewEvent]:
    return [
        gyengine.NewEvent(
            type="StatisticReported",
            stream="indicator/Q1",
            occurred="2020-06",
            actor="统计局",
            data={"indicator": "Q1", "value": "6.3", "unit": "%"},
        ),
        gyengine.NewEvent(
            type="StatisticReported",
            stream="indicator/Q2",
            occurred="2020-06",
            actor="园区管委会",
            # reported in 亿元 against a target in 万元: compared in 元
            data={"indicator": "Q2", "value": "0.45", "unit": "亿元"},
        ),
        gyengine.NewEvent(
            type="MilestoneReached",
            stream="indicator/Q3",
            occurred="2020-05-20",
            actor="园区管委会",
            data={"indicator": "Q3", "milestone": "污水处理厂投运", "date": "2020-05-20"},
        ),
    ]


def scores(result: gyengine.Replay, period: str) -> dict[tuple[str, str], Any]:
    return {
        (item.record.subject, item.record.metric): item.record
        for item in result.records
        if item.record.period == period
    }


def test_another_county_loads_and_replays(tmp_path: Path, db: Path) -> None:
    """青石县's 2020 plan loads and is scored with its own year, profile and weights, by hand."""
    assert load(write(tmp_path, QINGSHI), db).exit_code == 0
    with gyengine.Engine(gyengine.SQLiteEventStore(db), gyengine.get_plugin_manager()) as engine:
        engine.append(qingshi_events())
        result = engine.replay(as_of="2020-06-30", save=False)
    periods = sorted({item.record.period for item in result.find("Q1")})
    assert periods == [f"2020-{m:02d}" for m in range(1, 7)]  # its own year, up to as-of
    june = scores(result, "2020-06")

    # Q1 threshold 7 %, a growth rate: judged in points behind, 7 − 6.3 = 0.7 pp: 关注
    # (≤ 1 pp, whatever the plan's profile for amounts); points 20 × (1 − 0.7 / 3) = 15.33.
    q1 = june["Q1", "completion"]
    assert (q1.value, q1.target, q1.expected) == (Decimal("6.3"), Decimal(7), Decimal(7))
    assert q1.details["gap_pp"] == "0.70"
    assert q1.status == "watch"
    q1_points = (Decimal(20) * (1 - Decimal("0.7") / 3)).quantize(Decimal("0.01"))
    assert q1.points == q1_points == Decimal("15.33")

    # Q2 cumulative 12000 万元 by month: 0.45 亿元 = 4500 万元 = 37.5 %, 序时 6/12 = 50 %.
    q2 = june["Q2", "completion"]
    q2_completion = Decimal(4500) / Decimal(12000) * 100  # 37.5
    q2_expected_pct = Decimal(6) / 12 * 100  # 50
    assert (q2.value, q2.target, q2.expected) == (Decimal(4500), Decimal(12000), Decimal(6000))
    assert q2.unit == "万元"
    assert Decimal(q2.details["completion_pct"]) == q2_completion
    assert Decimal(q2.details["expected_pct"]) == q2_expected_pct
    assert q2.status == "yellow"  # 37.5 / 50 = 0.75 ≥ 0.5
    q2_points = Decimal(30) * q2_completion / q2_expected_pct  # 30 × 0.75 = 22.5
    assert q2.points == q2_points == Decimal("22.5")

    # Q3 milestone reached 2020-05-20, deadline 2020-09-30: on time, full weight.
    q3 = june["Q3", "completion"]
    assert q3.status == "green"
    assert q3.points == Decimal(10)

    # Roll-ups with this plan's weights: lead × 1, co-responsible × 0.25. Q3 is not due
    # until 2020-09-30: in June it is 未到考核节点, in no roll-up's score.
    lead, co = Decimal(1), Decimal("0.25")
    unit_scores = {
        # 经信局 leads Q1 only
        "经信局": (q1_points * lead, Decimal(20) * lead),
        # 发改局 is co-responsible for Q1 and Q2
        "发改局": (q1_points * co + q2_points * co, Decimal(20) * co + Decimal(30) * co),
        # 园区管委会 leads Q2 (and Q3, not yet due)
        "园区管委会": (q2_points * lead, Decimal(30) * lead),
    }
    for unit, (earned, possible) in unit_scores.items():
        record = june[unit, "indicator_score"]
        assert record.value == (earned / possible * 100).quantize(Decimal("0.01")), unit
        assert record.points == earned.quantize(Decimal("0.01"), ROUND_HALF_UP), unit
    assert june["经信局", "indicator_score"].value == Decimal("76.65")  # 15.33 / 20
    assert june["发改局", "indicator_score"].value == Decimal("75.66")  # 9.4575 / 12.5
    assert june["发改局", "indicator_score"].points == Decimal("9.46")  # 9.4575, half up
    assert june["园区管委会", "indicator_score"].value == Decimal(75)  # 22.5 / 30
    assert june["发改局", "indicator_score"].label == "县发展和改革局"
    # The park gathers Q2 (Q3 not yet due): 22.5 / 30.
    park = june["QSP", "indicator_score"]
    assert park.value == Decimal(75)
    assert park.details["not_due"] == "1"
    assert park.label == "青石产业园"
    assert park.details["kind"] == "park"


def test_another_county_before_its_first_report(tmp_path: Path, db: Path) -> None:
    """Judged on 2020-05-31, 青石县's June reports do not count yet: Q1 awaits data."""
    assert load(write(tmp_path, QINGSHI), db).exit_code == 0
    with gyengine.Engine(gyengine.SQLiteEventStore(db), gyengine.get_plugin_manager()) as engine:
        engine.append(qingshi_events())
        may = scores(engine.replay(as_of="2020-05-31", save=False), "2020-05")
    assert may["Q1", "completion"].status == "pending"  # nothing reported: awaiting data
    assert may["Q1", "completion"].points is None
    assert may["Q2", "completion"].value is None
    assert may["Q2", "completion"].status == "pending"  # 5/12 expected, nothing reported yet
    assert may["Q3", "completion"].status == "green"  # reached on 2020-05-20


# -- plan check proves the plan replayable (issue #13, point 2) -----------------------


def test_a_target_in_another_dimension_is_refused_at_its_line(tmp_path: Path) -> None:
    """`target = "60 %"` on an indicator in 万元: refused by plan check, not at the first replay."""
    text = QINGSHI.replace('target = "12000 万元"', 'target = "60 %"')
    path, problems = check(tmp_path, text)
    line = line_of(text, 'target = "60 %"')
    assert problems == [
        f"{path}:{line}: [indicator] Q2: target: 60 % cannot be expressed in the"
        " indicator's unit 万元"
    ]


def test_a_target_in_another_unit_of_the_same_dimension_passes(tmp_path: Path) -> None:
    """1.2 亿元 for an indicator kept in 万元 is the same money: fine."""
    path = write(tmp_path, QINGSHI.replace('target = "12000 万元"', 'target = "1.2 亿元"'))
    assert run("plan", "check", str(path)).exit_code == 0


def test_plan_check_replays_the_plan_alone(tmp_path: Path) -> None:
    """An evaluator that cannot take the plan's definitions fails plan check, naming itself."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "picky.py").write_text(
        "from gyengine import Evaluator, hookimpl\n"
        "def fold(state, event, context):\n"
        "    raise ValueError(f'cannot take {event.data.id}')\n"
        "@hookimpl\n"
        "def register_evaluators():\n"
        "    return [Evaluator(name='picky', version='1', consumes=['IndicatorDefined'],\n"
        "        state_type=dict, fold=fold, results=lambda state, context: [])]\n",
        encoding="utf-8",
    )
    path = write(tmp_path, QINGSHI)
    result = run("--plugins-dir", str(plugins), "plan", "check", str(path))
    [message, *_] = errors(result)
    assert message.startswith(f"{path}: the plan loads, but the evaluators cannot replay it: ")
    assert "picky" in message
    assert "cannot take Q1" in message
