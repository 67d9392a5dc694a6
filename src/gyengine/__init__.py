"""gyengine: supervise a development plan from an immutable, hash-chained event log.

The names below are the public API; everything else may change.
"""

from .canonical import GENESIS_HASH, canonicalize, event_hash
from .errors import (
    ConcurrencyError,
    DatabaseNotFound,
    GyengineError,
    IdConflict,
    InvalidEvent,
    NotAGyengineDatabase,
    UnknownEventType,
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
from .plugins import PluginError, build_event_types, get_plugin_manager
from .store import AppendResult, EventStore, Head, SQLiteEventStore, VerifyResult
from .timeutil import Period, parse_period

__all__ = [
    "GENESIS_HASH",
    "AppendResult",
    "ConcurrencyError",
    "DatabaseNotFound",
    "Event",
    "EventRetracted",
    "EventStore",
    "EventTypes",
    "GyengineError",
    "Head",
    "IdConflict",
    "InvalidEvent",
    "NewEvent",
    "NotAGyengineDatabase",
    "PendingEvent",
    "Period",
    "PluginError",
    "SQLiteEventStore",
    "StoredEvent",
    "UnknownEventType",
    "VerifyResult",
    "build_event_types",
    "canonicalize",
    "event_hash",
    "event_type",
    "get_plugin_manager",
    "hookimpl",
    "parse_period",
]
