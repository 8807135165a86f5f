"""Finalising every timed part whose time is over: the periodic sweep, and every read that
shows parts' states (DESIGN.md: correctness never waits for a task).

- ``parts_finalize_expired(scope=…)``: the written paper, typing and business entry, narrowed
  to what a page shows (a room, a sitting). Pages and the API call it before they read.
- ``SweepThread``: the embedded default has no Celery beat, so ``manage.py serve`` (what
  ``scripts/serve`` runs) starts this thread, which runs the same sweep every
  ``CERTIFY_SWEEP_SECONDS`` (default 5) in the web process. Production runs beat instead.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from django.db import close_old_connections

from exams.practical.business import business_finalize_expired
from exams.practical.typing import typing_finalize_expired
from exams.written.services import attempts_finalize_expired

logger = logging.getLogger(__name__)


def parts_finalize_expired(*, now: datetime | None = None, sitting=None, written_room=None, practical_room=None) -> int:
    """Submit every part over its time: all of them, or those of one sitting or room."""
    if sitting is not None:
        scope = {"enrollment__sitting": sitting}
        return (
            attempts_finalize_expired(now=now, scope=scope)
            + typing_finalize_expired(now=now, scope=scope)
            + business_finalize_expired(now=now, scope=scope)
        )
    if written_room is not None:
        return attempts_finalize_expired(now=now, scope={"enrollment__written_room": written_room})
    if practical_room is not None:
        scope = {"enrollment__practical_room": practical_room}
        return typing_finalize_expired(now=now, scope=scope) + business_finalize_expired(now=now, scope=scope)
    return attempts_finalize_expired(now=now) + typing_finalize_expired(now=now) + business_finalize_expired(now=now)


def sweep_once() -> int:
    """One run of the sweep on this thread's own connection; a failure is logged, never raised."""
    close_old_connections()
    try:
        return parts_finalize_expired()
    except Exception:
        logger.exception("the in-process sweep failed; it runs again at the next tick")
        return 0
    finally:
        close_old_connections()


class SweepThread(threading.Thread):
    """Runs ``sweep_once`` every ``interval`` seconds until ``stop`` is set. A daemon: it never
    keeps the server from exiting."""

    def __init__(self, interval: float):
        super().__init__(name="certify-sweep", daemon=True)
        self.interval = interval
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            sweep_once()
