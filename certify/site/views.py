"""Server-rendered pages of the certify app: home per role, the standard, people."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from certify.forms import StandardRevisionForm
from certify.models import Candidate, Level, Province, StandardVersion
from certify.permissions import RoleRequiredMixin, is_staff_member
from certify.selectors import candidate_list, may_view_personal_data, standard_current, standard_rules
from certify.services.standard import standard_revise
from exams.models import Sitting, SittingStatus
from exams.selectors import candidate_enrollments, examiner_rooms
from exams.services.scenes import scenes_waiting_for


class HomeView(LoginRequiredMixin, TemplateView):
    """One home page per role, showing what that person can do next."""

    def get_template_names(self) -> list[str]:
        user = self.request.user
        if user.is_cert_admin:
            return ["certify/home_admin.html"]
        if user.is_examiner:
            return ["certify/home_examiner.html"]
        return ["certify/home_candidate.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["standard"] = standard_current()
        if user.is_cert_admin:
            context["candidate_count"] = Candidate.objects.count()
            context["province_count"] = Province.objects.count()
        if user.is_candidate:
            context["candidate"] = Candidate.objects.select_related("hall__branch").filter(user=user).first()
            context["enrollments"] = candidate_enrollments(user)
        if user.is_examiner:
            context["rooms"] = examiner_rooms(user)[:10]
            context["to_score"], context["to_review"] = scenes_waiting_for(user)
        if user.is_cert_admin:
            context["sittings"] = Sitting.objects.exclude(status=SittingStatus.CLOSED).order_by("written_start")[:5]
        return context


class StandardView(RoleRequiredMixin, View):
    """The standard in force, its history, and (for admins) the revision form."""

    allowed = staticmethod(is_staff_member)

    def get(self, request, form: StandardRevisionForm | None = None):
        current = standard_current()
        version_number = request.GET.get("version")
        shown = current
        if version_number and version_number.isdigit():
            shown = StandardVersion.objects.filter(number=int(version_number)).first() or current
        if form is None and current is not None and request.user.is_cert_admin:
            form = StandardRevisionForm(current=current)
        return render(
            request,
            "certify/standard.html",
            {
                "current": current,
                "shown": shown,
                "rules": standard_rules(version=shown) if shown else [],
                "versions": StandardVersion.objects.select_related("created_by").order_by("-number"),
                "form": form if request.user.is_cert_admin else None,
                "levels": Level,
            },
        )

    def post(self, request):
        if not request.user.is_cert_admin:
            raise PermissionDenied
        current = standard_current()
        form = StandardRevisionForm(request.POST, current=current)
        if not form.is_valid():
            return self.get(request, form=form)
        try:
            version = standard_revise(changes=form.changes(), note=form.cleaned_data["note"], by=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.get(request, form=form)
        messages.success(request, _("已保存为认证标准第 %(number)s 版。") % {"number": version.number})
        return redirect("standard")


class CandidateListView(RoleRequiredMixin, TemplateView):
    template_name = "certify/candidates.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()
        candidates = candidate_list(viewer=self.request.user)
        if query:
            candidates = candidates.filter(name__contains=query) | candidates.filter(employee_no__contains=query)
        page = Paginator(candidates, 50).get_page(self.request.GET.get("page"))
        context.update(
            page=page,
            query=query,
            show_personal_data=may_view_personal_data(self.request.user),
        )
        return context


class OrganisationView(RoleRequiredMixin, TemplateView):
    template_name = "certify/organisation.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["provinces"] = Province.objects.prefetch_related("branches__halls")
        return context


class MyProfileView(LoginRequiredMixin, TemplateView):
    """A candidate's own record, unmasked: it is their own data."""

    template_name = "certify/my_profile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["candidate"] = (
            Candidate.objects.select_related("hall__branch__province").filter(user=self.request.user).first()
        )
        return context
