"""The document renderers: terminal, Markdown, HTML, CSV and XLSX, on a document holding hostile text."""

from __future__ import annotations

import csv
import io
import itertools
import re
import shutil
import subprocess
import time
import zipfile
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Final

import attrs
import openpyxl
import pytest

from cli_helpers import clean_environment, invoke
from gyengine.document import (
    BarChart,
    Column,
    Document,
    GridChart,
    LineChart,
    Paragraph,
    Section,
    Table,
    document_json,
    word,
)
from gyengine.plugins import build_renderers, get_plugin_manager
from gyengine.rendering.xlsx import sheet_names

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x","y")'
BREAKOUT = '"><img src=x onerror=alert(1)>'
FORMATS = ["terminal", "markdown", "html", "csv", "xlsx", "json"]


def sample_document() -> Document:
    """A small report: Chinese text, a table of numbers, statuses and evidence, three charts, hostile text."""
    scores = Table(
        id="scores",
        title="主要指标（2019-06）",
        columns=[
            Column("id", "编号"),
            Column("name", "指标"),
            Column("value", "实际", "number"),
            Column("target", "目标", "number"),
            Column("status", "状态", "status"),
            Column("change", "变化"),
            Column("remark", "备注"),
            Column("evidence", word("evidence", "zh"), "evidence"),
        ],
        rows=[
            {
                "id": "I1",
                "name": "规上工业增加值增速",
                "value": Decimal("8.8"),
                "target": Decimal("8.50"),
                "status": "green",
                "change": "+1",
                "remark": "含|竖线",
                "evidence": [3, 7, 12],
            },
            {
                "id": "I2",
                "name": FORMULA,
                "value": Decimal("-3.50"),
                "target": 120,
                "status": "red",
                "change": "-2",
                "remark": "[链接](javascript:alert(1))",
                "evidence": [4],
            },
            {
                "id": "I3",
                "name": SCRIPT,
                "value": None,
                "target": Decimal("1234567.25"),
                "status": "pending",
                "change": "@x",
                "remark": "",
                "evidence": [5, 6, 8, 9, 10, 11],
            },
        ],
        note="单位：%；目标为年度目标。",
    )
    months = [f"{m:02d}" for m in range(1, 13)]
    actual = [Decimal(v) for v in ("1.2", "2.9", "4.1", "5.5", "7.0", "8.8")] + [None] * 6
    expected = [Decimal(17) * m / 12 for m in range(1, 13)]
    trend = LineChart(
        id="trend",
        title="规上工业增加值 累计",
        x=months,
        series=[
            ("实际", actual, "solid"),
            ("序时进度", [e.quantize(Decimal("0.01")) for e in expected], "dashed"),
        ],
        unit="亿元",
    )
    statuses = ("green", "watch", "yellow", "red", "pending", None)
    grid = GridChart(
        id="weeks",
        title="项目状态（逐周）",
        rows=["P01 环己酮项目", "P02 " + BREAKOUT, "P03 示例·新能源汽车零部件项目"],
        columns=[f"W{w:02d}" for w in range(1, 13)],
        cells=[tuple(statuses[(r + w) % len(statuses)] for w in range(12)) for r in range(3)],
    )
    bars = BarChart(
        id="bank-scores",
        title="银行得分",
        labels=["示例·襄城农村商业银行", "示例·建设银行襄城支行", "示例·中国银行襄城支行"],
        values=[Decimal("92.99"), Decimal("76.25"), Decimal("-4.5")],
        unit="分",
    )
    ranking = Table(
        id="ranking",
        title="银行排名",
        columns=[
            Column("rank", "名次", "number"),
            Column("bank", "银行"),
            Column("score", "总分", "number"),
        ],
        rows=[
            {
                "rank": 1,
                "bank": "示例·襄城农村商业银行",
                "score": Decimal("92.99"),
                "evidence": [6, 7],
            },
            {
                "rank": 2,
                "bank": "示例·建设银行襄城支行",
                "score": Decimal("76.25"),
                "evidence": [8],
            },
        ],
    )
    return Document(
        title="襄城县2019年推进工业高质量发展实施方案",
        subtitle="月通报 2019-06",
        lang="zh",
        synthetic=True,
        meta=[("报告期", "2019-06"), ("编制单位", "县工业转型发展领导小组办公室 " + BREAKOUT)],
        sections=[
            Section(id="overview", title="概况", blocks=[Paragraph(SCRIPT), scores]),
            Section(id="trend", title="走势", blocks=[trend]),
            Section(
                id="weeks",
                title="项目逐周状态",
                blocks=[Paragraph("第一段。\n第二行。"), Paragraph("# 不是标题"), grid],
            ),
            Section(id="banks", title="银行排名", blocks=[bars, ranking]),
        ],
    )


def renderers() -> dict[str, Any]:
    return build_renderers(get_plugin_manager(entry_points=False), "document")


def render(
    fmt: str, document: Document | None = None, options: dict[str, str] | None = None
) -> bytes:
    """The bytes a document renderer writes (text formats as UTF-8, as the CLI writes them)."""
    renderer = renderers()[fmt]
    document = document or sample_document()
    if getattr(renderer, "binary", False):
        binary = io.BytesIO()
        renderer.render(document, binary, options or {})
        return binary.getvalue()
    text = io.StringIO()
    renderer.render(document, text, options or {})
    return text.getvalue().encode("utf-8")


class Page(HTMLParser):
    """Collects an HTML page's elements, attributes and the text inside each element."""

    VOID = frozenset(
        {"meta", "link", "img", "br", "hr", "input", "source", "col", "area", "base", "wbr"}
    )

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.texts: list[tuple[tuple[str, ...], str]] = []
        self.stack: list[str] = []
        self.classes: list[tuple[str, ...]] = []
        self.parents: dict[str, list[tuple[str, str]]] = {}
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, name, value) for name, value in attrs]
        parent = (
            (self.stack[-1], self.classes[-1][0] if self.classes[-1] else "")
            if self.stack
            else ("", "")
        )
        self.parents.setdefault(tag, []).append(parent)
        if tag not in self.VOID:
            self.stack.append(tag)
            self.classes.append(tuple((dict(attrs).get("class") or "").split()))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, name, value) for name, value in attrs]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack.pop() != tag:
                self.classes.pop()
            self.classes.pop()

    def handle_data(self, data: str) -> None:
        self.texts.append((tuple(self.stack), data))

    def text_in(self, tag: str) -> list[str]:
        """The text directly inside each ``tag`` element."""
        return [data for stack, data in self.texts if stack and stack[-1] == tag]


def test_document_renderers_are_registered() -> None:
    """The built-in plugin registers every document format, and only xlsx is binary."""
    found = renderers()
    assert sorted(found) == sorted(FORMATS)
    assert [n for n, r in sorted(found.items()) if getattr(r, "binary", False)] == ["xlsx"]


# --- html -------------------------------------------------------------------


def test_html_escapes_text_from_events() -> None:
    """Hostile text stays text in HTML: no script element, no injected tag or handler, the text intact."""
    text = render("html").decode("utf-8")
    page = Page(text)
    assert "script" not in page.tags
    assert "img" not in page.tags
    assert [a for _, a, _ in page.attrs if a.startswith("on")] == []
    assert "<script" not in text.lower()
    assert page.text_in("p").count(SCRIPT) == 1
    assert SCRIPT in page.text_in("td")
    assert "县工业转型发展领导小组办公室 " + BREAKOUT in page.text_in("dd")
    # The SVG grid names each cell in a <title>, the row label included.
    assert any(t.startswith("P02 " + BREAKOUT + " · W01: ") for t in page.text_in("title"))


def test_html_is_self_contained_responsive_and_printable() -> None:
    """The page loads nothing, fits a phone (viewport, scrolling tables) and prints on A4 by section."""
    text = render("html").decode("utf-8")
    page = Page(text)
    assert set(page.tags).isdisjoint({"script", "link", "img", "iframe", "object", "embed", "base"})
    assert [v for _, a, v in page.attrs if a in ("src", "srcset", "action", "formaction")] == []
    assert all((v or "").startswith("#") for _, a, v in page.attrs if a == "href")
    assert (
        len([v for _, a, v in page.attrs if a == "href"]) == 4
    )  # the contents, a link per section
    style = "".join(page.text_in("style"))
    assert "url(" not in style
    assert "@import" not in style
    meta = {(a, v) for t, a, v in page.attrs if t == "meta"}
    assert ("name", "viewport") in meta
    assert ("http-equiv", "Content-Security-Policy") in meta
    assert "@page { size: A4;" in style
    assert "section + section { break-before: page; }" in style
    assert "tr, .chart, .notice, dl.meta { break-inside: avoid; }" in style
    assert page.parents["table"] == [("div", "scroll")] * 2
    assert word("synthetic", "zh") in page.text_in("p")


def test_html_status_cells_have_a_colour_class_and_words() -> None:
    """A status cell carries its colour as a class and says the status in words."""
    text = render("html").decode("utf-8")
    assert '<td class="st st-green"><span class="sw" aria-hidden="true"></span>绿</td>' in text
    assert '<td class="st st-red"><span class="sw" aria-hidden="true"></span>红</td>' in text
    assert '<td class="num">-3.50</td>' in text
    assert '<td class="ev">5 6 8 9 10 11</td>' in text


def test_html_charts_are_inline_svg() -> None:
    """Line, grid and bar charts are SVG: a solid and a dashed line, a titled square per cell, valued bars."""
    text = render("html").decode("utf-8")
    page = Page(text)
    assert page.tags.count("svg") == 3
    lines = re.findall(r"<polyline [^>]*>", text)
    assert len(lines) == 2
    assert sum("stroke-dasharray" in line for line in lines) == 1
    # The actual line stops where the values stop (June), the dashed one runs the year.
    dashed, solid = sorted(lines, key=lambda line: "stroke-dasharray" not in line)
    assert len(re.search(r'points="([^"]*)"', solid)[1].split()) == 6  # type: ignore[index]
    assert len(re.search(r'points="([^"]*)"', dashed)[1].split()) == 12  # type: ignore[index]
    cells = re.findall(r"<rect [^>]*><title>([^<]*)</title></rect>", text)
    squares = [c for c in cells if " · W" in c]
    assert len(squares) == 3 * 12
    assert "P01 环己酮项目 · W01: 绿" in squares
    assert "P01 环己酮项目 · W05: 待定" in squares
    assert "P01 环己酮项目 · W06: 无" in squares
    legend = [t for t in page.text_in("li") if t in ("绿", "关注", "黄", "红", "待定", "无")]
    assert legend == ["绿", "关注", "黄", "红", "待定", "无"]
    assert "示例·襄城农村商业银行: 92.99分" in cells
    assert ">-4.5分</text>" in text


# --- csv --------------------------------------------------------------------


def test_csv_holds_every_table_with_ids_and_inert_formulas() -> None:
    """CSV: a notice, then per table a header and rows led by section and table ids; formulas inert, numbers kept."""
    rows = list(csv.reader(io.StringIO(render("csv").decode("utf-8"))))
    assert rows[0] == [word("synthetic", "zh")]
    assert rows[1] == []
    assert rows[2] == [
        "部分",
        "表",
        "编号",
        "指标",
        "实际",
        "目标",
        "状态",
        "变化",
        "备注",
        "证据（事件序号）",
    ]
    assert rows[3] == [
        "overview",
        "scores",
        "I1",
        "规上工业增加值增速",
        "8.8",
        "8.50",
        "green",
        "'+1",
        "含|竖线",
        "3 7 12",
    ]
    assert rows[4][:6] == ["overview", "scores", "I2", "'" + FORMULA, "-3.50", "120"]
    assert rows[4][7] == "'-2"
    assert rows[5][2:8] == ["I3", SCRIPT, "", "1234567.25", "pending", "'@x"]
    assert rows[6] == []
    # A table without an evidence column gets one when its rows carry evidence.
    assert rows[7] == ["部分", "表", "名次", "银行", "总分", "证据（事件序号）"]
    assert rows[8] == ["banks", "ranking", "1", "示例·襄城农村商业银行", "92.99", "6 7"]
    assert len(rows) == 10


def test_csv_byte_order_mark_only_when_asked() -> None:
    """The CSV starts with a UTF-8 BOM with the bom option, and not without it."""
    assert render("csv", options={"bom": "1"}).startswith(b"\xef\xbb\xbf")
    assert not render("csv").startswith(b"\xef\xbb\xbf")
    assert render("csv", options={"bom": "1"})[3:] == render("csv")


PLUGIN = """
from decimal import Decimal

from gyengine import Document, ReportKind, hookimpl
from gyengine.document import Column, Section, Table


def build(replay, period, lang):
    table = Table(
        id="t", title="表", columns=[Column("a", "甲"), Column("n", "数", "number")],
        rows=[{"a": "=1+1", "n": Decimal("-1.5")}],
    )
    return Document(title="样例", lang=lang, sections=[Section(id="s", title="部分一", blocks=[table])])


@hookimpl
def register_reports():
    return [ReportKind(name="sample", period="month", build=build, evaluators=())]
"""


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
def test_report_command_writes_csv_and_xlsx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bom: bool
) -> None:
    """`gyengine report --format csv` adds a BOM only with --bom; --format xlsx writes a workbook to -o."""
    clean_environment(monkeypatch)
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "sample_report.py").write_text(PLUGIN, encoding="utf-8")
    db = str(tmp_path / "empty.db")
    assert invoke(["init", "--db", db]).exit_code == 0
    base = [
        "--plugins-dir",
        str(tmp_path / "plugins"),
        "report",
        "sample",
        "--period",
        "2019-06",
        "--db",
        db,
    ]
    result = invoke(
        [*base, "--format", "csv", "-o", str(tmp_path / "r.csv"), *(["--bom"] if bom else [])]
    )
    assert result.exit_code == 0, result.output
    data = (tmp_path / "r.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") is bom
    assert data.removeprefix(b"\xef\xbb\xbf").decode("utf-8") == "部分,表,甲,数\ns,t,'=1+1,-1.5\n"
    result = invoke([*base, "--format", "xlsx", "-o", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")["部分一"]
    values = {
        cell.value: cell.data_type
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    }
    assert values["=1+1"] == "s"
    assert values[-1.5] == "n"


# --- xlsx -------------------------------------------------------------------


def workbook() -> Any:
    return openpyxl.load_workbook(io.BytesIO(render("xlsx")))


def find(sheet: Any, value: Any) -> Any:
    """The first cell of ``sheet`` holding ``value``."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell
    raise AssertionError(f"{value!r} is not in sheet {sheet.title}")


def test_xlsx_has_a_sheet_per_section_with_the_header_block() -> None:
    """One sheet per section, each starting with the title, the meta and the synthetic notice."""
    book = workbook()
    assert book.sheetnames == ["概况", "走势", "项目逐周状态", "银行排名"]
    for sheet in book.worksheets:
        assert sheet["A1"].value == "襄城县2019年推进工业高质量发展实施方案"
        assert sheet["A1"].font.b
        assert (
            sheet["A2"].value
            == "月通报 2019-06；报告期：2019-06；编制单位：县工业转型发展领导小组办公室 " + BREAKOUT
        )
        assert sheet["A3"].value == word("synthetic", "zh")
        assert sheet["A4"].value == sheet.title
        assert find(sheet, word("synthetic", "zh")).fill.fgColor.rgb.endswith("FFF6D1")


def test_xlsx_text_is_never_a_formula() -> None:
    """A cell of text that looks like a formula is a string cell holding the literal text."""
    book = workbook()
    cell = find(book["概况"], FORMULA)
    assert cell.data_type == "s"
    assert find(book["概况"], "-2").data_type == "s"
    assert find(book["概况"], SCRIPT).data_type == "s"
    formulas = [
        c.coordinate
        for s in book.worksheets
        for r in s.iter_rows()
        for c in r
        if c.data_type == "f"
    ]
    assert formulas == []
    # And in the file itself: no <f> element anywhere.
    with zipfile.ZipFile(io.BytesIO(render("xlsx"))) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 4
        assert all(b"<f>" not in archive.read(n) for n in sheets)


def test_xlsx_numbers_are_numbers_equal_to_the_json() -> None:
    """Number cells hold numbers equal to the JSON's exact decimal strings, with their decimals shown."""
    sheet = workbook()["概况"]
    header = find(sheet, "编号")
    columns = {sheet.cell(header.row, c).value: c for c in range(1, 10)}
    exact = {
        row["id"]: row
        for row in document_json(sample_document())["sections"][0]["blocks"][1]["rows"]
    }
    checked = 0
    for r in range(header.row + 1, header.row + 4):
        key = sheet.cell(r, columns["编号"]).value
        for title, field in (("实际", "value"), ("目标", "target")):
            cell = sheet.cell(r, columns[title])
            if exact[key][field] is None:
                assert cell.value is None
                continue
            assert isinstance(cell.value, (int, float))
            assert not isinstance(cell.value, bool)
            assert Decimal(str(cell.value)) == Decimal(str(exact[key][field]))
            checked += 1
    assert checked == 5
    assert find(sheet, -3.5).number_format == "0.00"
    assert find(sheet, 120).number_format == "0.00"
    assert find(workbook()["走势"], 8.8).number_format == "0.00"


def test_xlsx_header_rows_are_bold_and_frozen() -> None:
    """The first table's header row is bold and frozen; status cells are filled with their colour."""
    book = workbook()
    sheet = book["概况"]
    header = find(sheet, "编号")
    assert sheet.freeze_panes == f"A{header.row + 1}"
    # Few rows are frozen: title, about line, notice, section, paragraph, table title, header.
    assert header.row == 8
    assert all(sheet.cell(header.row, c).font.b for c in range(1, 9))
    assert find(sheet, "红").fill.fgColor.rgb.endswith("F9D5D2")
    assert find(sheet, "绿").fill.fgColor.rgb.endswith("D5EFD8")
    assert book["银行排名"].freeze_panes is not None
    # CJK counts double in the column widths: the 指标 column is wider than the 编号 one.
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width


def test_sheet_names_are_valid_and_unique() -> None:
    """Sheet names are at most 31 characters, without []:*?/\\, and unique regardless of case."""
    names = sheet_names(["长" * 40, "a[b]:c*d?e/f\\g", "Same", "same", "", "'quoted'", "长" * 40])
    assert all(0 < len(n) <= 31 for n in names)
    assert all(not set(n) & set("[]:*?/\\") for n in names)
    assert len({n.casefold() for n in names}) == len(names)
    assert names[1] == "a b c d e f g"
    assert names[3] == "same (2)"
    assert names[5] == "quoted"
    assert names[6] == "长" * 27 + " (2)"


# --- terminal and markdown --------------------------------------------------


def display_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def test_terminal_piped_is_plain_and_aligned() -> None:
    """Piped terminal output has no colour codes, aligns CJK columns and draws the charts as text."""
    text = render("terminal").decode("utf-8")
    assert "\x1b[" not in text
    lines = text.splitlines()
    row = {line.split()[0]: line for line in lines if line.strip()[:2] in ("I1", "I2", "I3")}
    # The 目标 column is right-aligned: each target ends at the same display column.
    ends = {
        display_width(row[key][: row[key].index(target) + len(target)])
        for key, target in (("I1", " 8.50 "), ("I2", " 120 "), ("I3", " 1234567.25 "))
    }
    assert len(ends) == 1
    assert "5 6 8 … (6)" in row["I3"]
    grid = [line for line in lines if line.startswith("P01 环己酮项目")]
    # Labels padded to the widest (P02's, 34 columns) plus two: 环己酮项目 counts double.
    assert grid == ["P01 环己酮项目" + " " * (34 - 14 + 2) + "绿关黄红待·绿关黄红待·"]
    assert "图例：绿  关注  黄  红  待定  · 无" in text
    bars = [line for line in lines if line.startswith("示例·襄城农村商业银行 ")]
    assert bars == ["示例·襄城农村商业银行  " + "▇" * 40 + " 92.99"]
    assert word("synthetic", "zh") in text


def test_terminal_grid_marks_are_letters_in_english() -> None:
    """An English document's grid marks its cells G W Y R -, and its legend names each."""
    document = attrs.evolve(sample_document(), lang="en")
    text = render("terminal", document).decode("utf-8")
    grid = [line for line in text.splitlines() if line.startswith("P01 环己酮项目")]
    assert grid == ["P01 环己酮项目" + " " * (34 - 14 + 2) + "GWYR-·GWYR-·"]
    assert "Legend: G green  W watch  Y yellow  R red  - pending  · none" in text


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        # 9 + 2 + 3 + 2 cells: GDP does not fit after 高于 and moves whole to the next line.
        ("投资增速高于GDP增速", 10, ["投资增速高", "于GDP增速"]),
        # 9月30日 is one word; the closing bracket stays on its line.
        ("竣工（计划9月30日）", 12, ["竣工（计划", "9月30日）"]),
        # An opening bracket goes with what it opens; 1,250.5 is one number.
        ("投资 1,250.5 万元（示例）", 14, ["投资 1,250.5", "万元（示例）"]),
        # A word longer than a line is folded.
        ("ABCDEFGHIJ", 4, ["ABCD", "EFGH", "IJ"]),
    ],
    ids=["latin-word", "date", "number", "fold"],
)
def test_terminal_wraps_between_chinese_characters_only(
    text: str, width: int, lines: list[str]
) -> None:
    """A line breaks between Chinese characters and at spaces, never inside a Latin word or a number."""
    from gyengine.rendering.terminal import break_offsets

    offsets = [0, *break_offsets(text, width), len(text)]
    assert [text[a:b].strip() for a, b in itertools.pairwise(offsets)] == lines


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_colours_statuses_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal, status cells and grid squares are coloured, and the grid uses squares."""
    clean_environment(monkeypatch)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "160")
    output = Tty()
    renderers()["terminal"].render(sample_document(), output, {})
    text = output.getvalue()
    assert re.search(r"\x1b\[[0-9;]*31m红", text)
    assert re.search(r"\x1b\[[0-9;]*32m■", text)
    assert "GWYR" not in text


def test_markdown_has_headings_tables_and_escaped_text() -> None:
    """Markdown: headings, pipe tables with | escaped, charts as tables, no live HTML or link from events."""
    text = render("markdown").decode("utf-8")
    assert text.startswith("# 襄城县2019年推进工业高质量发展实施方案\n")
    assert "\n## 概况\n" in text
    assert "\n### 主要指标（2019-06）\n" in text
    assert f"> **{word('synthetic', 'zh')}**" in text
    assert "<script" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img" not in text
    assert "\\[链接\\](javascript:alert(1))" in text
    assert "\n\\# 不是标题\n" in text
    assert "\n第一段。 第二行。\n" in text
    table = [line for line in text.splitlines() if line.startswith("| I")]
    assert len(table) == 3
    assert "含\\|竖线" in table[0]
    # Every row of the table has as many cells as its header: no | from a cell splits it.
    assert {len(re.split(r"(?<!\\)\|", line)) for line in table} == {10}
    assert "| 编号 | 指标 | 实际 | 目标 |" in text
    assert "|---|---|---:|---:|" in text
    assert "| 01 | 1.2 | 1.42 |" in text
    assert "| P01 环己酮项目 | 绿 | 关注 | 黄 | 红 | 待定 |  |" in text
    assert "| 示例·中国银行襄城支行 | -4.5 |" in text


# --- every format -----------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS, ids=FORMATS)
def test_rendering_is_deterministic(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same document gives the same bytes, even a day later (no clock in any format)."""
    first = render(fmt)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 86_400 + 3)
    assert render(fmt) == first
    assert len(first) > 500


def test_xlsx_dates_are_fixed() -> None:
    """The workbook's own dates and its zip members' dates are constants, not the time of writing."""
    with zipfile.ZipFile(io.BytesIO(render("xlsx"))) as archive:
        core = archive.read("docProps/core.xml").decode("utf-8")
        assert core.count("2000-01-01T00:00:00Z") == 2
        assert {info.date_time for info in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}


# --- a real browser ---------------------------------------------------------

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]
CONSOLE = re.compile(r"CONSOLE[(:]|Uncaught")


def chromium(page: Path, profile: Path, *args: str) -> list[str]:
    """Open ``page`` in headless Chromium; return its console messages (errors, CSP refusals)."""
    done = subprocess.run(
        [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return [line for line in done.stderr.splitlines() if CONSOLE.search(line)]


def test_html_in_headless_chromium(tmp_path: Path) -> None:
    """Chromium opens the page without a console error, screenshots it wide and phone-sized, prints a page per section."""
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip(
            "chromium is not installed: apt-get install chromium (the HTML was not opened in a browser)"
        )
    ARTIFACTS.mkdir(exist_ok=True)
    page = ARTIFACTS / "report.html"
    page.write_bytes(render("html"))
    shots = {"report.png": "1200,2000", "report-phone.png": "412,2000"}
    for name, size in shots.items():
        target = ARTIFACTS / name
        target.unlink(missing_ok=True)
        errors = chromium(
            page, tmp_path / "profile", f"--screenshot={target}", f"--window-size={size}"
        )
        assert errors == []
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert target.stat().st_size > 10_000
    pdf = ARTIFACTS / "report.pdf"
    pdf.unlink(missing_ok=True)
    errors = chromium(page, tmp_path / "profile", f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert errors == []
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
    assert pages >= len(sample_document().sections)
    assert a4_portrait_pages(pdf.read_bytes()) == pages
    # The harness sees what the page would do wrong: a script or a fetch smuggled in is refused, and said so.
    smuggled = tmp_path / "smuggled.html"
    smuggled.write_text(
        render("html")
        .decode("utf-8")
        .replace(
            "</body>", '<script>console.log(1)</script><img src="http://127.0.0.1:9/x.png"></body>'
        ),
        encoding="utf-8",
    )
    refused = chromium(smuggled, tmp_path / "profile", "--dump-dom")
    assert any("Content Security Policy" in line and "script" in line for line in refused)
    assert any("Content Security Policy" in line and "127.0.0.1" in line for line in refused)


A4: Final = (Decimal("595.28"), Decimal("841.89"))
"""A4 in PostScript points (210 × 297 mm)."""


def a4_portrait_pages(pdf: bytes) -> int:
    """How many pages of a PDF are A4 portrait (their MediaBox within a point of 595 × 842)."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", pdf)
    sizes = [
        (Decimal(x1.decode()) - Decimal(x0.decode()), Decimal(y1.decode()) - Decimal(y0.decode()))
        for x0, y0, x1, y1 in boxes
    ]
    return sum(1 for w, h in sizes if abs(w - A4[0]) <= 1 and abs(h - A4[1]) <= 1)


MEASURE = """<script>
(function () {
  var body = document.body.getBoundingClientRect(), out = [];
  document.querySelectorAll("table, svg").forEach(function (item, index) {
    var box = item.getBoundingClientRect();
    var wide = item.tagName === "TABLE" && item.scrollWidth > item.clientWidth + 1;
    if (wide || box.right > body.right + 1) {
      out.push((item.closest("section") || {}).id + "#" + index + ":" + Math.ceil(box.width));
    }
  });
  var result = document.createElement("pre");
  result.id = "overflow";
  result.textContent = "OVERFLOW[" + out.join(" ") + "]/" + Math.round(body.width);
  document.body.appendChild(result);
})();
</script>"""
"""Lists every table and chart wider than the body, and the body's width in CSS pixels."""


def overflowing_tables(page: str, tmp_path: Path, width: str = "186mm") -> tuple[list[str], int]:
    """The tables and charts of ``page`` wider than ``width`` under its print stylesheet, and the body's width.

    Chromium cannot emulate print media from the command line, so a copy of the page
    applies its print rules to the screen (``@media print`` -> ``@media all``) with the
    body exactly as wide as A4 portrait's text (210 mm - 2 × 12 mm of @page margin); the
    copy drops the Content-Security-Policy so that the measuring script may run.
    """
    copy = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    copy = copy.replace("@media print", "@media all")
    copy = copy.replace(
        "</head>",
        f"<style>body {{ width: {width} !important; margin: 0 !important; }}</style></head>",
    )
    copy = copy.replace("</body>", MEASURE + "</body>")
    target = tmp_path / "measure.html"
    target.write_text(copy, encoding="utf-8")
    done = subprocess.run(
        [
            str(CHROMIUM),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            target.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    [found] = re.findall(r'<pre id="overflow">OVERFLOW\[([^\]]*)\]/(\d+)</pre>', done.stdout)
    return found[0].split(), int(found[1])


GOLDEN_HTML = sorted((ROOT / "tests" / "golden").glob("*.html"))


@pytest.mark.parametrize(
    "page", [None, *GOLDEN_HTML], ids=["sample", *(p.stem for p in GOLDEN_HTML)]
)
def test_print_tables_fit_a4_portrait(page: Path | None, tmp_path: Path) -> None:
    """Printed on A4 portrait, no table or chart of a bulletin is wider than the page's text (no clipped column)."""
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip("chromium is not installed: apt-get install chromium")
    text = page.read_text(encoding="utf-8") if page else render("html").decode("utf-8")
    overflowing, body = overflowing_tables(text, tmp_path)
    assert body == 703  # 186 mm at 96 px per inch
    assert overflowing == []
    # The measure can fail: a third narrower than A4, the widest table no longer fits.
    if page is not None and "weekly" in page.name:
        narrow, _ = overflowing_tables(text, tmp_path, "60mm")
        assert any(item.startswith("s-ledger#") for item in narrow), narrow
