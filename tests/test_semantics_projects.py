"""Issue 11, the project, batch-item and bank points: each rule proved on a figure computed by hand.

Every expected figure is worked out in a comment beside the seed's sentence it
comes from (襄城县2019年推进工业高质量发展实施方案).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import gyengine
import gyengine_plan
import gyengine_projects
from gyengine import Quantity
from gyengine.cli import cli
from gyengine_banks.methods import score as bank_score
from gyengine_banks.plan import Criterion
from gyengine_plan.scoring import elapsed_fraction, node_problems, node_shares
from test_projects import Clock, define, project, replay, report, score

D = Decimal


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


PLAN_FILE = Path(__file__).resolve().parents[1] / "events" / "xiangcheng-2019" / "plan.toml"


# -- 5. batch items follow node schedules ---------------------------------------------


def test_a_batch_due_at_year_end_expects_nothing_in_april() -> None:
    """「争取申报“许昌英才计划”创新创业人才团队不少于2个」: nothing is due before the year's end."""
    # nodes = { 2019-12-31 = "2 个" }: 2 / 2 = share 1 on 31 December, nothing before.
    nodes = node_shares({dt.date(2019, 12, 31): D(2)}, D(2))
    assert elapsed_fraction(dt.date(2019, 4, 30), 2019, "nodes", nodes=nodes) == 0
    assert elapsed_fraction(dt.date(2019, 12, 30), 2019, "nodes", nodes=nodes) == 0
    assert elapsed_fraction(dt.date(2019, 12, 31), 2019, "nodes", nodes=nodes) == 1
    # The straight monthly line it replaces expected 2 × 4/12 = 0.67 teams by April.
    assert elapsed_fraction(dt.date(2019, 4, 30), 2019, "month") == D(4) / 12


def test_the_schedule_follows_intermediate_nodes() -> None:
    """「2019年完成10个区中园的规划编制」with nodes 4 by June and 10 by December: a step, not a line."""
    nodes = node_shares({dt.date(2019, 6, 30): D(4), dt.date(2019, 12, 31): D(10)}, D(10))
    # Before 30 June nothing; from 30 June 4/10 = 0.4 (through November); 31 December 1.
    assert elapsed_fraction(dt.date(2019, 6, 29), 2019, "nodes", nodes=nodes) == 0
    assert elapsed_fraction(dt.date(2019, 6, 30), 2019, "nodes", nodes=nodes) == D("0.4")
    assert elapsed_fraction(dt.date(2019, 11, 30), 2019, "nodes", nodes=nodes) == D("0.4")
    assert elapsed_fraction(dt.date(2019, 12, 31), 2019, "nodes", nodes=nodes) == 1


def test_node_problems_name_what_is_wrong() -> None:
    """Nodes are cumulative, in the target's unit, in the plan year, and end at the whole target."""
    four = Quantity.parse("4 家")
    assert list(node_problems({dt.date(2019, 12, 31): four}, four, 2019)) == []
    assert list(node_problems({dt.date(2019, 12, 31): Quantity.parse("3 家")}, four, 2019)) == [
        "the last node (2019-12-31: 3 家) must be the whole target 4 家"
    ]
    shrinking = {dt.date(2019, 6, 30): Quantity.parse("3 家"), dt.date(2020, 1, 31): four}
    assert list(node_problems(shrinking, four, 2019)) == [
        "node 2020-01-31 is outside the plan year 2019"
    ]


def test_bundled_batch_items_are_not_behind_in_april(tmp_path: Path) -> None:
    """高企 4, 英才团队 2, 知识产权优势企业 3, 区中园 10, 陶瓷厂 7, 建材 5: 序时 0 in April, so green."""
    result = _demo(tmp_path).replay(as_of="2019-04-30", evaluators=["indicators"], save=False)
    for key in (
        "K6-高新技术企业",
        "K6-英才团队",
        "K6-知识产权优势企业",
        "K1-区中园规划",
        "K4-陶瓷厂超低排放",
        "K4-建材企业低排放",
    ):
        [item] = result.find(key, "completion", "2019-04")
        # nodes = { 2019-12-31 = whole target }: expected 0 on 30 April, gap 0 → green.
        assert item.record.expected == 0, key
        assert item.record.status == "green", key


def _demo(tmp_path: Path) -> gyengine.Engine:
    from gyengine.datasets import load_dataset
    from gyengine.plugins import build_datasets, build_plan_sections

    manager = gyengine.get_plugin_manager()
    demo = gyengine.Engine(gyengine.SQLiteEventStore(tmp_path / "demo.db", create=True), manager)
    dataset = build_datasets(manager)["xiangcheng-2019"]
    load_dataset(demo.store, demo.registry, build_plan_sections(manager), dataset)
    return demo


# -- 6. projects start when they start; a monthly plan replaces the line ----------------


def test_nothing_is_expected_before_the_start(engine: gyengine.Engine, clock: Clock) -> None:
    """P08 and P18 start on 2019-05-01: a day schedule runs from then, not from 1 January."""
    define(engine, clock, project(schedule="day", start="2019-05-01", annual_plan="2 亿元"))
    report(engine, clock, "2019-W17", "0")
    report(engine, clock, "2019-W22", "2000")
    result = replay(engine, as_of="2019-06-02")
    before = score(result, "P01", "investment", "2019-W17")  # Sunday 2019-04-28
    assert (before.expected, before.status) == (D("0.00"), "green")
    assert "计划 2019-05-01 开工，此前无序时要求" in before.rationale
    # W22 ends Sunday 2 June: day 33 of the 245 days from 1 May to 31 December;
    # 20000 万元 × 33 / 245 = 2693.88 万元 expected; 2000 / 20000 = 10.00 %,
    # 序时 13.47 %: 3.47 pp behind → 关注 (watch).
    after = score(result, "P01", "investment", "2019-W22")
    assert after.expected == D("2693.88")
    assert after.status == "watch"
    assert "序时 13.47 %" in after.rationale


def test_month_schedule_counts_months_from_the_start() -> None:
    """A month schedule from May has 8 months: end of June is 2 of 8."""
    # May..December = 8 months; 30 June: May and June done → 2/8 = 0.25.
    start = dt.date(2019, 5, 1)
    assert elapsed_fraction(dt.date(2019, 6, 30), 2019, "month", start=start) == D("0.25")
    assert elapsed_fraction(dt.date(2019, 4, 30), 2019, "month", start=start) == 0


def test_a_monthly_plan_replaces_the_straight_line(engine: gyengine.Engine, clock: Clock) -> None:
    """「明确每个项目详细推进计划」: the 推进计划 sets what is due at each month's end."""
    plan = ["0", "0", "500", "700", "900", "1000", "1000", "1000", "1000", "1000", "1000", "900"]
    define(
        engine,
        clock,
        project(
            schedule="day",
            start="2019-03-01",
            annual_plan="9000 万元",
            monthly_plan=[f"{m} 万元" for m in plan],
        ),
    )
    report(engine, clock, "2019-W26", "2000")
    result = replay(engine, as_of="2019-06-30")
    week = score(result, "P01", "investment", "2019-W26")  # Sunday 30 June: a month's end
    # Due by 30 June: 500 + 700 + 900 + 1000 = 3100 万元 of 9000 = 34.44 %; the straight
    # line from 1 March would expect 9000 × 122 / 306 = 3588.24. 2000 / 9000 = 22.22 %:
    # 12.22 pp behind → yellow.
    assert week.expected == D("3100.00")
    assert week.status == "yellow"
    assert week.details["schedule"] == "monthly_plan"


def test_monthly_plan_checks(tmp_path: Path) -> None:
    """A monthly plan adds up to the annual plan and plans nothing before 开工."""
    text = PLAN_FILE.read_text(encoding="utf-8")
    broken = text.replace(
        'monthly_plan = ["0 亿元", "0 亿元", "0.5 亿元"',
        'monthly_plan = ["0.1 亿元", "0 亿元", "0.5 亿元"',
        1,
    )
    path = tmp_path / "plan.toml"
    path.write_text(broken, encoding="utf-8")
    checked = CliRunner().invoke(cli, ["plan", "check", str(path)])
    assert checked.exit_code == 1
    # P01: 0.1 + 0 + 0.5 + 0.7 + 0.9 + 1.0 × 6 + 0.9 = 9.1 ≠ 9.0; and January is before 3-01.
    assert (
        "P01: monthly_plan: the 12 months add up to 9.1 亿元, not the annual plan 9 亿元"
        in checked.output
    )
    assert "P01: monthly_plan: investment planned in 1 月, before 开工 2019-03-01" in checked.output


# -- 9 (projects). 关注 counts as 滞后 ------------------------------------------------


def test_five_points_behind_every_week_is_a_lag_streak(
    engine: gyengine.Engine, clock: Clock
) -> None:
    """A project 5 pp behind 序时 every week is 进度滞后: its streak grows week by week."""
    define(engine, clock, project(annual_plan="36500 万元", schedule="day"))
    for week in range(1, 5):
        sunday = dt.date.fromisocalendar(2019, week, 7)
        # 36500 万元 over 365 days = 100 万元 a day; due by Sunday = 100 × day of year;
        # reported 5 pp (5 % of 36500 = 1825 万元) less.
        due = 100 * sunday.timetuple().tm_yday
        report(engine, clock, f"2019-W{week:02d}", str(due - 1825 if due > 1825 else 0))
    result = replay(engine, as_of="2019-01-27")
    rows = [score(result, "P01", "investment", f"2019-W{w:02d}") for w in range(1, 5)]
    # W01 (Sunday 6 January): due 600, reported 0: 1.64 pp behind; W02 1300 − ... every
    # week at most 5 pp behind → 关注 (watch), which now extends the streak: 1, 2, 3, 4.
    assert [r.status for r in rows] == ["watch"] * 4
    assert [r.details["lag_streak"] for r in rows] == [1, 2, 3, 4]


# -- 10. what a reader sees -------------------------------------------------------------


def test_park_counts_say_whether_preliminary_projects_are_in(
    engine: gyengine.Engine, clock: Clock
) -> None:
    """「谋划重大前期项目5个」: a park's roll-up says how many of its projects are 重大前期."""
    define(
        engine,
        clock,
        project("P01"),
        project("P02", category="重大前期", annual_plan="0 万元"),
    )
    report(engine, clock, "2019-W01", "0")
    rollup = score(replay(engine, as_of="2019-01-06"), "A", "investment", "2019-W01")
    assert rollup.rationale.startswith("园区 A（2 个项目，含重大前期项目 1 个（无年度投资计划））")
    assert rollup.details["preliminary"] == 1


def test_card_full_marks_are_what_the_methods_can_give() -> None:
    """A 20-point criterion with a bonus capped at 25 can give 25: the card's 满分 counts 25."""
    gate = Criterion(
        "new_loans",
        "当月新增贷款",
        D(20),
        "target_gate",
        "new_loans",
        {"target": D(5000), "bonus": D(1), "step": D(2000), "cap": D(25)},
    )
    slope = Criterion(
        "loan_growth",
        "贷款增速",
        D(10),
        "baseline_slope",
        "loan_growth",
        {"base": D(6), "slope": D("0.5"), "min": D(0), "max": D(10)},
    )
    # 20 + ⌊(17000 − 5000) / 2000⌋ = 26, capped at 25: the most it gives is 25.
    assert bank_score(gate, {"A": D(17000)}, {"A": D(5000)})["A"].points == D("25.00")
    assert (gate.most, slope.most) == (D(25), D(10))
    # The bundled card: 20 + 10 + 10 + 20 + 15 + 10 + 15 = 100 basic, 25 − 20 = 5 bonus: 105.


def test_bundled_plan_check_prints_coverage_and_the_cez_warning() -> None:
    """「循环经济产业集聚区…年度投资35.4亿元」 above 「预计完成固定资产投资 26亿元」: a warning naming both."""
    checked = CliRunner().invoke(cli, ["plan", "check", str(PLAN_FILE)])
    assert checked.exit_code == 0, checked.output
    lines = checked.output.splitlines()
    # 19 of the 24 projects are invented (示例); the 5 the seed names carry assumed fields.
    assert "  [project] 24: 19 synthetic, 5 with assumed fields" in lines
    assert "  [bank] 6: 6 synthetic, 0 with assumed fields" in lines
    # 59 + 12 items added for issue 11 (all with assumed fields: weight at least) = 71;
    # 10 + 12 = 22 with assumed fields.
    assert "  [indicator] 71: 0 synthetic, 22 with assumed fields" in lines
    [warning] = [line for line in lines if line.startswith("warning: ")]
    assert "[project_group] CEZ: annual_plan: the group's annual plan 35.4 亿元 exceeds" in warning
    assert "I9 循环经济产业集聚区固定资产投资 (26 亿元)" in warning
