"""Fixtures shared by the whole suite: payload registries, stores on every backend, Hypothesis profiles."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

import gyengine
import pg_helpers
from gyengine import EventStore, NewEvent, SQLiteEventStore
from gyengine.events import EventTypes, PendingEvent
from strategies import TEST_PAYLOADS, NoteTaken

# deadline=None: a store round trip touches the file system, whose latency
# varies on CI machines. "thorough" is for a local soak: HYPOTHESIS_PROFILE=thorough.
settings.register_profile(
    "gyengine", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", deadline=None, max_examples=1000, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gyengine"))


@pytest.fixture(autouse=True, scope="session")
def _sealing_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One key for the whole run, never the user's own (``$GYENGINE_KEY``, inherited by subprocesses)."""
    before = os.environ.get("GYENGINE_KEY")
    os.environ["GYENGINE_KEY"] = str(tmp_path_factory.mktemp("key") / "key")
    from gyengine.seal import load_sealer

    load_sealer(create=True)  # made up front: no test's output depends on being the first
    yield
    if before is None:
        del os.environ["GYENGINE_KEY"]
    else:
        os.environ["GYENGINE_KEY"] = before


@pytest.fixture(autouse=True, scope="session")
def _dataset_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Prebuilt datasets in a folder of this run's (``$GYENGINE_CACHE_DIR``), never the user's cache."""
    before = os.environ.get("GYENGINE_CACHE_DIR")
    os.environ["GYENGINE_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        del os.environ["GYENGINE_CACHE_DIR"]
    else:
        os.environ["GYENGINE_CACHE_DIR"] = before


@pytest.fixture
def registry() -> EventTypes:
    """The event types of gyengine and its standard plugins, plus the test payloads."""
    types = gyengine.plugins.build_event_types(gyengine.get_plugin_manager())
    for cls in TEST_PAYLOADS:
        types.register(cls, owner="tests")
    return types


def _open_sqlite(directory: Path, number: int, options: dict[str, Any]) -> EventStore:
    return SQLiteEventStore(directory / f"store{number}.db", create=True, **options)


def _open_postgres(directory: Path, number: int, options: dict[str, Any]) -> EventStore:
    """A store in a database of its own (skips where no PostgreSQL server answers)."""
    from gyengine.postgres import PostgresEventStore

    return PostgresEventStore(pg_helpers.create_database(), create=True, **options)


def _open_memory(directory: Path, number: int, options: dict[str, Any]) -> EventStore:
    """A log in this process's memory: the contract kept with no database at all."""
    from gyengine.memory import MemoryEventStore

    return MemoryEventStore(**options)


# One entry per backend; the contract tests run once for each.
BACKENDS = [
    pytest.param(_open_sqlite, id="sqlite"),
    pytest.param(_open_postgres, id="postgres"),
    pytest.param(_open_memory, id="memory"),
]


@pytest.fixture(params=BACKENDS)
def store_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., EventStore]]:
    """Make fresh, empty stores of one backend; keyword arguments (``clock=``) go to the backend."""
    opener = request.param
    opened: list[EventStore] = []

    def make(**options: Any) -> EventStore:
        store = opener(tmp_path, len(opened), options)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()
    pg_helpers.release()


@pytest.fixture
def store(store_factory: Callable[..., EventStore]) -> EventStore:
    """A fresh, empty store of each backend."""
    return store_factory()


@pytest.fixture
def note(registry: EventTypes) -> Callable[..., PendingEvent]:
    """Encode a ``NoteTaken`` event: ``note(stream, text, id=..., supersedes=..., ...)``."""

    def make(stream: str = "s", text: str = "", **envelope: Any) -> PendingEvent:
        return registry.encode(
            NewEvent(type="NoteTaken", stream=stream, data=NoteTaken(text), **envelope)
        )

    return make


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite the golden files under tests/golden/ from the current output "
        "instead of comparing with them.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether the run was asked to rewrite the golden files (``pytest --update-golden``)."""
    return bool(request.config.getoption("--update-golden"))
