"""Helpers for the cog blocks of the docs: what a field allows, read from its attrs validator.

Not part of gyengine: `cog -r docs/*.md` imports it to write the tables of docs/plans.md
and docs/events.md, so that the allowed values written there are the ones the code checks.
"""

from __future__ import annotations

from typing import Any


def options(validator: Any) -> list[Any] | None:
    """The values an ``attrs.validators.in_`` allows, through ``optional`` and ``and_``."""
    if validator is None:
        return None
    if hasattr(validator, "options"):
        found = validator.options
        return sorted(found, key=str) if isinstance(found, (set, frozenset)) else list(found)
    if hasattr(validator, "validator"):  # optional(...)
        return options(validator.validator)
    for inner in getattr(validator, "_validators", ()):  # and_(...)
        found = options(inner)
        if found is not None:
            return found
    return None


def allowed(field: Any) -> str:
    """A table cell: the allowed values of a field, or empty."""
    found = options(field.validator)
    if not found:
        return ""
    return ", ".join(f"`{value}`" if value != "" else '`""`' for value in found)


def _cut_tables(lines: list[str], rows: int, lang: str = "zh") -> list[str]:
    """Each Markdown table of ``lines`` cut to ``rows`` body rows, saying how many were left out."""
    out: list[str] = []
    body: int | None = None  # None: not in a table; -1: after its heading row
    left = 0
    for line in lines:
        if line.startswith("|"):
            if body is None or body == -1:
                out.append(line)
                body = -1 if body is None else 0
                continue
            body += 1
            if body <= rows:
                out.append(line)
            else:
                left += 1
            continue
        if left:
            out += ["", _left_out(left, lang)]
            left = 0
        body = None
        out.append(line)
    if left:
        out += ["", _left_out(left, lang)]
    return out


def _left_out(count: int, lang: str) -> str:
    return f"(… {count} more rows)" if lang == "en" else f"（以下 {count} 行略）"


def excerpt(
    text: str, sections: list[str], rows: int = 3, header: bool = True, lang: str = "zh"
) -> str:
    """The header and the named sections of a bulletin in Markdown, each table cut to ``rows`` rows.

    Headings are lowered so that the excerpt sits under a heading of the docs.
    """
    head, *parts = text.split("\n## ")
    chosen = []
    if header:
        lines = head.splitlines()
        chosen.append(
            "\n".join(f"**{line[2:]}**" if line.startswith("# ") else line for line in lines)
        )
    for part in parts:
        title, _, rest = part.partition("\n")
        if title in sections:
            lines = [
                f"*{line[4:]}*" if line.startswith("### ") else line
                for line in rest.strip("\n").splitlines()
            ]
            chosen.append(f"**{title}**\n\n" + "\n".join(_cut_tables(lines, rows, lang)))
    return "\n\n".join(block.strip("\n") for block in chosen) + "\n"


def golden(name: str) -> str:
    """A golden bulletin of the test suite (``tests/golden/NAME``)."""
    from pathlib import Path

    return (Path(__file__).resolve().parent.parent / "tests" / "golden" / name).read_text("utf-8")


def bulletin(kind: str, period: str, *more: str) -> str:
    """A bulletin of the bundled demo year in Markdown, as ``gyengine report`` writes it."""
    import os

    from click.testing import CliRunner

    from gyengine.cli import cli

    env = {name: None for name in os.environ if name.startswith("GYENGINE")}
    result = CliRunner(env=env).invoke(
        cli,
        ["report", kind, "--period", period, "--format", "markdown", *more],
        prog_name="gyengine",
    )
    if result.exit_code != 0:
        raise RuntimeError(result.output)
    return result.output
