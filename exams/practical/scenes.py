"""现场情景模拟: a panel of the practical room's examiners scores each candidate's scene.

Rules (DESIGN.md §6, issue 6):

- Each examiner of the room scores five dimensions (0–20 each) with a comment on
  each, independently: a panel member who has not submitted their own mark for a round sees
  nothing of it (no mark, no mean, no result, not even whether it is settled or waits for
  review) on any page or list (``scene_round_for``). The chief examiner is a panel member:
  they score first, blind like everyone, and review after (issue 11).
  A submitted mark is final for its round.
- The round's result (mean, spread, fewer than three) is the pure rule
  ``grading.scoring.scene_panel.panel_round``.
- A panel member who scores late still scores the same round, even while it waits for the
  chief examiner: the chief decides on every mark in. After the chief has confirmed a round
  it takes no more marks.
- A round whose spread is too wide waits for the room's chief examiner, who either confirms
  the marks (the mean stands) or asks for re-scoring (a new round; the old marks are kept).
  Either way with a reason, kept for audit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from certify.people.models import User
from certify.standard.models import LevelRule
from exams.planning.models import Enrollment, Room, RoomExaminer, RoomKind
from exams.practical.models import (
    SCENE_DIMENSION_POINTS,
    SCENE_DIMENSIONS,
    Scene,
    SceneDecision,
    SceneReview,
    SceneRun,
    SceneScore,
)
from grading.scoring.icc import Icc, icc, icc_by_panel
from grading.scoring.scene_panel import RoundState, panel_round

MAX_COMMENT = 500


def is_panel_member(user: User, room: Room) -> bool:
    return RoomExaminer.objects.filter(room=room, examiner=user).exists()


def is_chief(user: User, room: Room) -> bool:
    return RoomExaminer.objects.filter(room=room, examiner=user, is_chief=True).exists()


def scene_pick(enrollment: Enrollment) -> Scene:
    """The scene for this candidate: of the level's scenes, the one least used in the room so far."""
    level = enrollment.sitting.level
    scenes = [s for s in Scene.objects.order_by("code") if level in s.levels]
    if not scenes:
        raise ValidationError(_("没有适用于该级别的情景模拟脚本，请先载入实操素材"))
    used = dict(
        SceneRun.objects.filter(room_id=enrollment.practical_room_id)
        .values_list("scene_id")
        .annotate(n=Count("id"))
        .values_list("scene_id", "n")
    )
    offset = enrollment.pk % len(scenes)  # neighbours start from different scenes
    rotated = scenes[offset:] + scenes[:offset]
    return min(rotated, key=lambda scene: used.get(scene.pk, 0))


@transaction.atomic
def scene_run_start(*, enrollment: Enrollment, by: User, now: datetime | None = None) -> SceneRun:
    """Call the candidate in for their scene (an examiner of their practical room). Idempotent."""
    now = now or timezone.now()
    enrollment = Enrollment.objects.select_for_update(of=("self",)).select_related("sitting").get(pk=enrollment.pk)
    room = enrollment.practical_room
    if room is None or room.kind != RoomKind.PRACTICAL:
        raise ValidationError(_("该考生没有安排实操考场"))
    if not is_panel_member(by, room):
        raise PermissionDenied(_("您不是该考生实操考场的考评员"))
    if enrollment.practical_absent:
        raise ValidationError(_("该考生实操已标记缺考"))
    existing = SceneRun.objects.filter(enrollment=enrollment).first()
    if existing is not None:
        return existing
    return SceneRun.objects.create(enrollment=enrollment, room=room, scene=scene_pick(enrollment), started_at=now)


def clean_marks(marks, comments) -> tuple[dict[str, int], dict[str, str]]:
    """Five whole-number marks 0–20 and optional comments, or a ValidationError naming each problem."""
    errors = []
    if not isinstance(marks, dict):
        raise ValidationError(_("评分应为五个维度的分数"))
    unknown = set(marks) - set(SCENE_DIMENSIONS)
    if unknown:
        errors.append(_("未知的评分维度：%(names)s") % {"names": "、".join(sorted(unknown))})
    clean = {}
    for key, label in SCENE_DIMENSIONS.items():
        value = marks.get(key)
        # ASCII digits only: "²" and "１" are digits to str.isdigit() but not marks.
        if isinstance(value, str) and re.fullmatch(r"[0-9]{1,3}", value.strip()):
            value = int(value)
        if value is None or value == "":
            errors.append(_("请为“%(dim)s”评分") % {"dim": label})
        elif not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= SCENE_DIMENSION_POINTS:
            errors.append(_("“%(dim)s”的分数应为 0–%(max)s 的整数") % {"dim": label, "max": SCENE_DIMENSION_POINTS})
        else:
            clean[key] = value
    comments = comments or {}
    if not isinstance(comments, dict):
        errors.append(_("评语格式不正确"))
        comments = {}
    notes = {}
    for key, text in comments.items():
        if key not in SCENE_DIMENSIONS:
            continue
        text = str(text or "").strip()
        if len(text) > MAX_COMMENT:
            errors.append(_("评语不能超过 %(n)s 字") % {"n": MAX_COMMENT})
        elif text:
            notes[key] = text
    if errors:
        raise ValidationError(errors)
    return clean, notes


def scene_round_states(runs) -> dict[int, RoundState]:
    """Each run's current round (run id → state) in three queries, whatever the number of runs.

    ``runs`` should come with ``enrollment__sitting`` selected."""
    runs = list(runs)
    if not runs:
        return {}
    current = Q()
    for run in runs:
        current |= Q(run_id=run.pk, round=run.round)
    totals: dict[int, list[int]] = {run.pk: [] for run in runs}
    for run_id, total in SceneScore.objects.filter(current).values_list("run_id", "total"):
        totals[run_id].append(total)
    confirmed = set(
        SceneReview.objects.filter(current, decision=SceneDecision.CONFIRM).values_list("run_id", flat=True)
    )
    rules = {
        (rule.version_id, rule.level): rule
        for rule in LevelRule.objects.filter(version__in={run.enrollment.sitting.standard_version_id for run in runs})
    }
    states = {}
    for run in runs:
        sitting = run.enrollment.sitting
        rule = rules[(sitting.standard_version_id, sitting.level)]
        states[run.pk] = panel_round(
            totals[run.pk],
            round=run.round,
            minimum=rule.practical_min_examiners,
            threshold=rule.scene_spread_threshold,
            confirmed=run.pk in confirmed,
        )
    return states


def scene_round_state(run: SceneRun) -> RoundState:
    return scene_round_states([run])[run.pk]


def _settle(run: SceneRun, now: datetime) -> SceneRun:
    state = scene_round_state(run)
    run.result = state.result
    run.result_at = now if state.result is not None else None
    run.save(update_fields=["result", "result_at"])
    return run


@transaction.atomic
def scene_score_submit(
    *, run: SceneRun, examiner: User, marks, comments=None, now: datetime | None = None
) -> SceneScore:
    """One examiner's marks for the current round. Final once submitted."""
    now = now or timezone.now()
    run = SceneRun.objects.select_for_update().select_related("enrollment__sitting").get(pk=run.pk)
    if not is_panel_member(examiner, run.room):
        raise PermissionDenied(_("您不是该考场的考评员"))
    if SceneReview.objects.filter(run=run, round=run.round, decision=SceneDecision.CONFIRM).exists():
        raise ValidationError(_("本轮评分已由考评组长确认，不能再提交"))
    if SceneScore.objects.filter(run=run, round=run.round, examiner=examiner).exists():
        raise ValidationError(_("您已提交本轮评分，不能修改"))
    clean, notes = clean_marks(marks, comments)
    score = SceneScore.objects.create(
        run=run,
        round=run.round,
        examiner=examiner,
        marks=clean,
        comments=notes,
        total=sum(clean.values()),
        submitted_at=now,
    )
    _settle(run, now)
    return score


def scene_scores_visible(run: SceneRun, user: User) -> list[SceneScore]:
    """The current round's marks ``user`` may read: none until they submitted their own (the
    chief examiner too: they are a panel member, and review only after scoring)."""
    scores = SceneScore.objects.filter(run=run, round=run.round).select_related("examiner")
    if scores.filter(examiner=user).exists():
        return list(scores)
    return []


@dataclass(frozen=True)
class BlindRound:
    """All a panel member who has not scored the current round may know of it: that it waits for
    their mark. No count of marks in, no mean, no result, no "needs review" (each would tell them
    where the others stand before they score)."""

    round: int
    status: str = "blind"
    needs_review: bool = False
    result: None = None
    submitted: None = None
    minimum: None = None


def is_closed(state: RoundState) -> bool:
    """The chief examiner confirmed the round: it takes no more marks, so nothing is left to protect."""
    return state.result is not None and state.spread is not None and state.spread > state.threshold


def scene_round_for(state: RoundState, *, member: bool, scored: bool) -> RoundState | BlindRound:
    """The round as ``viewer`` may see it: blind for a panel member (the chief included) who has
    not scored it, unless it is closed. Every page and list that shows a round goes through this."""
    if member and not scored and not is_closed(state):
        return BlindRound(round=state.round)
    return state


def scene_rounds_scored_by(user: User, runs) -> set[tuple[int, int]]:
    """(run id, round) of the ``runs`` that ``user`` has scored, in one query."""
    return set(SceneScore.objects.filter(run__in=runs, examiner=user).values_list("run_id", "round"))


@transaction.atomic
def scene_review(*, run: SceneRun, chief: User, decision: str, reason: str, now: datetime | None = None) -> SceneReview:
    """The chief examiner settles a round whose spread is above the threshold."""
    now = now or timezone.now()
    run = SceneRun.objects.select_for_update().select_related("enrollment__sitting").get(pk=run.pk)
    if not is_chief(chief, run.room):
        raise PermissionDenied(_("只有本考场的考评组长可以复核"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写复核理由"))
    if decision not in SceneDecision.values:
        raise ValidationError(_("复核决定应为“确认评分”或“要求重新评分”"))
    if not SceneScore.objects.filter(run=run, round=run.round, examiner=chief).exists():
        # The chief is a panel member: their own mark comes first, blind like everyone's.
        raise ValidationError(_("请先提交您本轮的评分，再进行复核"))
    state = scene_round_state(run)
    if not state.needs_review:
        raise ValidationError(_("本轮评分无需复核"))
    review = SceneReview.objects.create(
        run=run, round=run.round, chief=chief, decision=decision, reason=reason, spread=state.spread, at=now
    )
    if decision == SceneDecision.RESCORE:
        run.round += 1
        run.save(update_fields=["round"])
    _settle(run, now)
    return review


# --- inter-rater reliability ----------------------------------------------------------------


@dataclass(frozen=True)
class Reliability:
    label: str
    single: Icc  # one examiner's mark
    panel: Icc  # the panel mean, i.e. the score a candidate gets


def _final_totals(runs) -> dict[int, dict[int, float]]:
    """run → examiner → total, from each run's settled round, in one query."""
    data: dict[int, dict[int, float]] = {run.pk: {} for run in runs}
    settled = Q(pk__in=[])
    for run in runs:
        settled |= Q(run_id=run.pk, round=run.round)
    for run_id, examiner, total in SceneScore.objects.filter(settled).values_list("run_id", "examiner_id", "total"):
        data[run_id][examiner] = float(total)
    return data


def scene_reliability(sitting) -> list[Reliability]:
    """ICC per practical room (the same panel scores everyone: two-way random, absolute agreement,
    ICC(2,1) and ICC(2,k)) and for the whole sitting (panels differ between rooms: one-way, ICC(1,1)
    and ICC(1,k)). Only settled scenes count."""
    runs = list(SceneRun.objects.filter(enrollment__sitting=sitting, result__isnull=False).select_related("room"))
    out = []
    for room in sorted({run.room for run in runs}, key=lambda r: r.number):
        data = _final_totals([run for run in runs if run.room_id == room.pk])
        examiners = sorted({e for marks in data.values() for e in marks})
        complete = [[marks[e] for e in examiners] for marks in data.values() if set(marks) == set(examiners)]
        out.append(Reliability(room.name, icc(complete, "ICC(2,1)"), icc(complete, "ICC(2,k)")))
    if runs:
        data = _final_totals(runs)
        out.append(Reliability(_("全批次"), icc_by_panel(data, "ICC(1,1)"), icc_by_panel(data, "ICC(1,k)")))
    return out


def scenes_waiting_for(user: User) -> tuple[list[SceneRun], list[SceneRun]]:
    """What the examiner's home page lists: scenes in their rooms they have not scored in this
    round (whatever the others did: a round already settled by three marks still waits for a
    late member's, and the list must not tell them it is settled), and, for a room's chief, the
    scenes they scored whose spread waits for their review."""
    rooms = RoomExaminer.objects.filter(examiner=user)
    chief_rooms = set(rooms.filter(is_chief=True).values_list("room_id", flat=True))
    mine = SceneScore.objects.filter(run=OuterRef("pk"), round=OuterRef("round"), examiner=user)
    runs = (
        SceneRun.objects.filter(room__in=rooms.values("room"))
        .annotate(scored_by_me=Exists(mine))
        .select_related("enrollment__candidate", "enrollment__sitting__standard_version", "scene", "room")
    )
    unscored = list(runs.filter(scored_by_me=False).order_by("started_at")[:50])
    to_review_candidates = list(
        runs.filter(scored_by_me=True, result__isnull=True, room__in=chief_rooms).order_by("started_at")[:50]
    )
    states = scene_round_states(unscored + to_review_candidates)
    to_score = [run for run in unscored if not is_closed(states[run.pk])]
    to_review = [run for run in to_review_candidates if states[run.pk].needs_review]
    return to_score, to_review
