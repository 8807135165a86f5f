from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from certify.models import Heartbeat


def heartbeat_record(*, name: str, detail: str = "", now: datetime | None = None) -> datetime:
    now = now or timezone.now()
    Heartbeat.objects.update_or_create(name=name, defaults={"last_seen": now, "detail": detail[:200]})
    return now
