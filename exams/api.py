"""API of the sitting's status flow: one endpoint per action of ``exams.sittings.SITTING_ACTIONS``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from certify.people.permissions import IsCertAdmin
from exams.planning.api import SittingSerializer, refused
from exams.planning.models import Sitting
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
