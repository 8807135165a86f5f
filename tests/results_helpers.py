"""A sitting played through its whole day (written, marking, practical) by the real services."""

from __future__ import annotations

from datetime import timedelta

from django.test import TestCase
from django.utils import timezone

from certify.site.exam_day import Day, Plan, exam_day_play
from exams.planning.models import Room, RoomExaminer
from exams.practical.material import material_load
from grading.marking.services import team_member_add
from grading.results.services import room_sign_off
from question_bank.models import Item
from tests.exam_helpers import running_now, synthetic_bank
from tests.marking_helpers import marker

__all__ = ["Plan", "after", "played_sitting", "sign_off_all"]


def played_sitting(
    org, plans: dict[int, Plan] | None = None, *, candidates: int = 4, start: int = 1, staff: str = "now"
):
    """A level-5 sitting whose candidates C00001… sat everything; ``plans`` by candidate number."""
    if not Item.objects.exists():
        synthetic_bank()
        material_load()
    sitting = running_now(org, candidates=candidates, start=start, staff=staff)
    for name in ("m1", "m2"):
        team_member_add(sitting=sitting, user=marker(name))
    now = timezone.now()
    day = Day(
        written_at=now,
        practical_at=sitting.practical_start + timedelta(minutes=5),
        marking_at=sitting.written_end + timedelta(minutes=10),
        plans={f"C{n:05d}": plan for n, plan in (plans or {}).items()},
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        return exam_day_play(sitting=sitting, day=day)


def after(sitting):
    """A moment after the whole day."""
    return sitting.practical_end + timedelta(hours=1)


def chief_of(room: Room):
    return RoomExaminer.objects.get(room=room, is_chief=True).examiner


def sign_off_all(sitting, by):
    for room in sitting.rooms.all():
        room_sign_off(room=room, by=by, now=after(sitting))
