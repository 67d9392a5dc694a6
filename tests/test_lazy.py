"""lazy_exports: a package's names are imported when first used, then are ordinary attributes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGE = {
    "__init__.py": """
        from typing import Any

        from gyengine import lazy_exports

        built = []


        def _make() -> str:
            built.append(1)
            return "made"


        _exports = lazy_exports(
            __name__,
            {"Thing": ".things", "same": ".same"},
            ["things", "other"],
            built={"made": _make},
        )


        def __getattr__(name: str) -> Any:
            return _exports(name)
    """,
    "things.py": """
        class Thing:
            pass
    """,
    "other.py": "VALUE = 1\n",
    "same.py": "same = 'the name, not the module'\n",
}

SCRIPT = """
import sys
import lazypkg

assert "lazypkg.things" not in sys.modules  # nothing imported by the package's import
thing = lazypkg.Thing
assert thing.__name__ == "Thing" and "lazypkg.things" in sys.modules
assert lazypkg.__dict__["Thing"] is thing  # stored: the next lookup is a plain attribute
assert lazypkg.other.VALUE == 1  # a submodule
assert lazypkg.same == "the name, not the module"  # a name wins over its submodule
assert lazypkg.made == lazypkg.made == "made" and lazypkg.built == [1]  # built once
try:
    lazypkg.missing
except AttributeError as error:
    assert "no attribute 'missing'" in str(error)
else:
    raise AssertionError("an unknown name must raise AttributeError")
from lazypkg import Thing  # from-imports go through __getattr__ too
assert Thing is thing
print("ok")
"""


def test_lazy_exports(tmp_path: Path) -> None:
    """Names, submodules and built values resolve on first use, once, in a fresh interpreter."""
    package = tmp_path / "lazypkg"
    package.mkdir()
    for name, text in PACKAGE.items():
        (package / name).write_text(textwrap.dedent(text), "utf-8")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@pytest.mark.parametrize(
    "plugin",
    [
        "gyengine_banks",
        "gyengine_indicators",
        "gyengine_projects",
        "gyengine_reports",
        "gyengine_rules",
    ],
)
def test_loading_a_standard_plugin_imports_none_of_its_modules(plugin: str) -> None:
    """Importing a standard plugin package (as `gyengine plugins` does) loads only its __init__."""
    script = (
        "import sys, importlib\n"
        f"importlib.import_module({plugin!r})\n"
        f"print(sorted(m for m in sys.modules if m.startswith({plugin + '.'!r})))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.strip()
    # The reports plugin imports its (light) header module at once, by design.
    assert loaded == ("['gyengine_reports.header']" if plugin == "gyengine_reports" else "[]")
