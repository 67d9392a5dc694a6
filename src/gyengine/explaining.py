"""How ``gyengine explain`` writes an explanation as text, in the plan's language or ``--lang``.

The frame (evaluator, value, target, rationale, evidence...) is worded here;
the rationale is the evaluator's own sentence, which the standard evaluators
write in the same language (the replay option ``lang``). Identifiers stay as
they are: event types, streams, the keys of ``details`` and ``parameters``,
seqs and hashes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from .engine import Engine, Explanation

__all__ = ["FRAME", "plan_language", "write_explanation"]

FRAME: Final = {
    "evaluator": {
        "zh": "评估器 {name} {version}（插件 {plugin}）",
        "en": "evaluator {name} {version} (plugin {plugin})",
    },
    "kind": {"zh": "类别", "en": "kind"},
    "rule": {"zh": "规则", "en": "rule"},
    "value": {"zh": "数值", "en": "value"},
    "target": {"zh": "目标", "en": "target"},
    "expected": {"zh": "序时目标", "en": "expected"},
    "status": {"zh": "状态", "en": "status"},
    "points": {"zh": "得分", "en": "points"},
    "unit": {"zh": "单位", "en": "unit"},
    "rationale": {"zh": "依据", "en": "rationale"},
    "evidence": {"zh": "证据（{count} 个事件）", "en": "evidence ({count} events)"},
    "event": {
        "zh": "seq {seq} {type} {stream} 报送单位={actor} 所属期={occurred} 记录时间={recorded} 哈希={hash}",
        "en": "seq {seq} {type} {stream} actor={actor} occurred={occurred} recorded={recorded} hash={hash}",
    },
    "superseded": {"zh": "  [已被 seq {seq} 更正]", "en": "  [superseded by seq {seq}]"},
}
"""The frame's words per language (English for any language but Chinese)."""

_KINDS: Final = {
    "commend": "表彰",
    "warn": "警示",
    "supervise": "督办",
    "accountable": "问责",
    "deduct": "扣分",
    "veto": "一票否决",
}
"""The base finding kinds in Chinese, shown beside the code."""


def _say(key: str, lang: str, **values: Any) -> str:
    words = FRAME[key]
    return words.get(lang, words["en"]).format(**values)


def _shown(key: str, value: Any, lang: str) -> str:
    """A field's value: a status or a base kind with its Chinese word beside the code."""
    from .rendering.common import status_label

    text = str(value)
    if lang != "zh":
        return text
    word = status_label(value, lang) if key == "status" else _KINDS.get(text, text)
    return text if word == text else f"{word}（{text}）"


def write_explanation(explanation: Explanation, lang: str, echo: Callable[[str], None]) -> None:
    """Write one result's audit trail: the result, its rationale, every event behind it."""
    item = explanation.result
    record = item.to_json()
    echo(f"{record['subject']} · {record.get('metric') or record.get('rule')} · {record['period']}")
    echo(
        "  "
        + _say(
            "evaluator",
            lang,
            name=item.evaluator,
            version=item.evaluator_version,
            plugin=item.plugin,
        )
    )
    colon = "：" if lang == "zh" else ": "
    for key in ("kind", "rule", "value", "target", "expected", "status", "points", "unit"):
        if record.get(key) not in (None, ""):
            echo(f"  {_say(key, lang)}{colon}{_shown(key, record[key], lang)}")
    for key in ("details", "parameters"):
        for name, value in (record.get(key) or {}).items():
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            echo(f"  {name} = {shown}")
    echo(f"  {_say('rationale', lang)}{colon}{record['rationale']}")
    echo(f"  {_say('evidence', lang, count=len(explanation.evidence))}{colon.rstrip()}")
    for entry in explanation.evidence:
        event = entry.event
        mark = _say("superseded", lang, seq=entry.superseded_by) if entry.superseded_by else ""
        data = event.data if len(event.data) <= 100 else event.data[:97] + "..."
        line = _say(
            "event",
            lang,
            seq=event.seq,
            type=event.type,
            stream=event.stream,
            actor=event.actor or "-",
            occurred=event.occurred or "-",
            recorded=event.recorded,
            hash=event.hash[:12],
        )
        echo(f"    {line}{mark}")
        echo(f"      {data}")


def plan_language(engine: Engine, plan: str | None = None) -> str:
    """The language of the plan in force (its ``[plan]`` table's ``lang``), ``en`` without one."""
    from .plan import plan_in_force
    from .plugins import build_plan_sections

    found = plan_in_force(engine.store, build_plan_sections(engine.manager), engine.registry, plan)
    if found is None:
        return "en"
    for item in found.items("plan"):
        lang = getattr(item, "lang", None)
        if isinstance(lang, str) and lang:
            return "zh" if lang.lower().startswith("zh") else "en"
    return "en"
