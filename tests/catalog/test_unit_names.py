"""Built-in units are shown in the reader's language; a unit the company renamed keeps its text."""

from __future__ import annotations

import pytest
from django.utils import translation

from faktura.catalog.models import Unit
from faktura.catalog.selectors import unit_choices, unit_symbols

pytestmark = pytest.mark.django_db


def test_builtin_units_read_in_the_active_language(tenant):
    with translation.override("de"):
        symbols = unit_symbols(tenant=tenant)
        choices = dict(unit_choices(tenant=tenant))
    assert (symbols["HUR"], symbols["C62"], symbols["KMT"]) == ("Std.", "Stk.", "km")
    assert (choices["HUR"], choices["C62"]) == ("Stunde (HUR)", "Stück (C62)")
    with translation.override("en"):
        symbols = unit_symbols(tenant=tenant)
        choices = dict(unit_choices(tenant=tenant))
    assert (symbols["HUR"], symbols["C62"]) == ("h", "pc")
    assert choices["C62"] == "Piece (C62)"


def test_a_renamed_unit_keeps_its_own_text(tenant):
    Unit.objects.filter(tenant=tenant, code="C62").update(name="Gerät", symbol="Gér.")
    unit = Unit.objects.get(tenant=tenant, code="C62")
    with translation.override("en"):
        assert unit_symbols(tenant=tenant)["C62"] == "Gér."
        assert (unit.display_name, unit.display_symbol) == ("Gerät", "Gér.")
