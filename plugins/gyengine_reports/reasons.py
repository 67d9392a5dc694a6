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
        _indicator(view, p.get("indicator", "")),
        _streak(view, p.get("streak", "")),
        p.get("periods", ""),
    )
    if view.lang == "en":
        return f"{what}: {n} months running behind ({streak})"
    return f"{what}连续{n}个月亮灯（{streak}）"


def _indicator_met(view: View, f: Finding) -> str:
    what = _indicator(view, f.parameters.get("indicator", ""))
    when = period_name(f.period, view.lang)
    return (
        f"{what} met its whole target in {when}"
        if view.lang == "en"
        else f"{what}{when}完成全年目标"
    )


def _project_streak(view: View, f: Finding) -> str:
    p = f.parameters
    what, streak, n = (
        _project(view, p.get("project", "")),
        _streak(view, p.get("streak", "")),
        p.get("periods", ""),
    )
    if view.lang == "en":
        return f"{what}: behind schedule or unreported {n} weeks running ({streak})"
    return f"{what}连续{n}周进度滞后或未报（{streak}）"


def _project_episode(view: View, f: Finding) -> str:
    p = f.parameters
    what, streak = _project(view, p.get("project", "")), _streak(view, p.get("streak", ""))
    if view.lang == "en":
        return f"{what}: turned {streak} (time {p.get('count', '')} this year)"
    return f"{what}本年第{p.get('count', '')}次亮灯（{streak}）"


def _report_missing(view: View, f: Finding) -> str:
    p = f.parameters
    what, week = _project(view, p.get("project", "")), short_period(f.period, view.lang, view.year)
    late = p.get("days_late", "")
    if view.lang == "en":
        how = "not sent" if p.get("report") == "missing" else "sent late"
        return f"{what}: the report of {week} {how}, {late} days late, without an approved reason"
    how = "未报送" if p.get("report") == "missing" else "迟报"
    return f"{what}{week}周报{how}，逾期{late}天，无经批准的说明"


def _early(view: View, f: Finding) -> str:
    p = f.parameters
    what = _project(view, p.get("project", ""))
    if view.lang == "en":
        return f"{what}: {p.get('milestone', '')} {p.get('days_early', '')} days early"
    return f"{what}提前{p.get('days_early', '')}天{p.get('milestone', '')}"


def _false_report(view: View, f: Finding) -> str:
    p = f.parameters
    withdrawn = [w for w in p.get("withdrawn", "").split(",") if w.strip()]
    if view.lang == "en":
        return f"false report ({p.get('reason', '')}); commendations withdrawn: {len(withdrawn)}"
    return f"虚报：{p.get('reason', '')}；撤销表彰{len(withdrawn)}项"


def _bank_list(view: View, f: Finding) -> str:
    p = f.parameters
    when = period_name(f.period, view.lang)
    top = p.get("list") == "top"
    if view.lang == "en":
        where = "top" if top else "bottom"
        return f"in the {where} of the bank assessment of {when} (rank {p.get('rank', '')}, score {p.get('score', '')})"
    return f"{when}银行考核{'前列' if top else '后列'}（第{p.get('rank', '')}名，得分{p.get('score', '')}）"


def _quarterly_rank(view: View, f: Finding) -> str:
    p = f.parameters
    when = period_name(f.period, view.lang)
    top = p.get("list") == "top"
    if view.lang == "en":
        where = "top" if top else "bottom"
        return (
            f"{when}: score {p.get('score', '')}, rank {p.get('rank', '')} of {p.get('ranked', '')} "
            f"({p.get('category_name', '')}), in the {where} {p.get('size', '')}"
        )
    return (
        f"{when}季考评得分{p.get('score', '')}，{p.get('category_name', '')}类第{p.get('rank', '')}名"
        f"（共{p.get('ranked', '')}个单位），列{'前' if top else '后'}{p.get('size', '')}名"
    )


def _problem_overdue(view: View, f: Finding) -> str:
    p = f.parameters
    deadline = date_name_of(view, p.get("deadline", ""))
    about = view.thing(p.get("subject", "")) or p.get("subject", "")
    if view.lang == "en":
        return f"problem {p.get('problem', '')} ({about}) past its deadline {deadline}, {p.get('days_overdue', '')} days overdue"
    return f"问题{p.get('problem', '')}（{about}）办结期限{deadline}，逾期{p.get('days_overdue', '')}天未解决"


def _item_overdue(view: View, f: Finding) -> str:
    p = f.parameters
    deadline = date_name_of(view, p.get("deadline", ""))
    step = _word(STEP_WORDS, p.get("step", ""), view.lang)
    if view.lang == "en":
        return f"item {p.get('item', '')}: no rectification by its deadline {deadline}; escalated to {step}"
    return f"事项{p.get('item', '')}整改时限{deadline}已过，未整改反馈，升级为{step}"


def _interview(view: View, f: Finding) -> str:
    p = f.parameters
    item = p.get("item", "-")
    about = (
        "" if item in ("", "-") else (f" (item {item})" if view.lang == "en" else f"（事项{item}）")
    )
    name = f.label or view.name(f.subject)
    outcome = p.get("outcome", "")
    if view.lang == "en":
        return (
            f"{p.get('by', '')} talked with {name} {p.get('interviewee', '')}{about}: {p.get('reason', '')}"
            + (f"; {outcome}" if outcome else "")
        )
    return (
        f"{p.get('by', '')}约谈{name}{p.get('interviewee', '')}{about}：{p.get('reason', '')}"
        + (f"；{outcome}" if outcome else "")
    )


def _late_reporting(view: View, f: Finding) -> str:
    p = f.parameters
    if view.lang == "en":
        return f"{p.get('late', '')} of {p.get('reports', '')} reports late"
    return f"报送{p.get('reports', '')}次，迟报{p.get('late', '')}次"


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
    words = BY_TRIGGER.get(finding.parameters.get("trigger", "")) or BY_RULE.get(finding.rule)
    if words is None:
        return finding.rationale
    text = words(view, finding)
    official = finding.parameters.get("report_to", "")
    if official and official != "lead_official":
        text += f"; reported to {official}" if view.lang == "en" else f"，报分管县领导{official}"
    return text
