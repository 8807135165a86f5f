"""Background tasks of the certify app. Tasks take ids, call a service, hold no logic."""

import os
import socket

from celery import shared_task

from certify.heartbeat import heartbeat_record


@shared_task(name="certify.tasks.record_heartbeat", acks_late=True)
def record_heartbeat(source: str = "beat") -> dict:
    """Prove a worker is alive and reaches the database; beat runs it every minute."""
    detail = f"{source} · {socket.gethostname()} pid {os.getpid()}"
    at = heartbeat_record(name="celery-worker", detail=detail)
    return {"at": at.isoformat(), "pid": os.getpid()}
