"""Use cases of product assignments: which product a line kind uses at a scope."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext

from faktura.catalog.errors import Duplicate, ProductInactive, ReferenceNotFound, Required
from faktura.catalog.inputs import ProductAssignmentCreate, ProductAssignmentUpdate
from faktura.catalog.models import (
    AssignmentScope,
    ProductAssignment,
)
from faktura.catalog.selectors import price_list_for_tenant, product_for_tenant
from faktura.common.context import CommandContext
from faktura.common.errors import NotFound, ValidationFailed
from faktura.common.services import audit_record

# the catalog does not import the apps that reference it.
_SCOPE_MODELS: dict[str, tuple[str, str]] = {
    AssignmentScope.TASK: ("work", "Task"),
    AssignmentScope.CONTACT: ("contacts", "Contact"),
    AssignmentScope.MEMBERSHIP: ("tenancy", "Membership"),
    AssignmentScope.TEAM: ("tenancy", "Team"),
}


def _scope_target(ctx: CommandContext, scope: str, scope_id: Any) -> models.Model | None:
    """The task, contact, membership or team an assignment points at, in this tenant."""
    if scope == AssignmentScope.TENANT:
        if scope_id is not None:
            raise ValidationFailed.field("scope_id", "The tenant scope takes no scope_id.")
        return None
    if scope_id is None:
        raise Required.field("scope_id", f"The {scope} scope needs the {scope}'s id.")
    model = apps.get_model(*_SCOPE_MODELS[scope])
    target = model.objects.filter(tenant=ctx.tenant, pk=scope_id).first()
    if target is None:
        raise ReferenceNotFound.field("scope_id", f"No such {scope}.")
    return target


def _apply_assignment(
    ctx: CommandContext,
    assignment: ProductAssignment,
    given: ProductAssignmentCreate | ProductAssignmentUpdate,
) -> None:
    """Check the input against the assignment as it is and set the fields on it."""
    if isinstance(given, ProductAssignmentCreate):
        data: dict[str, Any] = dict(given)
    else:
        data = {name: getattr(given, name) for name in given.model_fields_set}
    scope = data.get("scope", assignment.scope)
    if "scope_id" in data:
        scope_id = data["scope_id"]
    elif scope != assignment.scope:
        scope_id = None  # a new scope needs its own target
    else:
        scope_id = assignment.scope_id
    if "scope" in data or "scope_id" in data:
        target = _scope_target(ctx, scope, scope_id)
        assignment.scope = scope
        assignment.task = assignment.contact = assignment.membership = assignment.team = None
        if target is not None:
            setattr(assignment, scope, target)
    if "line_kind" in data:
        assignment.line_kind = data["line_kind"]
    if "product_id" in data:
        product = product_for_tenant(ctx.tenant, data["product_id"], field="product_id")
        if not product.is_active:
            raise ProductInactive.field("product_id", "The product is inactive.")
        assignment.product = product
    if "price_list_id" in data:
        price_list_id = data["price_list_id"]
        assignment.price_list = (
            None
            if price_list_id is None
            else price_list_for_tenant(ctx.tenant, price_list_id, field="price_list_id")
        )
    contact = assignment.contact if assignment.scope == AssignmentScope.CONTACT else None
    if (
        contact is not None
        and assignment.price_list is not None
        and assignment.price_list.currency != contact.currency
    ):
        message = gettext("The price list is in %(list)s, the customer in %(customer)s.") % {
            "list": assignment.price_list.currency,
            "customer": contact.currency,
        }
        raise ValidationFailed.field("price_list_id", message)


def _save_assignment(ctx: CommandContext, assignment: ProductAssignment) -> None:
    """Save; a second assignment for the same target and line kind is a 400 `duplicate`."""
    target = (
        {}
        if assignment.scope == AssignmentScope.TENANT
        else {f"{assignment.scope}_id": assignment.scope_id}
    )
    duplicate = Duplicate.field(
        "line_kind",
        f"This {assignment.scope} already has a product assignment for {assignment.line_kind}.",
    )
    if (
        ProductAssignment.objects.filter(
            tenant=ctx.tenant, scope=assignment.scope, line_kind=assignment.line_kind, **target
        )
        .exclude(pk=assignment.pk)
        .exists()
    ):
        raise duplicate
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError as exc:
        raise duplicate from exc


def product_assignment_create(
    ctx: CommandContext, *, data: ProductAssignmentCreate
) -> ProductAssignment:
    """Which product a line kind uses at a scope (task, contact, membership, team, tenant)."""
    ctx.require("manage_catalog")
    assignment = ProductAssignment(tenant=ctx.tenant)
    _apply_assignment(ctx, assignment, data)
    with transaction.atomic():
        _save_assignment(ctx, assignment)
        audit_record(ctx, action="product_assignment_create", obj=assignment)
    return assignment


def product_assignment_update(
    ctx: CommandContext, *, assignment_id: int, data: ProductAssignmentUpdate
) -> ProductAssignment:
    ctx.require("manage_catalog")
    with transaction.atomic():
        assignment = (
            ProductAssignment.objects.select_for_update()
            .filter(tenant=ctx.tenant, pk=assignment_id)
            .first()
        )
        if assignment is None:
            raise NotFound("Product assignment not found.")
        _apply_assignment(ctx, assignment, data)
        _save_assignment(ctx, assignment)
        audit_record(
            ctx,
            action="product_assignment_update",
            obj=assignment,
            data={"fields": sorted(data.model_fields_set)},
        )
    return assignment


def product_assignment_delete(ctx: CommandContext, *, assignment_id: int) -> None:
    ctx.require("manage_catalog")
    with transaction.atomic():
        assignment = (
            ProductAssignment.objects.select_for_update()
            .filter(tenant=ctx.tenant, pk=assignment_id)
            .first()
        )
        if assignment is None:
            raise NotFound("Product assignment not found.")
        audit_record(
            ctx,
            action="product_assignment_delete",
            obj=assignment,
            data={
                "scope": assignment.scope,
                "scope_id": assignment.scope_id,
                "line_kind": assignment.line_kind,
                "product_id": assignment.product_id,
            },
        )
        assignment.delete()
