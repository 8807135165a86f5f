"""Excel exports made in the background: who asked for what, the job's progress and the file."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ExportKind(models.TextChoices):
    SITTING_RESULTS = "sitting_results", _("批次成绩")
    RESULTS = "results", _("成绩汇总（跨批次）")
    CERTIFICATES = "certificates", _("证书登记册")
    CANDIDATE_DETAILS = "candidate_details", _("考生成绩明细")
    EXAM_DAY_LOG = "exam_day_log", _("考试日志")
    STATISTICS = "statistics", _("统计表")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    EXPIRED = "expired", _("已过期")


class ExportJob(models.Model):
    """One requested workbook. The file is written by a background task to ``EXPORTS_DIR`` and
    kept until ``expires_at`` (``EXPORT_RETENTION_DAYS`` after it was written); only the requester
    and certification admins may download it."""

    kind = models.CharField(_("导出内容"), max_length=30, choices=ExportKind.choices)
    params = models.JSONField(_("导出参数"), default=dict, blank=True)
    filters = models.JSONField(_("筛选条件（显示用）"), default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("导出人")
    )
    show_personal_data = models.BooleanField(_("含完整身份证号和手机号"), default=False)
    created_at = models.DateTimeField(_("申请时间"))
    status = models.CharField(_("状态"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    done = models.PositiveIntegerField(_("已写入行数"), default=0)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("文件大小（字节）"), default=0)
    error = models.TextField(_("错误"), blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("保留至"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(done__lte=F("total")), name="export_progress")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else (100 if self.status == ExportStatus.DONE else 0)
