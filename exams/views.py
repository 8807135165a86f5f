"""Pages that join the exams packages: the sitting's status actions, and the examiner's room page
(one address for every room: the written console or the practical room)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View

from certify.people.permissions import RoleRequiredMixin, is_cert_admin, is_examiner
from exams.planning.models import Room, RoomKind, Sitting
from exams.planning.selectors import rooms_visible_to
from exams.practical.views import practical_room_page
from exams.sittings import SITTING_ACTIONS
from exams.written.views import room_console_action, room_console_page


class SittingActionView(RoleRequiredMixin, View):
    """POST one step of the status flow (``SITTING_ACTIONS``): open enrolment, schedule, start."""

    def post(self, request, pk: int, action: str):
        sitting = get_object_or_404(Sitting, pk=pk)
        step = SITTING_ACTIONS.get(action)
        if step is None:
            raise Http404
        try:
            step.run(sitting=sitting, by=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, str(step.done))
        return redirect("sitting", pk=pk)


def _examiner_or_admin(user) -> bool:
    return is_examiner(user) or is_cert_admin(user)


class RoomView(RoleRequiredMixin, View):
    """An examiner's own room; other rooms are 404. The admin opens every room's page read-only
    (from the sitting's live view): no action is offered, and a posted one is refused."""

    allowed = staticmethod(_examiner_or_admin)

    def _room(self, request, room_id: int) -> Room:
        return get_object_or_404(rooms_visible_to(request.user), pk=room_id)

    def get(self, request, room_id: int):
        room = self._room(request, room_id)
        if room.kind == RoomKind.PRACTICAL:
            return practical_room_page(request, room)
        return room_console_page(request, room)

    def post(self, request, room_id: int):
        room = self._room(request, room_id)
        if not room.assignments.filter(examiner=request.user).exists():
            raise PermissionDenied(_("只读查看：只有本考场的考评员可以操作"))
        return room_console_action(request, room)
