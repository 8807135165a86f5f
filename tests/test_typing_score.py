"""The typing scorer against hand-computed cases (DESIGN.md §6)."""

import doctest
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from grading.scoring import typing
from grading.scoring.typing import best_prefix, normalize, prefix_distances, score_typing

# Ten characters; the target in these cases is 30 字/分 and the time one minute unless stated.
P = "您好请问办理什么业务"


def test_the_worked_examples_in_the_docstring_hold():
    failures, tried = doctest.testmod(typing, verbose=False)
    assert tried >= 4 and failures == 0


@pytest.mark.parametrize(
    ("case", "passage", "typed", "seconds", "expected"),
    [
        # (k, E, wrong, missing, extra, net 字/分, accuracy, score)
        ("perfect copy", P, P, 60, (10, 0, 0, 0, 0, "10.00", "1.0000", "33.33")),
        ("perfect copy, fast: capped at 100", P, P, 10, (10, 0, 0, 0, 0, "60.00", "1.0000", "100.00")),
        ("unfinished: measured to where it stops", P, "您好请问办", 60, (5, 0, 0, 0, 0, "5.00", "1.0000", "16.67")),
        ("one wrong character", P, "您好请问办理什么叶务", 60, (10, 1, 1, 0, 0, "9.00", "0.9000", "30.00")),
        ("one missing character", P, "您好请问理什么业务", 60, (10, 1, 0, 1, 0, "9.00", "0.9000", "30.00")),
        ("one extra character", P, "您好请问问办理什么业务", 60, (10, 1, 0, 0, 1, "9.00", "0.9000", "30.00")),
        (
            "full-width and half-width are one",
            "ＡＢ，您好！请问",
            "AB,您好!请问",
            60,
            (8, 0, 0, 0, 0, "8.00", "1.0000", "26.67"),
        ),
        (
            "whitespace and line breaks ignored",
            "您好，\n请问 办理",
            "您 好，请\r\n问办理",
            60,
            (7, 0, 0, 0, 0, "7.00", "1.0000", "23.33"),
        ),
        ("empty text", P, "", 60, (0, 0, 0, 0, 0, "0.00", "0.0000", "0.00")),
        ("only whitespace", P, " \n\t　", 60, (0, 0, 0, 0, 0, "0.00", "0.0000", "0.00")),
        ("longer than the passage: the rest is extra", P, P + "谢谢", 60, (10, 2, 0, 0, 2, "8.00", "0.8000", "0.00")),
        # 1 error in 10 → 90.00%: counts. 1 error in 9 → 88.89%: scores 0.
        ("accuracy exactly 90%", P, "您好请问办理什么业物", 60, (10, 1, 1, 0, 0, "9.00", "0.9000", "30.00")),
        ("accuracy just below 90%", P, "您好请问办理什么叶", 60, (9, 1, 1, 0, 0, "8.00", "0.8889", "0.00")),
        ("time beyond the limit is capped", P, P, 900, (10, 0, 0, 0, 0, "1.00", "1.0000", "3.33")),
    ],
)
def test_scores(case, passage, typed, seconds, expected):
    s = score_typing(passage, typed, seconds=seconds, limit_minutes=10, target_cpm=30, accuracy_floor=90)
    k, e, wrong, missing, extra, net, accuracy, score = expected
    assert (s.reached, s.errors, s.wrong, s.missing, s.extra) == (k, e, wrong, missing, extra), case
    assert (s.net_cpm, s.accuracy, s.score) == (Decimal(net), Decimal(accuracy), Decimal(score)), case
    assert s.wrong + s.missing + s.extra == s.errors


def test_a_tie_between_prefixes_goes_to_the_longer_one():
    # "您好请问办理什么业X" is 1 edit from both P[:9]+X-as-extra (k=9) and P (k=10, X for 务).
    s = score_typing(P, "您好请问办理什么业X", seconds=60, limit_minutes=10, target_cpm=30, accuracy_floor=90)
    assert (s.reached, s.errors, s.wrong) == (10, 1, 1)


def test_normalize():
    assert normalize("Ａ１，\u3000b\n") == "A1,b"


def test_an_eight_hundred_character_passage_with_errors():
    """Speed is measured by bench/typing_score.py; here only the counts."""
    passage = ("营业员应当热情接待每一位客户，准确理解客户的需求并及时办理。" * 30)[:800]
    typed = passage[:700].replace("客", "顾", 10)
    s = score_typing(passage, typed, seconds=600, limit_minutes=10, target_cpm=50, accuracy_floor=90)
    assert (s.reached, s.errors, s.wrong, s.missing, s.extra) == (700, 10, 10, 0, 0)


@settings(max_examples=300, deadline=None)
@given(
    typed=st.text(alphabet="您好请问办理业务，。", max_size=40),
    passage=st.text(alphabet="您好请问办理业务，。", max_size=40),
)
def test_prefix_distances_agree_with_the_textbook_distance(typed, passage):
    assert prefix_distances(typed, passage) == [
        Levenshtein.distance(typed, passage[:k]) for k in range(len(passage) + 1)
    ]


@settings(max_examples=300, deadline=None)
@given(
    typed=st.text(alphabet="您好请问办理业务，。", max_size=120),
    passage=st.text(alphabet="您好请问办理业务，。", max_size=120),
)
def test_the_best_prefix_is_the_closest_and_the_longest_of_equals(typed, passage):
    distances = [Levenshtein.distance(typed, passage[:k]) for k in range(len(passage) + 1)]
    best = min(distances)
    assert best_prefix(typed, passage) == (max(k for k, e in enumerate(distances) if e == best), best)
