"""Certificate pages: the public verification page (no login, rate-limited per client address), the
PDF (the holder's own, or any for the admin), the register for HR, and a sitting's zip."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from rest_framework.throttling import SimpleRateThrottle

from certify.people.models import Branch
from certify.people.permissions import RoleRequiredMixin
from certify.standard.models import Level
from exams.planning.models import Sitting
from grading.certificates.bundles import (
    bundle_certificates,
    bundle_path,
    bundle_refusal,
    bundle_start,
    bundle_unavailable,
)
from grading.certificates.models import BundleStatus, Certificate, CertificateBundle, CertificateStatus
from grading.certificates.pdf import certificate_pdf
from grading.certificates.selectors import certificate_register, certificate_verify


class VerifyThrottle(SimpleRateThrottle):
    """Certificate lookups per client address (``VERIFY_RATE_PER_ADDRESS``)."""

    scope = "verify"

    def get_rate(self) -> str:
        return settings.VERIFY_RATE_PER_ADDRESS

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


# The one answer for an unknown number and a wrong code, on the page and in the API.
NOT_FOUND = gettext_lazy("未查到该证书：请核对证书编号和验证码。")


def throttled_message(wait: float | None) -> str:
    return _("查询过于频繁，请 %(seconds)s 秒后再试。") % {"seconds": int(wait or 60) + 1}


def verify_lookup(request, number: str, code: str) -> tuple[dict, int]:
    """The page's context and status for one lookup: the same for an unknown number and a wrong code."""
    throttle = VerifyThrottle()
    if not throttle.allow_request(request, None):
        return {"error": throttled_message(throttle.wait()), "number": number}, 429
    verified = certificate_verify(number, code)
    if verified is None:
        return {"error": NOT_FOUND, "number": number}, 200
    return {"verified": verified}, 200


class VerifyView(View):
    """证书查询: by number + code (the form), public."""

    def get(self, request):
        number, code = request.GET.get("number", ""), request.GET.get("code", "")
        if not number and not code:
            return render(request, "certificates/verify.html", {})
        context, status = verify_lookup(request, number, code)
        return render(request, "certificates/verify.html", context, status=status)


class VerifyLinkView(View):
    """The QR code's link: the same page with the number and code from the address."""

    def get(self, request, number: str, code: str):
        context, status = verify_lookup(request, number, code)
        return render(request, "certificates/verify.html", context, status=status)


def _may_download(user, certificate: Certificate) -> bool:
    if user.is_cert_admin:
        return True
    candidate = getattr(user, "candidate", None) if user.is_candidate else None
    return candidate is not None and certificate.candidate_id == candidate.pk


class CertificatePdfView(RoleRequiredMixin, View):
    """The certificate as a PDF: the holder's own (while valid) or any for the admin."""

    allowed = staticmethod(lambda user: user.is_authenticated)

    def get(self, request, number: str):
        certificate = get_object_or_404(Certificate.objects.select_related("candidate"), number=number)
        if not _may_download(request.user, certificate):
            raise Http404
        if not request.user.is_cert_admin and certificate.status != CertificateStatus.VALID:
            raise Http404
        response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
        return response


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class RegisterView(RoleRequiredMixin, View):
    """证书登记册 for HR: filter by level, branch, status, expiring within N days."""

    def get(self, request):
        filters = {
            "level": _int(request.GET.get("level")),
            "branch_id": _int(request.GET.get("branch")),
            "status": request.GET.get("status") if request.GET.get("status") in CertificateStatus.values else None,
            "expiring_within": _int(request.GET.get("expiring")),
        }
        if filters["expiring_within"] is not None and not 0 <= filters["expiring_within"] <= 3650:
            filters["expiring_within"] = None
        rows = certificate_register(**filters)
        return render(
            request,
            "certificates/register.html",
            {
                "certificates": rows[:500],
                "count": rows.count(),
                "filters": request.GET,
                "levels": Level.choices,
                "branches": Branch.objects.order_by("name"),
                "statuses": CertificateStatus.choices,
                "today": timezone.localdate(),
            },
        )


FINISHED = (BundleStatus.DONE, BundleStatus.EXPIRED)


class SittingCertificatesView(RoleRequiredMixin, View):
    """All certificates of a sitting as one zip: start the job, watch its progress, download."""

    def get(self, request, pk: int):
        return self._page(request, get_object_or_404(Sitting, pk=pk))

    def post(self, request, pk: int):
        sitting = get_object_or_404(Sitting, pk=pk)
        try:
            bundle_start(sitting=sitting, by=request.user)
        except ValidationError as exc:
            return self._page(request, sitting, error="；".join(exc.messages), status=400)
        return redirect("sitting-certificates", pk=sitting.pk)

    def _page(self, request, sitting: Sitting, *, error: str = "", status: int = 200):
        bundles = list(CertificateBundle.objects.filter(sitting=sitting)[:5])
        for bundle in bundles:
            # Why a finished bundle cannot be downloaded any more (expired, its file gone), or "".
            bundle.unavailable = bundle_unavailable(bundle) if bundle.status in FINISHED else ""
        total = bundle_certificates(sitting).count()
        context = {
            "sitting": sitting,
            "bundles": bundles,
            "total": total,
            # Why no bundle can be made now (no valid certificate), or "": the button is then disabled.
            "refusal": bundle_refusal(total=total),
            "error": error,
        }
        return render(request, "certificates/bundles.html", context, status=status)


class BundleProgressView(RoleRequiredMixin, View):
    def get(self, request, pk: int, bundle_id: int):
        bundle = get_object_or_404(CertificateBundle, pk=bundle_id, sitting_id=pk)
        return JsonResponse(
            {
                "status": bundle.status,
                "status_display": bundle.get_status_display(),
                "done": bundle.done,
                "total": bundle.total,
            }
        )


class BundleDownloadView(RoleRequiredMixin, View):
    def get(self, request, pk: int, bundle_id: int):
        bundle = get_object_or_404(CertificateBundle.objects.select_related("sitting"), pk=bundle_id, sitting_id=pk)
        unavailable = bundle_unavailable(bundle)
        if not unavailable:
            try:
                return FileResponse(bundle_path(bundle).open("rb"), as_attachment=True, filename=bundle.file_name)
            except FileNotFoundError:  # deleted between the check and the open
                unavailable = bundle_unavailable(bundle)
        # 410 Gone once the purge deleted it; 404 while it is not made or when its file is missing.
        return render(
            request,
            "certificates/bundle_unavailable.html",
            {"sitting": bundle.sitting, "message": unavailable},
            status=410 if bundle.status == BundleStatus.EXPIRED else 404,
        )
