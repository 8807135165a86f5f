"""Writes to sittings: creation, rooms, examiners, single enrolment and the status flow."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from certify.people.models import Candidate, Province, Role, User
from certify.standard.models import Level
from certify.standard.selectors import standard_current
from exams.planning.models import Enrollment, EnrollmentStatus, Room, RoomExaminer, RoomKind, Sitting, SittingStatus
from exams.planning.selectors import active_enrollments, room_rules, sitting_rule
from question_bank.models import Blueprint
from question_bank.services.blueprints import blueprint_feasibility

PLANNING = (SittingStatus.DRAFT, SittingStatus.ENROLLING)
FINISHED = (SittingStatus.CLOSED,)


def _span(sitting: Sitting) -> tuple[datetime, datetime]:
    return min(sitting.written_start, sitting.practical_start), max(sitting.written_end, sitting.practical_end)


def overlapping_sittings(*, start: datetime, end: datetime, exclude: Sitting | None = None):
    """Sittings, not closed, whose written or practical time meets [start, end)."""
    sittings = Sitting.objects.exclude(status__in=FINISHED).filter(
        Q(written_start__lt=end, written_end__gt=start) | Q(practical_start__lt=end, practical_end__gt=start)
    )
    return sittings.exclude(pk=exclude.pk) if exclude else sittings


def _next_code(year: int) -> str:
    prefix = f"{year % 100:02d}"
    last = Sitting.objects.filter(code__startswith=prefix).order_by("-code").values_list("code", flat=True).first()
    number = int(last[2:]) + 1 if last else 1
    if number > 999:
        raise ValidationError(_("本年度考试批次已达 999 个上限"))
    return f"{prefix}{number:03d}"


@transaction.atomic
def sitting_create(
    *,
    name: str,
    level: int,
    province: Province,
    written_start: datetime,
    written_end: datetime,
    practical_start: datetime,
    practical_end: datetime,
    by: User | None,
) -> Sitting:
    """A new sitting in draft. The windows must fit the level's durations in the standard in force."""
    errors = []
    if level not in Level.values:
        errors.append(_("未知级别：%(level)s") % {"level": level})
    if not name.strip():
        errors.append(_("请填写考试批次名称"))
    standard = standard_current()
    if standard is None:
        errors.append(_("尚未载入认证标准"))
    if errors:
        raise ValidationError(errors)
    rule = standard.rule_for(level)
    if written_end <= written_start:
        errors.append(_("笔试结束时间必须晚于开始时间"))
    elif (written_end - written_start).total_seconds() < rule.written_minutes * 60:
        errors.append(
            _("笔试时间段不足 %(minutes)s 分钟（%(level)s笔试时长）")
            % {"minutes": rule.written_minutes, "level": Level(level).label}
        )
    if practical_end <= practical_start:
        errors.append(_("实操结束时间必须晚于开始时间"))
    elif (practical_end - practical_start).total_seconds() < rule.practical_minutes * 60:
        errors.append(
            _("实操时间段不足 %(minutes)s 分钟（%(level)s实操时长）")
            % {"minutes": rule.practical_minutes, "level": Level(level).label}
        )
    if errors:
        raise ValidationError(errors)
    code = _next_code(timezone.localtime(written_start).year)
    return Sitting.objects.create(
        code=code,
        name=name.strip(),
        level=level,
        province=province,
        written_start=written_start,
        written_end=written_end,
        practical_start=practical_start,
        practical_end=practical_end,
        created_by=by,
    )


def _lock_planning(sitting: Sitting) -> Sitting:
    sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
    if sitting.status not in PLANNING:
        raise ValidationError(
            _("考试批次已是「%(status)s」状态，不能再修改考场、考评员或考生") % {"status": sitting.get_status_display()}
        )
    return sitting


@transaction.atomic
def room_add(*, sitting: Sitting, kind: str, name: str, capacity: int, location: str = "") -> Room:
    sitting = _lock_planning(sitting)
    if kind not in RoomKind.values:
        raise ValidationError(_("未知考场类型：%(kind)s") % {"kind": kind})
    if not 1 <= capacity <= 999:
        raise ValidationError(_("座位数须在 1–999 之间"))
    if sitting.rooms.filter(kind=kind, name=name.strip()).exists():
        raise ValidationError(_("已有同名的%(kind)s考场「%(name)s」") % {"kind": RoomKind(kind).label, "name": name})
    number = (sitting.rooms.filter(kind=kind).order_by("-number").values_list("number", flat=True).first() or 0) + 1
    if number > 99:
        raise ValidationError(_("每个考试批次最多 99 个%(kind)s考场") % {"kind": RoomKind(kind).label})
    return Room.objects.create(
        sitting=sitting,
        kind=kind,
        number=number,
        name=name.strip() or str(number),
        capacity=capacity,
        location=location,
    )


def _room_span(room: Room) -> tuple[datetime, datetime]:
    return room.starts_at, room.ends_at


@transaction.atomic
def examiner_assign(*, room: Room, examiner: User, is_chief: bool = False) -> RoomExaminer:
    """Assign ``examiner`` to ``room``; refused when they sit in another room at an overlapping time.

    Locks the examiner's row so two assignments of the same person cannot race past the overlap check.
    """
    _lock_planning(room.sitting)
    examiner = User.objects.select_for_update().get(pk=examiner.pk)
    if not examiner.is_examiner:
        raise ValidationError(_("%(name)s 不是考评员，不能分配到考场") % {"name": examiner.display_name})
    if is_chief and examiner.role != Role.CHIEF_EXAMINER:
        raise ValidationError(_("%(name)s 不是考评组长") % {"name": examiner.display_name})
    if is_chief and room.kind != RoomKind.PRACTICAL:
        raise ValidationError(_("考评组长只在实操考场指定"))
    if RoomExaminer.objects.filter(room=room, examiner=examiner).exists():
        raise ValidationError(_("%(name)s 已在该考场") % {"name": examiner.display_name})
    if is_chief and RoomExaminer.objects.filter(room=room, is_chief=True).exists():
        raise ValidationError(_("考场「%(room)s」已有考评组长") % {"room": room.name})
    start, end = _room_span(room)
    for other in (
        RoomExaminer.objects.filter(examiner=examiner)
        .exclude(room__sitting__status__in=FINISHED)
        .select_related("room__sitting")
    ):
        other_start, other_end = _room_span(other.room)
        if other_start < end and start < other_end:
            raise ValidationError(
                _("%(name)s 已被安排在「%(sitting)s」的%(room)s（%(start)s–%(end)s），时间与本考场重叠")
                % {
                    "name": examiner.display_name,
                    "sitting": other.room.sitting.name,
                    "room": other.room,
                    "start": timezone.localtime(other_start).strftime("%m-%d %H:%M"),
                    "end": timezone.localtime(other_end).strftime("%H:%M"),
                }
            )
    return RoomExaminer.objects.create(room=room, examiner=examiner, is_chief=is_chief)


@transaction.atomic
def examiner_unassign(*, assignment: RoomExaminer) -> None:
    _lock_planning(assignment.room.sitting)
    assignment.delete()


def overlap_problem(*, sitting: Sitting, candidate: Candidate) -> str | None:
    """Why ``candidate`` cannot sit ``sitting``: enrolled in another sitting at an overlapping time."""
    start, end = _span(sitting)
    clash = (
        Enrollment.objects.filter(candidate=candidate, status=EnrollmentStatus.ENROLLED)
        .exclude(sitting=sitting)
        .filter(sitting__in=overlapping_sittings(start=start, end=end, exclude=sitting))
        .select_related("sitting")
        .first()
    )
    if clash:
        return _("已报名时间重叠的考试批次「%(sitting)s」") % {"sitting": clash.sitting}
    return None


def enrollment_problem(*, sitting: Sitting, candidate: Candidate) -> str | None:
    """Why ``candidate`` cannot be enrolled in ``sitting`` from the enrolment page, or None."""
    if candidate.level is not None and candidate.level != sitting.level:
        return _("%(name)s 报考的是%(level)s，本批次只考%(sitting)s") % {
            "name": candidate.name,
            "level": Level(candidate.level).label,
            "sitting": Level(sitting.level).label,
        }
    if candidate.hall.branch.province_id != sitting.province_id:
        return _("%(name)s 的营业厅不属于%(province)s") % {"name": candidate.name, "province": sitting.province}
    return overlap_problem(sitting=sitting, candidate=candidate)


@transaction.atomic
def enrollment_add(*, sitting: Sitting, candidate: Candidate) -> Enrollment:
    sitting = _lock_planning(sitting)
    problem = enrollment_problem(sitting=sitting, candidate=candidate)
    if problem:
        raise ValidationError(problem)
    enrollment, created = Enrollment.objects.get_or_create(sitting=sitting, candidate=candidate)
    if not created and enrollment.status != EnrollmentStatus.ENROLLED:
        enrollment.status = EnrollmentStatus.ENROLLED
        enrollment.save(update_fields=["status"])
    elif not created:
        raise ValidationError(_("%(name)s 已报名本批次") % {"name": candidate.name})
    return enrollment


@transaction.atomic
def sitting_open_enrolment(*, sitting: Sitting) -> Sitting:
    sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
    if sitting.status != SittingStatus.DRAFT:
        raise ValidationError(_("只有草稿状态的考试批次可以开始报名"))
    sitting.status = SittingStatus.ENROLLING
    sitting.save(update_fields=["status"])
    return sitting


def schedule_problems(sitting: Sitting) -> list[str]:
    """Everything that stops ``sitting`` from being scheduled, each as a sentence."""
    problems: list[str] = []
    if sitting.status != SittingStatus.ENROLLING:
        problems.append(
            _("只有报名中的考试批次可以排考，当前状态为「%(status)s」") % {"status": sitting.get_status_display()}
        )
    total = active_enrollments(sitting).count()
    if total == 0:
        problems.append(_("还没有考生报名"))
    for kind in RoomKind:
        rooms = list(sitting.rooms.filter(kind=kind))
        seats = sum(room.capacity for room in rooms)
        if not rooms:
            problems.append(_("还没有%(kind)s考场") % {"kind": kind.label})
        elif seats < total:
            problems.append(
                _("%(kind)s考场座位不足：考生 %(total)s 人，座位 %(seats)s 个")
                % {"kind": kind.label, "total": total, "seats": seats}
            )
    for rule in room_rules(sitting):
        problems.extend(rule.problems())
    blueprint = Blueprint.objects.filter(level=sitting.level).first()
    if blueprint is None:
        problems.append(_("%(level)s还没有组卷规则") % {"level": Level(sitting.level).label})
    elif total:
        report = blueprint_feasibility(blueprint=blueprint)
        problems.extend(report.problems)
        if report.ok and report.distinct_papers < total:
            problems.append(
                _("题库按组卷规则只能组出 %(papers)s 份不同的试卷，少于考生人数 %(total)s")
                % {"papers": report.distinct_papers, "total": total}
            )
    if sitting_rule(sitting) is None:
        problems.append(_("尚未载入认证标准"))
    return problems
