"""Payload objects are checked like JSON payloads, and a retried batch is a no-op whatever form its expected_version takes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest

import gyengine
from gyengine import InvalidEvent, NewEvent


@attrs.frozen
class NoteTaken:
    """A note was taken."""

    text: str
    count: int = 0
    at: dt.datetime | None = None


@pytest.fixture
def engine(tmp_path: Path) -> gyengine.Engine:
    class Plugin:
        __name__ = "notes"

        @gyengine.hookimpl
        def register_event_types(self) -> list[type]:
            return [NoteTaken]

    manager = gyengine.get_plugin_manager(entry_points=False, plugins=[Plugin()])
    return gyengine.Engine(gyengine.SQLiteEventStore(tmp_path / "n.db", create=True), manager)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (NoteTaken(5), "$.data.text"),  # type: ignore[arg-type]
        (NoteTaken("x", count="3"), "$.data.count"),  # type: ignore[arg-type]
        (NoteTaken("x", at=dt.datetime(2019, 6, 1, 9, 0)), "$.data.at"),  # naive: no offset
    ],
    ids=["int-for-str", "str-for-int", "naive-datetime"],
)
def test_a_payload_object_with_a_wrong_field_is_refused(
    engine: gyengine.Engine, payload: NoteTaken, field: str
) -> None:
    """attrs does not check types, so encode reads the object back and names the bad field."""
    with pytest.raises(InvalidEvent) as caught:
        engine.append([NewEvent(type="NoteTaken", stream="s", data=payload)])
    assert caught.value.field == field
    assert engine.store.head().seq == 0


def test_a_good_payload_object_is_stored_as_given(engine: gyengine.Engine) -> None:
    """A well-typed object goes in and comes back equal."""
    note = NoteTaken("笔记", 2, dt.datetime(2019, 6, 1, 9, 0, tzinfo=dt.UTC))
    engine.append([NewEvent(type="NoteTaken", stream="s", data=note)])
    [event] = list(engine.events())
    assert event.data == note


@pytest.mark.parametrize("form", ["int", "mapping"])
def test_a_retried_batch_succeeds_whatever_the_form_of_expected_version(
    engine: gyengine.Engine, form: str
) -> None:
    """Sending the same batch again (same ids and content) appends nothing and raises nothing."""
    batch = [
        NewEvent(type="NoteTaken", stream="s", id=f"n{i}", data={"text": str(i)}) for i in range(3)
    ]
    expected = 0 if form == "int" else {"s": 0}
    first = engine.append(batch, expected_version=expected)
    assert first.count == 3
    again = engine.append(batch, expected_version=expected)
    assert (again.count, again.duplicates) == (0, ("n0", "n1", "n2"))
    # A new event with the stale expectation is still a conflict.
    with pytest.raises(gyengine.errors.ConcurrencyError):
        engine.append(
            [NewEvent(type="NoteTaken", stream="s", id="n9", data={"text": "9"})],
            expected_version=expected,
        )
