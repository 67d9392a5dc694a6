"""Finding and loading plugins, and collecting what they register.

Plugins come from the ``gyengine`` entry-point group and from ``*.py`` files in
a ``--plugins-dir``. Build a fresh manager with :func:`get_plugin_manager` (one
per CLI run, one per test); nothing here is module-global state.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any, Final

import pluggy

from . import hookspecs
from .errors import DuplicateEventType, GyengineError
from .events import EventTypes

__all__ = ["ENTRY_POINT_GROUP", "PluginError", "build_event_types", "get_plugin_manager"]

ENTRY_POINT_GROUP: Final = "gyengine"


class PluginError(GyengineError):
    """A plugin could not be loaded or registered something invalid."""

    def __init__(self, plugin: str, message: str) -> None:
        self.plugin = plugin
        super().__init__(f"plugin {plugin}: {message}")


def _load_file(path: Path) -> ModuleType:
    name = f"gyengine_plugins_dir.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - only for odd files
        raise PluginError(path.name, "cannot be imported")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise PluginError(str(path), f"failed to import: {type(error).__name__}: {error}") from None
    return module


def get_plugin_manager(
    *,
    entry_points: bool = True,
    plugins_dir: str | Path | None = None,
    plugins: Iterable[Any] = (),
) -> pluggy.PluginManager:
    """Build a plugin manager with gyengine's hookspecs and the plugins found.

    Args:
        entry_points: load the ``gyengine`` entry-point group.
        plugins_dir: also load every ``*.py`` file in this directory.
        plugins: plugin objects (modules or classes) to register as well.

    Raises:
        PluginError: naming the plugin that failed to import or validate.
    """
    manager = pluggy.PluginManager("gyengine")
    manager.add_hookspecs(hookspecs)
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
            _register(manager, plugin, entry_point.name)
    if plugins_dir is not None:
        directory = Path(plugins_dir)
        if not directory.is_dir():
            raise PluginError(str(directory), "--plugins-dir is not a directory")
        for path in sorted(directory.glob("*.py")):
            _register(manager, _load_file(path), path.stem)
    for plugin in plugins:
        _register(manager, plugin, getattr(plugin, "__name__", None))
    return manager


def _register(manager: pluggy.PluginManager, plugin: Any, name: str | None) -> None:
    try:
        manager.register(plugin, name=name)
        manager.check_pending()
    except pluggy.PluginValidationError as error:
        manager.unregister(plugin)
        raise PluginError(name or repr(plugin), str(error).splitlines()[0]) from None
    except ValueError as error:
        raise PluginError(name or repr(plugin), str(error)) from None


def _hook_results(manager: pluggy.PluginManager, hook_name: str) -> list[tuple[str, list[Any]]]:
    """Call a ``register_*`` hook plugin by plugin, returning ``(plugin name, list)`` sorted by name."""
    results = []
    for impl in getattr(manager.hook, hook_name).get_hookimpls():
        name = manager.get_name(impl.plugin) or repr(impl.plugin)
        try:
            value = impl.function()
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
