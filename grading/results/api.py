"""The results API: a candidate's own published results, a sitting's publication state and the
publication itself (admin), a 复核 request, and the public certificate verification."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from certify.people.permissions import IsCertAdmin
from exams.planning.models import Sitting
from grading.certificates.models import CertificateStatus
from grading.certificates.selectors import certificate_verify
from grading.certificates.views import NOT_FOUND, VerifyThrottle
from grading.marking.api import ERRORS, ErrorOutput, refused
from grading.results import selectors
from grading.results.models import Outcome, Result
from grading.results.services import review_deadline, review_request_create, sitting_publish


class IsCandidate(BasePermission):
    message = "只有考生可以查看本人成绩。"

    def has_permission(self, request, view) -> bool:
        return request.user.is_authenticated and request.user.is_candidate


def _score(field: str):
    return serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, label=field)


class CertificateOutput(serializers.Serializer):
    number = serializers.CharField()
    verification_code = serializers.CharField()
    level = serializers.IntegerField()
    issued_on = serializers.DateField()
    valid_until = serializers.DateField()
    status = serializers.SerializerMethodField(help_text="valid 有效 / revoked 已撤销 / expired 已过期")
    revoked_reason = serializers.CharField()

    def get_status(self, certificate) -> str:
        return certificate.status_on(timezone.localdate())


class ReviewOutput(serializers.Serializer):
    reason = serializers.CharField()
    requested_at = serializers.DateTimeField()
    status = serializers.CharField()
    answer = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)


class ResultOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sitting = serializers.CharField(source="sitting.name")
    level = serializers.IntegerField()
    objective = _score("客观题")
    situational = _score("情景分析题")
    written = _score("笔试成绩")
    typing = _score("文字阅录")
    business = _score("业务受理")
    scene = _score("情景模拟")
    practical = _score("实操成绩")
    written_pass_mark = serializers.IntegerField()
    practical_pass_mark = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    outcome_display = serializers.CharField(source="get_outcome_display")
    detail = serializers.CharField()
    published_at = serializers.DateTimeField()
    review_until = serializers.SerializerMethodField()
    certificates = CertificateOutput(many=True)
    review_requests = ReviewOutput(many=True)

    def get_review_until(self, result) -> str:
        return timezone.localtime(review_deadline(result)).isoformat()


class MyResultsApi(APIView):
    """The signed-in candidate's published results (nothing before publication)."""

    permission_classes = [IsCandidate]

    @extend_schema(responses={200: ResultOutput(many=True), 403: ErrorOutput})
    def get(self, request):
        candidate = getattr(request.user, "candidate", None)
        results = selectors.results_for_candidate(candidate) if candidate else []
        return Response(ResultOutput(results, many=True).data)


class ReviewRequestInput(serializers.Serializer):
    reason = serializers.CharField(label="申请理由", max_length=1000)


class ReviewRequestApi(APIView):
    """Ask for a 复核 of one's own result, within the window after publication."""

    permission_classes = [IsCandidate]

    @extend_schema(request=ReviewRequestInput, responses={201: ReviewOutput, **ERRORS})
    def post(self, request, pk: int):
        candidate = getattr(request.user, "candidate", None)
        result = get_object_or_404(Result, pk=pk, candidate=candidate, published=True)
        data = ReviewRequestInput(data=request.data)
        if not data.is_valid():
            return Response({"detail": "请填写申请理由（不超过 1000 字）"}, status=status.HTTP_400_BAD_REQUEST)
        try:
            review = review_request_create(result=result, by=request.user, reason=data.validated_data["reason"])
        except ValidationError as exc:
            return refused(exc)
        except PermissionDenied as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
        return Response(ReviewOutput(review).data, status=status.HTTP_201_CREATED)


class PublicationOutput(serializers.Serializer):
    status = serializers.CharField()
    blockers = serializers.ListField(child=serializers.CharField())
    counts = serializers.DictField(child=serializers.IntegerField())
    published = serializers.IntegerField(required=False)


class PublicationApi(APIView):
    """GET: what blocks publication and the preview counts. POST: publish (one atomic act)."""

    permission_classes = [IsCertAdmin]

    @extend_schema(responses={200: PublicationOutput, 403: ErrorOutput, 404: ErrorOutput})
    def get(self, request, pk: int):
        sitting = get_object_or_404(Sitting, pk=pk)
        blockers = selectors.publication_blockers(sitting)
        counts = selectors.sitting_preview(sitting).counts if sitting.standard_version_id else {}
        return Response({"status": sitting.status, "blockers": blockers, "counts": counts})

    @extend_schema(request=None, responses={200: PublicationOutput, **ERRORS})
    def post(self, request, pk: int):
        sitting = get_object_or_404(Sitting, pk=pk)
        try:
            count = sitting_publish(sitting=sitting, by=request.user)
        except ValidationError as exc:
            return refused(exc)
        sitting.refresh_from_db()
        return Response({"status": sitting.status, "blockers": [], "counts": {}, "published": count})


class VerifyOutput(serializers.Serializer):
    number = serializers.CharField()
    masked_name = serializers.CharField()
    level = serializers.CharField()
    issued_on = serializers.DateField()
    valid_until = serializers.DateField()
    status = serializers.ChoiceField(choices=CertificateStatus.choices)
    status_label = serializers.CharField()
    revoked_on = serializers.DateField(allow_null=True)


class VerifyApi(APIView):
    """Public certificate verification by number and code: an unknown number and a wrong code both
    answer 404 with the same message. Rate-limited per client address."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [VerifyThrottle]

    @extend_schema(responses={200: VerifyOutput, 404: ErrorOutput, 429: ErrorOutput})
    def get(self, request):
        verified = certificate_verify(request.query_params.get("number", ""), request.query_params.get("code", ""))
        if verified is None:
            return Response({"detail": str(NOT_FOUND)}, status=status.HTTP_404_NOT_FOUND)
        return Response(VerifyOutput(verified).data)
