"""Results (成绩) under the 60/60 rule, their publication, re-scores (复核/更正) and 复核 requests.

For exports (issue 14), read these fields:

- ``Result``: one row per candidate per sitting, written only by the publication
  (``grading.results.services.sitting_publish``), so a row exists only once its sitting is published.
  ``sitting``, ``enrollment``, ``candidate``, ``level``; the parts ``objective``, ``situational``,
  ``written`` (objective + situational), ``typing``, ``business``, ``scene``, ``practical`` (the weighted
  total), each a Decimal with 2 places or NULL when the candidate has none; the frozen pass marks
  ``written_pass_mark`` / ``practical_pass_mark``; ``outcome`` (``Outcome``: passed 合格 / failed 不合格 /
  absent 缺考 / misconduct 违纪 / incomplete 成绩未完成; ``get_outcome_display()``) and ``detail`` (the
  sentence saying which part failed, which part was missed, the examiner's reason, or what is
  missing); ``published`` and ``published_at``; ``updated_at`` (changed by a re-score).
- ``ReScore``: the audit of every change after publication (``result``, ``part``, ``old``, ``new``,
  ``reason``, ``by``, ``at``, ``outcome_before`` / ``outcome_after``).
- ``ReviewRequest``: a candidate's 复核 request and its answer.
- ``RoomSignOff``: a room signed off by its chief examiner before publication.

Certificates are in ``grading.certificates.models.Certificate``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certify.people.models import Candidate
from certify.standard.models import Level
from exams.planning.models import Enrollment, Room, Sitting


class Outcome(models.TextChoices):
    PASSED = "passed", _("合格")
    FAILED = "failed", _("不合格")
    ABSENT = "absent", _("缺考")
    MISCONDUCT = "misconduct", _("违纪")
    INCOMPLETE = "incomplete", _("成绩未完成")


class Part(models.TextChoices):
    """The parts a re-score may change; the totals follow from them."""

    OBJECTIVE = "objective", _("客观题")
    SITUATIONAL = "situational", _("情景分析题")
    TYPING = "typing", _("文字阅录")
    BUSINESS = "business", _("业务受理")
    SCENE = "scene", _("情景模拟")


def _score(label):
    return models.DecimalField(label, max_digits=6, decimal_places=2, null=True, blank=True)


class Result(models.Model):
    sitting = models.ForeignKey(Sitting, on_delete=models.PROTECT, related_name="results", verbose_name=_("考试批次"))
    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.PROTECT, related_name="result", verbose_name=_("报名")
    )
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="results", verbose_name=_("考生"))
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)
    objective = _score(_("客观题得分"))
    situational = _score(_("情景分析题得分"))
    written = _score(_("笔试成绩"))
    typing = _score(_("文字阅录得分"))
    business = _score(_("业务受理得分"))
    scene = _score(_("情景模拟得分"))
    practical = _score(_("实操成绩"))
    written_pass_mark = models.PositiveSmallIntegerField(_("笔试合格分"))
    practical_pass_mark = models.PositiveSmallIntegerField(_("实操合格分"))
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices)
    detail = models.CharField(_("说明"), max_length=300, blank=True)
    published = models.BooleanField(_("已发布"), default=False)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("成绩")
        verbose_name_plural = _("成绩")
        ordering = ["sitting", "enrollment__admission_no", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=Outcome.values), name="result_outcome_known"),
            models.CheckConstraint(
                condition=Q(published=False) | Q(published_at__isnull=False), name="result_published_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(outcome="passed") | Q(written__isnull=False, practical__isnull=False),
                name="result_passed_has_both_scores",
            ),
        ]
        indexes = [models.Index(fields=["sitting", "outcome"], name="result_by_sitting_outcome")]

    def __str__(self) -> str:
        return f"{self.enrollment} {self.get_outcome_display()}"


class ReScore(models.Model):
    """One recorded change of a published score (复核/更正). Written once, never edited."""

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="rescores", verbose_name=_("成绩"))
    part = models.CharField(_("部分"), max_length=12, choices=Part.choices)
    old = _score(_("原分数"))
    new = models.DecimalField(_("新分数"), max_digits=6, decimal_places=2)
    reason = models.TextField(_("原因"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"))
    outcome_before = models.CharField(_("原结果"), max_length=12, choices=Outcome.choices)
    outcome_after = models.CharField(_("新结果"), max_length=12, choices=Outcome.choices)
    request = models.ForeignKey(
        "ReviewRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rescores",
        verbose_name=_("复核申请"),
    )

    class Meta:
        verbose_name = _("成绩更正记录")
        verbose_name_plural = _("成绩更正记录")
        ordering = ["result", "at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="rescore_has_reason"),
            models.CheckConstraint(condition=Q(new__gte=0, new__lte=100), name="rescore_new_within_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.result} {self.get_part_display()} {self.old} → {self.new}"


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ANSWERED = "answered", _("已答复")


class ReviewRequest(models.Model):
    """A candidate's 复核 request, made within the window after publication, and its answer."""

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="review_requests", verbose_name=_("成绩"))
    reason = models.TextField(_("申请理由"))
    requested_at = models.DateTimeField(_("申请时间"))
    status = models.CharField(_("状态"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("答复人"),
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("复核申请")
        verbose_name_plural = _("复核申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="review_request_has_reason"),
            models.CheckConstraint(
                condition=Q(status="open", answered_at__isnull=True)
                | Q(status="answered", answered_at__isnull=False) & ~Q(answer=""),
                name="review_request_answered_has_answer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.result} 复核 {self.get_status_display()}"


class RoomSignOff(models.Model):
    """A room signed off by its chief examiner (考评组长) for publication."""

    room = models.OneToOneField(Room, on_delete=models.PROTECT, related_name="sign_off", verbose_name=_("考场"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("签认人")
    )
    at = models.DateTimeField(_("签认时间"))

    class Meta:
        verbose_name = _("考场签认")
        verbose_name_plural = _("考场签认")

    def __str__(self) -> str:
        return f"{self.room} 签认"
