"""Health and operations endpoints."""

from uuid import UUID

from django.db import connection
from ninja import Router, Schema

from faktura import __version__
from faktura.common import selectors, services
from faktura.common.schemas import ERRORS, OperationOut

router = Router(tags=["system"])


class HealthOut(Schema):
    status: str
    version: str
    database: str


@router.get("/health", auth=None, response=HealthOut)
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "version": __version__, "database": connection.vendor}


@router.get("/operations/{operation_id}", response={200: OperationOut, **ERRORS})
def operation_detail(request, operation_id: UUID):
    # A worker that died leaves its operation `running`: reading it settles an expired lease.
    services.operations_expire(tenant=request.auth.tenant, operation_id=operation_id)
    return selectors.operation_get(
        tenant=request.auth.tenant, operation_id=operation_id, viewer=request.auth
    )
