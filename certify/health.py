"""``/healthz``: the database and the broker, each reported on its own."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from certify.heartbeat import Heartbeat

CHECK_TIMEOUT_SECONDS = 2


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; report it, never raise
        return {"status": "down", "engine": connection.vendor, "error": str(exc)[:200]}
    return {"status": "ok", "engine": connection.vendor}


def check_broker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"status": "ok", "kind": "in-process", "detail": "未配置 REDIS_URL，后台任务在进程内执行"}
    try:
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL,
            socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
            socket_timeout=CHECK_TIMEOUT_SECONDS,
        )
        client.ping()
        client.close()
    except redis.RedisError as exc:
        return {"status": "down", "kind": "redis", "error": str(exc)[:200]}
    return {"status": "ok", "kind": "redis"}


def worker_heartbeat() -> dict:
    """When the Celery worker last ran the beat's heartbeat task (information only)."""
    try:
        beat = Heartbeat.objects.filter(name="celery-worker").first()
    except Exception:
        return {"last_seen": None}
    if beat is None:
        return {"last_seen": None}
    age = (timezone.now() - beat.last_seen).total_seconds()
    return {"last_seen": beat.last_seen.isoformat(), "age_seconds": round(age)}


@never_cache
@require_GET
def healthz(request):
    database = check_database()
    broker = check_broker()
    healthy = database["status"] == "ok" and broker["status"] == "ok"
    body = {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "broker": broker,
        "worker": worker_heartbeat() if database["status"] == "ok" else {"last_seen": None},
        "time": timezone.now().isoformat(),
    }
    return JsonResponse(body, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})
