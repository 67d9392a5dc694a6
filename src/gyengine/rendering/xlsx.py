"""The ``xlsx`` format: a report as an Excel workbook.

A sheet per section, each starting with a short document header (the title;
the subtitle and meta pairs on one line; the synthetic notice), so that few
rows are frozen above a table; then every block as a table (charts too: a line
chart by x, a grid with its status fills, a bar chart as label and value).
Header rows are bold, the first table's header row is frozen, numbers are
number cells, text is always a string cell (never a formula), status cells are
filled with their colour. The same document gives the same bytes (fixed
workbook and zip member times).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import IO, Any, Final

import attrs

from ..document import (
    BarChart,
    Document,
    GridChart,
    LineChart,
    Paragraph,
    Section,
    Table,
    cell_text,
    evidence_text,
    word,
)
from .common import (
    COLOURS,
    display_width,
    say,
    status_key,
    status_label,
    table_columns,
    value_at,
    with_unit,
)

__all__ = ["XlsxDocumentRenderer", "sheet_names"]

_FORBIDDEN_IN_SHEET_NAMES: Final = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
# The workbook's creation and modification time: fixed, so the same document gives the same bytes.
_WORKBOOK_TIME: Final = (2000, 1, 1, 0, 0, 0)


def sheet_names(titles: Sequence[str]) -> list[str]:
    """Valid, unique worksheet names for ``titles``: at most 31 characters, none of []:*?/\\."""
    names: list[str] = []
    taken: set[str] = set()
    for title in titles:
        base = " ".join(title.translate(_FORBIDDEN_IN_SHEET_NAMES).split()).strip("'") or "Sheet"
        name, n = base[:31], 1
        # Excel compares sheet names without regard to case.
        while name.casefold() in taken:
            n += 1
            suffix = f" ({n})"
            name = base[: 31 - len(suffix)] + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def _xlsx_number(value: int | Decimal) -> tuple[int | float, int]:
    """A cell value for an exact number, and how many decimals to show."""
    if isinstance(value, int):
        return value, 0
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places == 0:
        return int(value), 0
    return float(value), places


@attrs.frozen
class XlsxDocumentRenderer:
    """A report as an Excel workbook: a sheet per section, real numbers, status fills, no formulas."""

    name: str = "xlsx"
    description: str = "XLSX: a sheet per section (give -o FILE)"
    binary: bool = True

    def render(self, document: Document, output: IO[bytes], options: Any = None) -> None:
        import datetime

        from openpyxl import Workbook
        from openpyxl.writer.excel import ExcelWriter

        workbook = Workbook()
        workbook.remove(workbook.active)  # type: ignore[arg-type]
        sections = document.sections or (Section(id="", title=document.title, blocks=()),)
        for section, name in zip(
            sections, sheet_names([s.title or s.id for s in sections]), strict=True
        ):
            _xlsx_sheet(workbook.create_sheet(name), document, section)
        moment = datetime.datetime(*_WORKBOOK_TIME)
        workbook.properties.created = moment
        workbook.properties.modified = moment
        workbook.properties.creator = "gyengine"
        workbook.properties.title = _xml_safe(document.title)
        # ExcelWriter rather than Workbook.save, which stamps the current time.
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            ExcelWriter(workbook, archive).write_data()
        output.write(_fixed_zip_times(buffer.getvalue()))


def _fixed_zip_times(data: bytes) -> bytes:
    """The same zip with every member dated ``_WORKBOOK_TIME`` (zip members carry the write time)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=_WORKBOOK_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            target.writestr(member, source.read(info.filename))
    return buffer.getvalue()


def _xml_safe(text: str) -> str:
    """``text`` without the control characters XML (and so XLSX) cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)


class _Sheet:
    """Writes rows down a worksheet and remembers how wide each column's cells are."""

    def __init__(self, ws: Any) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.ws = ws
        self.row = 1
        self.widths: dict[int, int] = {}
        self.bold = Font(bold=True)
        self.big = Font(bold=True, size=14)
        self.italic = Font(italic=True, color="FF5B6470")
        self.head_fill = PatternFill("solid", fgColor="FFF1F3F5")
        self.head_border = Border(bottom=Side(style="medium", color="FFAAB1BA"))
        self.notice_fill = PatternFill("solid", fgColor="FFFFF6D1")
        self.right = Alignment(horizontal="right")
        self.fills = {
            k: PatternFill("solid", fgColor="FF" + light[1:].upper())
            for k, (_, light) in COLOURS.items()
        }
        self.frozen = False

    def text(self, column: int, value: str, *, measure: bool = True) -> Any:
        cell = self.ws.cell(row=self.row, column=column)
        cell.value = _xml_safe(value)
        # openpyxl takes any str starting with "=" for a formula; a text cell stays text.
        cell.data_type = "s"
        if measure:
            self.widths[column] = max(self.widths.get(column, 0), display_width(value))
        return cell

    def number(self, column: int, value: int | Decimal, places: int) -> Any:
        cell = self.ws.cell(row=self.row, column=column)
        cell.value, _ = _xlsx_number(value)
        cell.number_format = "0" if places == 0 else "0." + "0" * places
        shown = cell_text(value) if places == 0 else f"{value:.{places}f}"
        self.widths[column] = max(self.widths.get(column, 0), len(shown))
        return cell

    def header(self, titles: Sequence[str], right: Collection[int] = ()) -> None:
        for i, title in enumerate(titles, start=1):
            cell = self.text(i, title)
            cell.font = self.bold
            cell.fill = self.head_fill
            cell.border = self.head_border
            if i in right:
                cell.alignment = self.right
        if not self.frozen:
            self.ws.freeze_panes = self.ws.cell(row=self.row + 1, column=1)
            self.frozen = True
        self.row += 1

    def status(self, column: int, value: Any, lang: str) -> None:
        if value is None:
            return
        cell = self.text(column, status_label(value, lang))
        fill = self.fills.get(status_key(value))
        if fill is not None:
            cell.fill = fill

    def title(self, text: str, font: Any = None) -> None:
        self.text(1, text, measure=False).font = font or self.bold
        self.row += 1

    def finish(self) -> None:
        from openpyxl.utils import get_column_letter

        for column, width in sorted(self.widths.items()):
            self.ws.column_dimensions[get_column_letter(column)].width = min(50, max(8, width + 2))


def _places(values: Sequence[Any]) -> int:
    """Decimals to show for a column of numbers: those of the most precise one, at least 2 if any."""
    places = max((_xlsx_number(v)[1] for v in values if isinstance(v, (int, Decimal))), default=0)
    return 0 if places == 0 else max(2, places)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


def _xlsx_sheet(ws: Any, document: Document, section: Section) -> None:
    lang = document.lang
    sheet = _Sheet(ws)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    # A short header, so that the frozen rows above a table leave room for the table: the
    # title, then the subtitle and every meta pair on one line, then the synthetic notice.
    sheet.title(document.title, sheet.big)
    colon, semicolon = ("：", "；") if lang == "zh" else (": ", "; ")
    about = [document.subtitle] if document.subtitle else []
    about += [f"{label}{colon}{value}" for label, value in document.meta]
    if about:
        sheet.title(semicolon.join(about), sheet.italic)
    if document.synthetic:
        cell = sheet.text(1, word("synthetic", lang), measure=False)
        cell.font = sheet.bold
        cell.fill = sheet.notice_fill
        sheet.row += 1
    if section.title:
        sheet.title(section.title, sheet.big)
    for index, block in enumerate(section.blocks):
        if index:
            sheet.row += 1
        if isinstance(block, Paragraph):
            for line in block.text.splitlines() or [""]:
                sheet.text(1, line, measure=False)
                sheet.row += 1
            continue
        title = block.title
        if isinstance(block, (LineChart, BarChart)):
            title = with_unit(title, block.unit, lang)
        sheet.title(title)
        if isinstance(block, Table):
            _xlsx_table(sheet, block, lang)
        elif isinstance(block, LineChart):
            sheet.header(
                ["", *(name for name, _, _ in block.series)], set(range(2, len(block.series) + 2))
            )
            places = [_places(values) for _, values, _ in block.series]
            for i, x in enumerate(block.x):
                sheet.text(1, x)
                for j, (_, values, _) in enumerate(block.series):
                    value = value_at(values, i)
                    if value is not None:
                        sheet.number(j + 2, value, places[j])
                sheet.row += 1
        elif isinstance(block, GridChart):
            sheet.header(["", *block.columns])
            for label, cells in zip(block.rows, block.cells, strict=False):
                sheet.text(1, label)
                for j, status in enumerate(cells):
                    sheet.status(j + 2, status, lang)
                sheet.row += 1
        elif isinstance(block, BarChart):
            sheet.header(["", say("value", lang)], {2})
            places_bar = _places(block.values)
            for label, value in zip(block.labels, block.values, strict=False):
                sheet.text(1, label)
                sheet.number(2, value, places_bar)
                sheet.row += 1
    sheet.finish()


def _xlsx_table(sheet: _Sheet, table: Table, lang: str) -> None:
    columns = table_columns(table, lang)
    sheet.header(
        [c.title for c in columns], {i for i, c in enumerate(columns, 1) if c.kind == "number"}
    )
    places = {
        c.key: _places([row.get(c.key) for row in table.rows])
        for c in columns
        if c.kind == "number"
    }
    for row in table.rows:
        for i, column in enumerate(columns, start=1):
            value = row.get(column.key)
            if value is None:
                continue
            if column.kind == "status":
                sheet.status(i, value, lang)
            elif column.kind == "evidence":
                sheet.text(i, evidence_text(value))
            elif _is_number(value):
                sheet.number(i, value, places.get(column.key, _places([value])))
            else:
                sheet.text(i, cell_text(value))
        sheet.row += 1
    if table.note:
        sheet.text(1, table.note, measure=False).font = sheet.italic
        sheet.row += 1
