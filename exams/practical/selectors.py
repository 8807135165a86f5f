"""Reads of the practical session."""

from __future__ import annotations

from exams.planning.models import Enrollment
from exams.practical.models import BusinessAttempt, SceneRun, TypingAttempt
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
