from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a background worker for the configured task backend (db or rq)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")

    def handle(self, *args, **opts):
        backend = settings.TASKS["default"]["BACKEND"]
        if backend.startswith("django_tasks_db"):
            kwargs = {"batch": True} if opts["batch"] else {}
            call_command("db_worker", reload=False, startup_delay=False, **kwargs)
        elif backend.startswith("django_tasks_rq"):
            call_command(
                "rqworker", "default", job_class="django_tasks_rq.Job", burst=opts["batch"]
            )
        else:
            self.stderr.write("FAKTURA_TASKS=immediate runs tasks inline; no worker needed.")
