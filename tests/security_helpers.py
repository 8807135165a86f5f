"""An exam day open right now (written and practical windows both open) with every kind of
stored text in it, for the security tests: who may see what, what input is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.test import TestCase
from django.utils import timezone

from certify.people.models import User
from exams.planning.models import Enrollment, Room, Sitting
from exams.planning.services import examiner_assign, room_add, sitting_create, sitting_open_enrolment
from exams.practical.business import business_start
from exams.practical.material import material_load
from exams.practical.models import BusinessAttempt, SceneRun, TypingAttempt
from exams.practical.scenes import scene_run_start
from exams.practical.typing import typing_start
from exams.sittings import sitting_schedule, sitting_start
from exams.written.models import Attempt
from exams.written.services import attempt_start
from tests.exam_helpers import enrol, make_examiners, synthetic_bank


@dataclass
class Day:
    sitting: Sitting
    written: Room
    practical: Room
    enrollment: Enrollment  # the first candidate: every part started
    other: Enrollment  # a second candidate of the same rooms, nothing started
    attempt: Attempt
    typing: TypingAttempt
    business: BusinessAttempt
    run: SceneRun
    invigilators: list[User]
    panel: list[User]  # the practical room's examiners, without the chief
    chief: User

    @property
    def candidate(self) -> User:
        return self.enrollment.candidate.user


def day_open_now(org, *, candidates: int = 3, prefix: str = "day") -> Day:
    """A level-5 sitting in progress whose written and practical windows are both open now; the
    first candidate has started the written paper, typing, business entry and a scene."""
    now = timezone.now()
    return _day(org, candidates, prefix, now - timedelta(minutes=5), now + timedelta(minutes=85), None)


def day_over_now(org, *, candidates: int = 3, prefix: str = "over") -> Day:
    """Like ``day_open_now``, but both windows ended 30 seconds ago: the first candidate started
    every part 5 minutes before the end, so every deadline (the window's end) and its 10-second
    grace are over, and nothing has submitted them yet."""
    end = timezone.now() - timedelta(seconds=30)
    return _day(org, candidates, prefix, end - timedelta(minutes=61), end, end - timedelta(minutes=5))


def _day(org, candidates, prefix, start, end, started_at) -> Day:
    synthetic_bank()
    material_load()
    sitting = sitting_create(
        name="安全测试批次",
        level=5,
        province=org.province,
        written_start=start,
        written_end=end,
        practical_start=start,
        practical_end=end,
        by=None,
    )
    sitting = sitting_open_enrolment(sitting=sitting)
    enrol(sitting, org, candidates)
    written = room_add(sitting=sitting, kind="written", name="A101", capacity=40)
    practical = room_add(sitting=sitting, kind="practical", name="实训室1", capacity=40)
    invigilators = make_examiners(org, 2, prefix=f"{prefix}w")
    panel = make_examiners(org, 3, prefix=f"{prefix}p")
    chief = make_examiners(org, 1, prefix=f"{prefix}chief", chief=True)[0]
    for examiner in invigilators:
        examiner_assign(room=written, examiner=examiner)
    for examiner in panel:
        examiner_assign(room=practical, examiner=examiner)
    examiner_assign(room=practical, examiner=chief, is_chief=True)
    with TestCase.captureOnCommitCallbacks(execute=True):
        sitting_schedule(sitting=sitting, by=None, seed=11)
    sitting = sitting_start(sitting=sitting)
    enrollments = list(Enrollment.objects.filter(sitting=sitting).select_related("candidate__user").order_by("pk"))
    first = enrollments[0]
    user = first.candidate.user
    with TestCase.captureOnCommitCallbacks(execute=False):
        attempt = attempt_start(enrollment=first, user=user, now=started_at)
    return Day(
        sitting=sitting,
        written=written,
        practical=practical,
        enrollment=first,
        other=enrollments[1],
        attempt=attempt,
        typing=typing_start(enrollment=first, user=user, now=started_at),
        business=business_start(enrollment=first, user=user, now=started_at),
        run=scene_run_start(enrollment=first, by=panel[0], now=started_at),
        invigilators=invigilators,
        panel=panel,
        chief=chief,
    )


def situational_position(attempt: Attempt) -> int:
    from exams.papers.models import PaperItem

    return (
        PaperItem.objects.filter(paper_id=attempt.paper_id, item_version__type="situational")
        .values_list("position", flat=True)
        .first()
    )
