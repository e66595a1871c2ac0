"""Django admin for billing: read-only. Invoices, items and number counters change only through
the services (an edit here could break a frozen invoice or a gapless number series)."""

from django.contrib import admin

from faktura.billing.models import (
    BillableItem,
    IdempotencyKey,
    Invoice,
    InvoiceLine,
    NumberSequence,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    fields = ("position", "kind", "title", "quantity", "unit", "unit_price", "net_amount",
              "vat_category", "vat_rate", "do_not_bill")  # fmt: skip
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "status", "contact", "project", "currency", "issue_date",
                    "net_total", "gross_total", "tenant")  # fmt: skip
    list_filter = ("tenant", "kind", "status", "grouping")
    search_fields = ("number", "contact__name", "project__name")
    list_select_related = ("contact", "project", "tenant")
    inlines = [InvoiceLineInline]


@admin.register(BillableItem)
class BillableItemAdmin(ReadOnlyAdmin):
    list_display = ("pk", "kind", "status", "contact", "project", "quantity", "unit_price",
                    "amount", "price_source", "service_date", "tenant")  # fmt: skip
    list_filter = ("tenant", "status", "kind", "price_source")
    search_fields = ("product_name", "description", "contact__name")
    list_select_related = ("contact", "project", "tenant")
    raw_id_fields = ("entry", "task", "invoice_line")


@admin.register(NumberSequence)
class NumberSequenceAdmin(ReadOnlyAdmin):
    list_display = ("tenant", "kind", "period", "first_value", "last_value")
    list_filter = ("tenant", "kind")


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ("tenant", "scope", "key", "object_id", "created_at")
    list_filter = ("tenant", "scope")
    search_fields = ("key",)
