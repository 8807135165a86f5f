"""The practical score (0–100): the weighted sum of typing, business entry and scene with the level's weights.

A part with no score yet leaves the total open (``total`` None, the part named in
``missing``) unless the session is closed (``closed=True``): then a part never taken
counts 0. A candidate marked absent from the practical has no score at all
(``absent``), whatever was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

PARTS = {"typing": "文字阅录", "business": "业务受理", "scene": "现场情景模拟"}


@dataclass(frozen=True)
class PracticalScore:
    parts: dict[str, Decimal | None]
    weights: dict[str, int]
    total: Decimal | None
    absent: bool = False
    missing: list[str] = field(default_factory=list)

    def passes(self, pass_mark: int) -> bool | None:
        """Whether the total reaches ``pass_mark`` (the sitting's frozen ``practical_pass_mark``)."""
        return None if self.total is None else self.total >= pass_mark


def weighted_total(parts: dict[str, Decimal], weights: dict[str, int]) -> Decimal:
    """Σ part × weight ÷ 100, rounded to 0.01."""
    total = sum((Decimal(parts[name]) * weights[name] for name in PARTS), Decimal(0)) / 100
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def practical_weights(rule) -> dict[str, int]:
    """The level's weights of the three parts (they add up to 100)."""
    return {"typing": rule.weight_typing, "business": rule.weight_business, "scene": rule.weight_scene}


def practical_total(
    parts: dict[str, Decimal | None], weights: dict[str, int], *, absent: bool = False, closed: bool = False
) -> PracticalScore:
    """The score from the parts' scores (None: not scored yet); see the module docstring."""
    if absent:
        return PracticalScore(dict.fromkeys(PARTS), weights, None, absent=True)
    missing = [name for name in PARTS if parts.get(name) is None]
    if missing and not closed:
        return PracticalScore(parts, weights, None, missing=missing)
    filled = {name: parts.get(name) if parts.get(name) is not None else Decimal(0) for name in PARTS}
    return PracticalScore(parts, weights, weighted_total(filled, weights), missing=missing)
