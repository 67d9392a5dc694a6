"""gyengine: supervise a development plan from an immutable, hash-chained event log.

The public API is the names in ``__all__`` and the public submodules in
:data:`PUBLIC_MODULES` (``gyengine.errors``: every error; ``gyengine.document``:
the parts of a report document; ``gyengine.evaluation``: the evaluator
contract; ``gyengine.plugins``: the plugin host). Plugins use nothing else;
everything else may change. The names are imported on first use, so that
``gyengine --help`` and a plugin that needs only ``hookimpl`` start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from . import lazy as _lazy

# The one table of the public names: each with the module that defines it.
# ``__all__`` and the lazy imports are made from it; the imports for type
# checkers below must list the same names (a test compares them).
PUBLIC: Final = {
    # The library: open a log, append, replay, report, explain, verify.
    "open": "engine",
    "open_store": "engine",
    "Engine": "engine",
    "AppendResult": "store",
    "Audit": "engine",
    "Explanation": "engine",
    "PlanLoad": "engine",
    "NewEvent": "events",
    "Event": "events",
    "StoredEvent": "events",
    "EventStore": "store",
    "SQLiteEventStore": "store",
    "Replay": "replay",
    "ResultRecord": "replay",
    "Period": "timeutil",
    "parse_period": "timeutil",
    "Quantity": "quantity",
    "Document": "document",
    # The errors met most; every error is in gyengine.errors.
    "GyengineError": "errors",
    "InvalidEvent": "errors",
    # Writing a plugin: its hooks and what they return.
    "hookimpl": "hookspecs",
    "lazy_exports": "lazy",
    "get_plugin_manager": "plugins",
    "event_type": "events",
    "Evaluator": "evaluation",
    "ReplayContext": "evaluation",
    "Score": "evaluation",
    "Finding": "evaluation",
    "ANY_TYPE": "evaluation",
    "EventCheck": "eventchecks",
    "check_subject": "eventchecks",
    "Plan": "plan",
    "PlanSection": "plan",
    "PlanProblem": "plan",
    "ReportKind": "reports",
    "Renderer": "rendering",
    "Export": "exports",
    "Dataset": "datasets",
}

PUBLIC_MODULES: Final = ("document", "errors", "evaluation", "plugins")
"""The submodules that are public API too, each with its own ``__all__``."""

# Names this package exported before 0.x (issue 12) and where each lives now:
# still found, with a DeprecationWarning. Those in a module of PUBLIC_MODULES
# are public there; the others are not public API any more.
MOVED: Final = {
    **dict.fromkeys(
        ("BarChart", "Column", "GridChart", "LineChart", "Paragraph", "Section", "Table"),
        "gyengine.document",
    ),
    **dict.fromkeys(
        (
            "BrokenChain",
            "ConcurrencyError",
            "DatabaseNotFound",
            "EvaluatorError",
            "EventRefused",
            "IdConflict",
            "NotAGyengineDatabase",
            "PluginError",
            "UnknownEventType",
        ),
        "gyengine.errors",
    ),
    **dict.fromkeys(("FINDING_KINDS", "STATUSES"), "gyengine.evaluation"),
    **dict.fromkeys(("PluginManager", "build_event_types"), "gyengine.plugins"),
    **dict.fromkeys(
        ("EventRetracted", "EventTypes", "PendingEvent", "SyntheticDataDeclared"),
        "gyengine.events",
    ),
    **dict.fromkeys(("GENESIS_HASH", "canonicalize", "event_hash"), "gyengine.canonical"),
    **dict.fromkeys(("Head", "VerifyResult"), "gyengine.store"),
    "EvidenceEvent": "gyengine.engine",
    "ReplayOptions": "gyengine.replay",
    "parse_timestamp": "gyengine.timeutil",
}

if TYPE_CHECKING:
    # `X as X`: re-exported for mypy --strict, which cannot read __all__ built from PUBLIC.
    from .datasets import Dataset as Dataset
    from .document import Document as Document
    from .engine import Audit as Audit
    from .engine import Engine as Engine
    from .engine import Explanation as Explanation
    from .engine import PlanLoad as PlanLoad
    from .engine import open as open
    from .engine import open_store as open_store
    from .errors import GyengineError as GyengineError
    from .errors import InvalidEvent as InvalidEvent
    from .evaluation import ANY_TYPE as ANY_TYPE
    from .evaluation import Evaluator as Evaluator
    from .evaluation import Finding as Finding
    from .evaluation import ReplayContext as ReplayContext
    from .evaluation import Score as Score
    from .eventchecks import EventCheck as EventCheck
    from .eventchecks import check_subject as check_subject
    from .events import Event as Event
    from .events import NewEvent as NewEvent
    from .events import StoredEvent as StoredEvent
    from .events import event_type as event_type
    from .exports import Export as Export
    from .hookspecs import hookimpl as hookimpl
    from .lazy import lazy_exports as lazy_exports
    from .plan import Plan as Plan
    from .plan import PlanProblem as PlanProblem
    from .plan import PlanSection as PlanSection
    from .plugins import get_plugin_manager as get_plugin_manager
    from .quantity import Quantity as Quantity
    from .rendering import Renderer as Renderer
    from .replay import Replay as Replay
    from .replay import ResultRecord as ResultRecord
    from .reports import ReportKind as ReportKind
    from .store import AppendResult as AppendResult
    from .store import EventStore as EventStore
    from .store import SQLiteEventStore as SQLiteEventStore
    from .timeutil import Period as Period
    from .timeutil import parse_period as parse_period

__all__ = sorted(PUBLIC)

_exports = _lazy.lazy_exports(
    __name__,
    {name: f".{module}" for name, module in PUBLIC.items()},
    PUBLIC_MODULES,
    moved=MOVED,
)


def __getattr__(name: str) -> Any:
    return _exports(name)


def __dir__() -> list[str]:
    return sorted([*__all__, *PUBLIC_MODULES])
