"""The scene panel's rule (现场情景模拟, DESIGN.md §6): how the panel's marks for one round become
the candidate's scene score.

- Each panel member gives a total (0–100: five dimensions of 0–20).
- Fewer than ``minimum`` totals (the level's ``practical_min_examiners``, default 3): no result.
- Otherwise the mean of the totals, rounded half-up to 0.01, is the result, unless the totals
  spread (highest − lowest) by more than ``threshold`` (the level's ``scene_spread_threshold``,
  default 15): then there is no result until the chief examiner confirms the round
  (``confirmed``; the mean stands) or orders a new round.

Pure: no models, no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class RoundState:
    round: int
    submitted: int  # totals in this round
    minimum: int
    spread: int | None
    threshold: int
    mean: Decimal | None
    needs_review: bool
    result: Decimal | None

    @property
    def status(self) -> str:
        if self.result is not None:
            return "scored"
        if self.needs_review:
            return "review"
        return "scoring"


def panel_mean(totals: Sequence[int]) -> Decimal:
    return (Decimal(sum(totals)) / len(totals)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def panel_round(
    totals: Sequence[int], *, round: int = 1, minimum: int, threshold: int, confirmed: bool = False
) -> RoundState:
    """The state of one round from its totals (see the module docstring)."""
    enough = len(totals) >= minimum
    spread = (max(totals) - min(totals)) if totals else None
    mean = panel_mean(totals) if enough else None
    too_wide = enough and spread > threshold
    return RoundState(
        round=round,
        submitted=len(totals),
        minimum=minimum,
        spread=spread,
        threshold=threshold,
        mean=mean,
        needs_review=too_wide and not confirmed,
        result=mean if enough and (not too_wide or confirmed) else None,
    )
