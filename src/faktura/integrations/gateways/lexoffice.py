"""Lexware Office (lexoffice) public API: invoices and credit notes as bookkeeping vouchers.

- `POST {base}/v1/vouchers` creates a `salesinvoice` or `salescreditnote` voucher: number, date,
  gross and tax totals, one voucher item per VAT rate (`amount` gross, `taxAmount`,
  `taxRatePercent`, `categoryId` the revenue posting category), `useCollectiveContact`. It
  answers 200/201 `{id, resourceUri, ...}`.
- `GET {base}/v1/voucherlist?voucherType=...&voucherStatus=any&voucherNumber=N` finds a
  voucher by its number (`content` list), so a retry after a lost answer does not create twice.
- `GET {base}/v1/profile` tests the key.
- 401: the API key is invalid (no retries); 429: rate limit (2 requests per second), with
  `Retry-After`; 5xx: try again.

A credit note names its invoice in the voucher's `remark` ("Gutschrift zu Rechnung <number>");
the vouchers API has no field that links two vouchers.

Payments and their reversals are not pushed, by decision: the public API's payments endpoint
(`GET /v1/payments/{voucherId}`) only reads a voucher's payment status; no endpoint records a
payment on a voucher (lexoffice assigns payments from the connected bank account). Payments
reach the bookkeeping through the DATEV export (bank against debtor, a reversal the other
way) and through webhooks (`payment.recorded`, `payment.reversed`, and a webhook connection).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from faktura.integrations import outbound
from faktura.integrations.gateways.base import GatewayError, Pushed, retry_after_seconds

DEFAULT_BASE_URL = "https://api.lexware.io"
# lexoffice's posting category "Einnahmen" (revenue), valid for sales invoices and credit notes.
DEFAULT_CATEGORY = "8f8664a1-fd86-11e1-a21f-0800200c9a66"
VOUCHER_TYPE = {"invoice": "salesinvoice", "credit_note": "salescreditnote"}


class LexofficeGateway:
    def __init__(self, *, settings: dict[str, Any], secrets: dict[str, str], timeout: int = 10):
        self.base = (settings.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
        self.category = settings.get("category_id") or DEFAULT_CATEGORY
        self.api_key = secrets.get("api_key", "")
        self.timeout = timeout

    def supports(self, object_type: str) -> bool:
        return object_type in VOUCHER_TYPE

    def _call(self, method: str, path: str, body: dict | None = None) -> Any:
        if not self.api_key:
            raise GatewayError("No API key is set for this connection.", auth=True)
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json_dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            answer = outbound.request(
                method, self.base + path, headers=headers, body=data, timeout=self.timeout
            )
        except outbound.TransportError as exc:
            raise GatewayError(f"lexoffice did not answer: {exc}") from None
        if answer.status == 401:
            raise GatewayError("lexoffice refused the API key (401).", auth=True)
        if answer.status == 403:
            raise GatewayError("lexoffice does not allow this API key to do this (403).", auth=True)
        if answer.status == 429:
            raise GatewayError(
                "lexoffice's rate limit was reached (429).",
                retry_after=retry_after_seconds(answer.header("Retry-After")),
            )
        if answer.status >= 500:
            raise GatewayError(f"lexoffice answered {answer.status}.")
        if answer.status >= 400:
            raise GatewayError(
                f"lexoffice refused the voucher ({answer.status}): {answer.body[:300]!r}",
                retryable=False,
            )
        if 300 <= answer.status < 400:
            raise GatewayError(f"lexoffice answered a redirect ({answer.status}).", retryable=False)
        try:
            return json.loads(answer.body or b"{}")
        except ValueError:
            raise GatewayError("lexoffice answered something that is not JSON.") from None

    def find(self, document: dict[str, Any]) -> Pushed | None:
        query = urlencode(
            {
                "voucherType": VOUCHER_TYPE[document["object"]],
                "voucherStatus": "any",
                "voucherNumber": document["number"],
            }
        )
        found = self._call("GET", f"/v1/voucherlist?{query}")
        for row in found.get("content", []):
            if row.get("voucherNumber") == document["number"] and row.get("id"):
                return Pushed(external_id=str(row["id"]))
        return None

    def push(self, document: dict[str, Any], *, idempotency_key: str) -> Pushed:
        created = self._call("POST", "/v1/vouchers", voucher(document, self.category))
        if not created.get("id"):
            raise GatewayError("lexoffice answered no voucher id.")
        return Pushed(external_id=str(created["id"]))

    def test(self) -> str:
        profile = self._call("GET", "/v1/profile")
        return str(profile.get("companyName") or profile.get("organizationId") or "ok")


def json_dumps(body: Any) -> str:
    """JSON with decimals written as JSON numbers exactly as they are (never through float)."""

    def marked(value: Any) -> str:
        if isinstance(value, Decimal):
            return f"\x00{value}\x00"
        raise TypeError(type(value).__name__)

    return re.sub(r'"\\u0000([-0-9.E+]+)\\u0000"', r"\1", json.dumps(body, default=marked))


def remark(document: dict[str, Any]) -> str:
    """The customer's name; a credit note also names the invoice it corrects."""
    customer = document["customer"]["name"]
    invoice_number = document.get("credit_note_of_number")
    if document["object"] == "credit_note" and invoice_number:
        return f"Gutschrift zu Rechnung {invoice_number} - {customer}"[:255]
    return customer[:255]


def voucher(document: dict[str, Any], category: str) -> dict[str, Any]:
    """The voucher of an invoice or credit note: one item per VAT rate with its gross amount
    (taxable + VAT of the breakdown row, as Faktura rounded it); a credit note's amounts are
    positive (the voucher type says it is a credit)."""
    items = []
    for row in document["vat_breakdown"]:
        taxable = abs(Decimal(row["taxable_amount"]))
        vat = abs(Decimal(row["vat_amount"]))
        items.append(
            {
                "amount": taxable + vat,
                "taxAmount": vat,
                "taxRatePercent": Decimal(row["rate"]),
                "categoryId": category,
            }
        )
    totals = document["totals"]
    body = {
        "type": VOUCHER_TYPE[document["object"]],
        "voucherNumber": document["number"],
        "voucherDate": document["issue_date"],
        "totalGrossAmount": abs(Decimal(totals["gross"])),
        "totalTaxAmount": abs(Decimal(totals["vat"])),
        "taxType": "gross",
        "useCollectiveContact": True,
        "remark": remark(document),
        "voucherItems": items,
    }
    if document.get("due_date"):
        body["dueDate"] = document["due_date"]
    return body
