"""Template context shared by every page: navigation and the current membership."""

from __future__ import annotations

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

# (section key, label, [(page label, url name, capability needed or None), ...])
# A section links to its first page the role may open and is hidden when there is none.
NAVIGATION = (
    (
        "work",
        _("Work"),
        (
            (_("Tasks"), "web:task_list", None),
            (_("Projects"), "web:project_list", None),
            (_("My time"), "web:my_time", "log_time"),
            (_("Approvals"), "web:approvals", "approve_entries"),
        ),
    ),
    (
        "billing",
        _("Billing"),
        (
            (_("Ready to bill"), "web:billing", "view_invoices"),
            (_("Billable items"), "web:billing_items", "view_invoices"),
            (_("Subscriptions"), "web:subscriptions", "view_invoices"),
            (_("Invoice review"), "web:billing_review", "view_invoices"),
            (_("Billing review"), "web:billing_month_end", "view_invoices"),
            (_("Invoices"), "web:invoice_list", "view_invoices"),
            (_("Offers"), "web:offer_list", "view_invoices"),
            (_("Frame orders"), "web:frame_orders", "view_invoices"),
            (_("Retainers"), "web:retainers", "view_invoices"),
        ),
    ),
    (
        "receivables",
        _("Receivables"),
        (
            (_("Open items"), "web:receivables", "view_invoices"),
            (_("Dunning"), "web:dunning", "view_invoices"),
            (_("Bank statements"), "web:bank", "manage_invoices"),
        ),
    ),
    (
        "catalog",
        _("Catalog"),
        (
            (_("Products"), "web:product_list", "manage_catalog"),
            (_("Price lists"), "web:pricelist_list", "manage_catalog"),
            (_("Units"), "web:unit_list", "manage_catalog"),
            (_("Product assignments"), "web:assignment_list", "manage_catalog"),
        ),
    ),
    ("contacts", _("Contacts"), ((_("Customers"), "web:contact_list", None),)),
    (
        "reports",
        _("Reports"),
        (
            (_("Value groups"), "web:reports", "log_time"),
            (_("Utilization"), "web:report_utilization", "log_time"),
            (_("Unbilled work"), "web:report_wip", "view_invoices"),
        ),
    ),
    (
        "settings",
        _("Settings"),
        (
            (_("Company"), "web:settings", "manage_settings"),
            (_("Members"), "web:member_list", "manage_members"),
            (_("Teams"), "web:team_list", "manage_members"),
            (_("API tokens"), "web:token_list", None),
            (_("Numbering"), "web:numbering", "view_invoices"),
            (_("Dunning levels"), "web:dunning_levels_page", "manage_settings"),
            (_("Integrations"), "web:integrations", "view_invoices"),
        ),
    ),
)

CAPABILITIES = (
    "view_rates", "manage_contacts", "manage_catalog", "manage_projects", "manage_tasks",
    "approve_entries", "manage_settings", "manage_members", "view_invoices", "log_time",
    "view_all_entries", "set_task_prices", "manage_all_tokens", "manage_invoices",
)  # fmt: skip


def _section_of(request) -> str:
    """The navigation section of the current page: the first segment of its path."""
    parts = [p for p in request.path.split("/") if p]
    return parts[0] if parts else ""


def navigation(request):
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    from faktura.tenancy.roles import has_capability

    role = membership.role
    current_section = _section_of(request)
    # A page reached from another section's list says so (a draft belongs to the review).
    current_path = getattr(request, "nav_path", None) or request.path
    items = []
    for key, label, pages in NAVIGATION:
        visible = [
            {"label": page_label, "url": reverse(url_name)}
            for page_label, url_name, capability in pages
            if capability is None or has_capability(role, capability)
        ]
        if not visible:
            continue
        matching = [e for e in visible if current_path.startswith(e["url"])]
        if matching:
            max(matching, key=lambda e: len(e["url"]))["active"] = True
        items.append(
            {
                "key": key,
                "label": label,
                "url": visible[0]["url"],
                "pages": visible,
                "active": key == current_section,
            }
        )
    section = next((item for item in items if item["active"]), None)
    return {
        "nav_items": items,
        "nav_section": section,
        "membership": membership,
        "memberships": getattr(request, "memberships", [membership]),
        "tenant": membership.tenant,
        "can": {cap: has_capability(role, cap) for cap in CAPABILITIES},
        "running_timer": SimpleLazyObject(lambda: _running_timer(membership)),
    }


def _running_timer(membership):
    from faktura.work.selectors import running_timer

    return running_timer(membership=membership)
