"""A whole exam day played through the real services, for the demo's marked sitting and the tests.

:func:`exam_day_play` takes a started sitting and, per candidate, a :class:`Plan`: it sits the
written paper (objective answers right for a share of the items, situational answers written),
closes the written session, marks every script twice (both markers award the plan's points),
plays the practical session (typing, business entry, the scene scored by the panel) at the times
given, and leaves the sitting in 阅卷中 ready for the chiefs' sign-off. Absence and misconduct are
recorded through the room consoles, as an examiner would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction

from exams.clock import grace
from exams.papers.models import PaperItem
from exams.planning.models import Enrollment, RoomExaminer, RoomKind, Sitting
from exams.practical.business import business_start, business_submit, business_task_submit
from exams.practical.models import BusinessTask
from exams.practical.scenes import SCENE_DIMENSIONS, scene_run_start, scene_score_submit
from exams.practical.session import practical_mark_absent
from exams.practical.typing import typing_save, typing_start, typing_submit
from exams.sittings import sitting_written_close
from exams.written.console import attempt_end_for_misconduct, enrollment_mark_absent
from exams.written.services import answer_save, attempt_start, attempt_submit
from grading.marking.models import MarkingItem, TeamMember
from grading.marking.scripts import marking_prepare
from grading.marking.services import task_claim, task_submit
from grading.scoring.objective import letter_index

SITUATIONAL_ANSWER = "营业员没有复述确认充值金额，应当确认客户的服务需求，对电话号码、金额等重要信息进行复述。"


@dataclass(frozen=True)
class Plan:
    """How one candidate's day goes. Shares are 0–1."""

    objective_share: float = 1.0  # share of choice items answered right (the rest left blank)
    situational_share: float = 1.0  # share of each situational item's points the markers award
    typing_share: float = 1.0  # share of the passage typed (without errors)
    business_right: bool = True  # every business order right, or every one refused wrongly
    scene_total: int = 90  # each panel member's total (0–100, a multiple of 5)
    scene_scored: bool = True  # False: only one panel member has scored (待评分)
    written_absent: bool = False
    written_missed: bool = False  # never came and nobody marked them absent
    practical_absent: bool = False
    misconduct: str | None = None  # the examiner's reason for ending the written exam


@dataclass
class Day:
    written_at: datetime
    practical_at: datetime
    marking_at: datetime
    plans: dict[str, Plan] = field(default_factory=dict)  # by 工号; the rest get Plan()


def _right_letters(item: PaperItem) -> list[str]:
    return sorted(chr(65 + item.option_order.index(letter_index(k))) for k in item.item_version.answer)


def _written(enrollment: Enrollment, plan: Plan, examiner, now: datetime) -> None:
    room = enrollment.written_room
    if plan.written_missed:
        return
    if plan.written_absent:
        enrollment_mark_absent(room=room, enrollment=enrollment, by=examiner, reason="未到考场", now=now)
        return
    user = enrollment.candidate.user
    attempt = attempt_start(enrollment=enrollment, user=user, now=now)
    items = list(PaperItem.objects.filter(paper=attempt.paper).select_related("item_version").order_by("position"))
    choice = [item for item in items if item.item_version.type != "situational"]
    right = round(len(choice) * plan.objective_share)
    for seq, item in enumerate(items, start=1):
        if item.item_version.type == "situational":
            value = SITUATIONAL_ANSWER
        elif choice.index(item) < right:
            value = _right_letters(item)
        else:
            continue
        answer_save(attempt=attempt, position=item.position, value=value, seq=seq, now=now)
    if plan.misconduct:
        attempt_end_for_misconduct(room=room, enrollment=enrollment, by=examiner, reason=plan.misconduct, now=now)
    else:
        attempt_submit(attempt=attempt, now=now + timedelta(minutes=30))


def _awards(item: MarkingItem, share: float) -> list[str]:
    left = round(sum(point["points"] for point in item.item_version.rubric) * share)
    awards = []
    for point in item.item_version.rubric:
        give = min(point["points"], left)
        awards.append(str(give))
        left -= give
    return awards


def _mark_all(sitting: Sitting, plans: dict[int, Plan], now: datetime) -> None:
    markers = [m.user for m in TeamMember.objects.filter(sitting=sitting, is_chief=False).select_related("user")]
    for item in MarkingItem.objects.filter(sitting=sitting, scripts__isnull=False).distinct():
        for marker in markers:
            while (task := task_claim(marker=marker, item=item, now=now)) is not None:
                plan = plans.get(task.script.attempt.enrollment_id, Plan())
                task_submit(task=task, marker=marker, awards=_awards(item, plan.situational_share), now=now)


def perfect_order(*, expected: dict, presented: dict | None, customer_id_number: str) -> dict:
    """The order a careful clerk submits for a business card (its expected outcome, the ID card
    the customer presents): the demo's right answers, and the tests' reference order."""
    presented = presented or {}
    order = {
        "customer_id_number": customer_id_number,
        "realname": {
            "id_type": presented.get("id_type", ""),
            "id_number": presented.get("id_number", ""),
            "name": presented.get("name", ""),
            "verified": bool(presented),
        },
        "action": expected["action"],
        "advice": "",
        "business": expected.get("business", ""),
        "bundle": expected.get("bundle", ""),
        "fixed_line": None,
        "broadband": None,
        "addons": list(expected.get("addons") or []),
        "target_number": expected.get("target_number", ""),
        "new_address": expected.get("new_address", ""),
        "payment": "cash",
    }
    if expected.get("fixed_line"):
        want = expected["fixed_line"]
        number = "0571-86120018" if want["number"] == "any" else want["number"]
        order["fixed_line"] = {"product": "FIX-STD", "number": number, "address": want["address"], "slot": want["slot"]}
    if expected.get("broadband"):
        order["broadband"] = dict(expected["broadband"])
    if expected["action"] == "refuse":
        order["advice"] = "请您带上" + "、".join(expected["advice_keywords"]) + "再来办理"
    return order


def _practical(enrollment: Enrollment, plan: Plan, panel: list, chief, now: datetime) -> None:
    room = enrollment.practical_room
    if plan.practical_absent:
        practical_mark_absent(room=room, enrollment=enrollment, by=chief, reason="未到实训室", now=now)
        return
    user = enrollment.candidate.user
    typing = typing_start(enrollment=enrollment, user=user, now=now)
    text = typing.passage.text[: round(len(typing.passage.text) * plan.typing_share)]
    typing_save(attempt=typing, text=text, seq=1, keystrokes=len(text), now=now + timedelta(minutes=4))
    typing_submit(attempt=typing, now=now + timedelta(minutes=4))
    business = business_start(enrollment=enrollment, user=user, now=now + timedelta(minutes=5))
    for n, task in enumerate(BusinessTask.objects.filter(attempt=business).select_related("scenario"), start=1):
        card = task.scenario
        order = perfect_order(
            expected=card.expected, presented=card.presented, customer_id_number=card.customer["id_number"]
        )
        if not plan.business_right:  # refuses every card, naming none of the materials asked for
            order.update(action="refuse", advice="请您改日再来办理")
        business_task_submit(task=task, order=order, now=now + timedelta(minutes=5, seconds=60 * n))
    business_submit(attempt=business, now=now + timedelta(minutes=15))
    run = scene_run_start(enrollment=enrollment, by=panel[0], now=now + timedelta(minutes=16))
    marks = dict.fromkeys(SCENE_DIMENSIONS, plan.scene_total // 5)
    for examiner in panel if plan.scene_scored else panel[:1]:
        scene_score_submit(run=run, examiner=examiner, marks=marks, now=now + timedelta(minutes=20))


def exam_day_play(*, sitting: Sitting, day: Day) -> Sitting:
    """Play the day (see the module docstring). The sitting must be started (考试中)."""
    enrollments = list(
        Enrollment.objects.filter(sitting=sitting)
        .select_related("candidate__user", "written_room", "practical_room")
        .order_by("admission_no")
    )
    plans = {e.pk: day.plans.get(e.candidate.employee_no, Plan()) for e in enrollments}
    invigilators = {
        a.room_id: a.examiner for a in RoomExaminer.objects.filter(room__sitting=sitting, room__kind=RoomKind.WRITTEN)
    }
    for enrollment in enrollments:
        with transaction.atomic():
            _written(enrollment, plans[enrollment.pk], invigilators[enrollment.written_room_id], day.written_at)
    sitting = sitting_written_close(sitting=sitting, now=sitting.written_end + grace() + timedelta(seconds=1))
    marking_prepare(sitting=sitting, now=day.marking_at)
    _mark_all(sitting, plans, day.marking_at)
    for enrollment in enrollments:
        assignments = RoomExaminer.objects.filter(room=enrollment.practical_room).select_related("examiner")
        panel = [a.examiner for a in assignments if not a.is_chief]
        chief = next(a.examiner for a in assignments if a.is_chief)
        with transaction.atomic():
            _practical(enrollment, plans[enrollment.pk], panel, chief, day.practical_at)
    return sitting
