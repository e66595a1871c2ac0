"""Objects the catalog tests point assignments at: customers, tasks, teams, members."""

from __future__ import annotations

import pytest

from faktura.common.context import CommandContext
from faktura.contacts.inputs import ContactCreate
from faktura.contacts.services import contact_create
from faktura.tenancy.inputs import TeamCreate
from faktura.tenancy.services import team_create
from faktura.work.models import Project, Task


def owner_ctx(owner) -> CommandContext:
    return CommandContext(tenant=owner.tenant, membership=owner, user=owner.user)


@pytest.fixture
def make_contact(owner):
    def make(name: str = "Müller Maschinenbau GmbH", membership=None, **kwargs):
        membership = membership or owner
        return contact_create(owner_ctx(membership), data=ContactCreate(name=name, **kwargs))

    return make


@pytest.fixture
def make_task(owner):
    """make_task(contact=None, membership=None) -> a task on a new project of that tenant."""

    def make(contact=None, membership=None):
        tenant = (membership or owner).tenant
        number = Task.objects.filter(tenant=tenant).count() + 1
        project = Project.objects.create(tenant=tenant, name=f"Project {number}", contact=contact)
        return Task.objects.create(
            tenant=tenant, project=project, number=number, title=f"Ticket {number}", client=contact
        )

    return make


@pytest.fixture
def make_team(owner):
    def make(name: str = "Support", membership=None):
        return team_create(owner_ctx(membership or owner), data=TeamCreate(name=name))

    return make
