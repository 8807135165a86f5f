"""Sittings for tests: a synthetic bank that fills the level-5 blueprint, sittings, rooms and rosters."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from openpyxl import Workbook

from certify.people.services import candidate_upsert, staff_upsert
from certify.validators import id_number_check_char
from exams.planning.services import examiner_assign, room_add, sitting_create, sitting_open_enrolment
from question_bank.models import KnowledgePoint as KP
from question_bank.services.blueprints import blueprints_load_defaults
from question_bank.services.items import item_create, knowledge_points_load
from question_bank.validation import ItemData, RubricPoint

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Per chapter: (single, multiple, situational) items at level 5 — comfortably above the level-5 quotas.
SYNTHETIC = {"1.1": (12, 6, 0), "2.2": (16, 8, 0), "4.1": (26, 13, 4)}


def synthetic_bank() -> None:
    knowledge_points_load()
    blueprints_load_defaults()
    points = {p.code: p for p in KP.objects.all()}
    for code, (singles, multiples, situationals) in SYNTHETIC.items():
        for kind, count in (("single", singles), ("multiple", multiples), ("situational", situationals)):
            for n in range(count):
                difficulty = 1 + n % 4
                choice = kind != "situational"
                item_create(
                    data=ItemData(
                        type=kind,
                        level=5,
                        knowledge_point=points[code],
                        difficulty=difficulty,
                        stem=f"{code} {kind} 第 {n} 题？",
                        case="案例" + str(n) if not choice else "",
                        options=[f"选项{i}" for i in range(4 + n % 2)] if choice else [],
                        answer=("B" if kind == "single" else "AC") if choice else "",
                        explanation="依据。",
                        rubric=[] if choice else [RubricPoint("要点", 10, ["要点"])],
                        source="synthetic",
                    ),
                    by=None,
                )


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """``day`` December, Beijing time, of next year: always ahead, so the fixed days stay in the future
    (with a fixed year the tests that start a paper at 09:05 on 10 December and then save without
    a ``now`` failed from the end of that paper on)."""
    return datetime(timezone.localdate().year + 1, 12, day, hour, minute, tzinfo=SHANGHAI)


def make_sitting(org, *, by=None, day: int = 10, level: int = 5, name: str = "五级认证"):
    sitting = sitting_create(
        name=name,
        level=level,
        province=org.province,
        written_start=at(day, 9),
        written_end=at(day, 10, 30),
        practical_start=at(day, 14),
        practical_end=at(day, 17),
        by=by,
    )
    return sitting_open_enrolment(sitting=sitting)


def make_examiners(org, count: int, *, prefix: str = "ex", chief: bool = False):
    from certify.people.models import Role

    role = Role.CHIEF_EXAMINER if chief else Role.EXAMINER
    return [
        staff_upsert(username=f"{prefix}{n}", full_name=f"考评员{prefix}{n}", role=role, hall=org.hall)[0]
        for n in range(1, count + 1)
    ]


def id_number(n: int) -> str:
    first17 = f"330102{1980 + n % 20:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return first17 + id_number_check_char(first17)


def enrol(sitting, org, count: int, *, start: int = 1):
    from exams.planning.services import enrollment_add

    halls = [org.hall, org.other_hall]
    enrollments = []
    for n in range(start, start + count):
        candidate = candidate_upsert(
            employee_no=f"C{n:05d}",
            name=f"考生{n}",
            id_number=id_number(n),
            phone=f"139{n:08d}",
            hall=halls[n % 2],
            level=sitting.level,
        )[0]
        enrollments.append(enrollment_add(sitting=sitting, candidate=candidate))
    return enrollments


def ready_sitting(org, candidates: int = 12):
    """A level-5 sitting with candidates, one written and one practical room, and enough examiners."""
    sitting = make_sitting(org)
    enrol(sitting, org, candidates)
    written = room_add(sitting=sitting, kind="written", name="A101", capacity=40)
    practical = room_add(sitting=sitting, kind="practical", name="实训室1", capacity=40)
    examiners = make_examiners(org, 2 + max(3, -(-candidates // 3)))
    chief = make_examiners(org, 1, prefix="chief", chief=True)[0]
    for examiner in examiners[:2]:
        examiner_assign(room=written, examiner=examiner)
    for examiner in examiners[2:]:
        examiner_assign(room=practical, examiner=examiner)
    examiner_assign(room=practical, examiner=chief, is_chief=True)
    return sitting


def roster_xlsx(
    rows: list[dict], *, header=("工号", "姓名", "身份证号", "手机号", "分公司", "营业厅", "报考级别")
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "考生名单"
    sheet.append(list(header))
    for row in rows:
        sheet.append([row.get(column, "") for column in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def running_now(
    org, *, candidates: int = 3, practical: bool = False, level: int = 5, start: int = 1, staff: str = "now"
):
    """A sitting whose written window (or, with ``practical``, practical window) is open right now,
    scheduled and started."""
    from django.test import TestCase
    from django.utils import timezone

    from exams.sittings import sitting_schedule, sitting_start

    now = timezone.now()
    shift = timedelta(hours=4) if practical else timedelta(0)
    sitting = sitting_create(
        name="正在进行的认证",
        level=level,
        province=org.province,
        written_start=now - timedelta(minutes=10) - shift,
        written_end=now + timedelta(minutes=80) - shift,
        practical_start=now + timedelta(hours=3) - shift,
        practical_end=now + timedelta(hours=6) - shift,
        by=None,
    )
    sitting = sitting_open_enrolment(sitting=sitting)
    enrol(sitting, org, candidates, start=start)
    written = room_add(sitting=sitting, kind="written", name="A101", capacity=40)
    practical = room_add(sitting=sitting, kind="practical", name="实训室1", capacity=40)
    examiners = make_examiners(org, 5, prefix=staff)
    for examiner in examiners[:2]:
        examiner_assign(room=written, examiner=examiner)
    for examiner in examiners[2:]:
        examiner_assign(room=practical, examiner=examiner)
    examiner_assign(
        room=practical, examiner=make_examiners(org, 1, prefix=f"{staff}chief", chief=True)[0], is_chief=True
    )
    # Inside a test's transaction on_commit never fires: run the assembly it queues now.
    with TestCase.captureOnCommitCallbacks(execute=True):
        sitting_schedule(sitting=sitting, by=None, seed=77)
    return sitting_start(sitting=sitting)
