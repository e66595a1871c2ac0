"""The week grid: a week of the member's time, one row per task and one column per day.

A cell shows the time logged on that task and day and takes a new value ("1:30", "1,5",
"90m"; empty or 0 clears it). Saving goes through the entry services: an empty cell that gets
a value becomes a duration-only entry, a cell holding exactly one duration-only entry that can
still be edited is updated (or deleted when cleared). A cell with several entries, clock times,
a running timer or an entry that is submitted, approved or billed is shown but not typed into:
it is corrected in "My time". The page works as a plain form post; htmx swaps only the grid.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from faktura.common.errors import FakturaError
from faktura.common.inputs import parse
from faktura.core.durations import DurationError, format_minutes, parse_duration_minutes
from faktura.web.utils import page, parse_day_param, parse_int, ui_context
from faktura.work import selectors, services
from faktura.work.inputs import EntryCreate, EntryUpdate
from faktura.work.models import Task, TaskEntry

# "0", "0:00", "0,0", "0h": a cleared cell, like an empty one.
_ZERO = re.compile(r"^0+(?:[:.,]0+)?\s*(?:h|m|min)?$")
MAX_ROWS = 60  # tasks on one grid (rows with time plus the ones added)


@dataclass
class Cell:
    day: dt.date
    entries: list[TaskEntry] = field(default_factory=list)
    value: str = ""  # what the input shows (the posted text after an error)
    error: str = ""

    @property
    def seconds(self) -> int:
        return sum(e.duration_seconds for e in self.entries)

    @property
    def minutes(self) -> int:
        return self.seconds // 60

    @property
    def editable(self) -> bool:
        """Typed into only when saving it means one duration-only entry at most."""
        if not self.entries:
            return True
        if len(self.entries) > 1:
            return False
        entry = self.entries[0]
        return entry.started_at is None and entry.is_editable


@dataclass
class Row:
    task: Task
    cells: list[Cell]

    @property
    def seconds(self) -> int:
        return sum(c.seconds for c in self.cells)

    def input_name(self, cell: Cell) -> str:
        return f"c-{self.task.pk}-{cell.day.isoformat()}"


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _requested_ids(values: list[str]) -> list[int]:
    ids: list[int] = []
    for value in values:
        number = parse_int(value)
        if number is not None and number > 0 and number not in ids:
            ids.append(number)
    return ids[:MAX_ROWS]


def _grid(request, week_start: dt.date, extra_task_ids: list[int]) -> list[Row]:
    """The rows: every task with time of the member's in the week, then the added tasks."""
    days = [week_start + dt.timedelta(days=i) for i in range(7)]
    entries = selectors.entry_list(
        tenant=request.tenant,
        viewer=request.membership,
        membership_id=request.membership.pk,
        kind=TaskEntry.Kind.TIME,
        date_from=days[0],
        date_to=days[-1],
    ).select_related("task__project", "task__client", "task__project__contact")
    by_task: dict[int, Row] = {}
    for entry in sorted(entries, key=lambda e: (e.task.number, e.pk)):
        row = by_task.get(entry.task_id)
        if row is None:
            row = by_task[entry.task_id] = Row(entry.task, [Cell(day) for day in days])
        row.cells[(entry.date - days[0]).days].entries.append(entry)
    missing = [i for i in extra_task_ids if i not in by_task]
    if missing:
        found = selectors.tasks_by_ids(tenant=request.tenant, task_ids=missing)
        for task_id in missing:
            if task_id in found:
                by_task[task_id] = Row(found[task_id], [Cell(day) for day in days])
    rows = list(by_task.values())[:MAX_ROWS]
    for row in rows:
        for cell in row.cells:
            cell.value = format_minutes(cell.minutes) if cell.seconds else ""
    return rows


def _parse(text: str) -> int | None:
    """Minutes of a typed cell: 0 for a cleared one, None when it is no duration."""
    value = " ".join(text.split()).lower()
    if not value or _ZERO.match(value):
        return 0
    try:
        return parse_duration_minutes(value)
    except DurationError:
        return None


def _save_cell(request, row: Row, cell: Cell, minutes: int) -> None:
    """One changed cell through the entry services (each call is its own transaction)."""
    ctx = ui_context(request)
    if not cell.entries:
        data = {"task_id": row.task.pk, "kind": TaskEntry.Kind.TIME, "date": cell.day}
        services.entry_create(ctx, data=parse(EntryCreate, {**data, "duration": minutes}))
    elif minutes == 0:
        services.entry_delete(ctx, entry_id=cell.entries[0].pk)
    else:
        data = parse(EntryUpdate, {"duration": minutes})
        services.entry_update(ctx, entry_id=cell.entries[0].pk, data=data)


def _selected_day(request, week_start: dt.date) -> dt.date:
    """The day a phone shows (one at a time): ?day=, else today in this week, else Monday."""
    day = _posted_day(request) if request.method == "POST" else parse_day_param(request, "day")
    if day is not None and week_start <= day < week_start + dt.timedelta(days=7):
        return day
    today = timezone.localdate()
    return today if week_start <= today < week_start + dt.timedelta(days=7) else week_start


@page("log_time")
def week_grid(request):
    source = request.POST if request.method == "POST" else request.GET
    # The form posts to its own address, so the week is always in the query.
    week_start = _week_start(parse_day_param(request, "week") or timezone.localdate())
    added = _requested_ids(source.getlist("row") + source.getlist("add"))
    rows = _grid(request, week_start, added)
    status = 200
    if request.method == "POST":
        status = _post(request, rows, week_start)
        if status == 302:
            query = {"week": week_start.isoformat()}
            if day := _posted_day(request):
                query["day"] = day.isoformat()
            target = f"{reverse('web:time_week')}?{urlencode(query)}"
            if not request.htmx:
                return redirect(target)
            rows = _grid(request, week_start, added)
            status = 200
    return _render(request, rows, week_start, status=status)


def _posted_day(request) -> dt.date | None:
    """The day the phone layout showed when the grid was saved (kept after the save)."""
    try:
        return dt.date.fromisoformat(request.POST.get("day", "")[:10])
    except ValueError:
        return None


def _post(request, rows: list[Row], week_start: dt.date) -> int:
    """Save the changed cells; the status to answer: 302 when all were saved, 400 when a cell
    is no duration (nothing saved then), 422 when a service refused some cells."""
    changes: list[tuple[Row, Cell, int]] = []
    unreadable = False
    for row in rows:
        for cell in row.cells:
            name = row.input_name(cell)
            if name not in request.POST:
                continue  # a cell the form did not show (read-only): unchanged
            text = request.POST.get(name, "")[:40]
            minutes = _parse(text)
            if minutes is None:
                cell.value, cell.error = text, _("Enter a duration like 1:30.")
                unreadable = True
                continue
            if minutes == cell.minutes and (minutes or not cell.entries):
                continue
            if not cell.editable:
                cell.value = text
                cell.error = _("This day has several entries or clock times; change it in My time.")
                unreadable = True
                continue
            cell.value = text
            changes.append((row, cell, minutes))
    if unreadable:
        messages.error(request, _("Nothing was saved: correct the marked days."))
        return 400
    saved = 0
    refused = False
    for row, cell, minutes in changes:
        try:
            _save_cell(request, row, cell, minutes)
        except FakturaError as exc:
            cell.error = exc.message
            refused = True
            continue
        saved += 1
    if saved:
        messages.success(
            request,
            ngettext("%(count)s day saved.", "%(count)s days saved.", saved) % {"count": saved},
        )
    elif not refused:
        messages.info(request, _("Nothing changed."))
    if refused:
        messages.error(request, _("Some days were not saved: see the marked cells."))
        return 422
    return 302


def _render(request, rows: list[Row], week_start: dt.date, *, status: int = 200):
    days = [week_start + dt.timedelta(days=i) for i in range(7)]
    selected = _selected_day(request, week_start)
    day_seconds = [sum(row.cells[i].seconds for row in rows) for i in range(7)]
    grid_rows = [
        {
            "task": row.task,
            "seconds": row.seconds,
            "cells": [
                {
                    "cell": cell,
                    "name": row.input_name(cell),
                    "index": i,
                    "selected": cell.day == selected,
                }
                for i, cell in enumerate(row.cells)
            ],
        }
        for row in rows
    ]
    shown = {row.task.pk for row in rows}
    picker_tasks = [
        t
        for t in selectors.task_search(
            tenant=request.tenant, membership=request.membership, limit=100
        )
        if t.pk not in shown
    ]
    return render(
        request,
        "web/work/week_grid.html",
        {
            "rows": grid_rows,
            "days": [
                {"date": d, "index": i, "selected": d == selected, "seconds": day_seconds[i]}
                for i, d in enumerate(days)
            ],
            "week_start": week_start,
            "week_end": days[-1],
            "previous_week": week_start - dt.timedelta(days=7),
            "next_week": week_start + dt.timedelta(days=7),
            "week_seconds": sum(day_seconds),
            "selected_day": selected,
            "picker_tasks": picker_tasks,
            "row_ids": [row.task.pk for row in rows],
        },
        status=status,
    )
