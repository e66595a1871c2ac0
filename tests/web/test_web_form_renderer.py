"""Selects render in Python with exactly Django's markup (issue 15: slow pages)."""

from __future__ import annotations

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from faktura.web.forms.renderer import FormRenderer


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("", "— none —"), ("a", "A & B <x>"), (1, "One")])
    grouped = forms.ChoiceField(
        choices=[("Fruit", [("apple", "Apple"), ("pear", 'Pear "x"')]), ("z", "Zed")]
    )
    many = forms.MultipleChoiceField(choices=[("1", "One"), ("2", "Two")], required=False)
    typed = forms.TypedChoiceField(
        choices=[(5, mark_safe("<b>safe</b>"))],
        coerce=int,
        widget=forms.Select(attrs={"data-task-picker": "/x/?a=1&b=2", "disabled": True,
                                   "hidden": False}),
    )  # fmt: skip
    radio = forms.ChoiceField(choices=[("r", "R")], widget=forms.RadioSelect)


def render_all(renderer) -> list[str]:
    form = Sample(
        data={"plain": "a", "grouped": "pear", "many": ["1", "2"], "typed": "5"}, renderer=renderer
    )
    return [str(form[name]) for name in form.fields]


def test_fast_selects_are_identical_to_djangos_templates():
    fast = render_all(FormRenderer())
    django = render_all(DjangoTemplates())

    assert fast == django
    assert "A &amp; B &lt;x&gt;" in fast[0] and 'value="a" selected' in fast[0]
    assert '<optgroup label="Fruit">' in fast[1] and "Pear &quot;x&quot;" in fast[1]
    assert "multiple" in fast[2]
    assert "<b>safe</b>" in fast[3] and 'data-task-picker="/x/?a=1&amp;b=2"' in fast[3]
    assert " disabled" in fast[3] and "hidden" not in fast[3]
