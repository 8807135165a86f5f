"""The export pages: ask for a workbook, follow its progress, download it (requester and admins)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from certify.people.models import Branch, Hall
from certify.people.permissions import RoleRequiredMixin, is_staff_member
from certify.standard.models import Level
from exams.planning.models import Sitting
from grading.exports.models import ExportJob, ExportKind, ExportStatus
from grading.exports.services import export_file, export_request, may_download


def exports_visible(user):
    """The jobs a person sees: their own; an admin sees everyone's."""
    jobs = ExportJob.objects.select_related("requested_by")
    return jobs if user.is_cert_admin else jobs.filter(requested_by=user)


def may_export(user) -> bool:
    """Admins export everything; chief examiners the statistics of their sittings (the form on
    the statistics page posts here)."""
    return user.is_authenticated and (user.is_cert_admin or user.is_chief_examiner)


class ExportListView(RoleRequiredMixin, View):
    allowed = staticmethod(may_export)

    def get(self, request):
        return render(
            request,
            "exports/export_list.html",
            {
                "jobs": exports_visible(request.user)[:50],
                "sitting_kinds": [
                    (kind.value, kind.label)
                    for kind in (
                        ExportKind.SITTING_RESULTS,
                        ExportKind.EXAM_DAY_LOG,
                        ExportKind.STATISTICS,
                    )
                ],
                "sittings": Sitting.objects.order_by("-written_start")[:200],
                "levels": Level.choices,
                "branches": Branch.objects.order_by("name"),
                "halls": Hall.objects.select_related("branch").order_by("branch__name", "name"),
                "days": settings.EXPORT_RETENTION_DAYS,
            },
        )

    def post(self, request):
        try:
            job = export_request(kind=request.POST.get("kind", ""), params=request.POST.dict(), by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            for message in exc.messages if isinstance(exc, ValidationError) else [str(exc)]:
                messages.error(request, message)
            return redirect("exports")
        return redirect("export-job", job.pk)


class ExportJobView(RoleRequiredMixin, View):
    allowed = staticmethod(is_staff_member)

    def get(self, request, pk: int):
        job = get_object_or_404(ExportJob.objects.select_related("requested_by"), pk=pk)
        if not may_download(request.user, job):
            raise PermissionDenied
        running = job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)
        return render(request, "exports/export_job.html", {"job": job, "running": running})


class ExportDownloadView(RoleRequiredMixin, View):
    allowed = staticmethod(is_staff_member)

    def get(self, request, pk: int):
        job = get_object_or_404(ExportJob, pk=pk)
        try:
            path = export_file(job=job, by=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("export-job", job.pk)
        except FileNotFoundError:
            raise Http404(_("文件不存在")) from None
        return FileResponse(
            open(path, "rb"),
            as_attachment=True,
            filename=job.file_name,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
