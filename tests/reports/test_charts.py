"""Server-rendered SVG charts (reports.charts): accessible, escaped, no inline styles, the
value-group colours of the badges."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from lxml import html

from faktura.reports.charts import VALUE_GROUP_COLOURS, Series, bar_chart, line_chart

CSS = Path(__file__).parents[2] / "src/faktura/web/static/web/app.css"
HOSTILE = '<script>alert("x")</script> & "quoted"'


def test_value_group_colours_are_the_badge_colours():
    css = CSS.read_text()
    for group, colour in VALUE_GROUP_COLOURS.items():
        assert re.search(rf"\.vg-{group}, \.vg-bg-{group} \{{ background: {colour}; \}}", css)


def _chart(**kwargs):
    return bar_chart(
        title=HOSTILE,
        description="Hours per month",
        categories=["2026-01", HOSTILE],
        series=[
            Series("A", [Decimal("1.5"), Decimal("2")], VALUE_GROUP_COLOURS["A"]),
            Series("D", [Decimal("0"), Decimal("0.75")], VALUE_GROUP_COLOURS["D"]),
        ],
        value_format=lambda v: f"{v} h",
        **kwargs,
    )


def test_bar_chart_is_an_accessible_image_with_a_text_alternative():
    markup = str(_chart())
    assert "<script>" not in markup
    assert "style=" not in markup
    tree = html.fromstring(markup)
    svg = tree.xpath("//svg[@role='img']")[0]
    assert svg.get("aria-label") == HOSTILE
    assert svg.xpath("./title")[0].text == HOSTILE
    assert svg.xpath("./desc")[0].text == "Hours per month"
    # Stacked: three non-empty segments, the value-group colours.
    fills = [rect.get("fill") for rect in svg.xpath(".//rect")]
    assert fills == ["#2e7d4f", "#2e7d4f", "#c2410c"]
    table = tree.xpath("//div[@class='sr-only']/table")[0]
    cells = [[c.text_content() for c in row.xpath("./*")] for row in table.xpath(".//tbody/tr")]
    assert cells == [["2026-01", "1.5 h", "0 h"], [HOSTILE, "2 h", "0.75 h"]]


def test_grouped_bars_stand_side_by_side():
    tree = html.fromstring(str(_chart(stacked=False)))
    rects = tree.xpath("//svg[@role='img']//rect")
    # The two bars of the second month start at different x and share the baseline.
    second = rects[1:]
    assert len({r.get("x") for r in second}) == 2
    assert len({float(r.get("y")) + float(r.get("height")) for r in second}) == 1


def test_line_chart_has_a_line_and_a_dot_per_value():
    markup = str(
        line_chart(
            title="Trend",
            description="Waste per month",
            categories=["Jan", "Feb", "Mar"],
            series=[Series("D", [1, 3, 2], VALUE_GROUP_COLOURS["D"])],
            small=True,
        )
    )
    tree = html.fromstring(markup)
    assert len(tree.xpath("//svg[@role='img']//polyline")) == 1
    assert len(tree.xpath("//svg[@role='img']//circle")) == 3
    assert "style=" not in markup


def test_empty_chart_renders():
    markup = str(bar_chart(title="Empty", description="", categories=[], series=[]))
    assert 'role="img"' in markup


def test_long_category_labels_are_cut_to_their_slot_with_the_whole_name_as_tooltip():
    names = [f"Möbelhaus Sander GmbH & Co. KG Filiale {n}" for n in range(10)]
    markup = str(
        bar_chart(
            title="Unbilled work",
            description="per customer",
            categories=names,
            series=[Series("0-30", [Decimal(n) for n in range(10)])],
        )
    )
    svg = html.fromstring(markup).find(".//svg")
    labels = [t for t in svg.iter("text") if t.find("title") is not None]
    assert [t.find("title").text for t in labels] == names
    shown = [t.find("title").tail for t in labels]
    slot = (640 - 8 - 56) / 10  # the plot's width per category
    assert all(s.endswith("…") and len(s) * 5.6 <= slot for s in shown)
    assert shown[0].startswith("Möbel")
