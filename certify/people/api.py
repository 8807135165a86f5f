from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from certify.people.models import Candidate, Province
from certify.people.permissions import IsCertAdmin, IsStaffMember
from certify.people.selectors import candidate_list, may_view_personal_data
from certify.validators import mask_id_number, mask_phone


class CandidateSerializer(serializers.ModelSerializer):
    """ID number and phone are masked unless the viewer may see them, or it is their own record."""

    hall = serializers.CharField(source="hall.name")
    branch = serializers.CharField(source="hall.branch.name")
    id_number = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()

    class Meta:
        model = Candidate
        fields = ["id", "employee_no", "name", "id_number", "phone", "branch", "hall"]

    def _show(self, candidate: Candidate) -> bool:
        viewer = self.context["request"].user
        return candidate.user_id == viewer.id or may_view_personal_data(viewer)

    def get_id_number(self, candidate: Candidate) -> str:
        return candidate.id_number if self._show(candidate) else mask_id_number(candidate.id_number)

    def get_phone(self, candidate: Candidate) -> str:
        return candidate.phone if self._show(candidate) else mask_phone(candidate.phone)


class CandidateListApi(ListAPIView):
    permission_classes = [IsCertAdmin]
    serializer_class = CandidateSerializer

    def get_queryset(self):
        return candidate_list(viewer=self.request.user)


class CandidateDetailApi(APIView):
    """A candidate record: admins see any, a candidate only their own (others are 404, not 403)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CandidateSerializer, summary="考生档案")
    def get(self, request, pk: int):
        candidate = get_object_or_404(candidate_list(viewer=request.user), pk=pk)
        return Response(CandidateSerializer(candidate, context={"request": request}).data)


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        username = serializers.CharField()
        name = serializers.CharField(source="display_name")
        role = serializers.CharField()
        role_name = serializers.CharField(source="get_role_display")
        candidate_id = serializers.IntegerField(source="candidate.id", default=None)

    @extend_schema(responses=OutputSerializer, summary="当前登录用户")
    def get(self, request):
        return Response(self.OutputSerializer(request.user).data)


class OrganisationApi(APIView):
    permission_classes = [IsStaffMember]

    class HallSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()

    class BranchSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        halls = serializers.SerializerMethodField()

        def get_halls(self, branch) -> list[dict]:
            return OrganisationApi.HallSerializer(branch.halls.all(), many=True).data

    class ProvinceSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        code = serializers.CharField()
        name = serializers.CharField()
        practical_examiner_ratio = serializers.IntegerField(allow_null=True)
        branches = serializers.SerializerMethodField()

        def get_branches(self, province) -> list[dict]:
            return OrganisationApi.BranchSerializer(province.branches.all(), many=True).data

    @extend_schema(responses=ProvinceSerializer(many=True), summary="组织机构：省公司、分公司、营业厅")
    def get(self, request):
        provinces = Province.objects.prefetch_related("branches__halls")
        return Response(self.ProvinceSerializer(provinces, many=True).data)
