"""Candidates imported from a roster have no password yet: the first sign-in uses their ID number."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from certify.people.models import Candidate, User


class FirstLoginBackend(ModelBackend):
    """工号 + the last six characters of the ID number, only while the account has no password.

    On success the password is stored (hashed) like any other, so this applies once.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password or len(password) != 6:
            return None
        candidate = Candidate.objects.select_related("user").filter(employee_no=username).first()
        if candidate is None or candidate.user.has_usable_password() or not candidate.user.is_active:
            return None
        if password.upper() != candidate.id_number[-6:]:
            return None
        user: User = candidate.user
        user.set_password(password)
        user.save(update_fields=["password"])
        return user
