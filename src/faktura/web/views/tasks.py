"""Tasks (tickets): list, detail with its entries and the timer, create and edit."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from faktura.catalog.selectors import price_list_list, product_list, unit_list
from faktura.contacts.selectors import contact_list
from faktura.tenancy.selectors import membership_list
from faktura.web.forms.work import TaskFilterForm, TaskForm
from faktura.web.utils import (
    can,
    is_filtered,
    page,
    paginate,
    parse_int,
    query_without_page,
    submit,
    ui_context,
)
from faktura.work import selectors, services
from faktura.work.models import Project, Task

OPEN_STATUSES = (Task.Status.OPEN, Task.Status.IN_PROGRESS)


def _members(request):
    return membership_list(tenant=request.tenant).filter(is_active=True)


@page()
def task_list(request):
    tenant = request.tenant
    filters = TaskFilterForm(
        request.GET or None,
        projects=selectors.project_list(tenant=tenant).exclude(status=Project.Status.ARCHIVED),
        contacts=contact_list(tenant=tenant, is_active=True),
        members=_members(request),
    )
    params = filters.cleaned_data if filters.is_valid() else {}
    status = params.get("status") or ""
    tasks = selectors.task_list(
        tenant=tenant,
        search=params.get("q", ""),
        project_id=params.get("project"),
        client_id=params.get("client"),
        status="" if status == "active" else status,
        assignee_id=params.get("assignee"),
    ).select_related("assignee__user", "project__contact")
    if status == "active":
        tasks = tasks.filter(status__in=OPEN_STATUSES)
    return render(
        request,
        "web/work/task_list.html",
        {
            "filters": filters,
            "page_obj": paginate(request, tasks),
            "filter_query": query_without_page(request),
            "filtered": is_filtered(request),
        },
    )


@page()
def task_detail(request, task_id: int):
    task = selectors.task_get(tenant=request.tenant, task_id=task_id)
    entries = selectors.entry_list(
        tenant=request.tenant, viewer=request.membership, task_id=task.pk
    ).select_related("membership__user")
    return render(
        request,
        "web/work/task_detail.html",
        {
            "task": task,
            "entries": entries,
            "sees_all_entries": selectors.sees_all_entries(request.membership),
        },
    )


def _task_form(request, data=None, initial=None, *, editing: bool = False) -> TaskForm:
    tenant = request.tenant
    show_prices = can(request, "set_task_prices")
    return TaskForm(
        data,
        initial=initial,
        projects=selectors.project_list(tenant=tenant).exclude(status=Project.Status.ARCHIVED),
        contacts=contact_list(tenant=tenant, is_active=True),
        members=_members(request),
        products=product_list(tenant=tenant, is_active=True) if show_prices else (),
        price_lists=price_list_list(tenant=tenant, is_active=True) if show_prices else (),
        units=unit_list(tenant=tenant) if show_prices else (),
        show_prices=show_prices,
        set_billing=can(request, "set_task_billing"),
        editing=editing,
    )


@page("manage_tasks")
def task_create(request):
    initial = {"status": Task.Status.OPEN, "task_type": Task.TaskType.SUPPORT}
    if project_id := parse_int(request.GET.get("project_id")):
        initial["project_id"] = project_id
    if request.membership:
        initial["assignee_id"] = request.membership.pk
    form = _task_form(request, request.POST or None, initial)
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        task = submit(form, lambda: services.task_create(ui_context(request), data=data))
        if task is not None:
            messages.success(request, _("Task #%(number)s created.") % {"number": task.number})
            return redirect("web:task_detail", task_id=task.pk)
    return render(request, "web/work/task_form.html", {"form": form, "task": None})


@page("manage_tasks")
def task_edit(request, task_id: int):
    task = selectors.task_get(tenant=request.tenant, task_id=task_id)
    form = _task_form(request, request.POST or None, TaskForm.initial_for(task), editing=True)
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        saved = submit(
            form, lambda: services.task_update(ui_context(request), task_id=task.pk, data=data)
        )
        if saved is not None:
            messages.success(request, _("Task #%(number)s saved.") % {"number": saved.number})
            return redirect("web:task_detail", task_id=saved.pk)
    return render(request, "web/work/task_form.html", {"form": form, "task": task})
