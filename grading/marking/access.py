"""Finding the object a marking page or API is about, for the person asking; anyone else gets 404.

Every lookup makes the sitting's missing scripts first (``marking_prepare``): the pages and the API
never wait for a task to have run.
"""

from __future__ import annotations

import time

from django.http import Http404
from django.shortcuts import get_object_or_404

from certify.people.models import User
from exams.planning.models import Sitting
from grading.marking.models import MarkingItem, Script, Task, TaskStatus
from grading.marking.scripts import marking_prepare
from grading.marking.selectors import is_team_member
from grading.marking.services import is_chief_of, is_sitting_chief, may_mark

# The claim is the hot path: prepare a sitting at most this often per process there (pages always do).
PREPARE_EVERY_SECONDS = 5.0
_prepared: dict[int, float] = {}


def prepared(sitting: Sitting, *, hot: bool = False) -> Sitting:
    if hot:
        last = _prepared.get(sitting.pk, 0.0)
        if time.monotonic() - last < PREPARE_EVERY_SECONDS:
            return sitting
        _prepared[sitting.pk] = time.monotonic()
    return marking_prepare(sitting=sitting)


def sitting_for_team(user: User, pk: int) -> Sitting:
    """A sitting ``user`` is on the marking team of (or any, for an admin)."""
    sitting = get_object_or_404(Sitting, pk=pk)
    if not (user.is_cert_admin or is_team_member(user, sitting)):
        raise Http404
    return prepared(sitting)


def sitting_for_chief(user: User, pk: int) -> Sitting:
    """A sitting ``user`` chiefs (or any, for an admin)."""
    sitting = get_object_or_404(Sitting, pk=pk)
    if not (user.is_cert_admin or is_sitting_chief(user, sitting)):
        raise Http404
    return prepared(sitting)


def sitting_for_admin(user: User, pk: int) -> Sitting:
    if not user.is_cert_admin:
        raise Http404
    return prepared(get_object_or_404(Sitting, pk=pk))


def item_to_mark(user: User, item_id: int, *, hot: bool = False) -> MarkingItem:
    """An item ``user`` marks. On the hot path (the claim API) the claim itself checks the team."""
    item = get_object_or_404(
        MarkingItem.objects.select_related("sitting__marking_settings", "item_version"), pk=item_id
    )
    if not hot and not may_mark(user, item):
        raise Http404
    prepared(item.sitting, hot=hot)
    return item


def own_task(user: User, code: str) -> Task:
    """The marker's own task (claimed or submitted); anyone else's, or none, is 404."""
    task = (
        Task.objects.select_related("script__item__item_version", "script__item__sitting")
        .filter(code=code, marker=user, status__in=[TaskStatus.CLAIMED, TaskStatus.SUBMITTED])
        .first()
    )
    if task is None:
        raise Http404
    return task


def script_to_arbitrate(user: User, code: str) -> Script:
    script = get_object_or_404(Script.objects.select_related("item__item_version", "item__sitting"), code=code)
    if not is_chief_of(user, script.item):
        raise Http404
    return script


def item_for_chief(user: User, item_id: int) -> MarkingItem:
    item = get_object_or_404(MarkingItem.objects.select_related("sitting", "item_version"), pk=item_id)
    if not (user.is_cert_admin or is_chief_of(user, item)):
        raise Http404
    return item
