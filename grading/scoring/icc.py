"""Intraclass correlation (ICC) for an examiner panel in the simulated-scene practical exam.

Each candidate (target) is scored by a panel of ``k >= 2`` examiners (raters). The six classical forms of
Shrout & Fleiss (1979), with the confidence intervals of McGraw & Wong (1996), are computed from the ANOVA
mean squares: MSR (between targets), MSW (within targets), MSC (between raters) and MSE (residual).

Which form to use
    * Different panels per candidate (examiners drawn from a pool, the panel changes with the room or the
      sitting): one-way random effects, ICC(1,·). :func:`icc_by_panel` builds the matrix from
      ``scores[candidate][examiner]`` without needing the examiners to line up across candidates.
    * The same panel scores every candidate: two-way models.
      ICC(2,·), two-way random effects, absolute agreement: the examiners stand for the whole examiner pool and
      a constant offset between examiners (one is always two points stricter) counts as disagreement. This is
      the usual choice when certifying that the examiners, not just this panel, score reliably.
      ICC(3,·), two-way mixed effects, consistency: only these examiners matter and constant offsets are ignored.
    * ICC(·,1) is the reliability of one examiner's score; ICC(·,k) that of the mean of the k examiners, i.e. of
      the score a candidate actually gets when the panel mean is the result. "ICC(1,4)" is read as ICC(1,k), k=4.

How to read the value (Koo & Li 2016; judge by the 95% confidence interval, not only by the point estimate)
    < 0.5 poor, 0.5-0.75 moderate, 0.75-0.9 good, > 0.9 excellent.

Degenerate input (fewer than 2 targets or raters, no variance, a zero denominator) gives ``value=None`` and a
Chinese ``explanation`` saying why; malformed input (ragged rows, non-finite scores, unknown form) raises
``ValueError``. Pure Python: the F quantile comes from the regularized incomplete beta function (Numerical
Recipes ``betacf`` continued fraction) and bisection on the CDF.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

CONFIDENCE = 0.95
_FORM = re.compile(r"^ICC\(([123]),(1|K|\d+)\)$")
_MODELS = {1: "单向随机效应模型", 2: "双向随机效应模型", 3: "双向混合效应模型"}
_AGREEMENT = {1: "一致性", 2: "绝对一致性", 3: "相对一致性"}

# Numerical Recipes betacf constants.
_BETACF_MAXIT = 100_000
_BETACF_EPS = 1e-15
_FPMIN = 1e-300


@dataclass(frozen=True)
class Icc:
    form: str  # canonical: "ICC(1,1)", "ICC(1,k)", "ICC(2,1)", "ICC(2,k)", "ICC(3,1)" or "ICC(3,k)"
    value: float | None
    lower: float | None  # 95% confidence interval; None when not defined
    upper: float | None
    targets: int  # n: candidates used
    raters: int  # k: scores per candidate
    f_value: float | None  # F test of ICC = 0: MSR/MSW (one-way) or MSR/MSE (two-way)
    explanation: str  # one Chinese sentence
    msr: float | None = None  # between-targets mean square (Shrout & Fleiss BMS)
    msw: float | None = None  # within-targets mean square (WMS)
    msc: float | None = None  # between-raters mean square (JMS)
    mse: float | None = None  # residual mean square (EMS)


# --- F distribution ---------------------------------------------------------------------------------------------


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz, Numerical Recipes 6.4)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < _FPMIN:
        d = _FPMIN
    d = 1.0 / d
    h = d
    for m in range(1, _BETACF_MAXIT + 1):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = _FPMIN if abs(d) < _FPMIN else d
        c = 1.0 + aa / c
        c = _FPMIN if abs(c) < _FPMIN else c
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = _FPMIN if abs(d) < _FPMIN else d
        c = 1.0 + aa / c
        c = _FPMIN if abs(c) < _FPMIN else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _BETACF_EPS:
            break
    return h


def betai(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta function I_x(a, b) for a, b > 0 and 0 <= x <= 1."""
    if a <= 0 or b <= 0:
        raise ValueError("betai needs a > 0 and b > 0")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def f_cdf(x: float, dfn: float, dfd: float) -> float:
    """P(F <= x) for the F distribution with (dfn, dfd) degrees of freedom (non-integer df allowed)."""
    if dfn <= 0 or dfd <= 0:
        raise ValueError("degrees of freedom must be positive")
    if x <= 0.0:
        return 0.0
    if math.isinf(x):
        return 1.0
    return betai(dfn / 2.0, dfd / 2.0, dfn * x / (dfn * x + dfd))


def f_quantile(p: float, dfn: float, dfd: float) -> float:
    """The F value with P(F <= value) = p, by bisection on :func:`f_cdf` (relative precision ~1e-13)."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must lie strictly between 0 and 1")
    lo, hi = 0.0, 1.0
    while f_cdf(hi, dfn, dfd) < p:
        lo, hi = hi, hi * 2.0
        if hi > 1e300:
            return math.inf
    for _ in range(2000):
        mid = (lo + hi) / 2.0
        if f_cdf(mid, dfn, dfd) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-14 * hi:
            break
    return (lo + hi) / 2.0


# --- ICC --------------------------------------------------------------------------------------------------------


def _parse_form(form: str, k: int | None = None) -> tuple[int, bool]:
    """(model 1/2/3, average of k raters?) for "ICC(m,1)", "ICC(m,k)" or "ICC(m,<k>)"."""
    match = _FORM.match(form.replace(" ", "").upper())
    if match is None:
        raise ValueError(f"unknown ICC form {form!r}; use ICC(1,1), ICC(1,k), ICC(2,1), ICC(2,k), ICC(3,1), ICC(3,k)")
    model, second = int(match[1]), match[2]
    if second == "1":
        return model, False
    if second != "K" and k is not None and k >= 2 and int(second) != k:
        raise ValueError(f"form {form!r} asks for the mean of {second} raters but each target has {k} scores")
    return model, True


def _canonical(model: int, average: bool) -> str:
    return f"ICC({model},{'k' if average else '1'})"


def _naming(model: int, average: bool, k: int) -> str:
    who = f"{k if k >= 2 else 'k'} 名评分者平均分" if average else "单个评分者"
    return f"{_MODELS[model]}，{who}{_AGREEMENT[model]} {_canonical(model, average)}"


def _level(value: float) -> str:
    """Koo & Li (2016) reliability band."""
    if value < 0.5:
        return "较差"
    if value < 0.75:
        return "中等"
    if value <= 0.9:
        return "良好"
    return "优秀"


def _mean_squares(rows: list[list[float]]) -> tuple[float, float, float, float]:
    """(MSR, MSW, MSC, MSE) of an n x k matrix, n, k >= 2; values within rounding noise of zero become 0."""
    n, k = len(rows), len(rows[0])
    cells = [x for row in rows for x in row]
    grand = math.fsum(cells) / (n * k)
    row_means = [math.fsum(row) / k for row in rows]
    col_means = [math.fsum(row[j] for row in rows) / n for j in range(k)]
    ss_rows = k * math.fsum((m - grand) ** 2 for m in row_means)
    ss_cols = n * math.fsum((m - grand) ** 2 for m in col_means)
    ss_within = math.fsum((x - row_means[i]) ** 2 for i, row in enumerate(rows) for x in row)
    ss_error = math.fsum(
        (x - row_means[i] - col_means[j] + grand) ** 2 for i, row in enumerate(rows) for j, x in enumerate(row)
    )
    noise = 1e-12 * math.fsum(x * x for x in cells) / (n * k)
    squares = (ss_rows / (n - 1), ss_within / (n * (k - 1)), ss_cols / (k - 1), ss_error / ((n - 1) * (k - 1)))
    msr, msw, msc, mse = (0.0 if ms <= noise else ms for ms in squares)
    return msr, msw, msc, mse


def _bounds(
    model: int, average: bool, n: int, k: int, ms: tuple[float, float, float, float]
) -> tuple[float | None, float | None]:
    """95% confidence interval (McGraw & Wong 1996, Shrout & Fleiss 1979), or (None, None)."""
    msr, msw, msc, mse = ms
    alpha = 1.0 - CONFIDENCE
    q = 1.0 - alpha / 2.0
    if model in (1, 3):
        denominator = msw if model == 1 else mse
        if msr <= 0.0 or denominator <= 0.0:
            return None, None
        f0 = msr / denominator
        df2 = n * (k - 1) if model == 1 else (n - 1) * (k - 1)
        f_low = f0 / f_quantile(q, n - 1, df2)
        f_up = f0 * f_quantile(q, df2, n - 1)
        if average:
            return 1.0 - 1.0 / f_low, 1.0 - 1.0 / f_up
        return (f_low - 1.0) / (f_low + k - 1), (f_up - 1.0) / (f_up + k - 1)
    # ICC(2,·): Satterthwaite-type approximation (Fleiss & Shrout 1978; McGraw & Wong 1996, Table 7).
    if msr <= 0.0 or mse <= 0.0:
        return None, None
    rho = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)  # ICC(2,1), also for the ICC(2,k) interval
    fj = msc / mse
    a = n * (1.0 + (k - 1) * rho) - k * rho
    v_den = (n - 1) * k**2 * rho**2 * fj**2 + a**2
    if v_den <= 0.0:
        return None, None
    v = (k - 1) * (n - 1) * (k * rho * fj + a) ** 2 / v_den
    if not v > 0.0 or math.isinf(v):
        return None, None
    f_star = f_quantile(q, n - 1, v)
    f_2star = f_quantile(q, v, n - 1)
    if average:
        low_den = f_star * (msc - mse) + n * msr
        up_den = msc - mse + n * f_2star * msr
    else:
        low_den = f_star * (k * msc + (k * n - k - n) * mse) + n * msr
        up_den = k * msc + (k * n - k - n) * mse + n * f_2star * msr
    if low_den <= 0.0 or up_den <= 0.0:
        return None, None
    return n * (msr - f_star * mse) / low_den, n * (f_2star * msr - mse) / up_den


def icc(ratings: Sequence[Sequence[float]], form: str = "ICC(2,1)") -> Icc:
    """The ICC of ``ratings`` (ratings[i] = the k scores target i received) in the given Shrout & Fleiss form."""
    n = len(ratings)
    k = len(ratings[0]) if n else 0
    rows: list[list[float]] = []
    for i, row in enumerate(ratings):
        if len(row) != k:
            raise ValueError(f"row {i} has {len(row)} scores, but row 0 has {k}; every target needs the same k")
        values = [float(x) for x in row]
        if not all(math.isfinite(x) for x in values):
            raise ValueError(f"row {i} contains a score that is not a finite number")
        rows.append(values)
    model, average = _parse_form(form, k)
    canonical, naming = _canonical(model, average), _naming(model, average, k)

    def undefined(reason: str, ms: tuple[float | None, ...] = (None, None, None, None)) -> Icc:
        return Icc(canonical, None, None, None, n, k, None, f"{naming} 无法计算：{reason}", *ms)

    if n < 2:
        return undefined(f"受评考生只有 {n} 名，至少需要 2 名")
    if k < 2:
        return undefined(f"每名考生只有 {k} 个评分，至少需要 2 名评分者")
    if len({x for row in rows for x in row}) == 1:
        return undefined("所有评分完全相同，方差为零")
    ms = _mean_squares(rows)
    msr, msw, msc, mse = ms
    if model == 1:
        numerator, denominator = msr - msw, (msr if average else msr + (k - 1) * msw)
        f_den = msw
    elif model == 2:
        numerator = msr - mse
        denominator = msr + (msc - mse) / n if average else msr + (k - 1) * mse + k * (msc - mse) / n
        f_den = mse
    else:
        numerator, denominator = msr - mse, (msr if average else msr + (k - 1) * mse)
        f_den = mse
    if denominator <= 0.0:
        return undefined("考生之间没有差异且残差为零，公式分母为零", ms)
    value = numerator / denominator
    f_value = msr / f_den if f_den > 0.0 else None
    lower, upper = _bounds(model, average, n, k, ms)
    text = f"{naming} = {value:.2f}"
    if lower is not None and upper is not None:
        text += f"（{CONFIDENCE:.0%} 置信区间 {lower:.2f} 至 {upper:.2f}）"
    text += f"，按 Koo & Li (2016) 标准属于{_level(value)}信度"
    return Icc(canonical, value, lower, upper, n, k, f_value, text, *ms)


def icc_by_panel(scores: dict[object, dict[object, float]], form: str = "ICC(1,1)") -> Icc:
    """ICC from ``scores[target][rater]``, using the targets scored by the most common panel size k.

    Ties between panel sizes go to the larger k. The one-way forms ICC(1,·) ignore who the raters are; the
    two-way forms need one and the same panel for every target used, otherwise value is None.
    """
    sizes = Counter(len(panel) for panel in scores.values())
    k = max(sizes, key=lambda size: (sizes[size], size)) if sizes else 0
    panels = [panel for panel in scores.values() if len(panel) == k]
    skipped = len(scores) - len(panels)
    model, average = _parse_form(form, k)
    if model == 1:
        rows = [list(panel.values()) for panel in panels]
    else:
        if len({frozenset(panel) for panel in panels}) > 1:
            naming = _naming(model, average, k)
            reason = "各考生的评分者不是同一组，双向模型不适用，请改用 ICC(1,1) 或 ICC(1,k)"
            explanation = f"{naming} 无法计算：{reason}"
            return Icc(_canonical(model, average), None, None, None, len(panels), k, None, explanation)
        raters = list(panels[0]) if panels else []
        rows = [[panel[rater] for rater in raters] for panel in panels]
    result = icc(rows, form)
    if skipped:
        note = f"；另有 {skipped} 名考生的评分者人数不是 {k}，未计入"
        result = replace(result, explanation=result.explanation + note)
    return result
