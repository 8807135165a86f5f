"""Classical item analysis of written papers (DESIGN.md §7): pure, numpy, no database.

Every candidate has a different paper drawn by the same blueprint, so an item is answered by the
candidates whose paper holds it ("saw it"), and every figure of an item is computed over them:

- **facility** (难度/通过率): the mean share of the item's points earned (for a one-point-or-nothing
  item, the share who answered it right);
- **point-biserial against the rest** (区分度 r): Pearson's correlation between the item's score and
  the candidate's score on the rest of the analysed items (total minus this item), so the item
  does not correlate with itself; none when either has no variance (everyone right);
- **upper–lower 27 % index** (D): candidates are ranked by total; the upper and lower 27 % (at least
  one each) are the groups; D = facility in the upper group − facility in the lower group, over
  the group members who saw the item;
- **distractors**: for choice items, how many of the upper and lower group chose each of the
  item's own options (the candidate's shown letters are mapped back through their option shuffle
  before this module sees them);
- **reliability of the paper**: the papers share the blueprint, so position *i* holds the same type,
  chapter quota and points on every paper; treating positions as the items of one form,
  **KR-20** over the objective positions scored right (full points) or wrong, and **Cronbach's α**
  over every position's points (objective and finally marked situational), both with population
  variances, over the candidates who have a score at every position.

Too few responses give noise, not figures: an item seen by fewer than ``MIN_RESPONSES`` (30)
candidates gets no figures and no flag (``too_few``), and the reliability needs that many
candidates. Flags (labelled by ``question_bank.models.ItemFlag``): facility > 0.95 too easy,
< 0.20 too hard, point-biserial < 0.20 not discriminating, and a distractor chosen by more of
the upper group than the key (for a multiple-choice item, more than its least-chosen key).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

MIN_RESPONSES = 30
UPPER_LOWER_SHARE = 0.27
TOO_EASY = 0.95
TOO_HARD = 0.20
LOW_DISCRIMINATION = 0.20
LETTERS = "ABCDEFGH"


@dataclass(frozen=True)
class ItemInfo:
    kind: str  # single | multiple | situational
    key: str = ""  # the item's own option letters
    options: int = 0


@dataclass(frozen=True)
class Option:
    letter: str
    is_key: bool
    upper: int
    lower: int


@dataclass
class ItemFigures:
    item_id: int
    kind: str
    responses: int
    too_few: bool = False
    facility: float | None = None
    point_biserial: float | None = None
    upper_lower: float | None = None
    options: list[Option] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass
class Analysis:
    candidates: int
    items: list[ItemFigures]
    kr20: float | None
    alpha: float | None
    objective_positions: int
    positions: int
    min_responses: int


def _round(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 4)


def _correlation(x: np.ndarray, y: np.ndarray) -> float | None:
    if len(x) < 2:
        return None
    sx, sy = x.std(), y.std()
    if sx == 0 or sy == 0:
        return None
    return float(((x - x.mean()) * (y - y.mean())).mean() / (sx * sy))


def _reliability(matrix: np.ndarray) -> float | None:
    """k/(k−1) × (1 − Σ item variances ÷ total variance), over complete rows."""
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    k = complete.shape[1]
    if k < 2 or len(complete) < 2:
        return None
    total_variance = complete.sum(axis=1).var()
    if total_variance == 0:
        return None
    return float(k / (k - 1) * (1 - complete.var(axis=0).sum() / total_variance))


def item_analysis(
    *,
    items: dict[int, ItemInfo],
    responses: Iterable[tuple[int, int, int, float | None, int, str]],
    min_responses: int = MIN_RESPONSES,
) -> Analysis:
    """``responses``: (candidate, position, item, points earned or None when not marked yet, the
    item's points, the item's own option letters chosen). Unmarked responses are left out."""
    candidate_index: dict[int, int] = {}
    item_ids = sorted(items)
    item_index = {item: j for j, item in enumerate(item_ids)}
    rows, cols, earned, full, positions, chosen = [], [], [], [], [], []
    for candidate, position, item, points, max_points, letters in responses:
        if points is None or item not in item_index:
            continue
        rows.append(candidate_index.setdefault(candidate, len(candidate_index)))
        cols.append(item_index[item])
        earned.append(float(points))
        full.append(float(max_points))
        positions.append(position)
        chosen.append(letters)
    n, m = len(candidate_index), len(item_ids)
    r = np.asarray(rows, dtype=np.int64)
    c = np.asarray(cols, dtype=np.int64)
    e = np.asarray(earned, dtype=float)
    share = np.divide(e, np.asarray(full, dtype=float), out=np.zeros_like(e), where=np.asarray(full) > 0)
    scores = np.full((n, m), np.nan)
    shares = np.full((n, m), np.nan)
    scores[r, c] = e
    shares[r, c] = share
    totals = np.nansum(scores, axis=1) if n else np.zeros(0)

    order = np.argsort(-totals, kind="stable")
    group = max(1, round(UPPER_LOWER_SHARE * n)) if n else 0
    upper = np.zeros(n, dtype=bool)
    lower = np.zeros(n, dtype=bool)
    upper[order[:group]] = True
    lower[order[n - group :]] = True

    # Option counts per item and group, from the responses (one Python pass; the rest is numpy).
    counts: dict[int, dict[str, list[int]]] = {}
    for row, col, letters in zip(rows, cols, chosen, strict=True):
        if not letters or not (upper[row] or lower[row]):
            continue
        per_item = counts.setdefault(col, {})
        for letter in letters:
            pair = per_item.setdefault(letter, [0, 0])
            pair[0] += bool(upper[row])
            pair[1] += bool(lower[row])

    figures: list[ItemFigures] = []
    for j, item in enumerate(item_ids):
        info = items[item]
        seen = ~np.isnan(scores[:, j])
        count = int(seen.sum())
        result = ItemFigures(item_id=item, kind=info.kind, responses=count)
        figures.append(result)
        if count < max(min_responses, 1):
            result.too_few = True
            continue
        x = scores[seen, j]
        result.facility = _round(shares[seen, j].mean())
        result.point_biserial = _round(_correlation(x, totals[seen] - x))
        up, low = seen & upper, seen & lower
        if up.any() and low.any():
            result.upper_lower = _round(shares[up, j].mean() - shares[low, j].mean())
        if info.kind in ("single", "multiple"):
            per_item = counts.get(j, {})
            result.options = [
                Option(letter, letter in info.key, *per_item.get(letter, [0, 0]))
                for letter in LETTERS[: max(info.options, len(info.key))]
            ]
        if result.facility is not None and result.facility > TOO_EASY:
            result.flags.append("too_easy")
        if result.facility is not None and result.facility < TOO_HARD:
            result.flags.append("too_hard")
        if result.point_biserial is not None and result.point_biserial < LOW_DISCRIMINATION:
            result.flags.append("low_discrimination")
        keyed = [option.upper for option in result.options if option.is_key]
        if keyed and any(option.upper > min(keyed) for option in result.options if not option.is_key):
            result.flags.append("distractor_beats_key")

    # Reliability: positions as the items of one form (see the module docstring).
    position_list = sorted(set(positions))
    position_index = {p: k for k, p in enumerate(position_list)}
    objective_positions = sorted(
        {p for p, col in zip(positions, cols, strict=True) if items[item_ids[col]].kind != "situational"}
    )
    kr20 = alpha = None
    if n >= max(min_responses, 2) and position_list:
        by_position = np.full((n, len(position_list)), np.nan)
        right = np.full((n, len(position_list)), np.nan)
        p = np.asarray([position_index[q] for q in positions], dtype=np.int64)
        by_position[r, p] = e
        right[r, p] = (share >= 1).astype(float)
        alpha = _reliability(by_position)
        if objective_positions:
            kr20 = _reliability(right[:, [position_index[q] for q in objective_positions]])
    return Analysis(
        candidates=n,
        items=figures,
        kr20=_round(kr20),
        alpha=_round(alpha),
        objective_positions=len(objective_positions),
        positions=len(position_list),
        min_responses=min_responses,
    )
