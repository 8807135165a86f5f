"""Pages for sittings: admins plan them, examiners see their rooms, candidates their tickets."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from openpyxl import Workbook

from certify.excel import MAX_UPLOAD_BYTES
from certify.models import Candidate
from certify.permissions import RoleRequiredMixin, is_examiner
from certify.selectors import may_view_personal_data
from exams.forms import AssignForm, EnrolForm, RoomForm, RosterForm, SittingForm
from exams.models import Answer, Attempt, Enrollment, PaperItem, Room, RoomEvent, RoomExaminer, RoomPause, Sitting
from exams.practical_views import practical_room_page
from exams.selectors import active_enrollments, examiner_rooms, room_examiners, room_rules, sitting_rule
from exams.services.attempts import attempt_finalize_if_expired, attempt_start, remaining_seconds
from exams.services.console import (
    attempt_end_for_misconduct,
    attempt_grant_extra_time,
    enrollment_mark_absent,
    room_pause,
    room_resume,
)
from exams.services.roster import COLUMNS as ROSTER_COLUMNS
from exams.services.roster import roster_import
from exams.services.sittings import (
    enrollment_add,
    examiner_assign,
    examiner_unassign,
    room_add,
    schedule_problems,
    sitting_create,
    sitting_open_enrolment,
    sitting_schedule,
    sitting_start,
)
from question_bank.models import OPTION_LETTERS


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


class SittingListView(RoleRequiredMixin, View):
    def get(self, request, form: SittingForm | None = None):
        sittings = Sitting.objects.select_related("province").order_by("-written_start")
        return render(request, "exams/sitting_list.html", {"sittings": sittings, "form": form or SittingForm()})

    def post(self, request):
        form = SittingForm(request.POST)
        if form.is_valid():
            try:
                sitting = sitting_create(**form.cleaned_data, by=request.user)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("已创建考试批次 %(code)s。") % {"code": sitting.code})
                return redirect("sitting", pk=sitting.pk)
        return self.get(request, form=form)


class SittingDetailView(RoleRequiredMixin, View):
    def get(self, request, pk: int):
        sitting = get_object_or_404(Sitting.objects.select_related("province", "standard_version"), pk=pk)
        rules = room_rules(sitting)
        assignments = {}
        for assignment in RoomExaminer.objects.filter(room__sitting=sitting).select_related("examiner"):
            assignments.setdefault(assignment.room_id, []).append(assignment)
        return render(
            request,
            "exams/sitting_detail.html",
            {
                "sitting": sitting,
                "rule": sitting_rule(sitting),
                "rooms": [(rule, assignments.get(rule.room.pk, [])) for rule in rules],
                "enrolled": active_enrollments(sitting).count(),
                "problems": schedule_problems(sitting) if sitting.status == "enrolling" else [],
                "room_form": RoomForm(),
                "assign_form": AssignForm(),
            },
        )


class SittingActionView(RoleRequiredMixin, View):
    """POST one status transition: open enrolment, schedule, start."""

    def post(self, request, pk: int, action: str):
        sitting = get_object_or_404(Sitting, pk=pk)
        try:
            if action == "open":
                sitting_open_enrolment(sitting=sitting)
                messages.success(request, _("已开始报名。"))
            elif action == "schedule":
                sitting_schedule(sitting=sitting, by=request.user)
                messages.success(request, _("已排考：座位和准考证号已生成，试卷正在组卷。"))
            elif action == "start":
                sitting_start(sitting=sitting)
                messages.success(request, _("考试已开始。"))
            else:
                raise Http404
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("sitting", pk=pk)


class RoomAddView(RoleRequiredMixin, View):
    def post(self, request, pk: int):
        sitting = get_object_or_404(Sitting, pk=pk)
        form = RoomForm(request.POST)
        if form.is_valid():
            try:
                room = room_add(sitting=sitting, **form.cleaned_data)
                messages.success(request, _("已添加%(room)s。") % {"room": room})
            except ValidationError as exc:
                _errors(request, exc)
        else:
            messages.error(request, _("考场信息不完整：%(errors)s") % {"errors": form.errors.as_text()})
        return redirect("sitting", pk=pk)


class AssignView(RoleRequiredMixin, View):
    def post(self, request, pk: int, room_id: int):
        room = get_object_or_404(Room, pk=room_id, sitting_id=pk)
        form = AssignForm(request.POST)
        if form.is_valid():
            try:
                examiner_assign(
                    room=room, examiner=form.cleaned_data["examiner"], is_chief=form.cleaned_data["is_chief"]
                )
                messages.success(request, _("已分配考评员。"))
            except ValidationError as exc:
                _errors(request, exc)
        return redirect("sitting", pk=pk)


class UnassignView(RoleRequiredMixin, View):
    def post(self, request, pk: int, assignment_id: int):
        assignment = get_object_or_404(RoomExaminer, pk=assignment_id, room__sitting_id=pk)
        try:
            examiner_unassign(assignment=assignment)
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("sitting", pk=pk)


class RosterView(RoleRequiredMixin, View):
    def get(self, request, pk: int, report=None, status: int = 200):
        sitting = get_object_or_404(Sitting, pk=pk)
        enrollments = active_enrollments(sitting).select_related("candidate__hall__branch", "written_room")
        return render(
            request,
            "exams/roster.html",
            {
                "sitting": sitting,
                "form": RosterForm(),
                "enrol_form": EnrolForm(),
                "report": report,
                "enrollments": enrollments.order_by("admission_no", "candidate__employee_no"),
                "show_personal_data": may_view_personal_data(request.user),
                "limit_mb": MAX_UPLOAD_BYTES // 1048576,
            },
            status=status,
        )

    def post(self, request, pk: int):
        sitting = get_object_or_404(Sitting, pk=pk)
        form = RosterForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.get(request, pk)
        upload = form.cleaned_data["file"]
        report = roster_import(
            sitting=sitting, content=upload.read(MAX_UPLOAD_BYTES + 1), size=upload.size, by=request.user
        )
        return self.get(request, pk, report=report, status=200 if report.ok else 400)


class EnrolView(RoleRequiredMixin, View):
    def post(self, request, pk: int):
        sitting = get_object_or_404(Sitting, pk=pk)
        form = EnrolForm(request.POST)
        if form.is_valid():
            candidate = Candidate.objects.filter(employee_no=form.cleaned_data["employee_no"].strip()).first()
            if candidate is None:
                messages.error(request, _("没有工号为 %(no)s 的考生") % {"no": form.cleaned_data["employee_no"]})
            else:
                try:
                    enrollment_add(sitting=sitting, candidate=candidate)
                    messages.success(request, _("已为 %(name)s 报名。") % {"name": candidate.name})
                except ValidationError as exc:
                    _errors(request, exc)
        return redirect("sitting-roster", pk=pk)


class RosterTemplateView(RoleRequiredMixin, View):
    def get(self, request):
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "考生名单"
        sheet.append(ROSTER_COLUMNS)
        sheet.append(
            ["E0001", "张丽娜", "11010519491231002X", "13812345678", "城东分公司", "城东中心营业厅", "营业五级"]
        )
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = "attachment; filename*=UTF-8''%E8%80%83%E7%94%9F%E5%90%8D%E5%8D%95.xlsx"
        return response


class MyRoomsView(RoleRequiredMixin, View):
    allowed = staticmethod(is_examiner)

    def get(self, request):
        return render(request, "exams/my_rooms.html", {"rooms": examiner_rooms(request.user)})


class MyRoomDetailView(RoleRequiredMixin, View):
    """An examiner's own room: roster, and for a written room the live console. Other rooms are 404."""

    allowed = staticmethod(is_examiner)

    def _room(self, request, room_id: int) -> Room:
        rooms = Room.objects.select_related("sitting") if request.user.is_cert_admin else examiner_rooms(request.user)
        return get_object_or_404(rooms, pk=room_id)

    def get(self, request, room_id: int):
        room = self._room(request, room_id)
        if room.kind == "practical":
            return practical_room_page(request, room)
        field = "written_room" if room.kind == "written" else "practical_room"
        enrollments = (
            room.sitting.enrollments.filter(**{field: room})
            .exclude(status="withdrawn")
            .select_related("candidate__hall__branch")
            .order_by("seat", "admission_no")
        )
        now = timezone.now()
        attempts = {a.enrollment_id: a for a in Attempt.objects.filter(enrollment__in=enrollments)}
        last_saves = dict(
            Answer.objects.filter(attempt__in=attempts.values())
            .values("attempt_id")
            .annotate(last=Max("saved_at"))
            .values_list("attempt_id", "last")
        )
        rows = []
        for enrollment in enrollments:
            attempt = attempts.get(enrollment.pk)
            rows.append(
                {
                    "enrollment": enrollment,
                    "attempt": attempt,
                    "remaining": remaining_seconds(attempt, now)
                    if attempt and attempt.status == "in_progress"
                    else None,
                    "last_save": last_saves.get(attempt.pk) if attempt else None,
                }
            )
        return render(
            request,
            "exams/my_room_detail.html",
            {
                "room": room,
                "examiners": room_examiners(room),
                "rows": rows,
                "paused": RoomPause.objects.filter(room=room, ended_at__isnull=True).first(),
                "events": RoomEvent.objects.filter(room=room).select_related("actor", "enrollment__candidate")[:50],
                "show_personal_data": may_view_personal_data(request.user),
            },
        )

    def post(self, request, room_id: int):
        room = self._room(request, room_id)
        action, reason = request.POST.get("action", ""), request.POST.get("reason", "")
        enrollment = None
        if request.POST.get("enrollment"):
            enrollment = get_object_or_404(Enrollment, pk=request.POST["enrollment"], sitting=room.sitting)
        try:
            if action == "pause":
                room_pause(room=room, by=request.user, reason=reason)
                messages.success(request, _("考场已暂停，所有考生的计时已停止。"))
            elif action == "resume":
                length = room_resume(room=room, by=request.user, reason=reason)
                messages.success(
                    request, _("考场已恢复，每位考生的截止时间顺延 %(s)s 秒。") % {"s": int(length.total_seconds())}
                )
            elif action == "extra_time" and enrollment:
                minutes = int(request.POST.get("minutes") or 0)
                attempt_grant_extra_time(
                    room=room, enrollment=enrollment, minutes=minutes, by=request.user, reason=reason
                )
                messages.success(
                    request, _("已为 %(name)s 延长 %(m)s 分钟。") % {"name": enrollment.candidate.name, "m": minutes}
                )
            elif action == "absent" and enrollment:
                enrollment_mark_absent(room=room, enrollment=enrollment, by=request.user, reason=reason)
                messages.success(request, _("已将 %(name)s 标记为缺考。") % {"name": enrollment.candidate.name})
            elif action == "misconduct" and enrollment:
                attempt_end_for_misconduct(room=room, enrollment=enrollment, by=request.user, reason=reason)
                messages.success(request, _("已终止 %(name)s 的考试。") % {"name": enrollment.candidate.name})
            else:
                messages.error(request, _("未知操作"))
        except (ValidationError, ValueError) as exc:
            for message in getattr(exc, "messages", [str(exc)]):
                messages.error(request, message)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        return redirect("my-room", room_id=room.pk)


class TicketView(LoginRequiredMixin, View):
    """A printable admission ticket: the candidate's own, or any for an admin. Others get 404."""

    def get(self, request, enrollment_id: int):
        enrollments = Enrollment.objects.select_related(
            "sitting__standard_version", "written_room", "practical_room", "candidate__hall__branch"
        )
        if not request.user.is_cert_admin:
            enrollments = enrollments.filter(candidate__user=request.user)
        enrollment = get_object_or_404(enrollments, pk=enrollment_id)
        if not enrollment.admission_no:
            raise Http404
        return render(
            request,
            "exams/ticket.html",
            {"enrollment": enrollment, "rule": sitting_rule(enrollment.sitting)},
        )


class ExamView(LoginRequiredMixin, View):
    """The candidate's exam page: a start button, then the paper with the server's clock."""

    def _enrollment(self, request, enrollment_id: int) -> Enrollment:
        return get_object_or_404(
            Enrollment.objects.select_related("sitting", "candidate"), pk=enrollment_id, candidate__user=request.user
        )

    def get(self, request, enrollment_id: int):
        enrollment = self._enrollment(request, enrollment_id)
        attempt = Attempt.objects.filter(enrollment=enrollment).first()
        if attempt is None:
            return render(
                request, "exams/exam_start.html", {"enrollment": enrollment, "rule": sitting_rule(enrollment.sitting)}
            )
        attempt_finalize_if_expired(attempt=attempt)
        attempt.refresh_from_db()
        answers = {a.position: a for a in attempt.answers.all()}
        questions = []
        for item in (
            PaperItem.objects.filter(paper_id=attempt.paper_id).select_related("item_version").order_by("position")
        ):
            answer = answers.get(item.position)
            questions.append(
                {
                    "position": item.position,
                    "type": item.item_version.type,
                    "case": item.item_version.case,
                    "stem": item.item_version.stem,
                    "points": item.points,
                    "options": [
                        (OPTION_LETTERS[shown], item.item_version.options[original])
                        for shown, original in enumerate(item.option_order)
                    ],
                    "value": answer.response if answer else None,
                    "flagged": answer.flagged if answer else False,
                }
            )
        now = timezone.now()
        return render(
            request,
            "exams/exam.html",
            {
                "enrollment": enrollment,
                "attempt": attempt,
                "questions": questions,
                "remaining": remaining_seconds(attempt, now) if attempt.status == "in_progress" else 0,
                "max_seq": max((a.seq for a in answers.values()), default=0),
            },
        )

    def post(self, request, enrollment_id: int):
        enrollment = self._enrollment(request, enrollment_id)
        try:
            attempt_start(enrollment=enrollment, user=request.user)
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("exam", enrollment_id=enrollment.pk)
