"""The bundled dataset's prebuilt copy: built once, opened after, rebuilt when it does not check."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from gyengine.cli import cli
from gyengine.datasets import cache_dir, dataset_key, open_cached_dataset
from gyengine.plugins import (
    build_datasets,
    build_event_types,
    build_plan_sections,
    get_plugin_manager,
)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of this test's own, and a working folder without gyengine.db."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("GYENGINE_CACHE_DIR", str(folder))
    for name in ("GYENGINE_DB", "GYENGINE_PLUGINS_DIR"):
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return folder


def _replay_json() -> dict[str, object]:
    result = CliRunner().invoke(cli, ["replay", "--format", "json"], prog_name="gyengine")
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def _copies(folder: Path) -> list[Path]:
    return sorted(folder.glob("xiangcheng-2019-*.db"))


def _default() -> tuple[object, object, object, object]:
    manager = get_plugin_manager()
    registry = build_event_types(manager)
    dataset = next(d for d in build_datasets(manager).values() if d.default)
    return manager, registry, build_plan_sections(manager), dataset


def test_replay_without_a_database_answers_alike_from_the_copy_and_from_memory(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first replay builds the copy, the second resumes there; both answer as a replay in memory."""
    first = _replay_json()
    assert len(_copies(cache)) == 1
    second = _replay_json()
    monkeypatch.setenv("GYENGINE_CACHE_DIR", "")  # no cache: loaded in memory
    in_memory = _replay_json()
    for data in (first, second):
        assert {k: v for k, v in data.items() if k != "verification"} == {
            k: v for k, v in in_memory.items() if k != "verification"
        }
    verification = second["verification"]
    assert isinstance(verification, dict)
    # The whole chain is checked every time, and the states came from sealed checkpoints.
    assert verification["rows_verified"] == [1, 1919]
    assert [point["seq"] for point in verification["trusted_checkpoints"]] == [1919] * 9
    assert verification["summary"].startswith("rows 1..1919 verified; evaluator states from")
    assert "not re-read" not in verification["summary"]
    assert in_memory["verification"]["trusted_checkpoints"] == []  # type: ignore[index]
    assert len(_copies(cache)) == 1  # no run saved, no second copy


def test_an_edited_copy_is_built_again(cache: Path) -> None:
    """A copy whose head no longer matches its seal is removed and built anew from the files."""
    manager, registry, sections, dataset = _default()
    store = open_cached_dataset(dataset, registry, sections, manager.versions)  # type: ignore[arg-type]
    assert store is not None
    head = store.head()
    store.close()
    (path,) = _copies(cache)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE dataset_cache SET hash = ?", ("0" * 64,))
    conn.close()
    again = open_cached_dataset(dataset, registry, sections, manager.versions)  # type: ignore[arg-type]
    assert again is not None
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT hash FROM dataset_cache").fetchone()[0] == head.hash
    conn.close()
    assert again.head() == head
    again.close()


def test_the_key_follows_the_files_and_the_versions(tmp_path: Path) -> None:
    """Another plugin version or another byte in a dataset file gives another copy."""
    import attrs

    manager, registry, _, dataset = _default()
    versions = dict(manager.versions)  # type: ignore[attr-defined]
    key = dataset_key(dataset, registry, versions)  # type: ignore[arg-type]
    assert dataset_key(dataset, registry, versions) == key  # type: ignore[arg-type]
    bumped = {**versions, "gyengine_projects": "99"}
    assert dataset_key(dataset, registry, bumped) != key  # type: ignore[arg-type]
    plan = tmp_path / "plan.toml"
    plan.write_bytes(Path(dataset.plan).read_bytes() + b"\n")  # type: ignore[attr-defined]
    edited = attrs.evolve(dataset, plan=plan)
    assert dataset_key(edited, registry, versions) != key  # type: ignore[arg-type]
    source = tmp_path / "plugin"
    source.mkdir()
    (source / "m.py").write_text("x = 1\n")
    stamped = dataset_key(dataset, registry, versions, [source])  # type: ignore[arg-type]
    (source / "m.py").write_text("x = 22\n")
    assert dataset_key(dataset, registry, versions, [source]) != stamped  # type: ignore[arg-type]


def test_an_empty_cache_variable_keeps_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """``GYENGINE_CACHE_DIR=`` means no copy; unset, the XDG cache folder is used."""
    monkeypatch.setenv("GYENGINE_CACHE_DIR", "")
    assert cache_dir() is None
    monkeypatch.delenv("GYENGINE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    assert cache_dir() == Path("/somewhere/gyengine")


def test_a_new_copy_removes_the_stale_ones(cache: Path) -> None:
    """After an upgrade (a new key) the old copy of the same dataset is removed, so the cache
    folder keeps one copy per dataset, not one per version ever run."""
    manager, registry, sections, dataset = _default()
    cache.mkdir()
    stale = cache / "xiangcheng-2019-000000000000000000000000.db"
    stale.write_bytes(b"an older copy")
    other = cache / "another-dataset-000000000000000000000000.db"
    other.write_bytes(b"another dataset's copy")
    store = open_cached_dataset(dataset, registry, sections, manager.versions)  # type: ignore[arg-type]
    assert store is not None
    store.close()
    (copy,) = _copies(cache)
    assert copy != stale
    assert other.exists()
