"""The room console: what a room's examiners do during the exam, each with a reason, each logged.

Pausing a room stops every running clock in it: saves are refused while it is
paused, and resuming moves every running attempt's deadline by exactly the
length of the pause.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from certify.people.models import User
from exams.clock import SubmittedBy
from exams.planning.models import Enrollment, EnrollmentStatus, Room, RoomAction, RoomKind
from exams.planning.rooms import room_action_reason, room_log
from exams.written.models import Attempt, AttemptStatus, RoomPause
from exams.written.services import attempt_submit, is_expired

MAX_EXTRA_MINUTES = 60


def _room_enrollment(room: Room, enrollment: Enrollment) -> Enrollment:
    if enrollment.written_room_id != room.pk:
        raise ValidationError(_("该考生不在本考场"))
    return enrollment


@transaction.atomic
def room_pause(*, room: Room, by: User, reason: str, now: datetime | None = None) -> RoomPause:
    now = now or timezone.now()
    reason = room_action_reason(room, by, reason, kind=RoomKind.WRITTEN)
    room = Room.objects.select_for_update().get(pk=room.pk)
    if RoomPause.objects.filter(room=room, ended_at__isnull=True).exists():
        raise ValidationError(_("考场已处于暂停状态"))
    pause = RoomPause.objects.create(room=room, started_at=now)
    room_log(room=room, by=by, action=RoomAction.PAUSE, reason=reason, now=now)
    return pause


@transaction.atomic
def room_resume(*, room: Room, by: User, reason: str, now: datetime | None = None) -> timedelta:
    """Resume the room; every running attempt's deadline moves by the pause's length. Returns that length."""
    now = now or timezone.now()
    reason = room_action_reason(room, by, reason, kind=RoomKind.WRITTEN)
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
    room_log(
        room=room,
        by=by,
        action=RoomAction.RESUME,
        reason=reason,
        now=now,
        detail=_("暂停 %(s)s 秒") % {"s": int(length.total_seconds())},
    )
    return length


@transaction.atomic
def attempt_grant_extra_time(
    *, room: Room, enrollment: Enrollment, minutes: int, by: User, reason: str, now: datetime | None = None
) -> Attempt:
    now = now or timezone.now()
    reason = room_action_reason(room, by, reason, kind=RoomKind.WRITTEN)
    _room_enrollment(room, enrollment)
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_EXTRA_MINUTES:
        raise ValidationError(_("延长时间须为 1–%(max)s 分钟") % {"max": MAX_EXTRA_MINUTES})
    attempt = Attempt.objects.select_for_update().filter(enrollment=enrollment).first()
    if attempt is None or attempt.status != AttemptStatus.IN_PROGRESS:
        raise ValidationError(_("只能为正在答题的考生延长时间"))
    if is_expired(attempt, now):
        # Past deadline + grace the attempt is over (the next read submits it): no reopening.
        raise ValidationError(_("该考生的答题时间（含宽限）已结束，答卷将自动提交，不能再延长时间"))
    attempt.extra_seconds += minutes * 60
    attempt.deadline += timedelta(minutes=minutes)
    attempt.save(update_fields=["extra_seconds", "deadline"])
    room_log(
        room=room,
        by=by,
        action=RoomAction.EXTRA_TIME,
        reason=reason,
        now=now,
        enrollment=enrollment,
        detail=_("延长 %(m)s 分钟") % {"m": minutes},
    )
    return attempt


@transaction.atomic
def enrollment_mark_absent(
    *, room: Room, enrollment: Enrollment, by: User, reason: str, now: datetime | None = None
) -> Enrollment:
    now = now or timezone.now()
    reason = room_action_reason(room, by, reason, kind=RoomKind.WRITTEN)
    _room_enrollment(room, enrollment)
    if Attempt.objects.filter(enrollment=enrollment).exists():
        raise ValidationError(_("该考生已开始答题，不能标记为缺考"))
    Enrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.ABSENT)
    room_log(room=room, by=by, action=RoomAction.ABSENT, reason=reason, now=now, enrollment=enrollment)
    enrollment.refresh_from_db()
    return enrollment


def attempt_end_for_misconduct(
    *, room: Room, enrollment: Enrollment, by: User, reason: str, now: datetime | None = None
) -> Attempt:
    now = now or timezone.now()
    with transaction.atomic():
        reason = room_action_reason(room, by, reason, kind=RoomKind.WRITTEN)
        _room_enrollment(room, enrollment)
        attempt = Attempt.objects.filter(enrollment=enrollment).first()
        if attempt is None or attempt.status != AttemptStatus.IN_PROGRESS:
            raise ValidationError(_("只能终止正在答题的考生"))
        attempt = attempt_submit(attempt=attempt, by=SubmittedBy.MISCONDUCT, now=now)
        room_log(room=room, by=by, action=RoomAction.MISCONDUCT, reason=reason, now=now, enrollment=enrollment)
    return attempt
