"""Pages of the practical session: the candidate's hub, typing test and simulated support
system; the practical room's scene panel, scoring page and the chief examiner's review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from certify.bad_input import posted_id
from certify.people.permissions import RoleRequiredMixin, is_examiner
from certify.people.selectors import may_view_personal_data
from exams.planning.models import Enrollment, Room, RoomEvent, RoomKind
from exams.planning.selectors import room_examiners, rooms_visible_to, sitting_rule
from exams.practical.business import business_finalize_if_expired, business_start
from exams.practical.material import catalogue_data
from exams.practical.models import (
    SCENE_DIMENSION_POINTS,
    SCENE_DIMENSIONS,
    BusinessAttempt,
    SceneRun,
    SceneScore,
    TypingAttempt,
)
from exams.practical.scenes import (
    is_chief,
    is_panel_member,
    scene_reliability,
    scene_review,
    scene_round_for,
    scene_round_state,
    scene_run_start,
    scene_score_submit,
    scene_scores_visible,
)
from exams.practical.selectors import practical_room_rows, practical_row_signature
from exams.practical.session import part_remaining_seconds, practical_mark_absent
from exams.practical.typing import typing_finalize_if_expired, typing_start
from grading.scoring.practical import PARTS


def _own_enrollment(request, enrollment_id: int) -> Enrollment:
    return get_object_or_404(
        Enrollment.objects.select_related("sitting__standard_version", "candidate", "practical_room"),
        pk=enrollment_id,
        candidate__user=request.user,
    )


def _start_part(request, enrollment_id: int, start, page: str):
    """Start (or resume) a part and go to its page; refused, back to the hub with the reason."""
    enrollment = _own_enrollment(request, enrollment_id)
    try:
        start(enrollment=enrollment, user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("practical", enrollment_id=enrollment.pk)
    return redirect(page, enrollment_id=enrollment.pk)


class PracticalView(LoginRequiredMixin, View):
    """The candidate's practical hub: the three parts and where each stands."""

    def get(self, request, enrollment_id: int):
        enrollment = _own_enrollment(request, enrollment_id)
        typing = TypingAttempt.objects.filter(enrollment=enrollment).first()
        business = BusinessAttempt.objects.filter(enrollment=enrollment).first()
        if typing:
            typing = typing_finalize_if_expired(attempt=typing)
        if business:
            business = business_finalize_if_expired(attempt=business)
        scene = SceneRun.objects.filter(enrollment=enrollment).first()
        now = timezone.now()
        sitting = enrollment.sitting
        return render(
            request,
            "practical/practical.html",
            {
                "enrollment": enrollment,
                "rule": sitting_rule(sitting),
                "typing": typing,
                "business": business,
                "scene": scene,
                "window_open": sitting.status in ("in_progress", "marking")
                and sitting.practical_start <= now < sitting.practical_end,
            },
        )


class TypingView(LoginRequiredMixin, View):
    def get(self, request, enrollment_id: int):
        enrollment = _own_enrollment(request, enrollment_id)
        attempt = TypingAttempt.objects.select_related("passage").filter(enrollment=enrollment).first()
        if attempt is None:
            return redirect("practical", enrollment_id=enrollment.pk)
        attempt = typing_finalize_if_expired(attempt=attempt)
        return render(
            request,
            "practical/typing.html",
            {
                "enrollment": enrollment,
                "attempt": attempt,
                "remaining": part_remaining_seconds(attempt),
                "duration": int((attempt.deadline - attempt.started_at).total_seconds()),
                "limit_seconds": sitting_rule(enrollment.sitting).typing_minutes * 60,
            },
        )

    def post(self, request, enrollment_id: int):
        return _start_part(request, enrollment_id, typing_start, "typing")


class BusinessView(LoginRequiredMixin, View):
    def get(self, request, enrollment_id: int):
        enrollment = _own_enrollment(request, enrollment_id)
        attempt = BusinessAttempt.objects.filter(enrollment=enrollment).first()
        if attempt is None:
            return redirect("practical", enrollment_id=enrollment.pk)
        attempt = business_finalize_if_expired(attempt=attempt)
        data = catalogue_data()
        tasks = list(attempt.tasks.select_related("scenario").order_by("position"))
        return render(
            request,
            "practical/business.html",
            {
                "enrollment": enrollment,
                "attempt": attempt,
                "remaining": part_remaining_seconds(attempt),
                "tasks": tasks,
                "submitted_count": sum(1 for t in tasks if t.submitted_at),
                "unsubmitted": [t for t in tasks if not t.submitted_at],
                "id_types": data.get("id_types", []),
                "notice": data.get("sample_notice", ""),
            },
        )

    def post(self, request, enrollment_id: int):
        return _start_part(request, enrollment_id, business_start, "business")


# --- the practical room: scene panel ------------------------------------------------------


def _practical_room(request, room_id: int) -> Room:
    room = get_object_or_404(rooms_visible_to(request.user), pk=room_id)
    if room.kind != RoomKind.PRACTICAL:
        raise Http404
    return room


def practical_room_page(request, room: Room):
    """The practical room for its examiners: each candidate's three parts, the scene panel,
    the chief examiner's review queue and the panel's reliability."""
    rows, reviews = practical_room_rows(room, request.user)
    for row in rows:
        row["signature"] = practical_row_signature(row)
    chief = is_chief(request.user, room) or request.user.is_cert_admin
    return render(
        request,
        "practical/practical_room.html",
        {
            "room": room,
            "examiners": room_examiners(room),
            "rows": rows,
            "reviews": reviews,
            "chief": chief,
            "reliability": scene_reliability(room.sitting) if chief else None,
            "show_personal_data": may_view_personal_data(request.user),
            "parts": PARTS,
            "events": RoomEvent.objects.filter(room=room).select_related("actor", "enrollment__candidate")[:50],
            "event_count": RoomEvent.objects.filter(room=room).count(),
            "read_only": not is_panel_member(request.user, room),
        },
    )


class PracticalRoomActionView(RoleRequiredMixin, View):
    """Call a candidate in for their scene, or mark them absent from the practical (reason required)."""

    allowed = staticmethod(is_examiner)

    def post(self, request, room_id: int):
        room = _practical_room(request, room_id)
        enrollment = get_object_or_404(Enrollment, pk=posted_id(request.POST, "enrollment"), practical_room=room)
        action = request.POST.get("action")
        try:
            if action == "scene":
                run = scene_run_start(enrollment=enrollment, by=request.user)
                return redirect("scene", run_id=run.pk)
            if action == "absent":
                practical_mark_absent(
                    room=room, enrollment=enrollment, by=request.user, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("已将 %(name)s 的实操标记为缺考。") % {"name": enrollment.candidate.name})
            else:
                messages.error(request, _("未知操作"))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        return redirect("my-room", room_id=room.pk)


class SceneView(RoleRequiredMixin, View):
    """The scoring page, made for a tablet beside the candidate: the script, the anchors,
    five rows of tap-to-score buttons and a comment per dimension."""

    allowed = staticmethod(is_examiner)

    def _run(self, request, run_id: int) -> SceneRun:
        run = get_object_or_404(
            SceneRun.objects.select_related("scene", "room__sitting", "enrollment__candidate", "enrollment__sitting"),
            pk=run_id,
        )
        if not (is_panel_member(request.user, run.room) or request.user.is_cert_admin):
            raise Http404
        return run

    def get(self, request, run_id: int, form_errors=None, posted=None):
        run = self._run(request, run_id)
        mine = SceneScore.objects.filter(run=run, round=run.round, examiner=request.user).first()
        state = scene_round_for(
            scene_round_state(run), member=is_panel_member(request.user, run.room), scored=mine is not None
        )
        visible = scene_scores_visible(run, request.user)
        chief = is_chief(request.user, run.room)
        anchors = run.scene.anchors
        dimensions = [
            {
                "key": key,
                "label": label,
                "anchors": anchors.get(key, {}),
                "value": (posted or {}).get(key, ""),
                "comment": (posted or {}).get(f"comment_{key}", ""),
            }
            for key, label in SCENE_DIMENSIONS.items()
        ]
        return render(
            request,
            "practical/scene.html",
            {
                "run": run,
                "scene": run.scene,
                "state": state,
                "mine": mine,
                "visible": visible,
                "chief": chief,
                "dimensions": dimensions,
                "points": range(SCENE_DIMENSION_POINTS + 1),
                "form_errors": form_errors or [],
                "reviews": run.reviews.select_related("chief").order_by("at"),
                "earlier": SceneScore.objects.filter(run=run, round__lt=run.round).select_related("examiner")
                if (mine or chief)
                else [],
            },
        )

    def post(self, request, run_id: int):
        run = self._run(request, run_id)
        if request.POST.get("action") == "review":
            try:
                scene_review(
                    run=run,
                    chief=request.user,
                    decision=request.POST.get("decision", ""),
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("复核决定已记录。"))
            except (ValidationError, PermissionDenied) as exc:
                for message in getattr(exc, "messages", [str(exc)]):
                    messages.error(request, message)
            return redirect("scene", run_id=run.pk)
        marks = {key: request.POST.get(key, "") for key in SCENE_DIMENSIONS}
        comments = {key: request.POST.get(f"comment_{key}", "") for key in SCENE_DIMENSIONS}
        try:
            scene_score_submit(run=run, examiner=request.user, marks=marks, comments=comments)
        except ValidationError as exc:
            return self.get(request, run_id, form_errors=exc.messages, posted=request.POST)
        except PermissionDenied as exc:
            return self.get(request, run_id, form_errors=[str(exc)], posted=request.POST)
        messages.success(request, _("评分已提交。"))
        return redirect("scene", run_id=run.pk)
