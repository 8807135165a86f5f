"""The marking API: one view per operation (claim, mark, revisit, arbitrate, control scripts,
pauses, progress, dashboard, team, settings), each with its typed input and output.

Markers get the same blind view as the marking page (``selectors.task_view``). Anyone not on the
sitting's marking team gets 404 for the team's objects; candidates get 403 everywhere.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from certify.people.models import User
from certify.people.permissions import IsStaffMember
from grading.marking import selectors
from grading.marking.access import (
    item_for_chief,
    item_to_mark,
    own_task,
    script_to_arbitrate,
    sitting_for_admin,
    sitting_for_chief,
)
from grading.marking.models import ControlScript, MarkingItem, Script, ScriptStatus, TaskStatus, TeamMember
from grading.marking.services import (
    control_remove,
    control_set,
    item_tolerance_set,
    marker_pause,
    marker_resume,
    marking_settings_update,
    script_arbitrate,
    task_claim,
    task_submit,
    team_add_sitting_examiners,
    team_member_add,
    team_member_remove,
)
from grading.scoring.marking import plain


def refused(exc: ValidationError) -> Response:
    return Response({"detail": "；".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)


def forbidden(exc: PermissionDenied) -> Response:
    return Response({"detail": str(exc) or "您无权执行此操作。"}, status=status.HTTP_403_FORBIDDEN)


def bad_input(serializer: serializers.Serializer) -> Response:
    """The serializer's errors as one Chinese sentence naming each field by its label."""
    parts = []
    for name, errors in serializer.errors.items():
        field = serializer.fields.get(name)
        label = field.label if field is not None and field.label else name
        flat = errors if isinstance(errors, list) else [str(errors)]
        parts.append(f"“{label}”：{'；'.join(str(e) for e in flat)}")
    return Response({"detail": "；".join(parts)}, status=status.HTTP_400_BAD_REQUEST)


def task_json(view: dict) -> dict:
    """``selectors.task_view`` as ``TaskOutput`` describes it, without building serializer fields for
    every segment of the answer: the claim and the mark are the hot path of a marking day."""
    out = dict(view)
    if out["lease_until"] is not None:
        out["lease_until"] = timezone.localtime(out["lease_until"]).isoformat()
    if out["mine"] is not None:
        out["mine"] = {**out["mine"], "submitted_at": timezone.localtime(out["mine"]["submitted_at"]).isoformat()}
    return out


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField()


ERRORS = {400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput}


# --- the blind task ------------------------------------------------------------------------------


class RubricPointOutput(serializers.Serializer):
    index = serializers.IntegerField()
    point = serializers.CharField()
    points = serializers.IntegerField()
    phrasings = serializers.ListField(child=serializers.CharField())
    choices = serializers.ListField(child=serializers.CharField(), help_text="可给的分值（0 … 要点分值，按步长）")
    hint = serializers.ChoiceField(
        choices=[("hit", "命中"), ("related", "相关"), ("none", "未见")], help_text="要点提示，仅供参考，不是评分"
    )
    matched = serializers.ListField(child=serializers.CharField())


class SegmentOutput(serializers.Serializer):
    text = serializers.CharField(trim_whitespace=False)
    points = serializers.ListField(child=serializers.IntegerField(), help_text="这段文字提示的要点序号")


class OwnMarkOutput(serializers.Serializer):
    awards = serializers.ListField(child=serializers.CharField())
    total = serializers.CharField()
    comment = serializers.CharField(allow_blank=True)
    submitted_at = serializers.DateTimeField()


class TaskOutput(serializers.Serializer):
    code = serializers.CharField(help_text="评阅编号（随机，不含考生信息）")
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    lease_until = serializers.DateTimeField(allow_null=True)
    item = serializers.IntegerField()
    sitting = serializers.IntegerField()
    points = serializers.IntegerField()
    case = serializers.CharField(allow_blank=True)
    stem = serializers.CharField()
    rubric = RubricPointOutput(many=True)
    answer = serializers.CharField(allow_blank=True, trim_whitespace=False)
    segments = SegmentOutput(many=True)
    mine = OwnMarkOutput(allow_null=True, help_text="本人的评分（提交后才有）")
    revisable = serializers.BooleanField(help_text="回评：试卷定分前可修改本人评分")


class MarkInput(serializers.Serializer):
    awards = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        label="各要点得分",
        help_text='按评分要点顺序，如 ["2", "1.5", "0"]',
    )
    comment = serializers.CharField(allow_blank=True, required=False, default="", label="评语")


class WorkItemOutput(serializers.Serializer):
    item = serializers.IntegerField(source="item.pk")
    sitting = serializers.IntegerField(source="item.sitting_id")
    sitting_name = serializers.CharField(source="item.sitting.name")
    label = serializers.CharField()
    waiting = serializers.IntegerField(help_text="现在可领取的份数")
    held = serializers.CharField(allow_null=True, help_text="正在评阅的评阅编号")
    done = serializers.IntegerField()


class RecentMarkOutput(serializers.Serializer):
    code = serializers.CharField()
    item = serializers.IntegerField()
    label = serializers.CharField()
    total = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    revisable = serializers.BooleanField()


class WorkOutput(serializers.Serializer):
    items = WorkItemOutput(many=True)
    recent = RecentMarkOutput(many=True)
    arbitration = serializers.ListField(child=serializers.CharField(), help_text="待本人仲裁的试卷编号")


class MyWorkApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses=WorkOutput, summary="我的阅卷：可评题目、待领取份数、最近评分（回评）、待仲裁")
    def get(self, request):
        data = {
            "items": selectors.marker_work(request.user),
            "recent": selectors.recent_marks(request.user),
            "arbitration": [s.code for s in selectors.arbitration_queue(request.user)],
        }
        return Response(WorkOutput(data).data)


class ClaimApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(
        request=None,
        responses={200: TaskOutput, 204: None, **ERRORS},
        summary="下一份：领取本题的下一份试卷（已领取未提交的则返回同一份）",
    )
    def post(self, request, item_id: int):
        item = item_to_mark(request.user, item_id, hot=True)
        try:
            task = task_claim(marker=request.user, item=item)
        except PermissionDenied as exc:
            return forbidden(exc)
        except ValidationError as exc:
            return refused(exc)
        if task is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(task_json(selectors.task_view(task)))


class TaskApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses={200: TaskOutput, **ERRORS}, summary="一份试卷的评阅页内容（盲评）")
    def get(self, request, code: str):
        return Response(task_json(selectors.task_view(own_task(request.user, code))))


class MarkApi(APIView):
    permission_classes = [IsStaffMember]

    def _mark(self, request, code: str, *, revise: bool):
        task = own_task(request.user, code)
        if revise != (task.status == TaskStatus.SUBMITTED):
            detail = "这份试卷还没有提交，请先评分提交" if revise else "这份试卷已提交，修改请用回评（PUT）"
            return Response({"detail": detail}, status=status.HTTP_409_CONFLICT)
        serializer = MarkInput(data=request.data)
        if not serializer.is_valid():
            return bad_input(serializer)
        try:
            task = task_submit(task=task, marker=request.user, **serializer.validated_data)
        except ValidationError as exc:
            return refused(exc)
        return Response(task_json(selectors.task_view(task)))  # as written: task_submit returns it fresh

    @extend_schema(
        request=MarkInput, responses={200: TaskOutput, 409: ErrorOutput, **ERRORS}, summary="提交评分（逐要点给分）"
    )
    def post(self, request, code: str):
        return self._mark(request, code, revise=False)

    @extend_schema(
        request=MarkInput,
        responses={200: TaskOutput, 409: ErrorOutput, **ERRORS},
        summary="回评：修改本人已提交的评分（试卷定分前）",
    )
    def put(self, request, code: str):
        return self._mark(request, code, revise=True)


# --- arbitration --------------------------------------------------------------------------------


class MarkerMarkOutput(serializers.Serializer):
    slot = serializers.IntegerField()
    marker = serializers.CharField()
    awards = serializers.ListField(child=serializers.CharField())
    total = serializers.CharField()
    comment = serializers.CharField(allow_blank=True)
    submitted_at = serializers.DateTimeField()


class ArbitrationOutput(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=ScriptStatus.choices)
    item = serializers.IntegerField()
    points = serializers.IntegerField()
    tolerance = serializers.CharField()
    case = serializers.CharField(allow_blank=True)
    stem = serializers.CharField()
    rubric = RubricPointOutput(many=True)
    answer = serializers.CharField(allow_blank=True, trim_whitespace=False)
    segments = SegmentOutput(many=True)
    marks = MarkerMarkOutput(many=True)


class ArbitrateInput(serializers.Serializer):
    awards = serializers.ListField(child=serializers.CharField(allow_blank=True), label="各要点得分")
    reason = serializers.CharField(allow_blank=True, label="仲裁理由")


class ArbitrationResultOutput(serializers.Serializer):
    code = serializers.CharField()
    final_mark = serializers.CharField()
    rule = serializers.CharField()
    reason = serializers.CharField()


class ArbitrationQueueApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses={200: ArbitrationOutput(many=True), **ERRORS}, summary="待本人仲裁的试卷（含全部评分）")
    def get(self, request, pk: int):
        sitting = sitting_for_chief(request.user, pk)
        queue = selectors.arbitration_queue(request.user, sitting)
        return Response(ArbitrationOutput([selectors.arbitration_view(s) for s in queue], many=True).data)


class ArbitrateApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses={200: ArbitrationOutput, **ERRORS}, summary="仲裁页内容：答案与全部评分")
    def get(self, request, code: str):
        return Response(ArbitrationOutput(selectors.arbitration_view(script_to_arbitrate(request.user, code))).data)

    @extend_schema(
        request=ArbitrateInput, responses={200: ArbitrationResultOutput, **ERRORS}, summary="仲裁：组长给分并说明理由"
    )
    def post(self, request, code: str):
        script = script_to_arbitrate(request.user, code)
        serializer = ArbitrateInput(data=request.data)
        if not serializer.is_valid():
            return bad_input(serializer)
        try:
            arbitration = script_arbitrate(script=script, chief=request.user, **serializer.validated_data)
        except PermissionDenied as exc:
            return forbidden(exc)
        except ValidationError as exc:
            return refused(exc)
        return Response(
            ArbitrationResultOutput(
                {
                    "code": script.code,
                    "final_mark": plain(arbitration.mark),
                    "rule": "arbitration",
                    "reason": arbitration.reason,
                }
            ).data
        )


# --- control scripts ---------------------------------------------------------------------------


class ControlOutput(serializers.Serializer):
    id = serializers.IntegerField()
    script = serializers.CharField(source="script.code")
    item = serializers.IntegerField(source="script.item_id")
    reference_mark = serializers.DecimalField(max_digits=5, decimal_places=2)
    active = serializers.BooleanField()
    served = serializers.IntegerField(help_text="已被评阅的次数")


class ControlInput(serializers.Serializer):
    script = serializers.CharField(label="试卷编号")
    reference_mark = serializers.CharField(label="参考分")


class ControlsApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses={200: ControlOutput(many=True), **ERRORS}, summary="本批次的自测卷")
    def get(self, request, pk: int):
        sitting = sitting_for_chief(request.user, pk)
        items = (
            selectors.chief_items(request.user, sitting)
            if not request.user.is_cert_admin
            else sitting.marking_items.all()
        )
        return Response(ControlOutput(selectors.controls(sitting, items), many=True).data)

    @extend_schema(request=ControlInput, responses={201: ControlOutput, **ERRORS}, summary="设置自测卷及参考分")
    def post(self, request, pk: int):
        sitting = sitting_for_chief(request.user, pk)
        serializer = ControlInput(data=request.data)
        if not serializer.is_valid():
            return bad_input(serializer)
        script = get_object_or_404(
            Script.objects.select_related("item"), item__sitting=sitting, code=serializer.validated_data["script"]
        )
        try:
            control = control_set(
                script=script, chief=request.user, reference_mark=serializer.validated_data["reference_mark"]
            )
        except PermissionDenied as exc:
            return forbidden(exc)
        except ValidationError as exc:
            return refused(exc)
        control.served = 0
        return Response(ControlOutput(control).data, status=status.HTTP_201_CREATED)


class ControlApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(request=None, responses={204: None, **ERRORS}, summary="停用一份自测卷")
    def delete(self, request, control_id: int):
        control = get_object_or_404(ControlScript.objects.select_related("script__item"), pk=control_id)
        item_for_chief(request.user, control.script.item_id)
        try:
            control_remove(control=control, chief=request.user)
        except PermissionDenied as exc:
            return forbidden(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- progress, dashboard, pauses ---------------------------------------------------------------


class ItemProgressOutput(serializers.Serializer):
    item = serializers.IntegerField(source="item.pk")
    label = serializers.CharField()
    points = serializers.IntegerField(source="item.points")
    tolerance = serializers.CharField()
    total = serializers.IntegerField()
    empty = serializers.IntegerField()
    unmarked = serializers.IntegerField()
    once = serializers.IntegerField(help_text="至少一评")
    twice = serializers.IntegerField(help_text="至少两评")
    third = serializers.IntegerField(help_text="待三评")
    arbitration = serializers.IntegerField(help_text="待仲裁")
    final = serializers.IntegerField(help_text="已定分")
    no_marker = serializers.IntegerField(help_text="因本厅回避而缺少阅卷员的份数")
    chiefs = serializers.ListField(child=serializers.CharField())
    markers = serializers.IntegerField()


class ProgressOutput(serializers.Serializer):
    sitting = serializers.IntegerField(source="sitting.pk")
    status = serializers.CharField(source="sitting.status")
    attempts = serializers.IntegerField(help_text="已交卷的答卷")
    with_scripts = serializers.IntegerField()
    complete = serializers.IntegerField(help_text="笔试成绩已完整的答卷")
    scripts = serializers.IntegerField()
    final = serializers.IntegerField()
    done = serializers.BooleanField(help_text="全部试卷已定分")
    items = ItemProgressOutput(many=True)
    problems = serializers.ListField(child=serializers.CharField())


class ProgressApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses={200: ProgressOutput, **ERRORS}, summary="阅卷进度（认证管理员和阅卷组长）")
    def get(self, request, pk: int):
        sitting = sitting_for_chief(request.user, pk)
        return Response(ProgressOutput(selectors.sitting_progress(sitting)).data)


class MarkerStatsOutput(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    name = serializers.CharField(source="user.display_name")
    count = serializers.IntegerField()
    mean = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    sd = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    agreement = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, help_text="与同卷其他评分在误差阈值内的比例（%）"
    )
    co_mean = serializers.DecimalField(
        max_digits=7, decimal_places=2, allow_null=True, help_text="与同卷其他评分的平均偏差（占分值 %）"
    )
    control_count = serializers.IntegerField()
    control_mean = serializers.DecimalField(
        max_digits=7, decimal_places=2, allow_null=True, help_text="自测卷平均偏差（占分值 %）"
    )
    seconds = serializers.IntegerField(allow_null=True, help_text="每份用时中位数（秒）")
    flagged = serializers.BooleanField(source="drift.flagged")
    paused = serializers.SerializerMethodField()
    claimed = serializers.IntegerField()

    def get_paused(self, stats) -> bool:
        return stats.pause is not None


class DashboardOutput(serializers.Serializer):
    items = ItemProgressOutput(many=True)
    markers = MarkerStatsOutput(many=True)


class DashboardApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses={200: DashboardOutput, **ERRORS}, summary="组长看板：各题进度、各阅卷员统计与偏差提醒")
    def get(self, request, pk: int):
        sitting = sitting_for_chief(request.user, pk)
        items = None if request.user.is_cert_admin else list(selectors.chief_items(request.user, sitting))
        data = {
            "items": selectors.item_progress(sitting, items),
            "markers": selectors.marker_stats(sitting, items),
        }
        return Response(DashboardOutput(data).data)


class PauseInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, label="暂停原因")


class PauseApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(request=PauseInput, responses={204: None, **ERRORS}, summary="暂停一名阅卷员（说明原因）")
    def post(self, request, pk: int, user_id: int):
        sitting = sitting_for_chief(request.user, pk)
        marker = get_object_or_404(User, pk=user_id)
        serializer = PauseInput(data=request.data)
        if not serializer.is_valid():
            return bad_input(serializer)
        try:
            marker_pause(sitting=sitting, marker=marker, chief=request.user, reason=serializer.validated_data["reason"])
        except PermissionDenied as exc:
            return forbidden(exc)
        except ValidationError as exc:
            return refused(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None, **ERRORS}, summary="恢复一名阅卷员")
    def delete(self, request, pk: int, user_id: int):
        sitting = sitting_for_chief(request.user, pk)
        try:
            marker_resume(sitting=sitting, marker=get_object_or_404(User, pk=user_id), chief=request.user)
        except PermissionDenied as exc:
            return forbidden(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the team and the settings (the admin) -----------------------------------------------------


class TeamMemberOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.display_name")
    item = serializers.IntegerField(source="item_id", allow_null=True)
    is_chief = serializers.BooleanField()


class TeamMemberInput(serializers.Serializer):
    username = serializers.CharField(label="账号")
    item = serializers.IntegerField(required=False, allow_null=True, default=None, label="题目")
    is_chief = serializers.BooleanField(required=False, default=False, label="阅卷组长")


class TeamApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses={200: TeamMemberOutput(many=True), **ERRORS}, summary="阅卷组成员")
    def get(self, request, pk: int):
        sitting = sitting_for_admin(request.user, pk)
        return Response(TeamMemberOutput(sitting.marking_team.select_related("user"), many=True).data)

    @extend_schema(request=TeamMemberInput, responses={201: TeamMemberOutput, **ERRORS}, summary="添加阅卷员或阅卷组长")
    def post(self, request, pk: int):
        sitting = sitting_for_admin(request.user, pk)
        serializer = TeamMemberInput(data=request.data)
        if not serializer.is_valid():
            return bad_input(serializer)
        data = serializer.validated_data
        user = User.objects.filter(username=data["username"].strip()).first()
        if user is None:
            return Response({"detail": f"没有账号为 {data['username']} 的用户"}, status=status.HTTP_400_BAD_REQUEST)
        item = None
        if data["item"] is not None:
            item = MarkingItem.objects.filter(pk=data["item"], sitting=sitting).first()
            if item is None:
                return Response({"detail": "“题目”不属于本批次"}, status=status.HTTP_400_BAD_REQUEST)
        try:
            member = team_member_add(sitting=sitting, user=user, item=item, is_chief=data["is_chief"])
        except ValidationError as exc:
            return refused(exc)
        return Response(TeamMemberOutput(member).data, status=status.HTTP_201_CREATED)


class TeamExaminersApi(APIView):
    permission_classes = [IsStaffMember]

    class AddedOutput(serializers.Serializer):
        added = serializers.IntegerField()

    @extend_schema(request=None, responses={200: AddedOutput, **ERRORS}, summary="本批次各考场的考评员全部加入阅卷组")
    def post(self, request, pk: int):
        sitting = sitting_for_admin(request.user, pk)
        return Response(self.AddedOutput({"added": team_add_sitting_examiners(sitting=sitting)}).data)


class TeamMemberApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(request=None, responses={204: None, **ERRORS}, summary="移出阅卷组")
    def delete(self, request, pk: int, member_id: int):
        sitting = sitting_for_admin(request.user, pk)
        team_member_remove(member=get_object_or_404(TeamMember, pk=member_id, sitting=sitting))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SettingsSerializer(serializers.Serializer):
    double_marking = serializers.BooleanField(label="双评")
    tolerance_percent = serializers.IntegerField(label="误差阈值（%）")
    lease_minutes = serializers.IntegerField(label="领取后保留时间（分钟）")
    control_rate_percent = serializers.IntegerField(label="自测卷插入比例（%）")
    drift_percent = serializers.IntegerField(label="偏差提醒阈值（%）")


class SettingsApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses={200: SettingsSerializer, **ERRORS}, summary="阅卷设置")
    def get(self, request, pk: int):
        sitting = sitting_for_admin(request.user, pk)
        return Response(SettingsSerializer(selectors.marking_settings(sitting)).data)

    @extend_schema(
        request=SettingsSerializer,
        responses={200: SettingsSerializer, **ERRORS},
        summary="修改阅卷设置（单评/双评、阈值…）",
    )
    def put(self, request, pk: int):
        sitting = sitting_for_admin(request.user, pk)
        serializer = SettingsSerializer(data=request.data, partial=True)
        if not serializer.is_valid():
            return bad_input(serializer)
        try:
            settings = marking_settings_update(sitting=sitting, **serializer.validated_data)
        except ValidationError as exc:
            return refused(exc)
        return Response(SettingsSerializer(settings).data)


class ItemToleranceApi(APIView):
    permission_classes = [IsStaffMember]

    class ToleranceSerializer(serializers.Serializer):
        tolerance = serializers.CharField(allow_null=True, allow_blank=True, label="本题误差阈值（分）")

    @extend_schema(
        request=ToleranceSerializer, responses={200: ItemProgressOutput, **ERRORS}, summary="设置本题的误差阈值（分）"
    )
    def put(self, request, item_id: int):
        item = get_object_or_404(MarkingItem.objects.select_related("sitting", "item_version"), pk=item_id)
        sitting_for_admin(request.user, item.sitting_id)
        serializer = self.ToleranceSerializer(data=request.data)
        if not serializer.is_valid():
            return bad_input(serializer)
        try:
            item_tolerance_set(item=item, tolerance=serializer.validated_data["tolerance"])
        except ValidationError as exc:
            return refused(exc)
        return Response(ItemProgressOutput(selectors.item_progress(item.sitting, [item])[0]).data)
