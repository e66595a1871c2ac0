import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server, and on the embedded task backend a worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="do not start a worker")
        parser.add_argument(
            "--no-scheduler", action="store_true", help="do not start the daily scheduler"
        )

    def handle(self, *args, **opts):
        from django.core.wsgi import get_wsgi_application
        from waitress import serve

        application = get_wsgi_application()

        call_command("migrate", interactive=False, verbosity=0)
        worker = None
        backend = settings.TASKS["default"]["BACKEND"]
        if not opts["no_worker"] and backend.startswith("django_tasks_db"):
            # The worker ends with this process, even when it is killed with SIGKILL: a
            # restart must not leave a second worker beside an orphaned first one.
            worker = subprocess.Popen(
                [sys.executable, "-m", "faktura.cli", "worker", "--parent-pid", str(os.getpid())],
                env=os.environ.copy(),
            )
            self.stdout.write(f"worker started (pid {worker.pid})")
        scheduler = None
        if not opts["no_scheduler"] and backend.startswith("django_tasks_db"):
            # The daily jobs (dunning); ends with this process like the worker.
            scheduler = subprocess.Popen(
                [sys.executable, "-m", "faktura.cli", "scheduler", "--parent-pid",
                 str(os.getpid())],
                env=os.environ.copy(),
            )  # fmt: skip
            self.stdout.write(f"scheduler started (pid {scheduler.pid})")
        children = [p for p in (worker, scheduler) if p is not None]

        def stop(*_):
            for child in children:
                if child.poll() is None:
                    child.terminate()
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        url = f"http://{opts['host']}:{opts['port']}"
        self.stdout.write(self.style.SUCCESS(f"Faktura is running on {url}  (Ctrl+C stops it)"))
        try:
            serve(application, host=opts["host"], port=opts["port"], threads=opts["threads"])
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
                    child.wait(timeout=10)
