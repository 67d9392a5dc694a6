"""The ``csv`` format: every table of a document in one CSV file.

Charts are not tables and are left out. Per table a header row (the words for
section and table, then the column titles), then its rows, each starting with
the section id and the table id; a blank line between tables. Evidence is
space-separated seqs. A synthetic document starts with a one-cell notice row
and a blank line. Numbers are written exactly; text starting with = + - @ gets
a leading ' (a negative number is a number and stays as it is). ``bom`` in the
options starts the file with a UTF-8 byte-order mark, for Excel.

(Named ``csv_format`` so as not to shadow the standard library's :mod:`csv`.)
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from typing import IO, Any

import attrs

from ..document import Column, Document, cell_text, evidence_text, neutralise, word
from .common import table_columns

__all__ = ["CsvDocumentRenderer"]


def _csv_cell(value: Any, column: Column) -> str:
    if column.kind == "evidence":
        return evidence_text(value)
    if isinstance(value, str):
        return neutralise(value)
    return cell_text(value)


@attrs.frozen
class CsvDocumentRenderer:
    """Every table of a report in one CSV file, each row led by its section and table ids."""

    name: str = "csv"
    description: str = "CSV: every table, rows led by section and table ids (--bom for Excel)"

    def render(
        self, document: Document, output: IO[str], options: Mapping[str, str] | None = None
    ) -> None:
        lang = document.lang
        if options and options.get("bom"):
            output.write("\ufeff")
        writer = csv.writer(output, lineterminator="\n")
        first = True
        if document.synthetic:
            writer.writerow([neutralise(word("synthetic", lang))])
            first = False
        for section, table in document.tables():
            if not first:
                writer.writerow([])
            first = False
            columns = table_columns(table, lang)
            writer.writerow(
                [neutralise(word("section", lang)), neutralise(word("table", lang))]
                + [neutralise(c.title) for c in columns]
            )
            for row in table.rows:
                writer.writerow(
                    [neutralise(section.id), neutralise(table.id)]
                    + [_csv_cell(row.get(c.key), c) for c in columns]
                )
