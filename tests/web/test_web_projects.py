"""The project form: an internal project is marked as absence with a checkbox (the service
`work.absence.project_absence_set`, as `PUT /projects/{id}/absence`)."""

from __future__ import annotations

import re

from django.urls import reverse

from faktura.work.models import Project


def _form(project, **changes):
    form = {
        "name": project.name, "number": project.number,
        "contact_id": project.contact_id or "", "kind": project.kind, "scope": project.scope,
        "value_group": project.value_group, "billing_model": project.billing_model,
        "status": project.status, "currency": project.currency,
        "tr_increment": "", "tr_direction": "", "tr_minimum": "", "tr_level": "",
    }  # fmt: skip
    if project.is_absence:
        form["is_absence"] = "on"
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def _ticked(page: str) -> bool:
    box = re.search(r'<input[^>]*name="is_absence"[^>]*>', page)
    assert box is not None
    return "checked" in box[0]


def test_an_internal_project_is_marked_and_unmarked_as_absence(browser, web_data):
    project = web_data.internal
    url = reverse("web:project_edit", args=[project.pk])
    page = browser.get(url).content.decode()
    assert 'name="is_absence"' in page

    # given the checkbox ticked
    r = browser.post(url, _form(project, is_absence="on"))

    # then the project counts as absence, and the rest of the form is saved as before
    assert r.status_code == 302, r.content.decode()[:3000]
    project.refresh_from_db()
    assert project.is_absence is True
    assert _ticked(browser.get(url).content.decode())

    # when it is unticked (a checkbox sends nothing)
    r = browser.post(url, _form(project, is_absence=None, name="Urlaub und Krankheit"))

    assert r.status_code == 302
    project.refresh_from_db()
    assert (project.is_absence, project.name) == (False, "Urlaub und Krankheit")
    assert not _ticked(browser.get(url).content.decode())


def test_an_external_project_offers_no_absence_checkbox(browser, web_data):
    project = web_data.project
    url = reverse("web:project_edit", args=[project.pk])
    assert project.scope == Project.Scope.EXTERNAL
    assert 'name="is_absence"' not in browser.get(url).content.decode()

    # a forged field changes nothing
    r = browser.post(url, _form(project, is_absence="on"))

    assert r.status_code == 302
    project.refresh_from_db()
    assert project.is_absence is False
