"""The API of sittings: planning for admins, rooms for examiners, enrolments for candidates."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from certify.excel import MAX_UPLOAD_BYTES
from certify.people.models import Province, User
from certify.people.permissions import IsCertAdmin
from certify.standard.models import Level
from exams.planning.models import Room, RoomKind, Sitting, SittingStatus
from exams.planning.roster import roster_import
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


class RosterApi(APIView):
    permission_classes = [IsCertAdmin]
    parser_classes = [MultiPartParser]

    class RosterInputSerializer(serializers.Serializer):
        file = serializers.FileField()

    @extend_schema(
        request={"multipart/form-data": RosterInputSerializer}, responses={201: dict, 400: dict}, summary="导入考生名单"
    )
    def post(self, request, pk: int):
        sitting = get_object_or_404(Sitting, pk=pk)
        serializer = self.RosterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        report = roster_import(
            sitting=sitting, content=upload.read(MAX_UPLOAD_BYTES + 1), size=upload.size, by=request.user
        )
        body = {
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "enrolled": report.enrolled,
            "errors": [error.as_dict() for error in report.errors],
        }
        return Response(body, status=status.HTTP_201_CREATED if report.ok else status.HTTP_400_BAD_REQUEST)


class MyRoomsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=dict, summary="我的考场（考评员）")
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

    @extend_schema(responses=dict, summary="我的考试（考生）")
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
