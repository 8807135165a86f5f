"""The home page: one per role, showing what that person can do next."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from certify.people.models import Candidate, Province
from certify.standard.selectors import standard_current
from exams.planning.models import Sitting, SittingStatus
from exams.planning.selectors import candidate_enrollments, examiner_rooms
from exams.practical.scenes import scenes_waiting_for
from grading.marking.selectors import arbitration_queue, marker_work
from grading.results.selectors import results_for_candidate


class HomeView(LoginRequiredMixin, TemplateView):
    """One home page per role, showing what that person can do next."""

    def get_template_names(self) -> list[str]:
        user = self.request.user
        if user.is_cert_admin:
            return ["site/home_admin.html"]
        if user.is_examiner:
            return ["site/home_examiner.html"]
        return ["site/home_candidate.html"]

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
            candidate = context["candidate"]
            context["results"] = results_for_candidate(candidate) if candidate else []
        if user.is_examiner:
            context["rooms"] = examiner_rooms(user)[:10]
            context["to_score"], context["to_review"] = scenes_waiting_for(user)
            context["marking"] = [work for work in marker_work(user) if work.waiting or work.held]
            context["to_arbitrate"] = arbitration_queue(user)
        if user.is_cert_admin:
            context["sittings"] = Sitting.objects.exclude(status=SittingStatus.CLOSED).order_by("written_start")[:5]
        return context
