"""The closing 附录: the log, the plugins, and the events behind every row of the body.

A bulletin's body shows figures and words; each row ends with a number that
refers to its entry here (in HTML a link), and the entry lists the event seqs
the row rests on. Seqs, the head hash and the plugin versions are written
here only.
"""

from __future__ import annotations

from typing import Any

import attrs

from gyengine.document import Column, Paragraph, Section, Table

from .view import View

__all__ = ["appendix", "referenced"]

PREFIX = "ev-"
"""The anchor of appendix entry ``n`` is ``ev-n``."""


def _row_name(table: Table, row: dict[str, Any]) -> str:
    texts = [
        str(row.get(column.key) or "")
        for column in table.columns
        if column.kind == "text" and row.get(column.key)
    ][:2]
    return " ".join(texts)


def referenced(view: View, sections: list[Section]) -> tuple[list[Section], list[dict[str, Any]]]:
    """The sections with each row's evidence replaced by the number of its appendix entry, and the entries."""
    entries: list[dict[str, Any]] = []
    out = []
    for section in sections:
        blocks = []
        for block in section.blocks:
            if isinstance(block, Table) and any(c.kind == "evidence" for c in block.columns):
                block = _number(view, section, block, entries)
            blocks.append(block)
        out.append(attrs.evolve(section, blocks=blocks))
    return out, entries


def _number(view: View, section: Section, table: Table, entries: list[dict[str, Any]]) -> Table:
    columns = [
        Column("ref", view.t("col.ref"), "text", link=PREFIX) if c.kind == "evidence" else c
        for c in table.columns
    ]
    rows = []
    for row in table.rows:
        evidence = list(row.get("evidence") or [])
        shown = {key: value for key, value in row.items() if key != "evidence"}
        shown["ref"] = ""
        if evidence:
            number = len(entries) + 1
            shown["ref"] = str(number)
            entries.append(
                {
                    "no": number,
                    "anchor": f"{PREFIX}{number}",
                    "section": section.title,
                    "table": table.title,
                    "row": _row_name(table, row),
                    "events": len(evidence),
                    "evidence": evidence,
                }
            )
        rows.append(shown)
    return attrs.evolve(table, columns=columns, rows=rows)


def appendix(view: View, entries: list[dict[str, Any]]) -> Section:
    """The 附录: where the figures come from (log, head hash, plugins) and every row's events."""
    replay = view.replay
    chain = view.t("meta.chain.ok")
    if replay.chain_problem is not None:
        chain = f"{view.t('meta.chain.broken')}: {replay.chain_problem}"
    lines = [
        f"{view.t('meta.log')}：seq 1–{replay.seq_to}",
        f"{view.t('meta.head_hash')}：{replay.head_hash}",
        f"{view.t('meta.chain')}：{chain}",
        f"{view.t('meta.plugins')}：{', '.join(f'{n} {v}' for n, v in replay.plugins)}",
        f"{view.t('meta.evaluators')}：{', '.join(f'{n} {v}' for n, v, _ in replay.evaluators)}",
    ]
    if view.lang == "en":
        lines = [line.replace("：", ": ", 1) for line in lines]
    columns = [
        Column("no", view.t("col.no"), "number"),
        Column("section", view.t("col.section")),
        Column("table", view.t("col.table")),
        Column("row", view.t("col.row")),
        Column("events", view.t("col.events"), "number"),
        Column("evidence", view.t("col.evidence"), "evidence"),
    ]
    return Section(
        "evidence",
        view.t("section.evidence"),
        [
            Paragraph("\n\n".join(lines)),
            Paragraph(view.t("note.evidence")),
            Table("evidence", view.t("table.evidence"), columns, entries, anchor="anchor"),
        ],
    )
