from django.db import models
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
