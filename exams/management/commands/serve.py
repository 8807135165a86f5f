"""``manage.py serve [ADDR]``: the embedded default's server (``scripts/serve``). Django's
development server in one process, with the periodic sweep on a thread beside it, since the
embedded default has no Celery beat (see exams/sweep.py)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from exams.sweep import SweepThread


class Command(BaseCommand):
    help = "Serve the embedded default with the periodic sweep (expired attempts) running in-process."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options):
        sweep = SweepThread(interval=settings.CERTIFY_SWEEP_SECONDS)
        sweep.start()
        self.stdout.write(f"每 {settings.CERTIFY_SWEEP_SECONDS} 秒自动收卷（进程内定时任务）已启动。")
        try:
            # No autoreloader: one process, so exactly one sweep thread.
            call_command("runserver", addrport, use_reloader=False)
        finally:
            sweep.stop.set()
