"""Marking an internal project as absence (holiday, sickness): time logged on it lowers a
member's available hours in the utilization report instead of counting as work."""

from __future__ import annotations

from django.db import transaction

from faktura.common.context import CommandContext
from faktura.common.errors import NotFound, ValidationFailed
from faktura.common.services import audit_record
from faktura.work.models import Project


def project_absence_set(ctx: CommandContext, *, project_id: int, is_absence: bool) -> Project:
    """Mark (or unmark) the internal project ``project_id`` as absence. External projects are
    customer work and cannot be absence (400 naming ``is_absence``)."""
    ctx.require("manage_projects")
    with transaction.atomic():
        project = (
            Project.objects.select_for_update().filter(tenant=ctx.tenant, pk=project_id).first()
        )
        if project is None:
            raise NotFound("Project not found.")
        if is_absence and project.scope != Project.Scope.INTERNAL:
            raise ValidationFailed.field("is_absence", "Only an internal project can be absence.")
        if project.is_absence != is_absence:
            project.is_absence = is_absence
            project.save(update_fields=["is_absence", "updated_at"])
            audit_record(
                ctx, action="project_absence_set", obj=project, data={"is_absence": is_absence}
            )
    return project
