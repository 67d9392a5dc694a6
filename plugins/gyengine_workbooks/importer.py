"""Read a filled workbook back into events: all of them or none, every problem named by sheet and cell.

The workbook's hidden sheet says what it is (kind, unit, period); the form is
made again from the plan in force and the log, and the workbook's rows are
read against it, so a row the plan no longer has, a header moved or a value
of the wrong kind is refused. Each report's id comes from its content (kind,
unit, period, subject, figures, and the report it corrects): importing the
same workbook twice adds nothing, and a changed figure for a period already
reported becomes a correction that ``supersedes`` the report in force.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from gyengine import Engine, GyengineError, NewEvent

from .forms import FIRST_ROW, HEADER_ROW, META_SHEET, Form, is_blank, parse_input
from .kinds import KINDS, ReadRow, Report, WorkbookError
from .source import PlanInForce, current_reports, plan_in_force

__all__ = ["Imported", "Meta", "import_workbook", "read_meta"]

MAX_SHOWN = 20
"""At most this many problems are listed; the rest are counted."""


@attrs.frozen
class Meta:
    """The particulars of the hidden sheet."""

    kind: str
    unit: str
    period: str
    plan_seq: int
    sheet: str
    first_row: int
    last_row: int


@attrs.frozen
class Imported:
    """What an import did (or, dry, would do)."""

    new: int
    corrections: int
    unchanged: int
    appended: int
    plan_changed: bool
    meta: Meta


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_meta(book: Any, source: str) -> Meta:
    """The hidden sheet's particulars.

    Raises:
        WorkbookError: the sheet or one of its values is missing or wrong, naming the cell.
    """
    if META_SHEET not in book.sheetnames:
        raise WorkbookError(
            f"{source}: no sheet {META_SHEET}: this is not a workbook made by gyengine template"
        )
    sheet = book[META_SHEET]
    found = {
        _text(row[0].value): (row[1].coordinate, _text(row[1].value))
        for row in sheet.iter_rows(max_col=2)
    }

    def get(key: str) -> str:
        if key not in found or not found[key][1]:
            raise WorkbookError(
                f"{source}: {META_SHEET}: the value {key!r} is missing; make a new template"
            )
        return found[key][1]

    def number(key: str) -> int:
        text = get(key)
        try:
            return int(text)
        except ValueError:
            raise WorkbookError(
                f"{source}: {META_SHEET}!{found[key][0]}: {key} must be a whole number, not {text!r}"
            ) from None

    kind = get("kind")
    if kind not in KINDS:
        raise WorkbookError(
            f"{source}: {META_SHEET}!{found['kind'][0]}: unknown template kind {kind!r} "
            f"(one of {', '.join(KINDS)})"
        )
    return Meta(
        kind,
        get("unit"),
        get("period"),
        number("plan_seq"),
        get("sheet"),
        number("first_row"),
        number("last_row"),
    )


def _check_header(sheet: Worksheet, form: Form, source: str) -> None:
    for index, column in enumerate(form.columns, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index)
        if _text(cell.value) != column.label:
            raise WorkbookError(
                f"{source}: {form.sheet}!{cell.coordinate}: expected the column {column.label!r}, "
                f"found {_text(cell.value)!r}; columns may not be moved: make a new template"
            )


def _read_rows(sheet: Worksheet, form: Form, meta: Meta, problems: list[str]) -> list[ReadRow]:
    expected = {row.subject: row for row in form.rows}
    rows = []
    seen: set[str] = set()
    for number in range(FIRST_ROW, max(meta.last_row, FIRST_ROW + len(form.rows) - 1) + 1):
        values = [sheet.cell(row=number, column=i).value for i in range(1, len(form.columns) + 1)]
        subject = _text(values[0])
        if form.kind == "monthly" and _text(values[1]):
            subject = f"{subject}|{_text(values[1])}"
        where = f"{form.sheet}!A{number}"
        if not subject:
            if any(not is_blank(v) for v in values):
                problems.append(f"{where}: the row has entries but no id; rows may not be added")
            continue
        if subject not in expected:
            problems.append(f"{where}: {subject!r} is not a row of this form in the plan in force")
            continue
        if subject in seen:
            problems.append(f"{where}: {subject!r} appears twice")
            continue
        seen.add(subject)
        inputs, shown, bad = {}, {}, set()
        for column, value in zip(form.columns, values, strict=True):
            spec = expected[subject].input_of(column)
            if spec is None:
                shown[column.key] = value
                continue
            parsed, problem = parse_input(spec, value)
            if problem is not None:
                cell = f"{form.column_letter(column.key)}{number}"
                label = _label(column.label)
                if form.row_label:
                    label = str(expected[subject].values.get(form.row_label) or label)
                problems.append(f"{form.sheet}!{cell}: {label} {problem}")
                bad.add(column.key)
            inputs[column.key] = parsed
        rows.append(ReadRow(number, subject, inputs, shown, frozenset(bad)))
    return rows


def _label(label: str) -> str:
    """A header without its unit in brackets: 本周完成投资（万元） -> 本周完成投资."""
    return label.split("（")[0]


def _event_id(meta: Meta, report: Report, pending_data: str, supersedes: str | None) -> str:
    content = json.dumps(
        [meta.kind, meta.unit, meta.period, report.subject, pending_data, supersedes],
        ensure_ascii=False,
    )
    digest = hashlib.sha256(content.encode()).hexdigest()[:16]
    return f"xlsx-{meta.kind}-{report.subject}-{meta.period}-{digest}"


def _events(
    engine: Engine, meta: Meta, reports: list[Report], problems: list[str]
) -> tuple[list[Any], int, int]:
    """The encoded events of ``reports`` that the log lacks, and how many are corrections and unchanged."""
    by_type: dict[str, list[Report]] = {}
    for report in reports:
        by_type.setdefault(report.type, []).append(report)
    events, corrections, unchanged = [], 0, 0
    for event_type, group in by_type.items():
        current = current_reports(engine, [r.stream for r in group], event_type)
        for report in group:
            try:
                probe = engine.registry.encode(
                    NewEvent(type=report.type, stream=report.stream, data=report.data, id="probe")
                )
            except (GyengineError, ValueError, TypeError) as error:
                problems.append(f"{report.cell}: {report.label}: {error}")
                continue
            earlier = current[report.stream].of(meta.period, **report.match)
            if (
                earlier is not None
                and engine.registry.encode(
                    NewEvent(
                        type=earlier.type, stream=earlier.stream, data=earlier.data, id="probe"
                    )
                ).data
                == probe.data
            ):
                unchanged += 1
                continue
            supersedes = earlier.id if earlier is not None else None
            corrections += supersedes is not None
            events.append(
                engine.registry.encode(
                    NewEvent(
                        type=report.type,
                        stream=report.stream,
                        data=report.data,
                        id=_event_id(meta, report, probe.data, supersedes),
                        occurred=meta.period,
                        actor=meta.unit,
                        supersedes=supersedes,
                    )
                )
            )
    return events, corrections, unchanged


def _fail(source: str, problems: list[str]) -> WorkbookError:
    shown = [f"{source}: {problem}" for problem in problems[:MAX_SHOWN]]
    if len(problems) > MAX_SHOWN:
        shown.append(f"{source}: ... and {len(problems) - MAX_SHOWN} more problems")
    shown.append(f"{source}: nothing imported; correct the cells above and import again")
    return WorkbookError("\n".join(shown))


def _open(path: Path) -> Any:
    try:
        return load_workbook(path, data_only=True)
    except FileNotFoundError:
        raise WorkbookError(f"{path}: no such file") from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise WorkbookError(
            f"{path}: not an .xlsx workbook ({type(error).__name__}: {error})"
        ) from None


def import_workbook(
    engine: Engine,
    path: Path,
    *,
    dry_run: bool = False,
    on_progress: Callable[[int, int | None], None] | None = None,
) -> Imported:
    """Check every cell of the workbook at ``path``, then append its reports, all or none.

    ``on_progress(done, total)`` follows the append (see ``Engine.append``).

    Raises:
        WorkbookError: one line per problem, each naming the sheet and cell.
    """
    source = str(path)
    book = _open(path)
    meta = read_meta(book, source)
    kind = KINDS[meta.kind]
    plan: PlanInForce = plan_in_force(engine)
    section = "bank" if meta.kind == "bank" else "unit"
    if meta.unit not in plan.section(section):
        raise WorkbookError(
            f"{source}: {META_SHEET}: {section} {meta.unit!r} is not in the plan in force"
        )
    form = kind.make(engine, plan, meta.unit, meta.period)
    if form.sheet not in book.sheetnames:
        raise WorkbookError(f"{source}: no sheet {form.sheet}; make a new template")
    sheet = book[form.sheet]
    _check_header(sheet, form, source)
    problems: list[str] = []
    rows = _read_rows(sheet, form, meta, problems)
    reports, more = kind.reports(form, rows)
    problems.extend(more)
    if not problems and not reports:
        problems.append(f"{form.sheet}: no figure is filled in (the yellow cells)")
    events, corrections, unchanged = _events(engine, meta, reports, problems)
    if problems:
        raise _fail(source, problems)
    appended = 0
    if events:
        result = engine.append(events, dry_run=dry_run, on_progress=on_progress)
        appended = result.count
    return Imported(
        new=len(events) - corrections,
        corrections=corrections,
        unchanged=unchanged,
        appended=appended,
        plan_changed=meta.plan_seq != plan.seq,
        meta=meta,
    )
