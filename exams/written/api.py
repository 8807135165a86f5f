"""The candidate's side of the written exam: start, read the paper, save, submit. The key never leaves the server."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from certify.bad_input import MAX_JS_INTEGER, serializer_problem, whole_number
from certify.rendering import encodable
from exams.clock import AttemptClosed, AttemptPaused, remaining_seconds
from exams.papers.selectors import paper_questions_json
from exams.planning.models import Enrollment
from exams.written.models import Attempt, AttemptStatus
from exams.written.services import (
    Clock,
    Started,
    answer_save,
    attempt_clock,
    attempt_finalize_if_expired,
    attempt_remaining_seconds,
    attempt_start_state,
    attempt_submit,
)

# --- Response shapes, for the OpenAPI schema --------------------------------------------------


class DetailOutput(serializers.Serializer):
    detail = serializers.CharField(help_text="出错原因（中文）")


class ClosedOutput(DetailOutput):
    status = serializers.ChoiceField(choices=AttemptStatus.choices, help_text="submitted：已交卷，不能再保存")


class PausedOutput(DetailOutput):
    paused = serializers.BooleanField()


class OptionOutput(serializers.Serializer):
    letter = serializers.CharField(help_text="考生看到的选项字母（选项顺序按试卷打乱）")
    text = serializers.CharField()


class QuestionOutput(serializers.Serializer):
    position = serializers.IntegerField()
    type = serializers.ChoiceField(choices=["single", "multiple", "situational"])
    case = serializers.CharField(allow_blank=True)
    stem = serializers.CharField()
    points = serializers.IntegerField()
    options = OptionOutput(many=True)


class SavedAnswerOutput(serializers.Serializer):
    value = serializers.JSONField(help_text="所选选项字母列表，或情景分析题的文字")
    seq = serializers.IntegerField()
    flagged = serializers.BooleanField()


class AttemptOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=AttemptStatus.choices)
    server_time = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    remaining_seconds = serializers.IntegerField()
    answers = serializers.DictField(child=SavedAnswerOutput(), help_text="按题号")
    questions = QuestionOutput(many=True, help_text="试卷（不含答案）")


class ClockOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=AttemptStatus.choices)
    paused = serializers.BooleanField()
    server_time = serializers.DateTimeField()
    remaining_seconds = serializers.IntegerField()


class AnswerAckOutput(serializers.Serializer):
    position = serializers.IntegerField()
    seq = serializers.IntegerField(help_text="服务器保存的最新序号")
    applied = serializers.BooleanField(help_text="false：服务器已有更新的作答，本次未覆盖")
    saved_at = serializers.DateTimeField()
    remaining_seconds = serializers.IntegerField()


class SubmittedOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=AttemptStatus.choices)
    submitted_at = serializers.DateTimeField()


def own_attempt(request, pk: int) -> Attempt:
    """The requester's own attempt; anyone else's is 404."""
    return get_object_or_404(
        Attempt.objects.select_related("enrollment__sitting"), pk=pk, enrollment__candidate__user=request.user
    )


def attempt_state_response(attempt: Attempt, started: Started | None = None) -> HttpResponse:
    return HttpResponse(attempt_state_body(attempt, started), content_type="application/json")


def attempt_state_body(attempt: Attempt, started: Started | None = None) -> bytes:
    """The attempt as the page and the API client see it: status, the server's clock, the saved
    answers and the paper. The paper's JSON is built once per paper (``paper_questions_json``,
    per process and in Redis); only the answers and the clock are made per request, and for an
    attempt just started (``started.new``) neither needs a query: it has no answers and its
    room's pause was read with the start. So a whole sitting starting in the same minute costs
    little more than its inserts."""
    now = timezone.now()
    if attempt.status != "in_progress":
        remaining = 0
    elif started is not None and started.new:
        remaining = remaining_seconds(attempt.deadline, now, paused_at=started.paused_at)
    else:
        remaining = attempt_remaining_seconds(attempt, now)
    answers = [] if started is not None and started.new else attempt.answers.all()
    state = {
        "id": attempt.pk,
        "status": attempt.status,
        "server_time": now.isoformat(),
        "deadline": attempt.deadline.isoformat(),
        "remaining_seconds": remaining,
        "answers": {str(a.position): {"value": a.response, "seq": a.seq, "flagged": a.flagged} for a in answers},
    }
    head = encodable(json.dumps(state, ensure_ascii=False, separators=(",", ":"))).encode()
    questions = paper_questions_json(attempt.paper_id, attempt.paper.fingerprint)
    return head[:-1] + b',"questions":' + questions + b"}"


def closed(exc: AttemptClosed) -> Response:
    return Response({"detail": exc.messages[0], "status": "submitted"}, status=status.HTTP_409_CONFLICT)


def invalid(exc: ValidationError) -> Response:
    return Response({"detail": "；".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)


class AttemptStartApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={200: AttemptOutput, 400: DetailOutput, 404: DetailOutput},
        summary="开始（或继续）笔试答题",
    )
    def post(self, request, enrollment_id: int):
        try:
            started = attempt_start_state(enrollment=Enrollment(pk=enrollment_id), user=request.user)
        except (Enrollment.DoesNotExist, PermissionDenied):
            raise Http404 from None  # another's enrolment is as unknown as a missing one
        except ValidationError as exc:
            return invalid(exc)
        return attempt_state_response(started.attempt, started)


class AttemptApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=AttemptOutput, summary="答卷状态：试卷（不含答案）、已保存的作答、服务器剩余时间")
    def get(self, request, pk: int):
        attempt = own_attempt(request, pk)
        attempt_finalize_if_expired(attempt=attempt)
        attempt.refresh_from_db()
        return attempt_state_response(attempt)


class ClockApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ClockOutput, summary="服务器时钟：剩余秒数")
    def get(self, request, pk: int):
        now = timezone.now()
        try:
            clock = attempt_clock(attempt=pk, user=request.user, now=now)
        except Attempt.DoesNotExist:
            raise Http404 from None
        return Response(clock_body(clock, now))


def clock_body(clock: Clock, now) -> dict:
    """The clock's reply, here and at the WSGI edge (``exams.written.fast_api``)."""
    return {
        "status": clock.status,
        "paused": clock.paused,
        "server_time": now.isoformat(),
        "remaining_seconds": clock.remaining_seconds,
    }


class AnswerApi(APIView):
    permission_classes = [IsAuthenticated]

    class AnswerInputSerializer(serializers.Serializer):
        value = serializers.JSONField(help_text='选择题：所选选项字母列表，如 ["B"]；情景分析题：文字')
        seq = whole_number(1, MAX_JS_INTEGER, help_text="本答卷的保存序号，只增不减")
        flagged = serializers.BooleanField(default=False)

    @extend_schema(
        request=AnswerInputSerializer,
        responses={200: AnswerAckOutput, 400: DetailOutput, 409: ClosedOutput, 423: PausedOutput},
        summary="保存一题的作答",
    )
    def put(self, request, pk: int, position: int):
        serializer = self.AnswerInputSerializer(data=request.data)
        if not serializer.is_valid():
            return serializer_problem(serializer)
        data = serializer.validated_data
        try:
            ack = answer_save(
                attempt=pk,
                user=request.user,
                position=position,
                value=data["value"],
                seq=data["seq"],
                flagged=data["flagged"],
            )
        except Attempt.DoesNotExist:
            raise Http404 from None
        except AttemptClosed as exc:
            return closed(exc)
        except AttemptPaused as exc:
            return Response({"detail": exc.messages[0], "paused": True}, status=status.HTTP_423_LOCKED)
        except ValidationError as exc:
            return invalid(exc)
        return Response(
            {
                "position": ack.position,
                "seq": ack.seq,
                "applied": ack.applied,
                "saved_at": ack.saved_at.isoformat(),
                "remaining_seconds": ack.remaining_seconds,
            }
        )


class SubmitApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=SubmittedOutput, summary="交卷")
    def post(self, request, pk: int):
        attempt = attempt_submit(attempt=own_attempt(request, pk))
        return Response({"status": attempt.status, "submitted_at": attempt.submitted_at.isoformat()})


class EventApi(APIView):
    """Focus losses and pastes: logged for the examiners, never punished automatically."""

    permission_classes = [IsAuthenticated]

    class EventInputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=["focus_loss", "paste"])

    @extend_schema(request=EventInputSerializer, responses={204: None}, summary="记录离开页面或粘贴")
    def post(self, request, pk: int):
        attempt = own_attempt(request, pk)
        serializer = self.EventInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        field = "focus_losses" if serializer.validated_data["kind"] == "focus_loss" else "pastes"
        Attempt.objects.filter(pk=attempt.pk).update(**{field: F(field) + 1})
        return Response(status=status.HTTP_204_NO_CONTENT)
