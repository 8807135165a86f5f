"""Pages about people: the candidate list, the organisation, a candidate's own record."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.views.generic import TemplateView

from certify.people.models import Candidate, Province
from certify.people.permissions import RoleRequiredMixin
from certify.people.selectors import candidate_list, may_view_personal_data


class CandidateListView(RoleRequiredMixin, TemplateView):
    template_name = "people/candidates.html"

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
    template_name = "people/organisation.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["provinces"] = Province.objects.prefetch_related("branches__halls")
        return context


class MyProfileView(LoginRequiredMixin, TemplateView):
    """A candidate's own record, unmasked: it is their own data."""

    template_name = "people/my_profile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["candidate"] = (
            Candidate.objects.select_related("hall__branch__province").filter(user=self.request.user).first()
        )
        return context
