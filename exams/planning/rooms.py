"""Who runs a room, and the room's log: every examiner action, with its reason, written once."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from certify.people.models import User
from exams.planning.models import Enrollment, Room, RoomEvent, RoomKind


def may_run_room(user: User, room: Room) -> bool:
    return user.is_cert_admin or room.assignments.filter(examiner=user).exists()


def room_action_reason(room: Room, by: User, reason: str, *, kind: str) -> str:
    """The stripped reason for an examiner's action on ``room`` (a room of ``kind``), or why not."""
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


def room_log(
    *,
    room: Room,
    by: User,
    action: str,
    reason: str,
    now: datetime,
    enrollment: Enrollment | None = None,
    detail: str = "",
) -> RoomEvent:
    return RoomEvent.objects.create(
        room=room, enrollment=enrollment, actor=by, action=action, reason=reason, detail=detail, at=now
    )
