"""Background jobs, enqueued by name once the current transaction commits.

Services never import task modules: tasks import services (a task takes ids, loads the rows and
calls a service), so an import the other way would close a circle. A service that needs a job
run names the task instead::

    enqueue_on_commit("exams.tasks.assemble_papers", sitting.pk)

The task runs after the transaction commits (never inside it, so the worker sees the rows), on
a Celery worker when ``REDIS_URL`` is set and in-process otherwise (the embedded default).
A broker that is down is logged, never raised: correctness never depends on a job running on
time (the sweeps and the next request do the work too).
"""

from __future__ import annotations

import logging
from datetime import datetime

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(name: str, *args, eta: datetime | None = None) -> None:
    """Send the task called ``name`` now (in-process on the embedded default)."""
    if name not in current_app.tasks:
        # Nothing in a web process imports the task modules: let Celery's autodiscovery find them.
        current_app.loader.import_default_modules()
    current_app.tasks[name].apply_async(args, eta=eta)


def enqueue_on_commit(name: str, *args, eta: datetime | None = None, quiet: bool = False) -> None:
    """Send the task called ``name`` with ``args`` once the current transaction commits.

    ``quiet``: a failure to reach the broker is logged instead of raised (for jobs that only make
    something happen sooner).
    """

    def send() -> None:
        try:
            enqueue(name, *args, eta=eta)
        except Exception:
            if not quiet:
                raise
            logger.warning("could not enqueue %s%r", name, args, exc_info=True)

    transaction.on_commit(send)
