"""Results under the 60/60 rule: the rule's outcomes and boundaries, the frozen standard, room
sign-off, the one atomic publication, and what candidates see."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from certify.standard.services import standard_revise
from exams.planning.models import Enrollment
from exams.practical.material import material_load
from exams.practical.typing import typing_save, typing_start, typing_submit
from grading.results.selectors import sitting_results
from grading.scoring.result import ResultRules, result_decide
from tests.exam_helpers import running_now, synthetic_bank
from tests.results_helpers import Plan, after, played_sitting

RULES = ResultRules(written_pass_mark=60, practical_pass_mark=60, weights={"typing": 30, "business": 40, "scene": 30})


def decide(written="70", practical="70", **kwargs):
    """Objective + situational = ``written``; the three practical parts equal (so the total is ``practical``)."""
    values = {
        "objective": Decimal(written),
        "situational": Decimal(0),
        "typing": Decimal(practical),
        "business": Decimal(practical),
        "scene": Decimal(practical),
    }
    values.update(kwargs)
    return result_decide(rules=RULES, **values)


@pytest.mark.parametrize(
    ("score", "passes"), [("59.9", False), ("59.95", False), ("59.99", False), ("60.0", True), ("60.00", True)]
)
def test_the_written_boundary_is_never_rounded_up_into_a_pass(score, passes):
    result = decide(written=score)
    assert (result.outcome == "passed") is passes
    if not passes:
        assert (
            result.outcome == "failed"
            and result.detail == f"笔试 {Decimal(score).quantize(Decimal('0.01'))} 分，低于合格分 60 分"
        )


@pytest.mark.parametrize(("score", "passes"), [("59.9", False), ("59.95", False), ("60.0", True)])
def test_the_practical_boundary_is_never_rounded_up_into_a_pass(score, passes):
    result = decide(practical=score)
    assert (result.outcome == "passed") is passes
    assert result.practical == Decimal(score).quantize(Decimal("0.01"))
    if not passes:
        assert result.failed_parts == ["practical"]


def test_the_weighted_practical_total_is_rounded_half_up_to_a_cent_before_it_is_compared():
    # 30 × 59.85 + 40 × 60 + 30 × 60 = 5995.5 → 59.955 → 59.96: fails.
    result = decide(typing=Decimal("59.85"), business=Decimal(60), scene=Decimal(60))
    assert result.practical == Decimal("59.96") and result.outcome == "failed"


def test_both_parts_failing_are_both_named():
    result = decide(written="40", practical="50")
    assert result.failed_parts == ["written", "practical"]
    assert result.detail == "笔试 40.00 分，低于合格分 60 分；实操 50.00 分，低于合格分 60 分"


def test_the_pass_marks_come_from_the_rules():
    strict = ResultRules(written_pass_mark=70, practical_pass_mark=65, weights=RULES.weights)
    assert (
        result_decide(
            rules=strict,
            objective=Decimal(69),
            situational=Decimal(0),
            typing=Decimal(80),
            business=Decimal(80),
            scene=Decimal(80),
        ).outcome
        == "failed"
    )
    assert decide(written="69").outcome == "passed"


def test_misconduct_comes_first_with_the_examiners_reason():
    result = decide(misconduct="携带手机", written_absent=True)
    assert result.outcome == "misconduct" and result.detail == "违纪：携带手机"


def test_absence_names_the_part_missed():
    assert decide(written_absent=True).detail == "笔试缺考"
    assert decide(practical_absent=True).detail == "实操缺考"
    assert decide(written_absent=True, practical_absent=True).detail == "笔试、实操缺考"
    assert decide(practical_absent=True).practical is None


def test_an_incomplete_result_says_what_is_missing():
    result = decide(scene=None, missing=["第 61 题（情景分析）待二评", "情景模拟待考评组长复核"])
    assert result.outcome == "incomplete"
    assert result.detail == "成绩未完成：第 61 题（情景分析）待二评；情景模拟待考评组长复核"
    assert decide(typing=None).detail == "成绩未完成：文字阅录未评分"


def test_a_played_sitting_gives_every_outcome(org, standard):
    sitting = played_sitting(
        org,
        {
            1: Plan(),
            2: Plan(objective_share=0.3, situational_share=0.2),
            3: Plan(written_absent=True),
            4: Plan(misconduct="夹带资料"),
            5: Plan(scene_scored=False),
            6: Plan(practical_absent=True),
        },
        candidates=6,
    )
    results = {c.enrollment.candidate.employee_no: c.decision for c in sitting_results(sitting, now=after(sitting))}
    assert results["C00001"].outcome == "passed", results["C00001"]
    assert results["C00001"].written == Decimal(100)
    assert results["C00002"].outcome == "failed" and results["C00002"].failed_parts == ["written"]
    assert results["C00003"].outcome == "absent" and results["C00003"].detail == "笔试缺考"
    assert results["C00004"].outcome == "misconduct" and results["C00004"].detail == "违纪：夹带资料"
    assert results["C00005"].outcome == "incomplete" and results["C00005"].detail == "成绩未完成：情景模拟待评分"
    assert results["C00006"].outcome == "absent" and results["C00006"].detail == "实操缺考"


def test_a_running_sitting_keeps_the_typing_floor_it_froze(org, standard, hr):
    synthetic_bank()
    material_load()
    sitting = running_now(org, candidates=1, practical=True)
    enrollment = Enrollment.objects.select_related("candidate__user").get(sitting=sitting)
    attempt = typing_start(enrollment=enrollment, user=enrollment.candidate.user)
    revised = standard_revise(changes={5: {"typing_accuracy_floor": 99}}, note="提高正确率下限", by=hr)
    assert revised.rule_for(5).typing_accuracy_floor == 99
    # 95 % accurate: above the frozen floor (90), below the revised one (99).
    text = attempt.passage.text[:100]
    typed = "".join("某" if i % 20 == 0 else ch for i, ch in enumerate(text))
    typing_save(attempt=attempt, text=typed, seq=1, keystrokes=len(typed), now=timezone.now())
    attempt = typing_submit(attempt=attempt)
    assert Decimal(attempt.result["accuracy"]) < Decimal("0.99") and attempt.score > 0
