"""Objective grading (DESIGN.md §7): single and multiple choice, strict or with partial credit.

A candidate's answer holds the letters *as shown to them* (A, B, C, …: options are shuffled per
paper); ``option_order`` maps each shown position back to the item's own option, and the key
names the item's own options by letter. So shown letter ``L`` is the item's option
``option_order[index(L)]``.

- Single choice: the key chosen → full points, anything else → 0.
- Multiple choice, strict (the default): exactly the set of keys → full points, else 0.
- Multiple choice, partial credit (a blueprint's choice): a proper subset of the keys with no
  wrong option → half the points.
- No answer → 0. Situational answers are not graded here (examiners mark them): ``None``.

Pure: no models, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal


def letter_index(letter: str) -> int:
    """A → 0, B → 1, …: the option letters are the alphabet's first eight."""
    return ord(letter) - ord("A")


def grade_response(
    kind: str, key: str, option_order: Sequence[int], points: int, response: Iterable[str] | None, *, partial: bool
) -> Decimal | None:
    """Points for one answer; ``None`` for a situational item (see the module docstring)."""
    if kind == "situational":
        return None
    if not response:
        return Decimal(0)
    chosen = {option_order[letter_index(letter)] for letter in response}
    correct = {letter_index(letter) for letter in key}
    if chosen == correct:
        return Decimal(points)
    if kind == "multiple" and partial and chosen < correct:
        return Decimal(points) / 2
    return Decimal(0)
