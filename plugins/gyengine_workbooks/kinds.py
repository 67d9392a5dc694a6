"""The three workbooks: a unit's weekly project report (周报), the monthly statistics (月报), a bank's month (银行月报).

Each kind makes a :class:`~.forms.Form` from the plan in force and the log,
and turns the rows read back from a filled workbook into the reports a JSON
Lines file would carry: ``ProjectProgressReported`` (stream ``project/<id>``,
``occurred`` the week), ``StatisticReported`` (``indicator/<id>``, the month)
and ``BankMonthlyReported`` (``bank/<id>``, the month).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

import attrs

from gyengine import Engine, GyengineError, Quantity, parse_period

from .forms import Column, Form, Input, Row
from .source import PlanInForce, current_reports

__all__ = ["KINDS", "Kind", "ReadRow", "Report", "WorkbookError", "resolve_unit"]

WAN: Final = "万元"
MILESTONES: Final = ("开工", "竣工", "投产")
"""The milestones a weekly report may name (the payload class checks them again)."""
PROJECT_REPORT: Final = "ProjectProgressReported"
STATISTIC: Final = "StatisticReported"
BANK_REPORT: Final = "BankMonthlyReported"


class WorkbookError(GyengineError):
    """A template cannot be made, or a workbook cannot be imported; the message says where."""


@attrs.frozen
class ReadRow:
    """A data row read back: its number, subject, typed input values and the locked values shown."""

    number: int
    subject: str
    inputs: dict[str, Any]
    """Column key -> the parsed value (None for a blank cell)."""
    shown: dict[str, Any]
    """Column key -> the raw value of a locked column."""
    bad: frozenset[str] = frozenset()
    """Input columns whose cell was refused (its problem is already reported)."""


@attrs.frozen
class Report:
    """One event a workbook row (or the whole workbook) gives, and the cell that answers for it."""

    cell: str
    label: str
    type: str
    stream: str
    subject: str
    data: dict[str, Any]
    match: dict[str, Any] = attrs.Factory(dict)
    """The data fields that, with the stream and period, name the report a new one would correct."""


@attrs.frozen
class Kind:
    """A kind of workbook: how to make its form and how to read its rows into reports."""

    name: str
    title: str
    make: Callable[[Engine, PlanInForce, str, str], Form]
    reports: Callable[[Form, list[ReadRow]], tuple[list[Report], list[str]]]
    period_kind: str


def resolve_unit(plan: PlanInForce, text: str, section: str = "unit") -> str:
    """The id of a unit (or bank) given by id or by name.

    Raises:
        WorkbookError: naming the ids the plan has.
    """
    items = plan.section(section)
    if text in items:
        return text
    for key, item in items.items():
        if text in (getattr(item, "name", None), getattr(item, "short", None)):
            return key
    known = "、".join(items) or "none: load the plan first (gyengine plan load)"
    raise WorkbookError(f"{section} {text!r} is not in the plan in force (ids: {known})")


def _wan(quantity: Quantity | None) -> Decimal | None:
    return None if quantity is None else quantity.in_unit(WAN)


def _due(plan: PlanInForce, period: str, field: str) -> str:
    supervision = plan.one("supervision")
    days = getattr(supervision, field, None)
    if days is None:
        return ""
    due = parse_period(period).end + dt.timedelta(days=int(days))
    return f"报送时限：{due.isoformat()} 前（报告期结束后 {days} 天内）"


def _unit_line(plan: PlanInForce, unit: str, label: str = "填报单位") -> str:
    item = plan.section("unit").get(unit) or plan.section("bank").get(unit)
    name = getattr(item, "name", unit)
    return f"{label}：{name}（{unit}）" if name != unit else f"{label}：{unit}"


def _plan_title(plan: PlanInForce) -> str:
    header = plan.one("plan")
    return str(getattr(header, "title", "")) or "方案"


COMMON_STEPS: Final = (
    "4. 只填写黄色单元格；其余单元格已锁定（工作表保护，无密码），请勿取消保护或增删行列。",
    "5. 数字直接填写，不要带单位或文字；金额单位以列标题为准（万元）。",
    "6. 保存为 .xlsx 后报送（Excel、WPS、LibreOffice 均可）。不要修改隐藏的“模板信息”工作表。",
    "7. 转型办用 gyengine import 导入：任何一个单元格有误，整本不导入，并指出工作表和单元格（如 周报!D7）。",
    "8. 同一报告期重复导入不会重复记录；已报数字改动后再次导入，记为对原报告的更正（保留原记录，可追溯）。",
)


# -- weekly: a unit's key projects -------------------------------------------


def projects_of(plan: PlanInForce, unit: str) -> list[Any]:
    found = []
    for project in plan.section("project").values():
        owner = project.department or (project.responsible[0] if project.responsible else "")
        if owner == unit:
            found.append(project)
    return found


WEEKLY_COLUMNS: Final = (
    Column("id", "项目编号", 10),
    Column("name", "项目名称", 30),
    Column("annual_plan", "年度计划投资（万元）", 14),
    Column("week", "本周完成投资（万元）", 14, Input("number", WAN)),
    Column("base", "截至上期累计完成（万元）", 14),
    Column("to_date", "本年累计完成投资（万元）", 14, formula='=IF(D{row}="","",E{row}+D{row})'),
    Column("milestone", "本周达到节点", 12, Input("choice", choices=MILESTONES)),
    Column("note", "进展情况及存在问题", 40, Input("text")),
    Column("next_plan", "下周计划", 30, Input("text")),
    Column("base_period", "上期周次", 11),
    Column("park", "园区", 10),
    Column("category", "类别", 10),
    Column("total", "总投资（万元）", 14),
)


def weekly_form(engine: Engine, plan: PlanInForce, unit: str, week: str) -> Form:
    """The unit's weekly workbook: a row per key project it is responsible for."""
    projects = projects_of(plan, unit)
    if not projects:
        owners = sorted({getattr(p, "department", "") for p in plan.section("project").values()})
        raise WorkbookError(
            f"unit {unit!r} has no key projects in the plan in force (units with projects: "
            f"{'、'.join(o for o in owners if o) or 'none'})"
        )
    reports = current_reports(engine, [f"project/{p.id}" for p in projects], PROJECT_REPORT)
    rows = []
    for project in projects:
        current = reports[f"project/{project.id}"]
        earlier = current.before(week)
        now = current.of(week)
        base = earlier.data.invested_to_date if earlier else Decimal(0)
        values: dict[str, Any] = {
            "id": project.id,
            "name": project.name,
            "annual_plan": _wan(project.annual_plan),
            "base": base,
            "base_period": earlier.occurred if earlier else "",
            "park": project.park,
            "category": project.category,
            "total": _wan(project.total_investment),
        }
        if now is not None:
            values.update(
                week=now.data.invested_to_date - base,
                milestone=now.data.milestone,
                note=now.data.note,
                next_plan=now.data.next_plan or "",
            )
        rows.append(Row(project.id, values))
    period = parse_period(week)
    return Form(
        kind="weekly",
        sheet="周报",
        title=f"{_plan_title(plan)} 重点项目周报",
        lines=(
            _unit_line(plan, unit),
            f"报告期：{period.start.year}年第{period.start.isocalendar().week}周"
            f"（{period.start.isoformat()} 至 {period.end.isoformat()}，{week}）",
            _due(plan, week, "weekly_due_days"),
        ),
        columns=WEEKLY_COLUMNS,
        rows=tuple(rows),
        unit=unit,
        period=week,
        plan_seq=plan.seq,
        plan_hash=plan.hash,
        instructions=(
            "1. 本表为填报单位负责的重点项目周报，每个项目一行，项目由方案确定（方案调整后请重新生成本表）。",
            "2. 本周完成投资（万元）：本周新完成的投资额；没有新增投资填 0。留空表示该项目本周不报送。",
            "   本年累计完成投资 = 截至上期累计 + 本周完成，自动计算；截至上期累计取自已记录的最近一期报告。",
            "3. 本周达到节点：本周达到开工、竣工或投产节点时从下拉列表选择，否则留空；进展情况及存在问题如实填写。",
            "   下周计划：下周准备完成的工作（如主体施工、设备安装、手续办理），可留空。",
            *COMMON_STEPS,
        ),
    )


def _shown_number(value: Any) -> Decimal:
    """A locked number cell as written (0 when empty)."""
    if value is None or value == "":
        return Decimal(0)
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def weekly_reports(form: Form, rows: list[ReadRow]) -> tuple[list[Report], list[str]]:
    """A ``ProjectProgressReported`` per row whose 本周完成投资 is filled in."""
    reports, problems = [], []
    week_cell = form.column_letter("week")
    for row in rows:
        week = row.inputs.get("week")
        if row.bad:
            continue
        if week is None:
            if any(row.inputs.get(name) for name in ("milestone", "note", "next_plan")):
                problems.append(
                    f"{form.sheet}!{week_cell}{row.number}: 本周完成投资 is empty but the row has "
                    "other entries; write 0 if nothing was invested this week"
                )
            continue
        base_value = _shown_number(row.shown.get("base"))
        data = {
            "project": row.subject,
            "invested_to_date": str(base_value + week),
            "note": row.inputs.get("note") or "",
            "milestone": row.inputs.get("milestone"),
            "next_plan": row.inputs.get("next_plan") or None,
        }
        reports.append(
            Report(
                f"{form.sheet}!{week_cell}{row.number}",
                "本周完成投资",
                PROJECT_REPORT,
                f"project/{row.subject}",
                row.subject,
                data,
            )
        )
    return reports, problems


# -- monthly: the statistics bureau's indicators and the parks' figures -----------


def _indicator_rows(plan: PlanInForce, unit: str) -> list[tuple[Any, str]]:
    supervision = plan.one("supervision")
    source = getattr(supervision, "data_source", "")
    chosen = []
    for item in plan.section("indicator").values():
        if item.measure.source != "statistic" or item.shape == "milestone":
            continue
        lead = item.responsible[0] if item.responsible else ""
        if (unit == source and item.group == "主要指标") or (
            unit != source and item.group != "主要指标" and lead == unit
        ):
            chosen.append(item)
    # The county's figures first, then each park's.
    chosen.sort(key=lambda item: bool(item.park))
    rows: list[tuple[Any, str]] = []
    for item in chosen:
        if item.shape == "compare":
            parts = [item.series, item.compare_to]
        else:
            parts = sorted(item.parts) or [""]
        rows.extend((item, part) for part in parts)
    return rows


MONTHLY_COLUMNS: Final = (
    Column("id", "指标编号", 10),
    Column("part", "分项", 12),
    Column("name", "指标名称", 36),
    Column("unit", "计量单位", 9),
    Column("value", "本月数", 12, Input("number", minimum=None)),
    Column("previous", "上月数", 12),
    Column("park", "园区", 16),
    Column("target", "年度目标", 14),
)


def monthly_form(engine: Engine, plan: PlanInForce, unit: str, month: str) -> Form:
    """The monthly statistics: a row per indicator (and part) the unit reports."""
    chosen = _indicator_rows(plan, unit)
    if not chosen:
        raise WorkbookError(f"unit {unit!r} reports no monthly statistic in the plan in force")
    reports = current_reports(engine, [f"indicator/{i.id}" for i, _ in chosen], STATISTIC)
    parks = plan.section("park")
    rows = []
    for item, part in chosen:
        current = reports[f"indicator/{item.id}"]
        earlier = current.before(month, indicator=item.id, part=part)
        now = current.of(month, indicator=item.id, part=part)
        target = item.parts.get(part) if part in item.parts else item.target
        values: dict[str, Any] = {
            "id": item.id,
            "part": part,
            "name": item.name,
            "unit": item.unit,
            "previous": earlier.data.value if earlier and earlier.data.unit == item.unit else None,
            "park": getattr(parks.get(item.park), "name", item.park),
            "target": str(target) if target is not None else "",
        }
        if target is not None:
            with contextlib.suppress(ValueError):
                values["target"] = f"{target.in_unit(item.unit)} {item.unit}"
        if now is not None and now.data.unit == item.unit:
            values["value"] = now.data.value
        # A rate or a share may fall; an amount or a count to date may not.
        rule = Input("number", item.unit, None if item.unit == "%" else Decimal(0))
        rows.append(Row(f"{item.id}|{part}" if part else item.id, values, {"value": rule}))
    return Form(
        kind="monthly",
        sheet="月报",
        title=f"{_plan_title(plan)} 主要指标月报",
        lines=(
            _unit_line(plan, unit),
            f"报告期：{month[:4]}年{int(month[5:7])}月（{month}），填写截至本月的累计数或本月增速。",
            _due(plan, month, "monthly_due_days"),
        ),
        columns=MONTHLY_COLUMNS,
        rows=tuple(rows),
        unit=unit,
        period=month,
        plan_seq=plan.seq,
        plan_hash=plan.hash,
        instructions=(
            "1. 本表每个指标（或分项）一行，指标由方案确定；先列全县指标，后列各园区指标。",
            "2. 本月数按“计量单位”列填写：% 指标填百分数（8.5 表示 8.5%，可为负数），亿元、家等填截至本月的年度累计数。",
            "3. 暂无数据的指标留空，不会导入；上月数取自已记录的上月报告，供核对。",
            *COMMON_STEPS,
        ),
    )


def monthly_reports(form: Form, rows: list[ReadRow]) -> tuple[list[Report], list[str]]:
    """A ``StatisticReported`` per row whose 本月数 is filled in."""
    reports = []
    letter = form.column_letter("value")
    expected = {item.subject: item for item in form.rows}
    for row in rows:
        value = row.inputs.get("value")
        if value is None or row.bad:
            continue
        indicator, _, part = row.subject.partition("|")
        data = {
            "indicator": indicator,
            "value": str(value),
            "unit": str(expected[row.subject].values["unit"]),
            "part": part,
        }
        reports.append(
            Report(
                f"{form.sheet}!{letter}{row.number}",
                "本月数",
                STATISTIC,
                f"indicator/{indicator}",
                row.subject.replace("|", "-"),
                data,
                match={"indicator": indicator, "part": part},
            )
        )
    return reports, []


# -- bank: one bank's month ------------------------------------------------------

BANK_LABELS: Final = {
    "loan_balance": ("各项贷款余额", "月末余额"),
    "deposits": ("各项存款余额", "月末余额"),
    "new_loans": ("当月新增贷款投放", "本月发放的贷款金额"),
    "industrial_increment": ("工业和制造业贷款余额增量", "本月增量，可为负数"),
    "inclusive_loans": ("普惠小微企业贷款余额增量", "本月增量，可为负数"),
    "renewals_without_repayment": ("无还本续贷金额", "本月到期贷款中无还本续贷的金额"),
    "maturing_loans": ("当月到期企业贷款", "本月到期的企业贷款金额"),
    "matchmaking_signed": ("银企对接签约金额", "本年累计"),
    "matchmaking_disbursed": ("银企对接已放款金额", "本年累计，其中已放款部分"),
    "balance_at_year_start": ("年初贷款余额", "本年1月1日的各项贷款余额"),
}
"""Field of ``BankMonthlyReported`` -> (label, note); a field not listed shows its own name."""
MAY_BE_NEGATIVE: Final = frozenset({"industrial_increment", "inclusive_loans"})

BANK_COLUMNS: Final = (
    Column("id", "数据项代码", 26),
    Column("label", "数据项", 26),
    Column("value", "本月数（万元）", 16, Input("number", WAN)),
    Column("previous", "上月数（万元）", 16),
    Column("note", "说明", 36),
)


def _bank_fields(engine: Engine) -> list[str]:
    try:
        payload = engine.registry.class_of(BANK_REPORT)
    except GyengineError:
        raise WorkbookError(
            f"no plugin registers {BANK_REPORT}: the banks plugin is missing"
        ) from None
    return [field.name for field in attrs.fields(payload) if field.name != "bank"]


def bank_form(engine: Engine, plan: PlanInForce, bank: str, month: str) -> Form:
    """A bank's monthly lending figures: a row per figure of ``BankMonthlyReported``."""
    stream = f"bank/{bank}"
    current = current_reports(engine, [stream], BANK_REPORT)[stream]
    earlier, now = current.before(month), current.of(month)
    rows = []
    for name in _bank_fields(engine):
        label, note = BANK_LABELS.get(name, (name, ""))
        values: dict[str, Any] = {
            "id": name,
            "label": label,
            "note": note,
            "previous": _wan(getattr(earlier.data, name)) if earlier else None,
        }
        if now is not None:
            values["value"] = _wan(getattr(now.data, name))
        rule = Input("number", WAN, None if name in MAY_BE_NEGATIVE else Decimal(0))
        rows.append(Row(name, values, {"value": rule}))
    item = plan.section("bank").get(bank)
    return Form(
        kind="bank",
        sheet="银行月报",
        title=f"{_plan_title(plan)} 银行支持企业情况月报",
        lines=(
            f"填报银行：{getattr(item, 'name', bank)}（{bank}）",
            f"报告期：{month[:4]}年{int(month[5:7])}月（{month}）",
            _due(plan, month, "monthly_due_days"),
        ),
        columns=BANK_COLUMNS,
        rows=tuple(rows),
        unit=bank,
        period=month,
        plan_seq=plan.seq,
        plan_hash=plan.hash,
        instructions=(
            "1. 本表为一家银行一个月的数据，供县金融工作局按月考核各银行支持企业情况。",
            "2. 每一项都必须填写，单位万元；没有发生额填 0。两项“增量”可为负数，其余不得为负。",
            "3. 上月数取自已记录的上月报告，供核对。",
            *COMMON_STEPS,
        ),
        row_label="label",
    )


def bank_reports(form: Form, rows: list[ReadRow]) -> tuple[list[Report], list[str]]:
    """One ``BankMonthlyReported`` for the whole sheet: every figure filled in, or none."""
    letter = form.column_letter("value")
    filled = [row for row in rows if row.inputs.get("value") is not None]
    if not filled:
        return [], []
    if any(row.bad for row in rows):
        return [], []
    missing = [row for row in rows if row.inputs.get("value") is None]
    if missing:
        return [], [
            f"{form.sheet}!{letter}{row.number}: {row.shown.get('label') or row.subject} is empty; "
            "every figure of the month must be filled in (0 if none)"
            for row in missing
        ]
    data: dict[str, Any] = {"bank": form.unit}
    data.update({row.subject: f"{row.inputs['value']} {WAN}" for row in rows})
    first = f"{form.sheet}!{letter}{rows[0].number}:{letter}{rows[-1].number}"
    return [Report(first, "本月数", BANK_REPORT, f"bank/{form.unit}", form.unit, data)], []


KINDS: Final = {
    "weekly": Kind("weekly", "周报", weekly_form, weekly_reports, "week"),
    "monthly": Kind("monthly", "月报", monthly_form, monthly_reports, "month"),
    "bank": Kind("bank", "银行月报", bank_form, bank_reports, "month"),
}
