"""The hooks a gyengine plugin can implement.

``register_*`` hooks return lists (datasette's convention). gyengine collects
every plugin's list and sorts what it gets by stable keys, so the order in which
pluggy calls plugins (last registered first) never shows in any output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from .datasets import Dataset
    from .evaluation import Evaluator
    from .eventchecks import EventCheck
    from .exports import Export
    from .plan import PlanSection
    from .rendering import Renderer
    from .reports import ReportKind

__all__ = ["hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("gyengine")
hookimpl = pluggy.HookimplMarker("gyengine")


@hookspec
def register_event_types() -> list[type]:  # type: ignore[empty-body]
    """Return the payload classes (frozen attrs classes) this plugin defines.

    Each registers under the name and schema given by :func:`gyengine.event_type`,
    or under its class name at schema 1. Two plugins registering one name is an
    error that names both plugins.
    """


@hookspec
def register_upcasters() -> list[tuple[str, int, Any]]:  # type: ignore[empty-body]
    """Return ``(type name, from schema, function)`` triples.

    Each function takes a payload dict of schema ``from schema`` and returns the
    dict of schema ``from schema + 1``. Stored rows are never rewritten: old
    rows are upcast each time they are read.
    """


@hookspec
def register_evaluators() -> list[Evaluator]:  # type: ignore[empty-body]
    """Return the evaluators this plugin provides.

    An evaluator names the event types it consumes and the evaluators whose
    results it reads (``requires``), folds events into serialisable state and
    yields :class:`~gyengine.Score` and :class:`~gyengine.Finding` records
    from it. Evaluator names are unique across all plugins.
    """


@hookspec
def register_plan_sections() -> list[PlanSection]:  # type: ignore[empty-body]
    """Return the plan-file sections this plugin owns.

    A :class:`~gyengine.PlanSection` names its TOML key (``indicator`` for
    ``[[indicator]]``), the attrs class of one item (also a registered event
    type: each item becomes a definition event), and an optional ``check(plan)``
    for whole-plan checks. Two plugins owning one section is an error.
    """


@hookspec
def register_event_checks() -> list[EventCheck]:  # type: ignore[empty-body]
    """Return the checks that events of this plugin's types must pass before they are appended.

    An :class:`~gyengine.EventCheck` names the event types it governs and a
    ``check(plan, event)`` yielding ``(field, message)`` for each way the event
    contradicts the plan in force (an unknown subject, a unit of another
    dimension, a stream that names another subject). The first problem refuses
    the whole append. A log without a plan governs nothing: no check runs.
    Check names are unique across all plugins.
    """


@hookspec
def register_datasets() -> list[Dataset]:  # type: ignore[empty-body]
    """Return bundled datasets: a plan file and event files for people to explore.

    ``gyengine demo init`` writes one into a database, and ``gyengine replay``
    with no database replays the one marked ``default`` in memory.
    """


@hookspec
def register_renderers() -> list[Renderer]:  # type: ignore[empty-body]
    """Return renderers: objects with a ``name``, a ``description`` and a ``render``.

    ``render(document, output, options)`` writes a :class:`~gyengine.Document`
    (the ``--format`` choices of ``gyengine report``, and of ``gyengine
    replay`` for its table); ``binary = True`` renderers get a binary
    ``output``. The protocol and gyengine's own renderers are in
    :mod:`gyengine.rendering`. A plugin's renderer with the name of a built-in
    one replaces it. (A replay renderer of before, ``render(replay, output)``,
    is taken as an export with a ``DeprecationWarning``: see
    :func:`register_exports`.)
    """


@hookspec
def register_exports() -> list[Export]:  # type: ignore[empty-body]
    """Return exports: objects with a ``name``, a ``description`` and an ``export``.

    ``export(replay, output)`` writes a :class:`~gyengine.Replay`'s records as
    data to a text stream (the ``--format`` choices of ``gyengine replay``
    besides its table). gyengine's own are ``json`` and ``csv``
    (:mod:`gyengine.exports`); a plugin's export with the name of a built-in
    one replaces it.
    """


@hookspec
def register_reports() -> list[ReportKind]:  # type: ignore[empty-body]
    """Return the kinds of report this plugin publishes (weekly summary, monthly bulletin...).

    A :class:`~gyengine.ReportKind` names the report (``gyengine report NAME``),
    the kind of period it covers (``week``, ``month``, ``quarter``..., or None)
    and a ``build(replay, period, lang)`` that turns a replay into a
    :class:`~gyengine.Document`, which the renderers then write. A plugin's
    kind with the name of a built-in one (``results``) replaces it.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands to the ``gyengine`` command group ``cli``.

    Nothing is returned: decorate functions with ``@cli.command()``.
    """
