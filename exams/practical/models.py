"""The practical session (DESIGN.md §6): its material and what happens in it.

Material (loaded from ``fixtures/``, editable in the admin):
``Passage`` for 文字阅录, ``Product`` (the sample catalogue) and ``Scenario`` for
业务受理, ``Scene`` for 现场情景模拟.

A candidate's session: one ``TypingAttempt`` (server-timed like the written
paper), one ``BusinessAttempt`` with its ``BusinessTask`` s, and one ``SceneRun``
scored by the room's panel (``SceneScore``), with the chief examiner's
``SceneReview`` when the panel's marks spread too far.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from exams.clock import SubmittedBy
from exams.planning.models import Enrollment, Room

SCENE_DIMENSIONS = {
    "image": _("服务形象及接待规范"),
    "communication": _("沟通技能"),
    "marketing": _("主动营销能力"),
    "retention": _("客户保持能力"),
    "complaint": _("投诉处理能力"),
}
SCENE_DIMENSION_POINTS = 20  # each of five: 100 in all


# --- material -------------------------------------------------------------------------


class Passage(models.Model):
    code = models.CharField(_("编号"), max_length=10, unique=True)
    level = models.PositiveSmallIntegerField(_("级别"))
    title = models.CharField(_("标题"), max_length=40)
    text = models.TextField(_("文本"))
    source = models.CharField(_("来源"), max_length=200)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("文字阅录文本")
        verbose_name_plural = _("文字阅录文本")
        ordering = ["-level", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ProductKind(models.TextChoices):
    FIXED_LINE = "fixed_line", _("固定电话")
    BROADBAND = "broadband", _("宽带")
    MODEM = "modem", _("光猫/终端")
    MOBILE = "mobile", _("移动电话")
    BUNDLE = "bundle", _("融合套餐")
    ADDON = "addon", _("附加业务")


class Product(models.Model):
    """One entry of the catalogue the simulated system sells. Sample data, editable in the admin."""

    code = models.CharField(_("编码"), max_length=20, unique=True)
    kind = models.CharField(_("类别"), max_length=12, choices=ProductKind.choices)
    family = models.CharField(_("套餐系列"), max_length=4, blank=True, help_text=_("e8 或 e6；非套餐留空"))
    name = models.CharField(_("名称"), max_length=60)
    monthly_fee = models.DecimalField(_("月租（元）"), max_digits=7, decimal_places=2, default=0)
    one_time_fee = models.DecimalField(_("一次性费用（元）"), max_digits=7, decimal_places=2, default=0)
    speed_mbps = models.PositiveIntegerField(_("速率（Mbps）"), null=True, blank=True)
    components = models.JSONField(_("套餐包含"), default=list, blank=True, help_text=_("套餐包含的产品编码列表"))
    description = models.CharField(_("说明"), max_length=200, blank=True)
    active = models.BooleanField(_("在售"), default=True)

    class Meta:
        verbose_name = _("产品目录（示例）")
        verbose_name_plural = _("产品目录（示例）")
        ordering = ["kind", "code"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=ProductKind.values), name="product_kind_known")]

    def __str__(self) -> str:
        return self.name


class Scenario(models.Model):
    """A business-entry task card: the customer's request in words and the order a good clerk enters."""

    code = models.CharField(_("编号"), max_length=10, unique=True)
    title = models.CharField(_("标题"), max_length=40)
    levels = models.JSONField(_("适用级别"), default=list)
    source = models.CharField(_("来源"), max_length=200)
    request = models.TextField(_("客户诉求"))
    customer = models.JSONField(_("客户（系统资料）"))
    presented = models.JSONField(_("客户出示的证件"), null=True, blank=True)
    existing_lines = models.JSONField(_("已有业务"), default=list, blank=True)
    expected = models.JSONField(_("标准受理结果"))
    traps = models.JSONField(_("陷阱条件"), default=list, blank=True)

    class Meta:
        verbose_name = _("业务受理任务卡")
        verbose_name_plural = _("业务受理任务卡")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Scene(models.Model):
    code = models.CharField(_("编号"), max_length=10, unique=True)
    title = models.CharField(_("标题"), max_length=40)
    levels = models.JSONField(_("适用级别"), default=list)
    minutes = models.PositiveSmallIntegerField(_("时长（分钟）"), default=8)
    source = models.CharField(_("来源"), max_length=200)
    situation = models.TextField(_("情景"))
    examiner_role = models.TextField(_("考评员扮演"))
    candidate_brief = models.TextField(_("考生任务说明"))
    anchors = models.JSONField(_("行为锚定"), help_text=_("五个维度，各有 excellent / adequate / poor 三档"))

    class Meta:
        verbose_name = _("情景模拟脚本")
        verbose_name_plural = _("情景模拟脚本")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


# --- a candidate's session ------------------------------------------------------------


class PartStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("进行中")
    SUBMITTED = "submitted", _("已提交")


class TypingAttempt(models.Model):
    """The typing test: timed by the server like the written paper; the text is saved with a sequence number."""

    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.PROTECT, related_name="typing", verbose_name=_("报名")
    )
    passage = models.ForeignKey(Passage, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("文本"))
    status = models.CharField(_("状态"), max_length=12, choices=PartStatus.choices, default=PartStatus.IN_PROGRESS)
    started_at = models.DateTimeField(_("开始时间"))
    deadline = models.DateTimeField(_("截止时间"), db_index=True)
    text = models.TextField(_("录入文本"), blank=True)
    # What is scored: the text as saved by the deadline. Saves in the grace after it are kept in
    # ``text`` (requests in flight) but do not count: the grace does not extend the test.
    text_at_deadline = models.TextField(_("截止时的录入文本"), blank=True, default="")
    seq = models.PositiveBigIntegerField(_("序号"), default=0)
    saved_at = models.DateTimeField(_("保存时间"), null=True, blank=True)
    keystrokes = models.PositiveIntegerField(_("击键次数"), default=0)
    focus_losses = models.PositiveIntegerField(_("离开页面次数"), default=0)
    pastes = models.PositiveIntegerField(_("粘贴尝试次数"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.CharField(_("提交方式"), max_length=10, choices=SubmittedBy.choices, blank=True)
    result = models.JSONField(_("评分明细"), null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("文字阅录")
        verbose_name_plural = _("文字阅录")
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("started_at")), name="typing_deadline_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} 文字阅录"


class BusinessAttempt(models.Model):
    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.PROTECT, related_name="business", verbose_name=_("报名")
    )
    status = models.CharField(_("状态"), max_length=12, choices=PartStatus.choices, default=PartStatus.IN_PROGRESS)
    started_at = models.DateTimeField(_("开始时间"))
    deadline = models.DateTimeField(_("截止时间"), db_index=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("业务受理")
        verbose_name_plural = _("业务受理")

    def __str__(self) -> str:
        return f"{self.enrollment} 业务受理"


class BusinessTask(models.Model):
    attempt = models.ForeignKey(
        BusinessAttempt, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("业务受理")
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("任务卡"))
    order = models.JSONField(_("提交的受理单"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    seconds_used = models.PositiveIntegerField(_("用时（秒）"), null=True, blank=True)
    outcome = models.JSONField(_("核对结果"), null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("业务受理任务")
        verbose_name_plural = _("业务受理任务")
        ordering = ["attempt", "position"]
        constraints = [models.UniqueConstraint(fields=["attempt", "position"], name="business_task_position_once")]

    def __str__(self) -> str:
        return f"{self.attempt} 任务 {self.position}"


class SceneRun(models.Model):
    """One candidate's simulated scene in a practical room, scored by the room's panel."""

    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.PROTECT, related_name="scene_run", verbose_name=_("报名")
    )
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="scene_runs", verbose_name=_("考场"))
    scene = models.ForeignKey(Scene, on_delete=models.PROTECT, related_name="runs", verbose_name=_("情景"))
    round = models.PositiveSmallIntegerField(_("评分轮次"), default=1)
    started_at = models.DateTimeField(_("开始时间"))
    result = models.DecimalField(_("情景得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    result_at = models.DateTimeField(_("定分时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("情景模拟")
        verbose_name_plural = _("情景模拟")

    def __str__(self) -> str:
        return f"{self.enrollment} 情景模拟"


class SceneScore(models.Model):
    """One examiner's marks for one scene run and round: five dimensions and a comment on each."""

    run = models.ForeignKey(SceneRun, on_delete=models.CASCADE, related_name="scores", verbose_name=_("情景模拟"))
    round = models.PositiveSmallIntegerField(_("评分轮次"))
    examiner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scene_scores", verbose_name=_("考评员")
    )
    marks = models.JSONField(_("各维度得分"))
    comments = models.JSONField(_("各维度评语"), default=dict, blank=True)
    total = models.PositiveSmallIntegerField(_("合计"))
    submitted_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = _("情景模拟评分")
        verbose_name_plural = _("情景模拟评分")
        ordering = ["run", "round", "submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["run", "round", "examiner"], name="scene_score_once_per_round"),
            models.CheckConstraint(condition=Q(total__lte=100), name="scene_score_total_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.run} 第 {self.round} 轮 {self.examiner}"


class SceneDecision(models.TextChoices):
    CONFIRM = "confirm", _("确认评分")
    RESCORE = "rescore", _("要求重新评分")


class SceneReview(models.Model):
    """The chief examiner's decision on a spread above the threshold, with the reason. Written once."""

    run = models.ForeignKey(SceneRun, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("情景模拟"))
    round = models.PositiveSmallIntegerField(_("评分轮次"))
    chief = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scene_reviews", verbose_name=_("考评组长")
    )
    decision = models.CharField(_("决定"), max_length=8, choices=SceneDecision.choices)
    reason = models.TextField(_("理由"))
    spread = models.PositiveSmallIntegerField(_("极差"))
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("情景模拟复核")
        verbose_name_plural = _("情景模拟复核")
        ordering = ["run", "round"]
        constraints = [
            models.UniqueConstraint(fields=["run", "round"], name="scene_review_once_per_round"),
            models.CheckConstraint(condition=~Q(reason=""), name="scene_review_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.run} 第 {self.round} 轮复核"
