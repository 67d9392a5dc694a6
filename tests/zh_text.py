"""What a Chinese document's body must not hold: an English word or an ISO period code.

One scan for the bulletins' golden files (test_reports) and ``gyengine replay``'s
first screen (test_cli_scoreboard).
"""

from __future__ import annotations

import re

ALLOWED = re.compile(r"^([A-Z]{1,2}\d+|m|DB|ZL|FW|GDP)$")
"""Item codes (I5, P12, K2, R04, Q03, S1), the unit 万m², and the ledger's number prefixes."""
ITEM_NUMBER = re.compile(r"\b[A-Z]{1,3}\d{0,2}-\d{4}-[0-9A-Z\u4e00-\u9fff-]+")
"""督办 item numbers as the loop gives them (DB-2019-001, R05-2019-W11-P11): identifiers."""
ISO_PERIOD = re.compile(r"\b\d{4}-(?:W\d{1,2}|Q\d|H\d|\d{2})\b")


def iso_codes(body: str) -> list[str]:
    """The ISO period codes (2019-W26, 2019-Q2, 2019-06) in ``body``, item numbers aside."""
    return ISO_PERIOD.findall(ITEM_NUMBER.sub(" ", body))


def english_words(body: str) -> set[str]:
    """The English words in ``body``: item codes and item numbers aside."""
    words = re.findall(r"[A-Za-z][A-Za-z0-9]*", ITEM_NUMBER.sub(" ", body))
    return {w for w in words if not ALLOWED.match(w)}
