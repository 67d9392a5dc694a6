"""The rendering package: a module per format, the stylesheet shipped as package data, the old modules kept."""

from __future__ import annotations

import fnmatch
import importlib
import io
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from gyengine import document
from gyengine.plugins import build_renderers, get_plugin_manager
from gyengine.rendering import BUILTIN_RENDERERS, Renderer, builtin_renderers
from gyengine.rendering.html import stylesheet

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "src" / "gyengine"


def test_the_stylesheet_is_package_data_found_by_importlib_resources() -> None:
    """report.css is found through importlib.resources (as in an installed wheel), not by a path in the tree."""
    css = resources.files("gyengine.rendering").joinpath("report.css")
    assert css.is_file()
    text = css.read_text(encoding="utf-8")
    assert "@page { size: A4;" in text
    assert "url(" not in text  # no fetch: the page stays self-contained
    assert stylesheet() == text


def test_the_html_page_holds_the_stylesheet_inline() -> None:
    """The HTML format writes the whole of report.css into its <style> element."""
    renderer = build_renderers(get_plugin_manager(entry_points=False), "document")["html"]
    out = io.StringIO()
    renderer.render(document.Document(title="t"), out)
    assert f"<style>\n{stylesheet()}</style>\n" in out.getvalue()


def _packages_in(root: Path, prefix: str) -> set[str]:
    return {
        ".".join((prefix, *init.parent.relative_to(root).parts))
        for init in root.rglob("__init__.py")
    }


def test_the_wheel_lists_every_engine_package_and_its_data() -> None:
    """pyproject names every package under src/gyengine and every non-Python file in them as package data.

    The packages are listed by hand (setuptools does not find them), so a new
    subpackage or data file left out would be missing from the wheel while
    every test run from the source tree passes.
    """
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    engine = _packages_in(ENGINE, "gyengine")
    assert engine <= set(setup["packages"])
    for package in sorted(engine):
        folder = ENGINE.joinpath(*package.split(".")[1:])
        data = {
            p.name
            for p in folder.iterdir()
            if p.is_file() and p.suffix not in (".py", ".pyc") and not p.name.startswith(".")
        }
        patterns = setup["package-data"].get(package, [])
        left_out = {name for name in data if not any(fnmatch.fnmatch(name, p) for p in patterns)}
        assert left_out == set(), package


def test_the_registry_is_what_the_builtin_plugin_registers() -> None:
    """Every class of the registry is registered once, in its order, each from its format's module."""
    made = builtin_renderers()
    assert [type(r).__name__ for r in made] == list(BUILTIN_RENDERERS)
    assert [type(r).__module__ for r in made] == [
        "gyengine.rendering" + module for module in BUILTIN_RENDERERS.values()
    ]
    manager = get_plugin_manager(entry_points=False)
    registered = build_renderers(manager).values()
    assert sorted(type(r).__name__ for r in registered) == sorted(BUILTIN_RENDERERS)
    assert all(isinstance(r, Renderer) for r in registered)
    with pytest.raises(ValueError, match="renderers write documents"):
        build_renderers(manager, "replay")


def test_importing_the_package_imports_no_format() -> None:
    """gyengine.rendering alone (the protocols, the registry) imports none of the format modules."""
    code = (
        "import sys, gyengine.rendering\n"
        "print(sorted(m for m in sys.modules if m.startswith('gyengine.rendering.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


RENDERING_MODULES = [
    "gyengine.rendering",
    *("gyengine.rendering" + module for module in sorted(set(BUILTIN_RENDERERS.values()))),
    "gyengine.rendering.charts",
    "gyengine.rendering.common",
    "gyengine.rendering.scoreboard",
]


@pytest.mark.parametrize("old", ["gyengine.render", "gyengine.docrender"])
def test_the_old_modules_re_export_the_new_objects(old: str) -> None:
    """gyengine.render and gyengine.docrender still import, and give the very objects of gyengine.rendering."""
    module = importlib.import_module(old)
    assert len(module.__all__) >= 5
    homes = [importlib.import_module(name) for name in RENDERING_MODULES]
    for name in module.__all__:
        found = [home for home in homes if name in vars(home)]
        assert found, f"{old}.{name} is defined in no gyengine.rendering module"
        assert all(vars(home)[name] is getattr(module, name) for home in found), name
