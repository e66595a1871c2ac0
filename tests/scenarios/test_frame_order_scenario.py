"""A customer's 100 h frame order billed three months running until it is exhausted, through
the HTTP API: `block` refuses the overdraw, `warn` issues it with a warning, `allow` issues it;
the PO number is the invoices' BT-13; a credit note gives its hours back. And a retainer with
rollover over three months of billing runs (issue 14). The invariants (tests/conftest) are
checked after each story on either database."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest
from django.core.management import call_command


@pytest.fixture
def company(owner):
    tenant = owner.tenant
    tenant.iban = "DE89370400440532013000"
    tenant.email, tenant.phone = "rechnung@acme.test", "+49 30 1234567"
    tenant.save(update_fields=["iban", "email", "phone"])
    return tenant


def _ok(response, status=200):
    assert response.status_code == status, response.json()
    return response.json()


def _draft(api, contact_id: int, hours: str, frame_order_id: int) -> dict:
    invoice = _ok(api.post("invoices", {"contact_id": contact_id}), 201)
    line = {"title": "Support", "quantity": hours, "unit": "HUR", "unit_price": "100.00",
            "vat_rate": "19"}  # fmt: skip
    _ok(api.post(f"invoices/{invoice['id']}/lines", line), 201)
    _ok(api.patch(f"invoices/{invoice['id']}", {"frame_order_id": frame_order_id}))
    return invoice


def _pool(api, frame_order_id: int) -> tuple:
    body = _ok(api.get(f"frame-orders/{frame_order_id}"))
    return body["hours_billed"], body["hours_remaining"], body["status"]


@pytest.mark.parametrize("policy", ["block", "warn", "allow"])
def test_a_frame_order_is_billed_until_exhausted(api, company, policy):
    customer = _ok(
        api.post("contacts", {"name": "Stadtwerke Nord GmbH", "street": "Am Hafen 1",
                              "postal_code": "20095", "city": "Hamburg", "country": "DE",
                              "email": "rechnung@stadtwerke-nord.test"}),
        201,
    )  # fmt: skip
    cid = customer["id"]
    pool = _ok(
        api.post(
            "frame-orders",
            {"contact_id": cid, "po_number": "PO-2026-100", "hours": "100",
             "valid_from": "2026-01-01", "valid_to": "2026-12-31", "overage_policy": policy},
            HTTP_IDEMPOTENCY_KEY="fo-1",
        ),
        201,
    )  # fmt: skip
    fid = pool["id"]

    # January and February: 40 h each; the PO number is printed as BT-13
    january = _ok(
        api.post(
            f"invoices/{_draft(api, cid, '40', fid)['id']}/issue", {"issue_date": "2026-01-31"}
        )
    )
    february = _ok(
        api.post(
            f"invoices/{_draft(api, cid, '40', fid)['id']}/issue", {"issue_date": "2026-02-28"}
        )
    )
    assert january["po_number"] == february["po_number"] == "PO-2026-100"
    xml = api.get(f"invoices/{january['id']}/einvoice", format="xrechnung-ubl").content.decode()
    assert "PO-2026-100" in xml, xml[:600]
    order_reference = xml.split("<cac:OrderReference>", 1)[1].split("</cac:OrderReference>")[0]
    assert "<cbc:ID>PO-2026-100</cbc:ID>" in order_reference
    assert _pool(api, fid) == ("80.0000", "20.0000", "low")

    # March: 30 h with 20 h left
    march = _draft(api, cid, "30", fid)
    answer = api.post(f"invoices/{march['id']}/issue", {"issue_date": "2026-03-31"})
    if policy == "block":
        assert answer.status_code == 422
        assert answer.json()["error"]["code"] == "frame_order_exhausted"
        assert answer.json()["error"]["fields"] == {"frame_order_id": "20 h remaining."}
        assert _ok(api.get(f"invoices/{march['id']}"))["status"] == "draft"
        assert _pool(api, fid) == ("80.0000", "20.0000", "low")
        return
    assert answer.status_code == 200, answer.json()
    assert _pool(api, fid) == ("110.0000", "-10.0000", "exhausted")
    ledger = _ok(api.get(f"frame-orders/{fid}/ledger"))
    assert [(row["number"], row["hours"], row["kind"]) for row in ledger] == [
        (january["number"], "40.0000", "draw"),
        (february["number"], "40.0000", "draw"),
        (answer.json()["number"], "30.0000", "draw"),
    ]
    expected = "exceeds the frame order by 10 h" if policy == "warn" else ""
    assert ledger[-1]["warning"] == expected

    # a credit note for February gives its 40 h back
    note = _ok(api.post(f"invoices/{february['id']}/void", {"release_entries": False}), 201)
    assert _ok(api.get(f"invoices/{note['id']}"))["frame_order_id"] == fid
    assert _pool(api, fid) == ("70.0000", "30.0000", "active")
    assert _ok(api.get(f"frame-orders/{fid}/ledger"))[-1]["kind"] == "reversal"


def _billing_world(owner):
    path = Path(__file__).resolve().parents[1] / "billing" / "conftest.py"
    name = "billing_tests_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name].BillingWorld(owner)


@pytest.mark.django_db(transaction=True)
def test_a_retainer_rolls_unused_hours_over_three_months(api, owner):
    # given a 20 h retainer at 1,800.00 a month, unused hours roll over (at most 5 h); the
    # customer reads German, so the lines are in German
    world = _billing_world(owner)
    project = world.project()
    retainer = _ok(
        api.post(
            "retainers",
            {"project_id": project.pk, "hours_per_month": "20", "monthly_fee": "1800.00",
             "rollover": "next_month", "rollover_cap_hours": "5", "start_date": "2026-03-01"},
        ),
        201,
    )  # fmt: skip

    def month(number: int, hours: int) -> dict:
        task = world.task(project, title=f"Month {number}")
        world.item(task, minutes=hours * 60, day=dt.date(2026, number, 15))
        _ok(api.post("billing-runs", {"period": f"2026-{number:02d}"}), 202)
        call_command(
            "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
        )
        [draft] = [
            i for i in _ok(api.get("invoices", status="draft"))["items"]
            if i["service_period_start"] == f"2026-{number:02d}-01"
        ]  # fmt: skip
        return _ok(api.get(f"invoices/{draft['id']}"))

    # when March uses 12 h, April 26 h, May 31 h
    march, april, may = month(3, 12), month(4, 26), month(5, 31)

    # then March carries 5 (capped) of its 8 unused hours; April uses them first, its own
    # 20 h and 1 h overage; nothing rolls into May, which bills 11 h overage at the normal price
    assert [(line["title"], line["net_amount"]) for line in march["lines"]] == [
        ("Kontingent 2026-03: 20 h inklusive", "1800.00")
    ]
    assert [line["net_amount"] for line in april["lines"]] == ["1800.00", "100.00"]
    assert [(line["title"], line["quantity"], line["net_amount"]) for line in may["lines"]] == [
        ("Kontingent 2026-05: 20 h inklusive", "1.0000", "1800.00"),
        ("Kontingent 2026-05: Mehrstunden", "11.0000", "1100.00"),
    ]
    months = _ok(api.get(f"retainers/{retainer['id']}"))["months"]
    assert [
        (m["month"], m["used_hours"], m["rolled_in_hours"], m["overage_hours"], m["carried_hours"])
        for m in months
    ] == [
        ("2026-03-01", "12.0000", "0.0000", "0.0000", "5.0000"),
        ("2026-04-01", "26.0000", "5.0000", "1.0000", "0.0000"),
        ("2026-05-01", "31.0000", "0.0000", "11.0000", "0.0000"),
    ]
