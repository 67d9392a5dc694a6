"""Periods, dates and times as a bulletin writes them, in Chinese and English.

A bulletin never shows an ISO code: ``2019-W26`` is 第26周（6月24日—6月30日）
or "Week 26 (24–30 June 2019)", ``2019-Q2`` is 2019年第二季度 or "2019 Q2".
Text that is not a period (``all``, a rule's own word) is returned as it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from gyengine import parse_period

__all__ = ["date_name", "period_name", "short_period", "time_name"]

MONTHS_EN: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
QUARTERS_ZH: Final = ("第一季度", "第二季度", "第三季度", "第四季度")
HALVES_ZH: Final = ("上半年", "下半年")


def date_name(day: dt.date, lang: str, *, year: int | None = None) -> str:
    """``2019年6月24日`` / ``24 June 2019``; without the year when it is ``year``."""
    if lang == "en":
        text = f"{day.day} {MONTHS_EN[day.month - 1]}"
        return text if day.year == year else f"{text} {day.year}"
    text = f"{day.month}月{day.day}日"
    return text if day.year == year else f"{day.year}年{text}"


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _week(start: dt.date, end: dt.date, number: int, iso_year: int, lang: str) -> str:
    same_year = start.year == end.year == iso_year
    if lang == "en":
        if same_year and start.month == end.month:
            span = f"{start.day}–{end.day} {MONTHS_EN[end.month - 1]} {end.year}"
        elif same_year:
            span = f"{date_name(start, lang, year=start.year)}–{date_name(end, lang)}"
        else:
            span = f"{date_name(start, lang)}–{date_name(end, lang)}"
        return f"Week {number} ({span})"
    if same_year:
        return f"第{number}周（{date_name(start, lang, year=iso_year)}—{date_name(end, lang, year=iso_year)}）"
    return f"{iso_year}年第{number}周（{date_name(start, lang)}—{date_name(end, lang)}）"


def period_name(text: str, lang: str) -> str:
    """A business period in words: a day, an ISO week, a month, a quarter, a half or a year."""
    try:
        period = parse_period(text)
    except ValueError:
        return text
    start, end = period.start, period.end
    if period.kind == "day":
        return date_name(start, lang)
    if period.kind == "week":
        iso_year, number, _ = start.isocalendar()
        return _week(start, end, number, iso_year, lang)
    if period.kind == "month":
        if lang == "en":
            return f"{MONTHS_EN[start.month - 1]} {start.year}"
        return f"{start.year}年{start.month}月"
    if period.kind == "quarter":
        quarter = (start.month - 1) // 3
        return (
            f"{start.year} Q{quarter + 1}"
            if lang == "en"
            else f"{start.year}年{QUARTERS_ZH[quarter]}"
        )
    if period.kind == "half":
        half = (start.month - 1) // 6
        return f"{start.year} H{half + 1}" if lang == "en" else f"{start.year}年{HALVES_ZH[half]}"
    return str(start.year) if lang == "en" else f"{start.year}年"


def short_period(text: str, lang: str, year: int | None = None) -> str:
    """A period in a table cell: 第26周, 6月 (within ``year``); else as :func:`period_name`."""
    try:
        period = parse_period(text)
    except ValueError:
        return text
    if period.kind == "week":
        iso_year, number, _ = period.start.isocalendar()
        if iso_year == year:
            return f"week {number}" if lang == "en" else f"第{number}周"
    if period.kind == "month" and period.start.year == year:
        return MONTHS_EN[period.start.month - 1] if lang == "en" else f"{period.start.month}月"
    if period.kind == "day":
        return date_name(period.start, lang, year=year)
    return period_name(text, lang)


def time_name(text: str, lang: str) -> str:
    """A record time (``2019-07-10T23:59:59.999999Z``) as a date and a minute, UTC said in words."""
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        day = _date(text)
        return date_name(day, lang) if day else text
    moment = moment.astimezone(dt.UTC)
    clock = moment.strftime("%H:%M")
    if lang == "en":
        return f"{date_name(moment.date(), lang)} {clock} UTC"
    return f"{date_name(moment.date(), lang)} {clock}（协调世界时）"
