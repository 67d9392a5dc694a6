"""The bundled datasets (installed as the ``gyengine_datasets`` plugin).

``xiangcheng-2019``: the plan of Xiangcheng County for high-quality industrial
development in 2019 (``plan.toml``, exact from the plan text where it gives
figures) with a SYNTHETIC year of supervision data (``demo-2019.jsonl``, made by
``generate.py`` with a fixed seed). The same generator makes synthetic
counties for a province (``gyengine demo init --counties N``).
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from gyengine import hookimpl

if TYPE_CHECKING:
    from gyengine import Dataset

__version__ = "0.1.0"

HERE = Path(__file__).resolve().parent


@functools.cache
def _generator() -> ModuleType:
    """generate.py, which a folder name with a dash keeps from being imported by name."""
    path = HERE / "xiangcheng-2019" / "generate.py"
    spec = importlib.util.spec_from_file_location("gyengine_datasets_xiangcheng", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def county(number: int) -> tuple[str, str, str]:
    """Synthetic county ``number``: its plan id, plan file text and year of events (JSON Lines)."""
    plan_id, plan, events = _generator().county(number)
    return str(plan_id), str(plan), str(events)


@hookimpl
def register_datasets() -> list[Dataset]:
    # Imported here: loading the plugin (for `gyengine --help`) must not pay for
    # the dataset loader and the plan reader.
    from gyengine import Dataset

    folder = HERE / "xiangcheng-2019"
    return [
        Dataset(
            name="xiangcheng-2019",
            title="襄城县2019年推进工业高质量发展实施方案 — 示例数据 (synthetic demo data)",
            plan=folder / "plan.toml",
            events=[folder / "demo-2019.jsonl"],
            plan_recorded="2019-01-02T09:00:00+08:00",
            synthetic=True,
            default=True,
            county=county,
        )
    ]
