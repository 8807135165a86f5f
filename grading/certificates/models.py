"""Certificate records (证书): one per pass, issued by the publication or by a re-score.

For exports (issue 14) read ``Certificate``: ``number`` (format below), ``verification_code``,
``candidate``, ``level``, ``sitting``, ``result``, ``issued_on``, ``valid_until`` (dates, Asia/Shanghai),
``status`` (stored: valid 有效 / revoked 已撤销) with ``revoked_at`` / ``revoked_reason`` /
``revoked_by``; 已过期 (expired) is not stored but derived: ``valid_until`` before today, see
:meth:`Certificate.status_on` (and ``display_status``).

Number format: the province code upper-cased, the issue year (4 digits), the level (1 digit) and a
6-digit serial per (province, year, level), e.g. ``ZJ20265000001``. Serials come from
``CertificateSerial``, a counter row locked with ``select_for_update`` while a publication issues
its certificates, so two publications at once never draw the same serial (``number`` is also
unique in the database).

The verification code is 12 characters drawn by ``secrets`` from an alphabet without 0/O, 1/I/L.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certify.people.models import Candidate, Province
from certify.standard.models import Level
from exams.planning.models import Sitting
from grading.results.models import Result


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    REVOKED = "revoked", _("已撤销")
    EXPIRED = "expired", _("已过期")  # derived from valid_until, never stored


class Certificate(models.Model):
    number = models.CharField(_("证书编号"), max_length=24, unique=True)
    verification_code = models.CharField(_("验证码"), max_length=16, unique=True)
    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("持证人")
    )
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)
    sitting = models.ForeignKey(
        Sitting, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("考试批次")
    )
    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("成绩"))
    issued_on = models.DateField(_("发证日期"))
    valid_until = models.DateField(_("有效期至"))
    status = models.CharField(
        _("状态"), max_length=8, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_reason = models.TextField(_("撤销原因"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤销人"),
    )

    class Meta:
        verbose_name = _("证书")
        verbose_name_plural = _("证书")
        ordering = ["-issued_on", "number"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["valid", "revoked"]), name="certificate_status_stored"),
            models.CheckConstraint(
                condition=Q(status="valid", revoked_at__isnull=True)
                | Q(status="revoked", revoked_at__isnull=False) & ~Q(revoked_reason=""),
                name="certificate_revoked_has_time_and_reason",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("issued_on")), name="certificate_valid_after_issue"
            ),
            # At most one valid certificate per result: a re-score that passes again issues a new one.
            models.UniqueConstraint(
                fields=["result"], condition=Q(status="valid"), name="certificate_one_valid_per_result"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def status_on(self, day: dt.date) -> str:
        """有效 / 已撤销 / 已过期 on ``day`` (a ``CertificateStatus`` value)."""
        if self.status == CertificateStatus.REVOKED:
            return CertificateStatus.REVOKED
        if self.valid_until < day:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID

    def display_status(self, day: dt.date) -> str:
        return CertificateStatus(self.status_on(day)).label


class CertificateSerial(models.Model):
    """The last serial issued per (province, year, level); locked while a publication issues numbers."""

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("证书流水号")
        verbose_name_plural = _("证书流水号")
        constraints = [
            models.UniqueConstraint(fields=["province", "year", "level"], name="certificate_serial_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.province_id}-{self.year}-{self.level}: {self.last}"


class BundleStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("正在生成")
    DONE = "done", _("已完成")
    FAILED = "failed", _("生成失败")
    # Past the retention (EXPORT_RETENTION_DAYS): the hourly purge deleted the zip; make it again.
    EXPIRED = "expired", _("已过期")


class CertificateBundle(models.Model):
    """A zip of a sitting's certificate PDFs, made in the background with progress
    (``grading.certificates.bundles``); the file lives under ``VAR_DIR/certificates/`` for
    ``EXPORT_RETENTION_DAYS`` after it is finished, then the hourly purge deletes it (已过期)."""

    sitting = models.ForeignKey(
        Sitting, on_delete=models.CASCADE, related_name="certificate_bundles", verbose_name=_("考试批次")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    status = models.CharField(_("状态"), max_length=8, choices=BundleStatus.choices, default=BundleStatus.QUEUED)
    total = models.PositiveIntegerField(_("证书数"), default=0)
    done = models.PositiveIntegerField(_("已生成"), default=0)
    file_name = models.CharField(_("文件"), max_length=200, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("证书打包")
        verbose_name_plural = _("证书打包")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.sitting} {self.get_status_display()}"
