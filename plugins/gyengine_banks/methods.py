"""The scoring methods of the bank assessment card, one pure function each.

Every method gets a criterion (W, its ``params``) and the measure of every bank
taking part this month; nothing raises, whatever the figures. The formulas are
stated in ``docs/evaluators/banks.md`` (section Methods).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_FLOOR, Decimal
from typing import Final

import attrs

from .measures import fmt, q2
from .plan import Criterion

__all__ = ["RELATIVE", "Points", "places", "score"]

ZERO: Final = Decimal(0)
NIL: Final = Decimal("0.00")
"""No points, as points are shown (2 places)."""

RELATIVE: Final = frozenset({"ratio_to_best", "rank_steps", "best_worst", "baseline_slope"})
"""Methods whose points depend on every bank's figure (their evidence is every bank's report)."""


@attrs.frozen
class Points:
    """A bank's points on a criterion and the formula with its numbers filled in."""

    points: Decimal
    formula: str
    details: dict[str, str] = attrs.Factory(dict)
    status: str | None = None


def places(values: Mapping[str, Decimal], *, highest_first: bool = True) -> dict[str, int]:
    """Each key's place, ties sharing the better one: 1 + how many are strictly better."""
    ordered = list(values.values())
    if highest_first:
        return {key: 1 + sum(1 for v in ordered if v > x) for key, x in values.items()}
    return {key: 1 + sum(1 for v in ordered if v < x) for key, x in values.items()}


def _with_unit(value: Decimal, unit: str) -> str:
    return f"{fmt(value)} {unit}" if unit else fmt(value)


def ratio_to_best(
    criterion: Criterion, values: Mapping[str, Decimal], targets: Mapping[str, Decimal | None]
) -> dict[str, Points]:
    """``x / max × W``; max ≤ 0 → everyone 0; a negative x → 0."""
    weight, unit = criterion.points, criterion.unit
    best = max(values.values(), default=ZERO)
    scored = {}
    for bank, x in values.items():
        details = {"best": fmt(best)}
        if best <= 0:
            scored[bank] = Points(
                NIL, f"最高 {_with_unit(best, unit)} ≤ 0，各行均得 0 → 0.00", details
            )
        elif x < 0:
            scored[bank] = Points(NIL, f"{_with_unit(x, unit)} < 0 → 0.00", details)
        else:
            points = q2(x / best * weight)
            scored[bank] = Points(
                points,
                f"{fmt(x)} / 最高 {_with_unit(best, unit)} × {fmt(weight)} = {points}",
                details,
            )
    return scored


def rank_steps(
    criterion: Criterion, values: Mapping[str, Decimal], targets: Mapping[str, Decimal | None]
) -> dict[str, Points]:
    """First place W, ``step`` less per place, floor 0; ties share the better place."""
    weight, unit = criterion.points, criterion.unit
    step = criterion.param("step")
    negative_zero = criterion.param("negative_scores_zero", ZERO) == 1
    ranked = places(values)
    scored = {}
    for bank, x in values.items():
        place = ranked[bank]
        details = {"place": str(place), "ranked": str(len(values))}
        if negative_zero and x < 0:
            scored[bank] = Points(
                NIL,
                f"{_with_unit(x, unit)} 第 {place} 名，增量为负 → 0.00",
                details,
            )
            continue
        raw = weight - step * (place - 1)
        points = q2(max(ZERO, raw))
        floor = "，不低于 0" if raw < 0 else ""
        scored[bank] = Points(
            points,
            f"{_with_unit(x, unit)} 第 {place} 名：{fmt(weight)} − {fmt(step)} × {place - 1}"
            f" = {fmt(raw)}{floor} → {points}",
            details,
        )
    return scored


def best_worst(
    criterion: Criterion, values: Mapping[str, Decimal], targets: Mapping[str, Decimal | None]
) -> dict[str, Points]:
    """``base + (x − worst) / (best − worst) × span``; best == worst → base + span."""
    unit = criterion.unit
    base, span = criterion.param("base"), criterion.param("span")
    best = max(values.values(), default=ZERO)
    worst = min(values.values(), default=ZERO)
    scored = {}
    for bank, x in values.items():
        details = {"best": fmt(best), "worst": fmt(worst)}
        if best == worst:
            points = q2(base + span)
            scored[bank] = Points(
                points,
                f"最好 = 最差 = {_with_unit(best, unit)}：{fmt(base)} + {fmt(span)} = {points}",
                details,
            )
            continue
        points = q2(base + (x - worst) / (best - worst) * span)
        scored[bank] = Points(
            points,
            f"{fmt(base)} + ({fmt(x)} − 最差 {fmt(worst)}) / (最好 {fmt(best)} − 最差 {fmt(worst)})"
            f" × {fmt(span)} = {points}",
            details,
        )
    return scored


def baseline_slope(
    criterion: Criterion, values: Mapping[str, Decimal], targets: Mapping[str, Decimal | None]
) -> dict[str, Points]:
    """``base + slope × (x − county average)``, kept within [min, max]."""
    unit = criterion.unit
    base, slope = criterion.param("base"), criterion.param("slope")
    low, high = criterion.param("min"), criterion.param("max")
    average = sum(values.values(), ZERO) / len(values) if values else ZERO
    shown = fmt(average) if average == q2(average) else f"≈ {q2(average)}"
    scored = {}
    for bank, x in values.items():
        raw = base + slope * (x - average)
        points = q2(min(high, max(low, raw)))
        if raw > high:
            limit = f"，上限 {fmt(high)} → {points}"
        elif raw < low:
            limit = f"，下限 {fmt(low)} → {points}"
        else:
            limit = ""
        scored[bank] = Points(
            points,
            f"{fmt(base)} + {fmt(slope)} × ({_with_unit(x, unit)} − 全县均值 {shown}) = "
            f"{q2(raw)}{limit}",
            {"average": str(q2(average)), "banks_averaged": str(len(values))},
        )
    return scored


def target_gate(
    criterion: Criterion, values: Mapping[str, Decimal], targets: Mapping[str, Decimal | None]
) -> dict[str, Points]:
    """0 below the bank's target, W at it, ``bonus`` per whole ``step`` above, up to ``cap``."""
    weight, unit = criterion.points, criterion.unit
    bonus = criterion.param("bonus", ZERO)
    scored = {}
    for bank, x in values.items():
        target = targets.get(bank)
        if target is None:
            scored[bank] = Points(NIL, "未设目标 → 0.00", {}, "pending")
            continue
        details = {"target": fmt(target)}
        if x < target:
            scored[bank] = Points(
                NIL, f"{_with_unit(x, unit)} < 目标 {_with_unit(target, unit)} → 0.00", details
            )
            continue
        if bonus <= 0:
            scored[bank] = Points(
                q2(weight),
                f"{_with_unit(x, unit)} ≥ 目标 {_with_unit(target, unit)} → {q2(weight)}",
                details,
            )
            continue
        step, cap = criterion.param("step"), criterion.param("cap")
        steps = ((x - target) / step).to_integral_value(rounding=ROUND_FLOOR)
        raw = weight + bonus * steps
        points = q2(min(cap, raw))
        capped = f"，封顶 {fmt(cap)} → {points}" if raw > cap else ""
        scored[bank] = Points(
            points,
            f"{_with_unit(x, unit)} ≥ 目标 {_with_unit(target, unit)}：{fmt(weight)} + "
            f"{fmt(bonus)} × ⌊({fmt(x)} − {fmt(target)}) / {fmt(step)}⌋ = {fmt(weight)} + "
            f"{fmt(bonus)} × {fmt(steps)} = {q2(raw)}{capped}",
            {**details, "bonus_steps": fmt(steps)},
        )
    return scored


Method = Callable[
    [Criterion, Mapping[str, Decimal], Mapping[str, Decimal | None]], dict[str, Points]
]

METHODS: Final[dict[str, Method]] = {
    "ratio_to_best": ratio_to_best,
    "rank_steps": rank_steps,
    "best_worst": best_worst,
    "baseline_slope": baseline_slope,
    "target_gate": target_gate,
}


def score(
    criterion: Criterion,
    values: Mapping[str, Decimal],
    targets: Mapping[str, Decimal | None] | None = None,
) -> dict[str, Points]:
    """Score every bank taking part on ``criterion`` (the plan check vouches for its method)."""
    return METHODS[criterion.method](criterion, values, targets or {})
