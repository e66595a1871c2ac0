from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.core.pricing import (
    PRODUCT_SCOPE_ORDER,
    STANDARD_ORDER,
    TRANSPORT_ORDER,
    PriceCandidate,
    PriceResolution,
    resolve_by_order,
    resolve_price,
    resolve_product,
)
from faktura.core.problems import codes


def test_orders_are_the_documented_ones():
    assert TRANSPORT_ORDER == ("entry", "product_default", "task")
    assert STANDARD_ORDER == (
        "entry",
        "task",
        "price_list",
        "project_member",
        "project",
        "member_default",
        "product_default",
    )
    assert PRODUCT_SCOPE_ORDER == ("task", "contact", "membership", "team", "tenant")


def test_first_price_that_is_not_none_wins_even_zero():
    result = resolve_price(
        [
            PriceCandidate("entry", None),
            PriceCandidate("task", Decimal("0")),
            PriceCandidate("project", Decimal("120")),
        ]
    )
    assert result == PriceResolution(price=Decimal("0"), source="task", warnings=())
    assert str(result.price) == "0.000000"


def test_no_price_gives_zero_and_a_warning():
    result = resolve_price([PriceCandidate("entry", None)])
    assert (result.price, result.source) == (Decimal(0), "none")
    assert codes(result.warnings) == ["no_price"]
    assert result.warnings[0].severity == "warning"
    assert resolve_price([]).source == "none"


def test_winning_price_is_rounded_to_six_places_with_a_warning():
    result = resolve_price([PriceCandidate("price_list", Decimal("0.0000125"))])
    assert str(result.price) == "0.000013"
    assert codes(result.warnings) == ["unit_price_rounded"]
    assert codes(resolve_price([PriceCandidate("task", Decimal("-5"))]).warnings) == [
        "negative_price"
    ]


def test_resolve_by_order_uses_the_order_not_the_dict_order():
    values = {"product_default": Decimal("30"), "task": Decimal("95"), "entry": None}
    assert resolve_by_order(STANDARD_ORDER, values).source == "task"
    assert resolve_by_order(TRANSPORT_ORDER, values).source == "product_default"
    with pytest.raises(ValueError):
        resolve_by_order(STANDARD_ORDER, {"tsak": Decimal("1")})


@given(
    st.fixed_dictionaries(
        {},
        optional={
            source: st.none() | st.decimals(min_value=0, max_value=1000, places=2)
            for source in STANDARD_ORDER
        },
    )
)
def test_resolve_by_order_picks_the_highest_ranked_present_price(values):
    result = resolve_by_order(STANDARD_ORDER, values)
    present = [s for s in STANDARD_ORDER if values.get(s) is not None]
    if present:
        assert result.source == present[0]
        assert result.price == values[present[0]]
        assert result.warnings == ()
    else:
        assert (result.source, result.price) == ("none", Decimal(0))


def test_price_candidate_refuses_float():
    with pytest.raises(TypeError):
        PriceCandidate("entry", 95.0)  # type: ignore[arg-type]


def test_resolve_product_returns_the_most_specific_scope():
    found = {"tenant": "P-default", "team": None, "contact": "P-customer"}
    assert resolve_product(PRODUCT_SCOPE_ORDER, found) == ("P-customer", "contact")
    assert resolve_product(PRODUCT_SCOPE_ORDER, {"tenant": None}) == (None, None)
    with pytest.raises(ValueError):
        resolve_product(PRODUCT_SCOPE_ORDER, {"customer": "P"})
