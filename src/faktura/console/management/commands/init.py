from django.core.management.base import BaseCommand, CommandError

from faktura.catalog.services import units_ensure_defaults
from faktura.common.errors import FakturaError
from faktura.common.inputs import parse
from faktura.tenancy.inputs import TenantCreate
from faktura.tenancy.services import tenant_create


class Command(BaseCommand):
    help = "Create a tenant (the invoicing company) and its owner login."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="company name")
        parser.add_argument("--email", required=True, help="owner's login e-mail")
        parser.add_argument(
            "--password", required=True, help="owner's password (8+ characters, not a common one)"
        )
        parser.add_argument("--name", default="", help="owner's full name")
        parser.add_argument("--country", default="DE")
        parser.add_argument("--currency", default="EUR")

    def handle(self, *args, **opts):
        try:
            data = parse(
                TenantCreate,
                {
                    "name": opts["tenant"],
                    "owner_email": opts["email"],
                    "owner_password": opts["password"],
                    "owner_name": opts["name"],
                    "country": opts["country"],
                    "currency": opts["currency"],
                },
            )
            tenant, membership = tenant_create(data=data)
            units_ensure_defaults(tenant=tenant)
        except FakturaError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Tenant {tenant.name!r} ({tenant.slug}) created; owner {membership.user.email}."
            )
        )
