"""Reads of the results: each candidate's result computed from the frozen rules, what blocks a
sitting's publication, the preview, and what a candidate may see."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from exams.planning.models import (
    Enrollment,
    EnrollmentStatus,
    Room,
    RoomAction,
    RoomEvent,
    RoomExaminer,
    RoomKind,
    Sitting,
    SittingStatus,
)
from exams.practical.models import BusinessAttempt, PartStatus, SceneRun, TypingAttempt
from exams.practical.scenes import scene_round_states
from exams.written.models import Attempt, AttemptStatus, RoomPause
from grading.marking.models import Script, ScriptStatus, TeamMember
from grading.marking.selectors import written_scores
from grading.results.models import Outcome, Result, RoomSignOff
from grading.scoring.practical import PARTS
from grading.scoring.result import Decision, ResultRules, result_decide, result_rules


def sitting_rules(sitting: Sitting) -> ResultRules:
    """The result rule's parameters from the sitting's frozen standard version (never the current one)."""
    return result_rules(sitting.standard_version.rule_for(sitting.level))


@dataclass(frozen=True)
class Computed:
    enrollment: Enrollment
    decision: Decision


def _practical_parts(enrollments: list[Enrollment], closed: bool) -> tuple[dict, dict]:
    """Each enrollment's typing / business / scene score and what is missing of them, in bulk."""
    ids = [e.pk for e in enrollments]
    typing = {
        row[0]: row[1:]
        for row in TypingAttempt.objects.filter(enrollment_id__in=ids).values_list("enrollment_id", "status", "score")
    }
    business = {
        row[0]: row[1:]
        for row in BusinessAttempt.objects.filter(enrollment_id__in=ids).values_list("enrollment_id", "status", "score")
    }
    runs = list(SceneRun.objects.filter(enrollment_id__in=ids).select_related("enrollment__sitting"))
    unscored = [run for run in runs if run.result is None]
    states = scene_round_states(unscored) if unscored else {}
    scenes = {run.enrollment_id: run for run in runs}
    parts: dict[int, dict[str, Decimal | None]] = {}
    missing: dict[int, list[str]] = defaultdict(list)
    for enrollment_id in ids:
        got: dict[str, Decimal | None] = {}
        for name, rows in (("typing", typing), ("business", business)):
            row = rows.get(enrollment_id)
            if row is None:
                got[name] = Decimal(0) if closed else None
                if not closed:
                    missing[enrollment_id].append(_("%(part)s未开始") % {"part": PARTS[name]})
            elif row[0] != PartStatus.SUBMITTED or row[1] is None:
                got[name] = None
                missing[enrollment_id].append(_("%(part)s未提交") % {"part": PARTS[name]})
            else:
                got[name] = row[1]
        run = scenes.get(enrollment_id)
        if run is None:
            got["scene"] = Decimal(0) if closed else None
            if not closed:
                missing[enrollment_id].append(_("情景模拟未开始"))
        elif run.result is None:
            got["scene"] = None
            state = states.get(run.pk)
            waiting = _("待考评组长复核") if state is not None and state.needs_review else _("待评分")
            missing[enrollment_id].append(_("情景模拟%(state)s") % {"state": waiting})
        else:
            got["scene"] = run.result
        parts[enrollment_id] = got
    return parts, missing


def sitting_results(sitting: Sitting, *, now: datetime | None = None) -> list[Computed]:
    """Every enrolled candidate's result, computed now from the sitting's frozen rules.

    A practical part never started counts 0 once the practical window is over (the candidate was
    not marked absent); a part started and not finished, or a scene not yet scored, is missing.
    """
    now = now or timezone.now()
    rules = sitting_rules(sitting)
    enrollments = list(
        Enrollment.objects.filter(sitting=sitting)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .select_related("candidate__hall__branch", "written_room", "practical_room")
        .order_by("admission_no", "pk")
    )
    attempts = dict(Attempt.objects.filter(enrollment__in=enrollments).values_list("enrollment_id", "pk"))
    written = written_scores(attempts.values())
    misconduct = dict(
        RoomEvent.objects.filter(enrollment__in=enrollments, action=RoomAction.MISCONDUCT)
        .order_by("at")
        .values_list("enrollment_id", "reason")
    )
    parts, practical_missing = _practical_parts(enrollments, closed=now > sitting.practical_end)
    out = []
    for enrollment in enrollments:
        score = written.get(attempts.get(enrollment.pk))
        missing = []
        if score is None:
            missing.append(_("未参加笔试（未标记缺考）") if now > sitting.written_end else _("笔试未交卷"))
            objective = situational = None
        else:
            missing.extend(score.missing)
            objective = score.objective
            situational = score.situational if score.complete else None
        missing.extend(practical_missing.get(enrollment.pk, []))
        decision = result_decide(
            rules=rules,
            objective=objective,
            situational=situational,
            **parts[enrollment.pk],
            missing=missing,
            written_absent=enrollment.status == EnrollmentStatus.ABSENT,
            practical_absent=enrollment.practical_absent,
            misconduct=misconduct.get(enrollment.pk),
        )
        out.append(Computed(enrollment, decision))
    return out


# --- what blocks publication ----------------------------------------------------------------------


def room_blockers(room: Room) -> list[str]:
    """What keeps ``room`` from being signed off, as sentences naming the room."""
    blockers = []
    if room.kind == RoomKind.WRITTEN:
        open_attempts = Attempt.objects.filter(enrollment__written_room=room, status=AttemptStatus.IN_PROGRESS)
        if n := open_attempts.count():
            blockers.append(_("%(room)s：%(n)s 份笔试答卷未交卷") % {"room": room.name, "n": n})
        scripts = Script.objects.filter(attempt__enrollment__written_room=room).exclude(status=ScriptStatus.FINAL)
        if n := scripts.exclude(status=ScriptStatus.ARBITRATION).count():
            blockers.append(_("%(room)s：%(n)s 份情景分析答卷待评") % {"room": room.name, "n": n})
        if n := scripts.filter(status=ScriptStatus.ARBITRATION).count():
            blockers.append(_("%(room)s：%(n)s 份情景分析答卷待仲裁") % {"room": room.name, "n": n})
        missing = Enrollment.objects.filter(written_room=room, status=EnrollmentStatus.ENROLLED, attempt__isnull=True)
        if n := missing.count():
            blockers.append(_("%(room)s：%(n)s 名考生未参加笔试且未标记缺考") % {"room": room.name, "n": n})
        if RoomPause.objects.filter(room=room, ended_at__isnull=True).exists():
            blockers.append(_("%(room)s：考场暂停尚未恢复") % {"room": room.name})
    else:
        for model, label in ((TypingAttempt, _("文字阅录")), (BusinessAttempt, _("业务受理"))):
            if n := model.objects.filter(enrollment__practical_room=room, status=PartStatus.IN_PROGRESS).count():
                blockers.append(_("%(room)s：%(n)s 份%(part)s未提交") % {"room": room.name, "n": n, "part": label})
        runs = list(SceneRun.objects.filter(room=room, result__isnull=True).select_related("enrollment__sitting"))
        states = scene_round_states(runs) if runs else {}
        review = sum(1 for state in states.values() if state.needs_review)
        if review:
            blockers.append(_("%(room)s：%(n)s 个情景模拟待组长复核") % {"room": room.name, "n": review})
        if len(runs) - review:
            blockers.append(_("%(room)s：%(n)s 个情景模拟待评分") % {"room": room.name, "n": len(runs) - review})
    return blockers


@dataclass(frozen=True)
class RoomState:
    room: Room
    blockers: list[str]
    signed_off: RoomSignOff | None


def sitting_rooms_state(sitting: Sitting) -> list[RoomState]:
    signed = {s.room_id: s for s in RoomSignOff.objects.filter(room__sitting=sitting).select_related("by")}
    rooms = sitting.rooms.order_by("-kind", "number")  # written rooms first
    return [RoomState(room, room_blockers(room), signed.get(room.pk)) for room in rooms]


def publication_blockers(sitting: Sitting, rooms: list[RoomState] | None = None) -> list[str]:
    """Everything that keeps ``sitting`` from being published, each naming its room or reason.

    ``rooms``: the sitting's :func:`sitting_rooms_state` when the caller already has it."""
    if sitting.status == SittingStatus.PUBLISHED:
        return [_("成绩已发布")]
    if sitting.status != SittingStatus.MARKING:
        return [_("批次尚未进入阅卷阶段（当前状态：%(status)s）") % {"status": sitting.get_status_display()}]
    blockers = []
    for state in sitting_rooms_state(sitting) if rooms is None else rooms:
        blockers.extend(state.blockers)
        if state.signed_off is None:
            blockers.append(_("%(room)s：考评组长尚未签认") % {"room": state.room.name})
    return blockers


def may_sign_off(user, room: Room) -> bool:
    """The room's chief examiner; for a written room also the sitting's marking chief; and admins."""
    if user.is_cert_admin:
        return True
    if RoomExaminer.objects.filter(room=room, examiner=user, is_chief=True).exists():
        return True
    return (
        room.kind == RoomKind.WRITTEN
        and TeamMember.objects.filter(sitting=room.sitting, user=user, is_chief=True).exists()
    )


# --- the preview ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    total: int
    counts: dict[str, int]  # outcome label → count
    pass_rate: Decimal | None  # passes ÷ those with a result (absent and incomplete excluded from neither)
    by_hall: list[tuple[str, int, int, Decimal | None]]  # hall, candidates, passes, rate
    incomplete: list[Computed]


def _rate(passes: int, total: int) -> Decimal | None:
    return (Decimal(100) * passes / total).quantize(Decimal("0.1")) if total else None


def sitting_preview(sitting: Sitting, computed: list[Computed] | None = None) -> Preview:
    """Counts by outcome, the pass rate (passes ÷ candidates) for the sitting's level and per hall."""
    computed = sitting_results(sitting) if computed is None else computed
    counts = Counter(c.decision.outcome for c in computed)
    halls: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c in computed:
        hall = str(c.enrollment.candidate.hall)
        halls[hall][0] += 1
        halls[hall][1] += c.decision.outcome == Outcome.PASSED
    return Preview(
        total=len(computed),
        counts={str(Outcome(value).label): counts.get(value, 0) for value in Outcome.values},
        pass_rate=_rate(counts.get(Outcome.PASSED, 0), len(computed)),
        by_hall=[(hall, n, p, _rate(p, n)) for hall, (n, p) in sorted(halls.items())],
        incomplete=[c for c in computed if c.decision.outcome == Outcome.INCOMPLETE],
    )


# --- what a candidate sees ------------------------------------------------------------------------------


def results_for_candidate(candidate) -> list[Result]:
    """The candidate's published results, newest sitting first. Nothing before publication."""
    return list(
        Result.objects.filter(candidate=candidate, published=True)
        .select_related("sitting")
        .prefetch_related("certificates", "review_requests")
        .order_by("-sitting__written_start")
    )


def sitting_published_results(sitting: Sitting):
    return Result.objects.filter(sitting=sitting, published=True).select_related(
        "candidate__hall__branch", "enrollment"
    )
