"""Marking fixtures: a sitting whose candidates answered and submitted, and a marking team, all
made through the real services."""

from __future__ import annotations

from django.test import TestCase
from django.utils import timezone

from certify.people.models import Role
from certify.people.services import staff_upsert
from exams.papers.models import PaperItem
from exams.planning.models import Enrollment
from exams.written.models import Attempt
from exams.written.services import answer_save, attempt_start, attempt_submit
from grading.marking.models import MarkingItem, Task
from grading.marking.scripts import marking_prepare
from grading.marking.services import task_claim, task_submit, team_member_add
from tests.conftest import PASSWORD
from tests.exam_helpers import running_now

ANSWER = "营业员没有复述确认充值金额，应当确认客户的服务需求，对电话号码、金额等重要信息进行复述。"


def sat_sitting(org, *, candidates: int = 4, answer=lambda enrollment, position: ANSWER):
    """A level-5 sitting in progress whose candidates all answered their situational items
    (``answer`` gives the text; "" leaves one empty) and submitted. Scripts are made."""
    sitting = running_now(org, candidates=candidates)
    now = timezone.now()
    for enrollment in Enrollment.objects.filter(sitting=sitting).select_related("candidate__user").order_by("pk"):
        attempt = attempt_start(enrollment=enrollment, user=enrollment.candidate.user, now=now)
        positions = PaperItem.objects.filter(paper=attempt.paper, item_version__type="situational").values_list(
            "position", flat=True
        )
        for seq, position in enumerate(positions, start=1):
            text = answer(enrollment, position)
            if text is not None:
                answer_save(attempt=attempt, position=position, value=text, seq=seq, now=now)
        with TestCase.captureOnCommitCallbacks(execute=True):
            attempt_submit(attempt=attempt, now=now)
    return marking_prepare(sitting=sitting)


def marker(username: str, *, hall=None, role=Role.EXAMINER):
    return staff_upsert(username=username, full_name=f"阅卷员{username}", role=role, hall=hall, password=PASSWORD)[0]


def team(sitting, *names: str, chief: str | None = "mchief", hall=None):
    """Markers (no hall unless given) for every item of the sitting, and a chief."""
    markers = [marker(name, hall=hall) for name in names]
    for user in markers:
        team_member_add(sitting=sitting, user=user)
    boss = None
    if chief:
        boss = marker(chief, role=Role.CHIEF_EXAMINER)
        team_member_add(sitting=sitting, user=boss, is_chief=True)
    return markers, boss


def first_item(sitting) -> MarkingItem:
    return MarkingItem.objects.filter(sitting=sitting, scripts__isnull=False).order_by("pk").first()


def full(item: MarkingItem, total: int) -> list[str]:
    """Awards adding up to ``total`` over the item's rubric, front-loaded."""
    awards, left = [], total
    for point in item.item_version.rubric:
        give = min(point["points"], left)
        awards.append(str(give))
        left -= give
    return awards


def mark(user, item: MarkingItem, total: int) -> Task:
    task = task_claim(marker=user, item=item)
    assert task is not None, f"{user} got nothing to mark"
    return task_submit(task=task, marker=user, awards=full(item, total))


def attempts_of(sitting):
    return Attempt.objects.filter(enrollment__sitting=sitting).order_by("pk")
