"""The indicator evaluator: every target shape, the status profiles, points and roll-ups, by hand.

Every expected figure below is computed in the test with its arithmetic written
out, never by calling the code under test.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

import gyengine
from gyengine.plan import PlanInvalid, iter_events, plan_changes, read_plan
from gyengine.plugins import build_datasets, build_plan_sections
from gyengine.timeutil import format_timestamp

D = Decimal


def q2(value: Decimal) -> Decimal:
    """Round half up to cents, as results are stored."""
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


# -- a small county to judge ------------------------------------------------------

HEAD = """\
[plan]
id = "test-2019"
title = "测试方案"
county = "测试县"
year = 2019
{plan_fields}

[[unit]]
id = "科工信局"
name = "县科技和工业信息化局"

[[unit]]
id = "发改委"
name = "县发展和改革委员会"

[[unit]]
id = "集聚区管委会"
name = "产业集聚区管委会"
kind = "committee"

[[unit]]
id = "循环区管委会"
name = "循环经济产业集聚区管委会"
kind = "committee"

[[park]]
id = "ICZ"
name = "产业集聚区"
committee = "集聚区管委会"

[[park]]
id = "CEZ"
name = "循环经济产业集聚区"
committee = "循环区管委会"
"""


def render(value: Any) -> str:
    """A TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {render(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def indicator(id: str, **fields: Any) -> str:
    """One ``[[indicator]]`` item; name, responsible and weight have defaults."""
    fields = {"name": f"指标{id}", "responsible": ["科工信局"], "weight": 10, **fields}
    body = "".join(f"{key} = {render(value)}\n" for key, value in fields.items())
    return f"\n[[indicator]]\nid = {render(id)}\n{body}"


class Results:
    """The scores of a replay by (subject, period, metric)."""

    def __init__(self, replay: gyengine.Replay) -> None:
        self.replay = replay
        self.scores: dict[tuple[str, str, str], gyengine.Score] = {}
        for item in replay.records:
            record = item.record
            assert isinstance(record, gyengine.Score)
            key = (record.subject, record.period, record.metric)
            assert key not in self.scores, key
            self.scores[key] = record

    def __call__(self, subject: str, period: str, metric: str = "completion") -> gyengine.Score:
        return self.scores[subject, period, metric]

    def periods(self, subject: str) -> list[str]:
        return sorted({period for s, period, _ in self.scores if s == subject})


class County:
    """An event log with a test plan, written at record times the test chooses."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.now = dt.datetime(2019, 1, 2, 1, 0, tzinfo=dt.UTC)
        store = gyengine.SQLiteEventStore(tmp_path / "x.db", create=True, clock=self.clock)
        self.engine = gyengine.Engine(store, gyengine.get_plugin_manager())
        self.sections = build_plan_sections(self.engine.manager)

    def clock(self) -> str:
        return format_timestamp(self.now)

    def at(self, moment: str) -> None:
        """Record the next events at ``moment`` (UTC)."""
        self.now = dt.datetime.fromisoformat(moment).replace(tzinfo=dt.UTC)

    def plan(self, *indicators: str, **plan_fields: Any) -> None:
        fields = "".join(f"{key} = {render(value)}\n" for key, value in plan_fields.items())
        path = self.tmp_path / "plan.toml"
        path.write_text(HEAD.format(plan_fields=fields) + "".join(indicators), encoding="utf-8")
        registry = self.engine.registry
        plan = read_plan(path, self.sections, registry)
        changes = plan_changes(plan, self.sections, self.engine.store, registry)
        self.engine.append(iter_events(changes))

    def add(self, *events: gyengine.NewEvent) -> list[int]:
        """Append events; return their seqs."""
        head = self.engine.store.head().seq
        result = self.engine.append(events)
        return list(range(head + 1, head + 1 + result.count))

    def add_unchecked(self, *events: gyengine.NewEvent) -> list[int]:
        """Append events straight to the store, as a log written before append checked
        events against the plan holds them (the evaluator must still cope); return their seqs."""
        registry = self.engine.registry
        result = self.engine.store.append(registry.encode(event) for event in events)
        return [seq for seq, _ in result.appended]

    def replay(
        self, as_of: str, known_at: str | None = None, options: dict[str, str] | None = None
    ) -> Results:
        return Results(
            self.engine.replay(
                as_of=as_of,
                known_at=known_at,
                evaluators=["indicators"],
                save=False,
                options=options or {},
            )
        )


@pytest.fixture
def county(tmp_path: Path) -> Iterator[County]:
    """A fresh test county in its own database."""
    made = County(tmp_path)
    yield made
    made.engine.close()


def stat(
    indicator: str, period: str, value: str, unit: str, part: str = "", **envelope: Any
) -> gyengine.NewEvent:
    data = {"indicator": indicator, "value": value, "unit": unit, "part": part}
    return gyengine.NewEvent(
        type="StatisticReported",
        stream=f"indicator/{indicator}",
        occurred=period,
        data=data,
        **envelope,
    )


def target_set(indicator: str, target: str, occurred: str = "2019") -> gyengine.NewEvent:
    return gyengine.NewEvent(
        type="TargetSet",
        stream=f"indicator/{indicator}",
        occurred=occurred,
        data={"indicator": indicator, "target": target, "source": "省下达"},
    )


def milestone(indicator: str, name: str, day: str) -> gyengine.NewEvent:
    return gyengine.NewEvent(
        type="MilestoneReached",
        stream=f"indicator/{indicator}",
        occurred=day,
        data={"indicator": indicator, "milestone": name, "date": day},
    )


def fact(type_: str, day: str, **data: str) -> gyengine.NewEvent:
    return gyengine.NewEvent(type=type_, stream=f"fact/{type_}", occurred=day, data=data)


# -- threshold ------------------------------------------------------------------

# I1-like: ≥ 8.5 %, a growth rate: judged in percentage points behind, never as a ratio
# of levels (方案：全县规上工业增加值增速8.5%以上). Bands: watch ≤ 1 pp, yellow ≤ 3 pp, red beyond;
# points = 15 × (1 − gap / 3) below the target, 15 at or above it, 0 once red.
THRESHOLD_CASES = [
    # actual, gap (8.5 − actual, pp), status, points
    ("9.0", D("-0.5"), "green", D(15)),  # above: full weight
    ("8.5", D(0), "green", D(15)),  # exactly the target
    ("7.9", D("0.6"), "watch", D(15) * (1 - D("0.6") / 3)),  # 15 × 0.8 = 12
    ("7.5", D("1.0"), "watch", D(15) * (1 - D("1.0") / 3)),  # 1 pp: still watch, 10
    ("6.0", D("2.5"), "yellow", D(15) * (1 - D("2.5") / 3)),  # 15 × 1/6 = 2.5
    ("5.5", D("3.0"), "yellow", D(0)),  # exactly 3 pp: yellow, nothing left
    ("5.4", D("3.1"), "red", D(0)),  # beyond 3 pp: red
    ("-1.0", D("9.5"), "red", D(0)),  # shrinking: no negative points
]


@pytest.mark.parametrize(
    ("actual", "gap", "status", "earned"),
    THRESHOLD_CASES,
    ids=[case[0] for case in THRESHOLD_CASES],
)
def test_threshold(county: County, actual: str, gap: Decimal, status: str, earned: Decimal) -> None:
    """A rate against a ≥ threshold is judged in percentage points behind it, not actual / target."""
    county.plan(
        indicator("I1", unit="%", shape="threshold", target="8.5 %", weight=15),
    )
    county.add(stat("I1", "2019-06", actual, "%"))
    score = county.replay("2019-06-30")("I1", "2019-06")
    assert score.value == D(actual)
    assert score.target == D("8.5")
    assert score.unit == "%"
    assert score.details["completion_pct"] == ""  # no ratio of levels for a rate
    assert score.details["expected_pct"] == ""  # never time-shared
    assert score.details["gap_pp"] == str(q2(gap))
    assert score.details["judged"] == "pp"
    assert score.status == status
    assert score.points == q2(earned)


def test_share_is_judged_in_points_behind(county: County) -> None:
    """I6 主导产业占规上工业比重70%以上: 68.2 % is 1.8 pp behind (yellow), not 97.43 % done (watch)."""
    county.plan(indicator("I6", unit="%", shape="threshold", target="70 %", weight=10))
    county.add(stat("I6", "2019-01", "68.2", "%"))
    score = county.replay("2019-01-31")("I6", "2019-01")
    # gap = 70 − 68.2 = 1.8 pp: above the 1 pp watch band, within the 3 pp yellow band.
    # As a ratio of levels it would have been 68.2 / 70 = 97.43 %, 2.57 behind: watch.
    assert score.details["gap_pp"] == "1.80"
    assert score.status == "yellow"
    assert score.points == q2(D(10) * (1 - D("1.8") / 3))  # 10 × 0.4 = 4.00


def test_rate_bands_from_the_plan(county: County) -> None:
    """An indicator's watch_pp and yellow_pp set its bands: 2 pp behind with 0.5 / 1.5 is red."""
    county.plan(
        indicator(
            "I1", unit="%", shape="threshold", target="8.5 %", watch_pp="0.5", yellow_pp="1.5"
        )
    )
    county.add(stat("I1", "2019-06", "6.5", "%"))
    assert county.replay("2019-06-30")("I1", "2019-06").status == "red"  # 2 > 1.5


def test_threshold_with_nothing_reported(county: County) -> None:
    """With no statistic at all the indicator awaits data: pending, no points, not judged."""
    county.plan(indicator("I1", unit="%", shape="threshold", target="8.5 %", weight=15))
    score = county.replay("2019-02-28")("I1", "2019-02")
    assert score.value is None
    assert score.target == D("8.5")
    assert score.status == "pending"
    assert score.points is None
    assert "等待数据（尚无报送）" in score.rationale


def test_threshold_uses_the_latest_statistic_by_the_judging_day(county: County) -> None:
    """Each month is judged on the latest statistic about a period begun by its last day."""
    county.plan(indicator("I1", unit="%", shape="threshold", target="8.5 %", weight=15))
    county.add(stat("I1", "2019-03", "8.3", "%"), stat("I1", "2019-05", "8.4", "%"))
    results = county.replay("2019-06-30")
    assert results.periods("I1") == [f"2019-{m:02d}" for m in range(1, 7)]
    assert results("I1", "2019-02").value is None
    assert results("I1", "2019-03").value == D("8.3")
    assert results("I1", "2019-04").value == D("8.3")  # April not reported: March's figure
    assert results("I1", "2019-05").value == D("8.4")
    assert results("I1", "2019-06").value == D("8.4")


def test_strictly_more_than_the_target(county: County) -> None:
    """With op ">" reaching the target exactly is not met (a library of 67 must grow past 67)."""
    county.plan(
        indicator("K4", unit="个", shape="threshold", op=">", target="67 个", weight=2),
    )
    county.add(stat("K4", "2019-03", "67", "个"), stat("K4", "2019-06", "68", "个"))
    results = county.replay("2019-06-30")
    march = results("K4", "2019-03")
    assert march.details["completion_pct"] == "100.00"  # 67 / 67
    assert march.status == "watch"  # the mildest miss under the pp profile, not green
    assert "未超过目标（须高于目标）" in march.rationale
    june = results("K4", "2019-06")
    assert june.status == "green"  # 68 > 67
    assert june.points == D(2)


@pytest.mark.parametrize(
    ("op", "actual", "status", "earned"),
    [
        ("<=", "0.8", "green", D(5)),  # 0.8 ≤ 1.0
        ("<=", "1.0", "green", D(5)),
        ("<=", "1.2", "red", D(0)),
        ("<", "1.0", "red", D(0)),  # not strictly below
        ("<", "0.9", "green", D(5)),
    ],
    ids=["le-below", "le-equal", "le-above", "lt-equal", "lt-below"],
)
def test_ceiling(county: County, op: str, actual: str, status: str, earned: Decimal) -> None:
    """An upper bound (op "<=" or "<") is met or not: green with full weight, or red with none."""
    county.plan(indicator("C1", unit="%", shape="threshold", op=op, target="1.0 %", weight=5))
    county.add(stat("C1", "2019-04", actual, "%"))
    score = county.replay("2019-04-30")("C1", "2019-04")
    assert (score.status, score.points) == (status, earned)


# -- status profiles --------------------------------------------------------------

# A threshold of 100 个 (a level, not a rate): completion equals the actual, the gap is 100 − actual.
PP_CASES = [
    ("100", "green"),  # gap 0
    ("100.01", "green"),  # ahead
    ("99.99", "watch"),  # gap 0.01
    ("90", "watch"),  # gap exactly 10: still watch
    ("89.99", "yellow"),  # gap 10.01
    ("70", "yellow"),  # gap exactly 30: still yellow
    ("69.99", "red"),  # gap 30.01
    ("0", "red"),
]


@pytest.mark.parametrize(("actual", "status"), PP_CASES, ids=[a for a, _ in PP_CASES])
def test_pp_profile_bands(county: County, actual: str, status: str) -> None:
    """pp profile: green at no gap, watch up to 10 pp behind, yellow up to 30, red beyond."""
    county.plan(indicator("P", unit="个", shape="threshold", target="100 个"))
    county.add(stat("P", "2019-03", actual, "个"))
    score = county.replay("2019-03-31")("P", "2019-03")
    assert score.details["gap_pp"] == str(q2(D(100) - D(actual)))
    assert score.status == status


@pytest.mark.parametrize(
    ("actual", "status"),
    [("95", "watch"), ("94.99", "yellow"), ("80", "yellow"), ("79.99", "red")],
    ids=["gap5", "gap5.01", "gap20", "gap20.01"],
)
def test_pp_profile_bands_from_the_plan(county: County, actual: str, status: str) -> None:
    """The plan's watch_pp and yellow_pp (here 5 and 20) set the bands."""
    county.plan(
        indicator("P", unit="个", shape="threshold", target="100 个"), watch_pp="5", yellow_pp="20"
    )
    county.add(stat("P", "2019-03", actual, "个"))
    assert county.replay("2019-03-31")("P", "2019-03").status == status


# A cumulative 100 亿元 by month, judged 2019-06-30: 6 of 12 months, 50 % expected.
RATIO_CASES = [
    # actual 亿元 (= completion %), status, points = 10 × min(1, completion / 50)
    ("80", "green", D(10)),
    ("50", "green", D(10)),  # exactly on schedule
    ("49", "yellow", D(10) * 49 / 50),  # 98 % of the schedule
    ("25", "yellow", D(10) * 25 / 50),  # exactly half the schedule: still yellow
    ("24", "red", D(10) * 24 / 50),  # 48 % of the schedule
    ("0", "red", D(0)),
]


@pytest.mark.parametrize(
    ("actual", "status", "earned"), RATIO_CASES, ids=[c[0] for c in RATIO_CASES]
)
def test_ratio_profile_bands(county: County, actual: str, status: str, earned: Decimal) -> None:
    """ratio profile: green at or above schedule, yellow down to half of it, red below."""
    county.plan(
        indicator("R", unit="亿元", shape="cumulative", target="100 亿元", schedule="month"),
        status_profile="ratio",
    )
    county.add(stat("R", "2019-06", actual, "亿元"))
    score = county.replay("2019-06-30")("R", "2019-06")
    expected_pct = D(6) / 12 * 100  # June: 6 of 12 months
    assert score.details["expected_pct"] == str(q2(expected_pct))
    assert score.expected == D(50)  # 100 亿元 × 6/12
    assert score.status == status
    assert score.points == q2(earned)


@pytest.mark.parametrize(
    ("actual", "status"), [("40", "yellow"), ("39", "red")], ids=["80%", "78%"]
)
def test_ratio_profile_share_from_the_plan(county: County, actual: str, status: str) -> None:
    """The plan's yellow_ratio 0.2 makes yellow need 80 % of the schedule (40 of 50)."""
    county.plan(
        indicator("R", unit="亿元", shape="cumulative", target="100 亿元", schedule="month"),
        status_profile="ratio",
        yellow_ratio="0.2",
    )
    county.add(stat("R", "2019-06", actual, "亿元"))
    assert county.replay("2019-06-30")("R", "2019-06").status == status


@pytest.mark.parametrize(
    ("profile", "status"), [("pp", "yellow"), ("ratio", "red")], ids=["pp", "ratio"]
)
def test_profile_is_chosen_by_the_plan(county: County, profile: str, status: str) -> None:
    """The same 24 of 50 expected is yellow under pp (26 pp behind) and red under ratio (48 %)."""
    county.plan(
        indicator("R", unit="亿元", shape="cumulative", target="100 亿元", schedule="month"),
        status_profile=profile,
    )
    county.add(stat("R", "2019-06", "24", "亿元"))
    score = county.replay("2019-06-30")("R", "2019-06")
    assert score.status == status
    assert score.points == q2(D(10) * 24 / 50)  # the same points under both profiles
    assert {"pp": "按差距评价", "ratio": "按比例评价"}[profile] in score.rationale


# -- baseline + delta ---------------------------------------------------------------

I2 = indicator("I2", unit="%", shape="baseline_delta", baseline_period="2018", delta="3 个百分点")


def test_baseline_plus_delta(county: County) -> None:
    """比重提高3个百分点 from 23.6 %: 24.1 % is (24.1 − 23.6) / 3 = 16.67 % of the improvement, not 24.1 / 26.6."""
    county.plan(I2)
    baseline, january = county.add(
        stat("I2", "2018", "23.6", "%"), stat("I2", "2019-01", "24.1", "%")
    )
    score = county.replay("2019-01-31")("I2", "2019-01")
    completion = (D("24.1") - D("23.6")) / 3 * 100  # 0.5 / 3 = 16.67 %
    assert score.target == D("26.6")  # 23.6 + 3
    assert score.value == D("24.1")
    assert score.details["completion_pct"] == str(q2(completion)) == "16.67"
    assert score.details["gap_pp"] == "2.50"  # 26.6 − 24.1
    assert score.status == "yellow"  # 2.5 pp behind: within 3
    assert score.points == q2(D(10) * completion / 100)  # 10 × 1/6 = 1.67
    assert {baseline, january} <= set(score.evidence)


@pytest.mark.parametrize(
    ("actual", "completion", "status", "earned"),
    [
        ("23.6", D(0), "yellow", D(0)),  # no improvement: 0 / 3 = 0 points; 3.0 pp behind: yellow
        ("23.0", D(0), "red", D(0)),  # a fall: (23.0 − 23.6) / 3 < 0, floored at 0; 3.6 pp behind
        ("26.6", D(100), "green", D(10)),  # the whole 3 points
        ("27.2", D(120), "green", D(10)),  # 3.6 / 3 = 120 %, points capped at the weight
    ],
    ids=["none", "fall", "met", "exceeded"],
)
def test_improvement_achieved_over_improvement_asked(
    county: County, actual: str, completion: Decimal, status: str, earned: Decimal
) -> None:
    """No improvement at all scores 0; the improvement asked scores the whole weight."""
    county.plan(I2)
    county.add(stat("I2", "2018", "23.6", "%"), stat("I2", "2019-12", actual, "%"))
    score = county.replay("2019-12-31")("I2", "2019-12")
    assert score.details["completion_pct"] == str(q2(completion))
    assert score.points == q2(earned)
    assert score.status == status


def test_baseline_not_reported_is_pending(county: County) -> None:
    """Without the 2018 statistic there is no target yet: pending, no points."""
    county.plan(I2)
    county.add(stat("I2", "2019-06", "25.9", "%"))
    score = county.replay("2019-06-30")("I2", "2019-06")
    assert (score.status, score.target, score.points) == ("pending", None, None)
    assert score.value == D("25.9")
    assert "基期 2018 数未报送" in score.rationale


def test_baseline_is_not_the_current_value(county: County) -> None:
    """Before any 2019 figure, the 2018 baseline is not taken for 2019's actual value."""
    county.plan(I2)
    county.add(stat("I2", "2018", "23.6", "%"))
    score = county.replay("2019-01-31")("I2", "2019-01")
    assert score.value is None
    assert score.target == D("26.6")
    assert score.status == "pending"  # nothing reported for 2019 yet: awaiting data
    assert score.points is None


@pytest.mark.parametrize(
    ("delta", "target", "formula"),
    [
        ("25 %", D(60) * (1 + D(25) / 100), "60.00 亿元 × (1 + 25.00 %)"),  # 同比增长 25 %: 75
        ("5 亿元", D(60) + 5, "60.00 亿元 + 5.00 亿元"),  # an amount added: 65
        ("3000 万元", D(60) + D("0.3"), "60.00 亿元 + 0.30 亿元"),
    ],
    ids=["growth-rate", "amount", "amount-other-unit"],
)
def test_baseline_amount_plus_growth(
    county: County, delta: str, target: Decimal, formula: str
) -> None:
    """An amount's baseline grows by a rate (× 1.25) or by an amount (+ 5 亿元), never by 25 元."""
    county.plan(
        indicator(
            "I7",
            unit="亿元",
            shape="baseline_delta",
            baseline_period="2018",
            delta=delta,
            schedule="month",
        )
    )
    county.add(stat("I7", "2018", "60", "亿元"), stat("I7", "2019-06", "40", "亿元"))
    score = county.replay("2019-06-30")("I7", "2019-06")
    assert score.target == target
    assert score.expected == target * 6 / 12  # June: 6 of 12 months
    assert score.details["completion_pct"] == str(q2(D(40) / target * 100))
    assert f"目标 = 2018 {formula}" in score.rationale


def test_baseline_in_another_unit_is_not_used(county: County) -> None:
    """A 2018 figure reported in 亿元 for a share in % gives no target, and says why."""
    county.plan(I2)
    county.add_unchecked(stat("I2", "2018", "23.6", "亿元"), stat("I2", "2019-06", "25.9", "%"))
    score = county.replay("2019-06-30")("I2", "2019-06")
    assert (score.status, score.target) == ("pending", None)
    assert "基期 2018 数（seq" in score.rationale
    assert "单位为 元，不是 %：未采用" in score.rationale


def test_a_delta_that_cannot_be_added_is_refused_by_the_plan_check(county: County) -> None:
    """Points (个百分点) cannot be added to an amount: the plan is refused at its line, so no
    replay meets it (the evaluator still gives no target for such a definition in an old log)."""
    with pytest.raises(PlanInvalid) as refused:
        county.plan(
            indicator(
                "I7",
                unit="亿元",
                shape="baseline_delta",
                baseline_period="2018",
                delta="3 个百分点",
            )
        )
    assert "[indicator] I7: delta: 3 pp cannot be expressed in the indicator's unit 亿元" in str(
        refused.value
    )


def test_every_shape_has_its_rule() -> None:
    """Each shape a plan may name has one rule in the evaluator's table, and the table names no other."""
    from gyengine_indicators.evaluator import BY_SHAPE
    from gyengine_indicators.events import SHAPES

    assert sorted(BY_SHAPE) == sorted(SHAPES)


# -- external target set later ---------------------------------------------------------


def test_external_target_pending_before_and_judged_after(county: County) -> None:
    """I3-like: pending until the province's TargetSet is recorded, then judged against it."""
    county.plan(indicator("I3", unit="%", shape="external"))
    county.at("2019-07-10T01:00:00")
    county.add(stat("I3", "2019-06", "2.6", "%"))
    county.at("2019-07-15T03:00:00")
    [target_seq] = county.add(target_set("I3", "3.8 %"))

    before = county.replay("2019-06-30", known_at="2019-07-14")("I3", "2019-06")
    assert (before.status, before.target, before.points) == ("pending", None, None)
    assert before.value == D("2.6")
    assert "上级尚未下达目标" in before.rationale

    # Recorded on 15 July, the target applies from then: June is not re-judged (方案：
    # 单位生产总值能耗降低率完成省下达目标; the 省下达 target arrives as its own event).
    june = county.replay("2019-06-30", known_at="2019-07-16")("I3", "2019-06")
    assert (june.status, june.target, june.points) == ("pending", None, None)
    assert f"seq {target_seq} 下达的目标自 2019-07-15 起适用" in june.rationale
    # The option lang=en words the same rationale in English.
    english = county.replay("2019-06-30", known_at="2019-07-16", options={"lang": "en"})
    assert (
        f"the one set by seq {target_seq} applies from 2019-07-15"
        in english("I3", "2019-06").rationale
    )
    county.at("2019-08-10T01:00:00")
    county.add(stat("I3", "2019-07", "2.9", "%"))
    july = county.replay("2019-07-31")("I3", "2019-07")
    assert july.target == D("3.8")
    assert july.details["gap_pp"] == "0.90"  # 3.8 − 2.9, a rate: in points
    assert july.status == "watch"
    assert july.points == q2(D(10) * (1 - D("0.9") / 3))  # 7.00
    assert target_seq in july.evidence


def test_external_target_revised(county: County) -> None:
    """A second TargetSet in force replaces the first: 2.6 against 4.0 is 1.4 pp behind."""
    county.plan(indicator("I3", unit="%", shape="external"))
    county.add(stat("I3", "2019-06", "2.6", "%"), target_set("I3", "3.8 %"))
    county.add(target_set("I3", "4.0 %"))
    score = county.replay("2019-06-30")("I3", "2019-06")
    assert score.target == D("4.0")
    assert score.details["gap_pp"] == "1.40"


def test_external_target_in_money_before_it_is_set(county: County) -> None:
    """An external target in 亿元 that is not set yet is pending, with the actual in 亿元."""
    county.plan(indicator("E", unit="亿元", shape="external"))
    county.add(stat("E", "2019-02", "1.5", "亿元"))
    score = county.replay("2019-02-28")("E", "2019-02")
    assert (score.status, score.value, score.target) == ("pending", D("1.5"), None)


def test_external_target_in_another_unit_is_not_used(county: County) -> None:
    """A TargetSet in 个百分点 for a rate in % leaves the indicator pending instead of failing."""
    county.plan(indicator("I3", unit="%", shape="external"))
    seqs = county.add_unchecked(stat("I3", "2019-06", "2.6", "%"), target_set("I3", "3.8 个百分点"))
    score = county.replay("2019-06-30")("I3", "2019-06")
    assert (score.status, score.target, score.points) == ("pending", None, None)
    assert f"seq {seqs[1]} 下达的目标单位为 pp，不是 %：未采用" in score.rationale


def test_statistic_in_another_unit_is_not_counted(county: County) -> None:
    """A rate reported in 亿元 by mistake is not read as 50,000,000 %: nothing usable, pending."""
    county.plan(indicator("I1", unit="%", shape="threshold", target="8.5 %", weight=15))
    [seq] = county.add_unchecked(stat("I1", "2019-03", "0.5", "亿元"))
    score = county.replay("2019-03-31")("I1", "2019-03")
    assert score.value is None
    assert (score.status, score.points) == ("pending", None)
    assert f"2019-03 统计数（seq {seq}）单位为 元，不是 %：未计入" in score.rationale
    assert seq in score.evidence


@pytest.mark.parametrize(
    ("value", "unit", "note"),
    [
        ("8.0", "percent", "单位为 percent，不是 %"),  # a unit gyengine does not know
        ("1E+1", "%", None),  # 10 %, written with an exponent
    ],
    ids=["unknown-unit", "exponent"],
)
def test_statistic_units_never_fail_the_replay(
    county: County, value: str, unit: str, note: str | None
) -> None:
    """An unknown unit is named and left out; a figure with an exponent is read exactly."""
    county.plan(indicator("I1", unit="%", shape="threshold", target="8.5 %"))
    county.add_unchecked(stat("I1", "2019-03", value, unit))
    score = county.replay("2019-03-31")("I1", "2019-03")
    if note is None:
        assert score.value == D(10)
        assert score.status == "green"
    else:
        assert score.value is None
        assert note in score.rationale


# -- count with parts ------------------------------------------------------------------

I4 = indicator(
    "I4",
    unit="家",
    shape="count_parts",
    target="21 家",
    parts={"ICZ": "15 家", "CEZ": "6 家"},
    schedule="month",
    responsible=["科工信局", "集聚区管委会", "循环区管委会"],
)


def test_count_with_parts(county: County) -> None:
    """Each part is judged against its own target and the total against 21, on the same schedule."""
    county.plan(I4)
    county.add(
        stat("I4", "2019-06", "6", "家", part="ICZ"), stat("I4", "2019-06", "2", "家", part="CEZ")
    )
    results = county.replay("2019-06-30")
    expected_pct = D(6) / 12 * 100  # June: 6 of 12 months = 50 %

    total = results("I4", "2019-06")
    total_completion = D(6 + 2) / 21 * 100  # 38.10 %
    assert (total.value, total.target) == (D(8), D(21))
    assert total.expected == D(21) * 6 / 12  # 10.5 家
    assert total.details["completion_pct"] == str(q2(total_completion))
    assert total.status == "yellow"  # 11.90 pp behind
    assert total.points == q2(D(10) * total_completion / expected_pct)  # 7.62

    icz = results("I4", "2019-06", "completion:ICZ")
    assert (icz.value, icz.target, icz.expected) == (D(6), D(15), D("7.5"))
    assert icz.details["completion_pct"] == str(q2(D(6) / 15 * 100))  # 40 %
    assert icz.status == "watch"  # exactly 10 pp behind
    assert icz.points is None  # only the total earns points

    cez = results("I4", "2019-06", "completion:CEZ")
    assert (cez.value, cez.target, cez.expected) == (D(2), D(6), D(3))
    assert cez.details["completion_pct"] == str(q2(D(2) / 6 * 100))  # 33.33 %
    assert cez.status == "yellow"  # 16.67 pp behind


def test_count_with_one_part_missing(county: County) -> None:
    """A part not reported awaits data on its own and adds nothing to the total."""
    county.plan(I4)
    county.add(stat("I4", "2019-06", "6", "家", part="ICZ"))
    results = county.replay("2019-06-30")
    assert results("I4", "2019-06").value == D(6)
    assert results("I4", "2019-06").details["completion_pct"] == str(q2(D(6) / 21 * 100))
    cez = results("I4", "2019-06", "completion:CEZ")
    assert (cez.value, cez.status) == (None, "pending")


# -- comparison of two series --------------------------------------------------------

COMPARE_CASES = [
    # op, series, compare_to, status
    (">", "8.1", "7.8", "green"),
    (">", "7.4", "7.8", "red"),
    (">", "7.8", "7.8", "red"),  # equal is not higher
    (">=", "7.8", "7.8", "green"),
    ("<", "7.4", "7.8", "green"),
    ("<=", "7.9", "7.8", "red"),
]


@pytest.mark.parametrize(
    ("op", "a", "b", "status"),
    COMPARE_CASES,
    ids=[f"{a}{op}{b}" for op, a, b, _ in COMPARE_CASES],
)
def test_compare(county: County, op: str, a: str, b: str, status: str) -> None:
    """I5-like: investment growth against GDP growth; the value is the difference in pp."""
    county.plan(
        indicator(
            "I5", unit="%", shape="compare", op=op, series="工业投资增速", compare_to="GDP增速"
        )
    )
    seqs = county.add(
        stat("I5", "2019-06", a, "%", part="工业投资增速"),
        stat("I5", "2019-06", b, "%", part="GDP增速"),
    )
    score = county.replay("2019-06-30")("I5", "2019-06")
    assert score.value == D(a) - D(b)
    assert score.details["difference_pp"] == str(q2(D(a) - D(b)))
    assert score.status == status
    assert score.points == (D(10) if status == "green" else D(0))
    assert set(seqs) <= set(score.evidence)


def test_compare_waits_for_both_series(county: County) -> None:
    """With only one series reported the comparison is pending, naming the missing one."""
    county.plan(indicator("I5", unit="%", shape="compare", op=">", series="投资", compare_to="GDP"))
    county.add(stat("I5", "2019-06", "8.1", "%", part="投资"))
    score = county.replay("2019-06-30")("I5", "2019-06")
    assert (score.status, score.points) == ("pending", None)
    assert "GDP 尚未报送" in score.rationale


def test_compare_uses_the_same_period(county: County) -> None:
    """June's investment is not compared with May's GDP: both are taken for May."""
    county.plan(indicator("I5", unit="%", shape="compare", op=">", series="投资", compare_to="GDP"))
    county.add(
        stat("I5", "2019-05", "7.0", "%", part="投资"),
        stat("I5", "2019-06", "9.0", "%", part="投资"),
        stat("I5", "2019-05", "7.5", "%", part="GDP"),
    )
    score = county.replay("2019-06-30")("I5", "2019-06")
    assert score.value == D("7.0") - D("7.5")  # May against May, not 9.0 − 7.5
    assert score.status == "red"
    assert "（2019-05）" in score.rationale


def test_compare_monthly_with_quarterly(county: County) -> None:
    """Monthly investment meets quarterly GDP at the quarter's end."""
    county.plan(indicator("I5", unit="%", shape="compare", op=">", series="投资", compare_to="GDP"))
    county.add(
        stat("I5", "2019-03", "8.0", "%", part="投资"),
        stat("I5", "2019-04", "7.0", "%", part="投资"),
        stat("I5", "2019-Q1", "7.6", "%", part="GDP"),
    )
    score = county.replay("2019-04-30")("I5", "2019-04")
    assert score.value == D("8.0") - D("7.6")  # March (Jan–Mar) against Q1
    assert score.status == "green"


# -- cumulative against 序时进度 --------------------------------------------------------

CURVE = [
    "0.05",
    "0.10",
    "0.18",
    "0.26",
    "0.35",
    "0.45",
    "0.55",
    "0.63",
    "0.72",
    "0.82",
    "0.90",
    "1",
]

SCHEDULE_CASES = [
    # schedule, as_of, period judged, statistic (period, 亿元), expected % written out, status
    ("month", "2019-05-31", "2019-05", ("2019-05", "31.2"), D(5) / 12 * 100, "watch"),
    # mid-May: May is not over, 4 whole months count
    ("month", "2019-05-15", "2019-05", ("2019-04", "24.1"), D(4) / 12 * 100, "watch"),
    ("month", "2019-12-31", "2019-12", ("2019-12", "76.3"), D(100), "green"),
    ("month", "2019-01-31", "2019-01", ("2019-01", "6.5"), D(1) / 12 * 100, "green"),
    # days elapsed, the judging day included: 31 + 28 + 31 + 30 + 31 = 151 of 365
    ("day", "2019-05-31", "2019-05", ("2019-05", "31.2"), D(151) / 365 * 100, "green"),
    ("day", "2019-03-10", "2019-03", ("2019-02", "10.9"), D(31 + 28 + 10) / 365 * 100, "watch"),
    # a figure counts once the period it is about has ended: here a day's figure
    ("day", "2019-01-01", "2019-01", ("2019-01-01", "0"), D(1) / 365 * 100, "watch"),
    # the curve's value for the last whole month elapsed
    ("curve", "2019-05-31", "2019-05", ("2019-05", "31.2"), D("0.35") * 100, "green"),
    ("curve", "2019-06-20", "2019-06", ("2019-05", "31.2"), D("0.35") * 100, "green"),
    ("curve", "2019-09-30", "2019-09", ("2019-09", "40"), D("0.72") * 100, "yellow"),
    ("curve", "2019-01-20", "2019-01", ("2019-01-15", "3"), D(0), "green"),
]


@pytest.mark.parametrize(
    ("schedule", "as_of", "period", "statistic", "expected_pct", "status"),
    SCHEDULE_CASES,
    ids=[f"{c[0]}-{c[1]}" for c in SCHEDULE_CASES],
)
def test_cumulative_against_schedule(
    county: County,
    schedule: str,
    as_of: str,
    period: str,
    statistic: tuple[str, str],
    expected_pct: Decimal,
    status: str,
) -> None:
    """I7-like 75 亿元: completion against the share of the year the schedule expects by then."""
    extra: dict[str, Any] = {"curve": [D(v) for v in CURVE]} if schedule == "curve" else {}
    county.plan(
        indicator(
            "I7",
            unit="亿元",
            shape="cumulative",
            target="75 亿元",
            schedule=schedule,
            park="ICZ",
            **extra,
        )
    )
    county.add(stat("I7", statistic[0], statistic[1], "亿元"))
    score = county.replay(as_of)("I7", period)
    actual = D(statistic[1])
    completion = actual / 75 * 100
    assert score.value == actual
    assert score.target == D(75)
    assert q2(score.expected) == q2(D(75) * expected_pct / 100)
    assert score.details["expected_pct"] == str(q2(expected_pct))
    assert score.details["completion_pct"] == str(q2(completion))
    assert score.status == status
    share = D(1) if expected_pct == 0 else min(D(1), completion / expected_pct)
    assert score.points == q2(D(10) * share)


def test_cumulative_in_other_units(county: County) -> None:
    """A statistic in 万元 counts against a target in 亿元: 4500 万元 is 0.45 亿元."""
    county.plan(indicator("M", unit="亿元", shape="cumulative", target="3 亿元", schedule="month"))
    county.add(stat("M", "2019-03", "4500", "万元"))
    score = county.replay("2019-03-31")("M", "2019-03")
    assert score.value == D("0.45")
    assert score.details["completion_pct"] == str(q2(D("0.45") / 3 * 100))  # 15 %


def test_nothing_expected_yet_is_pending(county: County) -> None:
    """In January no whole month has passed: with nothing reported the status is pending."""
    county.plan(indicator("M", unit="亿元", shape="cumulative", target="3 亿元", schedule="month"))
    score = county.replay("2019-01-20")("M", "2019-01")
    assert (score.status, score.points, score.value) == ("pending", None, None)


# -- measures: sum, count, milestones, with where and initial ---------------------------


def test_sum_with_where_and_initial(county: County) -> None:
    """K4-like funds: 200 万元 to start with plus the 智能化改造 grants, other programmes left out."""
    county.plan(
        indicator(
            "K4-智能化",
            unit="万元",
            shape="cumulative",
            target="3000 万元",
            schedule="month",
            weight=3,
            measure={
                "source": "sum",
                "event": "FundsSecured",
                "field": "amount",
                "where": {"programme": "智能化改造"},
                "initial": "200 万元",
            },
        )
    )
    march, may, _, _ = county.add(
        fact("FundsSecured", "2019-03-12", programme="智能化改造", amount="1200 万元"),
        fact("FundsSecured", "2019-05-20", programme="智能化改造", amount="0.08 亿元"),
        fact("FundsSecured", "2019-04-01", programme="技术改造", amount="500 万元"),
        fact("FundsSecured", "2019-07-02", programme="智能化改造", amount="600 万元"),
    )
    results = county.replay("2019-06-30")
    values = {p: results("K4-智能化", p).value for p in results.periods("K4-智能化")}
    assert values == {
        "2019-01": D(200),  # the initial amount only
        "2019-02": D(200),
        "2019-03": D(200 + 1200),
        "2019-04": D(200 + 1200),  # 技术改造 is another programme
        "2019-05": D(200 + 1200 + 800),  # 0.08 亿元 = 800 万元
        "2019-06": D(200 + 1200 + 800),  # July's grant is after the as-of date
    }
    june = results("K4-智能化", "2019-06")
    assert june.details["completion_pct"] == str(q2(D(2200) / 3000 * 100))  # 73.33 %
    assert june.status == "green"  # ahead of 50 %
    assert june.points == D(3)
    assert "200.00 万元 + 2 条 FundsSecured 事件合计" in june.rationale
    assert {march, may} <= set(june.evidence)


def test_sum_of_areas_with_two_conditions(county: County) -> None:
    """K5-like: factory space in one park, in m² whatever unit each report used."""
    county.plan(
        indicator(
            "K5",
            unit="万m²",
            shape="cumulative",
            target="10 万m²",
            schedule="month",
            measure={
                "source": "sum",
                "event": "AssetRevitalised",
                "field": "area",
                "where": {"kind": "厂房", "park": "ICZ"},
            },
        )
    )
    county.add(
        fact(
            "AssetRevitalised",
            "2019-02-01",
            kind="厂房",
            park="ICZ",
            area="0.3 万m²",
            enterprise="甲",
        ),
        fact(
            "AssetRevitalised",
            "2019-03-01",
            kind="厂房",
            park="ICZ",
            area="5000 平方米",
            enterprise="乙",
        ),
        fact(
            "AssetRevitalised",
            "2019-03-02",
            kind="厂房",
            park="CEZ",
            area="2 万m²",
            enterprise="丙",
        ),
        fact(
            "AssetRevitalised", "2019-03-03", kind="土地", park="ICZ", area="30 亩", enterprise="丁"
        ),
        # a 厂房 measured in 亩 by mistake: 300 亩 are not 300 m²
        fact(
            "AssetRevitalised",
            "2019-03-04",
            kind="厂房",
            park="ICZ",
            area="300 亩",
            enterprise="戊",
        ),
    )
    score = county.replay("2019-03-31")("K5", "2019-03")
    assert score.value == D("0.8")  # 3000 m² + 5000 m² = 8000 m² = 0.8 万m²
    assert score.details["completion_pct"] == str(q2(D("0.8") / 10 * 100))  # 8 %
    assert "单位为 亩：不是 万m²，未计入" in score.rationale


def test_count_with_where_and_initial(county: County) -> None:
    """S2-like listings: 3 to start with plus 4 on the named exchange; another board is left out."""
    county.plan(
        indicator(
            "S2",
            unit="家",
            shape="cumulative",
            target="20 家",
            schedule="month",
            weight=3,
            measure={
                "source": "count",
                "event": "EnterpriseListed",
                "where": {"board": "中原股权交易中心"},
                "initial": "3 家",
            },
        )
    )
    board = "中原股权交易中心"
    county.add(
        fact("EnterpriseListed", "2019-03-05", enterprise="甲", board=board),
        fact("EnterpriseListed", "2019-04-05", enterprise="乙", board=board),
        fact("EnterpriseListed", "2019-06-05", enterprise="丙", board=board),
        fact("EnterpriseListed", "2019-06-25", enterprise="丁", board=board),
        fact("EnterpriseListed", "2019-05-05", enterprise="戊", board="新三板"),
    )
    score = county.replay("2019-06-30")("S2", "2019-06")
    completion = D(3 + 4) / 20 * 100  # 35 %
    assert score.value == D(7)
    assert score.details["completion_pct"] == str(q2(completion))
    assert score.status == "yellow"  # 50 − 35 = 15 pp behind
    assert score.points == q2(D(3) * completion / 50)  # 2.1


def test_milestones_measure_counts_distinct_names(county: County) -> None:
    """A milestone reported twice counts once; one reached after the judging day not at all."""
    county.plan(
        indicator(
            "K6",
            unit="项",
            shape="cumulative",
            target="4 项",
            schedule="month",
            measure={"source": "milestones"},
        )
    )
    county.add(
        milestone("K6", "长江高压", "2019-03-10"),
        milestone("K6", "许昌开炭", "2019-04-02"),
        milestone("K6", "长江高压", "2019-05-01"),
        milestone("K6", "许智电力", "2019-07-05"),
    )
    results = county.replay("2019-06-30")
    assert results("K6", "2019-03").value == D(1)
    assert results("K6", "2019-06").value == D(2)  # 长江高压 once, 许昌开炭
    assert results("K6", "2019-06").status == "green"  # 2 of 4 = 50 %, on schedule


# -- milestone by a deadline --------------------------------------------------------------

MILESTONE_CASES = [
    # reached on, judged on, status, points (weight 4; late is half)
    ("2019-09-20", "2019-09-30", "green", D(4)),  # on time
    ("2019-09-30", "2019-09-30", "green", D(4)),  # on the deadline itself
    ("2019-10-08", "2019-10-31", "yellow", D(4) / 2),  # late
    (None, "2019-06-30", "pending", None),  # not yet due: 92 days left, not judged
    (None, "2019-08-30", "pending", None),  # 31 days left
    (None, "2019-08-31", "yellow", None),  # 30 days left: due within 30 days
    (None, "2019-10-31", "red", D(0)),  # overdue
    ("2019-10-08", "2019-09-30", "red", D(0)),  # overdue on the deadline, reached later
]


@pytest.mark.parametrize(
    ("reached", "as_of", "status", "earned"),
    MILESTONE_CASES,
    ids=["on-time", "on-deadline", "late", "not-due", "31-days", "30-days", "overdue", "then"],
)
def test_milestone_by_deadline(
    county: County, reached: str | None, as_of: str, status: str, earned: Decimal | None
) -> None:
    """A single milestone: on time green, late yellow, not due pending, near yellow, overdue red."""
    county.plan(
        indicator("K2", unit="座", shape="milestone", deadline=dt.date(2019, 9, 30), weight=4)
    )
    if reached is not None:
        county.add(milestone("K2", "水厂扩容完成", reached))
    score = county.replay(as_of)("K2", as_of[:7])
    assert score.status == status
    assert score.points == earned
    assert score.details["deadline"] == "2019-09-30"


NAMED = indicator(
    "K2-村庄搬迁",
    unit="个",
    shape="milestone",
    deadline=dt.date(2019, 12, 31),
    milestones=["坡刘村搬迁", "方庄村搬迁"],
    weight=3,
)


@pytest.mark.parametrize(
    ("reached", "as_of", "status", "count"),
    [
        (
            [("坡刘村搬迁", "2019-10-18"), ("方庄村搬迁", "2019-12-20")],
            "2019-12-31",
            "green",
            "2/2",
        ),
        ([("坡刘村搬迁", "2019-10-18")], "2019-12-31", "red", "1/2"),
        ([("坡刘村搬迁", "2019-10-18")], "2019-11-30", "pending", "1/2"),
        ([("坡刘村搬迁", "2019-10-18"), ("其他村搬迁", "2019-11-01")], "2019-12-31", "red", "1/2"),
    ],
    ids=["all", "some-overdue", "some-not-due", "unlisted-name"],
)
def test_named_milestones(
    county: County, reached: list[tuple[str, str]], as_of: str, status: str, count: str
) -> None:
    """With named milestones the target is reached only when every one of them is."""
    county.plan(NAMED)
    county.add_unchecked(*(milestone("K2-村庄搬迁", name, day) for name, day in reached))
    score = county.replay(as_of)("K2-村庄搬迁", as_of[:7])
    assert score.details["reached"] == count
    assert score.status == status
    assert score.points == {"green": D(3), "pending": None, "red": D(0)}[status]


# -- composite -----------------------------------------------------------------------------

K7 = indicator(
    "K7",
    unit="亿元",
    shape="composite",
    target="50 亿元",
    schedule="month",
    park="ICZ",
    weight=5,
    measure={
        "source": "sum",
        "event": "InvestmentSigned",
        "field": "amount",
        "where": {"park": "ICZ"},
    },
    conditions=[{"count": 1, "at_least": "10 亿元"}, {"count": 3, "at_least": "2000 万元"}],
)


def signed(day: str, amount: str, park: str = "ICZ") -> gyengine.NewEvent:
    return fact("InvestmentSigned", day, park=park, project=f"项目{day}{amount}", amount=amount)


def test_composite_total_met_but_count_not(county: County) -> None:
    """Mid-year, 30.1 亿元 is ahead of 25 but only 1 project ≥ 2000 万元 of 3: watch, not green."""
    county.plan(K7)
    county.add(
        signed("2019-03-01", "30 亿元"),
        signed("2019-04-01", "1000 万元"),  # below 2000 万元
        signed("2019-05-01", "40 亿元", park="CEZ"),  # another park
    )
    score = county.replay("2019-06-30")("K7", "2019-06")
    total = D(30) + D("0.1")  # 30 亿元 + 1000 万元
    completion = total / 50 * 100  # 60.2 %, ahead of 6/12
    assert score.value == total
    assert score.details["completion_pct"] == str(q2(completion))
    assert score.status == "watch"
    assert score.points == D(5)  # the total earns its points; the status warns
    assert "≥ 3 个 ≥ 0.20 亿元：1 未达到" in score.rationale
    assert "≥ 1 个 ≥ 10.00 亿元：1 达到" in score.rationale


def test_composite_at_year_end_unmet_is_red(county: County) -> None:
    """At year end a total of 52 亿元 with one project ≥ 2000 万元 is red and earns nothing."""
    county.plan(K7)
    county.add(signed("2019-03-01", "50 亿元"), signed("2019-11-01", "2 亿元"))
    # 2 亿元 is ≥ 2000 万元 too: 2 of 3 such projects
    score = county.replay("2019-12-31")("K7", "2019-12")
    assert score.value == D(52)
    assert score.status == "red"
    assert score.points == D(0)
    assert "≥ 3 个 ≥ 0.20 亿元：2 未达到" in score.rationale


def test_composite_all_met_is_green(county: County) -> None:
    """Total and both counts met: green with full points."""
    county.plan(K7)
    county.add(
        signed("2019-03-01", "45 亿元"),
        signed("2019-06-01", "3000 万元"),
        signed("2019-09-01", "2000 万元"),  # exactly the size: counts
    )
    score = county.replay("2019-12-31")("K7", "2019-12")
    assert score.value == D(45) + D("0.3") + D("0.2")
    assert score.details["completion_pct"] == str(q2(D("45.5") / 50 * 100))  # 91 %
    # The total is 9 pp behind the full year: watch; both counts are met.
    assert score.status == "watch"
    assert score.points == q2(D(5) * D("45.5") / 50)


def test_composite_count_met_and_total_ahead(county: County) -> None:
    """Total ahead of schedule and every count met: green."""
    county.plan(K7)
    county.add(
        signed("2019-02-01", "12 亿元"),
        signed("2019-03-01", "13 亿元"),
        signed("2019-04-01", "0.5 亿元"),
    )
    score = county.replay("2019-06-30")("K7", "2019-06")
    assert score.status == "green"  # 25.5 of 50 = 51 % ≥ 50 %
    assert score.points == D(5)


# -- roll-ups per unit and park -------------------------------------------------------------


def test_rollups_per_unit_and_park(county: County) -> None:
    """Units earn Σ points × role / Σ weight × role (lead 1, co-responsible 0.5); parks likewise."""
    county.plan(
        indicator(
            "A",
            unit="亿元",
            shape="threshold",
            target="8.5 亿元",
            weight=15,
            responsible=["科工信局", "发改委"],
        ),
        indicator(
            "B",
            unit="亿元",
            shape="cumulative",
            target="75 亿元",
            schedule="month",
            park="ICZ",
            weight=10,
            responsible=["集聚区管委会", "发改委"],
        ),
        # not yet due (deadline 12-31): listed in the roll-ups as 未到考核节点, not scored
        indicator(
            "C",
            unit="项",
            shape="milestone",
            deadline=dt.date(2019, 12, 31),
            responsible=["科工信局"],
            park="CEZ",
        ),
        # weight 0: reported, never scored
        indicator(
            "Z", unit="%", shape="threshold", target="1 %", weight=0, responsible=["循环区管委会"]
        ),
        lead_weight="1",
        co_weight="0.5",
    )
    county.add(
        stat("A", "2019-06", "7.9", "亿元"),
        stat("B", "2019-06", "30", "亿元"),
        stat("Z", "2019-06", "1", "%"),
    )
    results = county.replay("2019-06-30")
    a_points = q2(D(15) * D("7.9") / D("8.5"))  # 13.94
    b_points = q2(D(10) * (D(30) / 75 * 100) / (D(6) / 12 * 100))  # 10 × 40 / 50 = 8
    assert results("A", "2019-06").points == a_points == D("13.94")
    assert results("B", "2019-06").points == b_points == D(8)
    lead, co = D(1), D("0.5")
    expected = {
        "科工信局": (a_points * lead, D(15) * lead),  # leads A
        "发改委": (a_points * co + b_points * co, D(15) * co + D(10) * co),  # co on A and B
        "集聚区管委会": (b_points * lead, D(10) * lead),  # leads B
    }
    for unit, (earned, possible) in expected.items():
        score = results(unit, "2019-06", "indicator_score")
        assert score.value == q2(earned / possible * 100), unit
        assert score.points == q2(earned), unit
        assert score.target == D(100)
    assert results("科工信局", "2019-06", "indicator_score").value == D("92.93")  # 13.94 / 15
    assert results("发改委", "2019-06", "indicator_score").value == D("87.76")  # 10.97 / 12.5
    assert results("集聚区管委会", "2019-06", "indicator_score").value == D(80)  # 8 / 10
    assert results("科工信局", "2019-06", "indicator_score").status == "watch"  # 7.07 behind
    assert results("发改委", "2019-06", "indicator_score").status == "yellow"  # 12.24 behind
    assert ("循环区管委会", "2019-06", "indicator_score") not in results.scores  # weight 0 only
    park = results("ICZ", "2019-06", "indicator_score")
    assert park.value == D(80)  # B only: 8 / 10
    assert park.details == {"kind": "park", "indicators": "1"}
    # C is not due until 12-31: 科工信局 keeps 13.94 / 15 and names C as 未到考核节点; CEZ,
    # with nothing due, has a roll-up without a score.
    assert (
        "未到考核节点 1 项（C），不计分"
        in results("科工信局", "2019-06", "indicator_score").rationale
    )
    cez = results("CEZ", "2019-06", "indicator_score")
    assert (cez.value, cez.points, cez.status) == (None, None, "pending")
    assert cez.details == {"kind": "park", "indicators": "0", "not_due": "1"}


# -- corrections, explain, known-at ----------------------------------------------------------


def test_correction_changes_the_result_and_explain_shows_both(county: County) -> None:
    """A corrected statistic replaces the original; explain lists both, the old one superseded."""
    county.plan(
        indicator("I7", unit="亿元", shape="cumulative", target="75 亿元", schedule="month")
    )
    county.at("2019-06-08T01:00:00")
    [original] = county.add(stat("I7", "2019-05", "31.2", "亿元", id="stat-I7-2019-05"))
    county.at("2019-06-20T08:00:00")
    [correction] = county.add(
        stat(
            "I7", "2019-05", "20", "亿元", id="stat-I7-2019-05-fixed", supersedes="stat-I7-2019-05"
        )
    )
    expected_pct = D(5) / 12 * 100  # May: 5 of 12 months
    before = county.replay("2019-05-31", known_at="2019-06-10")("I7", "2019-05")
    assert before.value == D("31.2")
    assert before.status == "watch"  # 41.6 % against 41.67 %
    after = county.replay("2019-05-31")("I7", "2019-05")
    assert after.value == D(20)
    assert after.details["completion_pct"] == str(q2(D(20) / 75 * 100))  # 26.67 %
    assert after.status == "yellow"  # 15 pp behind
    assert after.points == q2(D(10) * (D(20) / 75 * 100) / expected_pct)
    assert original not in after.evidence

    [explanation] = county.engine.explain("I7", "completion", "2019-05", as_of="2019-05-31")
    trail = {entry.event.seq: entry.superseded_by for entry in explanation.evidence}
    assert trail[correction] is None
    assert trail[original] == correction
    assert explanation.result.record.value == D(20)


def test_retracted_statistic_no_longer_counts(county: County) -> None:
    """An EventRetracted makes its statistic disappear from the result."""
    county.plan(indicator("I1", unit="%", shape="threshold", target="8.5 %"))
    county.add(stat("I1", "2019-03", "8.0", "%"), stat("I1", "2019-04", "9.0", "%", id="s-apr"))
    county.add(
        gyengine.NewEvent(
            type="EventRetracted",
            stream="indicator/I1",
            data={"reason": "误报"},
            supersedes="s-apr",
        )
    )
    assert county.replay("2019-04-30")("I1", "2019-04").value == D("8.0")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[gyengine.Engine]:
    """The bundled Xiangcheng dataset (plan and synthetic demo year) in one database."""
    manager = gyengine.get_plugin_manager()
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    engine = gyengine.Engine(gyengine.SQLiteEventStore(path, create=True), manager)
    from gyengine.datasets import load_dataset

    dataset = build_datasets(manager)["xiangcheng-2019"]
    load_dataset(engine.store, engine.registry, build_plan_sections(manager), dataset)
    yield engine
    engine.close()


def test_demo_energy_target_known_at(demo: gyengine.Engine) -> None:
    """The province's 3.8 % arrives on 2019-07-15: June stays pending however late it is replayed; July is judged."""
    options = {"evaluators": ["indicators"], "save": False}
    for known_at in ("2019-07-14", "2019-07-16", None):
        [june] = demo.replay(as_of="2019-06-30", known_at=known_at, **options).find(
            "I3", "completion", "2019-06"
        )
        assert (june.record.status, june.record.target, june.record.points) == (
            "pending",
            None,
            None,
        )
    [july] = demo.replay(as_of="2019-07-31", **options).find("I3", "completion", "2019-07")
    assert july.record.target == D("3.8")
    assert july.record.value == D("2.9")  # the demo's July figure
    assert july.record.details["gap_pp"] == "0.90"  # 3.8 − 2.9
    assert july.record.status == "watch"


def test_demo_uses_the_corrected_may_investment(demo: gyengine.Engine) -> None:
    """The demo's May ICZ investment was corrected from 31.2 to 30.2 亿元; replays use 30.2."""
    result = demo.replay(as_of="2019-05-31", evaluators=["indicators"], save=False)
    [may] = result.find("I7", "completion", "2019-05")
    assert may.record.value == D("30.2")
    assert may.record.details["completion_pct"] == str(q2(D("30.2") / 75 * 100))  # 40.27 %
    assert may.record.details["expected_pct"] == str(q2(D(5) / 12 * 100))  # 41.67 %
    assert may.record.status == "watch"
    statuses = {item.record.status for item in result.records}
    assert statuses <= {"green", "watch", "yellow", "red", "pending"}


def test_a_statistic_counts_once_its_period_has_ended(county: County) -> None:
    """On 30 April a Q2 figure is not yet a fact; at the end of June it is."""
    county.plan(indicator("I6", unit="%", shape="threshold", target="70 %"))
    county.add(stat("I6", "2019-03", "68", "%"), stat("I6", "2019-Q2", "71", "%"))
    april = county.replay("2019-04-30")("I6", "2019-04")
    assert april.value == D(68)  # March's figure: Q2 has not ended
    june = county.replay("2019-06-30")("I6", "2019-06")
    assert june.value == D(71)


def test_parts_of_a_count_are_credited_to_their_parks(county: County) -> None:
    """I4's parts earn their park a share of the weight: 15 / 21 and 6 / 21 of 10 points."""
    county.plan(I4)
    county.add(
        stat("I4", "2019-06", "6", "家", part="ICZ"), stat("I4", "2019-06", "3", "家", part="CEZ")
    )
    results = county.replay("2019-06-30")
    expected_pct = D(6) / 12 * 100  # June: half the year
    icz_share = D(10) * D(15) / D(21)
    cez_share = D(10) * D(6) / D(21)
    icz_points = q2(icz_share * min(D(1), (D(6) / 15 * 100) / expected_pct))  # 40 % of 50 %
    cez_points = q2(cez_share * min(D(1), (D(3) / 6 * 100) / expected_pct))  # 50 % of 50 %: full
    icz = results("ICZ", "2019-06", "indicator_score")
    cez = results("CEZ", "2019-06", "indicator_score")
    assert icz.points == icz_points == D("5.71")
    assert icz.value == D(80)  # 40 % done of 50 % expected, from the unrounded points
    assert cez.points == cez_points == D("2.86")
    assert cez.value == D(100)


def test_joint_leads(county: County) -> None:
    """With `lead` listing two units, both earn at the lead weight; the rest at the co weight."""
    county.plan(
        indicator(
            "K2",
            unit="亿元",
            shape="threshold",
            target="10 亿元",
            weight=4,
            responsible=["循环区管委会", "集聚区管委会", "科工信局"],
            lead=["循环区管委会", "集聚区管委会"],
        ),
        lead_weight="1",
        co_weight="0.5",
    )
    county.add(stat("K2", "2019-06", "5", "亿元"))
    results = county.replay("2019-06-30")
    earned = q2(D(4) * D(5) / D(10))  # 50 % of the target: 2 points
    for unit, role in (("循环区管委会", D(1)), ("集聚区管委会", D(1)), ("科工信局", D("0.5"))):
        score = results(unit, "2019-06", "indicator_score")
        assert score.points == q2(earned * role)
        assert score.value == D(50)
