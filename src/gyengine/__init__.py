"""gyengine: supervise a development plan from an immutable, hash-chained event log.

The names in ``__all__`` are the public API, the only one plugins use; everything
else may change. They are imported on first use, so that ``gyengine --help``
and a plugin that needs only ``hookimpl`` start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .lazy import lazy_exports

if TYPE_CHECKING:
    from .canonical import GENESIS_HASH, canonicalize, event_hash
    from .datasets import Dataset
    from .document import (
        BarChart,
        Column,
        Document,
        GridChart,
        LineChart,
        Paragraph,
        Section,
        Table,
    )
    from .engine import Engine, EvidenceEvent, Explanation, open, open_store
    from .errors import (
        ConcurrencyError,
        DatabaseNotFound,
        GyengineError,
        IdConflict,
        InvalidEvent,
        NotAGyengineDatabase,
        UnknownEventType,
    )
    from .evaluation import (
        ANY_TYPE,
        FINDING_KINDS,
        STATUSES,
        Evaluator,
        EvaluatorError,
        Finding,
        ReplayContext,
        Score,
    )
    from .eventchecks import EventCheck, EventRefused, check_subject
    from .events import (
        Event,
        EventRetracted,
        EventTypes,
        NewEvent,
        PendingEvent,
        StoredEvent,
        SyntheticDataDeclared,
        event_type,
    )
    from .hookspecs import hookimpl
    from .plan import Plan, PlanProblem, PlanSection
    from .plugins import PluginError, PluginManager, build_event_types, get_plugin_manager
    from .progress import ProgressBar, progress_bar
    from .quantity import Quantity
    from .rendering import Renderer
    from .replay import BrokenChain, Replay, ReplayOptions, ResultRecord
    from .reports import ReportKind
    from .store import AppendResult, EventStore, Head, SQLiteEventStore, VerifyResult
    from .timeutil import Period, parse_period, parse_timestamp

_MODULES = {
    "ANY_TYPE": "evaluation",
    "AppendResult": "store",
    "BarChart": "document",
    "BrokenChain": "replay",
    "Column": "document",
    "ConcurrencyError": "errors",
    "DatabaseNotFound": "errors",
    "Dataset": "datasets",
    "Document": "document",
    "Engine": "engine",
    "Evaluator": "evaluation",
    "EvaluatorError": "evaluation",
    "Event": "events",
    "EventCheck": "eventchecks",
    "EventRefused": "eventchecks",
    "ProgressBar": "progress",
    "EventRetracted": "events",
    "EventStore": "store",
    "EventTypes": "events",
    "EvidenceEvent": "engine",
    "Explanation": "engine",
    "FINDING_KINDS": "evaluation",
    "Finding": "evaluation",
    "GENESIS_HASH": "canonical",
    "GridChart": "document",
    "GyengineError": "errors",
    "Head": "store",
    "IdConflict": "errors",
    "InvalidEvent": "errors",
    "LineChart": "document",
    "NewEvent": "events",
    "NotAGyengineDatabase": "errors",
    "Paragraph": "document",
    "PendingEvent": "events",
    "Period": "timeutil",
    "Plan": "plan",
    "PlanProblem": "plan",
    "PlanSection": "plan",
    "PluginError": "plugins",
    "PluginManager": "plugins",
    "Quantity": "quantity",
    "Renderer": "rendering",
    "Replay": "replay",
    "ReplayContext": "evaluation",
    "ReplayOptions": "replay",
    "ReportKind": "reports",
    "ResultRecord": "replay",
    "SQLiteEventStore": "store",
    "STATUSES": "evaluation",
    "Score": "evaluation",
    "Section": "document",
    "StoredEvent": "events",
    "SyntheticDataDeclared": "events",
    "Table": "document",
    "UnknownEventType": "errors",
    "VerifyResult": "store",
    "build_event_types": "plugins",
    "canonicalize": "canonical",
    "check_subject": "eventchecks",
    "progress_bar": "progress",
    "event_hash": "canonical",
    "event_type": "events",
    "get_plugin_manager": "plugins",
    "hookimpl": "hookspecs",
    "lazy_exports": "lazy",
    "open": "engine",
    "open_store": "engine",
    "parse_period": "timeutil",
    "parse_timestamp": "timeutil",
}

__all__ = [
    "ANY_TYPE",
    "FINDING_KINDS",
    "GENESIS_HASH",
    "STATUSES",
    "AppendResult",
    "BarChart",
    "BrokenChain",
    "Column",
    "ConcurrencyError",
    "DatabaseNotFound",
    "Dataset",
    "Document",
    "Engine",
    "Evaluator",
    "EvaluatorError",
    "Event",
    "EventCheck",
    "EventRefused",
    "EventRetracted",
    "EventStore",
    "EventTypes",
    "EvidenceEvent",
    "Explanation",
    "Finding",
    "GridChart",
    "GyengineError",
    "Head",
    "IdConflict",
    "InvalidEvent",
    "LineChart",
    "NewEvent",
    "NotAGyengineDatabase",
    "Paragraph",
    "PendingEvent",
    "Period",
    "Plan",
    "PlanProblem",
    "PlanSection",
    "PluginError",
    "PluginManager",
    "ProgressBar",
    "Quantity",
    "Renderer",
    "Replay",
    "ReplayContext",
    "ReplayOptions",
    "ReportKind",
    "ResultRecord",
    "SQLiteEventStore",
    "Score",
    "Section",
    "StoredEvent",
    "SyntheticDataDeclared",
    "Table",
    "UnknownEventType",
    "VerifyResult",
    "build_event_types",
    "canonicalize",
    "check_subject",
    "event_hash",
    "event_type",
    "get_plugin_manager",
    "hookimpl",
    "lazy_exports",
    "open",
    "open_store",
    "parse_period",
    "parse_timestamp",
    "progress_bar",
]


_exports = lazy_exports(__name__, {name: f".{module}" for name, module in _MODULES.items()})


def __getattr__(name: str) -> Any:
    return _exports(name)


def __dir__() -> list[str]:
    return sorted(__all__)
