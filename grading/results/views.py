"""The results pages: a sitting's sign-off, preview and publication; a result with its history,
re-scores and 复核 answers (admin); a candidate's own result and 复核 request.

Thin: each page finds its object for the person asking (anyone else gets 404 or 403), calls one
service and renders; a refused action comes back as a message naming what was wrong.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from certify.people.permissions import RoleRequiredMixin, is_cert_admin, is_staff_member
from exams.planning.models import Room, Sitting, SittingStatus
from grading.certificates.models import Certificate
from grading.certificates.services import certificate_revoke
from grading.results import selectors
from grading.results.models import Part, Result, ReviewRequest
from grading.results.services import (
    result_rescore,
    review_deadline,
    review_request_answer,
    review_request_create,
    room_sign_off,
    sitting_publish,
)


def _errors(request, exc: ValidationError | PermissionDenied) -> None:
    for message in exc.messages if isinstance(exc, ValidationError) else [str(exc)]:
        messages.error(request, message)


def _id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def is_admin_or_chief(user) -> bool:
    return is_cert_admin(user) or (user.is_authenticated and user.is_chief_examiner)


class SittingResultsView(RoleRequiredMixin, View):
    """成绩发布: each room's state and sign-off, the preview, publication; then the results."""

    allowed = staticmethod(is_staff_member)

    def get(self, request, pk: int):
        sitting = get_object_or_404(Sitting.objects.select_related("province", "standard_version"), pk=pk)
        rooms = selectors.sitting_rooms_state(sitting)
        signable = [(s, selectors.may_sign_off(request.user, s.room)) for s in rooms]
        if not request.user.is_cert_admin and not any(may for _state, may in signable):
            raise Http404
        context = {
            "sitting": sitting,
            "rooms": signable,
            "published": sitting.status in (SittingStatus.PUBLISHED, SittingStatus.CLOSED),
        }
        if context["published"]:
            context["results"] = selectors.sitting_published_results(sitting)
        elif sitting.standard_version_id and request.user.is_cert_admin:
            context["blockers"] = selectors.publication_blockers(sitting, rooms)
            context["preview"] = selectors.sitting_preview(sitting)
        return render(request, "results/sitting.html", context)

    def post(self, request, pk: int):
        sitting = get_object_or_404(Sitting, pk=pk)
        action = request.POST.get("action")
        try:
            if action == "sign_off":
                room = get_object_or_404(Room, pk=_id(request.POST.get("room")), sitting=sitting)
                room_sign_off(room=room, by=request.user)
                messages.success(request, _("%(room)s 已签认") % {"room": room.name})
            elif action == "publish":
                if not request.user.is_cert_admin:
                    raise PermissionDenied(_("只有认证管理员可以发布成绩"))
                count = sitting_publish(sitting=sitting, by=request.user)
                messages.success(request, _("成绩已发布：共 %(n)s 名考生") % {"n": count})
            else:
                raise Http404
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        return redirect("sitting-results", pk=sitting.pk)


class ResultDetailView(RoleRequiredMixin, View):
    """One result for the admin or a chief examiner: every part, the certificate, the whole history
    of re-scores and 复核 requests, and the forms to change them."""

    allowed = staticmethod(is_admin_or_chief)

    def get(self, request, pk: int):
        result = get_object_or_404(
            Result.objects.select_related("sitting", "candidate__hall__branch", "enrollment"), pk=pk, published=True
        )
        return render(
            request,
            "results/result.html",
            {
                "result": result,
                "rescores": result.rescores.select_related("by").order_by("at", "pk"),
                "requests": result.review_requests.select_related("answered_by").order_by("requested_at", "pk"),
                "certificates": Certificate.objects.filter(result=result).order_by("pk"),
                "parts": Part.choices,
                "today": timezone.localdate(),
            },
        )

    def post(self, request, pk: int):
        result = get_object_or_404(Result, pk=pk, published=True)
        action = request.POST.get("action")
        try:
            if action == "rescore":
                request_id = request.POST.get("request")
                review = get_object_or_404(ReviewRequest, pk=_id(request_id), result=result) if request_id else None
                result_rescore(
                    result=result,
                    part=request.POST.get("part", ""),
                    new=request.POST.get("new", ""),
                    reason=request.POST.get("reason", ""),
                    by=request.user,
                    request=review,
                )
                messages.success(request, _("成绩已更正"))
            elif action == "answer":
                review = get_object_or_404(ReviewRequest, pk=_id(request.POST.get("request")), result=result)
                review_request_answer(request=review, by=request.user, answer=request.POST.get("answer", ""))
                messages.success(request, _("已答复复核申请"))
            elif action == "revoke":
                if not request.user.is_cert_admin:
                    raise PermissionDenied(_("只有认证管理员可以撤销证书"))
                certificate = get_object_or_404(Certificate, pk=_id(request.POST.get("certificate")), result=result)
                certificate_revoke(certificate=certificate, by=request.user, reason=request.POST.get("reason", ""))
                messages.success(request, _("证书 %(number)s 已撤销") % {"number": certificate.number})
            else:
                raise Http404
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        return redirect("result", pk=result.pk)


def _own_result(request, pk: int) -> Result:
    candidate = getattr(request.user, "candidate", None)
    if candidate is None:
        raise Http404
    return get_object_or_404(Result.objects.select_related("sitting"), pk=pk, candidate=candidate, published=True)


class MyResultView(RoleRequiredMixin, View):
    """A candidate's own published result: every part with the pass marks, the certificate, their
    复核 requests with the answers, and the form to ask for one within the window."""

    allowed = staticmethod(lambda user: user.is_authenticated and user.is_candidate)

    def get(self, request, pk: int):
        result = _own_result(request, pk)
        deadline = review_deadline(result)
        return render(
            request,
            "results/my_result.html",
            {
                "result": result,
                "certificates": Certificate.objects.filter(result=result).order_by("pk"),
                "requests": result.review_requests.order_by("requested_at", "pk"),
                "deadline": deadline,
                "may_request": timezone.now() <= deadline,
                "today": timezone.localdate(),
            },
        )

    def post(self, request, pk: int):
        result = _own_result(request, pk)
        try:
            review_request_create(result=result, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("复核申请已提交，处理结果会显示在本页"))
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        return redirect("my-result", pk=result.pk)
