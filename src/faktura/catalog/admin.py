"""Django admin for the catalog: a support tool; changes for users go through the services."""

from django.contrib import admin

from faktura.catalog.models import PriceList, PriceListItem, Product, ProductAssignment, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "symbol", "tenant")
    list_filter = ("tenant",)
    search_fields = ("code", "name")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "sku",
        "kind",
        "unit",
        "default_unit_price",
        "vat_category",
        "vat_rate",
        "auto_created",
        "auto_created_for",
        "is_active",
        "tenant",
    )
    list_filter = ("tenant", "kind", "vat_category", "auto_created", "is_active")
    search_fields = ("name", "sku", "description")
    list_select_related = ("unit", "tenant")
    readonly_fields = ("auto_created", "auto_created_for", "created_at", "updated_at")


class PriceListItemInline(admin.TabularInline):
    model = PriceListItem
    fields = ("product", "unit_price")
    raw_id_fields = ("product",)
    extra = 0


@admin.register(PriceList)
class PriceListAdmin(admin.ModelAdmin):
    list_display = ("name", "currency", "is_tenant_default", "is_active", "tenant")
    list_filter = ("tenant", "currency", "is_tenant_default", "is_active")
    search_fields = ("name",)
    list_select_related = ("tenant",)
    inlines = (PriceListItemInline,)

    def save_formset(self, request, form, formset, change):
        # Prices belong to the tenant of their price list.
        for item in formset.save(commit=False):
            item.tenant_id = form.instance.tenant_id
            item.save()
        for item in formset.deleted_objects:
            item.delete()
        formset.save_m2m()


@admin.register(ProductAssignment)
class ProductAssignmentAdmin(admin.ModelAdmin):
    list_display = ("scope", "scope_id", "line_kind", "product", "price_list", "tenant")
    list_filter = ("tenant", "scope", "line_kind")
    search_fields = ("product__name",)
    list_select_related = ("product", "price_list", "tenant")
    raw_id_fields = ("task", "contact", "membership", "team", "product", "price_list")
