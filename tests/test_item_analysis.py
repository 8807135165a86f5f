"""Item analysis on a small hand-computed data set, and its flags reaching the bank's item page."""

from __future__ import annotations

import pytest

from grading.statistics.item_analysis import MIN_RESPONSES, ItemInfo, item_analysis
from grading.statistics.services import item_analysis_store
from question_bank.models import ItemFlag, ItemStatistics
from tests.conftest import client_for
from tests.export_helpers import sat_with_events

# Five candidates, one paper: positions 1–5 hold single-choice items 101–105 (1 point, key A,
# four options), position 6 the situational item 107 (10 points). Item 106 is on no paper.
#            101 102 103 104 105 | 107   total   objective right
#   c1        1   1   0   1   1  |  8     12      4   (chose C on 103)
#   c2        1   1   1   0   1  |  6     10      4
#   c3        1   1   0   1   1  |  5      9      4
#   c4        1   0   0   0   1  |  3      5      2
#   c5        0   0   1   0   1  |  2      4      2   (chose B on 101)
GRID = {
    1: [1, 1, 0, 1, 1, 8],
    2: [1, 1, 1, 0, 1, 6],
    3: [1, 1, 0, 1, 1, 5],
    4: [1, 0, 0, 0, 1, 3],
    5: [0, 0, 1, 0, 1, 2],
}
WRONG = {(1, 103): "C", (5, 101): "B"}
ITEMS = {
    **{item: ItemInfo(kind="single", key="A", options=4) for item in (101, 102, 103, 104, 105, 106)},
    107: ItemInfo(kind="situational"),
}


def responses():
    for candidate, row in GRID.items():
        for position, (item, points) in enumerate(zip((101, 102, 103, 104, 105, 107), row, strict=True), start=1):
            if item == 107:
                yield candidate, position, item, points, 10, ""
            else:
                yield candidate, position, item, points, 1, "A" if points else WRONG.get((candidate, item), "D")


def figures(analysis, item):
    return next(f for f in analysis.items if f.item_id == item)


def test_facility_discrimination_and_reliability_match_the_hand_computed_values():
    analysis = item_analysis(items=ITEMS, responses=responses(), min_responses=1)
    assert analysis.candidates == 5
    # Facility: share of points. 101: 4/5; 107: (8+6+5+3+2)/50.
    assert [figures(analysis, i).facility for i in (101, 102, 103, 104, 105, 107)] == [0.8, 0.6, 0.4, 0.4, 1.0, 0.48]
    # Point-biserial of 101 against the rest: x = 1,1,1,1,0; rest = 11,9,8,4,4 (mean 7.2);
    # cov = (0.2·3.8 + 0.2·1.8 + 0.2·0.8 + 0.2·(−3.2) + (−0.8)·(−3.2))/5 = 0.64;
    # sd(x) = 0.4, sd(rest) = √(38.8/5) = 2.78568 → r = 0.64 / 1.11427 = 0.5744.
    assert figures(analysis, 101).point_biserial == pytest.approx(0.5744, abs=1e-4)
    assert figures(analysis, 103).point_biserial == pytest.approx(-0.4082, abs=1e-4)  # −1/√6
    # Upper and lower 27 % of five: one candidate each (c1 with 12, c5 with 4).
    assert [figures(analysis, i).upper_lower for i in (101, 102, 103, 104, 105, 107)] == [1.0, 1.0, -1.0, 1.0, 0.0, 0.6]
    # KR-20 over positions 1–5: Σpq = .16+.24+.24+.24+0 = .88; number right 4,4,4,2,2 has
    # variance .96 → 5/4 · (1 − .88/.96) = 0.1042.
    assert analysis.kr20 == pytest.approx(0.1042, abs=1e-4)
    # α over all six positions: Σ item variances = .88 + 4.56 = 5.44; totals 12,10,9,5,4 have
    # variance 9.2 → 6/5 · (1 − 5.44/9.2) = 0.4904.
    assert analysis.alpha == pytest.approx(0.4904, abs=1e-4)
    assert (analysis.objective_positions, analysis.positions) == (5, 6)


def test_an_item_everyone_answered_right_has_no_correlation_and_is_flagged_too_easy():
    analysis = item_analysis(items=ITEMS, responses=responses(), min_responses=1)
    easy = figures(analysis, 105)
    assert (easy.facility, easy.point_biserial, easy.flags) == (1.0, None, ["too_easy"])


def test_an_item_nobody_saw_gets_no_figures():
    unseen = figures(item_analysis(items=ITEMS, responses=responses(), min_responses=1), 106)
    assert (unseen.responses, unseen.too_few, unseen.facility, unseen.flags) == (0, True, None, [])


def test_distractors_are_counted_per_group_and_a_distractor_beating_the_key_is_flagged():
    analysis = item_analysis(items=ITEMS, responses=responses(), min_responses=1)
    weak = figures(analysis, 103)
    assert [(o.letter, o.is_key, o.upper, o.lower) for o in weak.options] == [
        ("A", True, 0, 1),
        ("B", False, 0, 0),
        ("C", False, 1, 0),
        ("D", False, 0, 0),
    ]
    assert weak.flags == ["low_discrimination", "distractor_beats_key"]
    assert figures(analysis, 101).flags == [] and figures(analysis, 107).options == []
    assert set(ItemFlag.values) >= {flag for f in analysis.items for flag in f.flags}


def test_below_the_minimum_number_of_responses_there_are_no_figures():
    analysis = item_analysis(items=ITEMS, responses=responses())
    assert MIN_RESPONSES == 30
    assert all(f.too_few and f.facility is None and not f.flags for f in analysis.items)
    assert (analysis.kr20, analysis.alpha) == (None, None)


def test_unmarked_situational_answers_are_left_out():
    rows = [(c, p, i, None if i == 107 else s, m, ch) for c, p, i, s, m, ch in responses()]
    analysis = item_analysis(items=ITEMS, responses=rows, min_responses=1)
    assert figures(analysis, 107).responses == 0 and analysis.positions == 5


@pytest.mark.django_db
def test_a_flag_reaches_the_bank_items_page(org, hr):
    sitting = sat_with_events(org)
    item_analysis_store(sitting=sitting, min_responses=1)
    flagged = next(s for s in ItemStatistics.objects.select_related("item_version") if "too_hard" in s.flags)
    assert flagged is not None and flagged.facility == 0.0
    page = client_for(hr).get(f"/bank/items/{flagged.item_version.item_id}/").content.decode()
    assert 'data-testid="item-statistics"' in page
    assert "过难（通过率 &lt; 0.20）" in page and f"{sitting.code} {sitting.name}" in page
