"""Pages for planning sittings: admins plan them, examiners see their rooms, candidates their tickets."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from openpyxl import Workbook

from certify.bad_input import posted_id
from certify.excel import MAX_UPLOAD_BYTES, RowError, upload_problem
from certify.people.models import Candidate
from certify.people.permissions import RoleRequiredMixin, is_examiner
from certify.people.selectors import may_view_personal_data
from certify.validators import mask_id_number, mask_phone
from exams.planning.forms import AssignForm, EnrolForm, RoomForm, RosterForm, SittingForm
from exams.planning.models import Enrollment, Room, RoomExaminer, RosterImport, Sitting, SittingStatus
from exams.planning.roster import COLUMNS as ROSTER_COLUMNS
from exams.planning.roster import IDENTITY_FIELDS, RosterReport
from exams.planning.roster_jobs import roster_import_confirm, roster_import_progress, roster_import_start
from exams.planning.selectors import active_enrollments, examiner_rooms, room_rules, sitting_rule
from exams.planning.services import (
    enrollment_add,
    examiner_assign,
    examiner_unassign,
    room_add,
    schedule_problems,
    sitting_create,
)
from exams.sweep import parts_finalize_expired


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


class SittingListView(RoleRequiredMixin, View):
    def get(self, request, form: SittingForm | None = None):
        sittings = Sitting.objects.select_related("province").order_by("-written_start")
        return render(request, "planning/sitting_list.html", {"sittings": sittings, "form": form or SittingForm()})

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
        if sitting.status == SittingStatus.IN_PROGRESS:
            parts_finalize_expired(sitting=sitting)  # what the sitting shows is never past its time
        rules = room_rules(sitting)
        assignments = {}
        for assignment in RoomExaminer.objects.filter(room__sitting=sitting).select_related("examiner"):
            assignments.setdefault(assignment.room_id, []).append(assignment)
        return render(
            request,
            "planning/sitting_detail.html",
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


ROSTER_PAGE_SIZE = 100


class RosterView(RoleRequiredMixin, View):
    """The sitting's roster: the upload (imported in the background, ``?import=<id>`` shows how
    it stands), identity changes to confirm, and the enrolled candidates a page at a time."""

    def get(self, request, pk: int, report: dict | None = None, status: int = 200):
        sitting = get_object_or_404(Sitting, pk=pk)
        job = None
        job_id = request.GET.get("import", "")
        if job_id.isdecimal() and len(job_id) < 19:
            job = RosterImport.objects.filter(pk=int(job_id), sitting=sitting).first()
        show = may_view_personal_data(request.user)
        if job is not None and job.report:
            report = job.report
        enrollments = active_enrollments(sitting).select_related("candidate__hall__branch", "written_room")
        page = Paginator(enrollments.order_by("admission_no", "candidate__employee_no"), ROSTER_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        return render(
            request,
            "planning/roster.html",
            {
                "sitting": sitting,
                "form": RosterForm(),
                "enrol_form": EnrolForm(),
                "job": job,
                "progress": roster_import_progress(job) if job else None,
                "report": report,
                "changes": _shown_changes(report, show) if report else [],
                "more_changes": (report or {}).get("change_count", 0) - len((report or {}).get("changes", [])),
                "page": page,
                "enrolled": page.paginator.count,
                "show_personal_data": show,
                "limit_mb": MAX_UPLOAD_BYTES // 1048576,
            },
            status=status,
        )

    def post(self, request, pk: int):
        sitting = get_object_or_404(Sitting, pk=pk)
        if request.POST.get("confirm"):
            job = get_object_or_404(RosterImport, pk=posted_id(request.POST, "import"), sitting=sitting)
            roster_import_confirm(job=job)
            return redirect(f"{reverse('sitting-roster', args=[pk])}?import={job.pk}")
        form = RosterForm(request.POST, request.FILES)
        if not form.is_valid():
            # An empty or missing upload is shown like any other problem with the file.
            report = RosterReport(errors=[RowError(None, "", upload_problem(form))]).as_dict()
            return self.get(request, pk, report=report, status=400)
        upload = form.cleaned_data["file"]
        job = roster_import_start(
            sitting=sitting,
            content=upload.read(MAX_UPLOAD_BYTES + 1),
            size=upload.size,
            file_name=upload.name or "",
            by=request.user,
        )
        return redirect(f"{reverse('sitting-roster', args=[pk])}?import={job.pk}")


def _shown_changes(report: dict, show: bool) -> list[dict]:
    """The report's changes as the page shows them: ID numbers and phones masked unless permitted."""
    shown = []
    for change in report.get("changes", []):
        old, new = change["old"], change["new"]
        if change["field"] == "身份证号" and not show:
            old, new = mask_id_number(old), mask_id_number(new)
        if change["field"] == "手机号" and not show:
            old, new = mask_phone(old), mask_phone(new)
        shown.append({**change, "old": old, "new": new, "identity": change["field"] in IDENTITY_FIELDS})
    return shown


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
        return render(request, "planning/my_rooms.html", {"rooms": examiner_rooms(request.user)})


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
            "planning/ticket.html",
            {"enrollment": enrollment, "rule": sitting_rule(enrollment.sitting)},
        )
