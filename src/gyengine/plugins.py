"""Finding and loading plugins, and collecting what they register.

Plugins come from the ``gyengine`` entry-point group and from ``*.py`` files in
a ``--plugins-dir``; gyengine's own built-in behaviour (the replay renderers)
is a plugin too, registered first. Build a fresh manager with
:func:`get_plugin_manager` (one per CLI run, one per test): nothing here is
module-global state.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import inspect
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs
import pluggy

from . import hookspecs
from .errors import DuplicateEventType, PluginError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .datasets import Dataset
    from .evaluation import Evaluator
    from .eventchecks import EventCheck
    from .events import EventTypes
    from .exports import Export
    from .plan import PlanSection
    from .rendering import Renderer
    from .reports import ReportKind

__all__ = [
    "BUILTIN_PLUGINS",
    "ENTRY_POINT_GROUP",
    "PluginError",
    "PluginManager",
    "build_datasets",
    "build_evaluators",
    "build_event_checks",
    "build_event_types",
    "build_exports",
    "build_plan_sections",
    "build_renderers",
    "build_reports",
    "get_plugin_manager",
    "plugin_info",
]

ENTRY_POINT_GROUP: Final = "gyengine"
BUILTIN_PLUGINS: Final = ("gyengine.builtin",)
"""Modules of gyengine's own behaviour, registered like any plugin."""


class PluginManager(pluggy.PluginManager):
    """pluggy's manager, remembering each plugin's version and where it came from."""

    def __init__(self) -> None:
        super().__init__("gyengine")
        self.add_hookspecs(hookspecs)
        self.versions: dict[str, str] = {}
        self.sources: dict[str, str] = {}


def _load_file(path: Path) -> ModuleType:
    name = f"gyengine_plugins_dir_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - only for odd files
        raise PluginError(path.name, "cannot be imported")
    module = importlib.util.module_from_spec(spec)
    # In sys.modules before it runs, as an import would: attrs and cattrs resolve
    # postponed annotations (`from __future__ import annotations`) through it.
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[name]
        raise PluginError(str(path), f"failed to import: {type(error).__name__}: {error}") from None
    return module


def get_plugin_manager(
    *,
    entry_points: bool = True,
    plugins_dir: str | Path | None = None,
    plugins: Iterable[Any] = (),
    builtins: bool = True,
) -> PluginManager:
    """Build a plugin manager with gyengine's hookspecs and the plugins found.

    Args:
        entry_points: load the ``gyengine`` entry-point group.
        plugins_dir: also load every ``*.py`` file in this directory.
        plugins: plugin objects (modules, classes or instances) to register too.
        builtins: register gyengine's built-in plugin (the replay renderers).

    Raises:
        PluginError: naming the plugin that failed to import or validate.
    """
    manager = PluginManager()
    if builtins:
        for module_name in BUILTIN_PLUGINS:
            module = importlib.import_module(module_name)
            _register(manager, module, module_name, "builtin", _engine_version())
    if entry_points:
        for entry_point in sorted(
            importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name
        ):
            if manager.get_plugin(entry_point.name) is not None:
                continue
            try:
                plugin = entry_point.load()
            except Exception as error:
                raise PluginError(
                    entry_point.name, f"failed to import: {type(error).__name__}: {error}"
                ) from None
            version = entry_point.dist.version if entry_point.dist is not None else None
            _register(manager, plugin, entry_point.name, "entry point", version)
    if plugins_dir is not None:
        directory = Path(plugins_dir)
        if not directory.is_dir():
            raise PluginError(str(directory), "--plugins-dir is not a directory")
        for path in sorted(directory.glob("*.py")):
            _register(manager, _load_file(path), path.stem, f"plugins dir {directory}", None)
    for plugin in plugins:
        name = getattr(plugin, "__name__", None) or type(plugin).__name__
        _register(manager, plugin, name, "given", None)
    return manager


def _engine_version() -> str:
    try:
        return importlib.metadata.version("gyengine")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a tree
        return "0+unknown"


def _register(
    manager: PluginManager, plugin: Any, name: str, source: str, version: str | None
) -> None:
    if manager.get_plugin(name) is not None:
        raise PluginError(
            name, f"a plugin named {name!r} is already loaded ({manager.sources[name]})"
        )
    try:
        manager.register(plugin, name=name)
    except pluggy.PluginValidationError as error:
        raise PluginError(name, _validation_message(error)) from None
    except ValueError as error:
        raise PluginError(name, str(error)) from None
    # An implementation of a hook gyengine does not define is a typo, not an extension.
    for hook_name in sorted(_hook_names(plugin)):
        if not hasattr(hookspecs, hook_name):
            manager.unregister(plugin)
            known = ", ".join(sorted(_spec_names()))
            raise PluginError(name, f"implements unknown hook {hook_name!r} (hooks: {known})")
    manager.versions[name] = version or str(getattr(plugin, "__version__", "unknown"))
    manager.sources[name] = source


def _validation_message(error: pluggy.PluginValidationError) -> str:
    """pluggy's message on one line: which hook, its definition and what is wrong with it."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    definition = next((x for x in lines if x.startswith("hookimpl definition: ")), None)
    problems = [x for x in lines[1:] if x is not definition]
    if definition is None or not problems:
        return " ".join(lines)
    signature = definition.removeprefix("hookimpl definition: ")
    return f"hook {signature}: {' '.join(problems)}"


def _spec_names() -> list[str]:
    return [n for n, f in vars(hookspecs).items() if n.startswith("register_") and callable(f)]


def _hook_names(plugin: Any) -> list[str]:
    names = []
    for attr in dir(plugin):
        try:
            value = getattr(plugin, attr)
        except Exception:
            continue
        if callable(value) and getattr(value, "gyengine_impl", None) is not None:
            names.append(attr)
    return names


def plugin_info(manager: PluginManager) -> list[dict[str, Any]]:
    """Each plugin's name, version, source and hooks, sorted by name."""
    info = []
    for name, plugin in manager.list_name_plugin():
        if plugin is None:  # pragma: no cover - blocked plugins
            continue
        info.append(
            {
                "name": name,
                "version": manager.versions.get(name, "unknown"),
                "source": manager.sources.get(name, "unknown"),
                "hooks": sorted(_hook_names(plugin)),
            }
        )
    return sorted(info, key=lambda item: item["name"])


def _hook_results(manager: pluggy.PluginManager, hook_name: str) -> list[tuple[str, list[Any]]]:
    """Call a ``register_*`` hook plugin by plugin: ``(plugin name, list)`` sorted by name."""
    results = []
    for impl in getattr(manager.hook, hook_name).get_hookimpls():
        name = manager.get_name(impl.plugin) or repr(impl.plugin)
        try:
            value = impl.function()
        except TypeError as error:
            if "argument" in str(error):
                raise PluginError(name, f"{hook_name}() has the wrong arguments: {error}") from None
            raise PluginError(name, f"{hook_name}() raised TypeError: {error}") from None
        except Exception as error:
            raise PluginError(
                name, f"{hook_name}() raised {type(error).__name__}: {error}"
            ) from None
        if value is None:
            continue
        if not isinstance(value, (list, tuple)):
            raise PluginError(name, f"{hook_name}() must return a list, not {type(value).__name__}")
        results.append((name, list(value)))
    return sorted(results, key=lambda item: item[0])


def build_event_types(manager: pluggy.PluginManager) -> EventTypes:
    """Collect every plugin's payload classes and upcasters into a registry.

    Raises:
        PluginError: when a plugin registers something invalid or a name twice.
    """
    from .events import EventTypes

    registry = EventTypes()
    for name, classes in _hook_results(manager, "register_event_types"):
        for cls in classes:
            try:
                registry.register(cls, owner=name)
            except DuplicateEventType as error:
                raise PluginError(name, str(error)) from None
            except (TypeError, ValueError) as error:
                raise PluginError(name, f"register_event_types(): {error}") from None
    for name, triples in _hook_results(manager, "register_upcasters"):
        for triple in triples:
            try:
                type_name, from_schema, function = triple
                registry.register_upcaster(type_name, from_schema, function)
            except (TypeError, ValueError) as error:
                raise PluginError(name, f"register_upcasters(): {error}") from None
    return registry


T = TypeVar("T")


def _collect(
    manager: pluggy.PluginManager,
    hook_name: str,
    cls: type[T],
    label: Callable[[T], str],
) -> dict[str, tuple[T, str]]:
    """Every plugin's items of one ``register_*`` hook: ``key -> (item, plugin name)``.

    ``label(item)`` is how an item is named in errors (``evaluator 'x'``); its
    key is the item's ``name``.

    Raises:
        PluginError: for an item that is not a ``cls``, or a name two plugins register.
    """
    found: dict[str, tuple[T, str]] = {}
    for plugin, items in _hook_results(manager, hook_name):
        for item in items:
            if not isinstance(item, cls):
                raise PluginError(
                    plugin, f"{hook_name}() returned {type(item).__name__}, not {cls.__name__}"
                )
            key = str(getattr(item, "name"))  # noqa: B009 - every collected class has a name
            if key in found:
                other = found[key][1]
                raise PluginError(plugin, f"{label(item)} is registered by {other} and by {plugin}")
            found[key] = (item, plugin)
    return found


def build_evaluators(manager: pluggy.PluginManager) -> dict[str, tuple[Evaluator, str]]:
    """Collect every plugin's evaluators: ``name -> (evaluator, plugin name)``.

    Raises:
        PluginError: for something that is not an Evaluator, or a name used twice.
    """
    from .evaluation import Evaluator

    return _collect(manager, "register_evaluators", Evaluator, lambda e: f"evaluator {e.name!r}")


def build_plan_sections(manager: pluggy.PluginManager) -> dict[str, PlanSection]:
    """Collect the plan sections of every plugin, by name.

    Raises:
        PluginError: for something that is not a PlanSection, or a section owned twice.
    """
    from .plan import PlanSection

    found = _collect(
        manager, "register_plan_sections", PlanSection, lambda s: f"plan section [{s.name}]"
    )
    return {key: item for key, (item, _) in found.items()}


def build_event_checks(manager: pluggy.PluginManager) -> list[EventCheck]:
    """Collect the event checks of every plugin, sorted by name.

    Raises:
        PluginError: for something that is not an EventCheck, or a name used twice.
    """
    from .eventchecks import EventCheck

    found = _collect(
        manager, "register_event_checks", EventCheck, lambda c: f"event check {c.name!r}"
    )
    return [item for _, (item, _) in sorted(found.items())]


def build_datasets(manager: pluggy.PluginManager) -> dict[str, Dataset]:
    """Collect the datasets of every plugin, by name."""
    from .datasets import Dataset

    found = _collect(manager, "register_datasets", Dataset, lambda d: f"dataset {d.name!r}")
    return {key: item for key, (item, _) in found.items()}


def _overriding(
    manager: pluggy.PluginManager,
    hook_name: str,
    check: Callable[[str, Any], T | None],
    what: str,
) -> dict[str, T]:
    """Items of a ``register_*`` hook by name, a plugin's replacing gyengine's own of that name.

    ``check(plugin, item)`` returns the item to keep, None to leave it out, or
    raises PluginError.

    Raises:
        PluginError: for a name one side registers twice, or an item ``check`` refuses.
    """
    theirs: dict[str, tuple[T, str]] = {}
    builtin: dict[str, tuple[T, str]] = {}
    for plugin, items in _hook_results(manager, hook_name):
        for item in items:
            kept = check(plugin, item)
            if kept is None:
                continue
            name = str(getattr(kept, "name"))  # noqa: B009 - check() made sure there is one
            target = builtin if plugin in BUILTIN_PLUGINS else theirs
            if name in target:
                other = target[name][1]
                by = "twice" if other == plugin else f"by {other} and by {plugin}"
                raise PluginError(plugin, f"{what} {name!r} is registered {by}")
            target[name] = (kept, plugin)
    return {name: item for name, (item, _) in {**builtin, **theirs}.items()}


def build_reports(manager: pluggy.PluginManager) -> dict[str, ReportKind]:
    """Collect the report kinds of every plugin, by name.

    A plugin's kind replaces a built-in one of the same name (gyengine's own
    ``results``).

    Raises:
        PluginError: for something that is not a ReportKind, or a name used twice.
    """
    from .reports import ReportKind

    def check(plugin: str, item: Any) -> ReportKind:
        if not isinstance(item, ReportKind):
            raise PluginError(
                plugin, f"register_reports() returned {type(item).__name__}, not ReportKind"
            )
        return item

    return _overriding(manager, "register_reports", check, "report")


def _named(plugin: str, hook_name: str, item: Any, method: str) -> None:
    if not isinstance(getattr(item, "name", None), str) or not callable(
        getattr(item, method, None)
    ):
        raise PluginError(plugin, f"{hook_name}() items need a name and {method}()")


def _takes_options(render: Callable[..., Any]) -> bool:
    """Whether ``render`` accepts ``(document, output, options)``, as a renderer's must."""
    try:
        inspect.signature(render).bind(None, None, None)
    except TypeError:
        return False
    except ValueError:  # no signature to read (a builtin): take it at its word
        return True
    return True


def _is_replay_renderer(item: Any) -> bool:
    """Whether a ``register_renderers`` item is a replay renderer of before exports
    (``kind = "replay"``, or a ``render(replay, output)`` that takes no options)."""
    kind = getattr(item, "kind", None)
    return kind == "replay" or (kind is None and not _takes_options(item.render))


def build_renderers(manager: pluggy.PluginManager, kind: str = "document") -> dict[str, Renderer]:
    """Collect every plugin's renderers by name (a plugin's replaces a built-in one of its name).

    ``kind`` is a leftover of when replays had renderers of their own: only
    ``"document"`` is accepted. Replay renderers registered the old way are
    exports now (:func:`build_exports`) and left out here.

    Raises:
        PluginError: for an item without a name or a ``render``, or a name used twice.
    """
    if kind != "document":
        raise ValueError(f"renderers write documents; for {kind!r} see build_exports()")

    def check(plugin: str, item: Any) -> Any:
        _named(plugin, "register_renderers", item, "render")
        return None if _is_replay_renderer(item) else item

    return _overriding(manager, "register_renderers", check, "renderer")


@attrs.frozen
class _ReplayRendererExport:
    """A replay renderer of before exports (``render(replay, output)``), exported as it was."""

    renderer: Any

    @property
    def name(self) -> str:
        return str(self.renderer.name)

    @property
    def description(self) -> str:
        return str(getattr(self.renderer, "description", ""))

    def export(self, replay: Any, output: Any) -> None:
        self.renderer.render(replay, output)


def build_exports(manager: pluggy.PluginManager) -> dict[str, Export]:
    """Collect every plugin's exports by name (a plugin's replaces a built-in one of its name).

    A replay renderer that a plugin still returns from ``register_renderers``
    (``render(replay, output)``) is taken as an export of its name, with a
    ``DeprecationWarning``: it should move to ``register_exports``.

    Raises:
        PluginError: for an item without a name or an ``export``, or a name used twice.
    """

    def check(plugin: str, item: Any) -> Any:
        _named(plugin, "register_exports", item, "export")
        return item

    found = _overriding(manager, "register_exports", check, "export")

    def legacy(plugin: str, item: Any) -> Any:
        _named(plugin, "register_renderers", item, "render")
        if not _is_replay_renderer(item):
            return None
        warnings.warn(
            f"plugin {plugin}: replay renderer {item.name!r} is an export now;"
            " return it from register_exports with export(replay, output)",
            DeprecationWarning,
            stacklevel=2,
        )
        return _ReplayRendererExport(item)

    return {**found, **_overriding(manager, "register_renderers", legacy, "renderer")}


def call_register_commands(manager: pluggy.PluginManager, cli: Any) -> None:
    """Let every plugin add its commands to the click group ``cli``."""
    for impl in sorted(
        manager.hook.register_commands.get_hookimpls(),
        key=lambda impl: manager.get_name(impl.plugin) or "",
    ):
        name = manager.get_name(impl.plugin) or repr(impl.plugin)
        try:
            impl.function(cli=cli)
        except Exception as error:
            raise PluginError(
                name, f"register_commands() raised {type(error).__name__}: {error}"
            ) from None
