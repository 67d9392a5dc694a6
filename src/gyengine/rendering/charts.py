"""The HTML report's charts as inline SVG: lines, a grid of traffic lights, bars.

No font metrics here: text widths are estimated (wide characters 1 em, others
0.6 em), and coordinates are written with one decimal, so the same chart gives
the same bytes everywhere.
"""

from __future__ import annotations

import html
import math
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

from ..document import STATUSES, BarChart, GridChart, LineChart, cell_text, word
from .common import COLOURS, say, status_key, status_label, value_at, with_unit

__all__ = ["escape", "nice_ticks", "svg_bars", "svg_grid", "svg_lines"]

_SERIES_COLOURS: Final = ("#1f5fbf", "#7a7f87", "#d9822b", "#7b3fa0", "#2e8b3e")


def escape(value: Any) -> str:
    """Escape text for HTML and SVG, in element content and in quoted attributes."""
    return html.escape(value if isinstance(value, str) else cell_text(value), quote=True)


def _text_px(text: str, size: float = 13) -> float:
    """About how wide ``text`` is at ``size`` px (no font metrics here: wide characters 1 em, others 0.6)."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


def _clip(text: str, px: float) -> str:
    """``text`` cut with … to fit ``px``."""
    if _text_px(text) <= px + 0.01:
        return text
    while text and _text_px(text + "…") > px:
        text = text[:-1]
    return text + "…"


def _f(x: float) -> str:
    return f"{x:.1f}"


def _number_label(value: Decimal) -> str:
    if value == value.to_integral_value():
        return format(value.to_integral_value(), "f")
    return format(value.normalize(), "f")


def nice_ticks(low: Decimal, high: Decimal, count: int = 5) -> list[Decimal]:
    """Round tick values (steps of 1, 2 or 5 × 10ⁿ) covering ``low``..``high``."""
    if high <= low:
        high = low + (abs(low) or Decimal(1))
    raw = (high - low) / count
    magnitude = Decimal(1).scaleb(raw.adjusted())
    step = magnitude * 10
    for factor in (1, 2, 5, 10):
        if raw <= magnitude * factor:
            step = magnitude * factor
            break
    start = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    end = (high / step).to_integral_value(rounding="ROUND_CEILING") * step
    ticks = []
    tick = start
    while tick <= end:
        ticks.append(tick)
        tick += step
    return ticks


def _svg_open(width: float, height: float, label: str, extra: str = "") -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}"{extra} '
        f'width="{_f(width)}" height="{_f(height)}" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'font-family="inherit" font-size="13">\n<title>{escape(label)}</title>\n'
    )


def svg_lines(chart: LineChart, lang: str) -> str:
    title = with_unit(chart.title, chart.unit, lang)
    values = [v for _, series, _ in chart.series for v in series if v is not None]
    ticks = nice_ticks(min([Decimal(0), *values]), max([Decimal(0), *values]))
    low, high = ticks[0], ticks[-1]
    labels = [_number_label(t) for t in ticks]
    left = 14 + max(_text_px(label) for label in labels)
    width, height, top, right, bottom = 600.0, 300.0, 28.0, 16.0, 44.0
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(chart.x)

    def x_at(i: int) -> float:
        return left + (plot_w / 2 if n <= 1 else i * plot_w / (n - 1))

    def y_at(v: Decimal) -> float:
        return top + float((high - v) / (high - low)) * plot_h

    out = [
        '<figure class="chart">\n',
        f"<h3>{escape(title)}</h3>\n",
        _svg_open(width, height, title),
    ]
    if chart.unit:
        out.append(
            f'<text x="{_f(left - 8)}" y="12" text-anchor="end">{escape(chart.unit)}</text>\n'
        )
    for tick, label in zip(ticks, labels, strict=True):
        y = y_at(tick)
        css = "axis" if tick == 0 else "grid"
        out.append(
            f'<line class="{css}" x1="{_f(left)}" y1="{_f(y)}" x2="{_f(width - right)}" y2="{_f(y)}"/>\n'
        )
        out.append(
            f'<text x="{_f(left - 6)}" y="{_f(y + 4)}" text-anchor="end">{escape(label)}</text>\n'
        )
    out.append(
        f'<line class="axis" x1="{_f(left)}" y1="{_f(top)}" x2="{_f(left)}" y2="{_f(top + plot_h)}"/>\n'
    )
    # Label every k-th x so that labels do not overlap.
    slot = plot_w / max(n, 1)
    every = max(1, math.ceil((max((_text_px(x) for x in chart.x), default=0) + 8) / slot))
    for i, x in enumerate(chart.x):
        if i % every and i != n - 1:
            continue
        out.append(
            f'<text x="{_f(x_at(i))}" y="{_f(top + plot_h + 18)}" text-anchor="middle">{escape(x)}</text>\n'
        )
    # Dashed lines (targets, 序时 lines) first, so the solid ones are drawn over them.
    drawing = sorted(enumerate(chart.series), key=lambda item: item[1][2] != "dashed")
    for index, (name, series, style) in drawing:
        colour = _SERIES_COLOURS[index % len(_SERIES_COLOURS)]
        dash = ' stroke-dasharray="7 5"' if style == "dashed" else ""
        runs: list[list[tuple[int, Decimal]]] = [[]]
        for i in range(n):
            value = value_at(series, i)
            if value is None:
                if runs[-1]:
                    runs.append([])
            else:
                runs[-1].append((i, value))
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{_f(x_at(i))},{_f(y_at(v))}" for i, v in run)
                out.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2.2"{dash} points="{points}"/>\n'
                )
        if style != "dashed":
            for run in runs:
                for i, v in run:
                    out.append(
                        f'<circle cx="{_f(x_at(i))}" cy="{_f(y_at(v))}" r="3.2" fill="{colour}">'
                        f"<title>{escape(name)} · {escape(chart.x[i])}: {escape(cell_text(v))}{escape(chart.unit)}</title></circle>\n"
                    )
    out.append("</svg>\n")
    out.append(f'<ul class="legend" aria-label="{escape(say("legend", lang))}">\n')
    for index, (name, _, style) in enumerate(chart.series):
        dashed = " dashed" if style == "dashed" else ""
        out.append(
            f'<li><span class="ln c{index % len(_SERIES_COLOURS)}{dashed}" aria-hidden="true"></span>{escape(name)}</li>\n'
        )
    out.append("</ul>\n</figure>\n")
    return "".join(out)


def _legend(statuses: Sequence[str | None], lang: str) -> str:
    out = [f'<ul class="legend" aria-label="{escape(say("legend", lang))}">\n']
    for status in statuses:
        key = "none" if status is None else status_key(status)
        text = word("none", lang) if status is None else status_label(status, lang)
        out.append(
            f'<li class="st-{key}"><span class="sw" aria-hidden="true"></span>{escape(text)}</li>\n'
        )
    out.append("</ul>\n")
    return "".join(out)


def svg_grid(chart: GridChart, lang: str) -> str:
    cell, gap, top_pad = 16.0, 3.0, 26.0
    label_w = min(220.0, max((_text_px(r) for r in chart.rows), default=0) + 10)
    pitch = cell + gap
    width = label_w + len(chart.columns) * pitch + 4
    height = top_pad + len(chart.rows) * pitch + 4
    widest = max((_text_px(c, 11) for c in chart.columns), default=0)
    every = max(1, math.ceil((widest + 6) / pitch))
    out = [
        '<figure class="chart">\n',
        f"<h3>{escape(chart.title)}</h3>\n",
        '<div class="scroll">\n',
        _svg_open(width, height, chart.title, ' class="wide"'),
    ]
    for j, column in enumerate(chart.columns):
        if j % every:
            continue
        x = label_w + j * pitch
        out.append(
            f'<text class="small" x="{_f(x)}" y="{_f(top_pad - 8)}">{escape(column)}</text>\n'
        )
    seen: set[str | None] = set()
    for i, (label, cells) in enumerate(zip(chart.rows, chart.cells, strict=False)):
        y = top_pad + i * pitch
        out.append(
            f'<text x="{_f(label_w - 8)}" y="{_f(y + cell - 4)}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(_clip(label, label_w - 8))}</text>\n"
        )
        for j, status in enumerate(cells):
            seen.add(status)
            key = "none" if status is None else status_key(status)
            fill, stroke = (
                ("#ffffff", "#c3c8ce")
                if status is None
                else (COLOURS.get(key, ("#6b7280", ""))[0],) * 2
            )
            text = word("none", lang) if status is None else status_label(status, lang)
            column = chart.columns[j] if j < len(chart.columns) else str(j + 1)
            out.append(
                f'<rect x="{_f(label_w + j * pitch)}" y="{_f(y)}" width="{_f(cell)}" height="{_f(cell)}" '
                f'rx="2" fill="{fill}" stroke="{stroke}">'
                f"<title>{escape(label)} · {escape(column)}: {escape(text)}</title></rect>\n"
            )
    out.append("</svg>\n</div>\n")
    ordered: list[str | None] = [s for s in STATUSES if s in seen]
    ordered += sorted(s for s in seen if s is not None and s not in STATUSES)
    if None in seen:
        ordered.append(None)
    out.append(_legend(ordered, lang))
    out.append("</figure>\n")
    return "".join(out)


def svg_bars(chart: BarChart, lang: str = "en") -> str:
    title = with_unit(chart.title, chart.unit, lang)
    texts = [cell_text(v) + chart.unit for v in chart.values]
    label_w = min(200.0, max((_text_px(label) for label in chart.labels), default=0) + 16)
    value_w = max((_text_px(t) for t in texts), default=0) + 12
    bar_area, row, top = 300.0, 26.0, 6.0
    low = min([Decimal(0), *chart.values])
    high = max([Decimal(0), *chart.values])
    span = (high - low) or Decimal(1)
    # Room for the value on the left of a negative bar only when there is one.
    left = label_w + (value_w if low < 0 else 0)
    width = left + bar_area + value_w
    height = top + len(chart.labels) * row + 6
    zero = left + float(-low / span) * bar_area
    out = [
        '<figure class="chart">\n',
        f"<h3>{escape(title)}</h3>\n",
        _svg_open(width, height, title),
    ]
    for i, (label, value, text) in enumerate(zip(chart.labels, chart.values, texts, strict=False)):
        y = top + i * row
        length = float(abs(value) / span) * bar_area
        x = zero - length if value < 0 else zero
        out.append(
            f'<text x="{_f(label_w - 8)}" y="{_f(y + 16)}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(_clip(label, label_w - 8))}</text>\n"
        )
        out.append(
            f'<rect x="{_f(x)}" y="{_f(y + 4)}" width="{_f(max(length, 1.0))}" height="16" rx="2" '
            f'fill="{"#d1352b" if value < 0 else "#1f5fbf"}"><title>{escape(label)}: {escape(text)}</title></rect>\n'
        )
        if value < 0:
            out.append(
                f'<text x="{_f(x - 5)}" y="{_f(y + 16)}" text-anchor="end">{escape(text)}</text>\n'
            )
        else:
            out.append(f'<text x="{_f(x + length + 5)}" y="{_f(y + 16)}">{escape(text)}</text>\n')
    out.append(
        f'<line class="axis" x1="{_f(zero)}" y1="{_f(top)}" x2="{_f(zero)}" y2="{_f(height - 6)}"/>\n'
    )
    out.append("</svg>\n</figure>\n")
    return "".join(out)
