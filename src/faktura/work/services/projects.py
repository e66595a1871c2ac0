"""Use cases for projects and the members' hourly rates on them.

Rules across fields, checked on the project as it would be saved:

- external projects are customer work: value group A and a customer (`contact_id`);
- internal projects are own work: value group B, C or D, and never billed, so their billing
  model is `non_billable` (a project that should be billed is external by definition);
- the currency is the customer's (a project in another currency could never be invoiced to
  them); it defaults to the customer's, else the tenant's;
- only a single (one-off) project reaches `ready_to_bill`; ongoing work is billed per period.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from faktura.common.context import CommandContext
from faktura.common.errors import NotFound, ValidationFailed
from faktura.common.services import audit_record
from faktura.contacts.selectors import contact_for_tenant
from faktura.tenancy.models import Membership
from faktura.work.errors import DuplicateNumber, NotSingleProject, Required
from faktura.work.inputs import ProjectCreate, ProjectMemberRate, ProjectUpdate
from faktura.work.models import Project, ProjectMember

Scope = Project.Scope
ValueGroup = Project.ValueGroup
BillingModel = Project.BillingModel

INTERNAL_VALUE_GROUPS = (ValueGroup.B, ValueGroup.C, ValueGroup.D)
DEFAULT_VALUE_GROUP = {Scope.EXTERNAL: ValueGroup.A, Scope.INTERNAL: ValueGroup.C}
DEFAULT_BUDGET_WARNING_PERCENT = 80


def _values(ctx: CommandContext, data: ProjectCreate | ProjectUpdate) -> dict[str, Any]:
    """The model fields the input sets: every given one of a new project (the others keep
    their defaults), the sent ones of a change; the customer is looked up in this company."""
    if isinstance(data, ProjectCreate):
        given = {name: value for name, value in data if value is not None}
    else:
        given = {name: getattr(data, name) for name in data.model_fields_set}
    values: dict[str, Any] = {}
    for name, value in given.items():
        if name == "contact_id":
            values["contact"] = None if value is None else contact_for_tenant(ctx.tenant, value)
        elif name == "budget_warning_percent":
            values[name] = DEFAULT_BUDGET_WARNING_PERCENT if value is None else value
        elif name == "time_rounding":
            values[name] = None if value is None else value.model_dump()
        else:
            values[name] = value
    return values


def _check_rules(project: Project) -> None:
    """Rules across fields on the project as it would be saved (see the module docstring)."""
    if project.scope == Scope.EXTERNAL and project.value_group != ValueGroup.A:
        raise ValidationFailed.field("value_group", "External projects are in value group A.")
    if project.scope == Scope.INTERNAL and project.value_group not in INTERNAL_VALUE_GROUPS:
        raise ValidationFailed.field(
            "value_group", "Internal projects are in value group B, C or D."
        )
    if project.scope == Scope.EXTERNAL and project.contact is None:
        raise Required.field("contact_id", "External projects need a customer.")
    if project.scope == Scope.INTERNAL and project.billing_model != BillingModel.NON_BILLABLE:
        raise ValidationFailed.field(
            "billing_model", "Internal projects are not billed; use non_billable."
        )
    if project.contact is not None and project.currency != project.contact.currency:
        raise ValidationFailed.field(
            "currency",
            f"The customer is invoiced in {project.contact.currency}, not {project.currency}.",
        )
    if project.start_date and project.end_date and project.end_date < project.start_date:
        message = gettext("The end date must not be before the start date.")
        raise ValidationFailed.field("end_date", message)
    if project.status == Project.Status.READY_TO_BILL and project.kind != Project.Kind.SINGLE:
        raise NotSingleProject(
            "Only a single project can be ready to bill; ongoing work is billed per period."
        )


def _save(project: Project, update_fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            project.save(update_fields=update_fields)
    except IntegrityError as exc:
        raise DuplicateNumber.field("number", "Another project has this number.") from exc


def project_create(ctx: CommandContext, *, data: ProjectCreate) -> Project:
    """Create a project; a blank number becomes "P-" and the zero-padded id."""
    ctx.require("manage_projects")
    clean = _values(ctx, data)
    project = Project(tenant=ctx.tenant, **clean)
    if "value_group" not in clean:
        project.value_group = DEFAULT_VALUE_GROUP[Scope(project.scope)]
    if "billing_model" not in clean and project.scope == Scope.INTERNAL:
        project.billing_model = BillingModel.NON_BILLABLE
    if "currency" not in clean:
        project.currency = project.contact.currency if project.contact else ctx.tenant.currency
    _check_rules(project)
    with transaction.atomic():
        _save(project)
        if not project.number:
            project.number = f"P-{project.pk:05d}"
            _save(project, update_fields=["number"])
        audit_record(ctx, action="project_create", obj=project)
    return project


def project_update(ctx: CommandContext, *, project_id: int, data: ProjectUpdate) -> Project:
    ctx.require("manage_projects")
    with transaction.atomic():
        project = (
            Project.objects.select_for_update().filter(tenant=ctx.tenant, pk=project_id).first()
        )
        if project is None:
            raise NotFound("Project not found.")
        clean = _values(ctx, data)
        before = {key: getattr(project, key) for key in clean}
        for key, value in clean.items():
            setattr(project, key, value)
        _check_rules(project)
        _save(project)
        changed = [key for key in clean if before[key] != clean[key]]
        audit_record(
            ctx,
            action="project_update",
            obj=project,
            data={"fields": changed, "status": project.status},
        )
    return project


def _member_of_project(
    ctx: CommandContext, project_id: int, membership_id: int
) -> tuple[Project, Membership]:
    project = Project.objects.filter(tenant=ctx.tenant, pk=project_id).first()
    if project is None:
        raise NotFound("Project not found.")
    membership = Membership.objects.filter(tenant=ctx.tenant, pk=membership_id).first()
    if membership is None:
        raise NotFound("Member not found.")
    return project, membership


def project_member_set_rate(
    ctx: CommandContext, *, project_id: int, membership_id: int, data: ProjectMemberRate
) -> ProjectMember:
    """Set (or create) a member's hourly rate on a project; null keeps the member listed
    without a rate of their own, so the next rule in the price precedence applies."""
    ctx.require("manage_projects")
    rate: Decimal | None = data.hourly_rate
    with transaction.atomic():
        project, membership = _member_of_project(ctx, project_id, membership_id)
        row = (
            ProjectMember.objects.select_for_update()
            .filter(project=project, membership=membership)
            .first()
        )
        if row is None:
            row = ProjectMember.objects.create(
                tenant=ctx.tenant, project=project, membership=membership, hourly_rate=rate
            )
        else:
            row.hourly_rate = rate
            row.save(update_fields=["hourly_rate", "updated_at"])
        audit_record(
            ctx,
            action="project_member_set_rate",
            obj=row,
            data={"project_id": project.pk, "membership_id": membership.pk},
        )
    return row


def project_member_remove(ctx: CommandContext, *, project_id: int, membership_id: int) -> None:
    ctx.require("manage_projects")
    with transaction.atomic():
        project, membership = _member_of_project(ctx, project_id, membership_id)
        row = ProjectMember.objects.filter(project=project, membership=membership).first()
        if row is None:
            raise NotFound("This member has no rate on the project.")
        audit_record(
            ctx,
            action="project_member_remove",
            obj=row,
            data={"project_id": project.pk, "membership_id": membership.pk},
        )
        row.delete()
