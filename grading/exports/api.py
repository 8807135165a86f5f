"""The export API: request a workbook (202 with the job), follow its progress, download the file."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from certify.people.permissions import IsStaffMember
from certify.standard.models import Level
from grading.exports.models import ExportJob, ExportKind
from grading.exports.services import export_file, export_request, may_download
from grading.marking.api import ErrorOutput


class ExportJobOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    file_name = serializers.CharField()
    size = serializers.IntegerField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    progress_url = serializers.CharField()
    download_url = serializers.CharField(allow_null=True)


def job_json(job: ExportJob) -> dict:
    local = lambda value: timezone.localtime(value).isoformat() if value else None  # noqa: E731
    return {
        "id": job.pk,
        "kind": job.kind,
        "kind_label": job.get_kind_display(),
        "status": job.status,
        "status_label": job.get_status_display(),
        "total": job.total,
        "done": job.done,
        "file_name": job.file_name,
        "size": job.size,
        "error": job.error,
        "created_at": local(job.created_at),
        "finished_at": local(job.finished_at),
        "expires_at": local(job.expires_at),
        "progress_url": reverse("api-export", args=[job.pk]),
        "download_url": reverse("api-export-file", args=[job.pk]) if job.status == "done" else None,
    }


class ExportRequestApi(APIView):
    """Admins export everything; chief examiners the statistics of the sittings they chair."""

    permission_classes = [IsAuthenticated, IsStaffMember]

    class ExportRequestInputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(label="导出内容", choices=ExportKind.choices)
        sitting = serializers.IntegerField(label="考试批次", required=False, min_value=1, max_value=2**31 - 1)
        admission_no = serializers.CharField(label="准考证号", required=False, max_length=20)
        level = serializers.ChoiceField(label="级别", required=False, choices=Level.choices)
        branch = serializers.IntegerField(label="分公司", required=False, min_value=1, max_value=2**31 - 1)
        hall = serializers.IntegerField(label="营业厅", required=False, min_value=1, max_value=2**31 - 1)
        date_from = serializers.DateField(label="考试日期自", required=False)
        date_to = serializers.DateField(label="考试日期至", required=False)
        expiring_days = serializers.IntegerField(label="到期天数", required=False, min_value=1, max_value=3650)

    @extend_schema(
        request=ExportRequestInputSerializer,
        responses={202: ExportJobOutput, 400: ErrorOutput, 403: ErrorOutput},
        summary="申请导出 Excel（后台生成）",
    )
    def post(self, request):
        serializer = self.ExportRequestInputSerializer(data=request.data)
        if not serializer.is_valid():
            field, errors = next(iter(serializer.errors.items()))
            label = serializer.fields[field].label if field in serializer.fields else field
            return Response({"detail": f"“{label}”：{'；'.join(str(e) for e in errors)}"}, status=400)
        data = {
            name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in serializer.validated_data.items()
        }
        try:
            job = export_request(kind=data.pop("kind"), params=data, by=request.user)
        except PermissionDenied as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
        except ValidationError as exc:
            return Response({"detail": "；".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
        job.refresh_from_db()
        return Response(job_json(job), status=status.HTTP_202_ACCEPTED)


def _job_for(request, pk: int) -> ExportJob:
    job = get_object_or_404(ExportJob, pk=pk)
    if not may_download(request.user, job):
        raise PermissionDenied("只有导出人和认证管理员可以查看此导出")
    return job


class ExportJobApi(APIView):
    permission_classes = [IsAuthenticated, IsStaffMember]

    @extend_schema(responses={200: ExportJobOutput, 403: ErrorOutput, 404: ErrorOutput}, summary="导出进度")
    def get(self, request, pk: int):
        try:
            job = _job_for(request, pk)
        except PermissionDenied as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
        return Response(job_json(job))


class ExportFileApi(APIView):
    permission_classes = [IsAuthenticated, IsStaffMember]

    @extend_schema(
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiResponse(
                OpenApiTypes.BINARY
            ),
            403: ErrorOutput,
            404: ErrorOutput,
            409: ErrorOutput,
        },
        summary="下载导出文件",
    )
    def get(self, request, pk: int):
        job = get_object_or_404(ExportJob, pk=pk)
        try:
            path = export_file(job=job, by=request.user)
        except PermissionDenied as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
        except ValidationError as exc:
            return Response({"detail": "；".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
        return FileResponse(
            open(path, "rb"),
            as_attachment=True,
            filename=job.file_name,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
