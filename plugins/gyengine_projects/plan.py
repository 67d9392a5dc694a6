"""The plan's key projects (``[[project]]``) and the totals it states for groups of them (``[[project_group]]``).

A group's members are the projects of its ``park`` whose category is one of its
``categories`` (either may be left out), or, when it has ``parts``, the members
of those groups. ``check`` verifies that every reference resolves and that the
projects reconcile with every total the plan states, naming the numbers::

    plan.toml:41: [project_group] CEZ: total_investment: the 8 projects add up to 58.7 亿元, not 58.8 亿元
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Final

import attrs

from gyengine import Plan, PlanProblem, Quantity
from gyengine_plan import check_units

from .events import MILESTONES

__all__ = [
    "CATEGORIES",
    "SCHEDULES",
    "ProjectDefined",
    "ProjectGroupDefined",
    "check_groups",
    "check_projects",
    "group_members",
]

CATEGORIES: Final = ("计划建成", "加快建设", "重大前期")
"""计划建成: to be completed this year; 加快建设: construction accelerated; 重大前期: major preliminary work."""

SCHEDULES: Final = ("day", "month", "curve")
"""How 序时进度 grows over the year (see ``gyengine_plan.scoring.elapsed_fraction``)."""

MONEY: Final = "元"


@attrs.frozen
class ProjectDefined:
    """The plan listed a key project (重点项目) with its investment plan and its "五个一" fields."""

    id: str
    name: str
    park: str
    category: str
    total_investment: Quantity
    annual_plan: Quantity
    responsible: tuple[str, ...]
    lead_official: str = ""
    service_team: str = ""
    department: str = ""
    management_plan: str = ""
    work_team: bool = False
    start: dt.date | None = None
    completion: dt.date | None = None
    production: dt.date | None = None
    schedule: str = "day"
    curve: tuple[Decimal, ...] = ()
    monthly_plan: tuple[Quantity, ...] = ()
    """The 推进计划: 12 amounts to invest in each month; it replaces the schedule."""
    synthetic: bool = False
    """The project itself (its name) is not in the plan text."""
    assumed: tuple[str, ...] = ()
    """Fields whose values the plan text does not give (dates, split, monthly plan)."""


@attrs.frozen
class ProjectGroupDefined:
    """The plan stated totals for a group of key projects, which the projects must reconcile with."""

    id: str
    name: str
    projects: int
    total_investment: Quantity
    annual_plan: Quantity | None = None
    park: str | None = None
    categories: dict[str, int] = attrs.field(factory=dict)
    parts: tuple[str, ...] = ()
    within: str = ""
    """An indicator whose target contains the group's annual plan (CEZ's projects in I9's investment)."""


def group_members(
    group: ProjectGroupDefined,
    projects: Iterable[ProjectDefined],
    groups: Mapping[str, ProjectGroupDefined],
) -> list[str]:
    """The ids of a group's member projects, sorted.

    A part that names an unknown group, or that leads back into the group
    itself, contributes nothing (``check_groups`` reports both).
    """
    projects = list(projects)

    def collect(current: ProjectGroupDefined, path: tuple[str, ...]) -> set[str]:
        if current.parts:
            found: set[str] = set()
            for part in current.parts:
                if part in groups and part not in path:
                    found |= collect(groups[part], (*path, part))
            return found
        return {
            project.id
            for project in projects
            if (current.park is None or project.park == current.park)
            and (not current.categories or project.category in current.categories)
        }

    return sorted(collect(group, (group.id,)))


def yi(quantity: Quantity) -> str:
    """An amount of money in 亿元, as the plan writes it (``58.8 亿元``)."""
    return f"{quantity.in_unit('亿元')} 亿元"


def check_projects(plan: Plan) -> Iterator[PlanProblem]:
    """Projects name known parks, units and categories, and their figures and dates make sense."""
    parks = plan.keys("park")
    units = plan.keys("unit")
    header = plan.items("plan")
    year: int | None = header[0].year if header else None
    for project in plan.items("project"):
        key = project.id
        if project.park not in parks:
            yield PlanProblem("project", key, f"unknown park {project.park!r}", "park")
        if not project.responsible:
            yield PlanProblem("project", key, "name at least one unit, lead first", "responsible")
        yield from check_units(plan, "project", key, "responsible", project.responsible)
        if project.department:
            yield from check_units(plan, "project", key, "department", project.department)
        if project.category not in CATEGORIES:
            yield PlanProblem(
                "project",
                key,
                f"unknown category {project.category!r} (one of {', '.join(CATEGORIES)})",
                "category",
            )
        for field in ("total_investment", "annual_plan"):
            amount: Quantity = getattr(project, field)
            if amount.unit != MONEY:
                yield PlanProblem(
                    "project", key, f'{amount} is not money; write e.g. "12.5 亿元"', field
                )
            elif amount.amount < 0:
                yield PlanProblem("project", key, f"{yi(amount)} is negative", field)
        if (
            project.annual_plan.unit == project.total_investment.unit == MONEY
            and project.annual_plan.amount > project.total_investment.amount
        ):
            yield PlanProblem(
                "project",
                key,
                f"the 2019 plan {yi(project.annual_plan)} exceeds the total investment "
                f"{yi(project.total_investment)}",
                "annual_plan",
            )
        yield from _check_schedule(project)
        yield from _check_monthly_plan(project, year)
        yield from _check_dates(project)
        if key in units or key in parks:
            yield PlanProblem(
                "project", key, "a project id must differ from every unit and park id", "id"
            )
        lead = project.responsible[0] if project.responsible else None
        if lead is not None and lead in parks:
            yield PlanProblem(
                "project",
                key,
                f"the lead unit {lead!r} is also a park id: their roll-ups would share a subject",
                "responsible",
            )


def _check_schedule(project: ProjectDefined) -> Iterator[PlanProblem]:
    key = project.id
    if project.schedule not in SCHEDULES:
        yield PlanProblem(
            "project",
            key,
            f"unknown schedule {project.schedule!r} (one of {', '.join(SCHEDULES)})",
            "schedule",
        )
    elif project.schedule == "curve":
        if len(project.curve) != 12:
            yield PlanProblem(
                "project",
                key,
                f"a curve needs 12 cumulative monthly shares, not {len(project.curve)}",
                "curve",
            )
        elif any(not 0 <= share <= 1 for share in project.curve) or list(project.curve) != sorted(
            project.curve
        ):
            shown = ", ".join(str(share) for share in project.curve)
            yield PlanProblem(
                "project",
                key,
                f"curve shares must grow from 0 to at most 1, got {shown}",
                "curve",
            )
    elif project.curve:
        yield PlanProblem("project", key, 'a curve is used only with schedule = "curve"', "curve")


def _check_monthly_plan(project: ProjectDefined, year: int | None) -> Iterator[PlanProblem]:
    key, months = project.id, project.monthly_plan
    if not months:
        return
    if project.schedule != "day" or project.curve:
        yield PlanProblem(
            "project",
            key,
            "a monthly_plan replaces the schedule: leave schedule and curve out",
            "monthly_plan",
        )
    if len(months) != 12:
        yield PlanProblem(
            "project",
            key,
            f"a monthly_plan needs 12 monthly amounts, not {len(months)}",
            "monthly_plan",
        )
        return
    if any(month.unit != MONEY or month.amount < 0 for month in months):
        yield PlanProblem(
            "project",
            key,
            'monthly amounts are money, not negative: write e.g. "0.5 亿元"',
            "monthly_plan",
        )
        return
    total = _total(months)
    if project.annual_plan.unit == MONEY and total != project.annual_plan:
        yield PlanProblem(
            "project",
            key,
            f"the 12 months add up to {yi(total)}, not the annual plan {yi(project.annual_plan)}",
            "monthly_plan",
        )
    if project.start is not None and project.start.year == year:
        early = [n for n, m in enumerate(months, start=1) if m.amount and n < project.start.month]
        if early:
            shown = ", ".join(f"{n} 月" for n in early)
            yield PlanProblem(
                "project",
                key,
                f"investment planned in {shown}, before 开工 {project.start}",
                "monthly_plan",
            )


def _check_dates(project: ProjectDefined) -> Iterator[PlanProblem]:
    start = project.start
    for name, field in MILESTONES.items():
        planned = getattr(project, field)
        if field != "start" and start is not None and planned is not None and planned < start:
            yield PlanProblem(
                "project", project.id, f"{name} {planned} is before 开工 {start}", field
            )


def check_groups(plan: Plan) -> Iterator[PlanProblem]:
    """Groups reconcile: with their member projects, and with the sum of their parts."""
    parks = plan.keys("park")
    projects: list[ProjectDefined] = plan.items("project")
    groups: dict[str, ProjectGroupDefined] = {g.id: g for g in plan.items("project_group")}
    for group in groups.values():
        key = group.id
        problems = list(_check_group_references(group, groups, parks))
        for field in ("total_investment", "annual_plan"):
            amount: Quantity | None = getattr(group, field)
            if amount is not None and amount.unit != MONEY:
                problems.append(
                    PlanProblem(
                        "project_group",
                        key,
                        f'{amount} is not money; write e.g. "58.8 亿元"',
                        field,
                    )
                )
        if problems:
            # Sums over broken references or other units would only add noise.
            yield from problems
            continue
        yield from _check_within(plan, group)
        if group.parts:
            yield from _check_parts(group, groups)
        else:
            members = set(group_members(group, projects, groups))
            yield from _check_members(group, [p for p in projects if p.id in members])


def _check_within(plan: Plan, group: ProjectGroupDefined) -> Iterator[PlanProblem]:
    """A group's annual plan is part of the indicator it is ``within``: warn when it is larger.

    A warning, not an error: the plan text itself may say so (CEZ's 8 projects
    plan 35.4 亿元 in 2019 while the park's whole investment target is 26 亿元),
    and the office must read it, not have the plan refused.
    """
    if not group.within:
        return
    indicator = plan.get("indicator", group.within)
    if indicator is None:
        yield PlanProblem(
            "project_group", group.id, f"unknown indicator {group.within!r}", "within"
        )
        return
    target: Quantity | None = getattr(indicator, "target", None)
    if group.annual_plan is None or target is None or target.unit != MONEY:
        yield PlanProblem(
            "project_group",
            group.id,
            f"within {group.within!r} needs the group's annual_plan and an indicator target in money",
            "within",
        )
        return
    if group.annual_plan.amount > target.amount:
        yield PlanProblem(
            "project_group",
            group.id,
            f"the group's annual plan {yi(group.annual_plan)} exceeds the target of "
            f"{group.within} {getattr(indicator, 'name', '')} ({yi(target)}) that contains it: "
            f"the plan text contradicts itself here",
            "annual_plan",
            warning=True,
        )


def _check_group_references(
    group: ProjectGroupDefined, groups: Mapping[str, ProjectGroupDefined], parks: set[str]
) -> Iterator[PlanProblem]:
    key = group.id
    if group.park is not None and group.park not in parks:
        yield PlanProblem("project_group", key, f"unknown park {group.park!r}", "park")
    for category in group.categories:
        if category not in CATEGORIES:
            yield PlanProblem(
                "project_group",
                key,
                f"unknown category {category!r} (one of {', '.join(CATEGORIES)})",
                "categories",
            )
    if group.parts and (group.park is not None or group.categories):
        yield PlanProblem(
            "project_group",
            key,
            "a group is either the sum of its parts or a park/categories selection, not both",
            "parts",
        )
    for part in group.parts:
        if part not in groups:
            yield PlanProblem("project_group", key, f"unknown group {part!r}", "parts")
    if _cycle(group, groups):
        yield PlanProblem("project_group", key, "the group is part of itself", "parts")


def _cycle(group: ProjectGroupDefined, groups: Mapping[str, ProjectGroupDefined]) -> bool:
    pending, seen = list(group.parts), set()
    while pending:
        part = pending.pop()
        if part == group.id:
            return True
        if part in seen or part not in groups:
            continue
        seen.add(part)
        pending.extend(groups[part].parts)
    return False


def _projects(count: int) -> str:
    return f"{count} project" if count == 1 else f"{count} projects"


def _add(count: int) -> str:
    return "adds" if count == 1 else "add"


def _total(amounts: Iterable[Quantity]) -> Quantity:
    return Quantity(sum((a.amount for a in amounts), Decimal(0)), MONEY)


def _check_members(
    group: ProjectGroupDefined, members: list[ProjectDefined]
) -> Iterator[PlanProblem]:
    key, count = group.id, len(members)
    if count != group.projects:
        yield PlanProblem(
            "project_group",
            key,
            f"{_projects(count)} {'belongs' if count == 1 else 'belong'} to the group, "
            f"not {group.projects}",
            "projects",
        )
    total = _total(p.total_investment for p in members)
    if total != group.total_investment:
        yield PlanProblem(
            "project_group",
            key,
            f"the {_projects(count)} {_add(count)} up to {yi(total)}, not {yi(group.total_investment)}",
            "total_investment",
        )
    if group.annual_plan is not None:
        annual = _total(p.annual_plan for p in members)
        if annual != group.annual_plan:
            yield PlanProblem(
                "project_group",
                key,
                f"the annual plans of the {_projects(count)} add up to {yi(annual)}, "
                f"not {yi(group.annual_plan)}",
                "annual_plan",
            )
    for category, stated in sorted(group.categories.items()):
        found = sum(1 for p in members if p.category == category)
        if found != stated:
            yield PlanProblem(
                "project_group",
                key,
                f"{_projects(found)} {'is' if found == 1 else 'are'} {category}, not {stated}",
                "categories",
            )


def _check_parts(
    group: ProjectGroupDefined, groups: Mapping[str, ProjectGroupDefined]
) -> Iterator[PlanProblem]:
    key = group.id
    parts = [groups[part] for part in group.parts]
    amounts = [q for part in parts for q in (part.total_investment, part.annual_plan) if q]
    if any(amount.unit != MONEY for amount in amounts):
        return  # the part reports its own unit problem
    names = " + ".join(part.id for part in parts)
    count = sum(part.projects for part in parts)
    if count != group.projects:
        shown = " + ".join(str(part.projects) for part in parts)
        yield PlanProblem(
            "project_group",
            key,
            f"the parts {names} add up to {shown} = {count} projects, not {group.projects}",
            "projects",
        )
    total = _total(part.total_investment for part in parts)
    if total != group.total_investment:
        shown = " + ".join(str(part.total_investment.in_unit("亿元")) for part in parts)
        yield PlanProblem(
            "project_group",
            key,
            f"the parts {names} add up to {shown} = {yi(total)}, not {yi(group.total_investment)}",
            "total_investment",
        )
    if group.annual_plan is not None:
        missing = [part.id for part in parts if part.annual_plan is None]
        if missing:
            yield PlanProblem(
                "project_group",
                key,
                f"the parts {', '.join(missing)} state no annual_plan to add up",
                "annual_plan",
            )
            return
        annual = _total(part.annual_plan for part in parts if part.annual_plan is not None)
        if annual != group.annual_plan:
            shown = " + ".join(
                str(part.annual_plan.in_unit("亿元")) for part in parts if part.annual_plan
            )
            yield PlanProblem(
                "project_group",
                key,
                f"the parts {names} add up to {shown} = {yi(annual)}, not {yi(group.annual_plan)}",
                "annual_plan",
            )
