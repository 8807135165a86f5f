"""The question bank's API: items, Excel import/export and blueprints. Certification admins only."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from certify.excel import MAX_UPLOAD_BYTES
from certify.people.permissions import IsCertAdmin
from question_bank.models import Blueprint, Item, ItemStatus, KnowledgePoint
from question_bank.selectors import ItemFilters, current_versions, item_list
from question_bank.services.blueprints import blueprint_feasibility, blueprint_update
from question_bank.services.excel import bank_export, bank_import, bank_template
from question_bank.services.health import bank_check, finding_review
from question_bank.services.items import (
    DuplicateItem,
    item_create,
    item_set_status,
    item_update,
    situational_points_by_level,
)
from question_bank.validation import COLUMNS, item_from_cells, knowledge_point_lookup

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ItemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    status = serializers.CharField()
    version = serializers.IntegerField(source="current.number")
    type = serializers.CharField(source="current.type")
    level = serializers.IntegerField(source="current.level")
    knowledge_point = serializers.CharField(source="current.knowledge_point.code")
    difficulty = serializers.IntegerField(source="current.difficulty")
    case = serializers.CharField(source="current.case")
    stem = serializers.CharField(source="current.stem")
    options = serializers.ListField(source="current.options", child=serializers.CharField())
    answer = serializers.CharField(source="current.answer")
    rubric = serializers.JSONField(source="current.rubric")
    explanation = serializers.CharField(source="current.explanation")
    source = serializers.CharField(source="current.source")
    enemy_group = serializers.CharField()


class ItemInputSerializer(serializers.Serializer):
    """The template's columns by their Chinese names, as text: the importer's validation applies."""

    cells = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=5000),
        help_text='模板列名 → 内容，例如 {"题型": "单选", "级别": "营业五级", "知识点": "4.2", …}',
    )
    status = serializers.ChoiceField(choices=ItemStatus.choices, default=ItemStatus.ACTIVE)

    def validate_cells(self, cells):
        unknown = sorted(set(cells) - set(COLUMNS))
        if unknown:
            raise serializers.ValidationError(f"无法识别的列：{'、'.join(unknown)}")
        data, errors = item_from_cells(
            cells,
            row=None,
            knowledge_points=knowledge_point_lookup(list(KnowledgePoint.objects.all())),
            situational_points=situational_points_by_level(),
        )
        if errors:
            raise serializers.ValidationError([f"「{e.column}」：{e.message}" for e in errors])
        self.context["data"] = data
        return cells


FILTER_PARAMETERS = [
    OpenApiParameter(name, str, required=False, description=description)
    for name, description in [
        ("type", "single / multiple / situational"),
        ("level", "5 / 4 / 3"),
        ("knowledge_point", "章或节编号，如 4 或 4.2"),
        ("difficulty", "1–5"),
        ("status", "draft / active / retired"),
        ("q", "题干、案例、解析中的文字"),
    ]
]


class ItemListApi(APIView):
    permission_classes = [IsCertAdmin]

    @extend_schema(parameters=FILTER_PARAMETERS, responses=ItemOutputSerializer(many=True), summary="题目列表")
    def get(self, request):
        items = item_list(filters=ItemFilters.from_query(request.query_params))
        return Response(ItemOutputSerializer(items, many=True).data)

    @extend_schema(request=ItemInputSerializer, responses={201: ItemOutputSerializer}, summary="新增题目")
    def post(self, request):
        serializer = ItemInputSerializer(data=request.data, context={})
        serializer.is_valid(raise_exception=True)
        try:
            item = item_create(
                data=serializer.context["data"], by=request.user, status=serializer.validated_data["status"]
            )
        except DuplicateItem as exc:
            return Response({"cells": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(ItemOutputSerializer(item).data, status=status.HTTP_201_CREATED)


class ItemDetailApi(APIView):
    permission_classes = [IsCertAdmin]

    @extend_schema(responses=ItemOutputSerializer, summary="题目详情（当前版本）")
    def get(self, request, pk: int):
        return Response(ItemOutputSerializer(get_object_or_404(Item, pk=pk)).data)

    @extend_schema(
        request=ItemInputSerializer, responses=ItemOutputSerializer, summary="修改题目（已被试卷使用时生成新版本）"
    )
    def put(self, request, pk: int):
        item = get_object_or_404(Item, pk=pk)
        serializer = ItemInputSerializer(data=request.data, context={})
        serializer.is_valid(raise_exception=True)
        try:
            item_update(item=item, data=serializer.context["data"], by=request.user)
        except DuplicateItem as exc:
            return Response({"cells": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        item_set_status(item=item, status=serializer.validated_data["status"])
        item.refresh_from_db()
        return Response(ItemOutputSerializer(item).data)


class ImportApi(APIView):
    permission_classes = [IsCertAdmin]
    parser_classes = [MultiPartParser]

    class ImportInputSerializer(serializers.Serializer):
        file = serializers.FileField()

    class ImportReportSerializer(serializers.Serializer):
        rows = serializers.IntegerField()
        created = serializers.IntegerField()
        errors = serializers.ListField(child=serializers.DictField())

    @extend_schema(
        request={"multipart/form-data": ImportInputSerializer},
        responses={201: ImportReportSerializer, 400: ImportReportSerializer},
        summary="Excel 导入题目（整份文件校验，有错则全部不导入）",
    )
    def post(self, request):
        serializer = self.ImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        report = bank_import(content=upload.read(MAX_UPLOAD_BYTES + 1), size=upload.size, by=request.user)
        body = {"rows": report.rows, "created": report.created, "errors": [e.as_dict() for e in report.errors]}
        return Response(body, status=status.HTTP_201_CREATED if report.ok else status.HTTP_400_BAD_REQUEST)


class ExportApi(APIView):
    permission_classes = [IsCertAdmin]

    @extend_schema(
        parameters=FILTER_PARAMETERS, responses={(200, XLSX): bytes}, summary="导出题目为 Excel（与导入模板相同）"
    )
    def get(self, request):
        items = item_list(filters=ItemFilters.from_query(request.query_params))
        response = HttpResponse(bank_export(versions=current_versions(items=items)), content_type=XLSX)
        response["Content-Disposition"] = "attachment; filename*=UTF-8''%E9%A2%98%E5%BA%93.xlsx"
        return response


class TemplateApi(APIView):
    permission_classes = [IsCertAdmin]

    @extend_schema(responses={(200, XLSX): bytes}, summary="下载题目导入模板")
    def get(self, request):
        response = HttpResponse(bank_template(), content_type=XLSX)
        response["Content-Disposition"] = "attachment; filename*=UTF-8''%E6%A8%A1%E6%9D%BF.xlsx"
        return response


class BlueprintSerializer(serializers.ModelSerializer):
    class Meta:
        model = Blueprint
        fields = [
            "level",
            "single_count",
            "single_points",
            "multiple_count",
            "multiple_points",
            "situational_count",
            "situational_points",
            "chapter_quotas",
            "difficulty_min",
            "difficulty_max",
            "target_difficulty",
            "difficulty_tolerance",
            "multiple_policy",
        ]
        read_only_fields = [
            "level",
            *[f"{t}_{w}" for t in ("single", "multiple", "situational") for w in ("count", "points")],
        ]


class FeasibilitySerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())
    distinct_papers = serializers.CharField(source="distinct_papers_display")
    pools = serializers.SerializerMethodField()

    def get_pools(self, report) -> list[dict]:
        return [
            {"type": p.item_type, "chapter": p.chapter, "needed": p.needed, "available": p.available}
            for p in report.pools
        ]


class BlueprintListApi(APIView):
    permission_classes = [IsCertAdmin]

    @extend_schema(responses=BlueprintSerializer(many=True), summary="各级别组卷规则")
    def get(self, request):
        return Response(BlueprintSerializer(Blueprint.objects.order_by("-level"), many=True).data)


class BlueprintDetailApi(APIView):
    permission_classes = [IsCertAdmin]

    @extend_schema(responses=BlueprintSerializer, summary="某级别的组卷规则")
    def get(self, request, level: int):
        return Response(BlueprintSerializer(get_object_or_404(Blueprint, level=level)).data)

    @extend_schema(request=BlueprintSerializer, responses=BlueprintSerializer, summary="修改组卷规则")
    def patch(self, request, level: int):
        blueprint = get_object_or_404(Blueprint, level=level)
        serializer = BlueprintSerializer(blueprint, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            blueprint_update(blueprint=blueprint, values=serializer.validated_data, by=request.user)
        except ValidationError as exc:
            return Response({"errors": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(BlueprintSerializer(blueprint).data)


class FeasibilityApi(APIView):
    permission_classes = [IsCertAdmin]

    @extend_schema(responses=FeasibilitySerializer, summary="检查题库能否满足组卷规则")
    def get(self, request, level: int):
        blueprint = get_object_or_404(Blueprint, level=level)
        return Response(FeasibilitySerializer(blueprint_feasibility(blueprint=blueprint)).data)


class FindingSerializer(serializers.Serializer):
    rule = serializers.CharField()
    rule_label = serializers.CharField()
    key = serializers.CharField()
    message = serializers.CharField()
    items = serializers.ListField(source="item_ids", child=serializers.IntegerField())
    reviewed = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()

    def get_reviewed(self, finding) -> bool:
        return not finding.is_open

    def get_reason(self, finding) -> str:
        return finding.review.reason if finding.review else ""


class HealthApi(APIView):
    """题库体检: every finding, open and reviewed."""

    permission_classes = [IsCertAdmin]

    class HealthSerializer(serializers.Serializer):
        open = serializers.IntegerField()
        reviewed = serializers.IntegerField()
        stats = serializers.DictField()
        findings = FindingSerializer(many=True)

    @extend_schema(responses=HealthSerializer, summary="题库体检：逐题列出命题问题")
    def get(self, request):
        report = bank_check()
        return Response(
            {
                "open": len(report.open),
                "reviewed": len(report.reviewed),
                "stats": report.stats,
                "findings": FindingSerializer(report.findings, many=True).data,
            }
        )


class HealthReviewApi(APIView):
    permission_classes = [IsCertAdmin]

    class InputSerializer(serializers.Serializer):
        key = serializers.CharField(max_length=200)
        reason = serializers.CharField(max_length=2000, allow_blank=True)

    @extend_schema(request=InputSerializer, responses={204: None}, summary="将体检问题标记为已复核（须填写理由）")
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            finding_review(**serializer.validated_data, by=request.user)
        except ValidationError as exc:
            return Response({"errors": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(status=status.HTTP_204_NO_CONTENT)
