"""Error codes of the work app (projects, tasks, entries), one class each; `config/api.py`
maps them to HTTP. Plain field errors with the code `invalid` are `ValidationFailed` itself."""

from __future__ import annotations

from faktura.common.errors import (
    BusinessRuleViolation,
    Conflict,
    PermissionDenied,
    ValidationFailed,
)


class Required(ValidationFailed):
    """This field is required (for this kind of entry, scope of project, ...)."""

    code = "required"


class ReferenceNotFound(ValidationFailed):
    """An id in the input names nothing of this company (400 naming it)."""

    code = "not_found"


class DuplicateNumber(ValidationFailed):
    """Another project has this number."""

    code = "duplicate"


class ProjectClosed(BusinessRuleViolation):
    """The project is on hold or archived; it takes no new entries."""

    code = "project_closed"


class NotSingleProject(BusinessRuleViolation):
    """Only a single (one-off) project can be ready to bill; ongoing work is billed per
    period."""

    code = "not_single_project"


class TimerRunning(Conflict):
    """A timer is already running for this member; stop it first."""

    code = "timer_running"


class TimerNotRunning(Conflict):
    """The entry is not a running timer."""

    code = "timer_not_running"


class EntryRunning(Conflict):
    """A running timer cannot be submitted; stop it first."""

    code = "entry_running"


class EntryBilled(Conflict):
    """Billing has taken the entry; it cannot be changed any more."""

    code = "entry_billed"


class EntryLocked(Conflict):
    """The entry is submitted or approved; an approver must reopen it first."""

    code = "entry_locked"


class InvalidTransition(Conflict):
    """The entry's approval state does not allow this step."""

    code = "invalid_transition"


class OwnEntry(PermissionDenied):
    """Approvers do not approve their own entries (owners and admins may)."""

    code = "own_entry"


class NumberConflict(Conflict):
    """No ticket number could be assigned (concurrent creations); try again."""

    code = "number_conflict"
