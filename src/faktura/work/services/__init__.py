"""Use cases of the work app: projects, tasks (tickets) and task entries.

One module per entity; every public function is re-exported here, so callers write
`from faktura.work import services` and `services.entry_create(ctx, ...)`.
"""

from faktura.work.services.approval import (
    entries_approve,
    entries_submit,
    entry_approve,
    entry_reject,
    entry_reopen,
    entry_submit,
)
from faktura.work.services.entries import (
    entry_create,
    entry_delete,
    entry_set_billing_state,
    entry_stop,
    entry_update,
)
from faktura.work.services.projects import (
    project_create,
    project_member_remove,
    project_member_set_rate,
    project_update,
)
from faktura.work.services.tasks import task_create, task_update

__all__ = [
    "entries_approve",
    "entries_submit",
    "entry_approve",
    "entry_create",
    "entry_delete",
    "entry_reject",
    "entry_reopen",
    "entry_set_billing_state",
    "entry_stop",
    "entry_submit",
    "entry_update",
    "project_create",
    "project_member_remove",
    "project_member_set_rate",
    "project_update",
    "task_create",
    "task_update",
]
