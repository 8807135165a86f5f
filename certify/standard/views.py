"""The standard's page: the version in force, its history and (for admins) the revision form."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from certify.people.permissions import RoleRequiredMixin, is_staff_member
from certify.standard.forms import StandardRevisionForm
from certify.standard.models import Level, StandardVersion
from certify.standard.selectors import standard_current, standard_rules
from certify.standard.services import standard_revise


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
            "standard/standard.html",
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
