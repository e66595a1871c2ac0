from django.core.management.base import BaseCommand

from faktura.console.demo import DEMO_EMAIL, DEMO_PASSWORD, build_demo


class Command(BaseCommand):
    help = "Create the demo tenant (idempotent) and print its login and a fresh API token."

    def handle(self, *args, **opts):
        result = build_demo()
        verb = "created" if result.created else "already present"
        counts = ", ".join(f"{n} {k}" for k, n in result.counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Demo tenant {result.tenant.name!r} {verb}: {counts}")
        )
        self.stdout.write(f"  login:     {DEMO_EMAIL} / {DEMO_PASSWORD}")
        self.stdout.write(f"  API token: {result.token}")
        if result.statement is not None:
            self.stdout.write(
                f"  bank statement to import: {result.statement} "
                "(Receivables -> Bank statements, or faktura bank-import FILE --tenant demo)"
            )
