"""The monthly bank assessment: measures, scoring methods, totals, ranks, bulletins, roll-ups, plan checks."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

import gyengine
import gyengine_banks
import gyengine_plan
from gyengine import Finding, NewEvent, Quantity, ReplayContext, Score
from gyengine_banks.assessment import BanksState, evaluator, fold, results
from gyengine_banks.events import BankMonthlyReported, BankVetoed
from gyengine_banks.measures import measure
from gyengine_banks.methods import Points, places, score
from gyengine_banks.plan import Criterion
from gyengine_plan.details import detail_list

D = Decimal

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
    """A log with only the plan frame and the bank plugins, on a clock the test sets."""
    store = gyengine.SQLiteEventStore(tmp_path / "banks.db", create=True, clock=clock)
    manager = gyengine.get_plugin_manager(
        entry_points=False, plugins=[gyengine_plan, gyengine_banks]
    )
    engine = gyengine.Engine(store, manager)
    yield engine
    engine.close()


def criterion(
    method: str, points: Any = 10, measure: str = "new_loans", **params: Any
) -> Criterion:
    """A criterion of the given method and weight W."""
    return Criterion(
        id="c",
        name="测试指标",
        points=D(str(points)),
        method=method,
        measure=measure,
        params={k: D(str(v)) for k, v in params.items()},
    )


def points_of(scored: dict[str, Points]) -> dict[str, Decimal]:
    return {bank: result.points for bank, result in scored.items()}


# The card of the evaluator tests; W = 20 + 20 + 10 = 50; 满分 55, as new loans' bonus
# may give up to its cap 25 (50 − 20 + 25).
CARD = [
    {
        "id": "new_loans",
        "name": "新增贷款",
        "points": 20,
        "method": "target_gate",
        "measure": "new_loans",
        "params": {"target": 1000, "bonus": 1, "step": 500, "cap": 25},
    },
    {
        "id": "industrial",
        "name": "工业贷款增量",
        "points": 20,
        "method": "rank_steps",
        "measure": "industrial_increment",
        "params": {"step": 5, "negative_scores_zero": 1},
    },
    {
        "id": "renewal",
        "name": "无还本续贷占比",
        "points": 10,
        "method": "best_worst",
        "measure": "renewal_share",
        "params": {"base": 4, "span": 6},
    },
]

# Figures in 万元. With these alone every bank ties on the industrial increment
# (all first: 20) and the renewal share (best == worst: 4 + 6 = 10), so the new
# loans decide: 900 → 0, 1000 → 20, 1500 → 21, 2000 → 22, 2600 → 23 (+ 30).
FIGURES = {
    "loan_balance": 1100,
    "deposits": 2000,
    "new_loans": 1000,
    "industrial_increment": 10,
    "inclusive_loans": 10,
    "renewals_without_repayment": 20,
    "maturing_loans": 100,
    "matchmaking_signed": 100,
    "matchmaking_disbursed": 80,
    "balance_at_year_start": 1000,
}


def define(
    engine: gyengine.Engine,
    clock: Clock,
    banks: tuple[str, ...] = ("A", "B", "C"),
    card: list[dict[str, Any]] = CARD,
    *,
    top: int = 1,
    bottom: int = 1,
    due_days: int | None = None,
) -> None:
    """Append the card (seq 1), the banks (seq 2, 3, ...) and optionally the supervision cadence."""
    clock.now = "2019-01-01T00:00:00.000000Z"
    events = [
        NewEvent(
            type="BankAssessmentDefined",
            stream="plan/bank_assessment",
            data={"criteria": card, "top": top, "bottom": bottom},
        ),
        *(
            NewEvent(
                type="BankDefined",
                stream=f"plan/bank/{bank}",
                data={"id": bank, "name": f"{bank}银行"},
            )
            for bank in banks
        ),
    ]
    if due_days is not None:
        events.append(
            NewEvent(
                type="SupervisionDefined",
                stream="plan/supervision",
                data={"office": "OFFICE", "data_source": "STATS", "monthly_due_days": due_days},
            )
        )
    engine.append(events)


def report(
    engine: gyengine.Engine,
    clock: Clock,
    bank: str,
    month: str,
    *,
    at: str | None = None,
    id: str | None = None,
    supersedes: str | None = None,
    checked: bool = True,
    **figures: Any,
) -> int:
    """Append a bank's monthly report (figures in 万元), by default on the 5th of the next month."""
    data = {"bank": bank, **{k: f"{v} 万元" for k, v in {**FIGURES, **figures}.items()}}
    end = gyengine.parse_period(month).end
    clock.now = at or f"{end + dt.timedelta(days=5)}T09:00:00.000000Z"
    result = append_events(
        engine,
        checked,
        [
            NewEvent(
                type="BankMonthlyReported",
                stream=f"bank/{bank}",
                occurred=month,
                actor=bank,
                data=data,
                id=id,
                supersedes=supersedes,
            )
        ],
    )
    return result.appended[0][0]


def append(
    engine: gyengine.Engine,
    clock: Clock,
    type: str,
    data: dict[str, Any],
    *,
    checked: bool = True,
) -> int:
    """Append an event of the finance office about a bank, recorded on the clock's current time."""
    event = NewEvent(type=type, stream=f"bank/{data['bank']}", actor="金融局", data=data)
    return append_events(engine, checked, [event]).appended[0][0]


def append_events(
    engine: gyengine.Engine, checked: bool, events: list[NewEvent]
) -> gyengine.AppendResult:
    """Append through the engine, or (``checked=False``) straight to the store, as a log
    written before append checked events against the plan holds them."""
    if checked:
        return engine.append(events)
    return engine.store.append(engine.registry.encode(event) for event in events)


def replay(engine: gyengine.Engine, **options: Any) -> gyengine.Replay:
    return engine.replay(evaluators=["banks"], save=False, checkpoints=False, **options)


def get(result: gyengine.Replay, subject: str, metric: str, period: str) -> Score:
    [item] = result.find(subject, metric, period)
    assert isinstance(item.record, Score)
    return item.record


def ranks(result: gyengine.Replay, period: str, banks: str = "ABC") -> dict[str, str]:
    return {bank: get(result, bank, "score", period).details["rank"] for bank in banks}


# -- the scoring methods, by hand -----------------------------------------------------

RATIO_TO_BEST = [
    # W = 15; values, expected points
    pytest.param(
        {"A": "1200", "B": "1500", "C": "-30", "D": "0"},
        # A: 1200 / 1500 × 15 = 12; B: 1500 / 1500 × 15 = 15; C negative → 0; D: 0 / 1500 × 15 = 0
        {"A": "12.00", "B": "15.00", "C": "0.00", "D": "0.00"},
        id="table",
    ),
    pytest.param(
        {"A": "700", "B": "700", "C": "350"},
        # A and B share the best: both 15; C: 350 / 700 × 15 = 7.5
        {"A": "15.00", "B": "15.00", "C": "7.50"},
        id="tie-at-best",
    ),
    pytest.param(
        {"A": "100", "B": "300"},
        # A: 100 / 300 × 15 = 5
        {"A": "5.00", "B": "15.00"},
        id="thirds",
    ),
    pytest.param(
        {"A": "2", "B": "3"},
        # A: 2 / 3 × 15 = 10
        {"A": "10.00", "B": "15.00"},
        id="rounding",
    ),
    pytest.param({"A": "7"}, {"A": "15.00"}, id="one-bank"),
    pytest.param(
        {"A": "0", "B": "-5"},
        # max = 0 ≤ 0: nobody lent anything positive, everyone 0
        {"A": "0.00", "B": "0.00"},
        id="max-not-positive",
    ),
]


@pytest.mark.parametrize(("values", "expected"), RATIO_TO_BEST)
def test_ratio_to_best(values: dict[str, str], expected: dict[str, str]) -> None:
    """``x / max × W``; ties at the top share W; a negative x or a max ≤ 0 scores 0."""
    scored = score(criterion("ratio_to_best", 15), {k: D(v) for k, v in values.items()})
    assert points_of(scored) == {k: D(v) for k, v in expected.items()}


def test_ratio_to_best_formula() -> None:
    """The rationale shows the division with its numbers."""
    scored = score(criterion("ratio_to_best", 15), {"A": D(1200), "B": D(1500)})
    assert scored["A"].formula == "1,200 / 最高 1,500 万元 × 15 = 12.00"
    assert scored["A"].details == {"best": "1,500"}


RANK_STEPS = [
    # W = 20; step, negative_scores_zero, values, places, points
    pytest.param(
        "3",
        "1",
        {"A": "50", "B": "50", "C": "20", "D": "-10", "E": "-20"},
        # ties share the better place: 1, 1, 3, 4, 5
        {"A": 1, "B": 1, "C": 3, "D": 4, "E": 5},
        # A, B: 20 − 3 × 0 = 20; C: 20 − 3 × 2 = 14; D, E negative → 0
        {"A": "20.00", "B": "20.00", "C": "14.00", "D": "0.00", "E": "0.00"},
        id="ties-negative-zero",
    ),
    pytest.param(
        "3",
        "0",
        {"A": "50", "B": "50", "C": "20", "D": "-10", "E": "-20"},
        {"A": 1, "B": 1, "C": 3, "D": 4, "E": 5},
        # D: 20 − 3 × 3 = 11; E: 20 − 3 × 4 = 8: without the flag a negative increment still scores
        {"A": "20.00", "B": "20.00", "C": "14.00", "D": "11.00", "E": "8.00"},
        id="negative-counts",
    ),
    pytest.param(
        "8",
        "0",
        {"A": "4", "B": "3", "C": "2", "D": "1"},
        {"A": 1, "B": 2, "C": 3, "D": 4},
        # 20, 20 − 8 = 12, 20 − 16 = 4, 20 − 24 = −4 → floor 0
        {"A": "20.00", "B": "12.00", "C": "4.00", "D": "0.00"},
        id="floor",
    ),
    pytest.param("3", "1", {"A": "5"}, {"A": 1}, {"A": "20.00"}, id="one-bank"),
    pytest.param("3", "1", {"A": "-5"}, {"A": 1}, {"A": "0.00"}, id="one-bank-negative"),
]


@pytest.mark.parametrize(("step", "flag", "values", "where", "expected"), RANK_STEPS)
def test_rank_steps(
    step: str,
    flag: str,
    values: dict[str, str],
    where: dict[str, int],
    expected: dict[str, str],
) -> None:
    """First place W, ``step`` less per place, floor 0; ties share the better place."""
    rule = criterion("rank_steps", 20, "industrial_increment", step=step, negative_scores_zero=flag)
    scored = score(rule, {k: D(v) for k, v in values.items()})
    assert {k: int(s.details["place"]) for k, s in scored.items()} == where
    assert points_of(scored) == {k: D(v) for k, v in expected.items()}


def test_rank_steps_formula() -> None:
    """The rationale names the place and the subtraction; a negative increment says why it is 0."""
    rule = criterion("rank_steps", 20, "industrial_increment", step=3, negative_scores_zero=1)
    scored = score(rule, {"A": D(50), "B": D(20), "C": D(-1)})
    assert scored["B"].formula == "20 万元 第 2 名：20 − 3 × 1 = 17 → 17.00"
    assert scored["C"].formula == "-1 万元 第 3 名，增量为负 → 0.00"


BEST_WORST = [
    # W = 10, base 4, span 6; values, points
    pytest.param(
        {"A": "80", "B": "50", "C": "20"},
        # A: 4 + (80 − 20) / (80 − 20) × 6 = 10; B: 4 + 30 / 60 × 6 = 7; C: 4 + 0 = 4
        {"A": "10.00", "B": "7.00", "C": "4.00"},
        id="table",
    ),
    pytest.param(
        {"A": "7", "B": "1", "C": "0"},
        # B: 4 + 1 / 7 × 6 = 4.857… → 4.86
        {"A": "10.00", "B": "4.86", "C": "4.00"},
        id="rounding",
    ),
    pytest.param(
        {"A": "30", "B": "30", "C": "10"},
        # A and B tie at best: both 10
        {"A": "10.00", "B": "10.00", "C": "4.00"},
        id="tie-at-best",
    ),
    pytest.param(
        {"A": "25", "B": "25"},
        # best == worst: the spread says nothing, everyone base + span = 10
        {"A": "10.00", "B": "10.00"},
        id="all-equal",
    ),
    pytest.param({"A": "12"}, {"A": "10.00"}, id="one-bank"),
]


@pytest.mark.parametrize(("values", "expected"), BEST_WORST)
def test_best_worst(values: dict[str, str], expected: dict[str, str]) -> None:
    """``base + (x − worst) / (best − worst) × span``; best == worst gives base + span."""
    rule = criterion("best_worst", 10, "renewal_share", base=4, span=6)
    scored = score(rule, {k: D(v) for k, v in values.items()})
    assert points_of(scored) == {k: D(v) for k, v in expected.items()}


def test_best_worst_formula() -> None:
    """The rationale shows best and worst."""
    rule = criterion("best_worst", 10, "renewal_share", base=4, span=6)
    scored = score(rule, {"A": D(80), "B": D(50), "C": D(20)})
    assert scored["B"].formula == "4 + (50 − 最差 20) / (最好 80 − 最差 20) × 6 = 7.00"
    assert score(rule, {"A": D(12)})["A"].formula == "最好 = 最差 = 12 %：4 + 6 = 10.00"


BASELINE_SLOPE = [
    # base 6, min 0, max 10; slope, values, county average, points
    pytest.param(
        "0.5",
        {"A": "20", "B": "10", "C": "6", "D": "-8"},
        # average (20 + 10 + 6 − 8) / 4 = 7
        "7.00",
        # A: 6 + 0.5 × 13 = 12.5 → max 10; B: 6 + 0.5 × 3 = 7.5; C: 6 − 0.5 = 5.5;
        # D: 6 + 0.5 × (−15) = −1.5 → min 0
        {"A": "10.00", "B": "7.50", "C": "5.50", "D": "0.00"},
        id="caps",
    ),
    pytest.param(
        "3",
        {"A": "1", "B": "2", "C": "2"},
        # average 5 / 3 = 1.666…; A: 6 + 3 × (1 − 5/3) = 4; B: 6 + 3 × (1/3) = 7
        "1.67",
        {"A": "4.00", "B": "7.00", "C": "7.00"},
        id="repeating-average",
    ),
    pytest.param("0.5", {"A": "12.5"}, "12.50", {"A": "6.00"}, id="one-bank-is-the-average"),
]


@pytest.mark.parametrize(("slope", "values", "average", "expected"), BASELINE_SLOPE)
def test_baseline_slope(
    slope: str, values: dict[str, str], average: str, expected: dict[str, str]
) -> None:
    """``base + slope × (x − county average)`` kept within [min, max]."""
    rule = criterion("baseline_slope", 10, "loan_growth", base=6, slope=slope, min=0, max=10)
    scored = score(rule, {k: D(v) for k, v in values.items()})
    assert points_of(scored) == {k: D(v) for k, v in expected.items()}
    assert {s.details["average"] for s in scored.values()} == {average}


def test_baseline_slope_formula() -> None:
    """The rationale shows the average (≈ when rounded for display) and the cap applied."""
    rule = criterion("baseline_slope", 10, "loan_growth", base=6, slope=3, min=0, max=10)
    scored = score(rule, {"A": D(1), "B": D(2), "C": D(2)})
    assert scored["A"].formula == "6 + 3 × (1 % − 全县均值 ≈ 1.67) = 4.00"
    capped = score(rule, {"A": D(10), "B": D(0)})
    # average 5: A 6 + 3 × 5 = 21 → 10; B 6 − 15 = −9 → 0
    assert capped["A"].formula == "6 + 3 × (10 % − 全县均值 5) = 21.00，上限 10 → 10.00"
    assert capped["B"].formula == "6 + 3 × (0 % − 全县均值 5) = -9.00，下限 0 → 0.00"


TARGET_GATE = [
    # W 20, bonus 1 per 500 above, cap 25; x, target, points
    pytest.param("999", "1000", "0.00", id="below"),
    pytest.param("1000", "1000", "20.00", id="at"),
    pytest.param("1499", "1000", "20.00", id="less-than-a-step-above"),  # ⌊499 / 500⌋ = 0
    pytest.param("2600", "1000", "23.00", id="three-steps"),  # 20 + ⌊1600 / 500⌋ = 23
    pytest.param("5000", "1000", "25.00", id="cap"),  # 20 + ⌊4000 / 500⌋ = 28 → 25
    pytest.param("0", "0", "20.00", id="zero-target"),
]


@pytest.mark.parametrize(("value", "target", "expected"), TARGET_GATE)
def test_target_gate(value: str, target: str, expected: str) -> None:
    """0 below the target, W at it, ``bonus`` per whole ``step`` above, at most ``cap``."""
    rule = criterion("target_gate", 20, bonus=1, step=500, cap=25)
    scored = score(rule, {"A": D(value)}, {"A": D(target)})
    assert scored["A"].points == D(expected)
    assert scored["A"].status is None


def test_target_gate_without_bonus_or_target() -> None:
    """Without a bonus meeting the target gives W; a bank with no target scores 0, pending."""
    rule = criterion("target_gate", 20)
    scored = score(rule, {"A": D(5000), "B": D(5000)}, {"A": D(1000), "B": None})
    assert scored["A"].points == D("20.00")
    assert scored["A"].formula == "5,000 万元 ≥ 目标 1,000 万元 → 20.00"
    assert (scored["B"].points, scored["B"].status) == (D("0.00"), "pending")
    capped = score(
        criterion("target_gate", 20, bonus=1, step=500, cap=25), {"A": D(5000)}, {"A": D(1000)}
    )
    assert capped["A"].formula == (
        "5,000 万元 ≥ 目标 1,000 万元：20 + 1 × ⌊(5,000 − 1,000) / 500⌋ = 20 + 1 × 8 = 28.00，"
        "封顶 25 → 25.00"
    )


def test_places_share_the_better_place() -> None:
    """Places count those strictly better: 1, 1, 3; from the bottom, those strictly worse."""
    values = {"A": D(5), "B": D(5), "C": D(1), "D": D(0)}
    assert places(values) == {"A": 1, "B": 1, "C": 3, "D": 4}
    assert places(values, highest_first=False) == {"A": 3, "B": 3, "C": 2, "D": 1}


# -- the measures -------------------------------------------------------------------


def bank_report(**figures: Any) -> BankMonthlyReported:
    """A report built from FIGURES (万元) with the given changes."""
    values = {k: Quantity.parse(f"{v} 万元") for k, v in {**FIGURES, **figures}.items()}
    return BankMonthlyReported(bank="A", **values)


MEASURES = [
    # measure, changed figures, value, text
    pytest.param(
        "new_loans", {"new_loans": "1234.5"}, "1234.5", "当月新增贷款 1,234.5 万元", id="new-loans"
    ),
    pytest.param(
        "loan_growth",
        {"loan_balance": 1150, "balance_at_year_start": 1000},
        "15.00",  # (1150 − 1000) / 1000 × 100
        "(贷款余额 1,150 − 年初贷款余额 1,000) / 年初贷款余额 1,000 万元 = 15.00 %",
        id="loan-growth",
    ),
    pytest.param(
        "loan_growth",
        {"loan_balance": 950, "balance_at_year_start": 1000},
        "-5.00",  # (950 − 1000) / 1000 × 100
        "(贷款余额 950 − 年初贷款余额 1,000) / 年初贷款余额 1,000 万元 = -5.00 %",
        id="loan-shrank",
    ),
    pytest.param(
        "loan_to_deposit",
        {"loan_balance": 1000, "deposits": 3000},
        "33.33",  # 1000 / 3000 × 100 = 33.333… → 33.33
        "贷款余额 1,000 / 存款余额 3,000 万元 = 33.33 %",
        id="loan-to-deposit",
    ),
    pytest.param(
        "industrial_increment",
        {"industrial_increment": "-12.5"},
        "-12.5",
        "工业和制造业贷款增量 -12.5 万元",
        id="industrial-negative",
    ),
    pytest.param(
        "inclusive_loans",
        {"inclusive_loans": 300},
        "300",
        "普惠小微贷款增量 300 万元",
        id="inclusive",
    ),
    pytest.param(
        "renewal_share",
        {"renewals_without_repayment": 1, "maturing_loans": 8},
        "12.50",  # 1 / 8 × 100
        "无还本续贷 1 / 到期贷款 8 万元 = 12.50 %",
        id="renewal-share",
    ),
    pytest.param(
        "matchmaking",
        {"matchmaking_signed": 3, "matchmaking_disbursed": 2},
        "66.67",  # 2 / 3 × 100 = 66.666… → 66.67
        "已放款 2 / 银企对接签约 3 万元 = 66.67 %",
        id="matchmaking",
    ),
    pytest.param(
        "loan_to_deposit", {"deposits": 0}, None, "存款余额为 0 万元，无法计算", id="no-deposits"
    ),
    pytest.param(
        "renewal_share",
        {"maturing_loans": 0},
        None,
        "到期贷款为 0 万元，无法计算",
        id="nothing-matured",
    ),
    pytest.param(
        "matchmaking",
        {"matchmaking_signed": 0},
        None,
        "银企对接签约为 0 万元，无法计算",
        id="nothing-signed",
    ),
    pytest.param(
        "loan_growth",
        {"balance_at_year_start": 0},
        None,
        "年初贷款余额为 0 万元，无法计算",
        id="no-start",
    ),
]


@pytest.mark.parametrize(("name", "figures", "value", "text"), MEASURES)
def test_measure(name: str, figures: dict[str, Any], value: str | None, text: str) -> None:
    """Each measure from a report; rates to 2 places; a zero denominator leaves it undefined."""
    found = measure(name, bank_report(**figures))
    assert found.value == (D(value) if value is not None else None)
    assert found.text == text


def test_report_refuses_other_units(registry: gyengine.events.EventTypes) -> None:
    """A report's figures are money; a negative balance is refused, a negative increment is not."""
    data = {"bank": "A", **{k: f"{v} 万元" for k, v in FIGURES.items()}}

    def encode(**changes: str) -> None:
        registry.encode(
            NewEvent(type="BankMonthlyReported", stream="bank/A", data={**data, **changes})
        )

    encode(industrial_increment="-5 万元")
    with pytest.raises(gyengine.InvalidEvent):
        encode(deposits="5 %")
    with pytest.raises(gyengine.InvalidEvent):
        encode(loan_balance="-1 万元")
    with pytest.raises(ValueError, match="deposits: 5 % is not money"):
        attrs.evolve(bank_report(), deposits=Quantity.parse("5 %"))
    with pytest.raises(ValueError, match="loan_balance: -10000 元 is negative"):
        attrs.evolve(bank_report(), loan_balance=Quantity.parse("-1 万元"))


# -- one month: totals, ranks, the bulletin ----------------------------------------------


def june(engine: gyengine.Engine, clock: Clock) -> dict[str, int]:
    """The June reports of the worked example; their seqs by bank."""
    return {
        "A": report(
            engine,
            clock,
            "A",
            "2019-06",
            new_loans=2600,
            industrial_increment=50,
            renewals_without_repayment=40,
        ),
        "B": report(
            engine,
            clock,
            "B",
            "2019-06",
            new_loans=900,
            industrial_increment=-5,
            renewals_without_repayment=10,
        ),
        "C": report(
            engine,
            clock,
            "C",
            "2019-06",
            new_loans=1500,
            industrial_increment=30,
            renewals_without_repayment=25,
        ),
    }


# The worked example (W = 50; the card: target 1000 万元 with 1 point per 500 above,
# at most 25; 20 − 5 per place, a negative increment 0; 4 + 6 between worst and best):
#
#          new loans              industrial            renewal share (%)        total  rank
#   A  2600: 20 + ⌊1600/500⌋ = 23  50: 1st 20           40: 4 + 30/30 × 6 = 10     53    1
#   B   900: < 1000 → 0            −5: 3rd, negative 0   10: worst → 4              4    3
#   C  1500: 20 + ⌊500/500⌋ = 21   30: 2nd 20 − 5 = 15   25: 4 + 15/30 × 6 = 7      43    2
EXAMPLE = {
    "A": ("23.00", "20.00", "10.00", "53.00", "1", "green", "top"),
    "B": ("0.00", "0.00", "4.00", "4.00", "3", "red", "bottom"),
    "C": ("21.00", "15.00", "7.00", "43.00", "2", "watch", ""),
}


def test_month_totals_ranks_and_bulletin(engine: gyengine.Engine, clock: Clock) -> None:
    """The worked example: each criterion, the total, the rank, the light and the bulletin."""
    define(engine, clock)
    seqs = june(engine, clock)
    result = replay(engine)
    for bank, (new, industrial, renewal, total, rank, status, listed) in EXAMPLE.items():
        got = [
            get(result, bank, f"criterion:{c}", "2019-06").points
            for c in ("new_loans", "industrial", "renewal")
        ]
        assert got == [D(new), D(industrial), D(renewal)], bank
        record = get(result, bank, "score", "2019-06")
        assert (record.value, record.points, record.target) == (D(total), D(total), D(55))
        assert (record.details["rank"], record.status, record.details["list"]) == (
            rank,
            status,
            listed,
        )
        assert record.details["rank_change"] == "new"
        assert record.details["previous_rank"] == ""
        assert record.details["veto"] == ""
        assert record.label == f"{bank}银行"
        assert record.unit == "分"
    a = get(result, "A", "score", "2019-06")
    assert a.rationale == (
        "新增贷款 23.00 + 工业贷款增量 20.00 + 无还本续贷占比 10.00 = 53.00（满分 55 = 基础 50 + 加分 5）；第 1 名（共 3 家）"
    )
    # Evidence: the card (1), A's definition (2) and, for the relative criteria, every report.
    assert a.evidence == (1, 2, *sorted(seqs.values()))
    new_loans = get(result, "A", "criterion:new_loans", "2019-06")
    assert new_loans.evidence == (1, 2, seqs["A"])  # target_gate: the bank's own report only
    assert (new_loans.value, new_loans.target, new_loans.unit) == (D(2600), D(1000), "万元")
    assert new_loans.rationale == (
        "新增贷款（20 分）：当月新增贷款 2,600 万元；2,600 万元 ≥ 目标 1,000 万元："
        "20 + 1 × ⌊(2,600 − 1,000) / 500⌋ = 20 + 1 × 3 = 23.00"
    )
    renewal = get(result, "C", "criterion:renewal", "2019-06")
    assert (renewal.value, renewal.unit) == (D("25.00"), "%")
    assert renewal.evidence == (1, 4, *sorted(seqs.values()))
    assert (renewal.details["best"], renewal.details["worst"]) == ("40", "10")
    top, bottom = (
        get(result, "bulletin", "top", "2019-06"),
        get(result, "bulletin", "bottom", "2019-06"),
    )
    assert (top.value, top.details["banks"]) == ("A银行", ["A"])
    assert (bottom.value, bottom.details["banks"]) == ("B银行", ["B"])
    assert top.details["provisional"] == "no"
    assert set(seqs.values()) <= set(top.evidence)


def test_bulletin_ties_and_overlap(engine: gyengine.Engine, clock: Clock) -> None:
    """Banks sharing a place at the cut are all listed; a bank in both lists stays at the top."""
    define(engine, clock, ("A", "B", "C", "D"), top=1, bottom=2)
    # totals 30 + new loans points: A 2000 → 52, B 2000 → 52, C 1500 → 51, D 900 → 30
    for bank, amount in (("A", 2000), ("B", 2000), ("C", 1500), ("D", 900)):
        report(engine, clock, bank, "2019-06", new_loans=amount)
    result = replay(engine)
    assert ranks(result, "2019-06", "ABCD") == {"A": "1", "B": "1", "C": "3", "D": "4"}
    top = get(result, "bulletin", "top", "2019-06")
    assert (top.value, top.details["banks"], top.details["ranks"]) == (
        "A银行、B银行",
        ["A", "B"],
        [1, 1],
    )
    bottom = get(result, "bulletin", "bottom", "2019-06")
    # from the bottom: D 1st, C 2nd; listed in rank order
    assert (bottom.value, bottom.details["banks"]) == ("C银行、D银行", ["C", "D"])

    define(engine, clock, ("A", "B", "C", "D"), top=3, bottom=3)  # a revised card
    result = replay(engine)
    assert get(result, "bulletin", "top", "2019-06").details["banks"] == ["A", "B", "C"]
    # from the bottom D 1, C 2, A and B 3: all within 3, but A, B, C are at the top already
    assert get(result, "bulletin", "bottom", "2019-06").details["banks"] == ["D"]
    assert get(result, "C", "score", "2019-06").status == "green"


# -- edge cases -------------------------------------------------------------------------


def test_zero_denominator_scores_zero_and_is_left_out(
    engine: gyengine.Engine, clock: Clock
) -> None:
    """A bank whose rate is undefined scores 0 and does not set the others' best or worst."""
    define(engine, clock)
    seqs = june(engine, clock)
    # B's second report (without supersedes: the later one counts) has nothing maturing.
    fixed = report(engine, clock, "B", "2019-06", maturing_loans=0)
    del seqs["B"]
    result = replay(engine)
    b = get(result, "B", "criterion:renewal", "2019-06")
    assert (b.value, b.points, b.status) == (None, D("0.00"), "red")
    assert b.rationale == "无还本续贷占比（10 分）：到期贷款为 0 万元，无法计算 → 0.00"
    assert b.evidence == (1, 3, fixed)
    # best 40 (A), worst 25 (C): A 4 + 15/15 × 6 = 10, C 4 + 0 = 4
    c = get(result, "C", "criterion:renewal", "2019-06")
    assert (c.points, c.details["worst"]) == (D("4.00"), "25")
    assert c.evidence == (1, 4, seqs["A"], seqs["C"])


def test_missing_report(engine: gyengine.Engine, clock: Clock) -> None:
    """A bank without its report: 0 everywhere, red, ranked last, never at the top."""
    define(engine, clock, top=3, bottom=1)
    a = report(engine, clock, "A", "2019-06", industrial_increment=50)
    b = report(engine, clock, "B", "2019-06", industrial_increment=30)
    result = replay(engine)
    for name in ("new_loans", "industrial", "renewal"):
        c = get(result, "C", f"criterion:{name}", "2019-06")
        assert (c.value, c.points, c.status) == (None, D("0.00"), "red")
        assert c.details["report"] == "missing"
        assert c.evidence == (1, 4)
    assert get(result, "C", "criterion:new_loans", "2019-06").rationale == (
        "新增贷款（20 分）：2019-06 未报送 → 0.00"
    )
    # the places on the industrial increment are A 1st and B 2nd among the two that reported
    assert get(result, "B", "criterion:industrial", "2019-06").details["place"] == "2"
    assert get(result, "B", "criterion:industrial", "2019-06").evidence == (1, 3, a, b)
    total = get(result, "C", "score", "2019-06")
    assert (total.value, total.status, total.details["rank"]) == (D("0.00"), "red", "3")
    assert total.details["report"] == "missing"
    assert (
        total.rationale
        == "2019-06 未报送（应于 2019-07-10 前报送），各项 0 → 0（满分 55 = 基础 50 + 加分 5）；第 3 名（共 3 家）"
    )
    assert get(result, "bulletin", "top", "2019-06").details["banks"] == ["A", "B"]
    assert get(result, "bulletin", "bottom", "2019-06").details["banks"] == ["C"]


def test_report_not_yet_due_is_pending(engine: gyengine.Engine, clock: Clock) -> None:
    """Known before the due day, a missing report is pending and the bulletin provisional."""
    define(engine, clock)
    report(engine, clock, "A", "2019-06", at="2019-07-03T09:00:00.000000Z")
    report(engine, clock, "B", "2019-06", at="2019-07-12T09:00:00.000000Z")
    early = replay(engine, known_at="2019-07-05")
    b = get(early, "B", "score", "2019-06")
    assert (b.status, b.details["report"], b.details["list"]) == ("pending", "not due", "")
    assert get(early, "B", "criterion:new_loans", "2019-06").status == "pending"
    assert get(early, "bulletin", "top", "2019-06").details["provisional"] == "yes"
    assert get(early, "bulletin", "bottom", "2019-06").details["banks"] == []  # B, C not due
    late = replay(engine)
    b = get(late, "B", "score", "2019-06")
    assert (b.details["report"], b.details["days_late"]) == ("late", "2")  # due 2019-07-10
    assert get(late, "C", "score", "2019-06").details["report"] == "missing"


def test_due_day_follows_the_supervision_cadence(engine: gyengine.Engine, clock: Clock) -> None:
    """With monthly_due_days = 5 a June report is due on 5 July; the cadence is evidence."""
    define(engine, clock, due_days=5)  # the supervision definition is seq 5
    report(engine, clock, "A", "2019-06", at="2019-07-05T23:00:00.000000Z")
    report(engine, clock, "B", "2019-06", at="2019-07-08T09:00:00.000000Z")
    result = replay(engine)
    assert get(result, "A", "score", "2019-06").details["report"] == "received"
    b = get(result, "B", "score", "2019-06")
    assert (b.details["report"], b.details["days_late"], b.details["due"]) == (
        "late",
        "3",
        "2019-07-05",
    )
    assert 5 in b.evidence
    assert 5 not in get(result, "A", "score", "2019-06").evidence


def test_veto(engine: gyengine.Engine, clock: Clock) -> None:
    """A veto sets the month's total to 0 with its reason; the criteria keep their points."""
    define(engine, clock, top=3, bottom=1)
    june(engine, clock)
    clock.now = "2019-07-12T09:00:00.000000Z"
    veto = append(
        engine,
        clock,
        "BankVetoed",
        {"bank": "A", "period": "2019-06", "reason": "拒不配合银企对接"},
    )
    result = replay(engine)
    a = get(result, "A", "score", "2019-06")
    assert (a.value, a.points, a.status) == (D("0.00"), D("0.00"), "red")
    assert a.details["veto"] == "拒不配合银企对接"
    assert veto in a.evidence
    assert a.rationale == (
        "新增贷款 23.00 + 工业贷款增量 20.00 + 无还本续贷占比 10.00 = 53.00；一票否决（拒不配合银企对接）→ 0"
        "（满分 55 = 基础 50 + 加分 5）；第 3 名（共 3 家）"
    )
    assert get(result, "A", "criterion:new_loans", "2019-06").points == D("23.00")
    # A's figures still count for the others: C stays second on the industrial increment.
    assert get(result, "C", "criterion:industrial", "2019-06").points == D("15.00")
    assert ranks(result, "2019-06") == {"A": "3", "B": "2", "C": "1"}
    # top 3 would take everyone: the vetoed bank is never listed at the top
    assert get(result, "bulletin", "top", "2019-06").details["banks"] == ["C", "B"]
    assert get(result, "bulletin", "bottom", "2019-06").details["banks"] == ["A"]
    quarter = get(result, "A", "score", "2019-Q2")
    assert quarter.details["veto"] == "2019-06：拒不配合银企对接"
    assert quarter.status == "red"


def test_correction_changes_the_rank(engine: gyengine.Engine, clock: Clock) -> None:
    """A corrected report replaces the one it supersedes; known before it, the old rank stands."""
    define(engine, clock)
    clock.now = "2019-07-05T09:00:00.000000Z"
    report(
        engine,
        clock,
        "A",
        "2019-06",
        id="A-06",
        new_loans=2600,
        industrial_increment=50,
        renewals_without_repayment=40,
    )
    report(
        engine,
        clock,
        "B",
        "2019-06",
        new_loans=900,
        industrial_increment=-5,
        renewals_without_repayment=10,
    )
    report(
        engine,
        clock,
        "C",
        "2019-06",
        new_loans=1500,
        industrial_increment=30,
        renewals_without_repayment=25,
    )
    fixed = report(
        engine,
        clock,
        "A",
        "2019-06",
        id="A-06-fix",
        supersedes="A-06",
        at="2019-07-08T09:00:00.000000Z",
        new_loans=800,
        industrial_increment=50,
        renewals_without_repayment=40,
    )
    before = replay(engine, known_at="2019-07-07")
    after = replay(engine)
    assert ranks(before, "2019-06") == {"A": "1", "B": "3", "C": "2"}
    # A: 800 < 1000 → 0, + 20 + 10 = 30 < C's 43
    assert get(after, "A", "score", "2019-06").value == D("30.00")
    assert ranks(after, "2019-06") == {"A": "2", "B": "3", "C": "1"}
    assert get(after, "bulletin", "top", "2019-06").details["banks"] == ["C"]
    assert fixed in get(after, "C", "criterion:industrial", "2019-06").evidence


def test_rank_change_from_month_to_month(engine: gyengine.Engine, clock: Clock) -> None:
    """rank_change is the previous assessed month's place minus this one's; the first month is new."""
    define(engine, clock)
    months = {
        # month: new loans of A, B, C → totals 30 + (2000: 22, 1500: 21, 900: 0)
        "2019-05": (2000, 900, 1500),  # A 52, B 30, C 51 → 1, 3, 2
        "2019-06": (900, 2000, 1500),  # A 30, B 52, C 51 → 3, 1, 2
        "2019-08": (2000, 2000, 900),  # A 52, B 52, C 30 → 1, 1, 3 (July: no reports)
    }
    for month, amounts in months.items():
        for bank, amount in zip("ABC", amounts, strict=True):
            report(engine, clock, bank, month, new_loans=amount)
    result = replay(engine)
    change = {
        month: {b: get(result, b, "score", month).details["rank_change"] for b in "ABC"}
        for month in months
    }
    assert change == {
        "2019-05": {"A": "new", "B": "new", "C": "new"},
        "2019-06": {"A": "-2", "B": "+2", "C": "0"},
        "2019-08": {"A": "+2", "B": "0", "C": "-1"},  # against June, the last assessed month
    }
    assert get(result, "A", "score", "2019-06").rationale.endswith(
        "第 3 名（共 3 家），上月第 1 名"
    )
    assert get(result, "A", "score", "2019-08").rationale.endswith(
        "第 1 名（共 3 家），上次第 3 名"
    )
    assert get(result, "A", "score", "2019-08").details["previous_rank"] == "3"
    assert result.find("A", "score", "2019-07") == []


def test_quarter_and_year_roll_up(engine: gyengine.Engine, clock: Clock) -> None:
    """A quarter's and the year's score is the mean of the monthly totals, ranked again."""
    define(engine, clock)
    for month, amounts in {
        "2019-05": (2000, 900, 1500),  # A 52, B 30, C 51
        "2019-06": (900, 2000, 1500),  # A 30, B 52, C 51
        "2019-08": (2000, 2000, 900),  # A 52, B 52, C 30
    }.items():
        for bank, amount in zip("ABC", amounts, strict=True):
            report(engine, clock, bank, month, new_loans=amount)
    result = replay(engine)
    expected = {
        # Q2: A (52 + 30) / 2 = 41, B (30 + 52) / 2 = 41, C (51 + 51) / 2 = 51
        "2019-Q2": {
            "A": ("41.00", "2", "new"),
            "B": ("41.00", "2", "new"),
            "C": ("51.00", "1", "new"),
        },
        # Q3: August only
        "2019-Q3": {
            "A": ("52.00", "1", "+1"),
            "B": ("52.00", "1", "+1"),
            "C": ("30.00", "3", "-2"),
        },
        # the year: A (52 + 30 + 52) / 3 = 44.666… → 44.67, B the same, C (51 + 51 + 30) / 3 = 44
        "2019": {
            "A": ("44.67", "1", "new"),
            "B": ("44.67", "1", "new"),
            "C": ("44.00", "3", "new"),
        },
    }
    for period, banks in expected.items():
        for bank, (value, rank, moved) in banks.items():
            record = get(result, bank, "score", period)
            assert (str(record.value), record.details["rank"], record.details["rank_change"]) == (
                value,
                rank,
                moved,
            ), (period, bank)
            assert record.details["complete"] == "no"
            assert record.target == D(55)
    q2 = get(result, "A", "score", "2019-Q2")
    assert q2.details["months"] == ["2019-05", "2019-06"]
    assert q2.rationale == "月均（52.00 + 30.00）/ 2 = 41.00；第 2 名（共 3 家）"
    assert get(result, "bulletin", "top", "2019-Q2").details["banks"] == ["C"]
    assert get(result, "bulletin", "bottom", "2019-Q2").details["banks"] == ["A", "B"]  # tied last
    assert get(result, "bulletin", "top", "2019").details["banks"] == ["A", "B"]
    # the quarter's evidence is its months' evidence
    may = get(result, "A", "score", "2019-05").evidence
    june_ = get(result, "A", "score", "2019-06").evidence
    assert set(q2.evidence) == set(may) | set(june_)


def test_complete_quarter(engine: gyengine.Engine, clock: Clock) -> None:
    """A quarter with all three months assessed is complete; as of a date, later months are left out."""
    define(engine, clock, ("A",))
    for month in ("2019-04", "2019-05", "2019-06", "2019-07"):
        report(engine, clock, "A", month)
    result = replay(engine)
    assert get(result, "A", "score", "2019-Q2").details["complete"] == "yes"
    assert get(result, "A", "score", "2019-Q3").details["complete"] == "no"
    # one bank alone: first, W on every criterion (20 + 20 + 10)
    assert get(result, "A", "score", "2019-04").value == D("50.00")
    as_of = replay(engine, as_of="2019-06-30")
    assert as_of.find("A", "score", "2019-07") == []
    assert as_of.find("A", "score", "2019-Q3") == []


# -- targets and references --------------------------------------------------------------


def test_targets_from_events(engine: gyengine.Engine, clock: Clock) -> None:
    """The shortest period's target wins, then the parameter; bad targets warn and are ignored."""
    define(engine, clock, ("A", "B", "C"))
    clock.now = "2019-01-20T09:00:00.000000Z"

    def target(
        bank: str, value: str, period: str, criterion: str = "new_loans", checked: bool = True
    ) -> int:
        return append(
            engine,
            clock,
            "BankTargetSet",
            {"bank": bank, "criterion": criterion, "target": value, "period": period},
            checked=checked,
        )

    year_a = target("A", "2000 万元", "2019")
    quarter_a = target("A", "1500", "2019-Q2")  # a plain number: 万元, the criterion's unit
    year_b = target("B", "0.2 亿元", "2019")  # 2000 万元
    wrong_unit = target("C", "12 %", "2019-06")
    unknown_bank = target("Z", "1000 万元", "2019", checked=False)  # append refuses it now
    unknown_criterion = target("A", "1000 万元", "2019", criterion="nope")
    not_gated = target("A", "10 万元", "2019", criterion="industrial")
    for bank in "ABC":
        report(engine, clock, bank, "2019-06", new_loans=2000)
        report(engine, clock, bank, "2019-07", new_loans=2000)
    result = replay(engine)
    got = {
        (bank, month): get(result, bank, "criterion:new_loans", month)
        for bank in "ABC"
        for month in ("2019-06", "2019-07")
    }
    # A quota set for a period is gated on the period's cumulative figure against its
    # 序时 share, never as a monthly threshold. June: A's Q2 quota 1500 beats its year
    # quota; June is month 3 of 3: due 1500 × 3/3 = 1500; Q2 so far = June's 2000 →
    # 20 + ⌊(2000 − 1500) / 500⌋ = 21.
    assert got["A", "2019-06"].target == D(1500)
    assert got["A", "2019-06"].value == D(2000)
    assert got["A", "2019-06"].points == D("21.00")
    assert quarter_a in got["A", "2019-06"].evidence
    assert year_a not in got["A", "2019-06"].evidence
    # July: the year's quota 2000, month 7 of 12: due 2000 × 7/12 = 1166.67; Jan–Jul so
    # far 2000 + 2000 = 4000 → 20 + ⌊2833.33 / 500⌋ = 25, the cap.
    assert got["A", "2019-07"].target == D("1166.67")
    assert got["A", "2019-07"].value == D(4000)
    assert got["A", "2019-07"].points == D("25.00")
    assert "2019 任务 2,000 万元，序时 7/12 = 1,166.67 万元" in got["A", "2019-07"].rationale
    # B: 0.2 亿元 = 2000 for the year; June: due 2000 × 6/12 = 1000, so far 2000 →
    # 20 + ⌊1000 / 500⌋ = 22 (as a monthly threshold it would have been 20).
    assert got["B", "2019-06"].target == D(1000)
    assert got["B", "2019-06"].points == D("22.00")
    assert year_b in got["B", "2019-06"].evidence
    assert got["C", "2019-06"].target == D(1000)  # 12 % is no target for an amount: the parameter
    assert got["C", "2019-06"].points == D("22.00")
    warnings = {
        item.record.evidence[0]: item.record
        for item in result.records
        if isinstance(item.record, Finding)
    }
    assert set(warnings) == {wrong_unit, unknown_bank, unknown_criterion, not_gated}
    assert {w.rule for w in warnings.values()} == {"bank-target-invalid"}
    assert warnings[wrong_unit].rationale == (
        f"目标设定（seq {wrong_unit}）未采用：目标 12 % 与指标 new_loans 的单位 万元 不符"
    )
    assert (
        warnings[unknown_bank].rationale
        == f"目标设定（seq {unknown_bank}）未采用：计划未列出银行 'Z'"
    )
    assert warnings[unknown_bank].subject == "Z"


def test_unknown_bank_report_and_veto_warn(engine: gyengine.Engine, clock: Clock) -> None:
    """A report or a veto of a bank the plan does not list (in a log written before append
    checked them) warns and is not assessed."""
    define(engine, clock, ("A",))
    report(engine, clock, "A", "2019-06")
    stray = report(engine, clock, "Z", "2019-06", checked=False)
    veto = append(
        engine,
        clock,
        "BankVetoed",
        {"bank": "Z", "period": "2019-06", "reason": "违规"},
        checked=False,
    )
    result = replay(engine)
    [reported] = result.find("Z", "bank-report-unknown")
    [vetoed] = result.find("Z", "bank-veto-unknown")
    assert (reported.record.evidence, vetoed.record.evidence) == ((stray,), (veto,))
    assert result.find("Z", "score") == []
    assert get(result, "A", "score", "2019-06").details["ranked"] == "1"


def test_invalid_criterion_appended_as_an_event_is_left_out(
    engine: gyengine.Engine, clock: Clock
) -> None:
    """A card appended without the plan check: a criterion with an unknown method warns and counts nothing."""
    broken = {**CARD[1], "id": "broken", "method": "rank"}
    define(engine, clock, ("A",), [CARD[0], broken])
    report(engine, clock, "A", "2019-06")
    result = replay(engine)
    [warning] = result.find("broken", "bank-criterion-invalid")
    assert warning.record.evidence == (1,)
    assert "unknown method 'rank'" in warning.record.rationale
    assert result.find("A", "criterion:broken") == []
    total = get(result, "A", "score", "2019-06")
    # only new loans: 1000 ≥ 1000 → 20; its 满分 is its cap 25
    assert (total.value, total.target) == (D("20.00"), D(25))


def test_veto_period_must_be_a_month(registry: gyengine.events.EventTypes) -> None:
    """A veto is for one month."""
    with pytest.raises(gyengine.InvalidEvent):
        registry.encode(
            NewEvent(
                type="BankVetoed",
                stream="bank/A",
                data={"bank": "A", "period": "2019-Q2", "reason": "违规"},
            )
        )
    with pytest.raises(ValueError, match="period: '2019-Q2' is not a month such as 2019-06"):
        BankVetoed(bank="A", period="2019-Q2", reason="违规")


def test_state_round_trips_through_the_converter(engine: gyengine.Engine, clock: Clock) -> None:
    """The fold's state survives unstructure, JSON and structure, and gives the same results."""
    define(engine, clock, due_days=10)
    june(engine, clock)
    append(
        engine,
        clock,
        "BankTargetSet",
        {"bank": "A", "criterion": "new_loans", "target": "2000 万元", "period": "2019"},
    )
    append(engine, clock, "BankVetoed", {"bank": "B", "period": "2019-06", "reason": "违规"})
    context = ReplayContext(None, None, {}, engine.store.head().seq)
    state = BanksState()
    for event in engine.events():
        if event.type in evaluator.consumes:
            state = fold(state, event, context)
    converter = engine.registry.converter
    text = json.dumps(converter.unstructure(state, BanksState), ensure_ascii=False)
    again = converter.structure(json.loads(text), BanksState)
    assert again == state
    assert list(results(again, context)) == list(results(state, context))


# -- plan checks ----------------------------------------------------------------------

PLAN = """\
[[bank]]
id = "A"
name = "甲银行"

[[bank]]
id = "B"
name = "乙银行"

[bank_assessment]
top = 1
bottom = 1

[[bank_assessment.criteria]]
id = "loans"
name = "新增贷款"
points = 20
method = "target_gate"
measure = "new_loans"
params = { target = 1000, bonus = 1, step = 500, cap = 25 }

[[bank_assessment.criteria]]
id = "industrial"
name = "工业贷款增量"
points = 20
method = "rank_steps"
measure = "industrial_increment"
params = { step = 3, negative_scores_zero = 1 }

[[bank_assessment.criteria]]
id = "renewal"
name = "无还本续贷占比"
points = 10
method = "best_worst"
measure = "renewal_share"
params = { base = 4, span = 6 }

[[bank_assessment.criteria]]
id = "growth"
name = "贷款增速"
points = 10
method = "baseline_slope"
measure = "loan_growth"
params = { base = 6, slope = 0.5, min = 0, max = 10 }
"""

# (old, new, the problem after "file:line: "); every problem is reported at [bank_assessment]
PLAN_PROBLEMS = [
    pytest.param(
        'method = "rank_steps"',
        'method = "rank"',
        "criteria: industrial: unknown method 'rank' (one of ratio_to_best, rank_steps, best_worst, baseline_slope, target_gate)",
        id="unknown-method",
    ),
    pytest.param(
        'points = 20\nmethod = "rank_steps"',
        'points = "twenty"\nmethod = "rank_steps"',
        "criteria: expected a decimal number such as \"1234.56\", got 'twenty'",
        id="points-not-a-number",
    ),
    pytest.param(
        'measure = "renewal_share"',
        'measure = "renewals"',
        "criteria: renewal: unknown measure 'renewals' (one of new_loans, loan_growth, loan_to_deposit, industrial_increment, inclusive_loans, renewal_share, matchmaking)",
        id="unknown-measure",
    ),
    pytest.param(
        "params = { step = 3, negative_scores_zero = 1 }",
        "params = { negative_scores_zero = 1 }",
        "criteria: industrial: method rank_steps needs parameter 'step'",
        id="missing-parameter",
    ),
    pytest.param(
        "params = { base = 4, span = 6 }",
        "params = { base = 4, span = 6, slope = 1 }",
        "criteria: renewal: unknown parameter 'slope' for best_worst (parameters: base, span)",
        id="unknown-parameter",
    ),
    pytest.param(
        "params = { base = 4, span = 6 }",
        "params = { base = 5, span = 6 }",
        "criteria: renewal: base + span = 5 + 6 exceeds the criterion's 10 points",
        id="base-and-span-exceed-points",
    ),
    pytest.param(
        "min = 0, max = 10",
        "min = 8, max = 4",
        "criteria: growth: min 8 is above max 4",
        id="min-above-max",
    ),
    pytest.param(
        "bonus = 1, step = 500, cap = 25",
        "bonus = 1, step = 500",
        "criteria: loans: a bonus needs a cap (the most points the criterion can give)",
        id="bonus-without-cap",
    ),
    pytest.param(
        "negative_scores_zero = 1",
        "negative_scores_zero = 2",
        "criteria: industrial: negative_scores_zero must be 0 or 1",
        id="flag-not-0-or-1",
    ),
    pytest.param(
        'id = "growth"',
        'id = "loans"',
        "criteria: loans: duplicate criterion id",
        id="duplicate-criterion",
    ),
]


def check(tmp_path: Path, text: str) -> list[str]:
    """The problems ``read_plan`` finds with only the plan frame and the bank plugins."""
    from gyengine.plan import PlanInvalid, read_plan
    from gyengine.plugins import build_plan_sections

    manager = gyengine.get_plugin_manager(
        entry_points=False, plugins=[gyengine_plan, gyengine_banks]
    )
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    try:
        read_plan(path, build_plan_sections(manager), gyengine.plugins.build_event_types(manager))
    except PlanInvalid as error:
        return [line.removeprefix(f"{path}:") for line in error.problems]
    return []


def test_plan_checks_clean(tmp_path: Path) -> None:
    """The sample card checks clean."""
    assert check(tmp_path, PLAN) == []


@pytest.mark.parametrize(("old", "new", "problem"), PLAN_PROBLEMS)
def test_plan_problem(tmp_path: Path, old: str, new: str, problem: str) -> None:
    """A card with a wrong method, measure, parameter or figure fails, naming the criterion."""
    assert old in PLAN
    line = PLAN[: PLAN.index("[bank_assessment]")].count("\n") + 1
    assert check(tmp_path, PLAN.replace(old, new, 1)) == [f"{line}: [bank_assessment]: {problem}"]


def test_plan_bank_problems(tmp_path: Path) -> None:
    """No bank may be called ``bulletin``; a card needs banks to assess."""
    text = PLAN.replace('id = "B"', 'id = "bulletin"', 1)
    line = text[: text.index('id = "bulletin"')].count("\n") + 1
    assert check(tmp_path, text) == [
        f"{line}: [bank] bulletin: id: 'bulletin' names the bulletin, not a bank"
    ]
    no_banks = PLAN[PLAN.index("[bank_assessment]") :]
    assert check(tmp_path, no_banks) == [
        "1: [bank_assessment]: the plan lists no [[bank]] to assess"
    ]


# -- the bundled demo year ----------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[gyengine.Engine]:
    """The bundled Xiangcheng dataset (plan and synthetic demo year) in one database."""
    from gyengine.datasets import load_dataset
    from gyengine.plugins import build_datasets, build_plan_sections

    manager = gyengine.get_plugin_manager()
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    engine = gyengine.Engine(gyengine.SQLiteEventStore(path, create=True), manager)
    load_dataset(
        engine.store,
        engine.registry,
        build_plan_sections(manager),
        build_datasets(manager)["xiangcheng-2019"],
    )
    yield engine
    engine.close()


BANKS = ("ABC", "BOC", "CCB", "ICBC", "PSBC", "XCRCB")


def test_demo_year(demo: gyengine.Engine) -> None:
    """Six synthetic banks ranked every month; CCB vetoed in July, PSBC late in September."""
    result = demo.replay(evaluators=["banks"], save=False)
    months = [f"2019-{m:02d}" for m in range(1, 13)]
    for month in months:
        totals = [get(result, bank, "score", month) for bank in BANKS]
        assert sorted(int(t.details["rank"]) for t in totals) == [1, 2, 3, 4, 5, 6]
        # 满分 is what the card can give: 20 + 10 + 10 + 20 + 15 + 10 + 15 = 100, and new
        # loans' bonus may take its 20 up to the cap 25: 100 − 20 + 25 = 105.
        assert {t.target for t in totals} == {D(105)}
        assert len(detail_list(get(result, "bulletin", "top", month).details, "banks")) == 2
        assert len(detail_list(get(result, "bulletin", "bottom", month).details, "banks")) == 2
    vetoed = get(result, "CCB", "score", "2019-07")
    assert (vetoed.value, vetoed.details["rank"]) == (D("0.00"), "6")
    assert vetoed.details["veto"].startswith("拒不配合银企对接工作")
    late = get(result, "PSBC", "score", "2019-09")
    assert (late.details["report"], late.details["days_late"]) == ("late", "6")
    reports = [get(result, b, "score", m).details["report"] for b in BANKS for m in months]
    assert reports.count("received") == 71
    assert get(result, "CCB", "score", "2019-Q3").details["complete"] == "yes"
    assert get(result, "CCB", "score", "2019").details["months"] == list(months)
    assert [item.record for item in result.records if isinstance(item.record, Finding)] == []


def test_demo_correction_known_at(demo: gyengine.Engine) -> None:
    """ICBC's April industrial increment was first sent a digit short, then corrected."""
    options = {"evaluators": ["banks"], "save": False}
    before = get(
        demo.replay(known_at="2019-05-07", **options),
        "ICBC",
        "criterion:industrial_increment",
        "2019-04",
    )
    after = get(demo.replay(**options), "ICBC", "criterion:industrial_increment", "2019-04")
    # 2590.6 万元 first sent as 259.1 (a tenth, rounded to 0.1 万元)
    assert before.value == (after.value / 10).quantize(D("0.1"), rounding=ROUND_HALF_UP)
    assert int(after.details["place"]) < int(before.details["place"])
