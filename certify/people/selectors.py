"""Reads of people: who may be listed, and who may see personal data."""

from __future__ import annotations

from django.db.models import QuerySet

from certify.people.models import Candidate, User


def candidate_list(*, viewer: User) -> QuerySet[Candidate]:
    """Candidates ``viewer`` may read: all for an admin, their own for a candidate, none otherwise."""
    candidates = Candidate.objects.select_related("hall__branch__province", "user")
    if viewer.is_cert_admin:
        return candidates
    if viewer.is_candidate:
        return candidates.filter(user=viewer)
    return candidates.none()


def may_view_personal_data(viewer: User) -> bool:
    return viewer.is_authenticated and viewer.has_perm("certify.view_personal_data")
