from django.urls import path, register_converter

from faktura.common.schemas import MAX_ID
from faktura.web.views import (
    auth,
    catalog,
    contacts,
    dunning,
    frameorders,
    integrations,
    offers,
    overview,
    picker,
    projects,
    receivables,
    reports,
    reports_money,
    settings,
    subscriptions,
    tasks,
    time,
    week,
)
from faktura.web.views.billing import (
    drafts,
    invoices,
    items,
    month_end,
    numbering,
    operations,
    review,
)


class IdConverter:
    """An object id in a URL: a positive 64-bit integer. A larger number can name no row;
    it does not match (404) instead of overflowing the database's integer."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


register_converter(IdConverter, "id")

app_name = "web"

urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("tenant/switch/", auth.tenant_switch, name="tenant_switch"),
    path("invitation/<str:token>/", auth.invitation_accept, name="invitation_accept"),
    path("password/change/", auth.password_change, name="password_change"),
    path("password/reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("theme.css", auth.theme_css, name="theme_css"),
    # work
    path("work/tasks/", tasks.task_list, name="task_list"),
    path("work/tasks/new/", tasks.task_create, name="task_create"),
    path("work/tasks/<id:task_id>/", tasks.task_detail, name="task_detail"),
    path("work/tasks/<id:task_id>/edit/", tasks.task_edit, name="task_edit"),
    path("work/projects/", projects.project_list, name="project_list"),
    path("work/projects/new/", projects.project_create, name="project_create"),
    path("work/projects/<id:project_id>/", projects.project_detail, name="project_detail"),
    path("work/projects/<id:project_id>/edit/", projects.project_edit, name="project_edit"),
    path(
        "work/projects/<id:project_id>/partial-invoice/",
        offers.project_partial_invoice,
        name="project_partial_invoice",
    ),
    path(
        "work/projects/<id:project_id>/final-invoice/",
        offers.project_final_invoice,
        name="project_final_invoice",
    ),
    path(
        "work/projects/<id:project_id>/products/",
        projects.project_product_add,
        name="project_product_add",
    ),
    path(
        "work/projects/<id:project_id>/rates/",
        projects.project_member_rate,
        name="project_member_rate",
    ),
    path(
        "work/projects/<id:project_id>/rates/<id:membership_id>/remove/",
        projects.project_member_remove,
        name="project_member_remove",
    ),
    path("work/time/", time.my_time, name="my_time"),
    path("work/time/week/", week.week_grid, name="time_week"),
    path("work/tasks/search/", picker.task_search, name="task_search"),
    path("work/time/submit/", time.entries_submit, name="entries_submit"),
    path("work/timer/start/", time.timer_start, name="timer_start"),
    path("work/timer/stop/", time.timer_stop, name="timer_stop"),
    path("work/entries/<id:entry_id>/edit/", time.entry_edit, name="entry_edit"),
    path("work/entries/<id:entry_id>/delete/", time.entry_delete, name="entry_delete"),
    path("work/entries/<id:entry_id>/submit/", time.entry_submit, name="entry_submit"),
    path("work/entries/<id:entry_id>/approve/", time.entry_approve, name="entry_approve"),
    path("work/entries/<id:entry_id>/reject/", time.entry_reject, name="entry_reject"),
    path("work/entries/<id:entry_id>/reopen/", time.entry_reopen, name="entry_reopen"),
    path("work/approvals/", time.approvals, name="approvals"),
    path("work/approvals/approve/", time.entries_approve, name="entries_approve"),
    # billing: ready to bill, billable items, review (drafts), issued invoices
    path("billing/", overview.billing, name="billing"),
    path("billing/items/", items.item_list, name="billing_items"),
    path("billing/items/compile/", items.compile_start, name="billing_compile"),
    path("billing/items/generate/", items.generate, name="billing_generate"),
    path("billing/items/manual/", subscriptions.manual_item, name="billing_manual_item"),
    path("billing/subscriptions/", subscriptions.subscription_list, name="subscriptions"),
    path(
        "billing/subscriptions/new/",
        subscriptions.subscription_create,
        name="subscription_create",
    ),
    path(
        "billing/subscriptions/<id:subscription_id>/",
        subscriptions.subscription_edit,
        name="subscription_edit",
    ),
    path("billing/subscriptions/due-run/", subscriptions.due_run, name="subscriptions_due_run"),
    path(
        "billing/operations/<uuid:operation_id>/",
        operations.operation_status,
        name="billing_operation",
    ),
    path("billing/review/", review.review_list, name="billing_review"),
    path("billing/review/new/", review.invoice_new, name="billing_invoice_new"),
    path("billing/review/run/", review.run, name="billing_run"),
    path("billing/month-end/", month_end.month_end, name="billing_month_end"),
    path(
        "billing/month-end/compile/", month_end.month_end_compile, name="billing_month_end_compile"
    ),
    path("billing/month-end/start/", month_end.month_end_start, name="billing_month_end_start"),
    path(
        "billing/month-end/<id:review_id>/",
        month_end.month_end_review,
        name="billing_month_end_review",
    ),
    path(
        "billing/month-end/<id:review_id>/decide/",
        month_end.month_end_decide,
        name="billing_month_end_decide",
    ),
    path(
        "billing/month-end/<id:review_id>/frame-order/",
        month_end.month_end_frame_order,
        name="billing_month_end_frame_order",
    ),
    path(
        "billing/month-end/<id:review_id>/details/",
        month_end.month_end_details,
        name="billing_month_end_details",
    ),
    path(
        "billing/month-end/<id:review_id>/generate/",
        month_end.month_end_generate,
        name="billing_month_end_generate",
    ),
    path(
        "billing/month-end/<id:review_id>/close/",
        month_end.month_end_close,
        name="billing_month_end_close",
    ),
    path(
        "billing/month-end/<id:review_id>/abandon/",
        month_end.month_end_abandon,
        name="billing_month_end_abandon",
    ),
    path(
        "billing/month-end/<id:review_id>/preview.pdf",
        month_end.month_end_pdf,
        name="billing_month_end_pdf",
    ),
    path("billing/invoices/", invoices.invoice_list, name="invoice_list"),
    path("billing/offers/", offers.offer_list, name="offer_list"),
    path("billing/offers/new/", offers.offer_new, name="offer_new"),
    path("billing/offers/<id:offer_id>/", offers.offer_detail, name="offer_detail"),
    path("billing/offers/<id:offer_id>/lines/", offers.offer_line_add, name="offer_line_add"),
    path(
        "billing/offers/<id:offer_id>/lines/<int:position>/remove/",
        offers.offer_line_remove,
        name="offer_line_remove",
    ),
    path("billing/offers/<id:offer_id>/send/", offers.offer_send, name="offer_send"),
    path("billing/offers/<id:offer_id>/accept/", offers.offer_accept, name="offer_accept"),
    path("billing/offers/<id:offer_id>/decline/", offers.offer_decline, name="offer_decline"),
    path("billing/offers/<id:offer_id>/delete/", offers.offer_delete, name="offer_delete"),
    path("billing/offers/<id:offer_id>/pdf/", offers.offer_pdf, name="offer_pdf"),
    path("billing/frame-orders/", frameorders.frame_order_list, name="frame_orders"),
    path("billing/retainers/", frameorders.retainer_list, name="retainers"),
    path("billing/retainers/new/", frameorders.retainer_new, name="retainer_new"),
    path(
        "billing/retainers/<id:retainer_id>/edit/",
        frameorders.retainer_edit,
        name="retainer_edit",
    ),
    path("billing/frame-orders/new/", frameorders.frame_order_new, name="frame_order_new"),
    path(
        "billing/frame-orders/<id:frame_order_id>/",
        frameorders.frame_order_detail,
        name="frame_order_detail",
    ),
    path(
        "billing/frame-orders/<id:frame_order_id>/edit/",
        frameorders.frame_order_edit,
        name="frame_order_edit",
    ),
    path("billing/invoices/<id:invoice_id>/", invoices.invoice_detail_page, name="invoice_detail"),
    path("billing/invoices/<id:invoice_id>/header/", drafts.draft_header, name="draft_header"),
    path("billing/invoices/<id:invoice_id>/lines/", drafts.line_add, name="draft_line_add"),
    path(
        "billing/invoices/<id:invoice_id>/lines/<id:line_id>/",
        drafts.line_edit,
        name="draft_line_edit",
    ),
    path(
        "billing/invoices/<id:invoice_id>/lines/<id:line_id>/remove/",
        drafts.line_remove,
        name="draft_line_remove",
    ),
    path("billing/invoices/<id:invoice_id>/settle/", drafts.draft_settle, name="draft_settle"),
    path("billing/invoices/<id:invoice_id>/delete/", drafts.draft_delete, name="draft_delete"),
    path("billing/invoices/<id:invoice_id>/preview/", drafts.draft_preview, name="draft_preview"),
    path(
        "billing/invoices/<id:invoice_id>/download/<slug:fmt>/",
        invoices.invoice_download,
        name="invoice_download",
    ),
    path("billing/invoices/<id:invoice_id>/send/", invoices.invoice_send_view, name="invoice_send"),
    path(
        "billing/invoices/<id:invoice_id>/credit-note/",
        invoices.invoice_credit,
        name="invoice_credit",
    ),
    # receivables, reports
    path("receivables/", receivables.receivables, name="receivables"),
    path("receivables/export.csv", receivables.receivables_export, name="receivables_export"),
    path("receivables/bank/", receivables.bank_page, name="bank"),
    path(
        "receivables/charges/<id:charge_id>/waive/", receivables.charge_waive, name="charge_waive"
    ),
    path("receivables/dunning/", dunning.dunning_page, name="dunning"),
    path("receivables/dunning/create/", dunning.dunning_create, name="dunning_create"),
    path("receivables/dunning/levels/", dunning.dunning_levels_save, name="dunning_levels"),
    path("settings/dunning/", dunning.dunning_settings_page, name="dunning_levels_page"),
    path("receivables/dunning/options/", dunning.dunning_settings_save, name="dunning_settings"),
    path(
        "receivables/reminders/<id:reminder_id>/send/", dunning.reminder_send, name="reminder_send"
    ),
    path("receivables/reminders/<id:reminder_id>/pdf/", dunning.reminder_pdf, name="reminder_pdf"),
    path(
        "billing/invoices/<id:invoice_id>/dunning-pause/",
        dunning.invoice_dunning_pause,
        name="invoice_dunning_pause",
    ),
    path(
        "billing/invoices/<id:invoice_id>/dunning-resume/",
        dunning.invoice_dunning_resume,
        name="invoice_dunning_resume",
    ),
    path("receivables/bank/upload/", receivables.bank_upload, name="bank_upload"),
    path(
        "receivables/bank/<id:transaction_id>/match/",
        receivables.bank_transaction_match,
        name="bank_transaction_match",
    ),
    path(
        "receivables/bank/<id:transaction_id>/ignore/",
        receivables.bank_transaction_ignore,
        name="bank_transaction_ignore",
    ),
    path(
        "billing/invoices/<id:invoice_id>/payments/",
        receivables.payment_record,
        name="payment_record",
    ),
    path(
        "billing/payments/<id:payment_id>/reverse/",
        receivables.payment_reverse,
        name="payment_reverse",
    ),
    path(
        "billing/invoices/<id:invoice_id>/mark-sent/",
        receivables.invoice_mark_sent,
        name="invoice_mark_sent",
    ),
    path(
        "billing/invoices/<id:invoice_id>/write-off/",
        receivables.invoice_write_off,
        name="invoice_write_off",
    ),
    path(
        "billing/invoices/<id:invoice_id>/apply-credit/",
        receivables.credit_apply,
        name="credit_apply",
    ),
    path("reports/", reports.value_groups_page, name="reports"),
    path("reports/utilization/", reports.utilization_page, name="report_utilization"),
    path("reports/wip/", reports.wip_page, name="report_wip"),
    path("reports/revenue/", reports_money.revenue, name="report_revenue"),
    path(
        "reports/receivables-aging/",
        reports_money.receivables_aging,
        name="report_receivables_aging",
    ),
    path("reports/frame-orders/", reports_money.frame_orders, name="report_frame_orders"),
    # catalog
    path("catalog/products/", catalog.product_list, name="product_list"),
    path("catalog/products/new/", catalog.product_create, name="product_create"),
    path("catalog/products/<id:product_id>/edit/", catalog.product_edit, name="product_edit"),
    path("catalog/price-lists/", catalog.pricelist_list, name="pricelist_list"),
    path("catalog/price-lists/new/", catalog.pricelist_create, name="pricelist_create"),
    path(
        "catalog/price-lists/<id:price_list_id>/",
        catalog.pricelist_detail,
        name="pricelist_detail",
    ),
    path(
        "catalog/price-lists/<id:price_list_id>/edit/",
        catalog.pricelist_edit,
        name="pricelist_edit",
    ),
    path(
        "catalog/price-lists/<id:price_list_id>/prices/<id:product_id>/",
        catalog.pricelist_price_set,
        name="pricelist_price_set",
    ),
    path("catalog/units/", catalog.unit_list, name="unit_list"),
    path("catalog/units/<id:unit_id>/edit/", catalog.unit_edit, name="unit_edit"),
    path("catalog/assignments/", catalog.assignment_list, name="assignment_list"),
    path("catalog/assignments/new/", catalog.assignment_create, name="assignment_create"),
    path("catalog/assignments/targets/", catalog.assignment_targets, name="assignment_targets"),
    path(
        "catalog/assignments/<id:assignment_id>/edit/",
        catalog.assignment_edit,
        name="assignment_edit",
    ),
    path(
        "catalog/assignments/<id:assignment_id>/delete/",
        catalog.assignment_delete,
        name="assignment_delete",
    ),
    # contacts
    path("contacts/", contacts.contact_list, name="contact_list"),
    path("contacts/new/", contacts.contact_create, name="contact_create"),
    path("contacts/<id:contact_id>/", contacts.contact_detail, name="contact_detail"),
    path("contacts/<id:contact_id>/edit/", contacts.contact_edit, name="contact_edit"),
    # settings
    path("settings/", settings.company, name="settings"),
    path("settings/logo/", settings.company_logo, name="settings_logo"),
    path("settings/tokens/", settings.token_list, name="token_list"),
    path("settings/integrations/", integrations.integrations_page, name="integrations"),
    path(
        "settings/integrations/connections/<id:connection_id>/test/",
        integrations.connection_test,
        name="connection_test",
    ),
    path(
        "settings/integrations/records/<id:record_id>/retry/",
        integrations.record_retry,
        name="sync_record_retry",
    ),
    path(
        "settings/integrations/records/retry-failed/",
        integrations.records_retry_failed,
        name="sync_records_retry_failed",
    ),
    path(
        "settings/integrations/deliveries/<id:delivery_id>/redeliver/",
        integrations.delivery_redeliver,
        name="webhook_redeliver",
    ),
    path("settings/tokens/<id:token_id>/revoke/", settings.token_revoke, name="token_revoke"),
    path("settings/members/", settings.member_list, name="member_list"),
    path("settings/members/<id:membership_id>/", settings.member_edit, name="member_edit"),
    path(
        "settings/members/<id:membership_id>/terms/<id:terms_id>/remove/",
        settings.member_terms_remove,
        name="member_terms_remove",
    ),
    path(
        "settings/invitations/<id:invitation_id>/resend/",
        settings.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "settings/invitations/<id:invitation_id>/revoke/",
        settings.invitation_revoke,
        name="invitation_revoke",
    ),
    path("settings/teams/", settings.team_list, name="team_list"),
    path("settings/numbering/", numbering.numbering, name="numbering"),
]
