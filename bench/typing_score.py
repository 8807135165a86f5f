"""Benchmark: scoring one 800-character typing test (issue 6).

    .venv/bin/python bench/typing_score.py [--repeat 200]

Scores the longest shipped passage against four typed texts (a perfect copy, an
unfinished copy with 5% errors, a copy with 12% errors, and unrelated text of the
same length: the worst case of the prefix search) and prints the median and worst
milliseconds per score.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grading.scoring.typing import normalize, score_typing  # noqa: E402


def damaged(text: str, share: float, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(int(len(chars) * share)):
        i = rng.randrange(len(chars))
        kind = rng.choice(["wrong", "missing", "extra"])
        if kind == "wrong":
            chars[i] = "错"
        elif kind == "missing":
            del chars[i]
        else:
            chars.insert(i, "多")
    return "".join(chars)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    passages = json.loads((ROOT / "fixtures" / "passages.json").read_text())
    passage = max((p["text"] for p in passages), key=lambda t: len(normalize(t)))
    rng = random.Random(6)
    text = normalize(passage)
    cases = {
        "perfect copy": text,
        "unfinished, 5% errors": damaged(text[: len(text) * 3 // 4], 0.05, rng),
        "complete, 12% errors": damaged(text, 0.12, rng),
        "unrelated text": "".join(rng.choice("的一是在不了有和人这中大为上个国") for _ in text),
    }
    report = {"passage_characters": len(text)}
    for name, typed in cases.items():
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            result = score_typing(passage, typed, seconds=600, limit_minutes=10, target_cpm=50, accuracy_floor=90)
            times.append((time.perf_counter() - t0) * 1000)
        report[name] = {
            "ms_median": round(statistics.median(times), 3),
            "ms_max": round(max(times), 3),
            "reached": result.reached,
            "errors": result.errors,
            "score": str(result.score),
        }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
