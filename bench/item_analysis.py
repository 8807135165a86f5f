"""Benchmark: item analysis of a 5,000-candidate sitting (issue 14).

    .venv/bin/python bench/item_analysis.py [--candidates 5000] [--level 4]
        [--server postgres://postgres@127.0.0.1:5432] [--database certify_bench_items]

Creates a scratch PostgreSQL database (dropped and re-created each run) and, as
``bench/assembly.py`` does, one scheduled sitting of ``--candidates`` on the shipped bank with
every paper assembled. Each candidate then answers every choice item of their paper and submits:
a candidate of ability θ ~ N(0, 1) picks the key with probability 1 / (1 + e^(b − θ)), b from the
item's difficulty (1–5 → −2…2), otherwise one wrong option at random; answers are written in bulk
in the letters as shown (through each paper's option shuffle). Situational answers are not
marked here, so they are left out of the analysis as unmarked answers are.

Then it times ``sittings_item_analysis`` (reading every response, grading it, mapping it back
through the shuffle, the numpy analysis) and ``item_analysis_store`` (the same plus writing the
figures to the bank's items). Prints JSON: seconds of each (wall, and this process's CPU: on a
shared machine the wall time also waits for the CPU), responses, items analysed, flags, KR-20.
Target: ≤ 10 s for 5,000 candidates.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=5_000)
    parser.add_argument("--level", type=int, default=4, choices=[3, 4, 5])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="certify_bench_items")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()

    import psycopg

    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    os.environ["DATABASE_URL"] = f"{args.server}/{args.database}"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["DJANGO_SETTINGS_MODULE"] = "certify.settings"
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(json.dumps(run(args), ensure_ascii=False, indent=2))
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_database:
            with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


def sit(sitting, seed: int) -> int:
    """Every candidate answers their choice items and submits (bulk); the answers written."""
    from datetime import timedelta

    from django.utils import timezone

    from exams.papers.models import Paper, PaperItem
    from exams.written.models import Answer, Attempt, AttemptStatus

    rng = random.Random(seed)
    now = timezone.now()
    papers = list(Paper.objects.filter(enrollment__sitting=sitting).values_list("pk", "enrollment_id"))
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(
                enrollment_id=enrollment,
                paper_id=paper,
                status=AttemptStatus.SUBMITTED,
                started_at=now - timedelta(minutes=90),
                deadline=now,
                submitted_at=now,
                submitted_by="deadline",
            )
            for paper, enrollment in papers
        ],
        batch_size=2000,
    )
    attempt_of = {attempt.paper_id: attempt.pk for attempt in attempts}
    ability = {paper: rng.gauss(0, 1) for paper, _ in papers}
    letters = "ABCDEFGH"
    answers, written = [], 0
    rows = (
        PaperItem.objects.filter(paper__enrollment__sitting=sitting)
        .exclude(item_version__type="situational")
        .values_list("paper_id", "position", "item_version__answer", "item_version__difficulty", "option_order")
    )
    for paper, position, key, difficulty, order in rows.iterator(5000):
        own = [letters.index(letter) for letter in key]
        b = (difficulty - 3) * 1.0
        right = rng.random() < 1 / (1 + math.exp(b - ability[paper]))
        if right:
            chosen = own
        else:
            wrong = [index for index in range(len(order)) if index not in own]
            chosen = [rng.choice(wrong)] if wrong else own[:1]
        shown = sorted(letters[order.index(index)] for index in chosen)
        answers.append(Answer(attempt_id=attempt_of[paper], position=position, response=shown, seq=1, saved_at=now))
        if len(answers) >= 10_000:
            Answer.objects.bulk_create(answers)
            written += len(answers)
            answers = []
    Answer.objects.bulk_create(answers)
    return written + len(answers)


def run(args) -> dict:
    from assembly import prepare

    from exams.papers.services import papers_assemble
    from grading.statistics.services import item_analysis_store, sittings_item_analysis

    setup_started = time.monotonic()
    sitting, *_ = prepare(args)
    papers_assemble(sitting_id=sitting.pk)
    answers = sit(sitting, args.seed)
    setup_seconds = time.monotonic() - setup_started

    started, cpu = time.monotonic(), time.process_time()
    analysis = sittings_item_analysis(sittings=[sitting])
    analyse_seconds, analyse_cpu = time.monotonic() - started, time.process_time() - cpu
    started, cpu = time.monotonic(), time.process_time()
    stored = item_analysis_store(sitting=sitting)
    store_seconds, store_cpu = time.monotonic() - started, time.process_time() - cpu
    flags: dict[str, int] = {}
    for figures in stored.items:
        for flag in figures.flags:
            flags[flag] = flags.get(flag, 0) + 1
    return {
        "candidates": analysis.candidates,
        "answers_written": answers,
        "setup_seconds": round(setup_seconds, 1),
        "analysis_seconds": round(analyse_seconds, 2),
        "analysis_cpu_seconds (this process)": round(analyse_cpu, 2),
        "analysis_and_store_seconds": round(store_seconds, 2),
        "analysis_and_store_cpu_seconds (this process)": round(store_cpu, 2),
        "items": len(analysis.items),
        "items_analysed (≥ 30 responses)": sum(1 for f in analysis.items if not f.too_few),
        "flags": flags,
        "kr20": analysis.kr20,
        "objective_positions": analysis.objective_positions,
        "target_met (≤ 10 s)": store_seconds <= 10,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


if __name__ == "__main__":
    main()
