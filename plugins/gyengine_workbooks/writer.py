"""Write a :class:`~.forms.Form` as an .xlsx workbook: the form, the instructions (说明), the hidden particulars.

Every sheet is protected without a password: input cells (yellow) are
unlocked, every other cell is locked. Number cells carry a decimal
validation, choice cells a dropdown. The workbook's structure is protected
too, so the hidden sheet 模板信息 cannot be shown or deleted by accident.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .forms import (
    FIRST_ROW,
    FORMAT,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    META_SHEET,
    Column,
    Form,
    Input,
)

__all__ = ["META_KEYS", "save", "workbook"]

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNLOCKED = Protection(locked=False)
BIG = "1E+15"
"""The bound of a number cell that may be negative: decimal validation needs two bounds."""

META_KEYS = {
    "kind": "模板类型（weekly 周报、monthly 月报、bank 银行月报）",
    "unit": "填报单位：导入时作为报送单位（actor）",
    "period": "报告期（周：2019-W23；月：2019-06）",
    "plan_seq": "方案版本：生成时最新一条方案定义事件的序号（seq）",
    "plan_hash": "方案版本：该事件的哈希（hash）",
    "sheet": "填报表的工作表名",
    "first_row": "第一行数据所在行",
    "last_row": "最后一行数据所在行",
    "made": "生成时间（UTC）",
    "format": "模板格式版本",
}


def _protect(sheet: Worksheet) -> None:
    # No password: protection keeps clerks from overwriting the pre-filled cells
    # by accident; it is not a security boundary (the import checks everything).
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


def _validation(column: Column, spec: Input, cells: list[str]) -> DataValidation | None:
    if spec.kind == "text":
        return None
    if spec.kind == "choice":
        validation = DataValidation(
            type="list", formula1=f'"{",".join(spec.choices)}"', allow_blank=True
        )
        validation.error = f"请从下拉列表中选择：{'、'.join(spec.choices)}"
    elif spec.minimum is None:
        validation = DataValidation(
            type="decimal", operator="between", formula1=f"-{BIG}", formula2=BIG, allow_blank=True
        )
        validation.error = f"请填写数字（单位：{spec.unit}），可为负数"
    else:
        validation = DataValidation(
            type="decimal",
            operator="greaterThanOrEqual",
            formula1=str(spec.minimum),
            allow_blank=True,
        )
        validation.error = f"请填写不小于 {spec.minimum} 的数字（单位：{spec.unit}）"
    validation.errorTitle = column.label
    validation.showErrorMessage = True
    for cell in cells:
        validation.add(cell)
    return validation


def _cell_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Excel keeps doubles; an integral amount is written as an integer.
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _header(sheet: Worksheet, form: Form) -> None:
    last = len(form.columns)
    sheet.cell(row=1, column=1, value=form.title).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    for offset, line in enumerate(form.lines[: HEADER_ROW - 2]):
        sheet.cell(row=2 + offset, column=1, value=line)
        sheet.merge_cells(start_row=2 + offset, start_column=1, end_row=2 + offset, end_column=last)
    legend = "黄色单元格为填报项，其余单元格已锁定；填写说明见“说明”工作表。"
    sheet.cell(row=HEADER_ROW - 1, column=1, value=legend).font = Font(italic=True, color="666666")
    sheet.merge_cells(
        start_row=HEADER_ROW - 1, start_column=1, end_row=HEADER_ROW - 1, end_column=last
    )
    for index, column in enumerate(form.columns, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=column.label)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[cell.column_letter].width = column.width
    sheet.row_dimensions[HEADER_ROW].height = 36
    sheet.freeze_panes = f"C{FIRST_ROW}"


def _form_sheet(sheet: Worksheet, form: Form) -> None:
    sheet.title = form.sheet
    _header(sheet, form)
    groups: dict[tuple[int, Input], list[str]] = {}
    for offset, row in enumerate(form.rows):
        number = FIRST_ROW + offset
        for index, column in enumerate(form.columns, start=1):
            value = row.values.get(column.key)
            if column.formula:
                value = column.formula.format(row=number)
            cell = sheet.cell(row=number, column=index, value=_cell_value(value))
            cell.border = BOX
            spec = row.input_of(column)
            if spec is None:
                continue
            cell.protection = UNLOCKED
            cell.fill = INPUT_FILL
            if spec.kind == "text":
                cell.alignment = Alignment(wrap_text=True)
            groups.setdefault((index - 1, spec), []).append(cell.coordinate)
    for (index, spec), cells in groups.items():
        validation = _validation(form.columns[index], spec, cells)
        if validation is not None:
            sheet.add_data_validation(validation)
    _protect(sheet)


def _instructions(sheet: Worksheet, form: Form) -> None:
    sheet.column_dimensions["A"].width = 110
    sheet.cell(row=1, column=1, value=f"{form.title} 填写说明").font = Font(bold=True, size=14)
    for number, line in enumerate(form.instructions, start=3):
        sheet.cell(row=number, column=1, value=line).alignment = Alignment(wrap_text=True)
    _protect(sheet)


def _meta(sheet: Worksheet, form: Form) -> None:
    values = {
        "kind": form.kind,
        "unit": form.unit,
        "period": form.period,
        "plan_seq": str(form.plan_seq),
        "plan_hash": form.plan_hash,
        "sheet": form.sheet,
        "first_row": str(FIRST_ROW),
        "last_row": str(FIRST_ROW + len(form.rows) - 1),
        "made": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "format": FORMAT,
    }
    for number, (key, note) in enumerate(META_KEYS.items(), start=1):
        sheet.cell(row=number, column=1, value=key)
        # Text, so that no writer turns 2019-06 into a date or a seq into a float.
        sheet.cell(row=number, column=2, value=values[key]).number_format = "@"
        sheet.cell(row=number, column=3, value=note)
    sheet.sheet_state = "hidden"
    _protect(sheet)


def workbook(form: Form) -> Workbook:
    """The workbook of ``form``: the form sheet first, then 说明, then the hidden 模板信息."""
    book = Workbook()
    first = book.active
    assert isinstance(first, Worksheet)
    _form_sheet(first, form)
    _instructions(book.create_sheet(INSTRUCTIONS_SHEET), form)
    _meta(book.create_sheet(META_SHEET), form)
    book.active = 0
    book.security = WorkbookProtection(lockStructure=True)
    return book


def save(form: Form, path: Path) -> None:
    """Write the workbook to ``path`` whole or not at all (a temporary file, then a rename)."""
    book = workbook(form)
    directory = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    os.close(handle)
    try:
        book.save(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
