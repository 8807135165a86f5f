"""Intraclass correlation of an examiner panel, checked against Shrout & Fleiss (1979), Table 2."""

import math

import pytest

from grading.scoring.icc import f_cdf, f_quantile, icc, icc_by_panel

# Shrout & Fleiss (1979), Table 2: 6 targets (rows) x 4 judges (columns).
SHROUT_FLEISS = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]

# The values Shrout & Fleiss (1979) publish for that table, to 2 decimals.
PUBLISHED = {
    "ICC(1,1)": 0.17,
    "ICC(2,1)": 0.29,
    "ICC(3,1)": 0.71,
    "ICC(1,4)": 0.44,
    "ICC(2,4)": 0.62,
    "ICC(3,4)": 0.91,
}

# 95% intervals printed by R psych::ICC() for the same matrix (dwoll/RExRepos, interRaterICC):
# lower bounds to 3 decimals, upper bounds to 2.
PSYCH_BOUNDS = {
    "ICC(1,1)": (-0.133, 0.72),
    "ICC(2,1)": (0.019, 0.76),
    "ICC(3,1)": (0.342, 0.95),
    "ICC(1,k)": (-0.884, 0.91),
    "ICC(2,k)": (0.071, 0.93),
    "ICC(3,k)": (0.676, 0.99),
}


@pytest.mark.parametrize(("form", "published"), PUBLISHED.items())
def test_the_six_forms_match_shrout_and_fleiss(form, published):
    result = icc(SHROUT_FLEISS, form)
    assert round(result.value, 2) == published
    assert (result.targets, result.raters) == (6, 4)
    assert result.form == form.replace(",4)", ",k)")
    assert result.form in result.explanation


def test_the_mean_squares_match_shrout_and_fleiss():
    result = icc(SHROUT_FLEISS)
    assert (round(result.msr, 2), round(result.msw, 2), round(result.msc, 2), round(result.mse, 2)) == (
        11.24,
        6.26,
        32.49,
        1.02,
    )
    assert result.f_value == pytest.approx(result.msr / result.mse)
    assert icc(SHROUT_FLEISS, "ICC(1,1)").f_value == pytest.approx(result.msr / result.msw)


def test_the_icc31_interval_contains_the_value_and_matches_psych():
    result = icc(SHROUT_FLEISS, "ICC(3,1)")
    assert -1 <= result.lower < result.value < result.upper <= 1
    assert round(result.lower, 3) == 0.342
    assert round(result.upper, 2) == 0.95
    assert "置信区间 0.34 至 0.95" in result.explanation


@pytest.mark.parametrize(("form", "bounds"), PSYCH_BOUNDS.items())
def test_every_interval_matches_psych(form, bounds):
    result = icc(SHROUT_FLEISS, form)
    assert (round(result.lower, 3), round(result.upper, 2)) == bounds
    assert result.lower < result.value < result.upper


@pytest.mark.parametrize(
    ("p", "dfn", "dfd", "expected"),
    [
        (0.975, 5, 15, 3.5764),
        (0.95, 5, 15, 2.9013),
        (0.975, 15, 5, 6.4277),
        (0.95, 1, 1, 161.4476),
        (0.99, 10, 10, 4.8491),
    ],
)
def test_f_quantile_matches_the_tables(p, dfn, dfd, expected):
    assert f_quantile(p, dfn, dfd) == pytest.approx(expected, abs=5e-5)


@pytest.mark.parametrize(("p", "dfd"), [(0.95, 10), (0.975, 3.5), (0.5, 40), (0.01, 7)])
def test_f_quantile_is_exact_where_a_closed_form_exists(p, dfd):
    # F(p; 2, d) = d/2 * ((1 - p)^(-2/d) - 1), and F(p; 1, 1) = tan(pi p / 2)^2.
    assert f_quantile(p, 2, dfd) == pytest.approx(dfd / 2 * ((1 - p) ** (-2 / dfd) - 1), rel=1e-9, abs=1e-9)
    assert f_quantile(p, 1, 1) == pytest.approx(math.tan(math.pi * p / 2) ** 2, rel=1e-9)
    for dfn in (1, 3, 17.5):
        assert f_cdf(f_quantile(p, dfn, dfd), dfn, dfd) == pytest.approx(p, abs=1e-9)


def test_rows_of_unequal_length_raise_naming_the_row():
    with pytest.raises(ValueError, match="row 2"):
        icc([[1, 2, 3], [2, 3, 4], [3, 4]])


def test_an_unknown_form_raises():
    with pytest.raises(ValueError, match="unknown ICC form"):
        icc(SHROUT_FLEISS, "ICC(4,1)")
    with pytest.raises(ValueError, match="mean of 3 raters"):
        icc(SHROUT_FLEISS, "ICC(1,3)")


def test_one_target_gives_no_value_and_says_why():
    result = icc([[7, 8, 9]], "ICC(1,1)")
    assert result.value is None and result.lower is None and result.upper is None
    assert result.targets == 1
    assert "无法计算" in result.explanation and "至少需要 2 名" in result.explanation
    assert icc([], "ICC(1,1)").value is None


def test_one_rater_gives_no_value():
    result = icc([[7], [8], [9]], "ICC(3,1)")
    assert result.value is None
    assert "评分者" in result.explanation


def test_all_scores_equal_give_no_value():
    for form in PUBLISHED:
        result = icc([[0.1, 0.1, 0.1, 0.1]] * 5, form)
        assert result.value is None
        assert "方差为零" in result.explanation


def test_a_zero_denominator_gives_no_value():
    # Every candidate gets the same scores; all variance comes from the raters.
    result = icc([[1, 2], [1, 2], [1, 2]], "ICC(3,1)")
    assert result.value is None
    assert "分母为零" in result.explanation


def test_different_panels_per_candidate_use_the_one_way_form():
    scores = {
        f"candidate-{i}": {f"examiner-{i}-{j}": score for j, score in enumerate(row)}
        for i, row in enumerate(SHROUT_FLEISS)
    }
    expected = icc(SHROUT_FLEISS, "ICC(1,1)")
    result = icc_by_panel(scores)
    assert result.value == pytest.approx(expected.value)
    assert (result.lower, result.upper) == pytest.approx((expected.lower, expected.upper))
    assert result.explanation.startswith("单向随机效应模型，单个评分者一致性 ICC(1,1)")
    two_way = icc_by_panel(scores, "ICC(2,1)")
    assert two_way.value is None
    assert "ICC(1,1)" in two_way.explanation


def test_icc_by_panel_uses_the_most_common_panel_size():
    scores = {i: {f"e{i}{j}": score for j, score in enumerate(row)} for i, row in enumerate(SHROUT_FLEISS)}
    scores["late"] = {"x": 1.0, "y": 9.0}
    result = icc_by_panel(scores, "ICC(1,k)")
    assert result.targets == 6 and result.raters == 4
    assert result.value == pytest.approx(icc(SHROUT_FLEISS, "ICC(1,k)").value)
    assert "另有 1 名考生" in result.explanation


def test_one_panel_for_everyone_lines_raters_up_by_id():
    judges = ["A", "B", "C", "D"]
    scores = {}
    for i, row in enumerate(SHROUT_FLEISS):
        order = judges[i % 4 :] + judges[: i % 4]  # insertion order differs per candidate
        scores[i] = {judge: row[judges.index(judge)] for judge in order}
    for form in ("ICC(2,1)", "ICC(3,1)", "ICC(3,k)"):
        assert icc_by_panel(scores, form).value == pytest.approx(icc(SHROUT_FLEISS, form).value)
