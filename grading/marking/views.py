"""The marking pages: the marker's queue and marking page, 回评, the chief's dashboard, arbitration
and control scripts, and the admin's progress, team and settings for a sitting.

Thin: each page finds its object for the person asking (``access``: anyone else gets 404), calls
one service and renders; a refused action comes back as a message naming what was wrong.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from certify.people.models import Role, User
from certify.people.permissions import RoleRequiredMixin, is_examiner, is_staff_member
from exams.planning.models import Sitting
from grading.marking import selectors
from grading.marking.access import (
    item_for_chief,
    item_to_mark,
    own_task,
    prepared,
    script_to_arbitrate,
    sitting_for_admin,
    sitting_for_chief,
)
from grading.marking.models import ControlScript, MarkingItem, Script, TaskStatus, TeamMember
from grading.marking.scripts import marking_settings
from grading.marking.services import (
    control_remove,
    control_set,
    item_tolerance_set,
    marker_pause,
    marker_resume,
    marking_settings_update,
    script_arbitrate,
    task_claim,
    task_submit,
    team_add_sitting_examiners,
    team_member_add,
    team_member_remove,
)
from grading.scoring.marking import plain

KEYBOARD = [
    ("↑ / ↓", "选择要点"),
    ("0–9", "给当前要点打分（不超过该要点分值）"),
    ("+ / −", "当前要点加 / 减一个步长（0.5 或 1）"),
    ("M", "全部要点满分"),
    ("Z", "全部要点 0 分"),
    ("Enter", "提交并取下一份"),
]


def _errors(request, exc: ValidationError | PermissionDenied) -> None:
    for message in exc.messages if isinstance(exc, ValidationError) else [str(exc)]:
        messages.error(request, message)


def _id(value) -> int:
    """A posted id, or 404: a form field that is not a number never reaches the database."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _awards(request, count: int) -> list[str]:
    return [request.POST.get(f"award-{index}", "") for index in range(count)]


class MarkingHomeView(RoleRequiredMixin, View):
    """The marker's queue: the items they mark with what waits, their recent marks (回评), and for
    a chief the scripts waiting for arbitration."""

    allowed = staticmethod(is_examiner)

    def get(self, request):
        user = request.user
        for sitting in Sitting.objects.filter(pk__in=selectors.marker_items(user).values("sitting_id")):
            prepared(sitting)
        work = selectors.marker_work(user)
        pauses = {w.item.sitting_id: selectors.pause_of(user, w.item.sitting_id) for w in work}
        chief_sittings = {
            m.sitting for m in TeamMember.objects.filter(user=user, is_chief=True).select_related("sitting")
        }
        return render(
            request,
            "marking/home.html",
            {
                "work": work,
                "pauses": {k: v for k, v in pauses.items() if v},
                "recent": selectors.recent_marks(user),
                "arbitration": selectors.arbitration_queue(user),
                "chief_sittings": sorted(chief_sittings, key=lambda s: -s.pk),
            },
        )


class NextView(RoleRequiredMixin, View):
    """下一份: claim the next script of an item and open it."""

    allowed = staticmethod(is_examiner)

    def post(self, request, item_id: int):
        item = item_to_mark(request.user, item_id)
        return _claim_and_open(request, item)


def _claim_and_open(request, item: MarkingItem, *, other_items: bool = False):
    """Claim the next script of ``item`` (or, with ``other_items``, of the marker's next item of the
    same sitting when this one has none left for them) and open it."""
    items = [item]
    if other_items:
        items += [other for other in selectors.marker_items(request.user, item.sitting) if other.pk != item.pk]
    try:
        for candidate in items:
            task = task_claim(marker=request.user, item=candidate)
            if task is not None:
                if candidate.pk != item.pk:
                    messages.info(request, _("本题已没有您可领取的试卷，已为您转到下一题。"))
                return redirect("marking-task", code=task.code)
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
        return redirect("marking-home")
    messages.info(request, _("暂时没有可领取的试卷。"))
    return redirect("marking-home")


class TaskView(RoleRequiredMixin, View):
    """The marking page of one script (blind): tap the points per key point, comment, submit.
    A submitted one may be changed while the script is not final (回评)."""

    allowed = staticmethod(is_examiner)

    def get(self, request, code: str):
        task = own_task(request.user, code)
        return self._page(request, task)

    def _page(self, request, task, *, posted: list[str] | None = None, comment: str | None = None, status: int = 200):
        view = selectors.task_view(task)
        chosen = posted if posted is not None else (view["mine"]["awards"] if view["mine"] else [])
        for point in view["rubric"]:
            point["chosen"] = chosen[point["index"]] if point["index"] < len(chosen) else ""
        return render(
            request,
            "marking/task.html",
            {
                "task": view,
                "editable": view["mine"] is None or view["revisable"],
                "comment": comment if comment is not None else (view["mine"]["comment"] if view["mine"] else ""),
                "keyboard": KEYBOARD,
            },
            status=status,
        )

    def post(self, request, code: str):
        task = own_task(request.user, code)
        awards = _awards(request, len(task.script.item.item_version.rubric))
        comment = request.POST.get("comment", "")
        was_submitted = task.status == TaskStatus.SUBMITTED
        try:
            task_submit(task=task, marker=request.user, awards=awards, comment=comment)
        except ValidationError as exc:
            _errors(request, exc)
            task.refresh_from_db()
            return self._page(request, task, posted=awards, comment=comment, status=400)
        if was_submitted:
            messages.success(request, _("已修改评阅编号 %(code)s 的评分。") % {"code": task.code})
            return redirect("marking-home")
        messages.success(request, _("已提交评阅编号 %(code)s。") % {"code": task.code})
        return _claim_and_open(request, task.script.item, other_items=True)


class ArbitrateView(RoleRequiredMixin, View):
    """仲裁: the chief sees every mark and gives the final one with a reason."""

    allowed = staticmethod(is_examiner)

    def get(self, request, code: str, *, posted=None, reason: str = "", status: int = 200):
        script = script_to_arbitrate(request.user, code)
        view = selectors.arbitration_view(script)
        chosen = posted or []
        for point in view["rubric"]:
            point["chosen"] = chosen[point["index"]] if point["index"] < len(chosen) else ""
        return render(
            request,
            "marking/arbitrate.html",
            {"script": view, "sitting": script.item.sitting, "reason": reason, "keyboard": KEYBOARD},
            status=status,
        )

    def post(self, request, code: str):
        script = script_to_arbitrate(request.user, code)
        awards = _awards(request, len(script.item.item_version.rubric))
        reason = request.POST.get("reason", "")
        try:
            arbitration = script_arbitrate(script=script, chief=request.user, awards=awards, reason=reason)
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
            return self.get(request, code, posted=awards, reason=reason, status=400)
        messages.success(
            request,
            _("已仲裁 %(code)s：最终得分 %(mark)s。") % {"code": script.code, "mark": plain(arbitration.mark)},
        )
        return redirect("marking-dashboard", pk=script.item.sitting_id)


class DashboardView(RoleRequiredMixin, View):
    """The chief's dashboard: per item and per marker figures, drift flags, pauses, arbitration."""

    allowed = staticmethod(is_staff_member)

    def get(self, request, pk: int):
        sitting = sitting_for_chief(request.user, pk)
        items = None if request.user.is_cert_admin else list(selectors.chief_items(request.user, sitting))
        return render(
            request,
            "marking/dashboard.html",
            {
                "sitting": sitting,
                "settings": marking_settings(sitting),
                "items": selectors.item_progress(sitting, items),
                "markers": selectors.marker_stats(sitting, items),
                "arbitration": selectors.arbitration_queue(request.user, sitting),
                "is_chief": not request.user.is_cert_admin or selectors.is_team_member(request.user, sitting),
            },
        )


class PauseView(RoleRequiredMixin, View):
    allowed = staticmethod(is_examiner)

    def post(self, request, pk: int, user_id: int):
        sitting = sitting_for_chief(request.user, pk)
        marker = get_object_or_404(User, pk=user_id)
        try:
            if request.POST.get("action") == "resume":
                marker_resume(sitting=sitting, marker=marker, chief=request.user)
                messages.success(request, _("已恢复 %(name)s 的阅卷。") % {"name": marker.display_name})
            else:
                marker_pause(sitting=sitting, marker=marker, chief=request.user, reason=request.POST.get("reason", ""))
                messages.success(request, _("已暂停 %(name)s 的阅卷。") % {"name": marker.display_name})
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        return redirect("marking-dashboard", pk=pk)


class ControlsView(RoleRequiredMixin, View):
    """自测卷: the chief picks final scripts as control scripts with a reference mark."""

    allowed = staticmethod(is_examiner)

    def get(self, request, pk: int):
        sitting = sitting_for_chief(request.user, pk)
        items = list(selectors.chief_items(request.user, sitting))
        return render(
            request,
            "marking/controls.html",
            {
                "sitting": sitting,
                "settings": marking_settings(sitting),
                "controls": selectors.controls(sitting, items),
                "candidates": selectors.control_candidates(items),
            },
        )

    def post(self, request, pk: int):
        sitting = sitting_for_chief(request.user, pk)
        if request.POST.get("remove"):
            control = get_object_or_404(ControlScript, pk=_id(request.POST["remove"]), script__item__sitting=sitting)
            item_for_chief(request.user, control.script.item_id)
            try:
                control_remove(control=control, chief=request.user)
                messages.success(request, _("已停用自测卷 %(code)s。") % {"code": control.script.code})
            except PermissionDenied as exc:
                _errors(request, exc)
            return redirect("marking-controls", pk=pk)
        script = get_object_or_404(Script, code=request.POST.get("script", ""), item__sitting=sitting)
        try:
            control_set(script=script, chief=request.user, reference_mark=request.POST.get("reference_mark", ""))
            messages.success(request, _("已将 %(code)s 设为自测卷。") % {"code": script.code})
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        return redirect("marking-controls", pk=pk)


class SittingMarkingView(RoleRequiredMixin, View):
    """The admin's marking page of a sitting: progress, the team, the settings."""

    def get(self, request, pk: int):
        sitting = sitting_for_admin(request.user, pk)
        return render(
            request,
            "marking/sitting.html",
            {
                "sitting": sitting,
                "progress": selectors.sitting_progress(sitting),
                "settings": marking_settings(sitting),
                "team": sitting.marking_team.select_related("user", "item__item_version").order_by(
                    "-is_chief", "item_id", "user__username"
                ),
                "items": MarkingItem.objects.filter(sitting=sitting).select_related("item_version"),
                "examiners": User.objects.filter(role__in=[Role.EXAMINER, Role.CHIEF_EXAMINER]).order_by("username"),
            },
        )

    def post(self, request, pk: int):
        sitting = sitting_for_admin(request.user, pk)
        action = request.POST.get("action")
        try:
            if action == "add":
                user = get_object_or_404(User, pk=_id(request.POST.get("user")))
                item_id = request.POST.get("item") or None
                item = get_object_or_404(MarkingItem, pk=_id(item_id), sitting=sitting) if item_id else None
                team_member_add(sitting=sitting, user=user, item=item, is_chief=request.POST.get("is_chief") == "on")
                messages.success(request, _("已将 %(name)s 加入阅卷组。") % {"name": user.display_name})
            elif action == "examiners":
                added = team_add_sitting_examiners(sitting=sitting)
                messages.success(request, _("已加入 %(n)s 名考评员。") % {"n": added})
            elif action == "remove":
                team_member_remove(
                    member=get_object_or_404(TeamMember, pk=_id(request.POST.get("member")), sitting=sitting)
                )
                messages.success(request, _("已移出阅卷组。"))
            elif action == "settings":
                marking_settings_update(
                    sitting=sitting,
                    double_marking=request.POST.get("double_marking") == "on",
                    tolerance_percent=request.POST.get("tolerance_percent", ""),
                    lease_minutes=request.POST.get("lease_minutes", ""),
                    control_rate_percent=request.POST.get("control_rate_percent", ""),
                    drift_percent=request.POST.get("drift_percent", ""),
                )
                messages.success(request, _("已保存阅卷设置。"))
            elif action == "tolerance":
                item = get_object_or_404(MarkingItem, pk=_id(request.POST.get("item")), sitting=sitting)
                item_tolerance_set(item=item, tolerance=request.POST.get("tolerance", ""))
                messages.success(request, _("已保存本题误差阈值。"))
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("marking-sitting", pk=pk)
