"""The API of sittings: planning for admins, rooms for examiners, enrolments for candidates."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from certify.bad_input import serializer_problem
from certify.excel import MAX_UPLOAD_BYTES
from certify.people.models import Province, User
from certify.people.permissions import IsCertAdmin
from certify.people.selectors import may_view_personal_data
from certify.standard.models import Level
from certify.validators import mask_id_number, mask_phone
from exams.planning.models import Room, RoomKind, RosterImport, RosterImportStatus, Sitting, SittingStatus
from exams.planning.roster_jobs import roster_import_confirm, roster_import_progress, roster_import_start
from exams.planning.selectors import candidate_enrollments, examiner_rooms, room_rules
from exams.planning.services import examiner_assign, room_add, schedule_problems, sitting_create
from exams.sweep import parts_finalize_expired


class SittingSerializer(serializers.ModelSerializer):
    level_name = serializers.CharField(source="get_level_display", read_only=True)
    status_name = serializers.CharField(source="get_status_display", read_only=True)
    # The paper assembly's progress (exams.papers.Assembly), "idle" until the sitting is scheduled.
    assembly_status = serializers.SerializerMethodField()
    assembly_done = serializers.SerializerMethodField()
    assembly_total = serializers.SerializerMethodField()

    class Meta:
        model = Sitting
        fields = [
            "id",
            "code",
            "name",
            "level",
            "level_name",
            "province",
            "status",
            "status_name",
            "written_start",
            "written_end",
            "practical_start",
            "practical_end",
            "assembly_status",
            "assembly_done",
            "assembly_total",
        ]

    def get_assembly_status(self, sitting) -> str:
        assembly = getattr(sitting, "assembly", None)
        return assembly.status if assembly else "idle"

    def get_assembly_done(self, sitting) -> int:
        assembly = getattr(sitting, "assembly", None)
        return assembly.done if assembly else 0

    def get_assembly_total(self, sitting) -> int:
        assembly = getattr(sitting, "assembly", None)
        return assembly.total if assembly else 0


class SittingInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    level = serializers.ChoiceField(choices=Level.choices)
    province = serializers.PrimaryKeyRelatedField(queryset=Province.objects.all())
    written_start = serializers.DateTimeField()
    written_end = serializers.DateTimeField()
    practical_start = serializers.DateTimeField()
    practical_end = serializers.DateTimeField()


def refused(exc: ValidationError) -> Response:
    return Response({"errors": exc.messages}, status=status.HTTP_400_BAD_REQUEST)


class SittingListApi(APIView):
    permission_classes = [IsCertAdmin]

    @extend_schema(responses=SittingSerializer(many=True), summary="考试批次列表")
    def get(self, request):
        return Response(SittingSerializer(Sitting.objects.all(), many=True).data)

    @extend_schema(request=SittingInputSerializer, responses={201: SittingSerializer}, summary="新建考试批次")
    def post(self, request):
        serializer = SittingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            sitting = sitting_create(**serializer.validated_data, by=request.user)
        except ValidationError as exc:
            return refused(exc)
        return Response(SittingSerializer(sitting).data, status=status.HTTP_201_CREATED)


class RoomRuleSerializer(serializers.Serializer):
    room = serializers.IntegerField(source="room.pk")
    name = serializers.CharField(source="room.name")
    kind = serializers.CharField(source="room.kind")
    capacity = serializers.IntegerField(source="room.capacity")
    candidates = serializers.IntegerField()
    examiners = serializers.IntegerField()
    required = serializers.IntegerField()
    ok = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())


class SittingDetailApi(APIView):
    permission_classes = [IsCertAdmin]

    class SittingDetailSerializer(SittingSerializer):
        rooms = serializers.SerializerMethodField()
        schedule_problems = serializers.SerializerMethodField()
        assembly_report = serializers.SerializerMethodField()

        class Meta(SittingSerializer.Meta):
            fields = [*SittingSerializer.Meta.fields, "rooms", "schedule_problems", "assembly_report"]

        def get_assembly_report(self, sitting) -> dict:
            assembly = getattr(sitting, "assembly", None)
            return assembly.report if assembly else {}

        def get_rooms(self, sitting) -> list[dict]:
            return RoomRuleSerializer(room_rules(sitting), many=True).data

        def get_schedule_problems(self, sitting) -> list[str]:
            return schedule_problems(sitting) if sitting.status == "enrolling" else []

    @extend_schema(responses=SittingDetailSerializer, summary="考试批次详情（含各考场考评员配比检查）")
    def get(self, request, pk: int):
        sitting = get_object_or_404(Sitting, pk=pk)
        if sitting.status == SittingStatus.IN_PROGRESS:
            parts_finalize_expired(sitting=sitting)  # what the sitting reports is never past its time
        return Response(self.SittingDetailSerializer(sitting).data)


class RoomAddApi(APIView):
    permission_classes = [IsCertAdmin]

    class RoomInputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=RoomKind.choices)
        name = serializers.CharField(max_length=50)
        capacity = serializers.IntegerField(min_value=1, max_value=999)
        location = serializers.CharField(max_length=100, required=False, default="")

    @extend_schema(request=RoomInputSerializer, responses={201: RoomRuleSerializer}, summary="添加考场")
    def post(self, request, pk: int):
        sitting = get_object_or_404(Sitting, pk=pk)
        serializer = self.RoomInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            room = room_add(sitting=sitting, **serializer.validated_data)
        except ValidationError as exc:
            return refused(exc)
        return Response({"id": room.pk, "number": room.number, "name": room.name}, status=status.HTTP_201_CREATED)


class AssignApi(APIView):
    permission_classes = [IsCertAdmin]

    class AssignInputSerializer(serializers.Serializer):
        examiner = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
        is_chief = serializers.BooleanField(default=False)

    @extend_schema(request=AssignInputSerializer, responses={201: None}, summary="为考场分配考评员")
    def post(self, request, pk: int, room_id: int):
        room = get_object_or_404(Room, pk=room_id, sitting_id=pk)
        serializer = self.AssignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            examiner_assign(room=room, **serializer.validated_data)
        except ValidationError as exc:
            return refused(exc)
        return Response(status=status.HTTP_201_CREATED)


class RosterErrorOutput(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Excel 行号；整份文件的问题为空")
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class RosterChangeOutput(serializers.Serializer):
    row = serializers.IntegerField()
    employee_no = serializers.CharField()
    field = serializers.CharField(help_text="姓名、身份证号、手机号或营业厅")
    old = serializers.CharField(allow_blank=True, help_text="身份证号、手机号按查看权限脱敏")
    new = serializers.CharField(allow_blank=True)


class RosterJobOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RosterImportStatus.choices)
    status_display = serializers.CharField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    progress_url = serializers.CharField()
    rows = serializers.IntegerField(allow_null=True)
    created = serializers.IntegerField(allow_null=True)
    updated = serializers.IntegerField(allow_null=True)
    enrolled = serializers.IntegerField(allow_null=True)
    needs_confirmation = serializers.BooleanField(allow_null=True)
    errors = RosterErrorOutput(many=True)
    changes = RosterChangeOutput(many=True)


ROSTER_JOB_RESPONSES = {201: RosterJobOutput, 200: RosterJobOutput, 202: RosterJobOutput, 400: RosterJobOutput}


class MyRoomOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sitting = serializers.CharField()
    kind = serializers.ChoiceField(choices=RoomKind.choices)
    name = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class MyEnrollmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sitting = serializers.CharField()
    level = serializers.IntegerField()
    admission_no = serializers.CharField(allow_null=True)
    written_room = serializers.CharField(allow_null=True)
    seat = serializers.IntegerField(allow_null=True)
    written_start = serializers.DateTimeField()
    written_end = serializers.DateTimeField()


def roster_job_body(job: RosterImport, *, show_personal_data: bool) -> dict:
    done, total = roster_import_progress(job)
    report = dict(job.report or {})
    if not show_personal_data:
        for change in report.get("changes", []):
            if change["field"] == "身份证号":
                change["old"], change["new"] = mask_id_number(change["old"]), mask_id_number(change["new"])
            if change["field"] == "手机号":
                change["old"], change["new"] = mask_phone(change["old"]), mask_phone(change["new"])
    return {
        "id": job.pk,
        "status": job.status,
        "status_display": job.get_status_display(),
        "done": done,
        "total": total,
        "progress_url": reverse("api-roster-import", args=[job.sitting_id, job.pk]),
        **{key: report.get(key) for key in ("rows", "created", "updated", "enrolled", "needs_confirmation")},
        "errors": report.get("errors", []),
        "changes": report.get("changes", []),
    }


def roster_job_response(request, job: RosterImport) -> Response:
    """201 imported, 400 refused, 200 waiting for the identity changes to be confirmed, 202 running."""
    job.refresh_from_db()
    codes = {
        RosterImportStatus.DONE: status.HTTP_201_CREATED,
        RosterImportStatus.FAILED: status.HTTP_400_BAD_REQUEST,
        RosterImportStatus.NEEDS_CONFIRMATION: status.HTTP_200_OK,
    }
    body = roster_job_body(job, show_personal_data=may_view_personal_data(request.user))
    return Response(body, status=codes.get(job.status, status.HTTP_202_ACCEPTED))


class RosterApi(APIView):
    """Upload a roster: it is imported in the background (the response says how it stands, and
    ``progress_url`` follows it); identity changes wait for ``…/confirm/``."""

    permission_classes = [IsCertAdmin]
    parser_classes = [MultiPartParser]

    class RosterInputSerializer(serializers.Serializer):
        file = serializers.FileField()

    @extend_schema(
        request={"multipart/form-data": RosterInputSerializer},
        responses=ROSTER_JOB_RESPONSES,
        summary="导入考生名单（后台导入）",
    )
    def post(self, request, pk: int):
        sitting = get_object_or_404(Sitting, pk=pk)
        serializer = self.RosterInputSerializer(data=request.data)
        if not serializer.is_valid():
            return serializer_problem(serializer)
        upload = serializer.validated_data["file"]
        job = roster_import_start(
            sitting=sitting,
            content=upload.read(MAX_UPLOAD_BYTES + 1),
            size=upload.size,
            file_name=upload.name or "",
            by=request.user,
        )
        return roster_job_response(request, job)


class RosterImportApi(APIView):
    permission_classes = [IsCertAdmin]

    @extend_schema(responses=ROSTER_JOB_RESPONSES, summary="名单导入进度与报告")
    def get(self, request, pk: int, job_id: int):
        return roster_job_response(request, get_object_or_404(RosterImport, pk=job_id, sitting_id=pk))


class RosterImportConfirmApi(APIView):
    permission_classes = [IsCertAdmin]

    @extend_schema(request=None, responses=ROSTER_JOB_RESPONSES, summary="确认名单中的身份信息修改并导入")
    def post(self, request, pk: int, job_id: int):
        job = roster_import_confirm(job=get_object_or_404(RosterImport, pk=job_id, sitting_id=pk))
        return roster_job_response(request, job)


class MyRoomsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MyRoomOutput(many=True), summary="我的考场（考评员）")
    def get(self, request):
        rooms = examiner_rooms(request.user) if request.user.is_examiner else Room.objects.none()
        return Response(
            [
                {
                    "id": r.pk,
                    "sitting": r.sitting.name,
                    "kind": r.kind,
                    "name": r.name,
                    "starts_at": r.starts_at,
                    "ends_at": r.ends_at,
                }
                for r in rooms
            ]
        )


class MyEnrollmentsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MyEnrollmentOutput(many=True), summary="我的考试（考生）")
    def get(self, request):
        return Response(
            [
                {
                    "id": e.pk,
                    "sitting": e.sitting.name,
                    "level": e.sitting.level,
                    "admission_no": e.admission_no,
                    "written_room": e.written_room.name if e.written_room else None,
                    "seat": e.seat,
                    "written_start": e.sitting.written_start,
                    "written_end": e.sitting.written_end,
                }
                for e in candidate_enrollments(request.user)
            ]
        )
