"""The billing API: billable items and invoices."""

from ninja import Router

from faktura.billing.api.documents import router as documents_router
from faktura.billing.api.invoices import router as invoices_router
from faktura.billing.api.items import router as items_router
from faktura.billing.api.receivables import router as receivables_router

router = Router()
router.add_router("", items_router)
router.add_router("", invoices_router)
router.add_router("", documents_router)
router.add_router("", receivables_router)
