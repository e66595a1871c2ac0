"""Tenant isolation, walked over every path of the OpenAPI document.

For each operation the test calls the API as tenant A with tenant B's ids, and again with ids
that exist nowhere. B's objects must be indistinguishable from missing ones (same status, same
body, never a success), lists must not show B's data, and B's rows must be unchanged. A new
endpoint is covered the moment it is added; a new path parameter name makes this test fail
until it is mapped below.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from faktura.billing.models import BillableItem, Invoice, InvoiceLine
from faktura.billingreview.models import BillingReview, BillingReviewDecision
from faktura.catalog.models import (
    LineKind,
    PriceList,
    PriceListItem,
    Product,
    ProductAssignment,
    Unit,
)
from faktura.common.models import Operation
from faktura.contacts.models import Contact
from faktura.frameorders.models import FrameOrder, Retainer
from faktura.integrations.models import (
    SyncConnection,
    SyncRecord,
    WebhookDelivery,
    WebhookSubscription,
)
from faktura.offers.models import Offer, OfferLine
from faktura.receivables.models import (
    BankStatement,
    BankTransaction,
    Payment,
    ReceivableCharge,
    Reminder,
)
from faktura.subscriptions.models import Subscription
from faktura.tenancy.models import ApiToken, Invitation, MembershipTerms, Team
from faktura.work.models import Project, ProjectMember, Task, TaskEntry

MARK = "THEIRS-7f3a"
MISSING_INT = 987_654_321


def _their_world(owner) -> dict[str, object]:
    """One object of every kind in tenant B, named so leaks are easy to spot."""
    tenant = owner.tenant
    team = Team.objects.create(tenant=tenant, name=f"{MARK} team")
    owner.team = team
    owner.save()
    unit = Unit.objects.create(tenant=tenant, code="XPK", name=f"{MARK} unit")
    product = Product.objects.create(
        tenant=tenant, name=f"{MARK} product", unit=unit, default_unit_price=Decimal("9.99")
    )
    price_list = PriceList.objects.create(tenant=tenant, name=f"{MARK} prices")
    PriceListItem.objects.create(
        tenant=tenant, price_list=price_list, product=product, unit_price=Decimal("8.88")
    )
    contact = Contact.objects.create(tenant=tenant, name=f"{MARK} customer")
    project = Project.objects.create(tenant=tenant, name=f"{MARK} project", contact=contact)
    ProjectMember.objects.create(tenant=tenant, project=project, membership=owner)
    task = Task.objects.create(
        tenant=tenant, number=1, project=project, title=f"{MARK} task", client=contact
    )
    now = timezone.now()
    entry = TaskEntry.objects.create(
        tenant=tenant, task=task, membership=owner, date=now.date(),
        started_at=now - timedelta(hours=1), stopped_at=now, duration_seconds=3600,
        description=f"{MARK} entry",
    )  # fmt: skip
    assignment = ProductAssignment.objects.create(
        tenant=tenant, scope="contact", contact=contact, line_kind=LineKind.TASK_ENTRY,
        product=product,
    )  # fmt: skip
    token = ApiToken.objects.create(
        tenant=tenant, membership=owner, name=f"{MARK} token", prefix="fk_x", key_hash="0" * 64
    )
    operation = Operation.objects.create(tenant=tenant, kind=f"{MARK} op")
    invitation = Invitation.objects.create(
        tenant=tenant, email="mark@tenant-b.test", token_hash="1" * 64,
        expires_at=now + timedelta(days=7),
    )  # fmt: skip
    invoice = Invoice.objects.create(tenant=tenant, contact=contact, currency="EUR")
    line = InvoiceLine.objects.create(
        tenant=tenant, invoice=invoice, position=1, kind=LineKind.TASK_ENTRY,
        title=f"{MARK} line", unit="HUR", quantity=Decimal("1"), unit_price=Decimal("10"),
        net_amount=Decimal("10.00"), vat_rate=Decimal("19"),
    )  # fmt: skip
    item = BillableItem.objects.create(
        tenant=tenant, kind=LineKind.TASK_ENTRY, status="on_draft", entry=entry, task=task,
        project=project, contact=contact, product=product, product_name=f"{MARK} item",
        unit="HUR", quantity=Decimal("1"), unit_price=Decimal("10"), amount=Decimal("10.00"),
        currency="EUR", price_source="task", vat_rate=Decimal("19"), service_date=now.date(),
        invoice_line=line,
    )  # fmt: skip
    payment = Payment.objects.create(
        tenant=tenant, invoice=invoice, contact=contact, amount=Decimal("1.00"), currency="EUR",
        date=now.date(), method="cash", reference=f"{MARK} payment",
    )  # fmt: skip
    statement = BankStatement.objects.create(
        tenant=tenant, format="camt053", sha256="0" * 64, content=b"", account=f"{MARK} iban"
    )
    bank_tx = BankTransaction.objects.create(
        tenant=tenant, statement=statement, key=f"{MARK} key", booking_date=now.date(),
        amount=Decimal("1.00"), currency="EUR", remittance=f"{MARK} text", status="unmatched",
    )  # fmt: skip
    reminder = Reminder.objects.create(
        tenant=tenant, invoice=invoice, contact=contact, level=1, level_name=f"{MARK} level",
        date=now.date(), currency="EUR", open_amount=Decimal("1.00"), fee=Decimal("0.00"),
        interest=Decimal("0.00"), total_due=Decimal("1.00"), new_due_date=now.date(),
    )  # fmt: skip
    charge = ReceivableCharge.objects.create(
        tenant=tenant, invoice=invoice, reminder=reminder, contact=contact, kind="fee",
        amount=Decimal("5.00"), currency="EUR", date=now.date(),
    )  # fmt: skip
    offer = Offer.objects.create(
        tenant=tenant, contact=contact, title=f"{MARK} offer", currency="EUR"
    )
    OfferLine.objects.create(
        tenant=tenant, offer=offer, position=1, title=f"{MARK} position", unit="C62",
        quantity=Decimal("1"), unit_price=Decimal("10"), net_amount=Decimal("10.00"),
        vat_rate=Decimal("19"),
    )  # fmt: skip
    frame_order = FrameOrder.objects.create(
        tenant=tenant, contact=contact, po_number=f"{MARK} po", hours=Decimal("10"),
        currency="EUR", valid_from=now.date(),
    )  # fmt: skip
    retainer = Retainer.objects.create(
        tenant=tenant, project=project, hours_per_month=Decimal("10"),
        monthly_fee=Decimal("900.00"), start_date=now.date(),
    )  # fmt: skip
    review = BillingReview.objects.create(
        tenant=tenant, contact=contact, period_start=now.date(), period_end=now.date(),
        po_number=f"{MARK} po",
    )  # fmt: skip
    BillingReviewDecision.objects.create(review=review, entry=entry)
    connection = SyncConnection.objects.create(
        tenant=tenant, provider="datev", name=f"{MARK} connection"
    )
    record = SyncRecord.objects.create(
        tenant=tenant, connection=connection, object_type="invoice", object_id=invoice.pk,
        status="failed", idempotency_key="k", error=f"{MARK} error",
    )  # fmt: skip
    webhook = WebhookSubscription.objects.create(
        tenant=tenant, url=f"https://example.com/{MARK}", events=["invoice.issued"], secret="x"
    )
    delivery = WebhookDelivery.objects.create(
        tenant=tenant, subscription=webhook, event_id=uuid.uuid4(), event="invoice.issued",
        event_key="k", payload={"mark": MARK},
    )  # fmt: skip
    subscription = Subscription.objects.create(
        tenant=tenant, contact=contact, product=product, start_date=now.date(),
        description=f"{MARK} subscription",
    )  # fmt: skip
    terms = MembershipTerms.objects.create(
        tenant=tenant, membership=owner, valid_from=now.date(), cost_rate=Decimal("40")
    )
    return {
        "terms_id": terms.pk,
        "subscription_id": subscription.pk,
        "frame_order_id": frame_order.pk, "retainer_id": retainer.pk,
        "project_ids": [project.pk],
        "offer_id": offer.pk,
        "review_id": review.pk,
        "connection_id": connection.pk,
        "record_id": record.pk,
        "webhook_id": webhook.pk,
        "delivery_id": delivery.pk,
        "reminder_id": reminder.pk,
        "charge_id": charge.pk,
        "invoice_ids": [invoice.pk],
        "statement_id": statement.pk,
        "transaction_id": bank_tx.pk,
        "payment_id": payment.pk,
        "contact_id": contact.pk, "client_id": contact.pk, "project_id": project.pk,
        "task_id": task.pk, "entry_id": entry.pk, "product_id": product.pk,
        "price_list_id": price_list.pk, "unit_id": unit.pk, "assignment_id": assignment.pk,
        "membership_id": owner.pk, "assignee_id": owner.pk, "team_id": team.pk,
        "token_id": token.pk, "operation_id": operation.pk, "scope_id": contact.pk,
        "invitation_id": invitation.pk,
        "invoice_id": invoice.pk, "line_id": line.pk, "item_id": item.pk,
        "billable_item_ids": [item.pk], "entry_ids": [entry.pk], "item_ids": [item.pk],
        "line_ids": [line.pk], "ids": [entry.pk],
    }  # fmt: skip


# Path parameters that name no object (a series, a format) get the same value either way.
NOT_IDS = {"kind": "invoice", "format": "xrechnung-ubl"}


def _missing(name: str, value):
    if isinstance(value, list):
        return [MISSING_INT]
    return uuid.uuid4() if name == "operation_id" else MISSING_INT


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        schema = _resolve(spec, options[0]) if options else schema
    return schema


def _body(spec: dict, operation: dict, ids: dict) -> dict | None:
    """A body that passes schema validation, with every *_id field set from `ids`."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return None
    schema = _resolve(spec, content["schema"])
    body = {}
    for name, prop in schema.get("properties", {}).items():
        prop = _resolve(spec, prop)
        if name in ids:
            body[name] = ids[name]
        elif name in schema.get("required", []):
            if "enum" in prop:
                body[name] = prop["enum"][0]
            else:
                body[name] = {
                    "string": "x", "integer": 1, "number": "1", "boolean": False,
                    "array": [], "object": {},
                }.get(prop.get("type"), "x")  # fmt: skip
    return body


def _flat(values):
    for value in values:
        yield from value if isinstance(value, list) else [value]


def _normalised(content: bytes, ids: list[str]):
    """The answer with every id of the request replaced, so "Entry 3 not found" and
    "Entry 987654321 not found" compare equal while any other difference shows."""
    text = json.dumps(json.loads(content), sort_keys=True)
    for value in sorted(set(ids), key=len, reverse=True):
        text = re.sub(rf"(?<![\w.-]){re.escape(value)}(?![\w-]|\.\d)", "<id>", text)
    return text


def _snapshot(tenant) -> list:
    rows = []
    for model in apps.get_models():
        fields = {f.name for f in model._meta.fields}
        if "tenant" in fields and model is not Operation:
            rows.extend(
                (model.__name__, *row)
                for row in model.objects.filter(tenant=tenant).order_by("pk").values_list()
            )
    return rows


@pytest.mark.invariants_broken  # builds the other tenant's rows directly, not through billing
@pytest.mark.django_db
def test_every_path_hides_other_tenants_objects(api, other_owner, anon_api):
    theirs = _their_world(other_owner)
    before = _snapshot(other_owner.tenant)
    spec = anon_api.get("/api/v1/openapi.json").json()
    checked = 0
    for path, methods in spec["paths"].items():
        params = [seg[1:-1] for seg in path.split("/") if seg.startswith("{")]
        unknown = [p for p in params if p not in theirs and p not in NOT_IDS]
        assert not unknown, f"map the path parameter(s) {unknown} of {path} in _their_world"
        for method, operation in methods.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            if operation.get("security") == [] or path.endswith("/health"):
                continue
            missing = {name: _missing(name, value) for name, value in theirs.items()}
            for_them = path.format(**theirs, **NOT_IDS)
            for_nobody = path.format(**missing, **NOT_IDS)
            body_them = _body(spec, operation, theirs)
            body_nobody = _body(spec, operation, missing)
            call = getattr(api, method)
            if method == "get":
                r_them, r_nobody = call(for_them), call(for_nobody)
            else:
                r_them = call(for_them, body_them) if body_them is not None else call(for_them)
                r_nobody = (
                    call(for_nobody, body_nobody) if body_nobody is not None else call(for_nobody)
                )
            where = f"{method.upper()} {path}"
            assert r_them.status_code < 500, where
            assert MARK not in r_them.content.decode(), f"{where} leaks tenant B's data"
            id_params = [p for p in params if p not in NOT_IDS]
            if id_params or any(k in (body_them or {}) for k in theirs):
                assert r_them.status_code >= 400, f"{where} accepted tenant B's ids"
                assert r_them.status_code == r_nobody.status_code, where
                used = [str(v) for v in _flat(theirs.values())] + [
                    str(v) for v in _flat(missing.values())
                ]
                assert _normalised(r_them.content, used) == _normalised(r_nobody.content, used), (
                    where
                )
                if method == "get" and id_params:
                    assert r_them.status_code == 404, where
            checked += 1
    assert checked >= 20
    assert _snapshot(other_owner.tenant) == before
