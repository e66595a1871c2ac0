"""The form renderer: Django's templates, with <select> rendered in Python.

A select renders one template include per option; the time-zone field (about 600 zones),
the task, project and customer filters and the draft lines' selects made that most of the
server time of /settings/, /work/tasks/, /billing/items/ and a big draft (issue 15: pages over
300 ms). The markup is exactly what Django's `select.html`, `select_option.html` and
`attrs.html` produce; every other widget still renders through its template.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict[str, Any]) -> str:
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {conditional_escape(name)}")
        if value is not True:
            parts.append(f'="{conditional_escape(str(value))}"')
    return "".join(parts)


def render_select(widget: dict[str, Any]) -> str:
    """`select.html` of the widget context `widget`, without the template engine (each option
    ends with the newline its template file ends with)."""
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            out.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if template_name == SELECT else None
        if widget is not None and all(
            option.get("template_name") == OPTION
            for _name, choices, _index in widget["optgroups"]
            for option in choices
        ):
            return mark_safe(render_select(widget))  # noqa: S308 - every value escaped above
        return super().render(template_name, context, request)
