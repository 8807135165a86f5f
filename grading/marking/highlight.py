"""Key-point highlighting (要点提示): where an answer says what a rubric's key points ask for.

A hint for the marker, never a mark: nothing here is ever used to fill in or suggest a score.

For each key point of the rubric:

- its accepted phrasings (``phrasings``) are searched in the answer as they are, and every
  occurrence is highlighted;
- its own wording is segmented with jieba into words (two characters or more, without a few
  words every answer uses, such as 客户 or 进行); the answer is segmented too, and every answer
  word among them is highlighted.

A point whose phrasing occurs is a 命中 (``hit``); one with only some of its words is 相关
(``related``); otherwise 未见 (``none``). Text is compared after NFKC and lower-casing, character
by character, so positions in the answer are kept.

jieba's dictionary is loaded once per process (about a second, the first time it is needed),
never per request; segmenting runs without the HMM (dictionary words only), which halves its cost.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)

STOPWORDS = frozenset(
    [
        "客户",
        "营业员",
        "进行",
        "需要",
        "应该",
        "应当",
        "可以",
        "我们",
        "他们",
        "你们",
        "如果",
        "因为",
        "所以",
        "没有",
        "一个",
        "这个",
        "那个",
        "什么",
        "怎么",
        "时候",
        "以及",
        "并且",
        "或者",
        "通过",
        "对于",
        "关于",
        "服务",
        "工作",
        "问题",
        "情况",
        "要求",
        "能够",
        "及时",
    ]
)
HIT, RELATED, NONE = "hit", "related", "none"

_tokenizer: jieba.Tokenizer | None = None
_lock = threading.Lock()


def tokenizer() -> jieba.Tokenizer:
    """The process's one jieba tokenizer, its dictionary loaded on first use."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                instance = jieba.Tokenizer()
                instance.initialize()
                _tokenizer = instance
    return _tokenizer


def normalize(text: str) -> str:
    """NFKC and lower case, one character for one, so offsets stay those of the original text."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch).lower()
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


@dataclass(frozen=True)
class PointTerms:
    phrasings: tuple[str, ...]
    words: frozenset[str]


@lru_cache(maxsize=4096)
def point_terms(point: str, phrasings: tuple[str, ...]) -> PointTerms:
    words = {
        word
        for word in tokenizer().lcut(normalize(point), HMM=False)
        if len(word) >= 2 and word not in STOPWORDS and not word.isdigit()
    }
    cleaned = tuple(p for p in (normalize(p.strip()) for p in phrasings) if p)
    return PointTerms(cleaned, frozenset(words))


@dataclass(frozen=True)
class PointHit:
    index: int
    status: str  # HIT, RELATED or NONE
    matched: tuple[str, ...]  # the phrasings and words found, in the order found


@dataclass(frozen=True)
class Highlight:
    segments: tuple[tuple[str, tuple[int, ...]], ...]  # (text, the key points it matches), covering the answer
    hits: tuple[PointHit, ...]  # one per key point

    @property
    def spans(self) -> list[tuple[int, int, tuple[int, ...]]]:
        """(start, end, key points) of every highlighted stretch of the answer."""
        out, offset = [], 0
        for text, points in self.segments:
            if points:
                out.append((offset, offset + len(text), points))
            offset += len(text)
        return out


def highlight(answer: str, rubric: list[dict]) -> Highlight:
    """The answer cut into highlighted and plain stretches, and each key point's hint."""
    text = normalize(answer or "")
    marks: list[set[int]] = [set() for _ in text]
    terms = [point_terms(p.get("point", ""), tuple(p.get("phrasings") or p.get("synonyms") or ())) for p in rubric]
    found: list[list[str]] = [[] for _ in rubric]
    phrased: list[bool] = [False for _ in rubric]

    for index, point in enumerate(terms):
        for phrasing in point.phrasings:
            start = text.find(phrasing)
            if start >= 0 and phrasing not in found[index]:
                found[index].append(phrasing)
                phrased[index] = True
            while start >= 0:
                for at in range(start, start + len(phrasing)):
                    marks[at].add(index)
                start = text.find(phrasing, start + len(phrasing))

    if text and any(point.words for point in terms):
        for word, start, end in tokenizer().tokenize(text, HMM=False):
            if len(word) < 2:
                continue
            for index, point in enumerate(terms):
                if word in point.words:
                    if word not in found[index]:
                        found[index].append(word)
                    for at in range(start, end):
                        marks[at].add(index)

    answer = answer or ""
    segments: list[tuple[str, tuple[int, ...]]] = []
    start, previous = 0, ()
    for at, indices in enumerate(marks):
        key = tuple(sorted(indices)) if indices else ()
        if at and key != previous:
            segments.append((answer[start:at], previous))
            start = at
        previous = key
    if answer:
        segments.append((answer[start:], previous))
    hits = tuple(
        PointHit(index, HIT if phrased[index] else RELATED if found[index] else NONE, tuple(found[index]))
        for index in range(len(rubric))
    )
    return Highlight(tuple(segments), hits)
