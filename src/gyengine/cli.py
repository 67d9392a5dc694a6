"""The ``gyengine`` command line.

Only this module imports click. Heavy imports (rich, the store, plugins) happen
inside commands so that ``gyengine --help`` answers at once.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

import click

from .progress import count_lines, progress_bar

if TYPE_CHECKING:
    from rich.console import Console

    from .datasets import Dataset
    from .engine import Engine
    from .events import EventTypes
    from .plugins import PluginManager
    from .reports import ReportKind
    from .store import EventStore
    from .timeutil import Period

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DB = "gyengine.db"


class State:
    """What the top-level options decided, and the plugins loaded on demand."""

    def __init__(self, plugins_dir: str | None, *, debug: bool = False) -> None:
        self.plugins_dir = plugins_dir
        self.debug = debug
        self._manager: PluginManager | None = None
        self._registry: EventTypes | None = None
        self.db_path: str | None = None

    @property
    def manager(self) -> PluginManager:
        if self._manager is None:
            from .plugins import get_plugin_manager

            self._manager = get_plugin_manager(plugins_dir=self.plugins_dir)
        return self._manager

    @property
    def registry(self) -> EventTypes:
        if self._registry is None:
            from .plugins import build_event_types

            self._registry = build_event_types(self.manager)
        return self._registry

    def default_dataset(self) -> Dataset:
        from .errors import GyengineError
        from .plugins import build_datasets

        datasets = build_datasets(self.manager)
        for dataset in sorted(datasets.values(), key=lambda d: d.name):
            if dataset.default:
                return dataset
        raise GyengineError("no database, and no plugin provides a default dataset")

    def dataset_engine(self, dataset: Dataset) -> Engine:
        """An engine over an in-memory store holding ``dataset``."""
        from .datasets import load_dataset, open_cached_dataset
        from .engine import Engine
        from .memory import MemoryEventStore
        from .plugins import build_plan_sections

        sections = build_plan_sections(self.manager)
        versions = self.manager.versions
        cached = open_cached_dataset(dataset, self.registry, sections, versions, self.sources())
        if cached is not None:
            self.db_path = f"<{dataset.name}, prebuilt at {cached.path}>"
            return Engine(cached, self.manager)
        self.db_path = f"<{dataset.name} in memory>"
        store = MemoryEventStore()
        # Unchecked against the plan: a bundled dataset is checked when `demo init`
        # writes it (and by the tests); every replay without a database need not pay again.
        load_dataset(store, self.registry, sections, dataset)
        return Engine(store, self.manager)

    def sources(self) -> list[Path]:
        """The folders of gyengine's and every plugin's modules (for the dataset cache's key)."""
        folders = {Path(__file__).parent}
        for plugin in self.manager.get_plugins():
            module = sys.modules.get(getattr(plugin, "__module__", None) or "")
            where = getattr(plugin, "__file__", None) or getattr(module, "__file__", None)
            if where:
                folders.add(Path(where).parent)
        return sorted(folders)

    def open_engine(self, db: str) -> Engine:
        from .engine import Engine

        return Engine(self.open_store(db), self.manager)

    def open_store(self, db: str, *, create: bool = False) -> EventStore:
        from .engine import open_store

        self.db_path = db
        return open_store(db, create=create)

    def holds_log(self, db: str) -> bool:
        """Whether ``db`` is already a gyengine log (a SQLite file, or a database with its tables)."""
        from .errors import DatabaseNotInitialised

        if not _is_url(db):
            return Path(db).exists() and Path(db).stat().st_size > 0
        try:
            self.open_store(db).close()
        except DatabaseNotInitialised:
            return False
        return True


def _is_url(db: str) -> bool:
    """Whether --db is a database URL rather than a file (psycopg is not imported to tell)."""
    return db.startswith(("postgresql://", "postgres://"))


def _fail(message: str, hint: str | None = None) -> click.ClickException:
    from .document import printable

    # Messages quote the data (ids, file lines): no control character of it reaches the terminal.
    return click.ClickException(printable(message + (f"\n\n{hint}" if hint else "")))


class UsageError(click.ClickException):
    """A bad option value: one line, and exit code 2 as click gives usage errors."""

    exit_code = 2


def handle_errors(function: F) -> F:
    """Turn gyengine's own errors into one-line messages and a non-zero exit code."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import sqlite3

        from .errors import DiskFull, GyengineError, is_disk_full

        state = click.get_current_context().find_object(State)
        try:
            return function(*args, **kwargs)
        except GyengineError as error:
            if state is not None and state.debug:
                import traceback

                traceback.print_exception(error.__cause__ or error, file=sys.stderr)
                raise _fail(str(error)) from None
            raise _fail(str(error), error.hint) from None
        except sqlite3.DatabaseError as error:
            where = state.db_path if state and state.db_path else "the database"
            if is_disk_full(error):
                raise _fail(str(DiskFull(where))) from None
            raise _fail(f"{where} is damaged or unreadable: {error}") from None
        except Exception as error:
            # psycopg is imported only once a postgresql:// URL is opened.
            psycopg = sys.modules.get("psycopg")
            if psycopg is None or not isinstance(error, psycopg.Error):
                raise
            from .postgres import redacted

            where = redacted(state.db_path) if state and state.db_path else "the database"
            reason = "; ".join(line.strip() for line in str(error).splitlines() if line.strip())
            raise _fail(f"{where}: {reason}") from None

    return cast(F, wrapper)


def db_option(function: F) -> F:
    """The ``--db`` option every command that opens the log takes."""
    return click.option(
        "--db",
        "db",
        default=DEFAULT_DB,
        envvar="GYENGINE_DB",
        show_default=True,
        show_envvar=True,
        help="The event database: a SQLite file, or a PostgreSQL database as postgresql://user@host/db.",
        # No dir_okay=False: the store's own one-line error is clearer than click's usage text.
        type=click.Path(),
    )(function)


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True)


class PluginGroup(click.Group):
    """The top-level group: plugins' commands (``register_commands``) join it on first use."""

    _loaded_for: tuple[str | None] | None = None
    _builtin: frozenset[str] | None = None

    @staticmethod
    def _plugins_dir(ctx: click.Context) -> str | None:
        import os

        value = ctx.meta.get("gyengine.plugins_dir") or os.environ.get("GYENGINE_PLUGINS_DIR")
        return str(value) if value else None

    def _forget_stale(self, ctx: click.Context) -> None:
        # The group object lives as long as the process (tests invoke it many
        # times): drop the commands of plugins loaded for another --plugins-dir.
        if self._builtin is None:
            self._builtin = frozenset(self.commands)
        if self._loaded_for is not None and self._loaded_for != (self._plugins_dir(ctx),):
            for name in set(self.commands) - self._builtin:
                del self.commands[name]
            self._loaded_for = None

    def _load_plugin_commands(self, ctx: click.Context) -> None:
        from .plugins import call_register_commands, get_plugin_manager

        self._forget_stale(ctx)
        if self._loaded_for is not None:
            return
        plugins_dir = self._plugins_dir(ctx)
        self._loaded_for = (plugins_dir,)
        try:
            manager = get_plugin_manager(plugins_dir=plugins_dir)
            call_register_commands(manager, self)
        except Exception as error:  # a broken plugin must not hide the built-in commands
            click.echo(f"Error: {error}", err=True)
            ctx.exit(1)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands(ctx)
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._forget_stale(ctx)
        command = super().get_command(ctx, cmd_name)
        if command is None:
            self._load_plugin_commands(ctx)
            command = super().get_command(ctx, cmd_name)
        return command


@click.group(cls=PluginGroup)
@click.version_option(package_name="gyengine")
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.option(
    "--plugins-dir",
    type=click.Path(file_okay=False),
    envvar="GYENGINE_PLUGINS_DIR",
    show_envvar=True,
    # Eager, and remembered at once: `--plugins-dir D --help` must list D's commands,
    # and --help (eager too) runs before ordinary options are stored.
    is_eager=True,
    callback=lambda ctx, _, value: ctx.meta.__setitem__("gyengine.plugins_dir", value) or value,
    help="Also load every *.py plugin in this directory.",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, plugins_dir: str | None) -> None:
    """gyengine: supervise a development plan from an immutable, hash-chained event log."""
    ctx.obj = State(plugins_dir, debug=debug)


@cli.command()
@db_option
@click.pass_obj
@handle_errors
def init(state: State, db: str) -> None:
    """Create an empty event database (a no-op if it already exists).

    Also makes the key that seals saved runs and checkpoints, if there is none
    yet: $GYENGINE_KEY, else ~/.config/gyengine/key (see docs/verifying.md).
    """
    from .seal import key_path, load_sealer

    existed = state.holds_log(db)
    with state.open_store(db, create=True) as store:
        count = store.count()
    if existed:
        click.echo(f"{db} is already a gyengine database ({count} events)")
    else:
        click.echo(f"created {db}")
    if not key_path().exists():
        sealer = load_sealer(create=True)
        assert sealer is not None
        click.echo(
            f"created the key {sealer.path} that seals saved runs and checkpoints;"
            " keep it apart from the database"
        )


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@db_option
@click.option("--dry-run", is_flag=True, help="Validate everything, append nothing.")
@click.option(
    "--keep-recorded",
    is_flag=True,
    help='Import a historical log: take each line\'s "recorded" time (never going backwards) '
    "instead of now; a backup (log --format jsonl) restores with its seqs and hashes checked.",
)
@click.pass_obj
@handle_errors
def append(state: State, file: str, db: str, dry_run: bool, keep_recorded: bool) -> None:
    """Append the events of a JSON Lines FILE (or - for stdin), all or none.

    Each line is one event: {"type", "stream", "data"} and optionally "id",
    "occurred", "actor", "supersedes" and "expected_version".
    """
    from .errors import GyengineError
    from .jsonl import JsonLinesReader

    registry = state.registry
    source = "<stdin>" if file == "-" else file
    try:
        handle: IO[bytes] = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115
    except OSError as error:
        raise _fail(f"cannot read {file}: {error.strerror}") from None
    try:
        engine = state.open_engine(db)
    except BaseException:
        if handle is not sys.stdin.buffer:
            handle.close()
        raise
    try:
        with progress_bar("appending", None) as bar:
            if bar.enabled and file != "-":
                bar.total = count_lines(file)
            reader = JsonLinesReader(handle, source, registry, keep_recorded=keep_recorded)
            try:
                # Through the engine: every event is checked against the plan in force.
                result = engine.append(
                    reader, dry_run=dry_run, keep_recorded=keep_recorded, on_progress=bar.update
                )
            except GyengineError as error:
                index = getattr(error, "index", None)
                if index is not None and index < len(reader.lines):
                    raise _fail(f"{source}:{reader.lines[index]}: {error}", error.hint) from None
                raise
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()
        engine.close()
    if not reader.lines:
        click.echo(f"nothing to append: {source} holds no events")
        return
    verb = "would append" if dry_run else "appended"
    message = f"{verb} {result.count} events"
    if result.appended:
        message += f" (seq {result.appended[0][0]}..{result.appended[-1][0]})"
    if result.duplicates:
        message += f"; {len(result.duplicates)} already in the log with the same content (skipped)"
    click.echo(message)
    if not dry_run and result.appended:
        click.echo(f"head {result.head.seq} {result.head.hash}")


def _field_value(cls: type, name: str, raw: str) -> Any:
    """Read a command-line value by its field's type: strings stay text, others are JSON."""
    import attrs

    from .jsonl import parse_json

    fields = {field.name: field for field in attrs.fields(cls)}
    field = fields.get(name)
    if field is not None and field.type in (str, "str", str | None, "str | None"):
        return raw
    try:
        return parse_json(raw)
    except (ValueError, RecursionError):
        return raw


@cli.command()
@click.argument("type_name", metavar="TYPE")
@click.argument("fields", nargs=-1, metavar="FIELD=VALUE...")
@click.option("--stream", required=True, help="The stream the event belongs to.")
@click.option("--id", "event_id", help="The event id (default: a new UUID).")
@click.option("--occurred", help="The period the fact is about (2019-06, 2019-W23...).")
@click.option("--actor", help="Who reports it.")
@click.option("--supersedes", help="The id of the event this one corrects or retracts.")
@click.option("--expected-version", type=int, help="The version the stream must be at.")
@db_option
@click.option("--dry-run", is_flag=True, help="Validate, append nothing.")
@click.pass_obj
@handle_errors
def record(
    state: State,
    type_name: str,
    fields: tuple[str, ...],
    stream: str,
    event_id: str | None,
    occurred: str | None,
    actor: str | None,
    supersedes: str | None,
    expected_version: int | None,
    db: str,
    dry_run: bool,
) -> None:
    """Append one event of TYPE typed on the command line.

    Each FIELD=VALUE sets a payload field; the value is converted by the
    field's registered type (numbers, dates, true/false; JSON for lists).
    """
    from .errors import InvalidEvent
    from .events import NewEvent

    registry = state.registry
    try:
        cls = registry.class_of(type_name)
        data: dict[str, Any] = {}
        for item in fields:
            name, sep, raw = item.partition("=")
            if not sep or not name:
                raise InvalidEvent(f"{item!r} is not FIELD=VALUE")
            data[name] = _field_value(cls, name, raw)
        pending = registry.encode(
            NewEvent(
                type=type_name,
                stream=stream,
                data=data,
                id=event_id,
                occurred=occurred,
                actor=actor,
                supersedes=supersedes,
                expected_version=expected_version,
            )
        )
        with state.open_engine(db) as engine:
            result = engine.append([pending], dry_run=dry_run)
    except InvalidEvent as error:
        raise InvalidEvent(error.message, source="command line", field=error.field) from None
    if result.duplicates:
        click.echo(f"event {pending.id} is already in the log with the same content (skipped)")
    elif dry_run:
        click.echo(f"valid: would append {type_name} to {stream}")
    else:
        seq, appended_id = result.appended[0]
        click.echo(f"appended seq {seq} id {appended_id} hash {result.head.hash}")


def _timestamp(value: str | None, *, end_of_day: bool, option: str) -> str | None:
    from .timeutil import parse_timestamp

    if value is None:
        return None
    try:
        return parse_timestamp(value, end_of_day=end_of_day)
    except ValueError as error:
        raise UsageError(f"{option}: {error}") from None


@cli.command()
@db_option
@click.option("--stream", help="Only this stream.")
@click.option("--type", "types", multiple=True, help="Only this event type (repeatable).")
@click.option("--since", help="Only events recorded at or after this date or time.")
@click.option("--until", help="Only events recorded at or before this date or time.")
@click.option("--known-at", help="The log as it was known at this date or time.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "jsonl"]),
    default="table",
    show_default=True,
    help="Output format; jsonl is a backup that `append --keep-recorded` restores.",
)
@click.pass_obj
@handle_errors
def log(
    state: State,
    db: str,
    stream: str | None,
    types: tuple[str, ...],
    since: str | None,
    until: str | None,
    known_at: str | None,
    fmt: str,
) -> None:
    """Show the events of the log, oldest first.

    Dates and times are record time (UTC unless an offset is given); a bare date
    means the whole of that day.
    """
    since_ts = _timestamp(since, end_of_day=False, option="--since")
    bounds = [
        t
        for t in (
            _timestamp(until, end_of_day=True, option="--until"),
            _timestamp(known_at, end_of_day=True, option="--known-at"),
        )
        if t is not None
    ]
    with state.open_store(db) as store:
        rows = store.read(
            stream=stream,
            types=types or None,
            since=since_ts,
            known_at=min(bounds) if bounds else None,
        )
        if fmt == "jsonl":
            for row in rows:
                click.echo(json.dumps(row.to_json(), ensure_ascii=False))
        elif fmt == "json":
            click.echo("[", nl=False)
            for number, row in enumerate(rows):
                click.echo(
                    ("," if number else "")
                    + "\n  "
                    + json.dumps(row.to_json(), ensure_ascii=False),
                    nl=False,
                )
            click.echo("\n]")
        else:
            _log_table(rows)


TABLE_ROWS = 1000
"""The most events ``gyengine log`` shows as a table (the other formats stream them all)."""


def _log_table(rows: Iterator[Any]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from .document import printable

    table = Table(box=None, header_style="bold")
    for name in ("seq", "recorded", "stream", "v", "type", "occurred", "actor", "data"):
        table.add_column(name, no_wrap=name != "data", overflow="fold")
    count = 0
    more = False
    for row in rows:
        if count == TABLE_ROWS:
            more = True
            close = getattr(rows, "close", None)
            if close is not None:
                close()  # release the reader while the store is open
            break
        count += 1
        data = row.data if len(row.data) <= 80 else row.data[:77] + "..."
        # Text cells, never markup: every one of them comes from an event.
        table.add_row(
            *(
                Text(printable(value))
                for value in (
                    str(row.seq),
                    row.recorded[:19] + "Z",
                    row.stream,
                    str(row.version),
                    row.type,
                    row.occurred or "",
                    row.actor or "",
                    data,
                )
            )
        )
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)  # piped: let rows run long rather than truncate ids
    if count:
        console.print(table)
        if more:
            console.print(
                f"the first {TABLE_ROWS} events; --format jsonl lists them all", markup=False
            )
    else:
        console.print("no events match")


@cli.command()
@db_option
@click.option(
    "--expect-head",
    "expected_heads",
    multiple=True,
    metavar="HASH",
    help="A head hash published earlier (a bulletin's header): the log must still hold it.",
)
@click.option(
    "--chain-only",
    is_flag=True,
    help="Check only the hash chain, not the saved runs and checkpoints (a copy without its key).",
)
@click.pass_obj
@handle_errors
def verify(state: State, db: str, expected_heads: tuple[str, ...], chain_only: bool) -> None:
    """Recompute the hash chain and name the first broken seq, if any.

    Then check what sits beside the chain: every saved run (with its results
    and evidence) and every checkpoint must carry a seal that checks under the
    key (see docs/verifying.md), and the log must still hold the hash each one
    was computed from; so must each --expect-head HASH.
    """
    from .engine import verify_log

    expected_heads = tuple(_head_hash(digest) for digest in expected_heads)
    with state.open_store(db) as store:
        total = store.count()
        with progress_bar("verifying", total) as bar:
            # The console script is its own main module: spawning workers is safe here.
            audit = verify_log(
                store,
                derived=not chain_only,
                expected_heads=expected_heads,
                progress=bar.advance,
                workers=None,
            )
    result = audit.chain
    if result.problem is not None:
        raise _fail(
            f"{db}: {audit.problem}",
            f"the {result.checked} events before seq {result.problem.seq} verify",
        )
    if audit.problem is not None:
        hint = (
            None
            if audit.problem.startswith("no event has the hash")
            else "derived data was changed or the log rewritten; see docs/verifying.md"
        )
        raise _fail(f"{db}: {audit.problem}", hint)
    derived = ""
    if audit.runs or audit.checkpoints:
        derived = (
            f"; {audit.runs} saved runs, {audit.checkpoints} checkpoints"
            f" and {audit.memos} results memos sealed"
        )
    if result.checked == 0:
        click.echo(f"{db}: empty log, nothing to verify")
    else:
        click.echo(
            f"{db}: ok, {result.checked} events, head seq {result.head.seq} hash {result.head.hash}"
            + derived
        )


def _head_hash(text: str) -> str:
    """An --expect-head value as the log writes hashes: 64 hex digits, lower case."""
    digest = text.lower()
    if len(digest) != 64 or digest.strip("0123456789abcdef"):
        raise UsageError(f"--expect-head: {text!r} is not a hash: give the 64 hex digits of one")
    return digest


def _key_values(pairs: tuple[str, ...]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"-o/--option: {pair!r} is not KEY=VALUE")
        options[key] = value
    return options


def _as_of(value: str | None) -> str | None:
    if value is None:
        return None
    from .timeutil import parse_period

    try:
        # A day is itself; a longer period (2019-06, 2019-Q2) means its last day.
        return parse_period(value).end.isoformat()
    except ValueError as error:
        raise UsageError(f"--as-of: {error}") from None


plan_option = click.option(
    "--plan",
    metavar="ID",
    help="In a database of many plans (a province's counties), this plan's events only"
    " (default: the only plan; `gyengine plan list` lists them).",
)


def replay_options(function: F) -> F:
    """Options shared by ``replay`` and ``explain``."""
    for decorator in reversed(
        [
            click.option(
                "--as-of",
                help="Business time: facts about periods up to this date "
                "(2019-06-30, or a period such as 2019-06 meaning its last day).",
            ),
            click.option(
                "--known-at",
                help="Record time: only what had been appended by then "
                "(a date means the end of that day, UTC).",
            ),
            click.option(
                "--evaluator",
                "evaluators",
                multiple=True,
                help="Run only this evaluator and what it requires (repeatable).",
            ),
            click.option(
                "-o",
                "--option",
                "option_pairs",
                multiple=True,
                metavar="KEY=VALUE",
                help="An evaluator option (repeatable).",
            ),
            click.option(
                "--allow-broken-chain",
                is_flag=True,
                help="Replay even if the log fails verification; the run records it.",
            ),
            plan_option,
            db_option,
        ]
    ):
        function = decorator(function)
    return function


@cli.command()
@replay_options
@click.option(
    "--format",
    "fmt",
    default="table",
    show_default=True,
    help="table (the scoreboard); json or csv (the records as data: an export); markdown, "
    "html, xlsx... (the table's document; any renderer); or a plugin's export or renderer.",
)
@click.option(
    "--output",
    "output_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of standard output.",
)
@click.option("--no-save", is_flag=True, help="Do not save the run in the database.")
@click.option(
    "--no-checkpoints", is_flag=True, help="Replay in full; neither use nor save checkpoints."
)
@click.option(
    "--verify-all", is_flag=True, help="Also verify the rows behind a checkpoint (slower)."
)
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="gyengine's own report kind results (every evaluator's latest results and every"
    " finding) instead of the scoreboard.",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    help="Language of the scoreboard (default: the plan's own); names stay as written.",
)
@click.pass_obj
@handle_errors
def replay(
    state: State,
    as_of: str | None,
    known_at: str | None,
    evaluators: tuple[str, ...],
    option_pairs: tuple[str, ...],
    allow_broken_chain: bool,
    plan: str | None,
    db: str,
    fmt: str,
    output_path: str | None,
    no_save: bool,
    no_checkpoints: bool,
    verify_all: bool,
    show_all: bool,
    lang: str | None,
) -> None:
    """Replay the log through every evaluator into scores, findings and evidence.

    The table is a scoreboard of one screen (80 columns) in the plan's language,
    when a plugin registers the report kind ``scoreboard``: the latest period of
    each part; --all prints gyengine's own report kind ``results`` (every
    evaluator's latest results) instead. Another renderer (markdown, html...)
    writes the same document; json and csv export the records as data. The run
    is saved in the database (tables runs, results, evidence) unless --no-save
    is given. With no database at all (no --db, no $GYENGINE_DB and no
    ./gyengine.db) the bundled demo dataset is replayed: from a sealed copy
    built once in the cache folder ($GYENGINE_CACHE_DIR, else ~/.cache/gyengine;
    set it empty for none), its whole chain checked, else in memory.
    """
    from .document import printable, word
    from .rendering import is_binary

    export, renderer = _replay_format(state, fmt, output_path)
    if plan == "all":
        return _replay_all(state, db, fmt, output_path, save=not no_save, as_of=_as_of(as_of),
            known_at=_timestamp(known_at, end_of_day=True, option="--known-at"),
            evaluators=evaluators or None, options=_key_values(option_pairs),
            allow_broken_chain=allow_broken_chain, checkpoints=not no_checkpoints,
            verify_all=verify_all)  # fmt: skip
    dataset = None
    if _db_is_default(db) and not Path(db).exists():
        dataset = state.default_dataset()
        engine = state.dataset_engine(dataset)
    else:
        engine = state.open_engine(db)
    try:
        total = engine.store.head().seq
        with progress_bar("replaying", total) as bar:
            result = engine.replay(
                as_of=_as_of(as_of),
                known_at=_timestamp(known_at, end_of_day=True, option="--known-at"),
                evaluators=evaluators or None,
                options=_key_values(option_pairs),
                allow_broken_chain=allow_broken_chain,
                # A bundled dataset keeps checkpoints only in its prebuilt copy
                # (none in memory), never a run; its whole chain is checked.
                checkpoints=not no_checkpoints and not _in_memory(engine),
                save=False,
                progress=bar.advance,
                verify_all=verify_all or dataset is not None,
                parallel=True,
                plan=plan,
            )
        write, says_synthetic = _replay_writer(
            engine, result, export, renderer, fmt, show_all, lang
        )
        if dataset is not None and not says_synthetic:  # the plugin's scoreboard says it itself
            click.echo(
                f"synthetic data — {dataset.title}" if dataset.synthetic else dataset.title,
                err=fmt != "table",
            )
        # The run is saved only once its output is written: a failed write saves nothing.
        _write(output_path, write, binary=renderer is not None and is_binary(renderer))
        if export is not None and dataset is None and result.synthetic:
            # A document says it itself; data go on stdout, so the notice goes to stderr.
            board = engine.scoreboard().document(result, None, lang)
            click.echo(word("synthetic", lang or board.lang), err=True)
        if not no_save and dataset is None:
            engine.save_run(result)
    finally:
        engine.close()
    for note in result.notes:
        click.echo(f"warning: {printable(note)}", err=True)
    if not result.chain_ok:
        click.echo(f"warning: the log fails verification at {result.chain_problem}", err=True)


def _replay_all(
    state: State, db: str, fmt: str, output_path: str | None, *, save: bool, **options: Any
) -> None:
    """``replay --plan all``: each plan in turn; a line per plan (table) or a JSON line per plan."""
    if fmt not in ("table", "json"):
        raise UsageError("--plan all writes a line per plan: --format table or json")

    def write(output: IO[str]) -> None:
        with state.open_engine(db) as engine:
            total = engine.store.head().seq
            with progress_bar("checking", total) as bar:
                for result in engine.replay_each(save=save, progress=bar.advance, **options):
                    if fmt == "json":
                        output.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
                        continue
                    findings = sum(1 for r in result.records if r.record.record_type == "finding")
                    run = f", run {result.run_id}" if result.run_id is not None else ""
                    synthetic = ", synthetic data" if result.synthetic else ""
                    output.write(
                        f"{result.options.plan}: {len(result.records)} results"
                        f" ({findings} findings); {result.verification_text()}{run}{synthetic}\n"
                    )

    _write(output_path, write)


SCOREBOARD_WIDTH = 80
"""The columns ``gyengine replay``'s scoreboard fits (CJK characters count two)."""


def _replay_format(state: State, fmt: str, output_path: str | None) -> tuple[Any, Any]:
    """``(export, None)`` or ``(None, renderer)`` for ``replay --format``; usage errors first."""
    from .plugins import build_exports, build_renderers
    from .rendering import is_binary

    exports = build_exports(state.manager)
    renderers = build_renderers(state.manager)
    choices = {*exports, *renderers, "table"}
    if fmt not in choices:
        raise UsageError(f"--format: {fmt!r} is not one of {', '.join(sorted(choices))}")
    export = exports.get(fmt)  # json and csv are the records as data, not a document
    renderer = None if export is not None else renderers["terminal" if fmt == "table" else fmt]
    writes_bytes = renderer is not None and is_binary(renderer)
    if writes_bytes and output_path is None and sys.stdout.isatty():
        raise UsageError(f"--format {fmt} writes a binary file: give --output FILE")
    if output_path is not None:
        _check_output(output_path, "--output")
    return export, renderer


def _replay_writer(
    engine: Engine,
    result: Any,
    export: Any,
    renderer: Any,
    fmt: str,
    show_all: bool,
    lang: str | None,
) -> tuple[Callable[[Any], None], bool]:
    """What writes the replay's output, and whether it is the plugin's scoreboard."""
    from .reports import SCOREBOARD

    if export is not None:
        return functools.partial(export.export, result), False
    board = engine.scoreboard(full=show_all)
    if show_all and lang is None and result.synthetic and board.name != SCOREBOARD:
        # gyengine's own table keeps its English headings; its synthetic notice (and the
        # renderer's other marks) follow the plan's language, which the plugin's scoreboard
        # knows (it reads the plan). A log of reported data has no notice: it stays English.
        screen_kind = engine.scoreboard()
        if screen_kind.name == SCOREBOARD:
            lang = screen_kind.document(result, None, None).lang
    document = board.document(result, None, lang)
    screen = board.name == SCOREBOARD
    layout = {"width": str(SCOREBOARD_WIDTH), "compact": "1"} if screen and fmt == "table" else {}
    return functools.partial(_render_document, renderer, document, layout), screen


def _render_document(renderer: Any, document: Any, options: Any, output: IO[Any]) -> None:
    renderer.render(document, output, options)


def _in_memory(engine: Any) -> bool:
    """Whether the engine's store is a throw-away one in memory (nothing saved there outlives it)."""
    from .memory import MemoryEventStore

    store = getattr(engine, "store", None)
    return isinstance(store, MemoryEventStore) or getattr(store, "path", None) == ":memory:"


def _db_is_default(db: str) -> bool:
    """Whether --db came from nowhere: neither the command line nor $GYENGINE_DB."""
    from click.core import ParameterSource

    source = click.get_current_context().get_parameter_source("db")
    return source in (ParameterSource.DEFAULT, None) and db == DEFAULT_DB


@cli.command()
@click.argument("kind")
@click.option(
    "--period",
    "--week",
    "--month",
    "--quarter",
    "--year",
    "period",
    help="The period the report covers: 2019-W23, 2019-06, 2019-Q2, 2019 "
    "(none for a kind that covers no period, such as scoreboard).",
)
@click.option("--as-of", help="Business time (default: the period's last day).")
@click.option("--known-at", help="Record time: the log as known then (a date means its end, UTC).")
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    help="Language of the labels (default: the plan's own); names stay as written.",
)
@click.option(
    "--format",
    "fmt",
    default="terminal",
    show_default=True,
    help="terminal, markdown, html, csv, xlsx, json, or a plugin's renderer.",
)
@click.option(
    "-o",
    "--output",
    "output_path",
    type=click.Path(dir_okay=False),
    help="Write to this file (needed for binary formats such as xlsx).",
)
@click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 byte-order mark, for Excel.")
@plan_option
@db_option
@click.pass_obj
@handle_errors
def report(
    state: State,
    kind: str,
    period: str | None,
    as_of: str | None,
    known_at: str | None,
    lang: str | None,
    fmt: str,
    output_path: str | None,
    bom: bool,
    plan: str | None,
    db: str,
) -> None:
    """Publish a report: KIND is weekly, monthly, quarterly or a plugin's own.

    The log is replayed as of the period's last day (or --as-of) and as known
    at --known-at, so an old bulletin can be reproduced byte for byte.
    """
    from .errors import UnknownFormat, UnknownReport
    from .plugins import build_renderers, build_reports
    from .rendering import is_binary

    kinds = build_reports(state.manager)
    if kind not in kinds:
        raise UsageError(str(UnknownReport(kind, list(kinds))))
    renderers = build_renderers(state.manager)
    if fmt not in renderers:
        raise UsageError(f"--format: {UnknownFormat(fmt, list(renderers))}")
    renderer = renderers[fmt]
    binary = is_binary(renderer)
    if binary and output_path is None and sys.stdout.isatty():
        raise UsageError(f"--format {fmt} writes a binary file: give -o FILE")
    covered = _covered(kinds[kind], period)
    if output_path is not None:
        _check_output(output_path, "-o")
    bundled = _db_is_default(db) and not Path(db).exists()
    engine = state.dataset_engine(state.default_dataset()) if bundled else state.open_engine(db)
    try:
        document = engine.report(
            kind,
            covered,
            as_of=_as_of(as_of),
            known_at=_timestamp(known_at, end_of_day=True, option="--known-at"),
            lang=lang,
            checkpoints=not _in_memory(engine),
            verify_all=bundled,
            parallel=True,
            plan=plan,
        )
    finally:
        engine.close()
    options = {"bom": "1"} if bom else {}
    _write_document(output_path, binary, lambda out: renderer.render(document, out, options))


def _covered(kind: ReportKind, period: str | None) -> Period | None:
    """The period ``--period`` names, checked against the kind, or a usage error in the CLI's words."""
    from .errors import WrongPeriod

    try:
        return kind.covering(period)
    except WrongPeriod as error:
        if error.covers is None:
            raise UsageError(f"{error}: leave out --period") from None
        if error.given is None:
            raise UsageError(f"{error}: give --period") from None
        raise UsageError(
            f"the {kind.name} report covers a {error.covers}, not {period!r}"
        ) from None
    except ValueError as error:
        raise UsageError(f"--period: {error}") from None


def _write_document(path: str | None, binary: bool, write: Callable[[Any], None]) -> None:
    _write(path, write, binary=binary, option="-o")


@cli.group()
def demo() -> None:
    """The bundled demo datasets (synthetic data) to explore gyengine with."""


@demo.command("list")
@click.pass_obj
@handle_errors
def demo_list(state: State) -> None:
    """List the bundled datasets."""
    from .plugins import build_datasets

    for name, dataset in sorted(build_datasets(state.manager).items()):
        mark = " (default)" if dataset.default else ""
        click.echo(f"{name}{mark}: {dataset.title}")


@demo.command("init")
@db_option
@click.option("--dataset", "name", help="Which dataset (default: the default one).")
@click.option(
    "--counties",
    type=click.IntRange(1, 999),
    help="A province: this many synthetic counties, each its own plan (county-001, ...)"
    " with a year drawn from its own seed.",
)
@click.pass_obj
@handle_errors
def demo_init(state: State, db: str, name: str | None, counties: int | None) -> None:
    """Write a bundled dataset (plan and events) into a new database.

    With --counties N, N synthetic counties of the dataset's plan instead,
    each under its own plan id: replay, report and explain then take --plan.
    """
    from .datasets import load_dataset
    from .engine import Engine
    from .plugins import build_datasets, build_plan_sections

    dataset = state.default_dataset() if name is None else build_datasets(state.manager).get(name)
    if dataset is None:
        raise _fail(f"no dataset named {name!r}", "list them with `gyengine demo list`")
    if state.holds_log(db):
        with state.open_store(db) as existing:
            if existing.head().seq:
                raise _fail(f"{db} already holds events", "give a new file or database with --db")
    if counties is not None:
        _demo_counties(state, db, dataset, counties)
        return
    size = sum(path.stat().st_size for path in dataset.events)
    with (
        Engine(state.open_store(db, create=True), state.manager) as engine,
        progress_bar("loading", size, unit="bytes") as bar,
    ):
        count = load_dataset(
            engine.store,
            state.registry,
            build_plan_sections(state.manager),
            dataset,
            progress=bar.advance,
            checks=engine.checks,
        )
    click.echo(f"wrote {count} events of {dataset.name} into {db}")
    if dataset.synthetic:
        click.echo("the events are synthetic demonstration data, not figures reported by anyone")


def _demo_counties(state: State, db: str, dataset: Any, counties: int) -> None:
    """``demo init --counties``: a province of synthetic counties in one new database."""
    from .datasets import load_counties
    from .engine import Engine
    from .plugins import build_plan_sections

    if dataset.county is None:
        raise _fail(f"{dataset.name} makes no synthetic counties", "use --dataset")
    # A county's year has as many events as the dataset's own: the bar's total.
    per_county = sum(path.read_bytes().count(b"\n") for path in dataset.events)
    with (
        Engine(state.open_store(db, create=True), state.manager) as engine,
        progress_bar(f"{counties} counties", per_county * counties) as bar,
    ):
        count = load_counties(
            engine.store,
            state.registry,
            build_plan_sections(state.manager),
            dataset,
            counties,
            progress=bar.advance,
            checks=engine.checks,
        )
    click.echo(f"wrote {count} events of {counties} counties ({dataset.name}) into {db}")
    if dataset.synthetic:
        every = "county-001" if counties == 1 else f"county-001 ... county-{counties:03d}"
        click.echo(
            f"the events of every county ({every}) are synthetic demonstration data,"
            " not figures reported by anyone"
        )


def _check_output(path: str, option: str) -> os.stat_result | None:
    """Refuse an output path before any work is done; the stat of the file it would replace.

    The path must name a regular file or a new file in an existing folder: a
    FIFO, a device or anything else is refused rather than replaced.
    """
    target = Path(path)
    try:
        existing: os.stat_result | None = target.stat()
    except (FileNotFoundError, NotADirectoryError):
        existing = None
    except OSError as error:
        raise _output_error(path, error) from None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise _fail(f"{option} {path}: not a regular file; give a file path")
    folder = target.parent
    if existing is None and not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise _fail(f"{option} {path}: folder {folder} {what}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _fail(f"{option} {path}: cannot write in folder {folder}: permission denied")
    return existing


def _output_error(path: str, error: OSError) -> click.ClickException:
    if error.errno == errno.ENOSPC:
        return _fail(f"no space left on device writing {path}")
    if error.errno == errno.EDQUOT:
        return _fail(f"disk quota exceeded writing {path}")
    return _fail(f"cannot write {path}: {error.strerror or error}")


def _take_mode(temporary: Path, existing: os.stat_result | None) -> None:
    """Give the temporary file the mode (and, where allowed, owner) of the file it replaces.

    A new file gets the usual permissions, 0666 less the umask: a temporary
    file is private (0600).
    """
    if existing is None:
        umask = os.umask(0)
        os.umask(umask)
        temporary.chmod(0o666 & ~umask)
        return
    mine = temporary.stat()
    if (mine.st_uid, mine.st_gid) != (existing.st_uid, existing.st_gid):
        # Only root may give a file away; anyone may pick one of their own groups.
        for uid in (existing.st_uid, -1):
            try:
                os.chown(temporary, uid, existing.st_gid)
                break
            except OSError:
                continue
    temporary.chmod(stat.S_IMODE(existing.st_mode))


def _write(
    path: str | None,
    write: Callable[[Any], None],
    *,
    binary: bool = False,
    option: str = "--output",
) -> None:
    """Write to stdout, or to ``path`` through a temporary file renamed at the end.

    A failed write (a full disk, no permission) is a one-line error naming the
    path; the temporary file is removed and the old file, if any, is kept.
    """
    if path is None:
        write(sys.stdout.buffer if binary else sys.stdout)
        return
    import tempfile

    existing = _check_output(path, option)
    target = Path(path)
    try:
        # Write beside the target and rename, so a failed render leaves no half file.
        # Not a `with` here: the file is closed in the `with handle` below.
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115
            "wb" if binary else "w",
            encoding=None if binary else "utf-8",
            dir=target.parent,
            delete=False,
            suffix=".tmp",
        )
    except OSError as error:
        raise _output_error(path, error) from None
    temporary = Path(handle.name)
    try:
        with handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        _take_mode(temporary, existing)
        temporary.replace(target)
    except BaseException as error:
        with suppress(OSError):
            handle.close()
        temporary.unlink(missing_ok=True)
        # An OSError about another file (one a renderer reads) is not a write error.
        if isinstance(error, OSError) and error.filename in (None, handle.name, str(temporary)):
            raise _output_error(path, error) from None
        raise


@cli.command()
@click.argument("subject")
@click.option("--metric", help="Only this metric (for findings: the rule).")
@click.option("--period", help="Only this period (2019-06, 2019-W23...).")
@replay_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    help="Language of the text and of the rationales (default: the plan's own).",
)
@click.pass_obj
@handle_errors
def explain(
    state: State,
    subject: str,
    metric: str | None,
    period: str | None,
    as_of: str | None,
    known_at: str | None,
    evaluators: tuple[str, ...],
    option_pairs: tuple[str, ...],
    allow_broken_chain: bool,
    plan: str | None,
    db: str,
    fmt: str,
    lang: str | None,
) -> None:
    """Show the audit trail of the results about SUBJECT: rule, formula, every event.

    The text and the standard evaluators' rationales are in the plan's language;
    --lang en gives them in English (the evaluator option lang=en).
    """
    from .explaining import plan_language, write_explanation

    engine = state.open_engine(db)
    options = _key_values(option_pairs)
    if lang is not None:
        options["lang"] = lang
    try:
        lang = lang or options.get("lang") or plan_language(engine, plan)
        explanations = engine.explain(
            subject,
            metric,
            period,
            as_of=_as_of(as_of),
            known_at=_timestamp(known_at, end_of_day=True, option="--known-at"),
            evaluators=evaluators or None,
            options=options,
            allow_broken_chain=allow_broken_chain,
            parallel=True,
            plan=plan,
        )
    finally:
        engine.close()
    if not explanations:
        what = " ".join(x for x in (subject, metric, period) if x)
        raise _fail(f"no result about {what}", "list the subjects with `gyengine replay`")
    if fmt == "json":
        click.echo(
            json.dumps([_explanation_json(e) for e in explanations], ensure_ascii=False, indent=2)
        )
        return
    from .document import printable

    for number, explanation in enumerate(explanations):
        if number:
            click.echo("")
        write_explanation(explanation, lang, lambda text: click.echo(printable(text)))


def _explanation_json(explanation: Any) -> dict[str, Any]:
    return {
        "result": explanation.result.to_json(),
        "evidence": [
            {**item.event.to_json(), "superseded_by": item.superseded_by}
            for item in explanation.evidence
        ],
    }


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@click.option("--all", "show_all", is_flag=True, help="Include gyengine's built-in plugin.")
@click.pass_obj
@handle_errors
def plugins(state: State, as_json: bool, show_all: bool) -> None:
    """List the plugins loaded: name, version, source and hooks."""
    from .plugins import BUILTIN_PLUGINS, plugin_info

    info = [p for p in plugin_info(state.manager) if show_all or p["name"] not in BUILTIN_PLUGINS]
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    if not info:
        click.echo("no plugins installed")
    for plugin in info:
        click.echo(
            f"{plugin['name']} {plugin['version']} ({plugin['source']}): {', '.join(plugin['hooks'])}"
        )


@cli.group()
def plan() -> None:
    """Check a plan file, or load it into the log as definition events."""


plan_id_option = click.option(
    "--plan",
    "plan_id",
    metavar="ID",
    help="The plan's id in a database of many plans (county-007): its streams begin with"
    " `ID:`. The file's own plan_id, if any, must agree.",
)


@plan.command("list")
@db_option
@click.pass_obj
@handle_errors
def plan_list(state: State, db: str) -> None:
    """List the plans the database holds, by id (`default`: the plan whose streams carry no id)."""
    with state.open_engine(db) as engine:
        for plan_id in engine.plans():
            click.echo(plan_id)


@plan.command("check")
@click.argument("file", type=click.Path())
@plan_id_option
@click.pass_obj
@handle_errors
def plan_check(state: State, file: str, plan_id: str | None) -> None:
    """Validate a plan FILE (TOML) without touching any database.

    Checks every item as `plan load` would, then replays the plan alone through
    every evaluator (in memory), so a plan they would refuse is refused here.
    Prints the items of each section, how many are marked ``synthetic`` (not
    in the plan text) or name ``assumed`` fields, and the checks' warnings.
    """
    from .document import printable
    from .engine import check_plan

    parsed = check_plan(file, state.manager, plan_id=plan_id)
    counts = ", ".join(f"{len(parsed.entries(name))} [{name}]" for name in parsed.sections())
    click.echo(f"{file}: ok ({counts or 'no items'})")
    for name in parsed.sections():
        items = parsed.items(name)
        synthetic = sum(1 for item in items if getattr(item, "synthetic", False) is True)
        assumed = sum(1 for item in items if getattr(item, "assumed", ()))
        if synthetic or assumed:
            click.echo(
                f"  [{name}] {len(items)}: {synthetic} synthetic, {assumed} with assumed fields"
            )
    for warning in parsed.warnings:
        click.echo(printable(f"warning: {warning}"))


@plan.command("load")
@click.argument("file", type=click.Path())
@db_option
@click.option("--actor", help="Who loads the plan (recorded as the events' actor).")
@click.option(
    "--recorded",
    metavar="TIME",
    help="Entering a past year: the plan as known from this date or time (a date means its"
    " start, UTC), not from now; no earlier than the log's newest event.",
)
@click.option("--dry-run", is_flag=True, help="Show what would change, append nothing.")
@plan_id_option
@click.pass_obj
@handle_errors
def plan_load(
    state: State,
    file: str,
    db: str,
    actor: str | None,
    recorded: str | None,
    dry_run: bool,
    plan_id: str | None,
) -> None:
    """Load a plan FILE as definition events: new, revised and removed items only.

    Loading the same file twice appends nothing; a changed item appends its
    revision, which replays known at an earlier time do not see. With
    --recorded the plan is entered as known from that time, so that the
    year's reports can follow with `gyengine append --keep-recorded` (see
    docs/history.md).
    """
    from .document import printable
    from .errors import InvalidEvent

    since = _timestamp(recorded, end_of_day=False, option="--recorded")
    with state.open_engine(db) as engine:
        try:
            loaded = engine.load_plan(
                file, actor=actor, recorded=since, dry_run=dry_run, plan_id=plan_id
            )
        except InvalidEvent as error:
            if error.field != "$.recorded":
                raise
            raise UsageError(f"--recorded {recorded}: {error.message}") from None
    if loaded.appended is None:
        click.echo(f"{file}: nothing to load, the log already holds this plan")
        return
    summary = ", ".join(f"{n} {kind}" for kind, n in loaded.counts().items())
    verb = "would append" if dry_run else "appended"
    click.echo(f"{file}: {verb} {loaded.appended.count} definition events ({summary})")
    for change in loaded.changes:
        if change.kind != "new":
            click.echo(printable(f"  {change.kind}: [{change.section}] {change.key}"))


def main() -> None:
    """Entry point of the ``gyengine`` console script."""
    cli(prog_name="gyengine")
