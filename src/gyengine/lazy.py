"""Package attributes imported on first use (PEP 562), for packages that must load fast.

gyengine imports every plugin whenever it loads plugins, ``gyengine --help``
included; a plugin whose ``__init__`` imports its evaluators, payload classes and
renderers makes every command slower. With :func:`lazy_exports` those names are
imported when something first uses them.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str,
    names: Mapping[str, str],
    submodules: Iterable[str] = (),
    *,
    built: Mapping[str, Callable[[], Any]] | None = None,
    moved: Mapping[str, str] | None = None,
) -> Callable[[str], Any]:
    """Return a module ``__getattr__`` that imports a package's exports on first use.

    In a package's ``__init__.py``::

        _exports = lazy_exports(__name__, {"evaluator": ".ledger"}, ["events"])


        def __getattr__(name: str) -> Any:
            return _exports(name)

    Args:
        package: the package's ``__name__``.
        names: each exported name and the module that defines it, relative to
            ``package`` (``".ledger"``) or absolute. A name wins over a submodule
            of the same name.
        submodules: submodules of ``package`` to import when used as attributes.
        built: names whose value a function builds on first use.
        moved: names the package exported once and now keeps elsewhere, each
            with the module that has it (absolute): still found, with a
            ``DeprecationWarning`` naming that module, and never stored, so
            that every use is warned about.

    Each value is stored in the package's namespace the first time it is looked
    up, so every later lookup is an ordinary attribute. An unknown name raises
    ``AttributeError``, as a module without ``__getattr__`` would.
    """
    exported = dict(names)
    modules = frozenset(submodules)
    makers = dict(built or {})
    elsewhere = dict(moved or {})

    def __getattr__(name: str) -> Any:
        if name in elsewhere:
            home = elsewhere[name]
            warnings.warn(
                f"{package}.{name} is deprecated: import {name} from {home}",
                DeprecationWarning,
                # 3: past this function and the package's own __getattr__, to the user
                stacklevel=3,
            )
            return getattr(importlib.import_module(home), name)
        if name in makers:
            value = makers[name]()
        elif name in exported:
            value = getattr(importlib.import_module(exported[name], package), name)
        elif name in modules:
            return importlib.import_module(f".{name}", package)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
