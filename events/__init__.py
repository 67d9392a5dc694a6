"""The bundled datasets (installed as the ``gyengine_datasets`` plugin).

``xiangcheng-2019``: the plan of Xiangcheng County for high-quality industrial
development in 2019 (``plan.toml``, exact from the plan text where it gives
figures) with a SYNTHETIC year of supervision data (``demo-2019.jsonl``, made by
``generate.py`` with a fixed seed).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gyengine import hookimpl

if TYPE_CHECKING:
    from gyengine import Dataset

__version__ = "0.1.0"

HERE = Path(__file__).resolve().parent


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
        )
    ]
