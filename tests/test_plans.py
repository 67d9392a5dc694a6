"""Many plans in one database (issue #12, part 7): a province's counties side by side.

Two synthetic counties from the demo generator (two seeds) share a database;
``--plan`` scopes replay, report and explain; each county's events are judged
against its own plan; runs and checkpoints are per plan.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import attrs
import pytest

import gyengine
import replay_helpers as h
from gyengine.datasets import county_lines, load_counties
from gyengine.plan import plan_of, scoped
from gyengine.plugins import build_datasets, build_plan_sections

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "events" / "xiangcheng-2019" / "plan.toml"


@pytest.fixture(autouse=True)
def _isolated_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    h.isolate_cli(monkeypatch)


def _dataset(engine: gyengine.Engine, only: int | None = None) -> Any:
    dataset = build_datasets(engine.manager)["xiangcheng-2019"]
    if only is None:
        return dataset
    make = dataset.county
    assert make is not None
    return attrs.evolve(dataset, county=lambda n: make(only))


def _province(
    path: Path, counties: int = 2, only: int | None = None, until: str | None = None
) -> Path:
    """``counties`` synthetic counties in a new database, their events recorded up to ``until``."""
    with gyengine.open(path, create=True) as engine:
        _load(engine, counties, only, until)
    return path


def _load(
    engine: gyengine.Engine, counties: int = 2, only: int | None = None, until: str | None = None
) -> Any:
    """Load the counties into ``engine``'s log; the dataset they came from."""
    dataset = _dataset(engine, only)
    load_counties(
        engine.store,
        engine.registry,
        build_plan_sections(engine.manager),
        dataset,
        counties,
        checks=engine.checks,
        until=until,
    )
    return dataset


@pytest.fixture(scope="module")
def province_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Counties 1 and 2 in one database."""
    return _province(tmp_path_factory.mktemp("province") / "province.db")


@pytest.fixture(scope="module")
def county_two_alone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """County 2 alone in its own database."""
    return _province(tmp_path_factory.mktemp("alone") / "alone.db", counties=1, only=2)


@pytest.fixture
def province(province_template: Path, tmp_path: Path) -> Path:
    db = tmp_path / "province.db"
    shutil.copy(province_template, db)
    return db


def test_streams_carry_the_plan_id() -> None:
    """A plan's streams begin with its id; the default plan's carry none."""
    assert scoped("county-007", "indicator/I1") == "county-007:indicator/I1"
    assert scoped(None, "indicator/I1") == "indicator/I1"
    assert plan_of("county-007:indicator/I1") == ("county-007", "indicator/I1")
    assert plan_of("indicator/I1") == (None, "indicator/I1")
    # Not a plan id before the colon: the default plan's stream as written.
    assert plan_of("Bank:X/1") == (None, "Bank:X/1")
    assert plan_of("default:x") == (None, "default:x")


def _by_ids(result: gyengine.Replay, db: Path) -> list[str]:
    """The results as JSON with each seq (evidence, "seq 717" in a text) replaced by its event's id.

    Seqs are places in the whole log, so they differ between databases; ids do not.
    """
    ids = dict(h.execute_query(db, "SELECT seq, id FROM events"))
    out = []
    for item in result.to_json()["results"]:
        item["evidence"] = sorted(ids[seq] for seq in item["evidence"])
        text = json.dumps(item, ensure_ascii=False, sort_keys=True)
        out.append(re.sub(r"seq (\d+)", lambda m: f"event {ids[int(m[1])]}", text))
    return sorted(out)


def test_a_plan_replayed_among_others_is_what_it_is_alone(
    province: Path, county_two_alone: Path
) -> None:
    """replay --plan county-002 in the province gives county 2's own results (evidence by id)."""
    with gyengine.open(province) as engine:
        shared = engine.replay(plan="county-002", save=False, checkpoints=False)
    with gyengine.open(county_two_alone) as engine:
        alone = engine.replay(save=False, checkpoints=False)  # the only plan: chosen
    assert alone.options.plan == shared.options.plan == "county-002"
    assert len(shared.records) > 4000
    assert _by_ids(shared, province) == _by_ids(alone, county_two_alone)
    assert shared.to_json()["options"]["plan"] == "county-002"
    assert shared.synthetic
    assert alone.synthetic
    # The province's other county differs (another seed): the scoping is real.
    with gyengine.open(province) as engine:
        other = engine.replay(plan="county-001", save=False, checkpoints=False)
    assert _by_ids(other, province) != _by_ids(shared, province)


def test_without_plan_the_plans_are_listed(province: Path) -> None:
    """No --plan in a log of many: a one-line error listing them; --plan of no plan too."""
    result = h.run_cli(["replay", "--db", province, "--no-save"])
    assert result.exit_code == 1
    assert h.one_line_error(result) == "Error: the log holds 2 plans: county-001, county-002"
    unknown = h.run_cli(
        ["report", "monthly", "--period", "2019-06", "--plan", "x", "--db", province]
    )
    assert h.one_line_error(unknown) == (
        "Error: no plan 'x' in the log (plans: county-001, county-002)"
    )
    listed = h.run_cli(["plan", "list", "--db", province])
    assert listed.output.splitlines() == ["county-001", "county-002"]


def _veto(plan: str, bank: str) -> dict[str, Any]:
    return {
        "type": "BankVetoed",
        "stream": f"{plan}:bank/{bank}",
        "id": f"{plan}:veto-{bank}",
        "occurred": "2019-12",
        "data": {"bank": bank, "period": "2019-12", "reason": "拒不配合"},
    }


def test_an_event_is_judged_against_its_own_plan(province: Path, tmp_path: Path) -> None:
    """Plan county-002 drops bank XCRCB: a veto of it passes in county-001 and is refused in 002."""
    text = 'plan_id = "county-002"\n' + PLAN.read_text("utf-8").replace(
        'id = "xiangcheng-2019"', 'id = "county-002"'
    )
    start = text.index('[[bank]]\nid = "XCRCB"')
    smaller = tmp_path / "c2.toml"
    smaller.write_text(text[:start] + text[text.index("[[", start + 2) :], "utf-8")
    loaded = h.run_cli(["plan", "load", smaller, "--db", province])
    assert loaded.exit_code == 0, loaded.output
    assert "removed: [bank] XCRCB" in loaded.output
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(_veto("county-001", "XCRCB"), ensure_ascii=False) + "\n")
    assert h.run_cli(["append", good, "--db", province]).exit_code == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(_veto("county-002", "XCRCB"), ensure_ascii=False) + "\n")
    refused = h.run_cli(["append", bad, "--db", province])
    assert h.one_line_error(refused) == (
        f"Error: {bad}:1: $.data.bank: no bank 'XCRCB' in the plan in force "
        "(banks: ABC, ICBC, CCB, BOC, PSBC)"
    )
    # A report on the stream of another plan's bank, and one naming no plan at all.
    crossed = dict(_veto("county-001", "ICBC"), stream="county-002:bank/CCB")
    loose = dict(_veto("county-001", "ICBC"), stream="bank/ICBC", id="loose")
    for event, message in [
        (crossed, "county-002:bank/CCB is not the stream of bank ICBC (use county-002:bank/ICBC)"),
        (loose, "bank/ICBC names no plan, and the log holds plans county-001, county-002"),
    ]:
        path = tmp_path / "one.jsonl"
        path.write_text(json.dumps(event, ensure_ascii=False) + "\n")
        result = h.run_cli(["append", path, "--db", province])
        assert result.exit_code == 1
        assert message in result.output


def test_a_plan_file_names_its_plan(tmp_path: Path) -> None:
    """plan_id in the file puts its definitions on the plan's streams; --plan must agree."""
    db = tmp_path / "p.db"
    assert h.run_cli(["init", "--db", db]).exit_code == 0
    text = 'plan_id = "county-042"\n' + PLAN.read_text("utf-8")
    plan = tmp_path / "plan.toml"
    plan.write_text(text, "utf-8")
    disagree = h.run_cli(["plan", "load", plan, "--plan", "county-041", "--db", db])
    assert h.one_line_error(disagree) == (
        f"Error: {plan}:1: plan_id: the file is plan county-042, not county-041"
    )
    assert h.count_rows(db, "events") == 0
    assert h.run_cli(["plan", "load", plan, "--db", db]).exit_code == 0
    streams = {row[0] for row in h.execute_query(db, "SELECT stream FROM events")}
    assert streams
    assert all(s.startswith("county-042:plan/") for s in streams)
    assert h.run_cli(["plan", "list", "--db", db]).output == "county-042\n"
    bad = tmp_path / "bad.toml"
    bad.write_text('plan_id = "All"\n' + PLAN.read_text("utf-8"), "utf-8")
    result = h.run_cli(["plan", "check", bad])
    assert result.exit_code == 1
    assert "plan_id: 'All' is not a plan id" in result.output


def test_explain_and_saved_runs_per_plan(province: Path) -> None:
    """explain --plan finds the county's own events; each saved run records its plan."""
    with gyengine.open(province) as engine:
        explained = engine.explain("I1", plan="county-001", checkpoints=False)
        assert explained
        for explanation in explained:
            for entry in explanation.evidence:
                assert plan_of(entry.event.stream)[0] == "county-001"
        runs = list(engine.replay_each())
    assert [r.options.plan for r in runs] == ["county-001", "county-002"]
    rows = h.execute_query(province, "SELECT id, options FROM runs ORDER BY id")
    assert [json.loads(options)["plan"] for _, options in rows] == ["county-001", "county-002"]
    result = h.run_cli(["explain", "I1", "--metric", "completion", "--db", province])
    assert h.one_line_error(result) == "Error: the log holds 2 plans: county-001, county-002"
    audit = h.run_cli(["verify", "--db", province])
    assert audit.exit_code == 0, audit.output


def test_replay_each_equals_one_plan_at_a_time(province: Path) -> None:
    """--plan all (the chain checked once) gives each plan what replay --plan gives."""
    with gyengine.open(province) as engine:
        each = list(engine.replay_each(save=False, checkpoints=False))
        single = [
            engine.replay(plan=p, save=False, checkpoints=False)
            for p in ("county-001", "county-002")
        ]
    assert [h.result_bytes(r) for r in each] == [h.result_bytes(r) for r in single]


def test_incremental_after_a_week_equals_a_full_replay(tmp_path: Path) -> None:
    """Checkpoints per plan: after a week more of every county, resuming gives the full answer."""
    db = tmp_path / "week.db"
    cut = "2019-12-20T00:00:00.000000Z"
    with gyengine.open(db, create=True) as engine:
        dataset = _load(engine, until=cut)
        first = list(engine.replay_each(save=False))
        assert all(not r.resumed for r in first)
        week = [line for line in county_lines(dataset, 2) if str(line["recorded"]) > cut]
        assert {plan_of(str(line["stream"]))[0] for line in week} == {"county-001", "county-002"}
        engine.append(engine.registry.parse_line(line, keep_recorded=True) for line in week)
        resumed = list(engine.replay_each(save=False))
        full = list(engine.replay_each(save=False, checkpoints=False))
    bound = first[0].seq_to
    assert all(set(r.resumed.values()) == {bound} for r in resumed)
    assert all(r.verified_from == bound + 1 for r in resumed)
    assert [h.result_bytes(r) for r in resumed] == [h.result_bytes(r) for r in full]


def test_demo_init_counties(tmp_path: Path) -> None:
    """demo init --counties N writes N plans, says their data are synthetic, and each replays so."""
    db = tmp_path / "demo.db"
    result = h.run_cli(["demo", "init", "--counties", "2", "--db", db])
    assert result.exit_code == 0, result.output
    assert "of 2 counties" in result.output
    assert "(county-001 ... county-002) are synthetic" in result.output
    board = h.run_cli(["replay", "--plan", "county-002", "--db", db, "--no-save"])
    assert board.exit_code == 0, board.output
    assert "示例002县" in board.output
    assert "合成的演示数据" in board.output


def test_replays_after_each_increment_and_again_at_its_head_equal_full_ones(
    tmp_path: Path,
) -> None:
    """Checkpoints and results memos per plan, through several increments of the year.

    After each increment the resumed replay (from the previous checkpoints), and
    a second replay at the same head (the results read from the memos), give
    byte for byte what a replay from seq 1 without checkpoints gives.
    """
    db = tmp_path / "steps.db"
    cuts = ("2019-04-30T00:00:00.000000Z", "2019-09-30T00:00:00.000000Z", None)
    with gyengine.open(db, create=True) as engine:
        dataset = _load(engine, until=cuts[0])
        lines = list(county_lines(dataset, 2))
        for step, cut in enumerate(cuts):
            if step:
                previous = str(cuts[step - 1])
                more = [
                    line
                    for line in lines
                    if previous < str(line["recorded"])
                    and (cut is None or str(line["recorded"]) <= cut)
                ]
                assert more
                engine.append(engine.registry.parse_line(line, keep_recorded=True) for line in more)
            resumed = list(engine.replay_each(save=False))
            again = list(engine.replay_each(save=False))
            full = list(engine.replay_each(save=False, checkpoints=False))
            assert len(full) == 2
            if step:
                assert all(r.resumed for r in resumed)
            assert all(r.memoised for r in again)
            expected = [h.result_bytes(r) for r in full]
            assert [h.result_bytes(r) for r in resumed] == expected
            assert [h.result_bytes(r) for r in again] == expected
