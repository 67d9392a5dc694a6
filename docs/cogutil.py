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
