"""The commands ``gyengine template weekly|monthly|bank`` and ``gyengine import``."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import click

import gyengine
from gyengine import Engine, GyengineError, parse_period

__all__ = ["register"]

F = TypeVar("F", bound=Callable[..., Any])


def _db_option(function: F) -> F:
    return click.option(
        "--db",
        "db",
        default="gyengine.db",
        envvar="GYENGINE_DB",
        show_default=True,
        show_envvar=True,
        help="The event database.",
        type=click.Path(),
    )(function)


def _errors(function: F) -> F:
    """gyengine's own errors as their message (one line per problem) and exit code 1."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except GyengineError as error:
            raise click.ClickException(str(error)) from None

    return cast(F, wrapper)


@contextmanager
def _engine(db: str) -> Iterator[Engine]:
    context = click.get_current_context()
    plugins_dir = context.meta.get("gyengine.plugins_dir") or os.environ.get("GYENGINE_PLUGINS_DIR")
    with gyengine.open(db, plugins_dir=plugins_dir or None) as engine:
        yield engine


def _period(text: str, kind: str, option: str, example: str) -> str:
    try:
        period = parse_period(text)
    except ValueError:
        period = None
    if period is None or period.kind != kind:
        raise click.BadParameter(f"{text!r} is not a {kind} such as {example}", param_hint=option)
    return text


def _targets(
    output: str | None, names: list[str], default_name: Callable[[str], str]
) -> list[tuple[str, Path]]:
    """Where each workbook goes: ``output`` is the file for one, the directory for several."""
    if len(names) == 1 and (output is None or output.lower().endswith(".xlsx")):
        return [(names[0], Path(output or default_name(names[0])))]
    if output is not None and output.lower().endswith(".xlsx"):
        raise click.BadParameter(
            f"{len(names)} workbooks are made: give a directory, not a file", param_hint="-o"
        )
    directory = Path(output or ".")
    if directory.exists() and not directory.is_dir():
        raise click.BadParameter(f"{directory} is not a directory", param_hint="-o")
    if not directory.parent.is_dir():
        raise click.BadParameter(f"folder {directory.parent} does not exist", param_hint="-o")
    directory.mkdir(exist_ok=True)  # the week's folder, made as a clerk would expect
    return [(name, directory / default_name(name)) for name in names]


def _make(kind_name: str, db: str, units: tuple[str, ...], period: str, output: str | None) -> None:
    from .kinds import KINDS, resolve_unit
    from .source import plan_in_force
    from .writer import save

    kind = KINDS[kind_name]
    section = "bank" if kind_name == "bank" else "unit"
    with _engine(db) as engine:
        plan = plan_in_force(engine)
        if not plan.seq:
            raise click.ClickException(f"{db} holds no plan: load one first (gyengine plan load)")
        chosen = [resolve_unit(plan, unit, section) for unit in units] or _every(kind_name, plan)
        forms = [kind.make(engine, plan, unit, period) for unit in chosen]
    targets = _targets(output, chosen, lambda unit: f"{kind.title}-{unit}-{period}.xlsx")
    for form, (_, path) in zip(forms, targets, strict=True):
        save(form, path)
        click.echo(f"wrote {path}: {kind.title} of {form.unit} for {period}, {len(form.rows)} rows")


def _every(kind_name: str, plan: Any) -> list[str]:
    from .kinds import projects_of

    if kind_name == "bank":
        return sorted(plan.section("bank"))
    if kind_name == "monthly":
        return [str(getattr(plan.one("supervision"), "data_source", "")) or "统计局"]
    return [unit for unit in plan.section("unit") if projects_of(plan, unit)]


@click.group()
def template() -> None:
    """Make Excel workbooks for units to fill in: weekly, monthly, bank (see docs/workbooks.md).

    Input cells are yellow and unlocked; every other cell is locked (sheet
    protection without a password). `gyengine import` reads a filled workbook
    back into the log.
    """


@template.command()
@click.option(
    "--unit",
    "units",
    multiple=True,
    help="The unit (id or name); repeat for several. Default: every unit with key projects.",
)
@click.option("--week", required=True, help="The ISO week reported, e.g. 2019-W23.")
@click.option(
    "-o",
    "--output",
    help="The .xlsx file (one unit) or a directory (several). Default: 周报-UNIT-WEEK.xlsx here.",
)
@_db_option
@_errors
def weekly(units: tuple[str, ...], week: str, output: str | None, db: str) -> None:
    """A unit's weekly report of its key projects (周报)."""
    _make("weekly", db, units, _period(week, "week", "--week", "2019-W23"), output)


@template.command()
@click.option(
    "--unit",
    "units",
    multiple=True,
    help="The reporting unit (id or name). Default: the plan's data source (统计局).",
)
@click.option("--month", required=True, help="The month reported, e.g. 2019-06.")
@click.option(
    "-o",
    "--output",
    help="The .xlsx file (one unit) or a directory (several). Default: 月报-UNIT-MONTH.xlsx here.",
)
@_db_option
@_errors
def monthly(units: tuple[str, ...], month: str, output: str | None, db: str) -> None:
    """The month's statistics: the main indicators, county and parks (月报)."""
    _make("monthly", db, units, _period(month, "month", "--month", "2019-06"), output)


@template.command()
@click.option(
    "--bank",
    "banks",
    multiple=True,
    help="The bank (id, name or short name); repeat for several. Default: every bank.",
)
@click.option("--month", required=True, help="The month reported, e.g. 2019-06.")
@click.option(
    "-o",
    "--output",
    help="The .xlsx file (one bank) or a directory (several). Default: 银行月报-BANK-MONTH.xlsx here.",
)
@_db_option
@_errors
def bank(banks: tuple[str, ...], month: str, output: str | None, db: str) -> None:
    """A bank's monthly lending figures for the bank assessment (银行月报)."""
    _make("bank", db, banks, _period(month, "month", "--month", "2019-06"), output)


@click.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False))
@_db_option
@click.option("--dry-run", is_flag=True, help="Check every cell, append nothing.")
@_errors
def import_(file: str, db: str, dry_run: bool) -> None:
    """Import a filled workbook made by `gyengine template`, all or nothing.

    Every problem names its sheet and cell (周报!D7). The reporting unit is the
    actor; importing the same workbook again adds nothing, and a changed
    figure for a period already reported is recorded as a correction.
    """
    from gyengine.progress import progress_bar

    from .importer import import_workbook

    with _engine(db) as engine, progress_bar("importing", None) as bar:
        done = import_workbook(engine, Path(file), dry_run=dry_run, on_progress=bar.update)
    meta = done.meta
    if done.plan_changed:
        click.echo(
            f"note: the plan changed since {file} was made (plan seq {meta.plan_seq}); "
            "its rows were checked against the plan in force",
            err=True,
        )
    total = done.new + done.corrections
    what = f"{done.new} new, {done.corrections} corrections, {done.unchanged} unchanged"
    if not total:
        click.echo(f"nothing to import: every figure of {file} is already in the log ({what})")
    elif dry_run:
        click.echo(f"would import {total} events from {file} ({what}); nothing written")
    else:
        click.echo(
            f"imported {done.appended} events from {file} as {meta.unit}, {meta.period} ({what})"
        )


def register(cli: click.Group) -> None:
    """Add ``template`` and ``import`` to the ``gyengine`` group."""
    cli.add_command(template)
    cli.add_command(import_)
