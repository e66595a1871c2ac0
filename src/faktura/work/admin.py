"""Django admin for projects, tasks and entries: for support and inspection.

Changes made here bypass the services (no audit row, no rule checks), so the states that the
services own (approval, billing state, numbers, durations) are read-only.
"""

from __future__ import annotations

from django.contrib import admin

from faktura.work.models import Project, ProjectMember, Task, TaskEntry


class ProjectMemberInline(admin.TabularInline):
    model = ProjectMember
    extra = 0
    raw_id_fields = ("membership",)
    fields = ("membership", "hourly_rate")


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = (
        "number", "name", "tenant", "contact", "kind", "scope", "value_group", "billing_model",
        "status",
    )  # fmt: skip
    list_filter = ("kind", "scope", "value_group", "billing_model", "status")
    search_fields = ("number", "name", "po_number", "contact__name")
    list_select_related = ("tenant", "contact")
    raw_id_fields = ("tenant", "contact")
    readonly_fields = ("created_at", "updated_at")
    inlines = (ProjectMemberInline,)

    def save_formset(self, request, form, formset, change):
        # Inline rows belong to the project's tenant, whatever the form says.
        for row in formset.save(commit=False):
            row.tenant_id = form.instance.tenant_id
            row.save()
        for row in formset.deleted_objects:
            row.delete()
        formset.save_m2m()


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "tenant", "project", "client", "status", "billable")
    list_filter = ("status", "task_type", "billable")
    search_fields = ("title", "project__name", "client__name")
    list_select_related = ("tenant", "project", "client")
    raw_id_fields = ("tenant", "project", "client", "assignee", "product", "price_list", "unit")
    readonly_fields = ("number", "closed_at", "created_at", "updated_at")


@admin.register(TaskEntry)
class TaskEntryAdmin(admin.ModelAdmin):
    list_display = (
        "id", "date", "kind", "task", "membership", "duration_seconds", "approval_status",
        "billing_state",
    )  # fmt: skip
    list_filter = ("kind", "approval_status", "billing_state")
    search_fields = ("description", "task__title")
    list_select_related = ("task", "membership__user")
    date_hierarchy = "date"
    raw_id_fields = ("tenant", "task", "membership", "approved_by")
    readonly_fields = (
        "duration_seconds", "approval_status", "approved_by", "approved_at", "billing_state",
        "created_at", "updated_at",
    )  # fmt: skip
