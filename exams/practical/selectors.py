"""Reads of the practical session."""

from __future__ import annotations

from exams.planning.models import Enrollment, Room
from exams.planning.selectors import sitting_rule
from exams.practical.models import BusinessAttempt, PartStatus, SceneRun, TypingAttempt
from exams.practical.scenes import is_panel_member, scene_round_for, scene_round_states, scene_rounds_scored_by
from exams.sweep import parts_finalize_expired
from grading.scoring.practical import PracticalScore, practical_total, practical_weights


def practical_score(enrollment: Enrollment, *, closed: bool = False) -> PracticalScore:
    """One candidate's practical score, read from the database."""
    sitting = enrollment.sitting
    weights = practical_weights(sitting.standard_version.rule_for(sitting.level))
    if enrollment.practical_absent:
        return practical_total({}, weights, absent=True)
    typing = TypingAttempt.objects.filter(enrollment=enrollment, status="submitted").values_list("score", flat=True)
    business = BusinessAttempt.objects.filter(enrollment=enrollment, status="submitted").values_list("score", flat=True)
    scene = SceneRun.objects.filter(enrollment=enrollment).values_list("result", flat=True)
    parts = {"typing": typing.first(), "business": business.first(), "scene": scene.first()}
    return practical_total(parts, weights, closed=closed)


def practical_room_rows(room: Room, user) -> tuple[list[dict], list]:
    """Each candidate's three parts as ``user`` may see them (a panel member who has not scored a
    round sees it blind), and the rounds waiting for the chief's review. The page and its live
    JSON (exams.api.RoomLiveApi) both read this."""
    # Nothing shown here is still in progress past its deadline + grace: submit those first.
    parts_finalize_expired(practical_room=room)
    enrollments = (
        room.sitting.enrollments.filter(practical_room=room)
        .exclude(status="withdrawn")
        .select_related("candidate__hall__branch", "sitting__standard_version")
        .order_by("seat", "admission_no")
    )
    typing = {t.enrollment_id: t for t in TypingAttempt.objects.filter(enrollment__in=enrollments)}
    business = {b.enrollment_id: b for b in BusinessAttempt.objects.filter(enrollment__in=enrollments)}
    runs = {
        r.enrollment_id: r
        for r in SceneRun.objects.filter(enrollment__in=enrollments).select_related("scene", "enrollment__sitting")
    }
    mine = scene_rounds_scored_by(user, runs.values())
    member = is_panel_member(user, room)
    # A panel member who has not scored a round sees nothing of it (scenes.scene_round_for).
    states = {
        run_id: scene_round_for(state, member=member, scored=(run_id, state.round) in mine)
        for run_id, state in scene_round_states(runs.values()).items()
    }
    rule = sitting_rule(room.sitting)
    weights = practical_weights(rule) if rule else {}

    def submitted(part):
        return part.score if part is not None and part.status == PartStatus.SUBMITTED else None

    rows, reviews = [], []
    for enrollment in enrollments:
        run = runs.get(enrollment.pk)
        state = states.get(run.pk) if run else None
        if state and state.needs_review:
            reviews.append((enrollment, run, state))
        parts = {
            "typing": submitted(typing.get(enrollment.pk)),
            "business": submitted(business.get(enrollment.pk)),
            "scene": run.result if run and state.result is not None else None,
        }
        rows.append(
            {
                "enrollment": enrollment,
                "typing": typing.get(enrollment.pk),
                "business": business.get(enrollment.pk),
                "run": run,
                "state": state,
                "scored_by_me": run is not None and (run.pk, run.round) in mine,
                "score": practical_total(parts, weights, absent=enrollment.practical_absent),
            }
        )
    return rows, reviews


def practical_row_signature(row: dict) -> str:
    """What the row shows, as one string: it changes exactly when the row's cells would."""
    t, b, run, state = row["typing"], row["business"], row["run"], row["state"]
    shown = [
        row["enrollment"].practical_absent,
        t and (t.status, t.score, t.pastes, t.focus_losses),
        b and (b.status, b.score),
        run and (run.pk, run.round, run.result, state.status, state.submitted, state.minimum),
        row["scored_by_me"],
        row["score"].total,
    ]
    return repr(shown)
