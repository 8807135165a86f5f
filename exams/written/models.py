"""A candidate's timed sitting of their written paper, and their answers.

The server is the only clock: ``deadline`` is computed and stored by the
services (start + duration, never past the window end, plus extra time and room
pauses); the browser only displays what the server says is left.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exams.clock import SubmittedBy
from exams.papers.models import Paper
from exams.planning.models import Enrollment, Room


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("答题中")
    SUBMITTED = "submitted", _("已交卷")


class Attempt(models.Model):
    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.PROTECT, related_name="attempt", verbose_name=_("报名")
    )
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("试卷"))
    status = models.CharField(
        _("状态"), max_length=12, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    started_at = models.DateTimeField(_("开始时间"))
    deadline = models.DateTimeField(_("截止时间"))  # the sweep reads attempt_open_deadline
    extra_seconds = models.PositiveIntegerField(_("延长时间（秒）"), default=0)
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    submitted_by = models.CharField(_("交卷方式"), max_length=10, choices=SubmittedBy.choices, blank=True)
    objective_score = models.DecimalField(_("客观题得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    focus_losses = models.PositiveIntegerField(_("离开页面次数"), default=0)
    pastes = models.PositiveIntegerField(_("粘贴次数"), default=0)

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("started_at")), name="attempt_deadline_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status="in_progress", submitted_at__isnull=True)
                | Q(status="submitted", submitted_at__isnull=False),
                name="attempt_submitted_has_time",
            ),
        ]
        # The sweep's "open and past its deadline". Partial, so that only open attempts are in it and
        # no plan of the save's prepared statement (status and deadline as parameters) can use it: a
        # generic plan that did scanned every open attempt per save (issue 17, 4,000 rows a save).
        indexes = [models.Index(fields=["deadline"], name="attempt_open_deadline", condition=Q(status="in_progress"))]

    def __str__(self) -> str:
        return f"{self.enrollment} 答卷"


class Answer(models.Model):
    """The latest saved answer to one question of an attempt.

    ``response`` holds the letters the candidate chose, as displayed to them
    (options are shuffled per paper; grading maps them back), or the text of a
    situational answer. ``seq`` is the browser's sequence number for this
    attempt: a save with a lower number than the stored one is ignored.
    """

    # No index of its own: the unique (attempt, position) index serves every lookup by attempt,
    # and a save (issue 17) writes one index entry fewer.
    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="answers", verbose_name=_("答卷"), db_index=False
    )
    position = models.PositiveSmallIntegerField(_("题号"))
    response = models.JSONField(_("作答"))
    seq = models.PositiveBigIntegerField(_("序号"))
    saved_at = models.DateTimeField(_("保存时间"))
    flagged = models.BooleanField(_("标记"), default=False)

    class Meta:
        verbose_name = _("作答")
        verbose_name_plural = _("作答")
        constraints = [models.UniqueConstraint(fields=["attempt", "position"], name="answer_once_per_question")]

    def __str__(self) -> str:
        return f"{self.attempt} 第 {self.position} 题"


class RoomPause(models.Model):
    """A pause of a whole written room: every running clock in it stops until it is resumed."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="pauses", verbose_name=_("考场"))
    started_at = models.DateTimeField(_("暂停时间"))
    ended_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("考场暂停")
        verbose_name_plural = _("考场暂停")
        constraints = [
            models.UniqueConstraint(fields=["room"], condition=Q(ended_at__isnull=True), name="room_one_open_pause"),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")), name="room_pause_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room} {timezone.localtime(self.started_at):%H:%M}"
