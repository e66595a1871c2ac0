"""Django admin for receivables: read-only. Payments and allocations change only through the
services (an edit here would change what a customer owes without a trace)."""

from django.contrib import admin

from faktura.receivables.models import (
    Allocation,
    BankStatement,
    BankTransaction,
    Payment,
    PaymentReversal,
    SentMark,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("id", "tenant", "invoice", "amount", "currency", "date", "method")
    list_filter = ("method",)


@admin.register(PaymentReversal)
class PaymentReversalAdmin(ReadOnlyAdmin):
    list_display = ("id", "tenant", "payment", "date", "reason")


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("id", "tenant", "invoice", "kind", "amount", "currency", "date")
    list_filter = ("kind",)


@admin.register(SentMark)
class SentMarkAdmin(ReadOnlyAdmin):
    list_display = ("id", "tenant", "invoice", "channel", "date")


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdmin):
    list_display = ("id", "tenant", "format", "account", "status", "transactions", "matched")
    exclude = ("content",)


@admin.register(BankTransaction)
class BankTransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "tenant", "booking_date", "amount", "currency", "status")
    list_filter = ("status",)
