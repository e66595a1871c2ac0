"""Base models, the audit log and long-running operations."""

from __future__ import annotations

import uuid

from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class TenantOwnedModel(TimeStampedModel):
    """Every business object belongs to exactly one tenant; selectors always filter by it."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One row per state change, written in the same transaction as the change."""

    tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.CASCADE, related_name="audit_events"
    )
    actor = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=80)  # <entity>_<action>, the service name
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=10, default="api")
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "object_type", "object_id"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"


class Operation(models.Model):
    """A long job the API answered 202 for; its task updates status, progress and result."""

    class Status(models.TextChoices):
        QUEUED = "queued"  # enqueued, no worker has taken it yet
        RUNNING = "running"  # a worker is executing it
        SUCCEEDED = "succeeded"  # finished; `result` holds the outcome
        FAILED = "failed"  # stopped with `error`; nothing half-done is kept

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=60)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # While it runs, the worker renews its lease (heartbeat); a running operation whose lease
    # ran out lost its worker (crash, kill -9, power loss) and is marked failed, interrupted.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "kind", "status"]),
            models.Index(fields=["status", "lease_until"], name="common_op_status_lease"),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.status}"
