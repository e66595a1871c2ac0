"""Payments, their reversals, the allocation ledger that settles invoices, and invoices marked
as sent by hand.

An invoice's open amount is derived from its `Allocation` rows (`core.receivables.balance`),
never stored. Nothing here is edited or deleted once written: a reversed payment gets a
`PaymentReversal` and a negative allocation.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from faktura.common.models import TenantOwnedModel
from faktura.core import receivables as rules


class Payment(TenantOwnedModel):
    """Money received from the customer for one invoice."""

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CASH = "cash", _("Cash")
        CARD = "card", _("Card")
        DIRECT_DEBIT = "direct_debit", _("Direct debit")
        OTHER = "other", _("Other")

    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=16, decimal_places=2)  # positive
    currency = models.CharField(max_length=3)
    date = models.DateField()
    method = models.CharField(max_length=14, choices=Method.choices)
    reference = models.CharField(max_length=140, blank=True)
    # The bank transaction this payment was matched from (bank statement import).
    bank_transaction = models.ForeignKey(
        "BankTransaction", null=True, blank=True, on_delete=models.PROTECT,
        related_name="payments",
    )  # fmt: skip

    class Meta:
        ordering = ["date", "id"]
        indexes = [
            models.Index(fields=["tenant", "invoice"]),
            models.Index(fields=["tenant", "contact"]),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.date}"


class PaymentReversal(TenantOwnedModel):
    """A payment taken back (a bounced transfer, a mistake), with the reason. One per payment:
    a reversed payment cannot be reversed again."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="reversal")
    date = models.DateField()
    reason = models.TextField()

    def __str__(self) -> str:
        return f"reversal of payment {self.payment_id}"


class Allocation(TenantOwnedModel):
    """One row of an invoice's ledger: `amount` is what it takes off the open amount (negative
    for a reversal or credit moved away)."""

    class Kind(models.TextChoices):
        PAYMENT = rules.PAYMENT, _("Payment")  # money received for the invoice
        PAYMENT_REVERSAL = rules.PAYMENT_REVERSAL, _("Payment reversed")  # negative
        CREDIT_NOTE = rules.CREDIT_NOTE, _("Credit note")  # a credit note of the invoice
        WRITE_OFF = rules.WRITE_OFF, _("Written off")  # a remainder written off, with a reason
        CREDIT_APPLIED = rules.CREDIT_APPLIED, _("Credit applied")  # customer credit used here
        CREDIT_TRANSFER = rules.CREDIT_TRANSFER, _("Credit moved")  # negative: credit moved on
        CASH_DISCOUNT = rules.CASH_DISCOUNT, _("Cash discount")  # taken by a payment in time
        CASH_DISCOUNT_REVERSAL = (
            rules.CASH_DISCOUNT_REVERSAL,
            _("Cash discount reversed"),
        )  # negative: its payment was reversed

    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="allocations"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3)
    date = models.DateField()
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    credit_note = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A credit transfer and the application it funds point at each other's invoice.
    source = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["tenant", "invoice"])]
        constraints = [
            # A credit note settles its invoice once.
            models.UniqueConstraint(
                fields=["credit_note"],
                condition=models.Q(kind="credit_note"),
                name="allocation_one_per_credit_note",
            ),
            # A payment is allocated once and reversed once.
            models.UniqueConstraint(
                fields=["payment", "kind"],
                condition=models.Q(payment__isnull=False),
                name="allocation_one_per_payment_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"


class CashDiscountShare(TenantOwnedModel):
    """The part of a cash discount allocation (or its reversal) that falls on one VAT group of
    the invoice, net and VAT apart, so the books can correct the VAT (`core.cash_discount`)."""

    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="shares")
    vat_category = models.CharField(max_length=2)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    amount = models.DecimalField(max_digits=16, decimal_places=2)  # net + vat
    net = models.DecimalField(max_digits=16, decimal_places=2)
    vat = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["allocation", "id"]

    def __str__(self) -> str:
        return f"{self.vat_category} {self.vat_rate}: {self.amount}"


class SentMark(TenantOwnedModel):
    """An invoice delivered outside Faktura's e-mail (post, a portal), marked sent by hand."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        POST = "post", _("Post")
        PORTAL = "portal", _("Portal")
        OTHER = "other", _("Other")

    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    date = models.DateField()

    class Meta:
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.channel} {self.date}"


class BankStatement(TenantOwnedModel):
    """An uploaded bank statement file (CAMT.053 or MT940) and what its import did."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")  # checked and stored, import queued
        IMPORTED = "imported", _("Imported")  # transactions stored and matched

    format = models.CharField(max_length=10)  # camt053 | mt940
    filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    account = models.CharField(max_length=60, blank=True)  # IBAN or MT940 account
    currency = models.CharField(max_length=3, blank=True)
    statement_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    transactions = models.PositiveIntegerField(default=0)  # in the file
    matched = models.PositiveIntegerField(default=0)
    suggested = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)  # seen in an earlier import

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.format} {self.account} {self.statement_id}"


class BankTransaction(TenantOwnedModel):
    """One booking of a bank statement. Identified by `key` (the bank's reference or a hash of
    its fields): the same transaction in a later file is a duplicate, never imported twice."""

    class Status(models.TextChoices):
        UNMATCHED = "unmatched", _("Unmatched")  # nothing found; a person matches or ignores
        SUGGESTED = "suggested", _("Suggested")  # candidates found; a person confirms
        MATCHED = "matched", _("Matched")  # recorded as payments
        IGNORED = "ignored", _("Ignored")  # not a customer payment (fees, rent, ...)

    statement = models.ForeignKey(
        BankStatement, on_delete=models.PROTECT, related_name="bank_transactions"
    )
    key = models.CharField(max_length=200)
    booking_date = models.DateField()
    value_date = models.DateField(null=True, blank=True)
    amount = models.DecimalField(max_digits=16, decimal_places=2)  # negative: a debit
    currency = models.CharField(max_length=3)
    counterparty_name = models.CharField(max_length=200, blank=True)
    counterparty_iban = models.CharField(max_length=34, blank=True)
    remittance = models.TextField(blank=True)
    bank_reference = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    reason = models.CharField(max_length=40, blank=True)  # why matched, suggested or not
    suggested_invoice_ids = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)  # why it was ignored

    class Meta:
        ordering = ["booking_date", "id"]
        indexes = [models.Index(fields=["tenant", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="bank_transaction_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.booking_date} {self.amount} {self.currency}"


# --- dunning ----------------------------------------------------------------------------------


class DunningLevel(TenantOwnedModel):
    """A company's dunning level (`core.dunning.DEFAULT_LEVELS` until the company sets its own).
    `days_after_due` counts from the invoice's due date."""

    level = models.PositiveSmallIntegerField()  # 1, 2, 3, ...
    name = models.CharField(max_length=100)
    days_after_due = models.PositiveSmallIntegerField()
    fee = models.DecimalField(max_digits=10, decimal_places=2)
    interest = models.BooleanField(default=False)  # default interest (§ 288 BGB) charged

    class Meta:
        ordering = ["level"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "level"], name="dunning_level_unique")
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.name}"


class DunningSettings(TenantOwnedModel):
    """A company's dunning options (one row; defaults until it is saved)."""

    tenant = models.OneToOneField("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    flat_fee = models.BooleanField(default=False)  # § 288 (5) BGB: 40 EUR, business customers
    auto_send = models.BooleanField(default=False)  # the scheduler sends reminders by itself
    deadline_days = models.PositiveSmallIntegerField(default=10)  # new deadline of a reminder
    # A run writes one letter per customer, level and currency for all its invoices due.
    combine = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"dunning settings of {self.tenant_id}"


class BaseRate(TenantOwnedModel):
    """A base rate (Basiszinssatz, § 247 BGB) the company added, valid from `valid_from` until
    the next one; it extends or replaces `core.dunning.BASE_RATES`."""

    valid_from = models.DateField()
    rate = models.DecimalField(max_digits=5, decimal_places=2)  # percent a year

    class Meta:
        ordering = ["valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "valid_from"], name="base_rate_unique")
        ]

    def __str__(self) -> str:
        return f"{self.rate} % from {self.valid_from}"


class ReminderLetter(TenantOwnedModel):
    """One letter that reminds a customer of several invoices at the same level (the company's
    option `combine`): the reminders stay one per invoice and point here; the letter's PDF
    lists each invoice with its open amount, fee and interest, one total and one deadline."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    date = models.DateField()
    currency = models.CharField(max_length=3)
    total_due = models.DecimalField(max_digits=16, decimal_places=2)  # sum of its reminders'
    new_due_date = models.DateField()
    sha256 = models.CharField(max_length=64, blank=True)  # of the stored PDF
    pdf = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"letter {self.level} to {self.contact_id} on {self.date}"


class Reminder(TenantOwnedModel):
    """A payment reminder or dunning letter for an invoice at one level. Its fee and interest
    are amounts the customer owes beside the frozen invoice; the invoice itself never changes.
    One per invoice and level (a run twice, or two at once, cannot create a second)."""

    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    level_name = models.CharField(max_length=100)
    date = models.DateField()  # the reminder's date (the company's today)
    currency = models.CharField(max_length=3)
    open_amount = models.DecimalField(max_digits=16, decimal_places=2)  # of the invoice
    fee = models.DecimalField(max_digits=16, decimal_places=2)
    interest = models.DecimalField(max_digits=16, decimal_places=2)
    interest_from = models.DateField(null=True, blank=True)
    interest_to = models.DateField(null=True, blank=True)
    # What earlier reminders' fees and interest still had open when this one was written.
    earlier_charges = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    total_due = models.DecimalField(max_digits=16, decimal_places=2)
    new_due_date = models.DateField()
    language = models.CharField(max_length=2, default="de")
    sent_at = models.DateTimeField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)  # of the stored PDF
    pdf = models.BinaryField(null=True, blank=True)
    # The letter it went out in with the customer's other invoices (null: a letter of its own).
    letter = models.ForeignKey(
        ReminderLetter, null=True, blank=True, on_delete=models.PROTECT, related_name="reminders"
    )

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["tenant", "invoice"])]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "level"], name="reminder_one_per_level")
        ]

    def __str__(self) -> str:
        return f"reminder {self.level} of invoice {self.invoice_id}"


class DunningHold(TenantOwnedModel):
    """An invoice kept out of dunning: paused (until a date) or disputed by the customer.
    Resuming deletes the row; the audit log keeps both."""

    class Kind(models.TextChoices):
        PAUSED = "paused", _("Paused")  # e.g. a payment plan agreed; ends on `until`
        DISPUTED = "disputed", _("Disputed")  # the customer contests the invoice

    invoice = models.OneToOneField(
        "billing.Invoice", on_delete=models.PROTECT, related_name="dunning_hold"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PAUSED)
    reason = models.TextField()
    until = models.DateField(null=True, blank=True)  # null: until resumed

    def __str__(self) -> str:
        return f"{self.kind} {self.invoice_id}"


class DunningRun(TenantOwnedModel):
    """One run of the scheduler for a company and day: two schedulers cannot both run it."""

    day = models.DateField()
    reminders = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "day"], name="dunning_run_one_per_day")
        ]

    def __str__(self) -> str:
        return f"dunning run {self.day}"


# --- dunning charges --------------------------------------------------------------------------


class ReceivableCharge(TenantOwnedModel):
    """A dunning fee or default interest the customer owes beside the invoice: a receivable
    item of its own, written with its reminder. The invoice never changes. What is still open
    is derived from the charge's `ChargeAllocation` rows (payments, reversals, a waiver),
    never edited here."""

    class Kind(models.TextChoices):
        FEE = "fee", _("Dunning fee")  # the level's fee
        FLAT_FEE = "flat_fee", _("Flat fee (§ 288 (5) BGB)")  # 40 EUR, business customers
        INTEREST = "interest", _("Default interest")  # § 288 BGB, for the reminder's period

    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="+")
    reminder = models.ForeignKey(Reminder, on_delete=models.PROTECT, related_name="charges")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.DecimalField(max_digits=16, decimal_places=2)  # positive
    currency = models.CharField(max_length=3)
    date = models.DateField()  # the reminder's date

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["tenant", "invoice"])]
        constraints = [
            models.UniqueConstraint(fields=["reminder", "kind"], name="charge_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"


class ChargeAllocation(TenantOwnedModel):
    """One row of a charge's ledger: `amount` is what it takes off the charge's open amount
    (negative for a reversed payment)."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment")  # part of a payment on the invoice
        PAYMENT_REVERSAL = "payment_reversal", _("Payment reversed")  # negative
        WAIVER = "waiver", _("Waived")  # a person waived the rest, with the reason

    charge = models.ForeignKey(
        ReceivableCharge, on_delete=models.PROTECT, related_name="allocations"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    date = models.DateField()
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="charge_rows"
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["tenant", "charge"])]
        constraints = [
            models.UniqueConstraint(
                fields=["charge", "payment", "kind"],
                condition=models.Q(payment__isnull=False),
                name="charge_allocation_one_per_payment_kind",
            ),
            models.UniqueConstraint(
                fields=["charge"],
                condition=models.Q(kind="waiver"),
                name="charge_allocation_one_waiver",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"
