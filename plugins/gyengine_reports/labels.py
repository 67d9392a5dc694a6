"""Every word the reports write themselves, in Chinese and English.

Names that come from events (projects, units, indicators, banks) are never
translated: they stay as the plan and the reports wrote them. Only column and
section titles, header labels and the evaluators' own verdict words are here.
"""

from __future__ import annotations

from typing import Final

__all__ = ["LABELS", "LANGS", "label"]

LANGS: Final = ("zh", "en")

LABELS: Final[dict[str, dict[str, str]]] = {
    # -- report kinds and the header ------------------------------------------------
    "weekly": {"zh": "周汇总", "en": "Weekly summary"},
    "monthly": {"zh": "月通报", "en": "Monthly bulletin"},
    "quarterly": {"zh": "季考评", "en": "Quarterly evaluation"},
    "weekly.description": {
        "zh": "周汇总：重点项目台账、问题清单和本周发现",
        "en": "weekly summary (周汇总): key-project ledger, open problems, findings of the week",
    },
    "monthly.description": {
        "zh": "月通报：主要指标序时进度、单位得分、项目台账、银行排名和本月奖惩",
        "en": "monthly bulletin (月通报): indicators against 序时进度, unit scores, ledger, banks, findings",
    },
    "quarterly.description": {
        "zh": "季考评：单位和银行季度排名、本季奖惩、季末指标",
        "en": "quarterly evaluation (季考评): unit and bank rankings, findings, indicators at quarter end",
    },
    "untitled": {"zh": "（方案标题未知）", "en": "(plan title unknown)"},
    "meta.period": {"zh": "报告期", "en": "Period"},
    "meta.as_of": {"zh": "业务截止日期", "en": "As of (business date)"},
    "meta.known_at": {"zh": "数据知悉时点", "en": "Known at (record time)"},
    "meta.known_at.all": {"zh": "全部已记录事件", "en": "everything recorded"},
    "meta.log": {"zh": "事件日志范围", "en": "Event log"},
    "meta.head_hash": {"zh": "日志头哈希", "en": "Head hash"},
    "meta.chain": {"zh": "哈希链校验", "en": "Hash chain"},
    "meta.chain.ok": {"zh": "通过", "en": "verified"},
    "meta.chain.broken": {"zh": "未通过", "en": "BROKEN"},
    "meta.office": {"zh": "编制单位", "en": "Issued by"},
    "meta.plugins": {"zh": "插件及版本", "en": "Plugins"},
    "meta.evaluators": {"zh": "评估器及版本", "en": "Evaluators"},
    "meta.data": {"zh": "数据性质", "en": "Data"},
    "meta.data.synthetic": {"zh": "示例数据（合成）", "en": "synthetic demonstration data"},
    "meta.data.reported": {"zh": "报送数据", "en": "reported data"},
    "to": {"zh": "至", "en": "to"},
    "none": {"zh": "本期无。", "en": "None in this period."},
    # -- sections -------------------------------------------------------------------
    "section.ledger": {"zh": "重点项目台账", "en": "Key-project ledger"},
    "section.grid": {"zh": "项目逐周进度状态", "en": "Project status by week"},
    "section.milestones": {"zh": "项目节点", "en": "Project milestones"},
    "section.problems": {"zh": "未解决问题清单", "en": "Open problems"},
    "section.findings": {"zh": "本期奖惩及督办事项", "en": "Findings of the period"},
    "section.timeliness": {"zh": "报送及时性", "en": "Reporting timeliness"},
    "section.indicators": {"zh": "主要指标序时进度", "en": "Indicators against 序时进度"},
    "section.quarter_indicators": {"zh": "季末主要指标", "en": "Indicators at the quarter's end"},
    "section.charts": {"zh": "累计指标走势", "en": "Cumulative indicators by month"},
    "section.unit_scores": {
        "zh": "单位和园区指标得分",
        "en": "Indicator scores of units and parks",
    },
    "section.ledger_summary": {
        "zh": "重点项目台账汇总（按园区和牵头单位）",
        "en": "Key-project ledger by park and lead unit",
    },
    "section.banks": {"zh": "银行考核排名", "en": "Bank ranking"},
    "section.bank_quarter": {"zh": "银行季度考核排名", "en": "Bank ranking of the quarter"},
    "section.unit_ranking": {"zh": "单位季度考评排名", "en": "Quarterly ranking of units"},
    "section.evidence": {"zh": "附录：证据", "en": "Appendix: evidence"},
    # -- tables and charts ------------------------------------------------------------
    "table.ledger": {"zh": "重点项目周台账", "en": "Key projects this week"},
    "table.milestones": {"zh": "本周节点", "en": "Milestones this week"},
    "table.problems": {"zh": "未解决问题", "en": "Open problems"},
    "table.timeliness": {"zh": "各报送单位按时报送率", "en": "Reports on time by reporter"},
    "table.indicators": {"zh": "主要指标", "en": "Indicators"},
    "table.unit_scores": {"zh": "指标得分", "en": "Indicator scores"},
    "table.ledger_summary": {"zh": "台账汇总", "en": "Ledger summary"},
    "table.banks": {"zh": "银行排名", "en": "Bank ranking"},
    "table.unit_ranking": {"zh": "单位排名", "en": "Unit ranking"},
    "table.top": {"zh": "先进", "en": "Top"},
    "table.not_ranked": {"zh": "不参与排名", "en": "Not ranked"},
    "note.not_ranked": {
        "zh": "得分项少于方案规定的最少项数的单位不参与排名，列于表末；统计局（数据来源）、国网供电公司等非考评对象不列入。",
        "en": "Units with fewer scored items than the plan's minimum are not ranked and are listed last; units outside the assessment are not listed.",
    },
    "note.tie": {
        "zh": "名单因得分并列多于 {size} 个单位。",
        "en": "The list is longer than {size} because of a tie.",
    },
    "table.bottom": {"zh": "后进", "en": "Bottom"},
    "table.evidence": {"zh": "各行所依据的事件", "en": "The events behind every row"},
    "chart.grid": {"zh": "项目状态（逐周）", "en": "Project status by week"},
    "chart.banks": {"zh": "银行得分", "en": "Bank scores"},
    "chart.actual": {"zh": "实际", "en": "actual"},
    "chart.expected": {"zh": "序时进度", "en": "序时 schedule"},
    "note.ledger": {
        "zh": "投资单位：万元；完成率 = 累计完成投资 / 年度计划；序时进度为按时间应完成的比例。",
        "en": "Investment in 万元; completion = invested to date / annual plan; 序时 is the share the schedule expects by now.",
    },
    "note.indicators": {
        "zh": "差距 = 序时进度 − 完成率（个百分点），正数为落后；增速、比重指标不按序时分解，差距为目标值 − 实际值（个百分点），完成率一栏空白，提高类指标的完成率为实际提高 ÷ 要求提高；里程碑事项的实际、目标为已完成、计划的里程碑个数，全部完成方计分。",
        "en": "Gap = 序时 − completion, in percentage points; positive means behind schedule. Rates and shares are not time-shared: their gap is target − actual in points, completion left blank; an improvement target's completion is the improvement achieved over the improvement asked; a milestone item shows its milestones reached and planned, and scores only when all are reached.",
    },
    "note.evidence": {
        "zh": "证据为事件日志中的序号（seq）；用 gyengine explain 主体 --period 期间 查看每个事件及其报送单位和时间。",
        "en": "Evidence is the events' seqs in the log; `gyengine explain SUBJECT --period PERIOD` shows each event with its reporter and time.",
    },
    "note.provisional": {
        "zh": "（部分报送尚未到期，排名为暂定）",
        "en": " (some reports are not due yet: provisional)",
    },
    "change.new": {"zh": "新进", "en": "new"},
    # -- columns --------------------------------------------------------------------
    "col.id": {"zh": "编号", "en": "Id"},
    "col.project": {"zh": "项目名称", "en": "Project"},
    "col.park": {"zh": "园区", "en": "Park"},
    "col.category": {"zh": "类别", "en": "Category"},
    "col.invested": {"zh": "累计完成投资（万元）", "en": "Invested to date (万元)"},
    "col.annual_plan": {"zh": "年度计划（万元）", "en": "Annual plan (万元)"},
    "col.completion": {"zh": "完成率（%）", "en": "Completion (%)"},
    "col.expected_pct": {"zh": "序时进度（%）", "en": "序时 (%)"},
    "col.status": {"zh": "状态", "en": "Status"},
    "col.report": {"zh": "本周报送", "en": "Report this week"},
    "col.lag_streak": {"zh": "连续滞后（周）", "en": "Lagging for (weeks)"},
    "col.lead_official": {"zh": "牵头领导", "en": "Lead official"},
    "col.evidence": {"zh": "证据", "en": "Evidence"},
    "col.milestone": {"zh": "节点", "en": "Milestone"},
    "col.planned": {"zh": "计划时间", "en": "Planned"},
    "col.reached": {"zh": "完成时间", "en": "Reached"},
    "col.outcome": {"zh": "结果", "en": "Outcome"},
    "col.problem": {"zh": "问题编号", "en": "Problem"},
    "col.subject": {"zh": "涉及对象", "en": "About"},
    "col.description": {"zh": "问题描述", "en": "Description"},
    "col.owner": {"zh": "责任单位", "en": "Owner"},
    "col.raised": {"zh": "提出日期", "en": "Raised"},
    "col.deadline": {"zh": "办结期限", "en": "Deadline"},
    "col.days_open": {"zh": "已历时（天）", "en": "Open (days)"},
    "col.days_overdue": {"zh": "逾期（天）", "en": "Overdue (days)"},
    "col.kind": {"zh": "类别", "en": "Kind"},
    "col.who": {"zh": "对象", "en": "Who"},
    "col.name": {"zh": "名称", "en": "Name"},
    "col.rule": {"zh": "规则", "en": "Rule"},
    "col.period": {"zh": "期间", "en": "Period"},
    "col.reason": {"zh": "事由", "en": "Reason"},
    "col.points": {"zh": "分值", "en": "Points"},
    "col.reporter": {"zh": "报送单位", "en": "Reporter"},
    "col.reports": {"zh": "报送次数", "en": "Reports"},
    "col.late": {"zh": "迟报次数", "en": "Late"},
    "col.on_time": {"zh": "按时率（%）", "en": "On time (%)"},
    "col.indicator": {"zh": "指标", "en": "Indicator"},
    "col.actual": {"zh": "实际", "en": "Actual"},
    "col.target": {"zh": "目标", "en": "Target"},
    "col.expected": {"zh": "序时应完成", "en": "Expected by 序时"},
    "col.unit": {"zh": "单位", "en": "Unit"},
    "col.gap": {"zh": "差距（百分点）", "en": "Gap (pp)"},
    "col.responsible": {"zh": "责任单位", "en": "Responsible"},
    "col.scope": {"zh": "范围", "en": "Scope"},
    "col.score": {"zh": "得分（%）", "en": "Score (%)"},
    "col.indicators": {"zh": "指标数", "en": "Indicators"},
    "col.projects": {"zh": "项目数", "en": "Projects"},
    "col.preliminary": {"zh": "其中重大前期", "en": "of which preliminary"},
    "col.lagging": {"zh": "滞后项目", "en": "Lagging"},
    "col.missing": {"zh": "未报项目", "en": "Reports missing"},
    "col.week": {"zh": "截至周", "en": "Week"},
    "col.rank": {"zh": "名次", "en": "Rank"},
    "col.bank": {"zh": "银行", "en": "Bank"},
    "col.total": {"zh": "总分", "en": "Total"},
    "col.rank_change": {"zh": "名次变化", "en": "Rank change"},
    "col.previous_rank": {"zh": "上期名次", "en": "Previous rank"},
    "col.veto": {"zh": "一票否决", "en": "Veto"},
    "col.bank_report": {"zh": "月报", "en": "Report"},
    "col.quarterly_score": {"zh": "考评得分", "en": "Score"},
    "col.list": {"zh": "名单", "en": "List"},
    "component.indicator": {"zh": "指标得分", "en": "Indicators"},
    "component.project": {"zh": "项目得分", "en": "Projects"},
    "component.task": {"zh": "任务得分", "en": "Tasks"},
    "component.finding": {"zh": "奖惩加减分", "en": "Findings"},
    "col.section": {"zh": "部分", "en": "Section"},
    "col.table": {"zh": "表", "en": "Table"},
    "col.row": {"zh": "行", "en": "Row"},
    "col.events": {"zh": "事件数", "en": "Events"},
    # -- the evaluators' verdict words ------------------------------------------------
    "report.received": {"zh": "按时", "en": "on time"},
    "report.late": {"zh": "迟报", "en": "late"},
    "report.missing": {"zh": "未报", "en": "missing"},
    "report.not due": {"zh": "未到期", "en": "not due"},
    "milestone.early": {"zh": "提前", "en": "early"},
    "milestone.on time": {"zh": "按期", "en": "on time"},
    "milestone.late": {"zh": "延期完成", "en": "late"},
    "milestone.overdue": {"zh": "逾期未完成", "en": "overdue"},
    "milestone.reached": {"zh": "已完成", "en": "reached"},
    "scope.park": {"zh": "园区", "en": "park"},
    "scope.lead unit": {"zh": "牵头单位", "en": "lead unit"},
    "scope.unit": {"zh": "单位", "en": "unit"},
    "kind.commend": {"zh": "表扬", "en": "Commendation"},
    "kind.warn": {"zh": "警示", "en": "Warning"},
    "kind.supervise": {"zh": "督办", "en": "Supervision"},
    "kind.accountable": {"zh": "问责", "en": "Accountability"},
    "kind.deduct": {"zh": "扣分", "en": "Deduction"},
    "kind.veto": {"zh": "一票否决", "en": "Veto"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
}


def label(key: str, lang: str) -> str:
    """The label ``key`` in ``lang``; a key without a label is returned as it is.

    Falling back to the key keeps a new verdict word from an evaluator visible
    (``report.archived`` shows as ``archived``) instead of failing the report.
    """
    words = LABELS.get(key)
    if words is None:
        return key.split(".", 1)[-1]
    return words.get(lang) or words["zh"]
