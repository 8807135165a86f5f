"""Proof that background processes are alive: the worker records a heartbeat every minute."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a background process proved it was alive (e.g. the Celery worker)."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    last_seen = models.DateTimeField(_("最近一次"))
    detail = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("后台心跳")
        verbose_name_plural = _("后台心跳")

    def __str__(self) -> str:
        return self.name


def heartbeat_record(*, name: str, detail: str = "", now: datetime | None = None) -> datetime:
    now = now or timezone.now()
    Heartbeat.objects.update_or_create(name=name, defaults={"last_seen": now, "detail": detail[:200]})
    return now
