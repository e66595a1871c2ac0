"""Time: the timer, "My time" (log, edit, submit entries) and approvals."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from faktura.catalog.selectors import product_list
from faktura.common.inputs import parse
from faktura.tenancy.selectors import membership_list
from faktura.web.forms.work import ENTRY_ALIASES, EntryForm, RejectForm, TimerStartForm
from faktura.web.sorting import sorting
from faktura.web.utils import (
    action,
    can,
    is_filtered,
    page,
    paginate,
    parse_day_param,
    parse_int,
    query_without_page,
    safe_next,
    submit,
    ui_context,
)
from faktura.work import selectors, services
from faktura.work.inputs import EntryCreate, EntryIds
from faktura.work.models import Task, TaskEntry

OPEN_STATUSES = (Task.Status.OPEN, Task.Status.IN_PROGRESS)


def _open_tasks(request):
    return (
        selectors.task_list(tenant=request.tenant)
        .filter(status__in=OPEN_STATUSES)
        .select_related("project")
    )


def _week_start(request) -> dt.date:
    day = parse_day_param(request, "week") or timezone.localdate()
    return day - dt.timedelta(days=day.weekday())


# --- the timer --------------------------------------------------------------------------------


def _timer_response(request):
    """After a start or stop: htmx gets the header timer (and the messages out of band) and a
    `timerChanged` event the page's panels refresh on; a plain form post goes back."""
    if request.htmx:
        # The header's stop form returns to the page the browser shows, not to this endpoint.
        current = request.htmx.current_url_abs_path or reverse("web:my_time")
        response = render(request, "web/work/_timer_swap.html", {"timer_next": current})
        response["HX-Trigger"] = "timerChanged"
        return response
    return redirect(safe_next(request, reverse("web:my_time")))


@require_POST
@page("log_time")
def timer_start(request):
    task_id = parse_int(request.POST.get("task_id"))
    if task_id is None:
        messages.error(request, _("Choose a task to start the timer on."))
        return _timer_response(request)
    entry = action(
        request,
        lambda: services.entry_create(
            ui_context(request),
            data=parse(
                EntryCreate,
                {
                    "task_id": task_id,
                    "kind": TaskEntry.Kind.TIME,
                    "description": request.POST.get("description") or "",
                },
            ),
        ),
    )
    if entry is not None:
        messages.success(
            request, _("Timer started on #%(number)s.") % {"number": entry.task.number}
        )
    return _timer_response(request)


@require_POST
@page("log_time")
def timer_stop(request):
    running = selectors.running_timer(membership=request.membership)
    if running is None:
        messages.info(request, _("No timer is running."))
        return _timer_response(request)
    entry = action(request, lambda: services.entry_stop(ui_context(request), entry_id=running.pk))
    if entry is not None:
        minutes = entry.duration_seconds // 60
        messages.success(
            request,
            _("Timer stopped: %(duration)s on #%(number)s.")
            % {"duration": f"{minutes // 60}:{minutes % 60:02d}", "number": entry.task.number},
        )
    return _timer_response(request)


# --- my time ----------------------------------------------------------------------------------


def _entry_products(request):
    """The goods and expense products an entry may name."""
    return product_list(tenant=request.tenant, is_active=True, auto_created=False).filter(
        kind__in=("goods", "expense")
    )


@page("log_time")
def my_time(request):
    tz = timezone.get_current_timezone()
    week_start = _week_start(request)
    week_end = week_start + dt.timedelta(days=6)
    tasks = list(_open_tasks(request))
    show_prices = can(request, "view_rates")
    initial = {"kind": TaskEntry.Kind.TIME, "date": min(timezone.localdate(), week_end)}
    if task_id := parse_int(request.GET.get("task")):
        initial["task_id"] = task_id
    if request.GET.get("kind") in TaskEntry.Kind.values:
        initial["kind"] = request.GET["kind"]
    form = EntryForm(
        request.POST or None,
        tz=tz,
        tasks=tasks,
        show_prices=show_prices,
        products=_entry_products(request),
        initial=initial,
    )
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        entry = submit(
            form,
            lambda: services.entry_create(ui_context(request), data=data),
            aliases=ENTRY_ALIASES,
        )
        if entry is not None:
            messages.success(request, _("Entry logged."))
            # The next entry is usually of the same kind on the same task: keep both.
            keep = urlencode(
                {"week": entry.date.isoformat(), "task": entry.task_id, "kind": entry.kind}
            )
            return redirect(f"{reverse('web:my_time')}?{keep}")
    entries = list(
        selectors.entry_list(
            tenant=request.tenant,
            viewer=request.membership,
            membership_id=request.membership.pk,
            date_from=week_start,
            date_to=week_end,
        ).select_related("task__project")
    )
    days = []
    for offset in range(7):
        day = week_start + dt.timedelta(days=offset)
        day_entries = [e for e in entries if e.date == day]
        days.append(
            {
                "date": day,
                "entries": day_entries,
                "seconds": sum(e.duration_seconds for e in day_entries),
            }
        )
    drafts = [e.pk for e in entries if e.is_submittable and not e.is_running]
    return render(
        request,
        "web/work/my_time.html",
        {
            "form": form,
            "timer_form": TimerStartForm(tasks=tasks, initial=initial),
            "days": days,
            "week_start": week_start,
            "week_end": week_end,
            "previous_week": week_start - dt.timedelta(days=7),
            "next_week": week_start + dt.timedelta(days=7),
            "week_seconds": sum(d["seconds"] for d in days),
            "draft_ids": drafts,
            "show_prices": show_prices,
        },
    )


def _back(request, entry=None):
    fallback = reverse("web:my_time")
    if entry is not None:
        fallback += f"?week={entry.date.isoformat()}"
    return redirect(safe_next(request, fallback))


@page("log_time")
def entry_edit(request, entry_id: int):
    tz = timezone.get_current_timezone()
    entry = selectors.entry_get(tenant=request.tenant, viewer=request.membership, entry_id=entry_id)
    tasks = list(_open_tasks(request))
    if entry.task_id not in {t.pk for t in tasks}:
        tasks.insert(0, entry.task)
    form = EntryForm(
        request.POST or None,
        tz=tz,
        tasks=tasks,
        show_prices=can(request, "view_rates"),
        products=_entry_products(request),
        initial=EntryForm.initial_for(entry, tz),
        edit=True,
    )
    form.fields["kind"].disabled = True
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        saved = submit(
            form,
            lambda: services.entry_update(ui_context(request), entry_id=entry.pk, data=data),
            aliases=ENTRY_ALIASES,
        )
        if saved is not None:
            messages.success(request, _("Entry saved."))
            return _back(request, saved)
    return render(request, "web/work/entry_form.html", {"form": form, "entry": entry})


@require_POST
@page("log_time")
def entry_delete(request, entry_id: int):
    entry = selectors.entry_get(tenant=request.tenant, viewer=request.membership, entry_id=entry_id)
    action(
        request,
        lambda: services.entry_delete(ui_context(request), entry_id=entry.pk),
        success=_("Entry deleted."),
    )
    return _back(request, entry)


@require_POST
@page("log_time")
def entry_submit(request, entry_id: int):
    entry = action(
        request,
        lambda: services.entry_submit(ui_context(request), entry_id=entry_id),
        success=_("Entry submitted for approval."),
    )
    return _back(request, entry)


@require_POST
@page("log_time")
def entries_submit(request):
    ids = [i for i in (parse_int(v) for v in request.POST.getlist("ids")) if i is not None]
    if not ids:
        messages.info(request, _("There is nothing to submit."))
        return _back(request)
    done = action(
        request,
        lambda: services.entries_submit(ui_context(request), data=parse(EntryIds, {"ids": ids})),
    )
    if done is not None:
        messages.success(
            request,
            ngettext(
                "%(count)s entry submitted for approval.",
                "%(count)s entries submitted for approval.",
                len(done),
            )
            % {"count": len(done)},
        )
    return _back(request)


# --- approvals --------------------------------------------------------------------------------


# Columns the approval list sorts by; nothing else is accepted.
SORT_COLUMNS = {
    "date": ("date", "started_at"),
    "member": ("membership__user__first_name", "membership__user__last_name"),
    "task": ("task__number",),
    "kind": ("kind",),
    "duration": ("duration_seconds",),
}


@page("approve_entries")
def approvals(request):
    tenant = request.tenant
    members = membership_list(tenant=tenant).filter(is_active=True)
    member_id = parse_int(request.GET.get("member"))
    project_id = parse_int(request.GET.get("project"))
    entries = selectors.entry_list(
        tenant=tenant,
        viewer=request.membership,
        approval_status=TaskEntry.Approval.SUBMITTED,
        membership_id=member_id,
        project_id=project_id,
    ).select_related("membership__user", "task__project", "task__client")
    sort = sorting(request, SORT_COLUMNS)
    entries = sort.apply(entries)
    return render(
        request,
        "web/work/approvals.html",
        {
            "page_obj": paginate(request, entries),
            "members": members,
            "projects": selectors.project_list(tenant=tenant),
            "member_id": member_id,
            "project_id": project_id,
            "filter_query": query_without_page(request),
            "filtered": is_filtered(request),
            "reject_form": RejectForm(),
            "show_prices": can(request, "view_rates"),
            "sort": sort,
        },
    )


def _back_to_approvals(request):
    return redirect(safe_next(request, reverse("web:approvals")))


@require_POST
@page("approve_entries")
def entry_approve(request, entry_id: int):
    action(
        request,
        lambda: services.entry_approve(ui_context(request), entry_id=entry_id),
        success=_("Entry approved."),
    )
    return _back_to_approvals(request)


@require_POST
@page("approve_entries")
def entry_reject(request, entry_id: int):
    form = RejectForm(request.POST)
    data = form.to_input()
    if data is None:
        messages.error(request, _("Give a reason for the rejection."))
        return _back_to_approvals(request)
    action(
        request,
        lambda: services.entry_reject(ui_context(request), entry_id=entry_id, data=data),
        success=_("Entry rejected."),
    )
    return _back_to_approvals(request)


@require_POST
@page("approve_entries")
def entry_reopen(request, entry_id: int):
    action(
        request,
        lambda: services.entry_reopen(ui_context(request), entry_id=entry_id),
        success=_("Entry reopened."),
    )
    return _back_to_approvals(request)


@require_POST
@page("approve_entries")
def entries_approve(request):
    ids = [i for i in (parse_int(v) for v in request.POST.getlist("ids")) if i is not None]
    if not ids:
        messages.info(request, _("Select the entries to approve."))
        return _back_to_approvals(request)
    done = action(
        request,
        lambda: services.entries_approve(ui_context(request), data=parse(EntryIds, {"ids": ids})),
    )
    if done is not None:
        messages.success(
            request,
            ngettext("%(count)s entry approved.", "%(count)s entries approved.", len(done))
            % {"count": len(done)},
        )
    return _back_to_approvals(request)
