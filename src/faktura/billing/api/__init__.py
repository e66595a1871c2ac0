"""The billing API: billable items, invoices and their documents."""

from ninja import Router

from faktura.billing.api.documents import router as documents_router
from faktura.billing.api.invoices import router as invoices_router
from faktura.billing.api.items import router as items_router

router = Router()
router.add_router("", items_router)
router.add_router("", invoices_router)
router.add_router("", documents_router)
