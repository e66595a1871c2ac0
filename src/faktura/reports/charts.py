"""Charts rendered on the server as SVG (readable without JavaScript; DESIGN.md section 6.2).

Each chart is a ``<figure>``: an ``<svg role="img">`` named by its ``aria-label``, ``<title>``
and ``<desc>``, a legend, and a visually hidden table with the same figures for screen readers.
Colours are presentation attributes (``fill="#..."``): the content security policy forbids
inline styles. Every label is escaped. Geometry uses floats (display only); the figures people
read are formatted by the caller (``value_format``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# The value-group colours A-D: the same as the badges (`.vg-A` .. `.vg-D` in web/app.css).
VALUE_GROUP_COLOURS = {"A": "#2e7d4f", "B": "#2f6db5", "C": "#8a94a6", "D": "#c2410c"}
# Colours for series that are not value groups, in order.
PALETTE = ("#1f4e79", "#2e7d4f", "#c2410c", "#8a94a6", "#7c3aed", "#b45309", "#0f766e")
AXIS = "#6b7280"
GRID = "#e5e7eb"
AXIS_STEPS = 4  # grid lines above the zero line
# About the width of an average character at font-size 10, in the SVG's units.
CHAR_WIDTH = 5.6

Number = Decimal | int | float


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[Number]  # one per category
    colour: str = ""  # "#rrggbb"; the palette's next colour when empty


def _colours(series: Sequence[Series]) -> list[str]:
    return [s.colour or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]


def _nice_max(value: float) -> float:
    """The smallest 1/2/2.5/5 x 10^n at or above ``value`` (the axis top), 1 for nothing."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return float(step * magnitude)
    return float(10 * magnitude)


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _frame(
    *,
    title: str,
    description: str,
    body: str,
    width: int,
    height: int,
    categories: Sequence[str],
    series: Sequence[Series],
    colours: list[str],
    value_format: Callable[[Number], str],
    small: bool,
) -> SafeString:
    svg = format_html(
        '<svg class="chart-svg{}" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title><desc>{}</desc>{}</svg>',
        " chart-small" if small else "",
        width,
        height,
        title,
        title,
        description,
        mark_safe(body),  # noqa: S308 - built from escaped parts below
    )
    legend = ""
    if len(series) > 1 or not small:
        legend = format_html(
            '<ul class="chart-legend" aria-hidden="true">{}</ul>',
            format_html_join(
                "",
                '<li><svg width="10" height="10" aria-hidden="true"><rect width="10" '
                'height="10" fill="{}"/></svg> {}</li>',
                ((colour, s.label) for colour, s in zip(colours, series, strict=True)),
            ),
        )
    head = format_html_join("", '<th scope="col">{}</th>', ((s.label,) for s in series))
    rows = format_html_join(
        "",
        '<tr><th scope="row">{}</th>{}</tr>',
        (
            (
                category,
                format_html_join("", "<td>{}</td>", ((value_format(s.values[i]),) for s in series)),
            )
            for i, category in enumerate(categories)
        ),
    )
    table = format_html(
        '<div class="sr-only"><table><caption>{}</caption><thead><tr><th scope="col"></th>'
        "{}</tr></thead><tbody>{}</tbody></table></div>",
        title,
        head,
        rows,
    )
    return format_html('<figure class="chart">{}{}{}</figure>', svg, legend, table)


def _label_room(top: float, value_format: Callable[[Number], str]) -> int:
    """The left margin the value axis needs for its longest label (at least 56 units)."""
    longest = max(len(value_format(top * i / AXIS_STEPS)) for i in range(AXIS_STEPS + 1))
    return max(56, int(longest * CHAR_WIDTH) + 10)


def _axis(
    *, top: float, left: int, right: int, plot_top: int, plot_bottom: int, small: bool,
    value_format: Callable[[Number], str],
) -> list[str]:  # fmt: skip
    parts = []
    steps = 2 if small else AXIS_STEPS
    for i in range(steps + 1):
        value = top * i / steps
        y = plot_bottom - (plot_bottom - plot_top) * i / steps
        parts.append(
            f'<line x1="{left}" x2="{right}" y1="{_fmt(y)}" y2="{_fmt(y)}" stroke="{GRID}" '
            'stroke-width="1"/>'
        )
        if not small:
            parts.append(
                f'<text x="{left - 4}" y="{_fmt(y + 3)}" text-anchor="end" font-size="10" '
                f'fill="{AXIS}">{escape(value_format(value))}</text>'
            )
    return parts


def _shortened(label: str, room: float) -> str:
    """`label` cut to the characters that fit `room` units, with an ellipsis when cut."""
    fits = max(3, int(room // CHAR_WIDTH))
    return label if len(label) <= fits else label[: fits - 1].rstrip() + "…"


def _category_labels(
    categories: Sequence[str], *, x_of: Callable[[int], float], slot: float, y: int, small: bool
) -> list[str]:
    """A label under every category, or every n-th (at most 12), each cut to the width it
    has so neighbours never overlap; the whole label is its tooltip."""
    if small or not categories:
        return []
    every = max(1, -(-len(categories) // 12))
    room = slot * every * 0.92
    return [
        f'<text x="{_fmt(x_of(i))}" y="{y}" text-anchor="middle" font-size="10" '
        f'fill="{AXIS}"><title>{escape(label)}</title>{escape(_shortened(label, room))}</text>'
        for i, label in enumerate(categories)
        if i % every == 0
    ]


def bar_chart(
    *,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    stacked: bool = True,
    value_format: Callable[[Number], str] = str,
    small: bool = False,
) -> SafeString:
    """Bars per category, one segment (stacked) or one bar (grouped) per series."""
    width, height = (240, 64) if small else (640, 240)
    plot_bottom = height - (4 if small else 24)
    colours = _colours(series)
    n = max(len(categories), 1)
    if stacked:
        peak = max(
            (sum(float(s.values[i]) for s in series) for i in range(len(categories))), default=0
        )
    else:
        peak = max((float(v) for s in series for v in s.values), default=0)
    top = _nice_max(peak)
    left, right, plot_top = (
        (2, width - 2, 4) if small else (_label_room(top, value_format), width - 8, 10)
    )
    slot = (right - left) / n
    parts = _axis(
        top=top, left=left, right=right, plot_top=plot_top, plot_bottom=plot_bottom,
        small=small, value_format=value_format,
    )  # fmt: skip
    scale = (plot_bottom - plot_top) / top
    for i, category in enumerate(categories):
        x0 = left + slot * i + slot * 0.15
        bar_width = slot * 0.7
        base = float(plot_bottom)
        for j, s in enumerate(series):
            value = max(float(s.values[i]), 0.0)
            h = value * scale
            if stacked:
                x, w, y = x0, bar_width, base - h
                base -= h
            else:
                w = bar_width / max(len(series), 1)
                x, y = x0 + w * j, plot_bottom - h
            if h <= 0:
                continue
            parts.append(
                f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(w)}" height="{_fmt(h)}" '
                f'fill="{colours[j]}"><title>{escape(category)}, {escape(s.label)}: '
                f"{escape(value_format(s.values[i]))}</title></rect>"
            )
    parts += _category_labels(
        categories, x_of=lambda i: left + slot * (i + 0.5), slot=slot, y=height - 8, small=small
    )
    return _frame(
        title=title, description=description, body="".join(parts), width=width, height=height,
        categories=categories, series=series, colours=colours, value_format=value_format,
        small=small,
    )  # fmt: skip


def line_chart(
    *,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    value_format: Callable[[Number], str] = str,
    small: bool = False,
) -> SafeString:
    """One line per series over the categories (months), with a dot per value."""
    width, height = (240, 64) if small else (640, 240)
    plot_bottom = height - (4 if small else 24)
    colours = _colours(series)
    n = len(categories)
    top = _nice_max(max((float(v) for s in series for v in s.values), default=0))
    left, right, plot_top = (
        (4, width - 4, 4) if small else (_label_room(top, value_format), width - 12, 10)
    )
    step = (right - left) / max(n - 1, 1)
    scale = (plot_bottom - plot_top) / top
    parts = _axis(
        top=top, left=left, right=right, plot_top=plot_top, plot_bottom=plot_bottom,
        small=small, value_format=value_format,
    )  # fmt: skip

    def x_of(i: int) -> float:
        return left + step * i if n > 1 else (left + right) / 2

    for j, s in enumerate(series):
        points = [
            (x_of(i), plot_bottom - max(float(v), 0.0) * scale) for i, v in enumerate(s.values)
        ]
        if len(points) > 1:
            path = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colours[j]}" stroke-width="2"/>'
            )
        for i, (x, y) in enumerate(points):
            parts.append(
                f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{2 if small else 3}" '
                f'fill="{colours[j]}"><title>{escape(categories[i])}, {escape(s.label)}: '
                f"{escape(value_format(s.values[i]))}</title></circle>"
            )
    parts += _category_labels(categories, x_of=x_of, slot=step, y=height - 8, small=small)
    return _frame(
        title=title, description=description, body="".join(parts), width=width, height=height,
        categories=categories, series=series, colours=colours, value_format=value_format,
        small=small,
    )  # fmt: skip
