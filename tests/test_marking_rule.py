"""The pure marking rules (grading/scoring/marking.py) and the key-point highlighting."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grading.marking import highlight as hl
from grading.scoring.marking import decide, default_tolerance, marker_drift, point_choices, script_total

SHIPPED = json.loads((Path(__file__).resolve().parent.parent / "fixtures/bank/6-situational.json").read_text())
RECHARGE = next(item for item in SHIPPED if item["stem"].startswith("营业员在服务中犯了什么错误"))


@pytest.mark.parametrize(
    ("marks", "status", "mark", "rule"),
    [
        ([6, 8], "final", "7", "two_within"),  # a difference equal to the tolerance: their mean
        (["6", "8.5"], "third", None, ""),  # just above: a third marker
        ([4, 8, 7], "final", "7.5", "third_closest"),
        ([8, 4, 5], "final", "4.5", "third_closest"),
        ([4, 8, 6], "final", "6", "third_equidistant"),
        ([2, 8, 5], "arbitration", None, ""),
        ([6], "waiting", None, ""),
    ],
)
def test_the_double_marking_rule_on_its_worked_examples(marks, status, mark, rule):
    decision = decide(marks, tolerance=2)
    assert decision.status == status
    assert decision.mark == (Decimal(mark) if mark else None)
    assert decision.rule == rule


def test_single_marking_makes_the_one_mark_final():
    assert decide([], tolerance=2, double=False).status == "waiting"
    decision = decide(["7.5"], tolerance=2, double=False)
    assert (decision.status, decision.mark, decision.rule) == ("final", Decimal("7.5"), "single")


def test_the_default_tolerance_is_twenty_percent_of_the_points():
    assert default_tolerance(10, 20) == Decimal("2.00")
    assert default_tolerance(15, 20) == Decimal("3.00")


halves = st.integers(min_value=0, max_value=20).map(lambda n: Decimal(n) / 2)


@settings(max_examples=150, deadline=None)
@given(st.lists(halves, min_size=2, max_size=3), st.sampled_from([Decimal(1), Decimal(2), Decimal("2.5")]))
def test_a_final_mark_lies_between_the_marks_it_is_made_of_and_is_never_rounded(marks, tolerance):
    decision = decide(marks, tolerance=tolerance)
    if decision.status != "final":
        return
    used = [marks[i] for i in decision.used]
    assert min(used) <= decision.mark <= max(used)
    assert decision.mark * 4 == int(decision.mark * 4)  # a multiple of 0.25: exact
    assert all(abs(used[0] - other) <= tolerance for other in used[1:]) or decision.rule == "third_equidistant"


def test_key_points_are_awarded_in_their_steps():
    assert point_choices({"points": 2}) == [Decimal(v) for v in ("0", "0.5", "1", "1.5", "2")]
    assert point_choices({"points": 3}) == [Decimal(v) for v in ("0", "1", "2", "3")]
    assert point_choices({"points": 3, "step": 0.5})[-2:] == [Decimal("2.5"), Decimal("3")]
    assert script_total([Decimal(4), Decimal("2.5")], rubric_total=10, points=10) == Decimal("6.5")
    assert script_total([Decimal(5)], rubric_total=10, points=15) == Decimal("7.50")  # scaled to the paper


def test_a_marker_drifting_past_the_threshold_is_flagged():
    ten = Decimal(10)
    assert not marker_drift([(Decimal(2), ten)], [], threshold_percent=15).flagged  # one control is not enough
    drift = marker_drift([(Decimal(2), ten), (Decimal(2), ten)], [], threshold_percent=15)
    assert drift.flagged and drift.control_mean == Decimal("20.00")
    assert not marker_drift([(Decimal(1), ten), (Decimal(2), ten)], [], threshold_percent=15).flagged
    co = [(Decimal(-2), ten)] * 5
    assert marker_drift([], co, threshold_percent=15).flagged


def test_highlighting_marks_the_phrasings_and_the_key_point_words_it_finds():
    answer = "营业员没有听清就充值了。应当复述确认金额，并确认客户的服务需求。"
    result = hl.highlight(answer, RECHARGE["rubric"])
    spans = [(answer[start:end], points) for start, end, points in result.spans]
    assert spans == [
        ("充值", (0,)),  # a word of the first key point's own wording
        ("复述", (0, 2)),  # a phrasing of the first key point, a word of the third
        ("确认", (0, 1)),
        ("金额", (0, 2)),
        ("确认", (0, 1)),
        ("服务需求", (1,)),  # the second key point's phrasing
    ]
    assert [hit.status for hit in result.hits] == ["hit", "hit", "related"]
    assert result.hits[1].matched[0] == "服务需求" and result.hits[2].matched == ("复述", "金额")
    assert "".join(text for text, _points in result.segments) == answer  # the answer, whole and in order


def test_highlighting_an_unrelated_answer_finds_nothing():
    result = hl.highlight("今天天气很好。", RECHARGE["rubric"])
    assert result.spans == [] and {hit.status for hit in result.hits} == {"none"}


def test_jieba_is_loaded_once_per_process():
    assert hl.tokenizer() is hl.tokenizer()
