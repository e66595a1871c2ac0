"""The searching task picker: a server-side search that answers the options as HTML.

The entry forms keep their plain <select> (it works without JavaScript); app.js turns a select
marked `data-task-picker` into a combobox (an input with a listbox, ARIA 1.2 pattern) that asks
this endpoint while one types. Recent tasks of the member come first.
"""

from __future__ import annotations

from django.shortcuts import render

from faktura.web.utils import page
from faktura.work import selectors

MAX_QUERY = 100


@page("log_time")
def task_search(request):
    query = (request.GET.get("q") or "")[:MAX_QUERY]
    tasks = selectors.task_search(tenant=request.tenant, query=query, membership=request.membership)
    return render(request, "web/work/_task_options.html", {"tasks": tasks, "query": query})
