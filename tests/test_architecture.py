"""Architecture: the engine never depends on a plugin, and plugins use only the public API."""

from __future__ import annotations

import ast
import importlib.util
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

import gyengine

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "src" / "gyengine"
PLUGINS = ROOT / "plugins"
DOMAIN_WORDS = ("indicator", "project", "bank", "reward")


def entry_point_packages() -> list[str]:
    """The top-level packages of the ``gyengine`` entry points declared in pyproject.toml."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    entry_points = pyproject["project"]["entry-points"]["gyengine"]
    return sorted({value.split(":")[0].split(".")[0] for value in entry_points.values()})


def plugin_directories() -> list[str]:
    """The packages under plugins/ (directories with an ``__init__.py``)."""
    return sorted(p.name for p in PLUGINS.iterdir() if (p / "__init__.py").is_file())


def plugin_packages() -> list[str]:
    """Every plugin package: those under plugins/ and those the entry points name."""
    return sorted(set(plugin_directories()) | set(entry_point_packages()))


def plugin_sources() -> list[Path]:
    """The Python files of every plugin package, wherever it lives."""
    files: set[Path] = set()
    for package in plugin_packages():
        spec = importlib.util.find_spec(package)
        assert spec is not None, package
        assert spec.submodule_search_locations, package
        for location in spec.submodule_search_locations:
            files.update(Path(location).rglob("*.py"))
    return sorted(files)


def engine_modules() -> list[Path]:
    return sorted(ENGINE.rglob("*.py"))


def _type_checking_only(tree: ast.AST) -> set[int]:
    """The ids of import nodes inside ``if TYPE_CHECKING:`` blocks."""
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                for inner in ast.walk(child):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        guarded.add(id(inner))
    return guarded


def imported_modules(source: str, *, runtime_only: bool = False) -> Iterator[tuple[int, str]]:
    """``(line, module)`` for every import in ``source``, and every module named to importlib."""
    tree = ast.parse(source)
    skip = _type_checking_only(tree) if runtime_only else set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) in ("importlib.import_module", "import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def plugin_imports(source: str, packages: list[str]) -> list[tuple[int, str]]:
    """The imports of ``source`` that reach into one of ``packages``."""
    return [
        (line, module)
        for line, module in imported_modules(source)
        if module.split(".")[0] in packages
    ]


def test_plugin_packages_are_found() -> None:
    """Every package under plugins/ is registered through the entry-point group, and every one imports."""
    directories = plugin_directories()
    assert {"gyengine_indicators", "gyengine_projects", "gyengine_timeliness"} <= set(directories)
    assert sorted(set(directories) - set(entry_point_packages())) == []
    assert "gyengine" not in plugin_packages()
    for package in plugin_packages():
        assert importlib.util.find_spec(package) is not None, package


@pytest.mark.parametrize(
    "source",
    [
        "import gyengine_projects",
        "import gyengine_projects.ledger as ledger",
        "from gyengine_timeliness import timeliness",
        "def f():\n    from gyengine_indicators.events import StatisticReported",
        "import importlib\nimportlib.import_module('gyengine_projects')",
        "__import__('gyengine_timeliness')",
    ],
    ids=["import", "submodule", "from", "inside-function", "importlib", "dunder-import"],
)
def test_the_import_check_catches_plugin_imports(source: str) -> None:
    """The check below finds every form of importing a plugin package."""
    packages = ["gyengine_indicators", "gyengine_projects", "gyengine_timeliness"]
    assert len(plugin_imports(source, packages)) == 1


def test_engine_never_imports_a_plugin() -> None:
    """No module under src/gyengine imports a package found under plugins/."""
    packages = plugin_packages()
    found = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in engine_modules()
        for line, module in plugin_imports(path.read_text(encoding="utf-8"), packages)
    ]
    assert found == []


def test_engine_names_no_plugin_package() -> None:
    """No string in the engine names a plugin package (no import by a computed name either)."""
    pattern = re.compile("|".join(re.escape(p) for p in plugin_packages()))
    found = []
    for path in engine_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and pattern.search(node.value)
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def domain_named(source: str) -> list[str]:
    """Classes, functions and their arguments, and assigned names with a domain word in them."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.append(node.name)
            if not isinstance(node, ast.ClassDef):
                names.extend(arg.arg for arg in ast.walk(node.args) if isinstance(arg, ast.arg))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.append(node.attr)
    return [n for n in names if any(word in n.lower() for word in DOMAIN_WORDS)]


def test_the_domain_word_check_catches_names() -> None:
    """The check below finds a domain word in a class, function, argument or variable name."""
    source = (
        "class BankCard: pass\n"
        "def score_project(x): pass\n"
        "def f(reward_rule): pass\n"
        "indicators = []\n"
        "def g():\n    '''About banks and projects.'''\n    return 'indicator'\n"
    )
    assert domain_named(source) == ["BankCard", "score_project", "reward_rule", "indicators"]


def test_engine_has_no_domain_names() -> None:
    """No module, class, function, argument or variable of the engine is named for the domain."""
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in engine_modules()
        for name in [path.stem, *domain_named(path.read_text(encoding="utf-8"))]
        if any(word in name.lower() for word in DOMAIN_WORDS)
    ]
    assert found == []


def test_only_the_cli_imports_click_at_run_time() -> None:
    """Only gyengine.cli imports click when running (others may for type checking only)."""
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in engine_modules()
        if path.name != "cli.py"
        for line, module in imported_modules(path.read_text(encoding="utf-8"), runtime_only=True)
        if module.split(".")[0] == "click"
    ]
    assert found == []


def public_names() -> dict[str, set[str]]:
    """The public API: ``gyengine``'s ``__all__`` and each public submodule's, by module."""
    import importlib

    names = {"gyengine": set(gyengine.__all__)}
    for module in gyengine.PUBLIC_MODULES:
        names[f"gyengine.{module}"] = set(importlib.import_module(f"gyengine.{module}").__all__)
    return names


def test_plugins_use_only_the_public_api() -> None:
    """Plugins import only names of ``gyengine.__all__`` or of a public submodule's ``__all__``."""
    public = public_names()
    problems = []
    for path in plugin_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            where = f"{path}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Import):
                problems += [
                    f"{where}: import {a.name}"
                    for a in node.names
                    if a.name.startswith("gyengine.") and a.name not in public
                ]
            elif isinstance(node, ast.ImportFrom) and node.module:
                if node.module.split(".")[0] != "gyengine":
                    continue
                if node.module not in public:
                    problems.append(f"{where}: from {node.module} (not a public module)")
                    continue
                problems += [
                    f"{where}: {node.module}.{a.name} is not public"
                    for a in node.names
                    if a.name not in public[node.module]
                ]
    assert problems == []


def test_the_public_api_is_at_most_40_names_from_one_table() -> None:
    """``__all__`` is the table's names, at most 40, sorted; each resolves to its table module."""
    import importlib

    assert len(gyengine.__all__) <= 40
    assert gyengine.__all__ == sorted(gyengine.PUBLIC)
    for name, module in gyengine.PUBLIC.items():
        home = importlib.import_module(f"gyengine.{module}")
        assert getattr(gyengine, name) is getattr(home, name), name
        assert name in home.__all__, f"gyengine.{module} does not export {name}"
    assert not set(gyengine.MOVED) & set(gyengine.PUBLIC)


def test_the_type_checking_imports_are_the_table() -> None:
    """The imports for type checkers in ``gyengine/__init__.py`` list exactly the table, from its modules."""
    tree = ast.parse((ENGINE / "__init__.py").read_text(encoding="utf-8"))
    guarded = _type_checking_only(tree)
    found = {
        alias.name: node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and id(node) in guarded
        for alias in node.names
        if alias.asname == alias.name  # `X as X`: an explicit re-export
    }
    assert found == dict(gyengine.PUBLIC)


def _error_classes() -> list[type]:
    """Every GyengineError subclass defined in any module of src/gyengine (importing them all)."""
    import importlib
    import pkgutil

    from gyengine.errors import GyengineError

    for info in pkgutil.walk_packages(gyengine.__path__, "gyengine."):
        if info.name != "gyengine.postgres":  # needs psycopg, an extra
            importlib.import_module(info.name)
    found: list[type] = []
    pending = [GyengineError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return [
        cls
        for cls in found
        if cls.__module__ == "gyengine" or cls.__module__.startswith("gyengine.")
    ]


def test_every_error_lives_in_errors_and_is_exported() -> None:
    """Each GyengineError subclass of the engine is defined in gyengine.errors, in its
    ``__all__``, reachable as ``gyengine.errors.X``, and documented in one line."""
    errors = _error_classes()
    assert len(errors) >= 20
    for cls in errors:
        assert cls.__module__ == "gyengine.errors", f"{cls.__module__}.{cls.__name__}"
        assert cls.__name__ in gyengine.errors.__all__, cls.__name__
        assert getattr(gyengine.errors, cls.__name__) is cls
        assert cls.__doc__, cls.__name__


@pytest.mark.parametrize(
    ("old", "home"),
    [
        ("evaluation", "EvaluatorError"),
        ("eventchecks", "EventRefused"),
        ("plan", "PlanInvalid"),
        ("plugins", "PluginError"),
        ("replay", "BrokenChain"),
    ],
    ids=lambda v: v,
)
def test_errors_are_still_found_in_their_old_modules(old: str, home: str) -> None:
    """An error that moved into gyengine.errors is still importable from the module it was in."""
    import importlib

    assert getattr(importlib.import_module(f"gyengine.{old}"), home) is getattr(
        gyengine.errors, home
    )


def test_a_moved_name_is_found_with_a_deprecation_warning() -> None:
    """A name gyengine's top level exported before (``Section``) still resolves, and says where it lives."""
    with pytest.warns(DeprecationWarning, match="import Section from gyengine.document"):
        section = gyengine.Section
    assert section is gyengine.document.Section
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        gyengine.Nothing  # noqa: B018 - the lookup is the test


MAX_FUNCTION_LINES = 100
LONG_FUNCTIONS_ALLOWED: set[tuple[str, str]] = set()


def long_functions(source: str, limit: int = MAX_FUNCTION_LINES) -> Iterator[tuple[str, int, int]]:
    """``(qualified name, first line, length)`` of every function in ``source`` longer than ``limit`` lines.

    The length counts from the ``def`` line to the last line of the body (decorators excluded).
    """

    def visit(node: ast.AST, prefix: str) -> Iterator[tuple[str, int, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    assert child.end_lineno is not None
                    length = child.end_lineno - child.lineno + 1
                    if length > limit:
                        yield name, child.lineno, length
                yield from visit(child, f"{name}.")
            else:
                yield from visit(child, prefix)

    yield from visit(ast.parse(source), "")


def test_the_length_check_names_long_functions() -> None:
    """The check below finds a long function, method or nested function, and passes a short one."""
    body = "".join(f"    x{i} = {i}\n" for i in range(4))
    source = (
        f"def short():\n{body}"
        f"class C:\n    async def method(self):\n{body.replace('    ', '        ')}"
        f"def outer():\n    def inner():\n{body.replace('    ', '        ')}    return inner\n"
    )
    assert list(long_functions(source, limit=4)) == [
        ("short", 1, 5),
        ("C.method", 7, 5),
        ("outer", 12, 7),
        ("outer.inner", 13, 5),
    ]
    assert list(long_functions(source, limit=6)) == [("outer", 12, 7)]
    assert list(long_functions(source, limit=7)) == []


def test_no_function_is_longer_than_100_lines() -> None:
    """No function in src/ or plugins/ is over 100 lines (issue 12): split it into named steps."""
    found = []
    for path in sorted([*ENGINE.rglob("*.py"), *PLUGINS.rglob("*.py")]):
        where = path.relative_to(ROOT).as_posix()
        for name, line, length in long_functions(path.read_text(encoding="utf-8")):
            if (where, name) in LONG_FUNCTIONS_ALLOWED:
                continue
            found.append(f"{where}:{line}: {name} is {length} lines")
    assert not found, "over 100 lines:\n" + "\n".join(found)


# -- results are picked by the names their plugins export ---------------------------

DOMAIN_PLUGINS = (
    "gyengine_indicators",
    "gyengine_projects",
    "gyengine_banks",
    "gyengine_rules",
    "gyengine_supervision",
    "gyengine_timeliness",
)


def result_names() -> dict[str, str]:
    """Every evaluator and metric name the domain plugins export: value -> where."""
    known: dict[str, str] = {}
    for package in DOMAIN_PLUGINS:
        module = importlib.import_module(f"{package}.names")
        for attribute, value in vars(module).items():
            if attribute.isupper() and isinstance(value, str):
                known.setdefault(value, f"{package}.names.{attribute}")
    return known


PICKERS = frozenset({"scores", "has", "results_of", "findings", "records"})
"""Calls that pick results by evaluator and metric (the View's and ReplayContext's)."""
NAMED = frozenset({"evaluator", "metric", "ev", "rule"})
"""Names and attributes that hold an evaluator's or metric's name."""


def _named(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr in NAMED
    return isinstance(node, ast.Name) and node.id in NAMED


def _picking(tree: ast.AST) -> Iterator[ast.AST]:
    """The expressions of ``tree`` that name results: arguments of a picking call, what
    an evaluator or metric is compared with, and what a ``metric`` loop runs over."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in PICKERS:
                yield from node.args
        elif isinstance(node, ast.Compare) and any(
            _named(part) for part in (node.left, *node.comparators)
        ):
            yield from (node.left, *node.comparators)
        elif isinstance(node, ast.For | ast.comprehension) and _named(node.target):
            yield node.iter


def named_literals(source: str, known: dict[str, str]) -> list[str]:
    """The string literals of ``source`` that pick a result by a known name of its own."""
    found = {
        (const.lineno, const.value)
        for expression in _picking(ast.parse(source))
        for const in ast.walk(expression)
        if isinstance(const, ast.Constant) and isinstance(const.value, str)
        if const.value in known
    }
    return [f"{line}: {value!r} (use {known[value]})" for line, value in sorted(found)]


def test_every_domain_plugin_exports_its_evaluator_name() -> None:
    """Each domain plugin's names module names its evaluator, and the name is registered."""
    from gyengine.plugins import build_event_types  # noqa: F401  (the host is importable)

    for package in DOMAIN_PLUGINS:
        module = importlib.import_module(f"{package}.names")
        assert isinstance(module.EVALUATOR, str), package
        assert module.EVALUATOR, package
    assert {"indicators", "projects", "investment", "quarterly_score"} <= set(result_names())


def test_the_literal_check_catches_a_result_name() -> None:
    """A result picked by a literal name is caught; the same word as a column key is not."""
    known = {"investment": "P.INVESTMENT", "projects": "P.EVALUATOR", "top": "B.TOP"}
    source = (
        '"""investment"""\n'
        'x = view.scores(P.EVALUATOR, "investment")\n'
        'row = {"investment": 1, "projects": 2}\n'
        'y = [s for s in records if s.evaluator == "projects"]\n'
        'for metric in ("top", B.BOTTOM):\n'
        "    pass\n"
    )
    assert named_literals(source, known) == [
        "2: 'investment' (use P.INVESTMENT)",
        "4: 'projects' (use P.EVALUATOR)",
        "5: 'top' (use B.TOP)",
    ]


def test_the_reports_plugin_picks_results_by_imported_names() -> None:
    """plugins/gyengine_reports names no evaluator or metric by a literal of its own."""
    known = result_names()
    problems = [
        f"{path.relative_to(ROOT)}:{problem}"
        for path in sorted((PLUGINS / "gyengine_reports").rglob("*.py"))
        for problem in named_literals(path.read_text(encoding="utf-8"), known)
    ]
    assert problems == []
