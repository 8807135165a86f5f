"""The room console: what a room's examiners do during the exam, each with a reason, each logged.

Pausing a room stops every running clock in it: saves are refused while it is
paused, and resuming moves every running attempt's deadline by exactly the
length of the pause.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from certify.models import User
from exams.models import (
    Attempt,
    AttemptStatus,
    BusinessAttempt,
    Enrollment,
    EnrollmentStatus,
    Room,
    RoomAction,
    RoomEvent,
    RoomKind,
    RoomPause,
    SceneRun,
    SubmittedBy,
    TypingAttempt,
)
from exams.services.attempts import attempt_submit

MAX_EXTRA_MINUTES = 60


def may_run_room(user: User, room: Room) -> bool:
    return user.is_cert_admin or room.assignments.filter(examiner=user).exists()


def _checked(room: Room, by: User, reason: str, kind: str = RoomKind.WRITTEN) -> str:
    if not may_run_room(by, room):
        raise PermissionDenied(_("您不是该考场的考评员"))
    if room.kind != kind:
        raise ValidationError(
            _("只有笔试考场有监考控制台") if kind == RoomKind.WRITTEN else _("只有实操考场可以标记实操缺考")
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写原因"))
    return reason


def _log(room: Room, by: User, action: str, reason: str, now: datetime, enrollment=None, detail: str = "") -> None:
    RoomEvent.objects.create(
        room=room, enrollment=enrollment, actor=by, action=action, reason=reason, detail=detail, at=now
    )


def _room_enrollment(room: Room, enrollment: Enrollment) -> Enrollment:
    if enrollment.written_room_id != room.pk:
        raise ValidationError(_("该考生不在本考场"))
    return enrollment


@transaction.atomic
def room_pause(*, room: Room, by: User, reason: str, now: datetime | None = None) -> RoomPause:
    now = now or timezone.now()
    reason = _checked(room, by, reason)
    room = Room.objects.select_for_update().get(pk=room.pk)
    if RoomPause.objects.filter(room=room, ended_at__isnull=True).exists():
        raise ValidationError(_("考场已处于暂停状态"))
    pause = RoomPause.objects.create(room=room, started_at=now)
    _log(room, by, RoomAction.PAUSE, reason, now)
    return pause


@transaction.atomic
def room_resume(*, room: Room, by: User, reason: str, now: datetime | None = None) -> timedelta:
    """Resume the room; every running attempt's deadline moves by the pause's length. Returns that length."""
    now = now or timezone.now()
    reason = _checked(room, by, reason)
    room = Room.objects.select_for_update().get(pk=room.pk)
    pause = RoomPause.objects.filter(room=room, ended_at__isnull=True).first()
    if pause is None:
        raise ValidationError(_("考场没有暂停"))
    length = now - pause.started_at
    pause.ended_at = now
    pause.save(update_fields=["ended_at"])
    Attempt.objects.filter(enrollment__written_room=room, status=AttemptStatus.IN_PROGRESS).update(
        deadline=F("deadline") + length
    )
    _log(room, by, RoomAction.RESUME, reason, now, detail=_("暂停 %(s)s 秒") % {"s": int(length.total_seconds())})
    return length


@transaction.atomic
def attempt_grant_extra_time(
    *, room: Room, enrollment: Enrollment, minutes: int, by: User, reason: str, now: datetime | None = None
) -> Attempt:
    now = now or timezone.now()
    reason = _checked(room, by, reason)
    _room_enrollment(room, enrollment)
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_EXTRA_MINUTES:
        raise ValidationError(_("延长时间须为 1–%(max)s 分钟") % {"max": MAX_EXTRA_MINUTES})
    attempt = Attempt.objects.select_for_update().filter(enrollment=enrollment).first()
    if attempt is None or attempt.status != AttemptStatus.IN_PROGRESS:
        raise ValidationError(_("只能为正在答题的考生延长时间"))
    attempt.extra_seconds += minutes * 60
    attempt.deadline += timedelta(minutes=minutes)
    attempt.save(update_fields=["extra_seconds", "deadline"])
    _log(room, by, RoomAction.EXTRA_TIME, reason, now, enrollment, _("延长 %(m)s 分钟") % {"m": minutes})
    return attempt


@transaction.atomic
def enrollment_mark_absent(
    *, room: Room, enrollment: Enrollment, by: User, reason: str, now: datetime | None = None
) -> Enrollment:
    now = now or timezone.now()
    reason = _checked(room, by, reason)
    _room_enrollment(room, enrollment)
    if Attempt.objects.filter(enrollment=enrollment).exists():
        raise ValidationError(_("该考生已开始答题，不能标记为缺考"))
    Enrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.ABSENT)
    _log(room, by, RoomAction.ABSENT, reason, now, enrollment)
    enrollment.refresh_from_db()
    return enrollment


def attempt_end_for_misconduct(
    *, room: Room, enrollment: Enrollment, by: User, reason: str, now: datetime | None = None
) -> Attempt:
    now = now or timezone.now()
    with transaction.atomic():
        reason = _checked(room, by, reason)
        _room_enrollment(room, enrollment)
        attempt = Attempt.objects.filter(enrollment=enrollment).first()
        if attempt is None or attempt.status != AttemptStatus.IN_PROGRESS:
            raise ValidationError(_("只能终止正在答题的考生"))
        attempt = attempt_submit(attempt=attempt, by=SubmittedBy.MISCONDUCT, now=now)
        _log(room, by, RoomAction.MISCONDUCT, reason, now, enrollment)
    return attempt


@transaction.atomic
def practical_mark_absent(
    *, room: Room, enrollment: Enrollment, by: User, reason: str, now: datetime | None = None
) -> Enrollment:
    """Mark a candidate absent from the practical session, only before any part has started."""
    now = now or timezone.now()
    reason = _checked(room, by, reason, kind=RoomKind.PRACTICAL)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.practical_room_id != room.pk:
        raise ValidationError(_("该考生不在本考场"))
    if any(
        model.objects.filter(enrollment=enrollment).exists() for model in (TypingAttempt, BusinessAttempt, SceneRun)
    ):
        raise ValidationError(_("该考生已开始实操，不能标记为缺考"))
    enrollment.practical_absent = True
    enrollment.save(update_fields=["practical_absent"])
    _log(room, by, RoomAction.ABSENT, reason, now, enrollment, _("实操缺考"))
    return enrollment
