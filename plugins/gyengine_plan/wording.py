"""The words the standard evaluators write in a rationale, in the rationale's language.

A rationale is what ``gyengine explain`` shows: the formula, the figures and
the seqs behind a result. It is written in one language, chosen once per
replay by :func:`rationale_language`: the evaluator option ``lang``
(``gyengine explain --lang en``, ``-o lang=en``), else the plan's own
``lang`` (``[plan] lang``, Chinese by default). Codes stay codes (a result's
``status`` is still ``yellow``, a finding's ``kind`` still ``supervise``):
only the sentence is worded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = [
    "FINDING_WORDS",
    "MILESTONE_WORDS",
    "PARAM_VALUES",
    "PARAM_WORDS",
    "STATUS_WORDS",
    "VALUE_WORDS",
    "arrow",
    "describe_params",
    "finding_word",
    "milestone_word",
    "rationale_language",
    "status_word",
    "value_word",
]

STATUS_WORDS: Final = {
    "green": "绿灯",
    "watch": "关注",
    "yellow": "黄灯",
    "red": "红灯",
    "pending": "待定",
}
"""A traffic light in Chinese (English keeps the code)."""

VALUE_WORDS: Final = {
    # a weekly report
    "received": "按时报送",
    "late": "迟报",
    "missing": "未报送",
    "not due": "未到期",
    # a problem
    "resolved": "已解决",
    "open": "未解决",
}
"""A result's value code in Chinese (English keeps the code)."""

MILESTONE_WORDS: Final = {
    "early": "提前完成",
    "on time": "按期完成",
    "late": "延期完成",
    "overdue": "逾期未完成",
    "reached": "已完成",
}
"""A milestone's outcome in Chinese (English keeps the code)."""

FINDING_WORDS: Final = {
    "commend": "表彰",
    "warn": "警示",
    "supervise": "督办",
    "notify": "通报",
    "interview": "约谈",
    "accountable": "问责",
    "deduct": "扣分",
    "veto": "一票否决",
}
"""A finding's kind in Chinese (English keeps the code)."""


PARAM_WORDS: Final = {
    "periods": "连续期数",
    "statuses": "计入状态",
    "subject": "对象",
    "report_to": "上报",
    "from": "自第几次",
    "to": "至第几次",
    "grace_days": "宽限天数",
    "points": "分值",
    "milestone": "节点",
    "min_days": "至少提前天数",
    "min_pct": "完成率下限（%）",
    "group": "指标组",
    "list": "名单",
    "period": "考核期",
}
"""A rule parameter's name in Chinese (English keeps the plan file's key)."""

PARAM_VALUES: Final = {
    "top": "前列",
    "bottom": "后列",
    "month": "月",
    "quarter": "季度",
    "year": "年度",
    "department": "责任部门",
    "lead": "牵头单位",
    "lead_unit": "牵头单位",
    "all": "全部责任单位",
    "lead_official": "分管县领导",
}
"""A rule parameter's value in Chinese, where it is a code (statuses are lights)."""


def describe_params(params: Mapping[str, str], lang: str) -> str:
    """``periods=2, statuses=yellow,red``, or in Chinese ``连续期数 2，计入状态 黄灯、红灯``."""
    if lang == "en":
        return ", ".join(f"{key}={value}" for key, value in sorted(params.items()))
    parts = []
    for key, value in sorted(params.items()):
        if key == "statuses":
            shown = "、".join(status_word(s.strip(), lang) for s in value.split(",") if s.strip())
        else:
            shown = PARAM_VALUES.get(value, value)
        parts.append(f"{PARAM_WORDS.get(key, key)} {shown}")
    return "，".join(parts)


def rationale_language(options: Mapping[str, str], plan_lang: str | None = None) -> str:
    """``en`` or ``zh``: the option ``lang`` if given, else the plan's language, else Chinese."""
    chosen = options.get("lang") or plan_lang or "zh"
    return "en" if chosen.lower().startswith("en") else "zh"


def status_word(status: str | None, lang: str) -> str:
    """``yellow`` as 黄灯 in Chinese; the code itself in English."""
    text = status or "pending"
    return text if lang == "en" else STATUS_WORDS.get(text, text)


def value_word(value: str, lang: str) -> str:
    """``received`` as 按时报送 in Chinese; the code itself in English."""
    return value if lang == "en" else VALUE_WORDS.get(value, value)


def milestone_word(value: str, lang: str) -> str:
    """``late`` (a milestone reached after its day) as 延期完成 in Chinese; the code in English."""
    return value if lang == "en" else MILESTONE_WORDS.get(value, value)


def finding_word(kind: str, lang: str) -> str:
    """``supervise`` as 督办 in Chinese; the code itself in English."""
    return kind if lang == "en" else FINDING_WORDS.get(kind, kind)


def arrow(word: str) -> str:
    """`` → word``: the conclusion a rationale ends with."""
    return f" → {word}"
