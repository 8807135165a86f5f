"""Each candidate's written paper, and the job that assembles a sitting's papers."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from exams.planning.models import Enrollment, Sitting
from question_bank.models import ItemVersion


class AssemblyStatus(models.TextChoices):
    IDLE = "idle", _("未开始")  # shown for a sitting not scheduled yet, which has no assembly
    RUNNING = "running", _("组卷中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class Assembly(models.Model):
    """A sitting's paper assembly (组卷): its recipe, frozen when the sitting is scheduled, and the
    background job's progress.

    Every paper is a pure function of the recipe: ``blueprint`` (the level's 组卷规则 as it was),
    ``item_pool`` (the item versions papers may use) and ``seed``, with the paper's own index and
    salt. So any paper can be rebuilt for an audit (``exams.papers.services.paper_rebuild``), and a
    rerun of the job writes exactly the papers still missing.
    """

    sitting = models.OneToOneField(
        Sitting, on_delete=models.CASCADE, related_name="assembly", verbose_name=_("考试批次")
    )
    blueprint = models.JSONField(_("组卷规则（排考时冻结）"))
    # [version id, type, section code, difficulty, option count] of every item the papers may use.
    item_pool = models.JSONField(_("可用题目（排考时冻结）"))
    seed = models.BigIntegerField(_("组卷随机种子"))
    status = models.CharField(
        _("组卷状态"), max_length=10, choices=AssemblyStatus.choices, default=AssemblyStatus.RUNNING
    )
    total = models.PositiveIntegerField(_("应组试卷数"), default=0)
    done = models.PositiveIntegerField(_("已组试卷数"), default=0)
    error = models.TextField(_("组卷错误"), blank=True)
    report = models.JSONField(_("组卷统计"), default=dict, blank=True)

    class Meta:
        verbose_name = _("组卷")
        verbose_name_plural = _("组卷")
        constraints = [models.CheckConstraint(condition=Q(done__lte=F("total")), name="assembly_progress")]

    def __str__(self) -> str:
        return f"{self.sitting} {self.get_status_display()}"


class Paper(models.Model):
    """One candidate's written paper. ``index``, ``salt`` and the sitting's assembly rebuild it exactly."""

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
