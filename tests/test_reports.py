"""Reports: the weekly summary, the monthly bulletin and the quarterly evaluation of the demo year.

Golden files under tests/golden/ hold each report in every text format, made
through the CLI with no database (the bundled dataset in memory). A difference
fails with a short diff; ``pytest --update-golden`` rewrites them instead.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner, Result

import gyengine
from gyengine import Engine, Replay, SQLiteEventStore, parse_period
from gyengine.cli import State, cli
from gyengine.plugins import PluginManager, build_renderers, build_reports, get_plugin_manager
from gyengine_reports import build_monthly, build_quarterly, build_weekly
from gyengine_reports.labels import LABELS
from zh_text import english_words, iso_codes

GOLDEN = Path(__file__).resolve().parent / "golden"
REPORTS = [("weekly", "2019-W23"), ("monthly", "2019-06"), ("quarterly", "2019-Q2")]
FORMATS = {"json": "json", "terminal": "txt", "markdown": "md", "html": "html", "csv": "csv"}
"""The text formats with golden files, and their file extensions (xlsx is binary: no golden)."""
ENV_VARS = ("GYENGINE_DB", "GYENGINE_PLUGINS_DIR", "FORCE_COLOR", "NO_COLOR", "COLUMNS")
BUILDERS = {"weekly": build_weekly, "monthly": build_monthly, "quarterly": build_quarterly}


class CachedEngine(Engine):
    """Stands in for the in-memory engine of the bundled dataset; replays once per question.

    Every format of a report asks the same replay: answering it once keeps the
    suite fast while the CLI still parses, builds the document (through
    ``Engine.report``) and renders it.
    """

    def __init__(
        self, make: Callable[[], Any], cache: dict[str, Replay], manager: PluginManager
    ) -> None:
        super().__init__(SQLiteEventStore(":memory:", create=True), manager)
        self.make, self.cache = make, cache

    def replay(self, **options: Any) -> Replay:  # type: ignore[override]
        key = repr(sorted(options.items()))
        if key not in self.cache:
            engine = self.make()
            try:
                self.cache[key] = engine.replay(**options)
            finally:
                engine.close()
        return self.cache[key]


@attrs.define
class Demo:
    """Runs the CLI on the bundled dataset, sharing replays between runs."""

    cache: dict[str, Replay]

    def run(self, *args: str | Path) -> Result:
        return CliRunner().invoke(cli, [str(arg) for arg in args], prog_name="gyengine")

    def report(self, kind: str, period: str, *more: str, fmt: str = "json") -> Result:
        result = self.run("report", kind, "--period", period, "--format", fmt, *more)
        assert result.exit_code == 0, result.output or repr(result.exception)
        return result

    def document(self, kind: str, period: str, *more: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.report(kind, period, *more).stdout)
        return data

    def replay(self, kind: str, period: str) -> Replay:
        """The replay the CLI made for this report (the last one asked for it)."""
        self.report(kind, period)
        as_of = parse_period(period).end.isoformat()
        found = [
            r for r in self.cache.values() if r.options.as_of and str(r.options.as_of) == as_of
        ]
        assert found, as_of
        return found[-1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The CLI in a directory with no database and a clean environment; replays are shared."""
    cache: dict[str, Replay] = {}
    original = State.dataset_engine

    def dataset_engine(self: State, dataset: Any) -> Any:
        self.db_path = f"<{dataset.name} in memory>"
        return CachedEngine(lambda: original(self, dataset), cache, self.manager)

    with pytest.MonkeyPatch.context() as patch:
        for name in ENV_VARS:
            patch.delenv(name, raising=False)
        patch.chdir(tmp_path_factory.mktemp("reports"))
        patch.setattr(State, "dataset_engine", dataset_engine)
        yield Demo(cache)


@pytest.fixture(scope="module")
def renderers() -> set[str]:
    """The document formats installed."""
    return set(build_renderers(get_plugin_manager(), "document"))


@pytest.fixture(scope="module")
def evaluators() -> set[str]:
    """The evaluators installed (a report leaves out the sections of the others)."""
    manager = get_plugin_manager()
    names: set[str] = set()
    for items in manager.hook.register_evaluators():
        names.update(evaluator.name for evaluator in items)
    return names


def short_diff(expected: bytes, actual: bytes, name: str, limit: int = 30) -> str:
    """The first lines of a unified diff, and how to accept the new output."""
    lines = list(
        difflib.unified_diff(
            expected.decode("utf-8", "replace").splitlines(),
            actual.decode("utf-8", "replace").splitlines(),
            f"golden/{name}",
            "output",
            lineterm="",
            n=1,
        )
    )
    shown = "\n".join(line[:200] for line in lines[:limit])
    more = f"\n... {len(lines) - limit} more diff lines" if len(lines) > limit else ""
    return (
        f"{name} differs from its golden file:\n{shown}{more}\n"
        "If the change is intended: pytest tests/test_reports.py --update-golden"
    )


# -- golden files -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(FORMATS), ids=list(FORMATS))
@pytest.mark.parametrize(("kind", "period"), REPORTS, ids=[kind for kind, _ in REPORTS])
def test_golden(
    demo: Demo, renderers: set[str], update_golden: bool, kind: str, period: str, fmt: str
) -> None:
    """Each report of the demo year, in each text format, is byte for byte its golden file."""
    if fmt not in renderers:
        pytest.skip(f"no {fmt} document renderer installed")
    actual = demo.report(kind, period, fmt=fmt).stdout_bytes
    name = f"{kind}-{period}.{FORMATS[fmt]}"
    path = GOLDEN / name
    if update_golden:
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(actual)
        return
    assert path.exists(), f"no golden file {name}: run pytest tests/test_reports.py --update-golden"
    expected = path.read_bytes()
    if actual != expected:
        pytest.fail(short_diff(expected, actual, name), pytrace=False)


def test_golden_files_are_all_expected() -> None:
    """Every file under tests/golden/ is the golden file of one report in one format."""
    expected = {f"{kind}-{period}.{ext}" for kind, period in REPORTS for ext in FORMATS.values()}
    found = {path.name for path in GOLDEN.iterdir()} if GOLDEN.exists() else set()
    assert found - expected == set()
    assert "monthly-2019-06.json" in found


def test_short_diff_names_the_file_and_the_flag() -> None:
    """A golden difference is reported as a few diff lines and how to regenerate."""
    text = short_diff(b"a\nb\nc\n" * 50, b"a\nB\nc\n" * 50, "x.md", limit=6)
    assert "x.md differs" in text
    assert "-b" in text
    assert "+B" in text
    assert "more diff lines" in text
    assert "--update-golden" in text


# -- what each report holds -------------------------------------------------------------


def section_ids(data: dict[str, Any]) -> list[str]:
    return [section["id"] for section in data["sections"]]


def blocks(data: dict[str, Any], section: str) -> list[dict[str, Any]]:
    [found] = [s for s in data["sections"] if s["id"] == section]
    result: list[dict[str, Any]] = found["blocks"]
    return result


def table(data: dict[str, Any], table_id: str) -> dict[str, Any]:
    found = [
        block
        for section in data["sections"]
        for block in section["blocks"]
        if block["type"] == "Table" and block["id"] == table_id
    ]
    assert len(found) == 1, table_id
    return found[0]


def finding_periods(data: dict[str, Any]) -> list[str]:
    return [
        row["period_code"]
        for block in blocks(data, "findings")
        if block["type"] == "Table"
        for row in block["rows"]
    ]


def meta(data: dict[str, Any]) -> dict[str, str]:
    """The header, and the 附录's lines on the log (事件日志范围, 日志头哈希...)."""
    found = dict(data["meta"])
    for block in blocks(data, "evidence"):
        if block["type"] == "Paragraph" and "：" in block["text"]:
            found.update(line.split("：", 1) for line in block["text"].split("\n\n"))
            break
    return found


def anchor(period: str) -> dt.date:
    """The day a finding's period is reported by: a week's Thursday, else its first day."""
    found = parse_period(period)
    return found.start + dt.timedelta(days=3) if found.kind == "week" else found.start


def test_weekly_sections(demo: Demo, evaluators: set[str]) -> None:
    """The weekly summary: the ledger of W23 (P01..P24), its grid W01..W23, problems, findings."""
    data = demo.document("weekly", "2019-W23")
    assert section_ids(data) == [
        "ledger",
        "ledger-grid",
        "milestones",
        "problems",
        "open-items",
        "closed-items",
        "interviews",
        "findings",
        "timeliness",
        "evidence",
    ]
    assert data["subtitle"] == "周汇总 2019年第23周（6月3日—6月9日）"
    assert data["title"] == "襄城县2019年推进工业高质量发展实施方案"
    assert data["synthetic"] is True
    assert meta(data)["报告期"] == "第23周（6月3日—6月9日）"
    assert meta(data)["业务截止日期"] == "2019年6月9日"
    ledger = table(data, "ledger")
    assert [row["id"] for row in ledger["rows"]] == [f"P{n:02d}" for n in range(1, 25)]
    p06 = ledger["rows"][5]
    # P06 reported 3,573.8 万元 to date in W23 and 3,156.9 in W22 (the R01 finding of W22
    # quotes it): 3,573.8 − 3,156.9 = 416.9 this week; its note and open problem Q03 show.
    assert (p06["status"], p06["this_week"], p06["invested"]) == ("yellow", "416.9", "3573.8")
    assert p06["progress"] == "征地手续未完成，施工进度滞后（示例数据）"
    assert p06["issues"].startswith("Q03 精细化工中间体项目征地手续")
    assert "6月15日前" in p06["issues"]
    [grid] = blocks(data, "ledger-grid")
    assert grid["columns"] == [str(n) for n in range(1, 24)]
    assert [len(row) for row in grid["cells"]] == [23] * 24
    assert grid["cells"][5][-1] == p06["status"]
    problems = table(data, "problems")
    assert [row["problem"] for row in problems["rows"]] == ["Q02", "Q03", "Q04"]
    for period in finding_periods(data):
        assert period == "2019-06" or parse_period("2019-W23").contains(anchor(period)), period


def test_monthly_sections(demo: Demo, evaluators: set[str]) -> None:
    """The June bulletin: indicators of 2019-06 with charts to June, ledger at W26, banks, findings."""
    data = demo.document("monthly", "2019-06")
    expected = ["indicators", "work-items", "charts", "unit-scores", "ledger-summary"]
    expected += ["banks"] if "banks" in evaluators else []
    expected += ["open-items", "closed-items", "interviews", "findings", "timeliness", "evidence"]
    assert section_ids(data) == expected
    assert data["subtitle"] == "月通报 2019年6月"
    indicators = table(data, "indicators")
    assert "2019年6月" in indicators["title"]
    i7 = next(row for row in indicators["rows"] if row["id"] == "I7")
    assert (i7["actual"], i7["target"], i7["expected"], i7["unit"]) == (
        "37.9",
        "75",
        "37.50",
        "亿元",
    )
    ids = [row["id"] for row in indicators["rows"]]
    assert ids.index("I2") < ids.index("I10")  # natural order
    assert ids[ids.index("I4") + 1 : ids.index("I4") + 3] == [
        "I4（循环经济产业集聚区）",
        "I4（产业集聚区）",
    ]
    # 主要指标 only: I1..I10 and I4's parts; the 增速 items are the 同比 of their amounts.
    assert all(i.startswith("I") for i in ids)
    assert len(ids) == 12
    rows = {row["id"]: row for row in indicators["rows"]}
    # I5: both rates, never their difference: 工业投资增速 7.4 % against GDP增速 7.8 % (June).
    assert (rows["I5"]["actual"], rows["I5"]["target"]) == ("工业投资增速 7.4", "高于GDP增速 7.8")
    # I2: 2018's 23.6 %, 25.9 − 23.6 = 2.30 points up; I7: its 增速 item's 24.2 %.
    assert rows["I2"]["yoy"] == "上年 23.6，提高 2.30 个百分点"
    assert rows["I7"]["yoy"] == "同比增长 24.2%"
    # 序时 only for amounts that accrue: none for a rate.
    assert rows["I1"]["expected"] is None
    assert rows["I2"]["expected"] is None
    charts = blocks(data, "charts")
    assert {chart["id"] for chart in charts} >= {"chart-I7", "chart-I8", "chart-I9", "chart-I10"}
    i8 = next(chart for chart in charts if chart["id"] == "chart-I8")
    assert i8["x"] == ["1月", "2月", "3月", "4月", "5月", "6月"]
    assert [style for _, _, style in i8["series"]] == ["solid", "dashed"]
    summary = table(data, "ledger-summary")
    assert {row["week"] for row in summary["rows"]} == {"第26周"}
    names = {row["id"]: row["name"] for row in summary["rows"]}
    # 方案: 19 key projects and 5 重大前期 projects. By the plan file, CEZ has 5 计划建成 +
    # 3 加快建设 + 3 重大前期 = 11, of which 3 preliminary; ICZ 9 + 2 + 2 = 13, of which 2.
    counts = {row["id"]: (row["projects"], row["preliminary"]) for row in summary["rows"]}
    assert (counts["CEZ"], counts["ICZ"]) == ((11, 3), (13, 2))
    assert names["ICZ"] == "产业集聚区"
    assert names["循环区管委会"] == "循环经济产业集聚区管委会"
    if "banks" in evaluators:
        banks = table(data, "banks")
        assert "2019年6月" in banks["title"]
        assert [row["rank"] for row in banks["rows"]] == sorted(
            row["rank"] for row in banks["rows"]
        )
        [bars] = [b for b in blocks(data, "banks") if b["type"] == "BarChart"]
        assert bars["labels"] == [row["bank"] for row in banks["rows"]]
    periods = finding_periods(data)
    assert periods
    for period in periods:
        assert parse_period(period).kind in ("day", "week", "month"), period
        assert parse_period("2019-06").contains(anchor(period)), period


def test_milestone_rows_count_the_items_milestones(demo: Demo) -> None:
    """「规划建设2座11万伏变电站」 reads 1 of 2 in June, not 0 of 1; the points wait for both."""
    data = demo.document("monthly", "2019-06")
    rows = {
        row["id"]: row
        for block in blocks(data, "work-items")
        if block["type"] == "Table"
        for row in block["rows"]
    }

    def shown(item: str) -> tuple[str, str, str | None, str | None, str]:
        row = rows[item]
        return row["actual"], row["target"], row["completion"], row["points"], row["status"]

    # 第一座 planned 2019-06-14, 第二座 2019-10-24: by 30 June 1 of 2, 1 / 2 = 50 %; not
    # complete and not yet due (31 December): 待定, no points.
    assert shown("K2-11万伏变电站") == ("1", "2", "50.00", None, "未到期")
    # 3 named milestones, none reached by June: 0 of 3.
    assert shown("K2-循环区道路") == ("0", "3", "0.00", None, "未到期")
    # 「春节前」: 现场观摩 and 座谈会 both on 2019-01-26, before 2019-02-05: 2 of 2, green, weight 1.
    assert shown("K7-春节前邀请回襄") == ("2", "2", "100.00", "1.00", "green")
    # 每月 one meeting: January to June held, 6 of 12.
    assert shown("K7-招商引资月例会")[:3] == ("6", "12", "50.00")
    # An item with no named milestones keeps reached / 1: 政银企洽谈会 held on 2019-05-16,
    # done before its node: green, its points counted when the node comes.
    assert shown("S2-政银企洽谈会") == ("1", "1", "100.00", None, "green")
    # A batch item before its node (年底前): 4 of 10 区中园 plans, 未到期, no points.
    assert shown("K1-区中园规划") == ("4", "10", "40.00", None, "未到期")


def test_quarterly_sections(demo: Demo, evaluators: set[str]) -> None:
    """The Q2 evaluation: unit and bank rankings of 2019-Q2, findings of the quarter, June indicators."""
    data = demo.document("quarterly", "2019-Q2")
    expected = ["unit-ranking"] if "quarterly" in evaluators else []
    expected += ["commend-list", "accountable-list", "quarter-items", "interviews"]
    expected += ["bank-quarter"] if "banks" in evaluators else []
    expected += ["findings", "quarter-indicators", "evidence"]
    assert section_ids(data) == expected
    assert data["subtitle"] == "季考评 2019年第二季度"
    assert "2019年6月" in table(data, "quarter-indicators")["title"]
    if "quarterly" in evaluators:
        ranking = table(data, "unit-ranking")["rows"]
        assert ranking
        ranks = [r["rank"] for r in ranking]
        ranked = [rank for rank in ranks if rank is not None]
        assert ranks == ranked + [None] * (len(ranks) - len(ranked))  # unranked units last
        assert ranked == sorted(ranked)
        top = table(data, "unit-ranking-top")["rows"]
        assert {row["id"] for row in top} <= {row["id"] for row in ranking}
    if "banks" in evaluators:
        assert "2019年第二季度" in table(data, "bank-quarter")["title"]
    quarter = parse_period("2019-Q2")
    periods = finding_periods(data)
    assert periods
    for period in periods:
        assert parse_period(period).kind != "year", period
        assert quarter.contains(anchor(period)), period


@pytest.mark.parametrize(("kind", "period"), REPORTS, ids=[kind for kind, _ in REPORTS])
def test_every_row_cites_its_evidence(demo: Demo, kind: str, period: str) -> None:
    """Every body row refers (a link in HTML) to its 附录 entry, which lists its seqs; seqs are only there."""
    data = demo.document(kind, period)
    appendix = table(data, "evidence")
    entries = {row["anchor"]: row for row in appendix["rows"]}
    rows = 0
    for section in data["sections"]:
        for block in section["blocks"]:
            if block["type"] != "Table" or block["id"] == "evidence":
                continue
            [ref] = [c for c in block["columns"] if c["key"] == "ref"]
            assert ref["link"] == "ev-"
            assert "evidence" not in [c["kind"] for c in block["columns"]]
            for row in block["rows"]:
                entry = entries[f"ev-{row['ref']}"]
                assert entry["evidence"]
                assert entry["evidence"] == sorted(set(entry["evidence"]))
                assert all(isinstance(seq, int) for seq in entry["evidence"])
                rows += 1
    assert appendix["anchor"] == "anchor"
    assert len(appendix["rows"]) == rows
    seq_to = int(meta(data)["事件日志范围"].rsplit("–", 1)[1])
    assert all(1 <= seq <= seq_to for row in appendix["rows"] for seq in row["evidence"])


def test_lang_en_changes_labels_not_names(demo: Demo) -> None:
    """--lang en translates section and column titles; names from events stay as written."""
    for kind, period in REPORTS:
        zh = demo.document(kind, period)
        en = demo.document(kind, period, "--lang", "en")
        assert (zh["lang"], en["lang"]) == ("zh", "en")
        assert section_ids(en) == section_ids(zh)
        assert en["title"] == zh["title"]  # the plan's title is a name
        for zh_section, en_section in zip(zh["sections"], en["sections"], strict=True):
            assert zh_section["title"] != en_section["title"]
            for zh_block, en_block in zip(zh_section["blocks"], en_section["blocks"], strict=True):
                if zh_block["type"] != "Table":
                    continue
                zh_titles = [c["title"] for c in zh_block["columns"]]
                en_titles = [c["title"] for c in en_block["columns"]]
                assert [c["key"] for c in zh_block["columns"]] == [
                    c["key"] for c in en_block["columns"]
                ]
                assert all(a != b for a, b in zip(zh_titles, en_titles, strict=True))
                for zh_row, en_row in zip(zh_block["rows"], en_block["rows"], strict=True):
                    for key in ("id", "project", "indicator", "bank", "ref"):
                        assert zh_row.get(key) == en_row.get(key), key
    weekly = demo.document("weekly", "2019-W23", "--lang", "en")
    assert weekly["subtitle"] == "Weekly summary Week 23 (3–9 June 2019)"
    assert table(weekly, "ledger")["rows"][0]["project"] == "环己酮项目"
    assert table(weekly, "ledger")["rows"][18]["progress"] == "示例数据；late"


def test_labels_have_both_languages() -> None:
    """Every label of the one dictionary is written in Chinese and English."""
    for key, words in LABELS.items():
        assert set(words) == {"zh", "en"}, key
        assert all(text.strip() for text in words.values()), key


@pytest.mark.parametrize(
    ("kind", "period", "wanted"),
    [
        ("monthly", "2019-W23", "a month"),
        ("weekly", "2019-06", "a week"),
        ("quarterly", "2019-06", "a quarter"),
        ("monthly", "2019-Q2", "a month"),
    ],
    ids=["monthly-week", "weekly-month", "quarterly-month", "monthly-quarter"],
)
def test_period_kind_mismatch(demo: Demo, kind: str, period: str, wanted: str) -> None:
    """A period of the wrong kind is a usage error that names the report and the period."""
    result = demo.run("report", kind, "--period", period, "--format", "json")
    assert result.exit_code == 2
    assert f"the {kind} report covers {wanted}, not {period!r}" in result.stderr
    assert result.stdout == ""


def test_reports_are_registered() -> None:
    """The plugin registers weekly, monthly and quarterly with their kinds of period."""
    kinds = build_reports(get_plugin_manager())
    assert {name: kinds[name].period for name in ("weekly", "monthly", "quarterly")} == {
        "weekly": "week",
        "monthly": "month",
        "quarterly": "quarter",
    }


# -- a missing evaluator ------------------------------------------------------------------


def without(replay: Replay, *names: str) -> Replay:
    """The replay as if the evaluators ``names`` were not installed."""
    return attrs.evolve(
        replay,
        evaluators=tuple(e for e in replay.evaluators if e[0] not in names),
        records=tuple(r for r in replay.records if r.evaluator not in names),
    )


@pytest.mark.parametrize(
    ("kind", "period", "missing", "gone"),
    [
        ("monthly", "2019-06", "banks", {"banks"}),
        ("monthly", "2019-06", "projects", {"ledger-summary"}),
        ("monthly", "2019-06", "indicators", {"indicators", "work-items", "charts", "unit-scores"}),
        ("monthly", "2019-06", "timeliness", {"timeliness"}),
        ("weekly", "2019-W23", "projects", {"ledger", "ledger-grid", "milestones", "problems"}),
        ("quarterly", "2019-Q2", "quarterly", {"unit-ranking"}),
        ("quarterly", "2019-Q2", "banks", {"bank-quarter"}),
    ],
    ids=[
        "monthly-banks",
        "monthly-projects",
        "monthly-indicators",
        "monthly-timeliness",
        "weekly-projects",
        "quarterly-quarterly",
        "quarterly-banks",
    ],
)
def test_missing_evaluator_leaves_its_section_out(
    demo: Demo, evaluators: set[str], kind: str, period: str, missing: str, gone: set[str]
) -> None:
    """Without an evaluator its sections are left out and every other section stays."""
    if missing not in evaluators:
        pytest.skip(f"the {missing} evaluator is not installed")
    replay = demo.replay(kind, period)
    build = BUILDERS[kind]
    full = [s.id for s in build(replay, parse_period(period), "zh").sections]
    reduced = [s.id for s in build(without(replay, missing), parse_period(period), "zh").sections]
    assert gone <= set(full)
    assert reduced == [section for section in full if section not in gone]


def test_without_the_header_evaluator_the_title_says_so(demo: Demo) -> None:
    """Without report_header the document still builds, its title saying the plan is unknown."""
    replay = without(demo.replay("monthly", "2019-06"), "report_header")
    document = build_monthly(replay, parse_period("2019-06"), "en")
    assert document.title == "(plan title unknown)"
    assert isinstance(document, gyengine.Document)


# -- reproducibility ----------------------------------------------------------------------

ISSUED = "2019-07-10"
ISSUED_AT = "2019-07-10T23:59:59.999999Z"  # --known-at 2019-07-10: the end of that day, UTC


def test_june_bulletin_is_reproducible(demo: Demo, renderers: set[str], tmp_path: Path) -> None:
    """The June bulletin known at its issue day equals the one from the log cut there, not the year-end one."""
    full = tmp_path / "full.db"
    assert demo.run("demo", "init", "--db", full).exit_code == 0
    cut = tmp_path / "cut.db"
    source = sqlite3.connect(full)
    target = sqlite3.connect(cut)
    with target:
        source.backup(target)
        target.execute("DELETE FROM events WHERE recorded > ?", (ISSUED_AT,))
    [(last_seq, last_hash)] = source.execute(
        "SELECT seq, hash FROM events WHERE recorded <= ? ORDER BY seq DESC LIMIT 1", (ISSUED_AT,)
    ).fetchall()
    [(cut_head,)] = target.execute("SELECT max(seq) FROM events").fetchall()
    [(later,)] = source.execute(
        "SELECT count(*) FROM events WHERE recorded > ?", (ISSUED_AT,)
    ).fetchall()
    source.close()
    target.close()
    assert cut_head == last_seq
    assert later > 0

    for fmt in ("json", "html"):
        if fmt not in renderers:
            continue
        args = ("monthly", "2019-06", "--known-at", ISSUED)
        then = demo.report(*args, "--db", str(full), fmt=fmt).stdout_bytes
        again = demo.report(*args, "--db", str(cut), fmt=fmt).stdout_bytes
        assert then == again, fmt

    issued = demo.document("monthly", "2019-06", "--known-at", ISSUED, "--db", str(full))
    year_end = demo.document("monthly", "2019-06", "--db", str(full))
    assert issued != year_end
    assert meta(issued)["日志头哈希"] == last_hash
    assert meta(issued)["事件日志范围"] == f"seq 1–{last_seq}"
    assert meta(issued)["数据知悉时点"].startswith("2019年7月10日")

    def i8(data: dict[str, Any]) -> str:
        return next(r["actual"] for r in table(data, "indicators")["rows"] if r["id"] == "I8")

    # June's I8 was corrected on 2019-08-05: the issued bulletin keeps the figure of its day.
    assert (i8(issued), i8(year_end)) == ("51.2", "49.6")


@pytest.mark.parametrize(
    ("kind", "period"),
    [("weekly", "2019-W23"), ("monthly", "2019-06"), ("quarterly", "2019-Q2")],
    ids=["weekly", "monthly", "quarterly"],
)
def test_xlsx_holds_the_numbers_of_the_json(
    demo: Demo, tmp_path: Path, kind: str, period: str
) -> None:
    """Every number of the report's JSON is a number cell of its XLSX, equal to the last digit."""
    from collections import Counter
    from decimal import Decimal

    import openpyxl

    data = demo.document(kind, period)
    path = tmp_path / f"{kind}.xlsx"
    demo.report(kind, period, "-o", str(path), fmt="xlsx")
    wanted: Counter[Decimal] = Counter()
    for section in data["sections"]:
        for block in section["blocks"]:
            if block["type"] != "Table":
                continue
            numeric = [c["key"] for c in block["columns"] if c["kind"] == "number"]
            for row in block["rows"]:
                for key in numeric:
                    if row.get(key) is not None:
                        wanted[Decimal(row[key])] += 1
    assert wanted, "the report has numbers"
    found: Counter[Decimal] = Counter()
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    assert cell.data_type == "n"
                    # A double holds these decimals exactly enough to give them back.
                    found[Decimal(repr(cell.value)).normalize()] += 1
    missing = {
        number: count for number, count in wanted.items() if found[number.normalize()] < count
    }
    assert not missing, f"numbers of the JSON not in the XLSX: {sorted(missing)[:10]}"


def test_without_lang_a_report_speaks_the_plans_language(demo: Demo) -> None:
    """No --lang: the bundled zh plan gives zh labels, and a plan written in en gives en labels."""
    from gyengine import ResultRecord, Score
    from gyengine.replay import Replay as ReplayResult
    from gyengine.replay import ReplayOptions
    from gyengine_reports.view import View

    assert (
        demo.report("monthly", "2019-06").stdout
        == demo.report("monthly", "2019-06", "--lang", "zh").stdout
    )
    title = Score(
        subject="plan", metric="title", period="2020", label="A plan", details={"lang": "en"}
    )
    replay = ReplayResult(
        options=ReplayOptions(),
        seq_to=1,
        head_hash="0" * 64,
        chain_problem=None,
        plugins=(),
        evaluators=(("report_header", "1", "reports"),),
        records=(ResultRecord("report_header", "1", "reports", title),),
    )
    assert View(replay, None).lang == "en"
    assert View(replay, "zh").lang == "zh"


# -- the office's words ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "zh", "en"),
    [
        ("2019-W26", "第26周（6月24日—6月30日）", "Week 26 (24–30 June 2019)"),
        ("2019-W22", "第22周（5月27日—6月2日）", "Week 22 (27 May–2 June 2019)"),
        # ISO week 1 of 2020 starts on Monday 30 December 2019.
        (
            "2020-W01",
            "2020年第1周（2019年12月30日—2020年1月5日）",
            "Week 1 (30 December 2019–5 January 2020)",
        ),
        ("2019-W52", "第52周（12月23日—12月29日）", "Week 52 (23–29 December 2019)"),
        # 2020 has 53 ISO weeks: the last ends on Sunday 3 January 2021.
        (
            "2020-W53",
            "2020年第53周（2020年12月28日—2021年1月3日）",
            "Week 53 (28 December 2020–3 January 2021)",
        ),
        ("2019-06", "2019年6月", "June 2019"),
        ("2019-Q2", "2019年第二季度", "2019 Q2"),
        ("2019-H1", "2019年上半年", "2019 H1"),
        ("2019-06-30", "2019年6月30日", "30 June 2019"),
        ("all", "all", "all"),
    ],
)
def test_period_names(period: str, zh: str, en: str) -> None:
    """A period is written in words in either language, never as its ISO code."""
    from gyengine_reports.names import period_name

    assert (period_name(period, "zh"), period_name(period, "en")) == (zh, en)


def zh_body(path: Path) -> str:
    """The text of a golden file before its 附录 (the header and every section of the body)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        text = text.split('<section id="s-evidence">')[0].split("<body>", 1)[1]
        text = re.sub(r"<[^>]+>", " ", text)
        text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    else:
        text = text.split("附录：证据")[0]
    return text


@pytest.mark.parametrize(
    "path",
    sorted([*GOLDEN.glob("*.md"), *GOLDEN.glob("*.html"), *GOLDEN.glob("*.txt")]),
    ids=lambda p: p.name,
)
def test_zh_body_has_no_english_word_or_iso_code(path: Path) -> None:
    """A Chinese bulletin's body has no English word and no ISO period code (the 附录 may)."""
    # The terminal format too: its grid marks are 绿 关 黄 红 in Chinese, and it wraps
    # lines between Chinese characters, never inside GDP or a number.
    body = zh_body(path)
    assert not iso_codes(body), iso_codes(body)[:5]
    assert not english_words(body), sorted(english_words(body))[:20]


def test_every_empty_section_says_so_in_one_line(demo: Demo) -> None:
    """A section with nothing in the period is one line: 本期无。 (W23 has no milestone, no 约谈)."""
    data = demo.document("weekly", "2019-W23")
    for section in ("milestones", "open-items", "interviews"):
        assert blocks(data, section) == [{"type": "Paragraph", "text": "本期无。"}], section
    en = demo.document("weekly", "2019-W23", "--lang", "en")
    assert blocks(en, "interviews") == [{"type": "Paragraph", "text": "None in this period."}]


def test_quarter_lists_the_loop(demo: Demo) -> None:
    """Q2: DB-2019-001 (issued 14 May, 问责 after two missed deadlines, closed 5 June) and the 约谈 of 30 May."""
    data = demo.document("quarterly", "2019-Q2")
    items = {row["item"]: row for row in table(data, "quarter-items")["rows"]}
    db = items["DB-2019-001"]
    assert (db["issued"], db["step"], db["item_status"], db["closed"]) == (
        "5月14日",
        "问责",
        "已销号",
        "6月5日",
    )
    [talk] = table(data, "interviews")["rows"]
    assert (talk["date"], talk["who"], talk["interviewee"]) == (
        "5月30日",
        "产业集聚区管委会",
        "主任",
    )
    accountable = table(data, "accountable-list")["rows"]
    assert "发展和改革委员会" in " ".join(row["name"] for row in accountable)


def test_quarter_lists_say_what_they_hold(demo: Demo) -> None:
    """Q2 牵头部门: 3 ranked, the plan's 前3名/后2名 give 2 and 1 (a list never takes all 3, nor repeats)."""
    data = demo.document("quarterly", "2019-Q2")
    top, bottom = table(data, "unit-ranking-top-2"), table(data, "unit-ranking-bottom-2")
    assert top["title"] == "先进单位（牵头部门，2个）"
    assert [row["id"] for row in top["rows"]] == ["商务局", "科工信局"]
    assert bottom["title"] == "后进单位（牵头部门，1个）"
    assert [row["id"] for row in bottom["rows"]] == ["发改委"]
    texts = [b["text"] for b in blocks(data, "unit-ranking") if b["type"] == "Paragraph"]
    assert "方案定前3名；本类3个单位参与排名，名单不取本类全部单位，故列2个。" in texts
    assert "后进单位（配合单位）：本期无。" in texts
    en = demo.document("quarterly", "2019-Q2", "--lang", "en")
    assert table(en, "unit-ranking-bottom-2")["title"] == "Bottom units (牵头部门, 1)"
