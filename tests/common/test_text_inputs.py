"""Issue 9 through the API: every text field that reaches a document refuses control
characters, line breaks where one line is expected and bidirectional overrides with 400
naming the field; fields of several lines keep their line breaks."""

from __future__ import annotations

import pytest

from faktura.billing.inputs import InvoiceCreate
from faktura.billing.services.invoices import invoice_create
from faktura.contacts.inputs import ContactCreate
from faktura.contacts.services import contact_create

BELL, RLO = "\u0007", "\u202e"


def _error(r, field: str) -> str:
    assert r.status_code == 400, r.content
    body = r.json()["error"]
    assert field in body["fields"], body
    return body["fields"][field]


@pytest.mark.parametrize("bad", [f"Müller{BELL} GmbH", f"Müller {RLO}HbmG", "Müller\nGmbH"])
def test_contact_name_is_refused(api, bad):
    r = api.post("contacts", {"name": bad})
    _error(r, "name")


def test_contact_notes_keep_line_breaks_but_not_controls(api):
    r = api.post("contacts", {"name": "Kunde", "notes": "Zeile 1\r\nZeile 2"})
    assert r.status_code in (200, 201), r.content
    assert r.json()["notes"] == "Zeile 1\nZeile 2"
    assert "U+0007" in _error(api.post("contacts", {"name": "K", "notes": BELL + "x"}), "notes")


def test_tenant_profile_and_footer(api):
    assert "U+202E" in _error(api.patch("tenant", {"street": f"Hauptstr.{RLO} 1"}), "street")
    assert api.patch("tenant", {"invoice_footer": "Danke!\nBis bald."}).status_code == 200
    _error(api.patch("tenant", {"invoice_footer": f"Danke{BELL}"}), "invoice_footer")
    _error(api.patch("tenant", {"email_subject_de": "Rechnung\n{number}"}), "email_subject_de")


def test_project_task_and_entry_texts(api, ctx):
    contact = contact_create(ctx, data=ContactCreate(name="Kunde"))
    r = api.post("projects", {"name": f"P{BELL}", "contact_id": contact.pk, "scope": "external"})
    _error(r, "name")
    project = api.post("projects", {"name": "P", "contact_id": contact.pk, "scope": "external"})
    assert project.status_code in (200, 201), project.content
    project_id = project.json()["id"]
    _error(api.post("tasks", {"project_id": project_id, "title": f"Drucker{RLO}"}), "title")
    _error(api.post("tasks", {"project_id": project_id, "title": "Drucker\tdefekt"}), "title")
    task = api.post("tasks", {"project_id": project_id, "title": "Drucker 🖨️ Ωμέγα"})
    assert task.status_code in (200, 201), task.content
    r = api.post(
        "entries",
        {"task_id": task.json()["id"], "kind": "expense", "date": "2026-03-02",
         "quantity": "1", "unit_price": "10", "description": f"Kabel{BELL}"},
    )  # fmt: skip
    _error(r, "description")


def test_catalog_texts(api):
    _error(api.post("units", {"code": "XPK", "name": f"Paket{BELL}"}), "name")
    r = api.post("products", {"name": "Support", "unit": "HUR", "description": "\x1b[31m"})
    _error(r, "description")


def test_invoice_line_title_and_description(api, ctx):
    draft = invoice_create(
        ctx, data=InvoiceCreate(contact_id=contact_create(ctx, data=ContactCreate(name="Kunde")).pk)
    )
    line = {"quantity": "1", "unit": "HUR", "unit_price": "10", "vat_rate": "19"}
    r = api.post(f"invoices/{draft.pk}/lines", {**line, "title": "Zwei\nZeilen"})
    assert "line break" in _error(r, "title")
    r = api.post(f"invoices/{draft.pk}/lines", {**line, "title": "T", "description": RLO})
    _error(r, "description")
    r = api.post(f"invoices/{draft.pk}/lines", {**line, "title": "T", "description": "a\nb"})
    assert r.status_code in (200, 201), r.content
