"""The plugin host: loading plugins, every hook, and one-line errors for broken plugins."""

from __future__ import annotations

import importlib.metadata
import io
import json
import os
import subprocess
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

import gyengine
import replay_helpers as h
from gyengine import Replay, hookspecs
from gyengine.errors import PluginError

WATER_PLUGIN = '''\
"""Water quality: a test plugin loaded only through --plugins-dir."""

from decimal import Decimal

import attrs

from gyengine import Evaluator, Score, hookimpl

__version__ = "0.2"


@attrs.frozen
class WaterTested:
    """A site's water was tested."""

    site: str
    ph: Decimal


@attrs.define
class Sites:
    ph: dict[str, Decimal] = attrs.Factory(dict)
    seqs: dict[str, int] = attrs.Factory(dict)


def fold(state, event, context):
    state.ph[event.data.site] = event.data.ph
    state.seqs[event.data.site] = event.seq
    return state


def results(state, context):
    for site in sorted(state.ph):
        ph = state.ph[site]
        good = Decimal("6.5") <= ph <= Decimal("8.5")
        yield Score(
            subject=site,
            metric="ph",
            period="all",
            value=ph,
            status="green" if good else "red",
            rationale=f"pH {ph}",
            evidence=[state.seqs[site]],
        )


@hookimpl
def register_event_types():
    return [WaterTested]


@hookimpl
def register_evaluators():
    return [
        Evaluator(
            name="water",
            version="3",
            consumes=["WaterTested"],
            state_type=Sites,
            fold=fold,
            results=results,
        )
    ]
'''

WATER_EVENTS = [
    {
        "type": "WaterTested",
        "stream": "site/河口",
        "actor": "环保局",
        "data": {"site": "河口", "ph": "7.2"},
    },
    {
        "type": "WaterTested",
        "stream": "site/桥下",
        "actor": "环保局",
        "data": {"site": "桥下", "ph": "9.1"},
    },
]


@pytest.fixture(autouse=True)
def _isolated_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    h.isolate_cli(monkeypatch)


def write(directory: Path, name: str, source: str) -> Path:
    """Write a plugin file ``name.py`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def jsonl(events: list[dict]) -> str:
    return "".join(json.dumps(event, ensure_ascii=False) + "\n" for event in events)


@pytest.fixture
def water(tmp_path: Path) -> tuple[Path, Path]:
    """A plugins dir holding the water plugin, and a database of two water tests appended by the CLI."""
    plugins = tmp_path / "plugins"
    write(plugins, "water_quality", WATER_PLUGIN)
    db = tmp_path / "water.db"
    assert h.run_cli(["init", "--db", db]).exit_code == 0
    events = tmp_path / "water.jsonl"
    events.write_text(jsonl(WATER_EVENTS), encoding="utf-8")
    appended = h.run_cli(["--plugins-dir", plugins, "append", events, "--db", db])
    assert appended.exit_code == 0, appended.output
    return plugins, db


def check_water_report(report: dict) -> None:
    water = [r for r in report["results"] if r["evaluator"] == "water"]
    assert [(r["subject"], r["value"], r["status"], r["evidence"]) for r in water] == [
        ("桥下", "9.1", "red", [2]),
        ("河口", "7.2", "green", [1]),
    ]
    assert {"name": "water_quality", "version": "0.2"} in report["plugins"]
    assert {"name": "water", "version": "3", "plugin": "water_quality"} in report["evaluators"]


# -- a --plugins-dir plugin, end to end ---------------------------------------


def test_plugins_dir_plugin_end_to_end(water: tuple[Path, Path]) -> None:
    """A plugin loaded only by --plugins-dir defines events, evaluates them and explains them."""
    plugins, db = water
    result = h.run_cli(["--plugins-dir", plugins, "replay", "--db", db, "--format", "json"])
    assert result.exit_code == 0, result.output
    check_water_report(json.loads(result.stdout))
    explained = h.run_cli(["--plugins-dir", plugins, "explain", "桥下", "--db", db])
    assert explained.exit_code == 0, explained.output
    assert "evaluator water 3 (plugin water_quality)" in explained.stdout
    assert "rationale: pH 9.1" in explained.stdout
    without = h.run_cli(["replay", "--db", db, "--format", "json"])
    assert without.exit_code == 0, without.output
    assert "water" not in {r["evaluator"] for r in json.loads(without.stdout)["results"]}


def test_plugins_dir_plugin_through_the_console_script(water: tuple[Path, Path]) -> None:
    """The installed ``gyengine`` script loads a --plugins-dir plugin the same way."""
    plugins, db = water
    env = {k: v for k, v in os.environ.items() if not k.startswith("GYENGINE_")}
    completed = subprocess.run(
        [
            h.console_script(),
            "--plugins-dir",
            str(plugins),
            "replay",
            "--db",
            str(db),
            "--format",
            "json",
            "--no-save",
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    check_water_report(json.loads(completed.stdout))
    env["GYENGINE_PLUGINS_DIR"] = str(plugins)
    listed = subprocess.run(
        [h.console_script(), "plugins", "--json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=False,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    assert "water_quality" in {p["name"] for p in json.loads(listed.stdout)}


# -- broken plugins -----------------------------------------------------------

GOOD_EVALUATOR = """
import attrs
from gyengine import Evaluator, hookimpl

@attrs.define
class Nothing:
    pass

def evaluator(name):
    return Evaluator(name=name, version="1", consumes=[], state_type=Nothing,
                     fold=lambda s, e, c: s, results=lambda s, c: [])
"""

BROKEN = {
    "import-error": (
        {"broken": "import no_such_module_for_gyengine_tests\n"},
        "broken",
        "failed to import: ModuleNotFoundError: No module named 'no_such_module_for_gyengine_tests'",
    ),
    "syntax-error": (
        {"broken": "def oops(:\n"},
        "broken",
        "failed to import: SyntaxError",
    ),
    "unknown-hook": (
        {"typo": GOOD_EVALUATOR + "\n@hookimpl\ndef register_evaluator():\n    return []\n"},
        "typo",
        "implements unknown hook 'register_evaluator'",
    ),
    "bad-arguments": (
        {"args": GOOD_EVALUATOR + "\n@hookimpl\ndef register_evaluators(foo):\n    return []\n"},
        "args",
        "register_evaluators(foo)",
    ),
    "duplicate-event-type": (
        {
            "first": "import attrs\nfrom gyengine import hookimpl\n\n@attrs.frozen\nclass Dup:\n    x: int\n\n@hookimpl\ndef register_event_types():\n    return [Dup]\n",
            "second": "import attrs\nfrom gyengine import hookimpl\n\n@attrs.frozen\nclass Dup:\n    y: str\n\n@hookimpl\ndef register_event_types():\n    return [Dup]\n",
        },
        "second",
        "event type 'Dup' schema 1 is registered twice: by first and by second",
    ),
    "duplicate-evaluator": (
        {
            "first": GOOD_EVALUATOR
            + "\n@hookimpl\ndef register_evaluators():\n    return [evaluator('twin')]\n",
            "second": GOOD_EVALUATOR
            + "\n@hookimpl\ndef register_evaluators():\n    return [evaluator('twin')]\n",
        },
        "second",
        "evaluator 'twin' is registered by first and by second",
    ),
    "not-a-list": (
        {
            "dicty": GOOD_EVALUATOR
            + "\n@hookimpl\ndef register_evaluators():\n    return {'twin': evaluator('twin')}\n"
        },
        "dicty",
        "register_evaluators() must return a list, not dict",
    ),
    "not-a-list-of-types": (
        {
            "dicty": "from gyengine import hookimpl\n\n@hookimpl\ndef register_event_types():\n    return 'Dup'\n"
        },
        "dicty",
        "register_event_types() must return a list, not str",
    ),
    "not-an-evaluator": (
        {
            "stringly": "from gyengine import hookimpl\n\n@hookimpl\ndef register_evaluators():\n    return ['water']\n"
        },
        "stringly",
        "register_evaluators() returned str, not Evaluator",
    ),
    "not-attrs": (
        {
            "plain": "from gyengine import hookimpl\n\nclass Plain:\n    pass\n\n@hookimpl\ndef register_event_types():\n    return [Plain]\n"
        },
        "plain",
        "is not an attrs class",
    ),
    "hook-raises": (
        {
            "raising": "from gyengine import hookimpl\n\n@hookimpl\ndef register_evaluators():\n    raise RuntimeError('no config')\n"
        },
        "raising",
        "register_evaluators() raised RuntimeError: no config",
    ),
}


@pytest.mark.parametrize(("files", "plugin", "message"), list(BROKEN.values()), ids=list(BROKEN))
def test_broken_plugin_is_a_one_line_error(
    tmp_path: Path, files: dict[str, str], plugin: str, message: str
) -> None:
    """Each kind of broken plugin stops the command with one line naming the plugin, exit non-zero."""
    plugins = tmp_path / "plugins"
    for name, source in files.items():
        write(plugins, name, source)
    db = tmp_path / "log.db"
    assert h.run_cli(["init", "--db", db]).exit_code == 0
    result = h.run_cli(["--plugins-dir", plugins, "replay", "--db", db])
    line = h.one_line_error(result)
    assert result.exit_code == 1
    assert line.startswith("Error: plugin "), line
    assert plugin in line.split(":")[1], line
    assert message in line, line
    assert h.count_rows(db, "runs") == 0


def test_broken_plugin_in_the_library(tmp_path: Path) -> None:
    """The library raises PluginError with the plugin on an attribute."""
    plugins = tmp_path / "plugins"
    write(
        plugins,
        "typo",
        "from gyengine import hookimpl\n\n@hookimpl\ndef register_evaluator():\n    return []\n",
    )
    with pytest.raises(PluginError) as caught:
        gyengine.get_plugin_manager(entry_points=False, plugins_dir=plugins)
    assert caught.value.plugin == "typo"
    assert str(caught.value).endswith(f"(hooks: {', '.join(hook_names())})")


def test_missing_plugins_dir_is_an_error(tmp_path: Path) -> None:
    """A --plugins-dir that does not exist is a one-line error naming it."""
    db = tmp_path / "log.db"
    h.run_cli(["init", "--db", db])
    line = h.one_line_error(
        h.run_cli(["--plugins-dir", tmp_path / "nowhere", "replay", "--db", db])
    )
    assert "nowhere" in line


# -- gyengine plugins ---------------------------------------------------------


def test_plugins_lists_the_standard_plugins() -> None:
    """``gyengine plugins`` lists the standard plugins, installed through entry points, with versions and hooks."""
    version = importlib.metadata.version("gyengine")
    listed = h.run_cli(["plugins", "--json"])
    assert listed.exit_code == 0, listed.output
    info = {p["name"]: p for p in json.loads(listed.stdout)}
    for name in ("indicators", "projects", "timeliness"):
        assert info[name]["version"] == version
        assert info[name]["source"] == "entry point"
        assert "register_event_types" in info[name]["hooks"]
    assert info["timeliness"]["hooks"] == ["register_evaluators", "register_event_types"]
    assert "gyengine.builtin" not in info
    text = h.run_cli(["plugins"])
    assert text.exit_code == 0
    assert (
        f"timeliness {version} (entry point): register_evaluators, register_event_types"
        in text.stdout.splitlines()
    )
    everything = json.loads(h.run_cli(["plugins", "--json", "--all"]).stdout)
    assert {
        "name": "gyengine.builtin",
        "version": version,
        "source": "builtin",
        "hooks": ["register_exports", "register_renderers", "register_reports"],
    } in everything


def test_plugins_lists_a_plugins_dir_plugin(water: tuple[Path, Path]) -> None:
    """A --plugins-dir plugin is listed with its version, where it came from and its hooks."""
    plugins, _ = water
    result = h.run_cli(["--plugins-dir", plugins, "plugins", "--json"])
    entry = next(p for p in json.loads(result.stdout) if p["name"] == "water_quality")
    assert entry["version"] == "0.2"
    assert entry["source"] == f"plugins dir {plugins}"
    assert entry["hooks"] == ["register_evaluators", "register_event_types"]


# -- one test per hook --------------------------------------------------------


def test_hook_register_event_types(tmp_path: Path) -> None:
    """register_event_types: the classes become event types, owned by their plugin, under their declared name and schema."""
    core, extras = h.split_plugins()
    meter = h.make_plugin("meter", event_types=[h.ReadingTaken])
    with h.open_engine(tmp_path / "log.db", [core, extras, meter]) as engine:
        names = engine.registry.names()
        assert {"ValueReported", "GoalSet", "ReadingTaken", "EventRetracted"} <= set(names)
        assert engine.registry.owner_of("ValueReported") == "core"
        assert engine.registry.owner_of("EventRetracted") == "gyengine"
        assert engine.registry.schema_of("ReadingTaken") == 2
        engine.append(
            [
                gyengine.NewEvent(
                    type="ReadingTaken",
                    stream="m",
                    data={"subject": "a", "value": "1.5", "unit": "%"},
                )
            ]
        )
        (event,) = engine.events()
        assert event.data == h.ReadingTaken("a", Decimal("1.5"), "%")
    # and through the CLI: `record` knows a --plugins-dir plugin's type
    plugins = tmp_path / "plugins"
    write(plugins, "water_quality", WATER_PLUGIN)
    db = tmp_path / "cli.db"
    h.run_cli(["init", "--db", db])
    unknown = h.run_cli(["record", "WaterTested", "site=x", "ph=7", "--stream", "s", "--db", db])
    assert "unknown event type 'WaterTested'" in h.one_line_error(unknown)
    recorded = h.run_cli(
        [
            "--plugins-dir",
            plugins,
            "record",
            "WaterTested",
            "site=x",
            "ph=7",
            "--stream",
            "s",
            "--db",
            db,
        ]
    )
    assert recorded.exit_code == 0, recorded.output
    assert recorded.stdout.startswith("appended seq 1 ")


def test_hook_register_upcasters(tmp_path: Path) -> None:
    """register_upcasters: rows appended under an old schema are read as the new one."""
    plugins = tmp_path / "plugins"
    old = """
        import attrs
        from gyengine import event_type, hookimpl

        @event_type("Gauge", schema=1)
        @attrs.frozen
        class Gauge:
            reading: str

        @hookimpl
        def register_event_types():
            return [Gauge]
    """
    new = """
        from decimal import Decimal
        import attrs
        from gyengine import Evaluator, Score, event_type, hookimpl

        @event_type("Gauge", schema=2)
        @attrs.frozen
        class Gauge:
            value: Decimal
            unit: str

        def upcast_v1_v2(data):
            number, unit = data["reading"].split(" ")
            return {"value": number, "unit": unit}

        @attrs.define
        class Seen:
            lines: list[str] = attrs.Factory(list)

        def fold(state, event, context):
            state.lines.append(f"{event.seq}:{event.schema}:{event.data.value}:{event.data.unit}")
            return state

        def results(state, context):
            yield Score(subject="gauge", metric="seen", period="all", rationale=" ".join(state.lines))

        @hookimpl
        def register_event_types():
            return [Gauge]

        @hookimpl
        def register_upcasters():
            return [("Gauge", 1, upcast_v1_v2)]

        @hookimpl
        def register_evaluators():
            return [Evaluator(name="gauge", version="1", consumes=["Gauge"], state_type=Seen, fold=fold, results=results)]
    """
    write(plugins, "gauge", old)
    db = tmp_path / "log.db"
    h.run_cli(["init", "--db", db])
    first = h.run_cli(
        ["--plugins-dir", plugins, "record", "Gauge", "reading=8.5 %", "--stream", "g", "--db", db]
    )
    assert first.exit_code == 0, first.output
    write(plugins, "gauge", new)
    second = h.run_cli(
        [
            "--plugins-dir",
            plugins,
            "record",
            "Gauge",
            "value=3",
            "unit=mm",
            "--stream",
            "g",
            "--db",
            db,
        ]
    )
    assert second.exit_code == 0, second.output
    replayed = h.run_cli(["--plugins-dir", plugins, "replay", "--db", db, "--format", "json"])
    assert replayed.exit_code == 0, replayed.output
    (record,) = [r for r in json.loads(replayed.stdout)["results"] if r["evaluator"] == "gauge"]
    assert record["rationale"] == "1:1:8.5:% 2:2:3:mm"
    assert [row[0] for row in h.execute_query(db, "SELECT schema FROM events ORDER BY seq")] == [
        1,
        2,
    ]
    # a malformed registration names the plugin
    bad = h.make_plugin("meter", event_types=[h.ReadingTaken], upcasters=[("ReadingTaken", 1)])
    with pytest.raises(PluginError, match=r"plugin meter: register_upcasters\(\)"):
        gyengine.plugins.build_event_types(
            gyengine.get_plugin_manager(entry_points=False, plugins=[bad])
        )


def test_hook_register_evaluators(tmp_path: Path) -> None:
    """register_evaluators: every plugin's evaluators run, each result names its evaluator and plugin."""
    core, extras = h.split_plugins()
    with h.open_engine(tmp_path / "log.db", [core, extras]) as engine:
        engine.append([h.value("a", 3), h.target("a", 2)])
        result = engine.replay()
        assert set(engine.evaluators) == {"counter", "latest", "totals", "summary", "by_type"}
        assert {name: plugin for name, (_, plugin) in engine.evaluators.items()} == {
            "counter": "core",
            "latest": "core",
            "totals": "extras",
            "summary": "extras",
            "by_type": "extras",
        }
    owners = {item.evaluator: item.plugin for item in result.records}
    assert owners == {
        "counter": "core",
        "latest": "core",
        "totals": "extras",
        "summary": "extras",
        "by_type": "extras",
    }
    assert h.values_of(result, "summary") == {"all": "1"}


SITES_PLUGIN = """
    from decimal import Decimal

    import attrs

    from gyengine import PlanProblem, PlanSection, hookimpl

    @attrs.frozen
    class SiteDefined:
        \"\"\"The plan named a monitoring site and its lowest acceptable pH.\"\"\"

        id: str
        name: str
        ph_min: Decimal

    def check(plan):
        for site in plan.items("site"):
            if not Decimal(0) <= site.ph_min <= Decimal(14):
                yield PlanProblem("site", site.id, f"{site.ph_min} is not a pH", field="ph_min")

    @hookimpl
    def register_event_types():
        return [SiteDefined]

    @hookimpl
    def register_plan_sections():
        return [PlanSection(name="site", item_type=SiteDefined, check=check)]
"""

SITES_PLAN = """\
[[site]]
id = "S1"
name = "河口"
ph_min = "6.5"

[[site]]
id = "S2"
name = "桥下"
ph_min = "{ph}"
"""


def test_hook_register_plan_sections(tmp_path: Path) -> None:
    """register_plan_sections: a plugin's [[section]] items load as definition events, checked by the plugin."""
    plugins = tmp_path / "plugins"
    write(plugins, "sites", SITES_PLUGIN)
    plan = tmp_path / "plan.toml"
    plan.write_text(SITES_PLAN.format(ph="6.0"), encoding="utf-8")
    db = tmp_path / "log.db"
    h.run_cli(["init", "--db", db])
    unowned = h.run_cli(["plan", "check", plan])
    assert "unknown section [site]" in h.one_line_error(unowned)
    loaded = h.run_cli(["--plugins-dir", plugins, "plan", "load", plan, "--db", db])
    assert loaded.exit_code == 0, loaded.output
    rows = h.execute_query(db, "SELECT stream, type, data FROM events ORDER BY seq")
    assert rows == [
        ("plan/site/S1", "SiteDefined", '{"id":"S1","name":"河口","ph_min":"6.5"}'),
        ("plan/site/S2", "SiteDefined", '{"id":"S2","name":"桥下","ph_min":"6.0"}'),
    ]
    plan.write_text(SITES_PLAN.format(ph="15"), encoding="utf-8")
    bad = h.run_cli(["--plugins-dir", plugins, "plan", "check", plan])
    assert h.one_line_error(bad) == f"Error: {plan}:9: [site] S2: ph_min: 15 is not a pH"
    assert h.count_rows(db, "events") == 2


def test_hook_register_event_checks(tmp_path: Path) -> None:
    """register_event_checks: the docs' example refuses a water test at a site the plan in force lacks."""
    docs = (Path(__file__).parent.parent / "docs" / "plugin_hooks.md").read_text("utf-8")
    [example] = [
        block.split("```", 1)[0]
        for block in docs.split("```python\n")
        if "def register_event_checks():" in block.split("```", 1)[0]
    ]
    plugins = tmp_path / "plugins"
    write(plugins, "sites", SITES_PLUGIN)
    write(plugins, "water_quality", WATER_PLUGIN)
    write(plugins, "site_checks", example)
    plan = tmp_path / "plan.toml"
    plan.write_text(SITES_PLAN.format(ph="6.0"), encoding="utf-8")
    db, fresh = tmp_path / "log.db", tmp_path / "fresh.db"
    events = tmp_path / "water.jsonl"
    bad = {**WATER_EVENTS[0], "stream": "site/海边", "data": {"site": "海边", "ph": "7"}}
    events.write_text(jsonl([*WATER_EVENTS, bad]), encoding="utf-8")
    for path in (db, fresh):
        assert h.run_cli(["init", "--db", path]).exit_code == 0
    assert h.run_cli(["--plugins-dir", plugins, "plan", "load", plan, "--db", db]).exit_code == 0
    refused = h.run_cli(["--plugins-dir", plugins, "append", events, "--db", db])
    assert h.one_line_error(refused) == (
        f"Error: {events}:3: $.data.site: no site '海边' in the plan in force (sites: 河口, 桥下)"
    )
    assert h.count_rows(db, "events") == 2
    # A log without a plan governs nothing: the same file goes in.
    unplanned = h.run_cli(["--plugins-dir", plugins, "append", events, "--db", fresh])
    assert unplanned.exit_code == 0, unplanned.output
    assert h.count_rows(fresh, "events") == 3


def dataset_plugin() -> str:
    """A plugin shipping the ``river`` dataset: a sites plan and water tests beside it."""
    where = "gyengine" if hasattr(gyengine, "Dataset") else "gyengine.datasets"
    return f"""
        from pathlib import Path

        from {where} import Dataset
        from gyengine import hookimpl

        HERE = Path(__file__).parent

        @hookimpl
        def register_datasets():
            return [
                Dataset(
                    name="river",
                    title="河流 water tests (synthetic)",
                    plan=HERE / "river.toml",
                    events=[HERE / "river.jsonl"],
                    plan_recorded="2019-01-02",
                )
            ]
    """


def test_hook_register_datasets(tmp_path: Path) -> None:
    """register_datasets: a plugin's dataset is listed and written, plan and events, with their record times."""
    plugins = tmp_path / "plugins"
    write(plugins, "sites", SITES_PLUGIN)
    write(plugins, "water_quality", WATER_PLUGIN)
    write(plugins, "river", dataset_plugin())
    (plugins / "river.toml").write_text(SITES_PLAN.format(ph="6.0"), encoding="utf-8")
    recorded = ["2019-03-01T08:00:00Z", "2019-03-02T08:00:00Z"]
    lines = [
        {**event, "recorded": when} for event, when in zip(WATER_EVENTS, recorded, strict=True)
    ]
    (plugins / "river.jsonl").write_text(jsonl(lines), encoding="utf-8")
    listed = h.run_cli(["--plugins-dir", plugins, "demo", "list"])
    assert listed.exit_code == 0, listed.output
    assert "river: 河流 water tests (synthetic)" in listed.stdout.splitlines()
    db = tmp_path / "river.db"
    written = h.run_cli(
        ["--plugins-dir", plugins, "demo", "init", "--dataset", "river", "--db", db]
    )
    assert written.exit_code == 0, written.output
    assert written.stdout.startswith(f"wrote 4 events of river into {db}")
    rows = h.execute_query(db, "SELECT type, stream, recorded FROM events ORDER BY seq")
    assert rows == [
        ("SiteDefined", "plan/site/S1", "2019-01-02T00:00:00.000000Z"),
        ("SiteDefined", "plan/site/S2", "2019-01-02T00:00:00.000000Z"),
        ("WaterTested", "site/河口", "2019-03-01T08:00:00.000000Z"),
        ("WaterTested", "site/桥下", "2019-03-02T08:00:00.000000Z"),
    ]
    known = h.run_cli(
        [
            "--plugins-dir",
            plugins,
            "replay",
            "--db",
            db,
            "--known-at",
            "2019-03-01",
            "--format",
            "json",
        ]
    )
    assert known.exit_code == 0, known.output
    assert json.loads(known.stdout)["log"]["seq_to"] == 3
    unknown = h.run_cli(
        ["--plugins-dir", plugins, "demo", "init", "--dataset", "sea", "--db", tmp_path / "sea.db"]
    )
    assert h.one_line_error(unknown) == "Error: no dataset named 'sea'"


RENDERER_PLUGIN = """
    import attrs
    from gyengine import hookimpl

    @attrs.frozen
    class Outline:
        name: str = "outline"
        description: str = "the section titles, one a line"

        def render(self, document, output, options=None):
            output.write(document.title + "\\n")
            for section in document.sections:
                output.write("  " + section.title + "\\n")

    @hookimpl
    def register_renderers():
        return [Outline()]
"""

EXPORT_PLUGIN = """
    import attrs
    from gyengine import hookimpl

    @attrs.frozen
    class LinesExport:
        name: str = "lines"
        description: str = "one line per record"

        def export(self, replay, output):
            for item in replay.records:
                record = item.to_json()
                output.write(f"{record['evaluator']} {record['subject']} {record.get('value')}\\n")

    @attrs.frozen
    class TabbedCsv:
        name: str = "csv"
        description: str = "tab-separated, replacing the built-in CSV"

        def export(self, replay, output):
            for item in replay.records:
                output.write("\\t".join([item.evaluator, item.record.subject]) + "\\n")

    @hookimpl
    def register_exports():
        return [LinesExport(), TabbedCsv()]
"""


def test_hook_register_renderers(water: tuple[Path, Path]) -> None:
    """register_renderers: a plugin's renderer writes the replay's document and any report."""
    plugins, db = water
    write(plugins, "outline", RENDERER_PLUGIN)
    result = h.run_cli(
        ["--plugins-dir", plugins, "replay", "--db", db, "--all", "--format", "outline"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["gyengine replay", "  Scores", "  Findings", "  About"]
    board = h.run_cli(["--plugins-dir", plugins, "replay", "--db", db, "--format", "outline"])
    assert board.stdout.splitlines()[1:] == ["  " + s for s in _scoreboard_titles(db)]
    report = h.run_cli(
        ["--plugins-dir", plugins, "report", "results", "--db", db, "--format", "outline"]
    )
    assert report.stdout == result.stdout
    unknown = h.run_cli(["replay", "--db", db, "--format", "outline"])
    assert unknown.exit_code == 2
    assert "'outline' is not one of csv, html, json, markdown, table, terminal, xlsx" in (
        unknown.stderr
    )
    broken = h.make_plugin("shapeless", renderers=[object()])
    with pytest.raises(PluginError, match="plugin shapeless: register_renderers"):
        gyengine.plugins.build_renderers(
            gyengine.get_plugin_manager(entry_points=False, plugins=[broken])
        )


def _scoreboard_titles(db: Path) -> list[str]:
    """The section titles of the reports plugin's scoreboard of ``db`` (through the library)."""
    with gyengine.open(db) as engine:
        document = engine.report("scoreboard")
    return [section.title for section in document.sections]


def test_hook_register_exports(water: tuple[Path, Path]) -> None:
    """register_exports: a plugin's export is a --format choice, and replaces a built-in one of its name."""
    plugins, db = water
    write(plugins, "lines", EXPORT_PLUGIN)
    result = h.run_cli(["--plugins-dir", plugins, "replay", "--db", db, "--format", "lines"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["water 桥下 9.1", "water 河口 7.2"]
    replaced = h.run_cli(["--plugins-dir", plugins, "replay", "--db", db, "--format", "csv"])
    assert replaced.stdout.splitlines() == ["water\t桥下", "water\t河口"]
    report = h.run_cli(
        ["--plugins-dir", plugins, "report", "results", "--db", db, "-o", "x", "--format", "lines"]
    )
    assert report.exit_code == 2  # an export is no renderer: reports are documents
    shapeless = h.make_plugin("shapeless", exports=[object()])
    with pytest.raises(PluginError, match="plugin shapeless: register_exports"):
        gyengine.plugins.build_exports(
            gyengine.get_plugin_manager(entry_points=False, plugins=[shapeless])
        )


class OldReplayRenderer:
    """A replay renderer of before exports: ``render(replay, output)``, no kind."""

    name = "count"
    description = "the number of records"

    def render(self, replay: Replay, output: io.StringIO) -> None:
        output.write(f"{len(replay.records)}\n")


def test_an_old_replay_renderer_is_an_export_with_a_warning(water: tuple[Path, Path]) -> None:
    """A plugin's replay renderer from register_renderers still works, as an export, and is warned about."""
    plugins, db = water
    old = h.make_plugin("old", renderers=[OldReplayRenderer()])
    manager = gyengine.get_plugin_manager(entry_points=False, plugins_dir=plugins, plugins=[old])
    assert "count" not in gyengine.plugins.build_renderers(manager)
    with pytest.warns(DeprecationWarning, match="plugin old: replay renderer 'count' is an export"):
        exports = gyengine.plugins.build_exports(manager)
    assert set(exports) == {"count", "csv", "json"}
    with gyengine.Engine(gyengine.SQLiteEventStore(db), manager) as engine:
        replayed = engine.replay(save=False)
    written = io.StringIO()
    exports["count"].export(replayed, written)
    assert written.getvalue() == f"{len(replayed.records)}\n"


COMMAND_PLUGIN = """
    import click
    from gyengine import hookimpl

    @hookimpl
    def register_commands(cli):
        @cli.command()
        @click.option("--name", default="world", help="Whom to greet.")
        def hello(name):
            \"\"\"Greet someone.\"\"\"
            click.echo(f"hello {name}")
"""


def test_hook_register_commands(tmp_path: Path) -> None:
    """register_commands: a --plugins-dir plugin adds a click command that runs and shows in --help."""
    plugins = tmp_path / "plugins"
    write(plugins, "greeter", COMMAND_PLUGIN)
    result = h.run_cli(["--plugins-dir", plugins, "hello", "--name", "世界"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "hello 世界\n"
    listed = h.run_cli(["--plugins-dir", plugins, "--help"])
    assert any(line.split()[:1] == ["hello"] for line in listed.stdout.splitlines())
    info = json.loads(h.run_cli(["--plugins-dir", plugins, "plugins", "--json"]).stdout)
    assert next(p for p in info if p["name"] == "greeter")["hooks"] == ["register_commands"]


def test_plugin_command_needs_the_plugin(tmp_path: Path) -> None:
    """Without the plugin the command does not exist."""
    result = h.run_cli(["hello"])
    assert result.exit_code == 2
    assert "No such command 'hello'" in result.stderr


# -- meta-tests ---------------------------------------------------------------


def hook_names() -> list[str]:
    return sorted(
        name
        for name, value in vars(hookspecs).items()
        if callable(value) and getattr(value, "gyengine_spec", None) is not None
    )


def test_every_hook_has_a_test() -> None:
    """Every hookspec has a test_hook_<name> here, and every such test names a real hook."""
    hooks = hook_names()
    assert hooks, "no hookspecs found"
    assert all(name.startswith("register_") for name in hooks), hooks
    tests = {
        name.removeprefix("test_hook_")
        for name in globals()
        if name.startswith("test_hook_register_")
    }
    assert sorted(set(hooks) - tests) == [], "hooks without a test"
    assert sorted(tests - set(hooks)) == [], "tests of hooks that do not exist"


def test_every_hook_has_a_docstring() -> None:
    """Every hookspec says what it takes and returns."""
    for name in hook_names():
        doc = getattr(hookspecs, name).__doc__ or ""
        assert len(doc.strip()) > 40, name


REPORT_PLUGIN = """
from decimal import Decimal

from gyengine import Document, ReportKind, hookimpl
from gyengine.document import Column, Section, Table


def build(replay, period, lang):
    rows = [{"what": "events", "n": Decimal(replay.seq_to), "evidence": []}]
    table = Table("size", "size" if lang == "en" else "规模",
                  [Column("what", "what"), Column("n", "n", "number")], rows)
    return Document(title=f"log size {period.text}", lang=lang, synthetic=replay.synthetic,
                    meta=[("head", replay.head_hash)], sections=[Section("s", "s", [table])])


@hookimpl
def register_reports():
    return [ReportKind(name="size", period="month", build=build, evaluators=())]
"""


def test_hook_register_reports(tmp_path: Path) -> None:
    """register_reports: a plugin's report kind runs through `gyengine report` and a document renderer."""
    plugins = tmp_path / "plugins"
    write(plugins, "sizes", REPORT_PLUGIN)
    db = tmp_path / "r.db"
    assert h.run_cli(["init", "--db", db]).exit_code == 0
    result = h.run_cli(
        [
            "--plugins-dir",
            plugins,
            "report",
            "size",
            "--month",
            "2019-06",
            "--db",
            db,
            "--format",
            "json",
            "--lang",
            "en",
        ]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["title"] == "log size 2019-06"
    assert document["meta"] == [["head", "0" * 64]]
    [section] = document["sections"]
    assert section["blocks"][0]["title"] == "size"
    assert section["blocks"][0]["rows"] == [{"what": "events", "n": "0", "evidence": []}]
    wrong = h.run_cli(
        [
            "--plugins-dir",
            plugins,
            "report",
            "size",
            "--period",
            "2019-W23",
            "--db",
            db,
            "--format",
            "json",
        ]
    )
    assert wrong.exit_code == 2
    assert "the size report covers a month, not '2019-W23'" in wrong.stderr


def test_two_plugins_registering_one_report_name_are_both_named() -> None:
    """A report kind (like an evaluator) registered by two plugins is an error naming both."""
    from gyengine import ReportKind
    from gyengine.plugins import build_reports

    def plugin(plugin_name: str) -> object:
        class Plugin:
            __name__ = plugin_name

            @gyengine.hookimpl
            def register_reports(self) -> list[ReportKind]:
                return [ReportKind(name="weekly", period="week", build=lambda r, p, lang: None)]  # type: ignore[arg-type,return-value]

        return Plugin()

    manager = gyengine.get_plugin_manager(
        entry_points=False, plugins=[plugin("first"), plugin("second")]
    )
    with pytest.raises(gyengine.errors.PluginError) as caught:
        build_reports(manager)
    assert (
        str(caught.value) == "plugin second: report 'weekly' is registered by first and by second"
    )
