"""A replay seen by a report: its records indexed, and the helpers that turn them into cells."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final

from gyengine import Finding, Period, Replay, Score, parse_period
from gyengine_plan.details import detail_text

from .labels import label
from .names import date_name, period_name, short_period

__all__ = ["View", "belongs", "decimal", "month_of_week", "natural", "q2", "seqs"]

PERIOD_RANK: Final = {"day": 0, "week": 1, "month": 2, "quarter": 3, "half": 4, "year": 5}


def natural(text: str) -> list[Any]:
    """Sort key that puts P2 before P10 and I2 before I10."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text)]


def decimal(value: Any) -> Decimal | None:
    """A figure as an exact Decimal: from a Decimal, an int or decimal text; else None."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str) and value.strip():
        try:
            found = Decimal(value.strip())
        except InvalidOperation:
            return None
        return found if found.is_finite() else None
    return None


def q2(value: Decimal | None) -> Decimal | None:
    """Round half up to two decimals, as figures are published (``None`` stays ``None``)."""
    if value is None:
        return None
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def seqs(values: Iterable[int]) -> list[int]:
    """Evidence as a sorted list of distinct seqs."""
    return sorted(set(values))


def belongs(text: str, period: Period) -> bool:
    """Whether a result about the business period ``text`` is reported in ``period``.

    A period no longer than ``period`` belongs to it when its anchor falls in
    it: a day itself, a week its Thursday (so that, as in ISO 8601, every week
    belongs to exactly one month and one quarter), a month or quarter its first day.
    """
    try:
        other = parse_period(text)
    except ValueError:
        return False
    if PERIOD_RANK.get(other.kind, 99) > PERIOD_RANK.get(period.kind, 99):
        return False
    anchor = other.start + dt.timedelta(days=3) if other.kind == "week" else other.start
    return period.contains(anchor)


def month_of_week(period: Period) -> str:
    """The month an ISO week belongs to: the month of its Thursday."""
    thursday = period.start + dt.timedelta(days=3)
    return f"{thursday.year}-{thursday.month:02d}"


class View:
    """The records of a replay, indexed by evaluator, metric (or rule) and period."""

    def __init__(self, replay: Replay, lang: str | None) -> None:
        self.replay = replay
        self.evaluators = {name for name, _, _ in replay.evaluators}
        self._scores: dict[tuple[str, str], list[Score]] = {}
        self.findings: list[tuple[str, Finding]] = []
        for item in replay.records:
            record = item.record
            if isinstance(record, Score):
                self._scores.setdefault((item.evaluator, record.metric), []).append(record)
            else:
                self.findings.append((item.evaluator, record))
        self._names: dict[str, str] = {}
        plan_lang = "zh"
        for score in self.scores("report_header", "title"):
            plan_lang = detail_text(score.details, "lang") or plan_lang
            for kind in ("unit", "park"):  # a park's name wins over a unit's of the same id
                for key in score.details:
                    if key.startswith(f"{kind}:"):
                        self._names[key.split(":", 1)[1]] = detail_text(score.details, key)
        # Without --lang, the plan's own language (zh for a zh plan).
        self.lang = lang or plan_lang
        self.year: int | None = None
        self._things: dict[str, str] = {}
        for score in self.scores("report_header", "title"):
            year = detail_text(score.details, "year")
            self.year = int(year) if year.isdigit() else None
        for (evaluator, metric), found in self._scores.items():
            if (evaluator, metric) in (("indicators", "completion"), ("projects", "investment")):
                for score in found:
                    name = score.label or detail_text(score.details, "name")
                    if name:
                        self._things.setdefault(score.subject, name)

    def task(self, key: str) -> str:
        """The title of a work task (坚持科学规划引领), empty when the plan names none."""
        for score in self.scores("report_header", "title"):
            return str(score.details.get(f"task:{key}", ""))
        return ""

    def thing(self, key: str) -> str:
        """The name of an indicator or a project (empty when the replay names none)."""
        return self._things.get(key, "")

    def period(self, text: str) -> str:
        """A business period in words (第26周（6月24日—6月30日）, 2019年6月, 2019 Q2)."""
        return period_name(text, self.lang)

    def short(self, text: str) -> str:
        """A period in a table cell: 第26周, 6月 within the plan's year."""
        return short_period(text, self.lang, self.year)

    def day(self, text: str) -> str:
        """An ISO date of the data in words (6月30日 within the plan's year); other text as it is."""
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return text
        return date_name(day, self.lang, year=self.year)

    def has(self, evaluator: str) -> bool:
        """Whether the evaluator ran in this replay (its plugin is installed and it was asked for)."""
        return evaluator in self.evaluators

    def scores(self, evaluator: str, metric: str, period: str | None = None) -> list[Score]:
        """The scores of ``evaluator`` for ``metric`` (and ``period``), in the replay's order."""
        found = self._scores.get((evaluator, metric), [])
        if period is None:
            return list(found)
        return [score for score in found if score.period == period]

    def metrics(self) -> list[tuple[str, str]]:
        """Every ``(evaluator, metric)`` that has scores, sorted."""
        return sorted(self._scores)

    def periods(self, evaluator: str, metric: str) -> list[str]:
        """The periods ``evaluator`` scored ``metric`` for, sorted."""
        return sorted({score.period for score in self._scores.get((evaluator, metric), [])})

    def name(self, key: str) -> str:
        """The name of a park or unit as the plan wrote it (its id when the plan names none)."""
        return self._names.get(key, key)

    def t(self, key: str) -> str:
        """A label in the report's language."""
        return label(key, self.lang)
