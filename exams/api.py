"""API of the sitting's status flow (one endpoint per action of ``exams.sittings.SITTING_ACTIONS``)
and the exam day's live views."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from certify.people.permissions import IsCertAdmin
from exams.live import sitting_live, written_room_roster, written_row_signature
from exams.planning.api import SittingSerializer, refused
from exams.planning.models import RoomEvent, RoomKind, Sitting, SittingStatus
from exams.planning.selectors import rooms_visible_to
from exams.practical.selectors import practical_room_rows, practical_row_signature
from exams.sittings import SITTING_ACTIONS


class SittingTransitionApi(APIView):
    """POST to move a sitting on: open-enrolment, schedule, start; or retry a failed assembly."""

    permission_classes = [IsCertAdmin]
    action_name = ""

    @extend_schema(request=None, responses={200: SittingSerializer}, summary="考试批次状态流转")
    def post(self, request, pk: int):
        sitting = get_object_or_404(Sitting, pk=pk)
        try:
            sitting = SITTING_ACTIONS[self.action_name].run(sitting=sitting, by=request.user)
        except ValidationError as exc:
            return refused(exc)
        sitting.refresh_from_db()
        return Response(SittingSerializer(sitting).data)


# --- The exam day, live (issue 15, point 7): small JSON documents the pages poll ----------------


class CountsOutput(serializers.Serializer):
    not_started = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    submitted = serializers.IntegerField()


class WrittenCountsOutput(CountsOutput):
    absent = serializers.IntegerField()
    misconduct = serializers.IntegerField()


class SceneCountsOutput(serializers.Serializer):
    not_started = serializers.IntegerField()
    scoring = serializers.IntegerField(help_text="评分中")
    review = serializers.IntegerField(help_text="待组长复核")
    scored = serializers.IntegerField(help_text="已定分")


class IncidentOutput(serializers.Serializer):
    at = serializers.DateTimeField(allow_null=True)
    action = serializers.CharField(help_text="pause, resume, extra_time, absent, misconduct 或 focus_loss")
    text = serializers.CharField()
    by = serializers.CharField(allow_blank=True)


class WrittenLiveOutput(serializers.Serializer):
    counts = WrittenCountsOutput()
    paused = serializers.BooleanField()
    last_activity = serializers.DateTimeField(allow_null=True)
    incidents = IncidentOutput(many=True)


class PracticalLiveOutput(serializers.Serializer):
    candidates = serializers.IntegerField()
    absent = serializers.IntegerField()
    typing = CountsOutput()
    business = CountsOutput()
    scenes = SceneCountsOutput()
    last_activity = serializers.DateTimeField(allow_null=True)
    incidents = IncidentOutput(many=True)


class RoomLiveSummaryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=RoomKind.choices)
    console_url = serializers.CharField()
    written = WrittenLiveOutput(required=False)
    practical = PracticalLiveOutput(required=False)


class SittingLiveOutput(serializers.Serializer):
    sitting = serializers.IntegerField()
    status = serializers.ChoiceField(choices=SittingStatus.choices)
    server_time = serializers.DateTimeField()
    rooms = RoomLiveSummaryOutput(many=True)


class SittingLiveApi(APIView):
    """The admin's live view of a sitting: every room as it stands now. Polled every few seconds."""

    permission_classes = [IsCertAdmin]

    @extend_schema(responses=SittingLiveOutput, summary="考试实况：各考场人数、最近活动、事件、实操进度")
    def get(self, request, pk: int):
        return Response(sitting_live(get_object_or_404(Sitting, pk=pk)))


class RosterRowOutput(serializers.Serializer):
    admission_no = serializers.CharField(allow_null=True)
    signature = serializers.CharField(help_text="行内容的摘要：变化时页面只更新这一行")


class RoomLiveOutput(serializers.Serializer):
    room = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RoomKind.choices)
    server_time = serializers.DateTimeField()
    paused = serializers.BooleanField()
    events = serializers.IntegerField(help_text="考场记录条数")
    rows = RosterRowOutput(many=True)


class RoomLiveApi(APIView):
    """A room page's live roster (an examiner's own room; any room for an admin): one signature per
    row, so the page replaces only the rows that changed and keeps the scroll position and any
    reason being typed."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=RoomLiveOutput, summary="考场实况：每行一个摘要，页面据此局部更新")
    def get(self, request, room_id: int):
        user = request.user
        room = get_object_or_404(rooms_visible_to(user), pk=room_id)
        now = timezone.now()
        if room.kind == RoomKind.WRITTEN:
            roster = written_room_roster(room, now)
            rows = [{"admission_no": r["admission_no"], "signature": written_row_signature(r)} for r in roster["rows"]]
            paused = roster["paused"]
        else:
            practical_rows, _reviews = practical_room_rows(room, user)
            rows = [
                {"admission_no": r["enrollment"].admission_no, "signature": practical_row_signature(r)}
                for r in practical_rows
            ]
            paused = False
        return Response(
            {
                "room": room.pk,
                "kind": room.kind,
                "server_time": timezone.localtime(now).isoformat(),
                "paused": paused,
                "events": RoomEvent.objects.filter(room=room).count(),
                "rows": rows,
            }
        )
