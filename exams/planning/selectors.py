"""Reads of sittings: projected room loads, rule status, who may see what."""

from __future__ import annotations

from collections import Counter

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from certify.people.models import User
from certify.standard.models import LevelRule
from certify.standard.selectors import standard_current
from exams.planning.models import Enrollment, EnrollmentStatus, Room, RoomExaminer, RoomKind, Sitting
from exams.planning.rules import RoomRule, room_rule, room_turns


def sitting_rule(sitting: Sitting) -> LevelRule | None:
    """The level's rules: frozen once scheduled, the standard in force before."""
    version = sitting.standard_version or standard_current()
    return version.rule_for(sitting.level) if version else None


def active_enrollments(sitting: Sitting) -> QuerySet[Enrollment]:
    return sitting.enrollments.filter(status=EnrollmentStatus.ENROLLED)


def room_rules(sitting: Sitting) -> list[RoomRule]:
    """Each room's examiner rule, with the candidates it has (or will have when seats are allocated)."""
    rule = sitting_rule(sitting)
    if rule is None:
        return []
    rooms = list(
        sitting.rooms.select_related("sitting__province").annotate(
            examiner_count=Count("assignments", distinct=True),
            chief_count=Count("assignments", filter=Q(assignments__is_chief=True), distinct=True),
        )
    )
    total = active_enrollments(sitting).count()
    seated = active_enrollments(sitting).filter(written_room__isnull=False).exists()
    loads: dict[int, int] = {}
    for kind, spread in ((RoomKind.WRITTEN, False), (RoomKind.PRACTICAL, True)):
        of_kind = [room for room in rooms if room.kind == kind]
        if seated:
            field = "written_room" if kind == RoomKind.WRITTEN else "practical_room"
            counts = dict(active_enrollments(sitting).values_list(field).annotate(n=Count("id")))
            loads.update({room.pk: counts.get(room.pk, 0) for room in of_kind})
        else:
            loads.update({room.pk: 0 for room in of_kind})
            loads.update(Counter(room.pk for room in room_turns(total, of_kind, spread=spread)))
    return [
        room_rule(
            room=room,
            rule=rule,
            candidates=loads.get(room.pk, 0),
            examiners=room.examiner_count,
            has_chief=room.chief_count > 0,
        )
        for room in rooms
    ]


def examiner_rooms(user: User) -> QuerySet[Room]:
    """Rooms an examiner is assigned to."""
    return (
        Room.objects.filter(assignments__examiner=user)
        .select_related("sitting")
        .order_by("-sitting__written_start", "kind", "number")
    )


def rooms_visible_to(user: User) -> QuerySet[Room]:
    """Rooms whose pages ``user`` may open: every room for a certification admin (read-only
    unless assigned), an examiner's own rooms, none for anyone else."""
    if user.is_cert_admin:
        return Room.objects.select_related("sitting")
    if user.is_examiner:
        return examiner_rooms(user)
    return Room.objects.none()


def room_examiners(room: Room) -> QuerySet[RoomExaminer]:
    return room.assignments.select_related("examiner").order_by("-is_chief", "examiner__username")


def candidate_enrollments(user: User) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(candidate__user=user, status=EnrollmentStatus.ENROLLED)
        .select_related("sitting", "written_room", "practical_room", "candidate__hall__branch")
        .order_by("-sitting__written_start")
    )


def enrollment_lock_own(enrollment: Enrollment, user: User) -> Enrollment:
    """The enrolment, row-locked for a start (so two tabs cannot start twice), if it is ``user``'s."""
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("sitting__standard_version", "candidate")
        .get(pk=enrollment.pk)
    )
    if enrollment.candidate.user_id != user.pk:
        raise PermissionDenied(_("这不是您的考试"))
    return enrollment
