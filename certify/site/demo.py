"""The demo organisation and people: what ``manage.py load_demo`` loads. Safe to run twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from certify.people.models import Branch, Candidate, Hall, Province, Role, User
from certify.people.services import candidate_upsert, staff_upsert
from certify.site.exam_day import Day, Plan, exam_day_play
from certify.standard.models import Level
from certify.standard.services import standard_load_defaults
from certify.validators import id_number_check_char
from exams.papers.services import papers_assemble
from exams.planning.models import Sitting, SittingStatus
from exams.planning.services import enrollment_add, examiner_assign, room_add, sitting_create, sitting_open_enrolment
from exams.practical.material import material_load
from exams.sittings import sitting_schedule, sitting_start
from grading.marking.services import team_member_add
from question_bank.services.blueprints import blueprints_load_defaults
from question_bank.services.items import bank_load_shipped

DEMO_PASSWORD = "certify2026"

DEMO_HALLS = {
    "城东分公司": ["城东中心营业厅", "解放路营业厅"],
    "城西分公司": ["城西中心营业厅", "文三路营业厅"],
}
DEMO_STAFF = [
    ("hr", "周敏", Role.ADMIN),
    ("examiner1", "王建国", Role.EXAMINER),
    ("examiner2", "李晓红", Role.EXAMINER),
    ("examiner3", "陈志强", Role.EXAMINER),
    ("examiner4", "赵丽", Role.EXAMINER),
    ("examiner5", "孙海涛", Role.EXAMINER),
    ("chief", "刘文华", Role.CHIEF_EXAMINER),
]
_SURNAMES = "张王李赵陈杨黄周吴徐孙胡朱高林何郭马罗梁"
_GIVEN = [
    "丽娜",
    "伟",
    "静",
    "芳",
    "敏",
    "磊",
    "婷",
    "洋",
    "艳",
    "杰",
    "娟",
    "涛",
    "霞",
    "超",
    "秀英",
    "明",
    "晨",
    "雪",
    "浩",
    "倩",
]
# 16 at level 5, 14 at level 4, 10 at level 3.
DEMO_LEVELS = [Level.FIVE] * 16 + [Level.FOUR] * 14 + [Level.THREE] * 10


@dataclass(frozen=True)
class DemoLogin:
    username: str
    name: str
    role: str
    note: str = ""


def demo_id_number(index: int) -> str:
    """A valid, obviously fictitious ID number (region 330102, born 1985–2003)."""
    first17 = f"330102{1985 + index % 19:04d}{1 + index % 12:02d}{1 + index % 28:02d}{index:03d}"
    return first17 + id_number_check_char(first17)


@transaction.atomic
def demo_load() -> list[DemoLogin]:
    """Load the standard, a demo province, its staff and forty candidates; return the logins."""
    standard_load_defaults()
    bank_load_shipped()
    blueprints_load_defaults()
    material_load()
    province, _ = Province.objects.get_or_create(code="demo", defaults={"name": "示范省公司"})
    halls: list[Hall] = []
    for branch_name, hall_names in DEMO_HALLS.items():
        branch, _ = Branch.objects.get_or_create(province=province, name=branch_name)
        for hall_name in hall_names:
            halls.append(Hall.objects.get_or_create(branch=branch, name=hall_name)[0])

    logins: list[DemoLogin] = []
    usernames: list[str] = []
    for username, name, role in DEMO_STAFF:
        # The examiners are the province's trainers, in no service hall: the marking's own-hall
        # rule (a marker never gets a script of a candidate from their hall) never stops them.
        hall = halls[0] if role == Role.ADMIN else None
        staff_upsert(username=username, full_name=name, role=role, hall=hall)
        usernames.append(username)
        logins.append(DemoLogin(username, name, Role(role).label))

    for index, level in enumerate(DEMO_LEVELS, start=1):
        name = _SURNAMES[index % len(_SURNAMES)] + _GIVEN[(index * 7) % len(_GIVEN)]
        candidate, _ = candidate_upsert(
            employee_no=f"E{index:04d}",
            name=name,
            id_number=demo_id_number(index),
            phone=f"1380571{index:04d}",
            hall=halls[index % len(halls)],
            level=level,
        )
        usernames.append(candidate.employee_no)
        if index in (1, 17, 31):
            logins.append(DemoLogin(candidate.employee_no, name, Role.CANDIDATE.label, Level(level).label))
    # One hash for every demo account: hashing 45 passwords one by one takes seconds.
    User.objects.filter(username__in=usernames).update(password=make_password(DEMO_PASSWORD))
    demo_sitting_ensure(province=province)
    demo_marked_sitting_ensure(province=province)
    return logins


DEMO_SITTING_CANDIDATES = [f"E{index:04d}" for index in range(1, 7)]


def demo_sitting_ensure(*, province: Province, now=None):
    """A level-5 sitting open for enrolment whose written and practical windows are both open now
    (for eight hours, so the whole day can be tried at once), with six candidates and rooms
    staffed within the examiner rules: the written room by two examiners, the practical room by
    a panel of three and the chief examiner. Its marking team: examiner1–3 mark the situational
    answers, the chief examiner is 阅卷组长. The admin schedules and starts it. A new one is
    made only when no demo sitting is still open."""
    now = now or timezone.now()
    open_demo = Sitting.objects.filter(
        province=province, name__startswith="演示批次", written_end__gt=now + timedelta(hours=1)
    ).exclude(status=SittingStatus.CLOSED)
    if open_demo.exists():
        return open_demo.first()
    start = now.replace(second=0, microsecond=0) - timedelta(minutes=5)
    sitting = sitting_create(
        name=f"演示批次 {timezone.localtime(start):%m月%d日} 营业五级",
        level=Level.FIVE,
        province=province,
        written_start=start,
        written_end=start + timedelta(hours=8),
        practical_start=start,
        practical_end=start + timedelta(hours=8),
        by=None,
    )
    return _enrol_and_staff(sitting, DEMO_SITTING_CANDIDATES, ("第一考场", "培训中心 301"), ("实训室", "培训中心 305"))


def _enrol_and_staff(sitting: Sitting, candidates: list[str], written_room: tuple, practical_room: tuple) -> Sitting:
    """Opens enrolment, enrols ``candidates`` and staffs the two rooms (name, location) within the
    examiner rules: examiner1–2 in the written room, examiner3–5 and the chief examiner on the
    practical panel; examiner1–3 mark, the chief examiner is 阅卷组长."""
    sitting = sitting_open_enrolment(sitting=sitting)
    for candidate in Candidate.objects.filter(employee_no__in=candidates):
        enrollment_add(sitting=sitting, candidate=candidate)
    written = room_add(sitting=sitting, kind="written", name=written_room[0], capacity=30, location=written_room[1])
    practical = room_add(
        sitting=sitting, kind="practical", name=practical_room[0], capacity=10, location=practical_room[1]
    )
    staff = {
        user.username: user
        for user in User.objects.filter(
            username__in=["examiner1", "examiner2", "examiner3", "examiner4", "examiner5", "chief"]
        )
    }
    for name in ("examiner1", "examiner2"):
        examiner_assign(room=written, examiner=staff[name])
    for name in ("examiner3", "examiner4", "examiner5"):
        examiner_assign(room=practical, examiner=staff[name])
    examiner_assign(room=practical, examiner=staff["chief"], is_chief=True)
    for name in ("examiner1", "examiner2", "examiner3"):
        team_member_add(sitting=sitting, user=staff[name])
    team_member_add(sitting=sitting, user=staff["chief"], is_chief=True)
    return sitting


DEMO_MARKED_NAME = "演示批次（已阅卷） 营业五级"
DEMO_MARKED_CANDIDATES = [f"E{index:04d}" for index in range(7, 13)]
# How the marked sitting's day went (the others pass): two fail, one missed the practical, one was sent out.
DEMO_MARKED_PLANS = {
    "E0008": Plan(objective_share=0.35, situational_share=0.3),
    "E0010": Plan(practical_absent=True),
    "E0011": Plan(typing_share=0.2, business_right=False, scene_total=50),
    "E0012": Plan(misconduct="考试中使用手机查阅资料"),
}


def demo_marked_sitting_ensure(*, province: Province, now=None):
    """A level-5 sitting held yesterday, played through the real services (written paper, marking
    by examiner1–3, the practical session scored by the panel examiner3–5), left in 阅卷中: the
    chief examiner signs its rooms off and the admin previews and publishes its results. Six
    candidates (E0007–E0012): E0007 and E0009 pass, E0008 and E0011 fail, E0010 missed the practical,
    E0012 was sent out for misconduct. Made once."""
    now = now or timezone.now()
    existing = Sitting.objects.filter(province=province, name=DEMO_MARKED_NAME).first()
    if existing is not None:
        return existing
    day = timezone.localtime(now).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=1)
    with transaction.atomic():
        sitting = sitting_create(
            name=DEMO_MARKED_NAME,
            level=Level.FIVE,
            province=province,
            written_start=day,
            written_end=day + timedelta(minutes=90),
            practical_start=day + timedelta(hours=5),
            practical_end=day + timedelta(hours=8),
            by=None,
        )
        sitting = _enrol_and_staff(
            sitting, DEMO_MARKED_CANDIDATES, ("第二考场", "培训中心 302"), ("第二实训室", "培训中心 306")
        )
        sitting_schedule(sitting=sitting, by=None, seed=2026)
    # The job scheduling queues runs after the commit; the demo is loaded in one transaction, so
    # assemble here (assembling twice writes each paper once).
    papers_assemble(sitting_id=sitting.pk)
    sitting = sitting_start(sitting=Sitting.objects.get(pk=sitting.pk))
    return exam_day_play(
        sitting=sitting,
        day=Day(
            written_at=day + timedelta(minutes=5),
            practical_at=day + timedelta(hours=5, minutes=5),
            marking_at=now,
            plans=DEMO_MARKED_PLANS,
        ),
    )
