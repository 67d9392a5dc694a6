"""``gyengine replay``'s first screen: the reports plugin's ``scoreboard`` at 80 columns."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len

import replay_helpers as h
from gyengine import Document, ReportKind, parse_period
from gyengine.document import Column, Paragraph, Section, Table, word
from gyengine.rendering.terminal import TerminalDocumentRenderer
from zh_text import english_words, iso_codes

BANNER = word("synthetic", "zh")
ENGLISH_WORDS = re.compile(
    r"\b(green|watch|yellow|red|pending|commend|supervise|accountable|subject|metric)\b",
    re.IGNORECASE,
)


@pytest.fixture(autouse=True)
def _isolated_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    h.isolate_cli(monkeypatch)
    monkeypatch.chdir(tmp_path)  # no ./gyengine.db: the bundled year, in memory


@pytest.fixture(scope="module")
def bundled() -> str:
    """The default ``gyengine replay`` of the bundled year, as printed (piped)."""
    result = h.run_cli(["replay", "--no-save"])
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def test_the_first_screen_fits_80_columns_and_one_screen(bundled: str) -> None:
    lines = bundled.splitlines()
    widths = [cell_len(line) for line in lines]
    assert max(widths) <= 80, lines[widths.index(max(widths))]
    assert len(lines) <= 60, len(lines)
    # CJK is measured as two columns: the widest line is not far under 80 in plain len().
    assert any(cell_len(line) > len(line) + 10 for line in lines)


def test_the_first_screen_is_in_order_and_in_the_plans_words(bundled: str) -> None:
    titles = (
        "主要指标（2019年12月）",
        "重点项目（第52周（12月23日—12月29日））",
        "银行排名（2019年12月）",
        "单位季度考评（2019年第四季度）",
        "督办、问责（",
        "未办结督办事项（",
    )
    places = [bundled.index(title) for title in titles]
    assert places == sorted(places), places
    assert BANNER in bundled.splitlines()[:5]
    assert not ENGLISH_WORDS.search(bundled), ENGLISH_WORDS.search(bundled)
    # The bulletins' scan: no ISO period code, no English word but commands and the hash.
    head = json.loads(h.run_cli(["replay", "--no-save", "--format", "json"]).stdout)["log"]
    body = re.sub(r"gyengine [ -~]*", " ", bundled.replace(head["head_hash"][:12], " "))
    assert not iso_codes(body), iso_codes(body)
    assert not english_words(body), english_words(body)
    # The findings in the bulletins' words: period names and the reason of the finding.
    assert re.search(
        r"^ 第42周\s+督办\s+循环经济产业集…\s+项目P02“己二酸下游产品项目”", bundled, re.M
    )
    assert "共 71 项：绿 59 关注 3 黄 4 红 5" in bundled  # the lights of December's indicators
    # The worst first: the indicators' table starts with a red one, the banks' with the first.
    assert re.search(r"^ 第二污水处理厂.*红", bundled, re.MULTILINE)
    assert re.search(r"^\s+1\s+示例·襄城农村商业银行\s+95\.59", bundled, re.MULTILINE)
    assert f"事件序号 1–{head['seq_to']}，头哈希 {head['head_hash'][:12]}" in bundled
    assert "--all" in bundled


def test_lang_en_gives_english_words() -> None:
    result = h.run_cli(["replay", "--no-save", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Indicators (December 2019)" in result.stdout
    assert "Key projects (Week 52 (23–29 December 2019))" in result.stdout
    assert "Units' quarterly ranking (2019 Q4)" in result.stdout
    assert re.search(
        r"^ DB-2019-003\s+县商务局\s+13 January 2020\s+4 working days overdue", result.stdout, re.M
    )
    assert "主要指标" not in result.stdout
    assert "逾期" not in result.stdout
    assert re.search(r"\bred\b", result.stdout)
    assert word("synthetic", "en") in " ".join(result.stdout.split())  # folded at 80 columns
    assert max(cell_len(line) for line in result.stdout.splitlines()) <= 80


def test_all_prints_the_full_table(bundled: str) -> None:
    result = h.run_cli(["replay", "--no-save", "--all"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("synthetic data — ")
    # A zh plan: the renderer's own marks (the meta colon, statuses, the notice) are Chinese.
    assert lines[1:3] == ["gyengine replay", f"log：seq 1..{_head()[0]}, head {_head()[1]}"]
    assert len(lines) > 300
    assert "results without a status left out" in result.stdout
    assert "主要指标（" not in result.stdout  # not the scoreboard's first section


def test_without_a_scoreboard_kind_the_table_is_the_generic_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gyengine.plugins

    every = gyengine.plugins.build_reports

    def without_scoreboard(manager: object) -> dict[str, ReportKind]:
        return {name: kind for name, kind in every(manager).items() if name != "scoreboard"}  # type: ignore[arg-type]

    monkeypatch.setattr(gyengine.plugins, "build_reports", without_scoreboard)
    result = h.run_cli(["replay", "--no-save"])
    assert result.exit_code == 0, result.output
    assert result.stdout == h.run_cli(["replay", "--no-save", "--all"]).stdout


def test_a_demo_database_shows_the_banner(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert h.run_cli(["demo", "init", "--db", db]).exit_code == 0
    board = h.run_cli(["replay", "--db", db, "--no-save"])
    assert board.exit_code == 0, board.output
    assert BANNER in board.stdout.splitlines()[:5]
    table = h.run_cli(["replay", "--db", db, "--no-save", "--all"])
    # gyengine's own table keeps English headings; its notice is in the plan's language
    # (the plugin's scoreboard knows it), or in the language asked for.
    assert word("synthetic", "zh") in table.stdout.splitlines()[:8]
    english = h.run_cli(["replay", "--db", db, "--no-save", "--all", "--lang", "en"])
    assert word("synthetic", "en") in english.stdout.splitlines()[:8]
    as_json = h.run_cli(["replay", "--db", db, "--no-save", "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["log"]["synthetic"] is True
    assert BANNER in as_json.stderr.splitlines()


def test_a_reported_log_has_no_banner(tmp_path: Path) -> None:
    db = tmp_path / "plain.db"
    with h.open_engine(db) as engine:
        engine.append([h.value("a", "1.5", id="a1")])
    for args in ([], ["--all"], ["--format", "json"]):
        result = h.run_cli(["replay", "--db", db, "--no-save", *args])
        assert result.exit_code == 0, result.output
        assert BANNER not in result.output
        assert "synthetic" not in result.stderr.lower()
    assert "尚未载入方案" in h.run_cli(["replay", "--db", db, "--no-save"]).stdout


def test_report_scoreboard_takes_no_period() -> None:
    result = h.run_cli(["report", "scoreboard"])
    assert result.exit_code == 0, result.output
    assert "主要指标（2019年12月）" in result.stdout
    refused = h.run_cli(["report", "scoreboard", "--period", "2019-06"])
    assert h.one_line_error(refused).endswith("covers no period: leave out --period")
    missing = h.run_cli(["report", "monthly"])
    assert h.one_line_error(missing).endswith("covers a month: give --period")


def _head() -> tuple[int, str]:
    """The bundled year's head: seq and hash, from the JSON export."""
    log = json.loads(h.run_cli(["replay", "--no-save", "--format", "json"]).stdout)["log"]
    return log["seq_to"], log["head_hash"]


def test_a_kind_is_built_with_a_period_exactly_when_it_covers_one() -> None:
    def build(replay: object, period: object, lang: object) -> Document:
        return Document(title=str(period))

    monthly = ReportKind(name="m", period="month", build=build)
    board = ReportKind(name="b", period=None, build=build)
    june = parse_period("2019-06")
    assert monthly.document(None, june, None).title == str(june)  # type: ignore[arg-type]
    assert board.document(None, None, None).title == "None"  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="the m report covers a month"):
        monthly.document(None, None, None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="the b report covers no period"):
        board.document(None, june, None)  # type: ignore[arg-type]


def _wide_document() -> Document:
    rows = [{"name": "很长的名称" * 6, "n": str(i)} for i in range(3)]
    table = Table("t", "表", [Column("name", "名称"), Column("n", "n", "number")], rows)
    return Document(
        title="标题", sections=[Section("s", "部分", [Paragraph("说明"), table])], lang="zh"
    )


def test_the_terminal_renderer_fits_the_width_it_is_given() -> None:
    out = io.StringIO()
    TerminalDocumentRenderer().render(_wide_document(), out, {"width": "40"})
    assert max(cell_len(line) for line in out.getvalue().splitlines()) <= 40
    wide = io.StringIO()
    TerminalDocumentRenderer().render(_wide_document(), wide, {})
    assert max(cell_len(line) for line in wide.getvalue().splitlines()) > 40
    compact = io.StringIO()
    TerminalDocumentRenderer().render(_wide_document(), compact, {"width": "40", "compact": "1"})
    assert len(compact.getvalue().splitlines()) < len(out.getvalue().splitlines())
    with pytest.raises(ValueError, match="width 'x' is not a number"):
        TerminalDocumentRenderer().render(_wide_document(), io.StringIO(), {"width": "x"})


def test_the_open_items_are_the_loops_at_the_end_of_the_year(bundled: str) -> None:
    """The items not closed on the log's last day (10 January 2020), as the weekly shows them.

    Of the demo year's 15 items only DB-2019-003 (县商务局) is open: issued Friday
    27 December 2019 with 5 working days (30, 31 December, 2, 3, 6 January; 1 January
    is a holiday), deadline 6 January; no answer, so on 7 January it escalated to 通报
    with a new deadline of 13 January. On 10 January it is overdue since 6 January by
    the working days 7, 8, 9, 10 January = 4. The unresolved problem line moves under it.
    """
    block = bundled.split("未办结督办事项", 1)[1]
    assert block.startswith("（共 1 项，其中逾期 1 项）")
    rows = [line for line in block.splitlines() if line.startswith(" ") and "-20" in line]
    assert [line.split() for line in rows] == [
        # The 通报 step's deadline, and the count from the deadline first missed, named.
        ["DB-2019-003", "县商务局", "2020年1月13日", "逾期4个工作日（原时限2020年1月6日）"]
    ]
    assert "另有" not in block
    assert block.rstrip().endswith("未解决问题 1 个，其中逾期 1 个。")


def test_the_most_urgent_items_first_then_how_many_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On 16 October 2019 two items are open; with room for one, the nearer deadline shows.

    ZL-2019-W41-01 (周例会, 住建局): deadline Friday 18 October, left 17, 18 = 2 working
    days; R05-2019-W40-P18 (returned 15 October): deadline Tuesday 22 October, left
    17, 18, 21, 22 = 4 working days. The first is the more urgent.
    """
    import gyengine_reports.scoreboard as board

    result = h.run_cli(["replay", "--no-save", "--as-of", "2019-10-16"])
    block = result.stdout.split("未办结督办事项", 1)[1]
    assert block.startswith("（共 2 项，其中逾期 0 项）")
    rows = [line.split() for line in block.splitlines() if re.match(r"^ [A-Z]", line)]
    assert rows == [
        ["ZL-2019-W41-01", "住房和城乡建设局", "10月18日", "剩2个工作日"],
        ["R05-2019-W40-P18", "产业集聚区管委会", "10月22日", "剩4个工作日"],
    ]
    monkeypatch.setattr(board, "SHOWN_ITEMS", 1)
    fewer = h.run_cli(["replay", "--no-save", "--as-of", "2019-10-16"]).stdout
    block = fewer.split("未办结督办事项", 1)[1]
    assert "ZL-2019-W41-01" in block
    assert "R05-2019-W40-P18" not in block
    assert "另有 1 项，见 gyengine report weekly" in block
    english = h.run_cli(["replay", "--no-save", "--as-of", "2019-10-16", "--lang", "en"]).stdout
    assert "1 more: gyengine report weekly" in english
    assert max(cell_len(line) for line in english.splitlines()) <= 80
