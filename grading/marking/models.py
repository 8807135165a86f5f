"""The marking of situational answers (阅卷): scripts, the markers' tasks, arbitration, control
scripts, the team, and each attempt's written score.

- A ``Script`` is one situational answer of a submitted attempt, known to markers only by its
  random ``code``. It keeps the candidate's hall (copied when it is made) for the own-hall rule and
  never shows it.
- A ``Task`` is one marker's slot on a script: slot 1 and 2 under double marking, slot 3 for a
  third marker (三评); control tasks re-serve a control script. A task is open (no marker), claimed
  (a marker holds it until ``lease_until``) or submitted (its mark is in). The database holds the
  queue's invariants: one task per slot, one regular task per marker and script, one control task
  per marker and control script.
- The final mark, the rule that decided it and who decided are kept on the script; every mark and
  every change of a mark (回评) on the tasks.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certify.people.models import Hall
from exams.planning.models import Sitting
from exams.written.models import Attempt
from question_bank.models import ItemVersion


class MarkingSettings(models.Model):
    """A sitting's marking rules. Made with the defaults the first time marking touches the sitting."""

    sitting = models.OneToOneField(
        Sitting, on_delete=models.CASCADE, related_name="marking_settings", verbose_name=_("考试批次")
    )
    double_marking = models.BooleanField(_("双评"), default=True, help_text=_("关闭则每份只评一次（单评）"))
    tolerance_percent = models.PositiveSmallIntegerField(
        _("误差阈值（占本题分值的百分比）"), default=20, help_text=_("两评分差不超过阈值取平均，否则三评")
    )
    lease_minutes = models.PositiveSmallIntegerField(
        _("领取后保留时间（分钟）"), default=20, help_text=_("领取后未在此时间内提交，试卷回到待阅")
    )
    control_rate_percent = models.PositiveSmallIntegerField(
        _("自测卷插入比例（%）"), default=5, help_text=_("每次取卷时以此概率插入一份自测卷")
    )
    drift_percent = models.PositiveSmallIntegerField(
        _("偏差提醒阈值（占本题分值的百分比）"), default=15, help_text=_("阅卷员平均偏差超过此值时提醒组长")
    )

    class Meta:
        verbose_name = _("阅卷设置")
        verbose_name_plural = _("阅卷设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(tolerance_percent__gte=0, tolerance_percent__lte=100), name="marking_tolerance_0_100"
            ),
            models.CheckConstraint(condition=Q(lease_minutes__gte=1, lease_minutes__lte=240), name="marking_lease"),
            models.CheckConstraint(
                condition=Q(control_rate_percent__gte=0, control_rate_percent__lte=50), name="marking_control_rate"
            ),
            models.CheckConstraint(
                condition=Q(drift_percent__gte=1, drift_percent__lte=100), name="marking_drift_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sitting} 阅卷设置"


class MarkingItem(models.Model):
    """One situational item (题目版本) as a sitting marks it: its points and its tolerance."""

    sitting = models.ForeignKey(
        Sitting, on_delete=models.CASCADE, related_name="marking_items", verbose_name=_("考试批次")
    )
    item_version = models.ForeignKey(
        ItemVersion, on_delete=models.PROTECT, related_name="marking_items", verbose_name=_("题目版本")
    )
    points = models.PositiveSmallIntegerField(_("分值"))
    tolerance = models.DecimalField(
        _("本题误差阈值（分）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("留空则按批次的百分比计算"),
    )

    class Meta:
        verbose_name = _("阅卷题目")
        verbose_name_plural = _("阅卷题目")
        ordering = ["sitting", "item_version_id"]
        constraints = [
            models.UniqueConstraint(fields=["sitting", "item_version"], name="marking_item_once_per_sitting"),
            models.CheckConstraint(
                condition=Q(tolerance__isnull=True) | Q(tolerance__gte=0), name="marking_item_tolerance_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sitting.code} #{self.item_version.item_id}"


class TeamMember(models.Model):
    """A member of a sitting's marking team (阅卷组): a marker or a chief (组长), for one item or,
    with no item, for every situational item of the sitting."""

    sitting = models.ForeignKey(
        Sitting, on_delete=models.CASCADE, related_name="marking_team", verbose_name=_("考试批次")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="marking_roles", verbose_name=_("阅卷人")
    )
    item = models.ForeignKey(
        MarkingItem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="team",
        verbose_name=_("题目"),
        help_text=_("留空表示本批次全部情景分析题"),
    )
    is_chief = models.BooleanField(_("阅卷组长"), default=False)

    class Meta:
        verbose_name = _("阅卷组成员")
        verbose_name_plural = _("阅卷组成员")
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "user", "item", "is_chief"],
                condition=Q(item__isnull=False),
                name="team_member_once_per_item",
            ),
            models.UniqueConstraint(
                fields=["sitting", "user", "is_chief"],
                condition=Q(item__isnull=True),
                name="team_member_once_per_sitting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {'组长' if self.is_chief else '阅卷员'}"


class MarkerPause(models.Model):
    """The chief stopped a marker from taking scripts (with a reason); ``resumed_at`` ends it."""

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="+", verbose_name=_("考试批次"))
    marker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("阅卷员")
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("组长"))
    reason = models.TextField(_("原因"))
    at = models.DateTimeField(_("暂停时间"))
    resumed_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("暂停阅卷")
        verbose_name_plural = _("暂停阅卷")
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "marker"], condition=Q(resumed_at__isnull=True), name="marker_one_open_pause"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="marker_pause_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.marker} 暂停阅卷"


class ScriptStatus(models.TextChoices):
    MARKING = "marking", _("评阅中")
    ARBITRATION = "arbitration", _("待仲裁")
    FINAL = "final", _("已定分")


class Rule(models.TextChoices):
    """Why a final mark is what it is (``grading.scoring.marking``)."""

    SINGLE = "single", _("单评")
    TWO_WITHIN = "two_within", _("两评分差在阈值内，取平均")
    THIRD_CLOSEST = "third_closest", _("三评与较接近的一评取平均")
    THIRD_EQUIDISTANT = "third_equidistant", _("三评与两评等距，三者取平均")
    ARBITRATION = "arbitration", _("组长仲裁")
    EMPTY = "empty", _("空白作答，系统记 0 分")


class Script(models.Model):
    item = models.ForeignKey(MarkingItem, on_delete=models.PROTECT, related_name="scripts", verbose_name=_("题目"))
    attempt = models.ForeignKey(Attempt, on_delete=models.PROTECT, related_name="scripts", verbose_name=_("答卷"))
    position = models.PositiveSmallIntegerField(_("题号"))
    code = models.CharField(_("评阅编号"), max_length=12, unique=True)
    response = models.TextField(_("作答"), blank=True)
    # The candidate's hall when the attempt was submitted: the own-hall rule. Never shown to markers.
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    candidate_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    double = models.BooleanField(_("双评"), default=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ScriptStatus.choices, default=ScriptStatus.MARKING, db_index=True
    )
    final_mark = models.DecimalField(_("最终得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    rule = models.CharField(_("定分规则"), max_length=20, choices=Rule.choices, blank=True)
    basis = models.JSONField(_("定分依据（任务编号）"), default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("定分人"),
        help_text=_("留空表示按规则由系统定分"),
    )
    final_at = models.DateTimeField(_("定分时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"))

    class Meta:
        verbose_name = _("阅卷试卷")
        verbose_name_plural = _("阅卷试卷")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="script_once_per_answer"),
            models.CheckConstraint(
                condition=Q(status="final", final_mark__isnull=False, final_at__isnull=False)
                | (~Q(status="final") & Q(final_mark__isnull=True)),
                name="script_final_has_mark",
            ),
            models.CheckConstraint(condition=Q(final_mark__isnull=True) | Q(final_mark__gte=0), name="script_mark_0"),
        ]
        indexes = [models.Index(fields=["item", "status"], name="script_item_status")]

    def __str__(self) -> str:
        return self.code


class TaskKind(models.TextChoices):
    REGULAR = "regular", _("正评")
    CONTROL = "control", _("自测卷")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待领取")
    CLAIMED = "claimed", _("评阅中")
    SUBMITTED = "submitted", _("已提交")


class ControlScript(models.Model):
    """A script the chief chose as a control (自测卷), with the reference mark."""

    script = models.OneToOneField(Script, on_delete=models.CASCADE, related_name="control", verbose_name=_("试卷"))
    reference_mark = models.DecimalField(_("参考分"), max_digits=5, decimal_places=2)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("组长"))
    created_at = models.DateTimeField(_("设置时间"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("自测卷")
        verbose_name_plural = _("自测卷")
        constraints = [models.CheckConstraint(condition=Q(reference_mark__gte=0), name="control_reference_0")]

    def __str__(self) -> str:
        return f"{self.script.code} 自测卷"


class Task(models.Model):
    script = models.ForeignKey(Script, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("试卷"))
    # The script's item, copied: the queue reads one index (item, script, slot) of the open tasks.
    item = models.ForeignKey(MarkingItem, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("题目"))
    kind = models.CharField(_("类型"), max_length=8, choices=TaskKind.choices, default=TaskKind.REGULAR)
    slot = models.PositiveSmallIntegerField(_("评次"), null=True, blank=True, help_text=_("1、2 为双评，3 为三评"))
    control = models.ForeignKey(
        ControlScript, on_delete=models.CASCADE, null=True, blank=True, related_name="tasks", verbose_name=_("自测卷")
    )
    # What the marker sees and the address of the marking page: random, so a control task looks
    # like any other.
    code = models.CharField(_("评阅编号"), max_length=12, unique=True)
    status = models.CharField(_("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    marker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="marking_tasks",
        verbose_name=_("阅卷员"),
    )
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    lease_until = models.DateTimeField(_("保留至"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    awards = models.JSONField(_("各要点得分"), default=list, blank=True)
    total = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("评语"), blank=True)
    history = models.JSONField(_("回评前的评分"), default=list, blank=True)

    class Meta:
        verbose_name = _("阅卷任务")
        verbose_name_plural = _("阅卷任务")
        ordering = ["script_id", "slot", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["script", "slot"], condition=Q(kind="regular"), name="task_one_per_slot"),
            # (marker, script): also the index of "has this marker had this script?"
            models.UniqueConstraint(
                fields=["marker", "script"],
                condition=Q(kind="regular", marker__isnull=False),
                name="task_one_marker_per_script",
            ),
            models.UniqueConstraint(
                fields=["control", "marker"], condition=Q(kind="control"), name="task_control_once_per_marker"
            ),
            models.CheckConstraint(
                condition=Q(kind="regular", slot__gte=1, slot__lte=3, control__isnull=True)
                | Q(kind="control", slot__isnull=True, control__isnull=False),
                name="task_kind_shape",
            ),
            models.CheckConstraint(
                condition=Q(status="open", marker__isnull=True, total__isnull=True)
                | Q(status="claimed", marker__isnull=False, lease_until__isnull=False, total__isnull=True)
                | Q(status="submitted", marker__isnull=False, total__isnull=False, submitted_at__isnull=False),
                name="task_status_shape",
            ),
        ]
        indexes = [
            models.Index(fields=["marker", "status"], name="task_marker_status"),
            # The queue: an item's open (or claimed) regular tasks in script order.
            models.Index(
                fields=["item", "script", "slot"],
                condition=Q(kind="regular", status__in=["open", "claimed"]),
                name="task_claimable",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Arbitration(models.Model):
    """The chief's decision on a script the markers could not agree on: final, with a reason."""

    script = models.OneToOneField(Script, on_delete=models.CASCADE, related_name="arbitration", verbose_name=_("试卷"))
    chief = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    awards = models.JSONField(_("各要点得分"), default=list)
    mark = models.DecimalField(_("仲裁分"), max_digits=5, decimal_places=2)
    reason = models.TextField(_("仲裁理由"))
    at = models.DateTimeField(_("仲裁时间"))

    class Meta:
        verbose_name = _("仲裁")
        verbose_name_plural = _("仲裁")
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="arbitration_has_reason")]

    def __str__(self) -> str:
        return f"{self.script} 仲裁"


class WrittenScore(models.Model):
    """An attempt's written score: objective points + the final situational marks (0–100).

    Recomputed whenever one of its scripts gets its final mark; complete only when every script
    is final. It decides nothing (pass and fail are the results' business).
    """

    attempt = models.OneToOneField(
        Attempt, on_delete=models.CASCADE, related_name="written_score", verbose_name=_("答卷")
    )
    objective = models.DecimalField(_("客观题得分"), max_digits=5, decimal_places=1)
    situational = models.DecimalField(_("情景分析题得分"), max_digits=6, decimal_places=2, default=0)
    total = models.DecimalField(_("笔试成绩"), max_digits=6, decimal_places=2, default=0)
    scripts = models.PositiveSmallIntegerField(_("情景分析题份数"), default=0)
    final_scripts = models.PositiveSmallIntegerField(_("已定分份数"), default=0)
    complete = models.BooleanField(_("已完成"), default=False)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("笔试成绩")
        verbose_name_plural = _("笔试成绩")
        constraints = [
            models.CheckConstraint(
                condition=Q(final_scripts__lte=models.F("scripts")), name="written_score_final_le_scripts"
            ),
            models.CheckConstraint(
                condition=Q(complete=False) | Q(final_scripts=models.F("scripts")), name="written_score_complete"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt} {self.total}"
