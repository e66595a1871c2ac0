"""Projects: list, detail with tasks and members' rates, create and edit."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from faktura.billing.selectors.items import project_price_sources
from faktura.catalog.selectors import product_list
from faktura.contacts.selectors import contact_list
from faktura.subscriptions.selectors import project_product_list
from faktura.subscriptions.services import project_product_create
from faktura.tenancy.selectors import membership_list
from faktura.web.forms.subscriptions import ProjectProductForm
from faktura.web.forms.work import ProjectFilterForm, ProjectForm, ProjectMemberRateForm
from faktura.web.sorting import sorting
from faktura.web.utils import (
    action,
    can,
    is_filtered,
    page,
    paginate,
    parse_int,
    query_without_page,
    require,
    submit,
    ui_context,
)
from faktura.web.views.billing.queries import price_source_label
from faktura.web.views.offers import project_billing_context
from faktura.work import selectors, services
from faktura.work.absence import project_absence_set
from faktura.work.models import Project, Task

# Columns the project list sorts by; the hourly rate only for roles that see rates.
SORT_COLUMNS = {
    "number": ("number",),
    "name": ("name",),
    "customer": ("contact__name",),
    "kind": ("kind",),
    "value_group": ("value_group",),
    "billing_model": ("billing_model",),
    "rate": ("hourly_rate",),
    "open_tasks": ("open_tasks",),
    "status": ("status",),
}


@page()
def project_list(request):
    tenant = request.tenant
    filters = ProjectFilterForm(
        request.GET or None, contacts=contact_list(tenant=tenant, is_active=True)
    )
    params = filters.cleaned_data if filters.is_valid() else {}
    projects = (
        selectors.project_list(
            tenant=tenant,
            search=params.get("q", ""),
            contact_id=params.get("contact"),
            status=params.get("status", ""),
            kind=params.get("kind", ""),
            value_group=params.get("value_group", ""),
            billing_model=params.get("billing_model", ""),
        )
        .annotate(
            open_tasks=Count(
                "tasks", filter=Q(tasks__status__in=(Task.Status.OPEN, Task.Status.IN_PROGRESS))
            )
        )
        .order_by("name", "id")
    )
    columns = dict(SORT_COLUMNS)
    if not can(request, "view_rates"):
        del columns["rate"]
    sort = sorting(request, columns)
    projects = sort.apply(projects)
    return render(
        request,
        "web/work/project_list.html",
        {
            "filters": filters,
            "page_obj": paginate(request, projects),
            "filter_query": query_without_page(request),
            "filtered": is_filtered(request),
            "sort": sort,
        },
    )


@page()
def project_detail(request, project_id: int):
    tenant = request.tenant
    project = selectors.project_get(tenant=tenant, project_id=project_id)
    tasks = selectors.task_list(tenant=tenant, project_id=project.pk).select_related(
        "assignee__user"
    )
    context = {"project": project, "tasks": tasks[:200], "task_count": tasks.count()}
    context.update(project_billing_context(request, project))
    if context.get("fixed"):
        context["budget"] = context["fixed"]["budget"]
    elif project.billing_model == project.BillingModel.FIXED_PRICE:
        context["budget"] = selectors.project_budget(tenant=tenant, project=project)
    if can(request, "view_rates"):
        rates = list(selectors.project_member_list(tenant=tenant, project_id=project.pk))
        billed = project_price_sources(tenant=tenant, project_id=project.pk)
        for row in rates:
            row.billed = billed.get(row.membership_id)
            if row.billed:
                row.billed["label"] = price_source_label(row.billed["source"])
                row.billed["overridden"] = (
                    row.hourly_rate is not None and row.billed["source"] != "project_member"
                )
        context["rates"] = rates
        if can(request, "manage_projects"):
            context["rate_form"] = ProjectMemberRateForm(
                members=membership_list(tenant=tenant).filter(is_active=True)
            )
    if can(request, "view_invoices"):
        context["project_products"] = project_product_list(tenant=tenant, project_id=project.pk)
        if can(request, "manage_invoices") and project.contact_id:
            context["product_form"] = ProjectProductForm(products=product_list(tenant=tenant))
    return render(request, "web/work/project_detail.html", context)


@require_POST
@page("manage_invoices")
def project_product_add(request, project_id: int):
    """A one-time product on the project (a setup fee, a workshop), billed once when due."""
    form = ProjectProductForm(request.POST, products=product_list(tenant=request.tenant))
    data = form.to_input()
    if data is not None and submit(
        form,
        lambda: project_product_create(ui_context(request), project_id=project_id, data=data),
    ):
        messages.success(request, _("Product added; it is billed once when due."))
    else:
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("The product was not added: %(errors)s") % {"errors": errors})
    return redirect("web:project_detail", project_id=project_id)


def _project_form(
    request, data=None, initial=None, *, edit: bool = False, absence: bool = False
) -> ProjectForm:
    return ProjectForm(
        data,
        initial=initial,
        contacts=contact_list(tenant=request.tenant, is_active=True),
        show_rates=can(request, "view_rates"),
        edit=edit,
        absence=absence,
    )


@page("manage_projects")
def project_create(request):
    initial = {"kind": "ongoing", "scope": "external", "value_group": "A", "status": "active"}
    if contact_id := parse_int(request.GET.get("contact_id")):
        initial["contact_id"] = contact_id
    form = _project_form(request, request.POST or None, initial)
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        project = submit(form, lambda: services.project_create(ui_context(request), data=data))
        if project is not None:
            messages.success(request, _("Project %(name)s created.") % {"name": project.name})
            return redirect("web:project_detail", project_id=project.pk)
    return render(request, "web/work/project_form.html", {"form": form, "project": None})


@page("manage_projects")
def project_edit(request, project_id: int):
    project = selectors.project_get(tenant=request.tenant, project_id=project_id)
    form = _project_form(
        request,
        request.POST or None,
        ProjectForm.initial_for(project),
        edit=True,
        absence=project.scope == Project.Scope.INTERNAL,
    )
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        ctx = ui_context(request)

        def save() -> Project:
            saved = services.project_update(ctx, project_id=project.pk, data=data)
            if form.absence_changed:
                saved = project_absence_set(
                    ctx, project_id=project.pk, is_absence=form.cleaned_data["is_absence"]
                )
            return saved

        saved = submit(form, save)
        if saved is not None:
            messages.success(request, _("Project %(name)s saved.") % {"name": saved.name})
            return redirect("web:project_detail", project_id=saved.pk)
    return render(request, "web/work/project_form.html", {"form": form, "project": project})


@require_POST
@page("manage_projects")
def project_member_rate(request, project_id: int):
    project = selectors.project_get(tenant=request.tenant, project_id=project_id)
    members = membership_list(tenant=request.tenant).filter(is_active=True)
    form = ProjectMemberRateForm(request.POST, members=members)
    data = form.to_input()
    if data is not None:
        row = submit(
            form,
            lambda: services.project_member_set_rate(
                ui_context(request),
                project_id=project.pk,
                membership_id=form.cleaned_data["membership_id"],
                data=data,
            ),
        )
        if row is not None:
            messages.success(request, _("Rate saved."))
            return redirect("web:project_detail", project_id=project.pk)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("web:project_detail", project_id=project.pk)


@require_POST
@page("manage_projects")
def project_member_remove(request, project_id: int, membership_id: int):
    require(request, "view_rates")
    action(
        request,
        lambda: services.project_member_remove(
            ui_context(request), project_id=project_id, membership_id=membership_id
        ),
        success=_("Rate removed."),
    )
    return redirect("web:project_detail", project_id=project_id)
