"""The candidate's side of the practical session: the typing test and the simulated support
system. The scenario cards' expected orders never leave the server."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from certify.bad_input import MAX_INT32, MAX_JS_INTEGER, serializer_problem, whole_number
from exams.clock import AttemptClosed
from exams.planning.models import Enrollment
from exams.practical.business import (
    business_finalize_if_expired,
    business_order_no,
    business_start,
    business_task_submit,
    catalogue,
    clean_order,
    customers_search,
)
from exams.practical.material import catalogue_data
from exams.practical.models import BusinessAttempt, BusinessTask, PartStatus, TypingAttempt
from exams.practical.session import part_remaining_seconds
from exams.practical.typing import (
    typing_finalize_if_expired,
    typing_log_event,
    typing_save,
    typing_start,
    typing_submit,
)
from exams.written.api import ClosedOutput, DetailOutput, EventApi, SubmittedOutput, closed, invalid
from exams.written.models import AttemptStatus
from grading.scoring.business import fee_lines

# --- Response shapes, for the OpenAPI schema --------------------------------------------------

PART_STATUS = AttemptStatus.choices  # PartStatus has the same values: one enum in the schema


class PassageOutput(serializers.Serializer):
    title = serializers.CharField()
    text = serializers.CharField()


class TypingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=PART_STATUS)
    server_time = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    remaining_seconds = serializers.IntegerField()
    passage = PassageOutput()
    text = serializers.CharField(allow_blank=True, help_text="服务器保存的录入全文")
    seq = serializers.IntegerField()
    keystrokes = serializers.IntegerField()


class TypingAckOutput(serializers.Serializer):
    seq = serializers.IntegerField()
    applied = serializers.BooleanField()
    saved_at = serializers.DateTimeField(allow_null=True)
    remaining_seconds = serializers.IntegerField()


class TaskCardOutput(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    request = serializers.CharField(help_text="客户的诉求")
    presented = serializers.CharField(help_text="客户出示的证件")
    submitted = serializers.BooleanField()
    action = serializers.ChoiceField(choices=["order", "refuse"], allow_null=True)


class BusinessOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=PART_STATUS)
    server_time = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    remaining_seconds = serializers.IntegerField()
    tasks = TaskCardOutput(many=True)


class CustomerOutput(serializers.Serializer):
    name = serializers.CharField()
    id_type = serializers.CharField()
    id_number = serializers.CharField()
    phone = serializers.CharField(required=False)
    lines = serializers.ListField(child=serializers.JSONField(), help_text="客户名下已有的业务")


class CustomersOutput(serializers.Serializer):
    results = CustomerOutput(many=True)


class ProductOutput(serializers.Serializer):
    code = serializers.CharField()
    kind = serializers.CharField()
    family = serializers.CharField(allow_blank=True)
    name = serializers.CharField()
    monthly_fee = serializers.DecimalField(max_digits=8, decimal_places=2)
    one_time_fee = serializers.DecimalField(max_digits=8, decimal_places=2)
    speed_mbps = serializers.IntegerField(allow_null=True)
    components = serializers.ListField(child=serializers.CharField())
    description = serializers.CharField(allow_blank=True)


class CatalogueOutput(serializers.Serializer):
    notice = serializers.CharField(help_text="示例目录的说明")
    products = ProductOutput(many=True)
    number_pool = serializers.ListField(child=serializers.CharField())
    id_types = serializers.ListField(child=serializers.CharField())


class OrderInput(serializers.Serializer):
    order = serializers.JSONField(
        help_text="受理单：customer_id_number, realname{id_type,id_number,name,verified}, action (order/refuse), "
        "advice, business, bundle, fixed_line{product,number,address,slot}, broadband{tier,modem,address}, "
        "addons[], target_number, new_address, payment"
    )


class FeeLineOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    monthly = serializers.DecimalField(max_digits=8, decimal_places=2)
    one_time = serializers.DecimalField(max_digits=8, decimal_places=2)
    note = serializers.CharField(allow_blank=True)


class FeesOutput(serializers.Serializer):
    lines = FeeLineOutput(many=True)
    monthly_total = serializers.DecimalField(max_digits=10, decimal_places=2)
    one_time_total = serializers.DecimalField(max_digits=10, decimal_places=2)
    due_now = serializers.DecimalField(max_digits=10, decimal_places=2)


class OrderAckOutput(serializers.Serializer):
    task = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    fees = FeesOutput(allow_null=True)
    order_no = serializers.CharField(help_text="受理单号：SL + 北京时间日期 + 编号")
    status = serializers.ChoiceField(choices=PART_STATUS, help_text="业务受理部分的状态")


def typing_state(attempt: TypingAttempt) -> dict:
    return {
        "id": attempt.pk,
        "status": attempt.status,
        "server_time": timezone.now().isoformat(),
        "deadline": attempt.deadline.isoformat(),
        "remaining_seconds": part_remaining_seconds(attempt),
        "passage": {"title": attempt.passage.title, "text": attempt.passage.text},
        "text": attempt.text,
        "seq": attempt.seq,
        "keystrokes": attempt.keystrokes,
    }


def _own_enrollment(request, enrollment_id: int) -> Enrollment:
    return get_object_or_404(Enrollment, pk=enrollment_id, candidate__user=request.user)


def _start(start, request, enrollment_id: int):
    try:
        return start(enrollment=_own_enrollment(request, enrollment_id), user=request.user), None
    except PermissionDenied:
        return None, Response({"detail": "这不是您的考试。"}, status=status.HTTP_404_NOT_FOUND)
    except ValidationError as exc:
        return None, invalid(exc)


class TypingStartApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={200: TypingOutput, 400: DetailOutput, 404: DetailOutput},
        summary="开始（或继续）文字阅录",
    )
    def post(self, request, enrollment_id: int):
        attempt, error = _start(typing_start, request, enrollment_id)
        return error or Response(typing_state(attempt))


def own_typing(request, pk: int) -> TypingAttempt:
    return get_object_or_404(
        TypingAttempt.objects.select_related("passage"), pk=pk, enrollment__candidate__user=request.user
    )


class TypingApi(APIView):
    permission_classes = [IsAuthenticated]

    class SaveSerializer(serializers.Serializer):
        text = serializers.CharField(allow_blank=True, trim_whitespace=False)
        seq = whole_number(1, MAX_JS_INTEGER, help_text="保存序号，只增不减")
        keystrokes = whole_number(0, MAX_INT32, default=0)

    @extend_schema(responses=TypingOutput, summary="文字阅录状态：文本、已保存的录入、服务器剩余时间")
    def get(self, request, pk: int):
        attempt = typing_finalize_if_expired(attempt=own_typing(request, pk))
        return Response(typing_state(attempt))

    @extend_schema(
        request=SaveSerializer,
        responses={200: TypingAckOutput, 400: DetailOutput, 409: ClosedOutput},
        summary="保存录入的全文",
    )
    def put(self, request, pk: int):
        serializer = self.SaveSerializer(data=request.data)
        if not serializer.is_valid():
            return serializer_problem(serializer)
        data = serializer.validated_data
        try:
            ack = typing_save(
                attempt=pk, user=request.user, text=data["text"], seq=data["seq"], keystrokes=data["keystrokes"]
            )
        except TypingAttempt.DoesNotExist:
            raise Http404 from None
        except AttemptClosed as exc:
            return closed(exc)
        except ValidationError as exc:
            return invalid(exc)
        return Response(
            {
                "seq": ack.seq,
                "applied": ack.applied,
                "saved_at": ack.saved_at.isoformat() if ack.saved_at else None,
                "remaining_seconds": ack.remaining_seconds,
            }
        )


class TypingSubmitApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=SubmittedOutput, summary="提交文字阅录")
    def post(self, request, pk: int):
        attempt = typing_submit(attempt=own_typing(request, pk))
        return Response({"status": attempt.status, "submitted_at": attempt.submitted_at.isoformat()})


class TypingEventApi(APIView):
    """Paste, drop and focus-loss attempts: logged for the examiners."""

    permission_classes = [IsAuthenticated]

    EventSerializer = EventApi.EventInputSerializer

    @extend_schema(request=EventSerializer, responses={204: None}, summary="记录粘贴/拖放或离开页面")
    def post(self, request, pk: int):
        serializer = self.EventSerializer(data=request.data)
        if not serializer.is_valid():
            return Response({"detail": "事件类型应为 paste 或 focus_loss"}, status=status.HTTP_400_BAD_REQUEST)
        try:
            typing_log_event(attempt_id=pk, user=request.user, kind=serializer.validated_data["kind"])
        except TypingAttempt.DoesNotExist:
            raise Http404 from None
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- 业务受理 ------------------------------------------------------------------------------


def _presented_text(presented: dict | None) -> str:
    if not presented:
        return "客户未出示任何证件"
    who = "机主本人" if presented.get("is_holder", True) else "代办人"
    return f"{who}出示：{presented['id_type']}，姓名 {presented['name']}，号码 {presented['id_number']}"


def business_state(attempt: BusinessAttempt) -> dict:
    tasks = []
    for task in attempt.tasks.select_related("scenario").order_by("position"):
        tasks.append(
            {
                "id": task.pk,
                "position": task.position,
                "title": task.scenario.title,
                "request": task.scenario.request,
                "presented": _presented_text(task.scenario.presented),
                "submitted": task.submitted_at is not None,
                "action": (task.order or {}).get("action"),
            }
        )
    return {
        "id": attempt.pk,
        "status": attempt.status,
        "server_time": timezone.now().isoformat(),
        "deadline": attempt.deadline.isoformat(),
        "remaining_seconds": part_remaining_seconds(attempt),
        "tasks": tasks,
    }


def own_business(request, pk: int) -> BusinessAttempt:
    return get_object_or_404(BusinessAttempt, pk=pk, enrollment__candidate__user=request.user)


def _working(request) -> bool:
    """The simulated system answers only a candidate in the middle of their business part."""
    return BusinessAttempt.objects.filter(
        enrollment__candidate__user=request.user, status=PartStatus.IN_PROGRESS
    ).exists()


class BusinessStartApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={200: BusinessOutput, 400: DetailOutput, 404: DetailOutput},
        summary="开始（或继续）业务受理",
    )
    def post(self, request, enrollment_id: int):
        attempt, error = _start(business_start, request, enrollment_id)
        return error or Response(business_state(attempt))


class BusinessApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=BusinessOutput, summary="业务受理状态：任务卡、服务器剩余时间")
    def get(self, request, pk: int):
        attempt = business_finalize_if_expired(attempt=own_business(request, pk))
        return Response(business_state(attempt))


class CustomerSearchApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="证件号码、电话或姓名，至少 2 个字符")],
        responses={200: CustomersOutput, 400: DetailOutput, 403: DetailOutput},
        summary="客户查询：按证件号码、电话或姓名",
    )
    def get(self, request):
        if not _working(request):
            return Response({"detail": "只有正在进行业务受理的考生可以查询客户"}, status=status.HTTP_403_FORBIDDEN)
        query = request.query_params.get("q", "")
        if len(query.strip()) < 2:
            return Response({"detail": "请至少输入 2 个字符", "results": []}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"results": customers_search(query)})


class CatalogueApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CatalogueOutput, summary="产品目录（示例）、号码池、证件类型")
    def get(self, request):
        data = catalogue_data()
        products = [
            {**p, "monthly_fee": str(p["monthly_fee"]), "one_time_fee": str(p["one_time_fee"])}
            for p in catalogue().values()
        ]
        return Response(
            {
                "notice": data.get("sample_notice", ""),
                "products": products,
                "number_pool": data.get("number_pool", []),
                "id_types": data.get("id_types", []),
            }
        )


def _posted_order(request):
    """The body's ``order``; anything else (a list, a string, no body) is left for clean_order to refuse."""
    return request.data.get("order") if isinstance(request.data, dict) else None


class FeesApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=OrderInput, responses={200: FeesOutput, 400: DetailOutput}, summary="费用明细（预览）")
    def post(self, request):
        products = catalogue()
        try:
            order = _posted_order(request)
            order = clean_order({**order, "action": "order"} if isinstance(order, dict) else order, products)
        except ValidationError as exc:
            return invalid(exc)
        return Response(fee_lines(order, products))


class BusinessTaskApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=OrderInput,
        responses={200: OrderAckOutput, 400: DetailOutput, 409: ClosedOutput},
        summary="提交一张任务卡的受理单（或不予受理）",
    )
    def post(self, request, pk: int):
        try:
            task = business_task_submit(task=pk, user=request.user, order=_posted_order(request))
        except BusinessTask.DoesNotExist:
            raise Http404 from None
        except AttemptClosed as exc:
            return closed(exc)
        except ValidationError as exc:
            return invalid(exc)
        attempt = BusinessAttempt.objects.get(pk=task.attempt_id)
        return Response(
            {
                "task": task.pk,
                "submitted_at": task.submitted_at.isoformat(),
                "fees": (task.order or {}).get("fees"),
                "order_no": business_order_no(task),
                "status": attempt.status,
            }
        )
