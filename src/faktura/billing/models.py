"""Billable items, invoices (and credit notes), their lines, and number sequences."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from faktura.catalog.models import LineKind, VatCategory
from faktura.common.models import TenantOwnedModel


class BillableItem(TenantOwnedModel):
    """Something to bill, compiled from an entry (or a subscription, product, manual input).

    The item carries everything the invoice line needs, priced and explained (`price_source`,
    `warnings`), so a reviewer sees why an amount is what it is. Its status and the source
    entry's billing state move together, in the same transaction.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")  # compiled, waiting for an invoice
        ON_DRAFT = "on_draft", _("On draft")  # on an invoice draft
        INVOICED = "invoiced", _("Invoiced")  # on an issued invoice
        DEFERRED = "deferred", _("Deferred")  # carried forward to a later period
        NOT_BILLABLE = "not_billable", _("Not billable")  # marked "do not bill" in review
        WRITTEN_OFF = "written_off", _("Written off")  # credited and not billed again
        RELEASED = "released", _("Released")  # credited; its entry may be compiled anew

    kind = models.CharField(max_length=20, choices=LineKind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    entry = models.ForeignKey(
        "work.TaskEntry", null=True, blank=True, on_delete=models.PROTECT,
        related_name="billable_items",
    )  # fmt: skip
    task = models.ForeignKey(
        "work.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    project = models.ForeignKey(
        "work.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    membership = models.ForeignKey(
        "tenancy.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product_name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=3)  # UN/ECE Rec 20 code
    logged_seconds = models.PositiveIntegerField(null=True, blank=True)  # time kinds
    quantity = models.DecimalField(max_digits=14, decimal_places=4)
    unit_price = models.DecimalField(max_digits=18, decimal_places=6)
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3)
    price_source = models.CharField(max_length=20)
    warnings = models.JSONField(default=list, blank=True)
    vat_category = models.CharField(max_length=2, choices=VatCategory.choices, default="S")
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    service_date = models.DateField()
    # The period served (a subscription's period); the line carries it (BT-134/135).
    service_period_start = models.DateField(null=True, blank=True)
    service_period_end = models.DateField(null=True, blank=True)
    # A variable quantity (per user, ...) a person still has to enter; its line cannot be
    # issued until then.
    needs_quantity = models.BooleanField(default=False)
    deferred_until = models.DateField(null=True, blank=True)
    invoice_line = models.ForeignKey(
        "billing.InvoiceLine", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="items",
    )  # fmt: skip
    source_key = models.CharField(max_length=80, blank=True)  # e.g. subscription:12:2026-11-01

    class Meta:
        ordering = ["service_date", "id"]
        indexes = [
            models.Index(fields=["tenant", "status", "contact"]),
            models.Index(fields=["tenant", "project", "status"]),
        ]
        constraints = [
            # Compile is idempotent: one live item per entry and line kind. A credited item
            # whose entry was released keeps its row but steps out of the way.
            models.UniqueConstraint(
                fields=["entry", "kind"],
                condition=models.Q(entry__isnull=False) & ~models.Q(status="released"),
                name="billable_item_one_per_entry_kind",
            ),
            models.UniqueConstraint(
                fields=["tenant", "source_key"],
                condition=~models.Q(source_key="") & ~models.Q(status="released"),
                name="billable_item_unique_source_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} x {self.unit_price}"


class Invoice(TenantOwnedModel):
    """An invoice or credit note. Drafts change; issued documents are frozen."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")  # UNTDID 1001 code 380
        CREDIT_NOTE = "credit_note", _("Credit note")  # code 381, references an invoice

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")  # being reviewed; no number
        ISSUED = "issued", _("Issued")  # numbered and frozen
        SENT = "sent", _("Sent")  # delivered to the customer
        PAID = "paid", _("Paid")  # settled in full
        VOID = "void", _("Void")  # cancelled by a credit note

    class Grouping(models.TextChoices):
        CONTACT = "contact", _("Per customer")
        PROJECT = "project", _("Per project")
        TASK = "task", _("Per ticket")
        MANUAL = "manual", _("Manual")
        RUN = "run", _("Billing run")

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    number = models.CharField(max_length=60, null=True, blank=True)  # noqa: DJ001 - drafts: none, not ""
    sequence_value = models.PositiveIntegerField(null=True, blank=True)
    sequence_period = models.CharField(max_length=10, blank=True)
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        "work.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grouping = models.CharField(max_length=10, choices=Grouping.choices, default="manual")
    draft_key = models.CharField(max_length=100, blank=True)  # the billing run's open draft
    currency = models.CharField(max_length=3)
    language = models.CharField(max_length=2, default="de")
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    service_period_start = models.DateField(null=True, blank=True)
    service_period_end = models.DateField(null=True, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # Cash discount (Skonto): on a draft null means the customer's or company's; frozen at issue
    # (null or 0 percent: none).
    cash_discount_percent = models.DecimalField(
        max_digits=4, decimal_places=2, null=True, blank=True
    )
    cash_discount_days = models.PositiveSmallIntegerField(null=True, blank=True)
    po_number = models.CharField(max_length=60, blank=True)
    buyer_reference = models.CharField(max_length=100, blank=True)  # BT-10, e.g. Leitweg-ID
    intro_text = models.TextField(blank=True)
    closing_text = models.TextField(blank=True)
    credit_note_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    # A credit note's reason (why the invoice is corrected), printed on it; frozen at issue.
    credit_reason = models.CharField(max_length=500, blank=True)
    # The customer's frame order this invoice draws down when issued (`faktura.frameorders`).
    frame_order = models.ForeignKey(
        "frameorders.FrameOrder", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    seller = models.JSONField(default=dict, blank=True)  # snapshot at issue
    buyer = models.JSONField(default=dict, blank=True)  # snapshot at issue
    net_total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    vat_total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    gross_total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    vat_breakdown = models.JSONField(default=list, blank=True)
    sync_status = models.CharField(max_length=12, default="not_synced")
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "status"]),
            models.Index(fields=["tenant", "contact", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "number"],
                condition=models.Q(number__isnull=False),
                name="invoice_unique_number",
            ),
            # A billing run keeps one open draft per customer, project and period.
            models.UniqueConstraint(
                fields=["tenant", "draft_key"],
                condition=models.Q(status="draft") & ~models.Q(draft_key=""),
                name="invoice_one_open_run_draft",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft", number__isnull=True)
                | (~models.Q(status="draft") & models.Q(number__isnull=False)),
                name="invoice_number_iff_issued",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft {self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


# The statuses of a numbered, frozen document (everything but a draft).
ISSUED = (Invoice.Status.ISSUED, Invoice.Status.SENT, Invoice.Status.PAID, Invoice.Status.VOID)


class InvoiceLine(TenantOwnedModel):
    """One line of an invoice: usually one ticket, a product, or a manual item."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=LineKind.choices)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    task = models.ForeignKey(
        "work.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.CharField(max_length=3)
    logged_quantity = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=4)  # billed
    unit_price = models.DecimalField(max_digits=18, decimal_places=6)
    net_amount = models.DecimalField(max_digits=16, decimal_places=2)
    vat_category = models.CharField(max_length=2, choices=VatCategory.choices, default="S")
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    exemption_reason = models.CharField(max_length=300, blank=True)
    do_not_bill = models.BooleanField(default=False)
    price_source = models.CharField(max_length=20, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    # Its items' quantity is variable and nobody entered it yet: the invoice cannot be issued.
    quantity_needed = models.BooleanField(default=False)
    # The billing run put an item of an earlier period on this later month's draft (a period
    # caught up after its month, or one whose draft was deleted): the review flags it.
    caught_up = models.BooleanField(default=False)
    credited_line = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_lines"
    )

    class Meta:
        ordering = ["invoice", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="line_unique_position"),
        ]

    def __str__(self) -> str:
        return self.title


class NumberSequence(TenantOwnedModel):
    """The counter of one number series (invoices or credit notes) and period."""

    kind = models.CharField(max_length=12, choices=Invoice.Kind.choices)
    period = models.CharField(max_length=10)  # "all", "2026" ...
    last_value = models.PositiveIntegerField(default=0)
    # The first value of this series here; above 1 when numbering continues another tool's
    # series, so the gap report does not count the numbers issued there as missing.
    first_value = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "period"], name="number_sequence_unique"
            ),
        ]


class IdempotencyKey(TenantOwnedModel):
    """A client's `Idempotency-Key` for a create request: a replay answers with the same object.

    `request_hash` is the SHA-256 of the canonical request body; the same key with another body
    is refused, so a client bug cannot silently receive an unrelated object.
    """

    scope = models.CharField(max_length=40)  # the use case, e.g. "invoice_create"
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    response = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "scope", "key"], name="idempotency_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
