from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from certify.people.permissions import IsCertAdmin, IsStaffMember
from certify.standard.models import Level, LevelRule, StandardVersion
from certify.standard.selectors import standard_current
from certify.standard.services import RULE_FIELDS, standard_revise


class LevelRuleSerializer(serializers.ModelSerializer):
    level_name = serializers.CharField(source="get_level_display")

    class Meta:
        model = LevelRule
        fields = ["level", "level_name", *RULE_FIELDS]


class StandardVersionSerializer(serializers.ModelSerializer):
    rules = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.display_name", default=None)

    class Meta:
        model = StandardVersion
        fields = ["number", "note", "created_at", "created_by", "rules"]

    def get_rules(self, version) -> list[dict]:
        return LevelRuleSerializer(version.rules.order_by("-level"), many=True).data


class StandardCurrentApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses=StandardVersionSerializer, summary="当前有效的认证标准")
    def get(self, request):
        current = standard_current()
        if current is None:
            return Response({"detail": "尚未载入认证标准。"}, status=status.HTTP_404_NOT_FOUND)
        return Response(StandardVersionSerializer(current).data)


class StandardVersionListApi(APIView):
    """List every version; POST writes a new one (the current rules with the given changes)."""

    def get_permissions(self):
        return [IsCertAdmin()] if self.request.method == "POST" else [IsStaffMember()]

    class StandardRevisionInputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=200)
        changes = serializers.DictField(
            child=serializers.DictField(child=serializers.IntegerField(min_value=0)),
            help_text='按级别（5/4/3）给出要修改的规则字段，例如 {"5": {"written_minutes": 70}}',
        )

        def validate_changes(self, value):
            parsed = {}
            for key, fields in value.items():
                if str(key) not in {str(level) for level in Level.values}:
                    raise serializers.ValidationError(f"未知的级别：{key}（应为 5、4 或 3）")
                unknown = sorted(set(fields) - set(RULE_FIELDS))
                if unknown:
                    raise serializers.ValidationError(f"未知的规则字段：{'、'.join(unknown)}")
                parsed[int(key)] = fields
            return parsed

    @extend_schema(responses=StandardVersionSerializer(many=True), summary="认证标准的全部版本")
    def get(self, request):
        versions = StandardVersion.objects.select_related("created_by").prefetch_related("rules")
        return Response(StandardVersionSerializer(versions, many=True).data)

    @extend_schema(
        request=StandardRevisionInputSerializer, responses={201: StandardVersionSerializer}, summary="修订认证标准"
    )
    def post(self, request):
        serializer = self.StandardRevisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            version = standard_revise(
                changes=serializer.validated_data["changes"],
                note=serializer.validated_data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            return Response({"errors": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(StandardVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class StandardVersionDetailApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses=StandardVersionSerializer, summary="某一版本的认证标准")
    def get(self, request, number: int):
        version = get_object_or_404(StandardVersion, number=number)
        return Response(StandardVersionSerializer(version).data)
