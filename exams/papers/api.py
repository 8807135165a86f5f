"""API of paper assembly: its progress while the background job runs."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from certify.people.permissions import IsCertAdmin
from exams.papers.models import Assembly


class ProgressApi(APIView):
    permission_classes = [IsCertAdmin]

    class ProgressSerializer(serializers.Serializer):
        status = serializers.CharField()
        status_display = serializers.CharField()
        done = serializers.IntegerField()
        total = serializers.IntegerField()
        report = serializers.DictField()
        report_text = serializers.CharField()

    @extend_schema(responses=ProgressSerializer, summary="组卷进度")
    def get(self, request, pk: int):
        assembly = get_object_or_404(Assembly, sitting_id=pk)
        report = assembly.report or {}
        text = ""
        if report.get("papers"):
            text = _("共 %(n)s 份试卷；单题最多出现在 %(e)s 份试卷中；平均难度 %(lo)s–%(hi)s；相同试卷 %(d)s 对。") % {
                "n": report["papers"],
                "e": report["max_exposure"],
                "lo": report["mean_difficulty_min"],
                "hi": report["mean_difficulty_max"],
                "d": report["identical_pairs"],
            }
        return Response(
            {
                "status": assembly.status,
                "status_display": assembly.get_status_display(),
                "done": assembly.done,
                "total": assembly.total,
                "report": report,
                "report_text": text,
            }
        )
