"""Every error gyengine raises on purpose derives from :class:`GyengineError`.

Each subclass is named for its condition and carries the data a caller needs on
attributes; ``str(error)`` is one line fit for a terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .chain import ChainProblem

__all__ = [
    "BrokenChain",
    "CanonicalizationError",
    "ConcurrencyError",
    "CorruptDatabase",
    "DatabaseNotFound",
    "DatabaseNotInitialised",
    "DatabaseUnavailable",
    "DiskFull",
    "DuplicateEventType",
    "EvaluatorError",
    "EventRefused",
    "GyengineError",
    "IdConflict",
    "InvalidEvent",
    "KeyFileError",
    "NotAGyengineDatabase",
    "PlanInvalid",
    "PlanRequired",
    "PluginError",
    "UnknownEventType",
    "UnknownFormat",
    "UnknownPlan",
    "UnknownReport",
    "UnknownSupersededEvent",
    "UnreadableRow",
    "WrongPeriod",
]


class GyengineError(Exception):
    """Base class of every error gyengine raises on purpose."""

    hint: str | None = None


class CanonicalizationError(GyengineError, ValueError):
    """A value has no RFC 8785 canonical form (NaN, a huge integer, a lone surrogate...)."""


class InvalidEvent(GyengineError, ValueError):
    """An event failed validation; ``source``, ``line`` and ``field`` say where."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.field = field
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.source is not None:
            where = f"{self.source}:{self.line}: " if self.line is not None else f"{self.source}: "
        elif self.line is not None:
            where = f"line {self.line}: "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"

    def located(self, source: str, line: int) -> InvalidEvent:
        """Return a copy of this error that names ``source:line``."""
        return type(self)(self.message, source=source, line=line, field=self.field)


class EventRefused(InvalidEvent):
    """An event contradicts the plan in force; ``index`` is its place in the batch (0-based)."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
        index: int | None = None,
    ) -> None:
        super().__init__(message, source=source, line=line, field=field)
        self.index = index


class UnknownEventType(InvalidEvent):
    """The event's ``type`` is not registered by gyengine or any plugin."""


class UnknownSupersededEvent(InvalidEvent):
    """``supersedes`` names an event id that is not in the log."""


class DuplicateEventType(GyengineError):
    """Two registrations claim one event type name and schema version."""

    def __init__(self, name: str, schema: int, first: str, second: str) -> None:
        self.name, self.schema, self.first, self.second = name, schema, first, second
        super().__init__(
            f"event type {name!r} schema {schema} is registered twice: by {first} and by {second}"
        )


class ConcurrencyError(GyengineError):
    """A stream was not at the version the writer expected."""

    def __init__(self, stream: str, expected: int, actual: int) -> None:
        self.stream, self.expected, self.actual = stream, expected, actual
        super().__init__(
            f"stream {stream!r} is at version {actual}, but version {expected} was expected"
        )
        self.hint = "read the stream again and retry with its current version"


class IdConflict(GyengineError):
    """An event id is already used by an event with other content."""

    def __init__(self, event_id: str, seq: int | None) -> None:
        self.event_id, self.seq = event_id, seq
        where = f"seq {seq}" if seq is not None else "an earlier event of this batch"
        super().__init__(f"event id {event_id!r} is already used by {where} with other content")


class DatabaseNotFound(GyengineError):
    """There is no database file at the given path (or not even its directory)."""

    def __init__(self, path: str, *, directory_missing: bool = False) -> None:
        self.path = path
        if directory_missing:
            super().__init__(f"cannot create {path}: its directory does not exist")
            self.hint = "create the directory first, or name another path with --db"
        else:
            super().__init__(f"no gyengine database at {path}")
            self.hint = "create one with `gyengine init`, or name another with --db or $GYENGINE_DB"


class NotAGyengineDatabase(GyengineError):
    """The file is not a gyengine database (another program's SQLite file, or not SQLite)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"{path} is not a gyengine database: {reason}")


class DatabaseNotInitialised(NotAGyengineDatabase):
    """The file is an empty SQLite database (or the PostgreSQL database has no gyengine
    tables) that ``gyengine init`` has not set up."""

    def __init__(
        self, path: str, reason: str = "it is an empty SQLite file", init: str = "gyengine init"
    ) -> None:
        super().__init__(path, reason)
        self.hint = f"set it up with `{init}`"


class DatabaseUnavailable(GyengineError):
    """A database server cannot be reached or refuses the work (no server, no such database,
    a lost connection, a lock held too long)."""

    def __init__(self, url: str, reason: str) -> None:
        self.url, self.reason = url, reason
        super().__init__(f"{url}: {reason}")


class DiskFull(GyengineError):
    """SQLite could not write: the disk (or the database's size limit) is full."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"no space left on device writing {path}")


def is_disk_full(error: BaseException) -> bool:
    """Whether a SQLite error is ``SQLITE_FULL`` (``database or disk is full``), not damage."""
    import sqlite3

    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == sqlite3.SQLITE_FULL
    return "database or disk is full" in str(error)


class CorruptDatabase(GyengineError):
    """SQLite reports the database file as damaged."""

    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"{path} is damaged: {reason}")


class KeyFileError(GyengineError):
    """The key that seals checkpoints and saved runs cannot be read or created."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class UnreadableRow(GyengineError):
    """The row at ``seq`` cannot be read at all (a text column that is not UTF-8)."""

    def __init__(self, seq: int, detail: str) -> None:
        super().__init__(f"seq {seq}: {detail}")
        self.seq = seq
        self.detail = detail
        self.hint = "run `gyengine verify` to find the first broken row"


def _plan_list(plans: list[str], limit: int = 12) -> str:
    shown = ", ".join(plans[:limit])
    return shown + (f", ... ({len(plans)} in all)" if len(plans) > limit else "")


class PlanRequired(GyengineError):
    """The log holds many plans and the command must be told which (``--plan``)."""

    def __init__(self, plans: list[str]) -> None:
        self.plans = plans
        super().__init__(f"the log holds {len(plans)} plans: {_plan_list(plans)}")
        self.hint = "choose one with --plan ID (replay takes --plan all for each in turn)"


class UnknownPlan(GyengineError):
    """``--plan`` names a plan the log does not hold."""

    def __init__(self, plan: str, plans: list[str]) -> None:
        self.plan = plan
        self.plans = plans
        super().__init__(
            f"no plan {plan!r} in the log (plans: {_plan_list(plans) if plans else 'none'})"
        )


class BrokenChain(GyengineError):
    """The log fails verification, and the replay was not told to go on regardless."""

    def __init__(self, problem: ChainProblem) -> None:
        self.problem = problem
        super().__init__(f"the log fails verification at {problem}")
        self.hint = "run `gyengine verify` for details, or replay with --allow-broken-chain"


class EvaluatorError(GyengineError):
    """An evaluator raised while folding an event or computing its results."""

    def __init__(
        self,
        *,
        plugin: str,
        evaluator: str,
        seq: int | None,
        event_type: str | None,
        cause: BaseException,
    ) -> None:
        self.plugin, self.evaluator, self.seq, self.event_type = plugin, evaluator, seq, event_type
        self.cause = cause
        where = f"at seq {seq} ({event_type})" if seq is not None else "while computing its results"
        super().__init__(
            f"evaluator {evaluator!r} of plugin {plugin} failed {where}: "
            f"{type(cause).__name__}: {cause}"
        )
        self.hint = "run with --debug for the traceback"


class PlanInvalid(GyengineError):
    """A plan file has problems; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class PluginError(GyengineError):
    """A plugin could not be loaded, or registered something invalid."""

    def __init__(self, plugin: str, message: str) -> None:
        self.plugin = plugin
        super().__init__(f"plugin {plugin}: {message}")


class UnknownReport(GyengineError, LookupError):
    """No plugin registers a report kind of this name; ``known`` lists those there are."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name, self.known = name, sorted(known)
        super().__init__(f"no report kind {name!r} (kinds: {', '.join(self.known) or 'none'})")


class UnknownFormat(GyengineError, LookupError):
    """No renderer or export has this name; ``known`` lists those there are."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name, self.known = name, sorted(known)
        super().__init__(f"{name!r} is not one of {', '.join(self.known)}")


class WrongPeriod(GyengineError, ValueError):
    """A report was asked for a period it does not cover: ``covers`` is the kind of period
    it covers (None: none), ``given`` the period asked for (None: none)."""

    def __init__(self, report: str, covers: str | None, given: str | None) -> None:
        self.report, self.covers, self.given = report, covers, given
        if covers is None:
            message = f"the {report} report covers no period"
        elif given is None:
            message = f"the {report} report covers a {covers}"
        else:
            message = f"the {report} report covers a {covers}, not {given!r}"
        super().__init__(message)
