"""gyengine: supervise a development plan from an immutable, hash-chained event log.

The names below are the public API, the only one plugins use; everything else
may change.
"""

from .canonical import GENESIS_HASH, canonicalize, event_hash
from .engine import Engine, EvidenceEvent, Explanation, open
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
    Evaluator,
    EvaluatorError,
    Finding,
    ReplayContext,
    Score,
)
from .events import (
    Event,
    EventRetracted,
    EventTypes,
    NewEvent,
    PendingEvent,
    StoredEvent,
    event_type,
)
from .hookspecs import hookimpl
from .plugins import PluginError, PluginManager, build_event_types, get_plugin_manager
from .render import Renderer
from .replay import BrokenChain, Replay, ReplayOptions, ResultRecord
from .store import AppendResult, EventStore, Head, SQLiteEventStore, VerifyResult
from .timeutil import Period, parse_period, parse_timestamp

__all__ = [
    "ANY_TYPE",
    "FINDING_KINDS",
    "GENESIS_HASH",
    "AppendResult",
    "BrokenChain",
    "ConcurrencyError",
    "DatabaseNotFound",
    "Engine",
    "Evaluator",
    "EvaluatorError",
    "Event",
    "EventRetracted",
    "EventStore",
    "EventTypes",
    "EvidenceEvent",
    "Explanation",
    "Finding",
    "GyengineError",
    "Head",
    "IdConflict",
    "InvalidEvent",
    "NewEvent",
    "NotAGyengineDatabase",
    "PendingEvent",
    "Period",
    "PluginError",
    "PluginManager",
    "Renderer",
    "Replay",
    "ReplayContext",
    "ReplayOptions",
    "ResultRecord",
    "SQLiteEventStore",
    "Score",
    "StoredEvent",
    "UnknownEventType",
    "VerifyResult",
    "build_event_types",
    "canonicalize",
    "event_hash",
    "event_type",
    "get_plugin_manager",
    "hookimpl",
    "open",
    "parse_period",
    "parse_timestamp",
]
