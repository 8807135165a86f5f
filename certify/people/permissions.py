"""Who may do what: one place for the page mixins and the API permission classes."""

from __future__ import annotations

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from certify.people.models import User


def is_cert_admin(user: User) -> bool:
    return user.is_authenticated and user.is_cert_admin


def is_examiner(user: User) -> bool:
    return user.is_authenticated and user.is_examiner


def is_staff_member(user: User) -> bool:
    """Examiners, chief examiners and certification admins."""
    return is_cert_admin(user) or is_examiner(user)


class RoleRequiredMixin(AccessMixin):
    """Page mixin: anonymous users go to the login page; signed-in users without the role get 403."""

    allowed = staticmethod(is_cert_admin)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.allowed(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class IsCertAdmin(BasePermission):
    message = "只有认证管理员可以执行此操作。"

    def has_permission(self, request, view) -> bool:
        return is_cert_admin(request.user)


class IsStaffMember(BasePermission):
    message = "只有考评员和认证管理员可以查看此内容。"

    def has_permission(self, request, view) -> bool:
        return is_staff_member(request.user)
