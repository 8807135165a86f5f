"""The practical session as a whole: when a candidate may start a part, how long a part has
left, and marking a candidate absent from the session."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certify.people.models import User
from exams.clock import Window, remaining_seconds, window_state
from exams.planning.models import Enrollment, EnrollmentStatus, Room, RoomAction, RoomKind, SittingStatus
from exams.planning.rooms import room_action_reason, room_log
from exams.practical.models import BusinessAttempt, PartStatus, SceneRun, TypingAttempt


def practical_window_check(enrollment: Enrollment, user: User, now: datetime) -> None:
    """The candidate's own enrolment, their sitting in progress, inside the practical window."""
    if enrollment.candidate.user_id != user.pk:
        raise PermissionDenied(_("这不是您的考试"))
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        raise ValidationError(_("您的报名已撤销"))
    if enrollment.practical_absent:
        raise ValidationError(_("您的实操已被标记为缺考，请联系考评员"))
    sitting = enrollment.sitting
    # 阅卷中 starts when the written window ends; the practical session keeps its own window.
    if sitting.status not in (SittingStatus.IN_PROGRESS, SittingStatus.MARKING):
        raise ValidationError(_("考试尚未开始，请等待考评员开考"))
    window = window_state(start=sitting.practical_start, end=sitting.practical_end, now=now)
    if window == Window.BEFORE:
        raise ValidationError(
            _("实操考试将于 %(time)s 开始")
            % {"time": timezone.localtime(sitting.practical_start).strftime("%m月%d日 %H:%M")}
        )
    if window == Window.AFTER:
        raise ValidationError(_("实操时间段已结束"))


def part_remaining_seconds(part: TypingAttempt | BusinessAttempt | None, now: datetime | None = None) -> int:
    """Seconds left on a typing or business part by the server's clock; 0 once submitted."""
    if part is None or part.status != PartStatus.IN_PROGRESS:
        return 0
    return remaining_seconds(part.deadline, now or timezone.now())


@transaction.atomic
def practical_mark_absent(
    *, room: Room, enrollment: Enrollment, by: User, reason: str, now: datetime | None = None
) -> Enrollment:
    """Mark a candidate absent from the practical session, only before any part has started."""
    now = now or timezone.now()
    reason = room_action_reason(room, by, reason, kind=RoomKind.PRACTICAL)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.practical_room_id != room.pk:
        raise ValidationError(_("该考生不在本考场"))
    if any(
        model.objects.filter(enrollment=enrollment).exists() for model in (TypingAttempt, BusinessAttempt, SceneRun)
    ):
        raise ValidationError(_("该考生已开始实操，不能标记为缺考"))
    enrollment.practical_absent = True
    enrollment.save(update_fields=["practical_absent"])
    room_log(
        room=room, by=by, action=RoomAction.ABSENT, reason=reason, now=now, enrollment=enrollment, detail=_("实操缺考")
    )
    return enrollment
