from django.apps import AppConfig


class FrameOrdersConfig(AppConfig):
    name = "faktura.frameorders"
    label = "frameorders"

    def ready(self) -> None:
        from faktura.billing import hooks
        from faktura.frameorders.retainers import (
            retainer_month_apply,
            retainer_month_credit,
            retainer_months_due,
            retainer_months_reopened,
            retainer_projects,
        )
        from faktura.frameorders.selectors import frame_order_options
        from faktura.frameorders.services import (
            draft_frame_order_check,
            invoice_frame_order_draw,
            invoice_frame_order_prepare,
        )

        if draft_frame_order_check not in hooks.draft_header_checks:
            hooks.draft_header_checks.append(draft_frame_order_check)
        if invoice_frame_order_prepare not in hooks.invoice_issuing:
            hooks.invoice_issuing.append(invoice_frame_order_prepare)
        if retainer_month_apply not in hooks.run_draft_filled:
            hooks.run_draft_filled.append(retainer_month_apply)
        if retainer_months_due not in hooks.run_fixed_drafts:
            hooks.run_fixed_drafts.append(retainer_months_due)
        if retainer_months_reopened not in hooks.run_earlier_months:
            hooks.run_earlier_months.append(retainer_months_reopened)
        if retainer_projects not in hooks.run_catch_up_excluded:
            hooks.run_catch_up_excluded.append(retainer_projects)
        if retainer_month_credit not in hooks.credit_note_issued:
            hooks.credit_note_issued.append(retainer_month_credit)
        if invoice_frame_order_draw not in hooks.invoice_issued:
            hooks.invoice_issued.append(invoice_frame_order_draw)
        if frame_order_options not in hooks.frame_order_options:
            hooks.frame_order_options.append(frame_order_options)
