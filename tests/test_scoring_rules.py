"""The pure scoring rules of grading/scoring, on hand-made cases (no database)."""

from decimal import Decimal

from grading.scoring.objective import grade_response
from grading.scoring.scene_panel import panel_round


def test_a_shuffled_single_choice_is_graded_through_the_candidates_option_order():
    # The item's key is its own option B (index 1); the candidate saw it as shown letter C.
    order = [2, 0, 1, 3]
    assert grade_response("single", "B", order, 1, ["C"], partial=False) == 1
    assert grade_response("single", "B", order, 1, ["B"], partial=False) == 0
    assert grade_response("single", "B", order, 1, [], partial=False) == 0


def test_multiple_choice_is_strict_unless_the_blueprint_allows_partial_credit():
    order = [0, 1, 2, 3]
    assert grade_response("multiple", "ACD", order, 2, ["A", "C", "D"], partial=False) == 2
    assert grade_response("multiple", "ACD", order, 2, ["A", "C"], partial=False) == 0
    assert grade_response("multiple", "ACD", order, 2, ["A", "C"], partial=True) == 1
    # A wrong option earns nothing, even with partial credit.
    assert grade_response("multiple", "ACD", order, 2, ["A", "B"], partial=True) == 0


def test_a_situational_answer_is_left_to_the_markers():
    assert grade_response("situational", "", [], 10, "回答", partial=False) is None


def test_fewer_than_the_minimum_panel_marks_give_no_result():
    state = panel_round([80, 82], minimum=3, threshold=15)
    assert state.result is None and state.mean is None and not state.needs_review


def test_a_spread_at_the_threshold_stands_and_one_above_it_waits_for_the_chief():
    at = panel_round([60, 70, 75], minimum=3, threshold=15)
    assert at.spread == 15 and at.result == Decimal("68.33") and at.status == "scored"
    above = panel_round([60, 70, 76], minimum=3, threshold=15)
    assert above.spread == 16 and above.result is None and above.needs_review and above.status == "review"
    confirmed = panel_round([60, 70, 76], minimum=3, threshold=15, confirmed=True)
    assert confirmed.result == Decimal("68.67") and not confirmed.needs_review
