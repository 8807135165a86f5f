"""Scoring of the 文字阅录 typing test (DESIGN.md §6). One function, :func:`score_typing`."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from rapidfuzz.distance import Levenshtein

WHITESPACE = re.compile(r"\s+")
# Above this many candidate prefixes, one bit-parallel pass over all of them is faster.
WINDOW_LIMIT = 48


def normalize(text: str) -> str:
    """NFKC (full-width letters, digits and ASCII punctuation become half-width) without any whitespace."""
    return WHITESPACE.sub("", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class TypingScore:
    typed: int  # characters typed, after normalising
    reached: int  # k: how far into the passage the typed text reaches
    errors: int  # E: edit distance between the typed text and passage[:k]
    wrong: int  # 错字: a character typed in place of another
    missing: int  # 漏字: a passage character left out
    extra: int  # 多字: a character typed that the passage does not have there
    minutes: Decimal  # server time used, capped at the limit
    net_cpm: Decimal  # net 字/分
    accuracy: Decimal  # 0–1
    score: Decimal  # 0–100


def _quantize(value: Decimal, places: str = "0.01") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def prefix_distances(typed: str, passage: str) -> list[int]:
    """``[distance(typed, passage[:k]) for k in 0..len(passage)]`` in one pass.

    Myers' bit-parallel edit distance in Hyyrö's global form: one column of the
    dynamic-programming matrix per passage character, the column held as bit vectors
    over ``typed`` (a Python int of len(typed) bits). The bottom cell of column k is
    the distance to ``passage[:k]``: all of them cost what one distance costs.
    """
    m = len(typed)
    if m == 0:
        return list(range(len(passage) + 1))
    mask, high = (1 << m) - 1, 1 << (m - 1)
    peq: dict[str, int] = {}
    for i, char in enumerate(typed):
        peq[char] = peq.get(char, 0) | (1 << i)
    pv, mv, score = mask, 0, m
    distances = [m]
    for char in passage:
        eq = peq.get(char, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | 1) & mask  # row 0 grows by one per column: D[0][k] = k
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
        distances.append(score)
    return distances


def best_prefix(typed: str, passage: str) -> tuple[int, int]:
    """(k, E): the prefix ``passage[:k]`` closest to ``typed`` and their Levenshtein distance; ties → larger k.

    Since distance(typed, passage[:k]) ≥ |len(typed) − k|, once a distance E is found
    at k = len(typed) only the k within E of it can do better. A careful typist (small
    E) is scored with a few calls of the library's distance in that window; a text
    with many errors with :func:`prefix_distances`' single pass.
    """
    m, n = len(typed), len(passage)
    k0 = min(m, n)
    best_e, best_k = Levenshtein.distance(typed, passage[:k0]), k0
    window = range(min(n, m + best_e), max(0, m - best_e) - 1, -1)  # larger k first: it wins ties
    if len(window) > WINDOW_LIMIT:
        distances = prefix_distances(typed, passage)
        best_e = min(distances)
        return max(k for k, e in enumerate(distances) if e == best_e), best_e
    for k in window:
        if k == k0:
            continue
        e = Levenshtein.distance(typed, passage[:k], score_cutoff=best_e)
        if e < best_e or (e == best_e and k > best_k):
            best_e, best_k = e, k
    return best_k, best_e


def score_typing(
    passage: str, typed: str, *, seconds: float, limit_minutes: int, target_cpm: int, accuracy_floor: int
) -> TypingScore:
    r"""Score a typing test.

    Both texts are normalised (:func:`normalize`: NFKC, whitespace removed). The typed
    text is aligned with the prefix ``passage[:k]`` of the passage that it is closest to
    (the minimum Levenshtein distance E; a tie goes to the larger k), so an unfinished
    passage is not punished for the part never reached. Then:

    - minutes = server seconds used ÷ 60, capped at the limit (at least one second);
    - net 字/分 = max(0, k − E) ÷ minutes;
    - accuracy = 1 − E ÷ k (0 when nothing was typed);
    - score = min(100, 100 × net 字/分 ÷ the level's target), and 0 when accuracy is below the level's
      floor (``accuracy_floor``, percent; 90 by default in the standard).

    E splits into 错字 (substitutions), 漏字 (passage characters left out) and 多字
    (characters typed that are not in the passage there).

    Worked examples: a 13-character passage, target 30 字/分, limit 10 minutes.

    >>> p = "您好，请问您办理什么业务？"
    >>> def score(typed, seconds=60):
    ...     return score_typing(p, typed, seconds=seconds, limit_minutes=10, target_cpm=30, accuracy_floor=90)

    A perfect copy in 20 seconds: k = 13, E = 0, net = 13 ÷ (1/3) = 39 字/分; 100 × 39 ÷ 30 is capped at 100.

    >>> s = score(p, seconds=20)
    >>> (s.reached, s.errors, s.net_cpm, s.accuracy, s.score)
    (13, 0, Decimal('39.00'), Decimal('1.0000'), Decimal('100.00'))

    Full-width and half-width punctuation and line breaks do not count ("，" and ","
    differ only in width; NFKC makes them equal). An unfinished passage is measured
    to where it stopped (k = 6); in one minute: net 6 字/分, score 100 × 6 ÷ 30 = 20.

    >>> s = score("您好,请\n问您")
    >>> (s.reached, s.errors, s.net_cpm, s.score)
    (6, 0, Decimal('6.00'), Decimal('20.00'))

    One wrong character (务 → 物) in 13: E = 1, accuracy 12/13 = 92.31% ≥ 90%,
    net (13 − 1) ÷ 1 = 12 字/分, score 100 × 12 ÷ 30 = 40.

    >>> s = score("您好，请问您办理什么业物？")
    >>> (s.wrong, s.missing, s.extra, s.accuracy, s.score)
    (1, 0, 0, Decimal('0.9231'), Decimal('40.00'))

    Two errors in 13 (您 left out, 啊 typed in): accuracy 84.62% < 90%, score 0.

    >>> s = score("您好，请问办理什么业务啊？")
    >>> (s.wrong, s.missing, s.extra, s.accuracy, s.score)
    (0, 1, 1, Decimal('0.8462'), Decimal('0.00'))
    """
    ref, text = normalize(passage), normalize(typed)
    k, e = best_prefix(text, ref)
    wrong = missing = extra = 0
    for op in Levenshtein.editops(ref[:k], text):
        if op.tag == "replace":
            wrong += 1
        elif op.tag == "delete":
            missing += 1
        else:
            extra += 1
    minutes = Decimal(str(max(1.0, min(float(seconds), limit_minutes * 60)))) / 60
    net = Decimal(max(0, k - e)) / minutes
    accuracy = Decimal(1) - Decimal(e) / Decimal(k) if k else Decimal(0)
    score = min(Decimal(100), 100 * net / Decimal(target_cpm))
    if accuracy * 100 < accuracy_floor:
        score = Decimal(0)
    return TypingScore(
        typed=len(text),
        reached=k,
        errors=e,
        wrong=wrong,
        missing=missing,
        extra=extra,
        minutes=_quantize(minutes, "0.0001"),
        net_cpm=_quantize(net),
        accuracy=_quantize(accuracy, "0.0001"),
        score=_quantize(score),
    )
