"""Excel workbooks per unit: `gyengine template weekly|monthly|bank` and `gyengine import`.

Each template is made from the demo database, filled with openpyxl as a clerk
would, imported, imported again (nothing added), changed (a correction), and
spoiled (the error names the sheet and the cell). Copies saved by openpyxl and
by LibreOffice (when `soffice` is installed) import the same.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from gyengine.cli import cli

UNIT = "循环区管委会"
NEW_WEEK = "2020-W02"  # after the demo year: nothing reported yet
NEW_MONTH = "2020-01"
ENV_VARS = ("GYENGINE_DB", "GYENGINE_PLUGINS_DIR", "FORCE_COLOR", "NO_COLOR", "COLUMNS")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result = CliRunner().invoke(cli, ["demo", "init", "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def db(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    copy = tmp_path / "county.db"
    shutil.copy(demo_db, copy)
    return copy


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def head(db: Path) -> int:
    return int(rows(db, "SELECT max(seq) FROM events")[0][0])


def template(db: Path, out: Path, kind: str, *args: str) -> Path:
    result = run("template", kind, *args, "-o", str(out), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert out.is_file()
    return out


def fill(path: Path, target: Path, cells: dict[str, Any], sheet: str | None = None) -> Path:
    book = load_workbook(path)
    sheet_ = book[sheet] if sheet else book.worksheets[0]
    for cell, value in cells.items():
        sheet_[cell] = value
    book.save(target)
    return target


def import_(db: Path, path: Path, *extra: str) -> Result:
    return run("import", str(path), "--db", str(db), *extra)


def weekly_cells(count: int = 11) -> dict[str, Any]:
    """本周完成投资 of every project row, a milestone, a note and 下周计划 on the first."""
    cells: dict[str, Any] = {f"D{7 + n}": 100 + n * 10.5 for n in range(count)}
    cells.update(G7="竣工", H7="主体完工，设备安装中", I7="设备调试")
    return cells


def test_weekly_round_trip(db: Path, tmp_path: Path) -> None:
    """Filled, imported as the unit's reports; cumulative = the log's last figure + the week's."""
    blank = template(db, tmp_path / "w.xlsx", "weekly", "--unit", UNIT, "--week", NEW_WEEK)
    filled = fill(blank, tmp_path / "filled.xlsx", weekly_cells())
    before = head(db)
    result = import_(db, filled)
    assert result.exit_code == 0, result.output
    assert "11 new, 0 corrections" in result.output
    assert head(db) == before + 11
    found = rows(
        db,
        "SELECT stream, type, occurred, actor, supersedes, data FROM events WHERE seq > ?"
        " AND stream = 'project/P01'",
        before,
    )
    assert len(found) == 1
    stream, type_, occurred, actor, supersedes, data = found[0]
    assert (stream, type_, occurred, actor, supersedes) == (
        "project/P01",
        "ProjectProgressReported",
        NEW_WEEK,
        UNIT,
        None,
    )
    last = rows(
        db,
        "SELECT data FROM events WHERE stream = 'project/P01' AND occurred = '2019-W52'"
        " AND type = 'ProjectProgressReported'",
    )
    base = Decimal(json.loads(last[-1][0])["invested_to_date"])
    payload = json.loads(data)
    assert Decimal(payload["invested_to_date"]) == base + 100
    assert (payload["milestone"], payload["note"]) == ("竣工", "主体完工，设备安装中")
    assert payload["next_plan"] == "设备调试"
    second = rows(db, "SELECT data FROM events WHERE seq > ? AND stream = 'project/P02'", before)
    assert json.loads(second[0][0])["next_plan"] is None  # left empty: not given


def test_reimport_adds_nothing_and_a_change_is_a_correction(db: Path, tmp_path: Path) -> None:
    blank = template(db, tmp_path / "w.xlsx", "weekly", "--unit", UNIT, "--week", NEW_WEEK)
    filled = fill(blank, tmp_path / "filled.xlsx", weekly_cells())
    assert import_(db, filled).exit_code == 0
    first = rows(db, "SELECT id FROM events WHERE stream = 'project/P02' ORDER BY seq DESC")[0][0]
    count = head(db)
    again = import_(db, filled)
    assert again.exit_code == 0
    assert "nothing to import" in again.output
    assert head(db) == count
    changed = fill(filled, tmp_path / "changed.xlsx", {"D8": 999})
    result = import_(db, changed)
    assert result.exit_code == 0, result.output
    assert "0 new, 1 corrections, 10 unchanged" in result.output
    correction = rows(db, "SELECT stream, supersedes, data FROM events WHERE seq = ?", head(db))[0]
    assert correction[:2] == ("project/P02", first)
    assert import_(db, changed).exit_code == 0
    assert head(db) == count + 1


@pytest.mark.parametrize(
    ("kind", "args"),
    [
        ("weekly", ["--unit", UNIT, "--week", "2019-W23"]),
        ("weekly", ["--unit", "产业集聚区管委会", "--week", "2019-W20"]),
        ("monthly", ["--month", "2019-06"]),
        ("bank", ["--bank", "ABC", "--month", "2019-06"]),
        ("bank", ["--bank", "工行", "--month", "2019-04"]),
    ],
    ids=["weekly-cez", "weekly-icz-by-name", "monthly", "bank", "bank-corrected-month"],
)
def test_a_reported_period_reimports_as_nothing(
    db: Path, tmp_path: Path, kind: str, args: list[str]
) -> None:
    """A template pre-fills the figures in force; imported unchanged, it gives the JSON Lines events."""
    made = template(db, tmp_path / "t.xlsx", kind, *args)
    count = head(db)
    result = import_(db, made)
    assert result.exit_code == 0, result.output
    assert "nothing to import" in result.output
    assert "(0 new, 0 corrections" in result.output
    assert head(db) == count


def test_monthly_round_trip(db: Path, tmp_path: Path) -> None:
    made = template(db, tmp_path / "m.xlsx", "monthly", "--month", NEW_MONTH)
    book = load_workbook(made)
    sheet = book["月报"]
    wanted = {}
    for row in range(7, sheet.max_row + 1):
        key = (sheet[f"A{row}"].value, sheet[f"B{row}"].value or "")
        if key in {("I1", ""), ("I4", "ICZ"), ("I7", "")}:
            wanted[key] = sheet[f"D{row}"].value
            sheet[f"E{row}"] = {"I1": -1.5, "I4": 2, "I7": 6.3}[key[0]]
    assert len(wanted) == 3
    book.save(tmp_path / "filled.xlsx")
    before = head(db)
    result = import_(db, tmp_path / "filled.xlsx")
    assert result.exit_code == 0, result.output
    found = rows(
        db, "SELECT stream, occurred, actor, data FROM events WHERE seq > ? ORDER BY seq", before
    )
    assert {(s, o, a) for s, o, a, _ in found} == {
        ("indicator/I1", NEW_MONTH, "统计局"),
        ("indicator/I4", NEW_MONTH, "统计局"),
        ("indicator/I7", NEW_MONTH, "统计局"),
    }
    data = {json.loads(d)["indicator"]: json.loads(d) for *_, d in found}
    assert (data["I1"]["value"], data["I1"]["unit"]) == ("-1.5", "%")
    assert (data["I4"]["part"], data["I4"]["unit"]) == ("ICZ", "家")
    assert (data["I7"]["value"], data["I7"]["unit"]) == ("6.3", "亿元")


def bank_cells(value: Callable[[int], Any]) -> dict[str, Any]:
    return {f"C{7 + n}": value(n) for n in range(10)}


def test_bank_round_trip(db: Path, tmp_path: Path) -> None:
    made = template(db, tmp_path / "b.xlsx", "bank", "--bank", "ABC", "--month", NEW_MONTH)
    filled = fill(made, tmp_path / "filled.xlsx", bank_cells(lambda n: 1000 + n))
    result = import_(db, filled)
    assert result.exit_code == 0, result.output
    stream, actor, data = rows(
        db, "SELECT stream, actor, data FROM events WHERE seq = ?", head(db)
    )[0]
    assert (stream, actor) == ("bank/ABC", "ABC")
    payload = json.loads(data)
    assert payload["loan_balance"] == "10000000 元"  # 1000 万元
    assert payload["balance_at_year_start"] == "10090000 元"
    missing = fill(made, tmp_path / "missing.xlsx", {**bank_cells(lambda n: 5), "C9": None})
    refused = import_(db, missing)
    assert refused.exit_code != 0
    assert "银行月报!C9: 当月新增贷款投放 is empty" in refused.output


@pytest.mark.parametrize(
    ("kind", "args", "cells", "message"),
    [
        (
            "weekly",
            ["--unit", UNIT],
            {"D7": "一百"},
            "周报!D7: 本周完成投资 must be a number in 万元",
        ),
        ("weekly", ["--unit", UNIT], {"D9": -5}, "周报!D9: 本周完成投资 must be 0 or more, not -5"),
        (
            "weekly",
            ["--unit", UNIT],
            {"G8": "完工"},
            "周报!G8: 本周达到节点 must be one of 开工、竣工、投产",
        ),
        ("weekly", ["--unit", UNIT], {"D7": None, "H7": "x"}, "周报!D7: 本周完成投资 is empty"),
        ("weekly", ["--unit", UNIT], {"A8": "P99"}, "周报!A8: 'P99' is not a row of this form"),
        ("monthly", [], {"E7": "8.5%"}, "月报!E7: 本月数 must be a number in %"),
        (
            "bank",
            ["--bank", "ABC"],
            {"C8": "many"},
            "银行月报!C8: 各项存款余额 must be a number in 万元",
        ),
    ],
    ids=[
        "not-a-number",
        "negative",
        "not-in-list",
        "empty-with-note",
        "unknown-row",
        "monthly",
        "bank",
    ],
)
def test_a_bad_cell_names_itself(
    db: Path, tmp_path: Path, kind: str, args: list[str], cells: dict[str, Any], message: str
) -> None:
    """Every problem names sheet!cell and the field; the exit code is not 0; nothing is written."""
    period = ["--week", NEW_WEEK] if kind == "weekly" else ["--month", NEW_MONTH]
    made = template(db, tmp_path / "t.xlsx", kind, *args, *period)
    good = {"weekly": weekly_cells(), "monthly": {"E8": 1}, "bank": bank_cells(lambda n: 1)}[kind]
    bad = fill(made, tmp_path / "bad.xlsx", {**good, **cells})
    count = head(db)
    result = import_(db, bad)
    assert result.exit_code == 1
    assert message in result.output
    assert "nothing imported" in result.output
    assert head(db) == count
    for line in result.output.strip().splitlines():
        assert line.removeprefix("Error: ").startswith(f"{bad}: ")


def test_dry_run_writes_nothing(db: Path, tmp_path: Path) -> None:
    blank = template(db, tmp_path / "w.xlsx", "weekly", "--unit", UNIT, "--week", NEW_WEEK)
    filled = fill(blank, tmp_path / "filled.xlsx", weekly_cells())
    count = head(db)
    result = import_(db, filled, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would import 11 events" in result.output
    assert head(db) == count


def test_cells_locked_inputs_unlocked_and_the_particulars_hidden(db: Path, tmp_path: Path) -> None:
    made = template(db, tmp_path / "w.xlsx", "weekly", "--unit", UNIT, "--week", NEW_WEEK)
    book = load_workbook(made)
    assert book.sheetnames == ["周报", "说明", "模板信息"]
    sheet = book["周报"]
    assert sheet.protection.sheet
    assert not sheet["D7"].protection.locked  # 本周完成投资
    assert not sheet["G7"].protection.locked  # 本周达到节点
    assert sheet["A7"].protection.locked  # 项目编号
    assert sheet["E7"].protection.locked  # 截至上期累计
    assert sheet["F7"].protection.locked  # the computed cumulative
    validations = {v.type: v for v in sheet.data_validations.dataValidation}
    assert "D7" in validations["decimal"].sqref
    assert validations["decimal"].operator == "greaterThanOrEqual"
    assert validations["list"].formula1 == '"开工,竣工,投产"'
    assert book["说明"].sheet_state == "visible"
    meta = book["模板信息"]
    assert meta.sheet_state == "hidden"
    particulars = {row[0]: row[1] for row in meta.iter_rows(values_only=True)}
    plan_seq, plan_hash = rows(
        db, "SELECT seq, hash FROM events WHERE stream LIKE 'plan/%' ORDER BY seq DESC LIMIT 1"
    )[0]
    assert particulars["kind"] == "weekly"
    assert particulars["unit"] == UNIT
    assert particulars["period"] == NEW_WEEK
    assert (particulars["plan_seq"], particulars["plan_hash"]) == (str(plan_seq), plan_hash)
    assert (
        len(sheet["A"]) - 6
        == 11
        == len(
            rows(
                db,
                "SELECT id FROM events WHERE type = 'ProjectDefined' AND data LIKE ?",
                f'%"department":"{UNIT}"%',
            )
        )
    )


def test_an_openpyxl_saved_copy_imports(db: Path, tmp_path: Path) -> None:
    blank = template(db, tmp_path / "w.xlsx", "weekly", "--unit", UNIT, "--week", NEW_WEEK)
    filled = fill(blank, tmp_path / "filled.xlsx", weekly_cells())
    copy = tmp_path / "copy.xlsx"
    load_workbook(filled).save(copy)
    result = import_(db, copy)
    assert result.exit_code == 0, result.output
    assert "11 new" in result.output
    assert "nothing to import" in import_(db, filled).output


def test_a_libreoffice_saved_copy_imports(db: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip(
            "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
        )
    blank = template(db, tmp_path / "w.xlsx", "weekly", "--unit", UNIT, "--week", NEW_WEEK)
    filled = fill(blank, tmp_path / "filled.xlsx", weekly_cells())
    out = tmp_path / "lo"
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(filled),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    copy = out / "filled.xlsx"
    book = load_workbook(copy)
    assert book["模板信息"].sheet_state == "hidden"
    assert book["周报"].protection.sheet
    assert not book["周报"]["D7"].protection.locked
    result = import_(db, copy)
    assert result.exit_code == 0, result.output
    assert "11 new" in result.output
    assert "nothing to import" in import_(db, filled).output


def test_every_unit_at_once_and_usage_errors(db: Path, tmp_path: Path) -> None:
    result = run("template", "weekly", "--week", NEW_WEEK, "-o", str(tmp_path), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("*.xlsx")) == [
        f"周报-循环区管委会-{NEW_WEEK}.xlsx",
        f"周报-集聚区管委会-{NEW_WEEK}.xlsx",
    ]
    bad_week = run("template", "weekly", "--week", "2019-23", "--unit", UNIT, "--db", str(db))
    assert bad_week.exit_code == 2
    assert "'2019-23' is not a week such as 2019-W23" in bad_week.output
    unknown = run("template", "weekly", "--week", NEW_WEEK, "--unit", "水务局", "--db", str(db))
    assert unknown.exit_code == 1
    assert "unit '水务局' is not in the plan in force" in unknown.output
    other = tmp_path / "other.xlsx"
    load_workbook(tmp_path / f"周报-循环区管委会-{NEW_WEEK}.xlsx")  # a real workbook...
    from openpyxl import Workbook

    Workbook().save(other)  # ...and one gyengine did not make
    refused = import_(db, other)
    assert refused.exit_code == 1
    assert "no sheet 模板信息" in refused.output


def test_the_weeks_folder_is_made_but_not_its_parents(db: Path, tmp_path: Path) -> None:
    """-o 第23周/ makes the folder for the week's workbooks; a missing parent is a usage error."""
    made = run(
        "template", "weekly", "--week", NEW_WEEK, "-o", str(tmp_path / "第23周"), "--db", str(db)
    )
    assert made.exit_code == 0, made.output
    assert len(list((tmp_path / "第23周").glob("*.xlsx"))) == 2
    missing = tmp_path / "no" / "such"
    refused = run("template", "weekly", "--week", NEW_WEEK, "-o", str(missing), "--db", str(db))
    assert refused.exit_code == 2
    assert f"folder {missing.parent} does not exist" in refused.output
    assert not missing.parent.exists()
