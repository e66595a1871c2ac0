from django.core.management.base import BaseCommand, CommandError

from faktura.common.context import CommandContext
from faktura.common.errors import FakturaError
from faktura.common.inputs import parse
from faktura.tenancy.inputs import TokenCreate
from faktura.tenancy.models import Membership
from faktura.tenancy.services import token_create


class Command(BaseCommand):
    help = "API tokens: `faktura token create --email E [--tenant SLUG] [--name N]`."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create"])
        parser.add_argument("--email", required=True)
        parser.add_argument("--tenant", default="", help="tenant slug (if the user has several)")
        parser.add_argument("--name", default="cli")

    def handle(self, *args, **opts):
        memberships = Membership.objects.select_related("tenant", "user").filter(
            user__username=opts["email"].lower(), is_active=True
        )
        if opts["tenant"]:
            memberships = memberships.filter(tenant__slug=opts["tenant"])
        found = list(memberships)
        if not found:
            raise CommandError(f"No active membership for {opts['email']}.")
        if len(found) > 1:
            slugs = ", ".join(m.tenant.slug for m in found)
            raise CommandError(f"{opts['email']} belongs to several tenants; --tenant {slugs}")
        membership = found[0]
        ctx = CommandContext(
            tenant=membership.tenant, membership=membership, user=membership.user, source="cli"
        )
        try:
            _, raw = token_create(ctx, data=parse(TokenCreate, {"name": opts["name"]}))
        except FakturaError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(raw)
