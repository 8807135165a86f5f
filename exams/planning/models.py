"""Sittings (考试批次), their rooms and examiners, enrolment, and each room's log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certify.people.models import Candidate, Province
from certify.standard.models import Level, StandardVersion


class SittingStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ENROLLING = "enrolling", _("报名中")
    SCHEDULED = "scheduled", _("已排考")
    IN_PROGRESS = "in_progress", _("考试中")
    MARKING = "marking", _("阅卷中")
    PUBLISHED = "published", _("已发布成绩")
    CLOSED = "closed", _("已结束")


class Sitting(models.Model):
    code = models.CharField(_("批次编号"), max_length=5, unique=True, help_text=_("5 位数字：年份后两位 + 3 位序号"))
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="sittings", verbose_name=_("省公司"))
    status = models.CharField(_("状态"), max_length=12, choices=SittingStatus.choices, default=SittingStatus.DRAFT)
    written_start = models.DateTimeField(_("笔试开始"))
    written_end = models.DateTimeField(_("笔试结束"))
    practical_start = models.DateTimeField(_("实操开始"))
    practical_end = models.DateTimeField(_("实操结束"))
    # Frozen when scheduled: the rules the sitting is held and scored under. The blueprint, the
    # item pool and the seed its papers are built from are its ``assembly`` (exams.papers.Assembly).
    standard_version = models.ForeignKey(
        StandardVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("认证标准版本"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("考试批次")
        verbose_name_plural = _("考试批次")
        ordering = ["-written_start"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^\d{5}$"), name="sitting_code_five_digits"),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="sitting_level_known"),
            models.CheckConstraint(condition=Q(status__in=SittingStatus.values), name="sitting_status_known"),
            models.CheckConstraint(condition=Q(written_end__gt=F("written_start")), name="sitting_written_window"),
            models.CheckConstraint(
                condition=Q(practical_end__gt=F("practical_start")), name="sitting_practical_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_frozen(self) -> bool:
        return self.standard_version_id is not None


class RoomKind(models.TextChoices):
    WRITTEN = "written", _("笔试")
    PRACTICAL = "practical", _("实操")


class Room(models.Model):
    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="rooms", verbose_name=_("考试批次"))
    kind = models.CharField(_("类型"), max_length=10, choices=RoomKind.choices)
    number = models.PositiveSmallIntegerField(_("考场号"))
    name = models.CharField(_("名称"), max_length=50)
    location = models.CharField(_("地点"), max_length=100, blank=True)
    capacity = models.PositiveSmallIntegerField(_("座位数"))

    class Meta:
        verbose_name = _("考场")
        verbose_name_plural = _("考场")
        ordering = ["sitting", "kind", "number"]
        constraints = [
            models.UniqueConstraint(fields=["sitting", "kind", "number"], name="room_number_unique_in_sitting"),
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=99), name="room_number_1_to_99"),
            models.CheckConstraint(condition=Q(capacity__gte=1, capacity__lte=999), name="room_capacity_1_to_999"),
            models.CheckConstraint(condition=Q(kind__in=RoomKind.values), name="room_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}考场 {self.name}"

    @property
    def starts_at(self):
        return self.sitting.written_start if self.kind == RoomKind.WRITTEN else self.sitting.practical_start

    @property
    def ends_at(self):
        return self.sitting.written_end if self.kind == RoomKind.WRITTEN else self.sitting.practical_end


class RoomExaminer(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("考场"))
    examiner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="room_assignments", verbose_name=_("考评员")
    )
    is_chief = models.BooleanField(_("考评组长"), default=False)

    class Meta:
        verbose_name = _("考场考评员")
        verbose_name_plural = _("考场考评员")
        constraints = [
            models.UniqueConstraint(fields=["room", "examiner"], name="room_examiner_once"),
            models.UniqueConstraint(fields=["room"], condition=Q(is_chief=True), name="room_one_chief"),
        ]

    def __str__(self) -> str:
        return f"{self.room} · {self.examiner}"


class EnrollmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("已报名")
    WITHDRAWN = "withdrawn", _("已撤销")
    ABSENT = "absent", _("缺考")


class Enrollment(models.Model):
    sitting = models.ForeignKey(
        Sitting, on_delete=models.CASCADE, related_name="enrollments", verbose_name=_("考试批次")
    )
    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("考生")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ENROLLED
    )
    written_room = models.ForeignKey(
        Room,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="written_enrollments",
        verbose_name=_("笔试考场"),
    )
    seat = models.PositiveSmallIntegerField(_("座位号"), null=True, blank=True)
    practical_room = models.ForeignKey(
        Room,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="practical_enrollments",
        verbose_name=_("实操考场"),
    )
    practical_absent = models.BooleanField(_("实操缺考"), default=False)
    admission_no = models.CharField(_("准考证号"), max_length=10, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["sitting", "admission_no", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sitting", "candidate"], name="enrollment_once_per_sitting"),
            models.UniqueConstraint(fields=["written_room", "seat"], name="enrollment_seat_unique_in_room"),
            models.CheckConstraint(
                condition=Q(admission_no__isnull=True) | Q(admission_no__regex=r"^\d{10}$"),
                name="enrollment_admission_no_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.admission_no or '—'} {self.candidate.name}"


class RoomAction(models.TextChoices):
    PAUSE = "pause", _("暂停考场")
    RESUME = "resume", _("恢复考场")
    EXTRA_TIME = "extra_time", _("延长时间")
    ABSENT = "absent", _("标记缺考")
    MISCONDUCT = "misconduct", _("违纪终止考试")


class AppendOnlyQuerySet(models.QuerySet):
    """Rows are added, never changed or removed: ``update()`` and ``delete()`` refuse (the model's
    ``save()`` of an existing row and ``delete()`` refuse too; on PostgreSQL a trigger refuses
    UPDATE and DELETE whatever the client, migration ``exams.0008``)."""

    def update(self, **kwargs):
        raise ValueError("room events are never edited")

    def delete(self):
        raise ValueError("room events are never deleted")

    def _raw_delete(self, using):
        raise ValueError("room events are never deleted")


class RoomEvent(models.Model):
    """The room's audit log: who did what, to whom, when and why. Written once, never edited."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="events", verbose_name=_("考场"))
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, null=True, blank=True, related_name="room_events", verbose_name=_("考生")
    )
    actor = models.ForeignKey(
        "certify.User", on_delete=models.PROTECT, related_name="room_events", verbose_name=_("操作人")
    )
    action = models.CharField(_("操作"), max_length=12, choices=RoomAction.choices)
    detail = models.CharField(_("内容"), max_length=200, blank=True)
    reason = models.TextField(_("原因"))
    at = models.DateTimeField(_("时间"))

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("考场记录")
        verbose_name_plural = _("考场记录")
        ordering = ["-at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="room_event_has_reason")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {timezone.localtime(self.at):%H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("room events are never edited")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("room events are never deleted")


class RosterImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("正在导入")
    NEEDS_CONFIRMATION = "confirm", _("待确认身份信息修改")
    DONE = "done", _("导入成功")
    FAILED = "failed", _("未导入")


class RosterImport(models.Model):
    """One upload of HR's roster, imported in the background (exams.planning.roster_jobs): the file
    as uploaded, where the job stands, and its report. An upload whose identity changes wait for
    the admin is confirmed on the same record."""

    sitting = models.ForeignKey(
        Sitting, on_delete=models.CASCADE, related_name="roster_imports", verbose_name=_("考试批次")
    )
    created_by = models.ForeignKey(
        "certify.User", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("上传人")
    )
    created_at = models.DateTimeField(_("上传时间"))
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    content = models.BinaryField(_("文件内容"))
    size = models.PositiveIntegerField(_("文件大小（字节）"), default=0)
    status = models.CharField(
        _("状态"), max_length=8, choices=RosterImportStatus.choices, default=RosterImportStatus.QUEUED
    )
    confirmed = models.BooleanField(_("已确认身份信息修改"), default=False)
    total = models.PositiveIntegerField(_("待写入行数"), default=0)
    done = models.PositiveIntegerField(_("已写入行数"), default=0)
    report = models.JSONField(_("导入报告"), default=dict, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("名单导入")
        verbose_name_plural = _("名单导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.sitting} {self.file_name}"
