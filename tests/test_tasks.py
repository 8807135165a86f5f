"""A task round-trips through a real Celery worker over Redis, or runs in-process on the embedded default."""

import os

import pytest
from django.conf import settings

from certify.heartbeat import Heartbeat
from certify.tasks import record_heartbeat


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_round_trips_through_the_configured_worker(celery_worker):
    result = record_heartbeat.delay("test")
    reply = result.get(timeout=30)

    beat = Heartbeat.objects.get(name="celery-worker")
    assert beat.detail.startswith("test · ")
    assert beat.last_seen.isoformat() == reply["at"]
    if settings.CELERY_TASK_ALWAYS_EAGER:
        assert reply["pid"] == os.getpid()  # embedded default: ran in this process
    else:
        assert settings.CELERY_BROKER_URL.startswith("redis://")
        assert reply["pid"] == celery_worker.pid  # ran in the worker, over Redis


def test_beat_schedules_the_heartbeat_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]
    assert entry["task"] == "certify.tasks.record_heartbeat"
    assert str(entry["schedule"]) == "<crontab: * * * * * (m/h/dM/MY/d)>"
