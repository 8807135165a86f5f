"""The marking rule for situational answers (阅卷, DESIGN.md §7, issue 12): how the marks a script
receives become its final mark.

Double marking (双评, the default):

- Two independent marks whose difference is within the tolerance (``|a − b| ≤ tolerance``; the
  tolerance defaults to 20 % of the item's points) → the final mark is their mean.
- Further apart → a third marker marks it (三评). The third mark is averaged with the closer of the
  first two when that one is within the tolerance of it. When it is exactly as close to both and
  within the tolerance of both, the final mark is the mean of all three (which equals the third
  mark, so neither of the first two is favoured).
- The third mark within the tolerance of neither → the chief arbitrates (仲裁); the chief's mark is
  final (``arbitrated``).

Single marking (单评, a per-sitting setting): the one mark is final.

Marks are Decimals in steps of 0.5; a mean of two is a multiple of 0.25 and a mean of three equal
distances is the third mark, so the final mark is exact and never rounded.

Worked examples (an item of 10 points, tolerance 2)::

    decide([6, 8], tolerance=2)        → final 7      rule "two_within"   (8 − 6 = 2 ≤ 2)
    decide([6, 8.5], tolerance=2)      → third marker                      (2.5 > 2)
    decide([4, 8, 7], tolerance=2)     → final 7.5    rule "third_closest" (7 is 1 from 8, 3 from 4)
    decide([4, 8, 6], tolerance=2)     → final 6      rule "third_equidistant" (2 from both)
    decide([2, 8, 5], tolerance=2)     → arbitration  (5 is 3 from both)
    decide([7], tolerance=2, double=False) → final 7  rule "single"
    decide([6], tolerance=2)           → waiting for the second mark

Pure: no models, no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Why a script's final mark is what it is (kept on the script with who decided).
RULE_SINGLE = "single"
RULE_TWO_WITHIN = "two_within"
RULE_THIRD_CLOSEST = "third_closest"
RULE_THIRD_EQUIDISTANT = "third_equidistant"
RULE_ARBITRATION = "arbitration"
RULE_EMPTY = "empty"

WAITING = "waiting"  # fewer marks than needed so far
THIRD = "third"  # the first two disagree: a third marker is needed
ARBITRATION = "arbitration"  # the three disagree: the chief decides
FINAL = "final"

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Decision:
    status: str  # WAITING, THIRD, ARBITRATION or FINAL
    marks_needed: int  # how many independent marks the script needs in its current state
    mark: Decimal | None = None  # the final mark, when FINAL
    rule: str = ""  # RULE_* when FINAL
    used: tuple[int, ...] = ()  # indices (into the marks given) of the marks the final mark is made of


def default_tolerance(points: int | Decimal, percent: int | Decimal) -> Decimal:
    """The tolerance in points: ``percent`` % of the item's points (20 % of 10 points → 2)."""
    return (Decimal(points) * Decimal(percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _mean(values: Sequence[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


def decide(marks: Sequence[Decimal | int | float | str], *, tolerance: Decimal | int, double: bool = True) -> Decision:
    """The state of one script from its independent marks, in the order they were given."""
    marks = [Decimal(str(mark)) for mark in marks]
    tolerance = Decimal(str(tolerance))
    if not double:
        if not marks:
            return Decision(WAITING, 1)
        return Decision(FINAL, 1, marks[0], RULE_SINGLE, (0,))
    if len(marks) < 2:
        return Decision(WAITING, 2)
    first, second = marks[0], marks[1]
    if abs(first - second) <= tolerance:
        return Decision(FINAL, 2, _mean([first, second]), RULE_TWO_WITHIN, (0, 1))
    if len(marks) < 3:
        return Decision(THIRD, 3)
    third = marks[2]
    to_first, to_second = abs(third - first), abs(third - second)
    if to_first == to_second and to_first <= tolerance:
        return Decision(FINAL, 3, _mean([first, second, third]), RULE_THIRD_EQUIDISTANT, (0, 1, 2))
    closer = 0 if to_first < to_second else 1
    if min(to_first, to_second) <= tolerance:
        return Decision(FINAL, 3, _mean([marks[closer], third]), RULE_THIRD_CLOSEST, (closer, 2))
    return Decision(ARBITRATION, 3)


def script_total(awards: Sequence[Decimal], *, rubric_total: int, points: int) -> Decimal:
    """A marker's mark for a script: the sum of the key-point awards, on the paper's scale.

    The rubric's key points usually add up to the item's points on the paper (10 and 10 in the
    shipped bank); when they do not, the sum is scaled to the paper's points and rounded half-up
    to 0.01.
    """
    total = sum((Decimal(str(award)) for award in awards), Decimal(0))
    if rubric_total and rubric_total != points:
        total = (total * Decimal(points) / Decimal(rubric_total)).quantize(CENT, rounding=ROUND_HALF_UP)
    return total


def point_step(point: dict) -> Decimal:
    """The step a key point is awarded in: the rubric's ``step`` (0.5 or 1) when it gives one,
    otherwise 0.5 for a key point worth up to 2 points and 1 above."""
    step = point.get("step")
    if step is not None and Decimal(str(step)) in (Decimal("0.5"), Decimal(1)):
        return Decimal(str(step))
    return Decimal("0.5") if Decimal(str(point["points"])) <= 2 else Decimal(1)


def point_choices(point: dict) -> list[Decimal]:
    """Every mark a key point may receive: 0 … its points in its step."""
    step, top = point_step(point), Decimal(str(point["points"]))
    values, value = [], Decimal(0)
    while value <= top:
        values.append(Decimal(plain(value)))
        value += step
    return values


def plain(value: Decimal | int | float | str) -> str:
    """A mark as people write it: 7, 7.5, 7.25 (no trailing zeros, no exponent)."""
    text = format(Decimal(str(value)).quantize(CENT), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class Drift:
    """A marker's deviation, as a share of the items' points (signed: positive = marks high)."""

    control_count: int
    control_mean: Decimal | None  # mean (mark − reference) / points × 100, over control scripts
    co_count: int
    co_mean: Decimal | None  # mean (mark − co-markers' mean) / points × 100, over double-marked scripts
    flagged: bool


def marker_drift(
    control: Sequence[tuple[Decimal, Decimal]],
    co: Sequence[tuple[Decimal, Decimal]],
    *,
    threshold_percent: Decimal | int,
    min_control: int = 2,
    min_co: int = 5,
) -> Drift:
    """Whether a marker drifts: ``control`` and ``co`` are (deviation in points, item points) pairs.

    Flagged when the mean control-script deviation is beyond ``threshold_percent`` of the points
    (after at least ``min_control`` control scripts), or the mean deviation from co-markers is
    (after at least ``min_co`` double-marked scripts). Example, threshold 15 %: control
    deviations +2, +2 on 10-point items → +20 % → flagged.
    """
    threshold = Decimal(str(threshold_percent))

    def mean_percent(pairs):
        if not pairs:
            return None
        return _mean([Decimal(str(dev)) * 100 / Decimal(str(points)) for dev, points in pairs])

    control_mean, co_mean = mean_percent(control), mean_percent(co)
    flagged = (len(control) >= min_control and abs(control_mean) > threshold) or (
        len(co) >= min_co and abs(co_mean) > threshold
    )
    return Drift(len(control), control_mean, len(co), co_mean, bool(flagged))
