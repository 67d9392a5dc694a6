"""Why a finding was made, in the bulletin's language, from the facts its evaluator gave.

Evaluators write a rationale for ``gyengine explain`` (seqs, formulas, the
rule's parameters); a bulletin says the same in a sentence an office would
publish. The facts come from the finding's ``parameters`` (a streak of
periods and their lights, a rank, a deadline...): this module words them in
Chinese or English. A finding this module does not know keeps its
evaluator's rationale.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from gyengine import Finding
from gyengine_plan.details import detail_text

from .names import date_name, period_name, short_period
from .view import View

__all__ = ["reason"]

LIGHT_WORDS: Final = {
    "green": {"zh": "绿灯", "en": "green"},
    "watch": {"zh": "关注", "en": "watch"},
    "yellow": {"zh": "黄灯", "en": "yellow"},
    "red": {"zh": "红灯", "en": "red"},
    "missing": {"zh": "周报未报", "en": "no report"},
}
STEP_WORDS: Final = {
    "supervise": {"zh": "督办", "en": "supervision"},
    "notify": {"zh": "通报", "en": "public notice"},
    "interview": {"zh": "约谈", "en": "interview"},
    "accountable": {"zh": "问责", "en": "accountability"},
}


def _word(table: dict[str, dict[str, str]], key: str, lang: str) -> str:
    return table.get(key, {}).get(lang, key)


def _year(view: View) -> int | None:
    return view.year


def _streak(view: View, text: str) -> str:
    """``2019-05:yellow,2019-06:yellow`` as 5月黄灯、6月黄灯 / May yellow, June yellow."""
    parts = []
    for item in text.split(","):
        period, _, light = item.partition(":")
        if not period:
            continue
        shown = short_period(period.strip(), view.lang, _year(view))
        word = _word(LIGHT_WORDS, light.strip(), view.lang)
        parts.append(f"{shown}{word}" if view.lang != "en" else f"{shown} {word}")
    return ("、" if view.lang != "en" else ", ").join(parts)


def _indicator(view: View, key: str) -> str:
    name = view.thing(key)
    if view.lang == "en":
        return f"indicator {key} {name}".strip()
    return f"指标{key}“{name}”" if name else f"指标{key}"


def _project(view: View, key: str) -> str:
    name = view.thing(key)
    if view.lang == "en":
        return f"project {key} {name}".strip()
    return f"项目{key}“{name}”" if name else f"项目{key}"


def _indicator_streak(view: View, f: Finding) -> str:
    p = f.parameters
    what, streak, n = (
        _indicator(view, detail_text(p, "indicator")),
        _streak(view, detail_text(p, "streak")),
        detail_text(p, "periods"),
    )
    if view.lang == "en":
        return f"{what}: {n} months running behind ({streak})"
    return f"{what}连续{n}个月亮灯（{streak}）"


def _indicator_met(view: View, f: Finding) -> str:
    what = _indicator(view, detail_text(f.parameters, "indicator"))
    when = period_name(f.period, view.lang)
    return (
        f"{what} met its whole target in {when}"
        if view.lang == "en"
        else f"{what}{when}完成全年目标"
    )


def _project_streak(view: View, f: Finding) -> str:
    p = f.parameters
    what, streak, n = (
        _project(view, detail_text(p, "project")),
        _streak(view, detail_text(p, "streak")),
        detail_text(p, "periods"),
    )
    if view.lang == "en":
        return f"{what}: behind schedule or unreported {n} weeks running ({streak})"
    return f"{what}连续{n}周进度滞后或未报（{streak}）"


def _project_episode(view: View, f: Finding) -> str:
    p = f.parameters
    what, streak = (
        _project(view, detail_text(p, "project")),
        _streak(view, detail_text(p, "streak")),
    )
    if view.lang == "en":
        return f"{what}: turned {streak} (time {detail_text(p, 'count')} this year)"
    return f"{what}本年第{detail_text(p, 'count')}次亮灯（{streak}）"


def _report_missing(view: View, f: Finding) -> str:
    p = f.parameters
    what, week = (
        _project(view, detail_text(p, "project")),
        short_period(f.period, view.lang, view.year),
    )
    late = detail_text(p, "days_late")
    if view.lang == "en":
        how = "not sent" if p.get("report") == "missing" else "sent late"
        return f"{what}: the report of {week} {how}, {late} days late, without an approved reason"
    how = "未报送" if p.get("report") == "missing" else "迟报"
    return f"{what}{week}周报{how}，逾期{late}天，无经批准的说明"


def _early(view: View, f: Finding) -> str:
    p = f.parameters
    what = _project(view, detail_text(p, "project"))
    if view.lang == "en":
        return f"{what}: {detail_text(p, 'milestone')} {detail_text(p, 'days_early')} days early"
    return f"{what}提前{detail_text(p, 'days_early')}天{detail_text(p, 'milestone')}"


def _false_report(view: View, f: Finding) -> str:
    p = f.parameters
    withdrawn = [w for w in detail_text(p, "withdrawn").split(",") if w.strip()]
    if view.lang == "en":
        return (
            f"false report ({detail_text(p, 'reason')}); commendations withdrawn: {len(withdrawn)}"
        )
    return f"虚报：{detail_text(p, 'reason')}；撤销表彰{len(withdrawn)}项"


def _bank_list(view: View, f: Finding) -> str:
    p = f.parameters
    when = period_name(f.period, view.lang)
    top = p.get("list") == "top"
    if view.lang == "en":
        where = "top" if top else "bottom"
        return f"in the {where} of the bank assessment of {when} (rank {detail_text(p, 'rank')}, score {detail_text(p, 'score')})"
    return f"{when}银行考核{'前列' if top else '后列'}（第{detail_text(p, 'rank')}名，得分{detail_text(p, 'score')}）"


def _quarterly_rank(view: View, f: Finding) -> str:
    p = f.parameters
    when = period_name(f.period, view.lang)
    top = p.get("list") == "top"
    if view.lang == "en":
        where = "top" if top else "bottom"
        return (
            f"{when}: score {detail_text(p, 'score')}, rank {detail_text(p, 'rank')} of {detail_text(p, 'ranked')} "
            f"({detail_text(p, 'category_name')}), in the {where} {detail_text(p, 'size')}"
        )
    return (
        f"{when}季考评得分{detail_text(p, 'score')}，{detail_text(p, 'category_name')}类第{detail_text(p, 'rank')}名"
        f"（共{detail_text(p, 'ranked')}个单位），列{'前' if top else '后'}{detail_text(p, 'size')}名"
    )


def _problem_overdue(view: View, f: Finding) -> str:
    p = f.parameters
    deadline = date_name_of(view, detail_text(p, "deadline"))
    about = view.thing(detail_text(p, "subject")) or detail_text(p, "subject")
    if view.lang == "en":
        return f"problem {detail_text(p, 'problem')} ({about}) past its deadline {deadline}, {detail_text(p, 'days_overdue')} days overdue"
    return f"问题{detail_text(p, 'problem')}（{about}）办结期限{deadline}，逾期{detail_text(p, 'days_overdue')}天未解决"


def _item_overdue(view: View, f: Finding) -> str:
    p = f.parameters
    deadline = date_name_of(view, detail_text(p, "deadline"))
    step = _word(STEP_WORDS, detail_text(p, "step"), view.lang)
    if view.lang == "en":
        return f"item {detail_text(p, 'item')}: no rectification by its deadline {deadline}; escalated to {step}"
    return f"事项{detail_text(p, 'item')}整改时限{deadline}已过，未整改反馈，升级为{step}"


def _interview(view: View, f: Finding) -> str:
    p = f.parameters
    item = detail_text(p, "item", "-")
    about = (
        "" if item in ("", "-") else (f" (item {item})" if view.lang == "en" else f"（事项{item}）")
    )
    name = f.label or view.name(f.subject)
    outcome = detail_text(p, "outcome")
    if view.lang == "en":
        return (
            f"{detail_text(p, 'by')} talked with {name} {detail_text(p, 'interviewee')}{about}: {detail_text(p, 'reason')}"
            + (f"; {outcome}" if outcome else "")
        )
    return (
        f"{detail_text(p, 'by')}约谈{name}{detail_text(p, 'interviewee')}{about}：{detail_text(p, 'reason')}"
        + (f"；{outcome}" if outcome else "")
    )


def _late_reporting(view: View, f: Finding) -> str:
    p = f.parameters
    if view.lang == "en":
        return f"{detail_text(p, 'late')} of {detail_text(p, 'reports')} reports late"
    return f"报送{detail_text(p, 'reports')}次，迟报{detail_text(p, 'late')}次"


def date_name_of(view: View, text: str) -> str:
    """An ISO date of the data in the bulletin's words (as it is when it is not a date)."""
    import datetime as dt

    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return text
    return date_name(day, view.lang, year=view.year)


BY_TRIGGER: Final[dict[str, Callable[[View, Finding], str]]] = {
    "indicator_lag_streak": _indicator_streak,
    "indicator_met": _indicator_met,
    "project_lag_streak": _project_streak,
    "project_lag_episode": _project_episode,
    "report_missing": _report_missing,
    "early_completion": _early,
    "false_report": _false_report,
    "bank_bulletin": _bank_list,
    "quarterly_rank": _quarterly_rank,
}
BY_RULE: Final[dict[str, Callable[[View, Finding], str]]] = {
    "problem-overdue": _problem_overdue,
    "item-overdue": _item_overdue,
    "interview": _interview,
    "late-reporting": _late_reporting,
}


def reason(view: View, finding: Finding) -> str:
    """The finding's reason in the bulletin's language (its rationale when the trigger is unknown)."""
    words = BY_TRIGGER.get(detail_text(finding.parameters, "trigger")) or BY_RULE.get(finding.rule)
    if words is None:
        return finding.rationale
    text = words(view, finding)
    official = detail_text(finding.parameters, "report_to")
    if official and official != "lead_official":
        text += f"; reported to {official}" if view.lang == "en" else f"，报分管县领导{official}"
    return text
