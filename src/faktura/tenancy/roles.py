"""Roles and what each may do. One table, read by services, API and UI alike."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")  # everything, incl. members and ownership
    ADMIN = "admin", _("Admin")  # everything but ownership
    BILLING = "billing", _("Billing")  # customers, catalog, rates, invoices
    APPROVER = "approver", _("Approver")  # logs time, approves the team's entries
    MEMBER = "member", _("Member")  # logs own time; sees no rates, amounts or invoices


# capability -> roles that have it
CAPABILITIES: dict[str, frozenset[str]] = {
    "view_rates": frozenset({"owner", "admin", "billing"}),
    "manage_contacts": frozenset({"owner", "admin", "billing"}),
    "manage_catalog": frozenset({"owner", "admin", "billing"}),
    "manage_projects": frozenset({"owner", "admin", "billing"}),
    "manage_tasks": frozenset({"owner", "admin", "billing", "approver", "member"}),
    "set_task_prices": frozenset({"owner", "admin", "billing"}),
    # a task's billable flag, customer and project decide what is billed and to whom
    "set_task_billing": frozenset({"owner", "admin", "billing"}),
    "log_time": frozenset({"owner", "admin", "billing", "approver", "member"}),
    "view_all_entries": frozenset({"owner", "admin", "billing", "approver"}),
    "approve_entries": frozenset({"owner", "admin", "approver"}),
    "manage_settings": frozenset({"owner", "admin"}),
    "manage_members": frozenset({"owner", "admin"}),
    "manage_all_tokens": frozenset({"owner", "admin"}),
    "view_invoices": frozenset({"owner", "admin", "billing"}),
    "manage_invoices": frozenset({"owner", "admin", "billing"}),
}


# operation kind -> the capability that reading the operation (its result) needs: results
# follow the thing they concern (a billing run's result holds invoice amounts). A kind not
# listed needs `view_invoices`: every long job so far is billing work.
OPERATION_CAPABILITIES: dict[str, str] = {
    "billable_items_compile": "view_invoices",
    "invoices_generate": "view_invoices",
    "billing_run": "view_invoices",
}
DEFAULT_OPERATION_CAPABILITY = "view_invoices"


def operation_capability(kind: str) -> str:
    return OPERATION_CAPABILITIES.get(kind, DEFAULT_OPERATION_CAPABILITY)


def has_capability(role: str, capability: str) -> bool:
    try:
        return role in CAPABILITIES[capability]
    except KeyError:
        raise ValueError(f"unknown capability {capability!r}") from None
