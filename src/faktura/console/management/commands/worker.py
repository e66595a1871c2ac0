from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from faktura.console.process import exit_with_parent, start_lease_sweeper, start_sync_loop


class Command(BaseCommand):
    help = "Run a background worker for the configured task backend (db or rq)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")
        parser.add_argument(
            "--parent-pid",
            type=int,
            default=None,
            help="end when this process ends (`faktura serve` passes its own)",
        )

    def handle(self, *args, **opts):
        if opts["parent_pid"]:
            exit_with_parent(opts["parent_pid"])
        backend = settings.TASKS["default"]["BACKEND"]
        if backend.startswith(("django_tasks_db", "django_tasks_rq")) and not opts["batch"]:
            start_sync_loop(settings.FAKTURA_SYNC_INTERVAL_SECONDS)
        if backend.startswith("django_tasks_db"):
            start_lease_sweeper(_sweep_interval())
            kwargs = {"batch": True} if opts["batch"] else {}
            call_command("db_worker", reload=False, startup_delay=False, **kwargs)
        elif backend.startswith("django_tasks_rq"):
            start_lease_sweeper(_sweep_interval())
            call_command(
                "rqworker", "default", job_class="django_tasks_rq.Job", burst=opts["batch"]
            )
        else:
            self.stderr.write("FAKTURA_TASKS=immediate runs tasks inline; no worker needed.")


def _sweep_interval() -> int:
    """Half a lease: an interrupted operation is settled at most 1.5 leases after its
    worker's last sign of life."""
    return max(1, settings.FAKTURA_OPERATION_LEASE_SECONDS // 2)
