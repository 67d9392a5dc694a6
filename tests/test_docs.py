"""The docs cannot rot: their code runs here, and every hook is documented."""

from __future__ import annotations

import io
import os
import re
import shlex
import subprocess
import sys
import types
from decimal import Decimal
from pathlib import Path

import pytest

import gyengine
from gyengine import hookspecs
from gyengine.plugins import (
    build_evaluators,
    build_event_types,
    build_plan_sections,
    build_renderers,
    call_register_commands,
    get_plugin_manager,
)

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def blocks(path: Path, language: str) -> list[str]:
    """The fenced code blocks of one language in a Markdown file, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```$", path.read_text("utf-8"), flags=re.M | re.S)


HOOKS = sorted(name for name in vars(hookspecs) if name.startswith("register_"))


def test_hooks_are_all_known() -> None:
    """The hook list the docs are checked against is the one gyengine defines."""
    assert HOOKS == [
        "register_commands",
        "register_datasets",
        "register_evaluators",
        "register_event_checks",
        "register_event_types",
        "register_exports",
        "register_plan_sections",
        "register_renderers",
        "register_reports",
        "register_upcasters",
    ]


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented(hook: str) -> None:
    """docs/plugin_hooks.md has a section per hook with its exact signature and an example."""
    text = (DOCS / "plugin_hooks.md").read_text("utf-8")
    sections = re.split(r"^## ", text, flags=re.M)
    [section] = [s for s in sections if s.startswith(f"{hook}(")]
    assert f"def {hook}(" in section
    assert "**Arguments:**" in section
    assert "**Returns:**" in section
    assert "@hookimpl" in section


def _module_from(code: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    # dont_inherit: this file's `from __future__ import annotations` must not leak in.
    exec(
        compile(code, f"<docs/plugin_hooks.md:{name}>", "exec", dont_inherit=True), module.__dict__
    )
    return module


EXAMPLES = [code for code in blocks(DOCS / "plugin_hooks.md", "python") if "@hookimpl" in code]


@pytest.mark.parametrize("code", EXAMPLES, ids=[f"example{n}" for n in range(len(EXAMPLES))])
def test_hook_examples_register(code: str) -> None:
    """Every example plugin of docs/plugin_hooks.md loads and registers what it says."""
    module = _module_from(code, "example_plugin")
    manager = get_plugin_manager(entry_points=False, plugins=[module])
    registry = build_event_types(manager)
    evaluators = build_evaluators(manager)
    renderers = build_renderers(manager)
    if "def register_event_types" in code:
        [listed] = re.findall(r"def register_event_types\(\):\n\s+return \[(.*?)\]", code)
        for name in listed.split(","):
            assert name.strip() in registry
    if "def register_upcasters" in code:
        assert registry.upcast("FundSecured", 1, {"programme": "x", "amount_wan": "1"}) == {
            "programme": "x",
            "amount_wan": "1",
            "source": "unknown",
        }
    if "def register_evaluators" in code:
        assert "funds" in evaluators
    if "def register_exports" in code:
        from gyengine.plugins import build_exports

        written = io.StringIO()
        build_exports(manager)["subjects"].export(_replay_of_subjects("b", "a"), written)
        assert written.getvalue() == "a\nb\n"
    if "def register_renderers" in code:
        outline = renderers["outline"]
        written = io.StringIO()
        document = gyengine.Document(title="T", sections=[gyengine.document.Section("s", "S", [])])
        outline.render(document, written, {})
        assert written.getvalue() == "T\n  S\n"
    if "def register_reports" in code:
        from gyengine.plugins import build_reports

        assert sorted(build_reports(manager)) == [
            "results",
            "size",
        ]  # gyengine's own, and the example's
    if "def register_datasets" in code:
        from gyengine.plugins import build_datasets

        [dataset] = build_datasets(manager).values()
        assert dataset.name == "sample-county-2020"
        assert dataset.default is False
    if "def register_plan_sections" in code:
        assert "programme" in build_plan_sections(manager)
    if "def register_event_checks" in code:
        from gyengine.plugins import build_event_checks

        [check] = build_event_checks(manager)
        assert check.types == ("WaterTested",)
    if "def register_commands" in code:
        import click
        from click.testing import CliRunner

        group = click.Group()
        call_register_commands(manager, group)
        assert CliRunner().invoke(group, ["greet", "县商务局"]).output == "hello 县商务局\n"


def _replay_of_subjects(*subjects: str) -> gyengine.Replay:
    """A replay holding one score about each subject (and nothing else that matters)."""
    from gyengine.replay import ReplayOptions

    records = tuple(
        gyengine.ResultRecord(
            "e", "1", "p", gyengine.Score(subject=s, metric="m", period="2019", rationale="r")
        )
        for s in subjects
    )
    return gyengine.Replay(
        options=ReplayOptions(),
        seq_to=0,
        head_hash="0" * 64,
        plugins=(),
        evaluators=(),
        records=records,
        chain_problem=None,
    )


def test_funds_example_replays(tmp_path: Path) -> None:
    """The evaluator example of docs/plugin_hooks.md sums what it folds, with evidence."""
    [code] = [c for c in EXAMPLES if "def register_evaluators" in c]
    module = _module_from(code, "funds_plugin")
    engine = gyengine.Engine(
        gyengine.SQLiteEventStore(tmp_path / "f.db", create=True),
        get_plugin_manager(entry_points=False, plugins=[module]),
    )
    engine.append(
        gyengine.NewEvent(
            type="FundSecured", stream="funds", data={"programme": p, "amount_wan": a}
        )
        for p, a in (("智能化改造", "1500"), ("绿色化改造", "1200.5"))
    )
    [item] = engine.replay(save=False).records
    assert item.record.value == Decimal("2700.5")
    assert item.record.evidence == (1, 2)
    engine.close()


def test_tutorial_code_is_the_plugin() -> None:
    """Every Python block of docs/writing-plugins.md is a verbatim excerpt of the shipped plugin."""
    source = (ROOT / "plugins" / "gyengine_timeliness" / "__init__.py").read_text("utf-8")
    code_blocks = blocks(DOCS / "writing-plugins.md", "python")
    assert len(code_blocks) == 5
    for code in code_blocks:
        assert code.strip() in source


def test_tutorial_session_runs(tmp_path: Path) -> None:
    """The shell session of docs/writing-plugins.md runs and shows the late unit."""
    [session] = blocks(DOCS / "writing-plugins.md", "sh")
    commands = session.replace("\\\n", " ").strip().splitlines()
    output = ""
    gyengine_script = Path(sys.executable).with_name("gyengine")
    for line in commands:
        argv = shlex.split(line)
        assert argv[0] == "gyengine"
        done = subprocess.run(
            [str(gyengine_script), *argv[1:]], cwd=tmp_path, capture_output=True, text=True
        )
        assert done.returncode == 0, (line, done.stderr)
        output = done.stdout
    assert "产业集聚区管委会" in output
    assert "ProjectProgressReported" in output
    assert "seq 2" in output


def test_library_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The examples of docs/library.md run in order, and their assertions hold."""
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    code_blocks = blocks(DOCS / "library.md", "python")
    assert len(code_blocks) >= 6
    for number, code in enumerate(code_blocks):
        exec(
            compile(code, f"<docs/library.md block {number}>", "exec", dont_inherit=True), namespace
        )
    assert (tmp_path / "county.db").exists()


def test_reports_doc_excerpts_are_current(monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/reports.md's bulletin excerpts are what cog writes from the goldens and the demo today."""
    from cogapp import Cog

    for name in [n for n in os.environ if n.startswith("GYENGINE")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(ROOT)
    text = (DOCS / "reports.md").read_text("utf-8")
    assert text.count("[[[cog") == 4
    assert "| P06 | 示例·精细化工中间体项目 |" in text  # the lagging project is in the excerpt
    assert "### 后进单位" not in text  # the excerpt's headings sit under the doc's
    assert "*后进单位（牵头部门，1个）*" in text
    assert Cog().main(["cog", "--check", "docs/reports.md"]) == 0
