"""Each candidate's written paper, and the job that assembles a sitting's papers."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from exams.planning.models import Enrollment
from question_bank.models import ItemVersion


class Paper(models.Model):
    """One candidate's written paper. ``salt`` and the sitting's seed rebuild it exactly."""

    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.PROTECT, related_name="paper", verbose_name=_("报名")
    )
    index = models.PositiveIntegerField(_("序号"))
    salt = models.PositiveSmallIntegerField(_("重组次数"), default=0)
    mean_difficulty = models.DecimalField(_("平均难度"), max_digits=4, decimal_places=2)
    fingerprint = models.CharField(_("试卷指纹"), max_length=64)
    created_at = models.DateTimeField(_("组卷时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("试卷")
        verbose_name_plural = _("试卷")
        ordering = ["index"]

    def __str__(self) -> str:
        return f"{self.enrollment.admission_no} 试卷"


class PaperItem(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="items", verbose_name=_("试卷"))
    position = models.PositiveSmallIntegerField(_("题号"))
    item_version = models.ForeignKey(
        ItemVersion, on_delete=models.PROTECT, related_name="paper_items", verbose_name=_("题目版本")
    )
    # Display order of the options as indices into item_version.options; the key is mapped on the server.
    option_order = models.JSONField(_("选项顺序"), default=list)
    points = models.PositiveSmallIntegerField(_("分值"))

    class Meta:
        verbose_name = _("试卷题目")
        verbose_name_plural = _("试卷题目")
        ordering = ["paper", "position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "position"], name="paper_item_position_unique"),
            models.UniqueConstraint(fields=["paper", "item_version"], name="paper_item_no_repeat"),
        ]

    def __str__(self) -> str:
        return f"{self.paper} 第 {self.position} 题"
