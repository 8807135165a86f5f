"""Benchmark: publishing a sitting of 5,000 candidates and rendering their certificates (issue 13).

    .venv/bin/python bench/results.py [--candidates 5000] [--processes 2]
        [--pdfs 5000] [--server postgres://postgres@127.0.0.1:5432] [--database certify_bench_results]

Creates a scratch PostgreSQL database (dropped and re-created each run) and, with bench/assembly.py's
``prepare``, one scheduled level-5 sitting of N candidates; assembles their papers. Then it writes
what the exam day and the marking would have left, in bulk: every written attempt submitted with a
complete written score, every typing and business part submitted with a score and every scene
scored (random scores: a little over half of the candidates pass), the sitting in 阅卷中 and every room
signed off. Timed:

1. ``sitting_publish``: the results of every candidate and a certificate for every pass, in one
   transaction (target ≤ 30 s for 5,000);
2. ``--pdfs`` certificate PDFs (the sitting's certificates, cycled when fewer were issued):
   rendered one after another in this process, then by ``--processes`` processes at once, each
   rendering its share (target: 5,000 at ≥ 50 per second).

Prints the timings, the outcome counts, the certificates issued (numbers unique, checked) and the
load average (the machine is shared: say so with the figures).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--pdfs", type=int, default=5000, help="certificates to render (the issued ones, cycled)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="certify_bench_results")
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args()
    args.level = 5

    import psycopg

    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    os.environ["DATABASE_URL"] = f"{args.server}/{args.database}"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["DJANGO_SETTINGS_MODULE"] = "certify.settings"

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(json.dumps(run(args), ensure_ascii=False, indent=2))


def played(sitting, rng: random.Random) -> None:
    """The exam day and the marking as they would have left the database, in bulk."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from exams.planning.models import Enrollment, Room, RoomExaminer, SittingStatus
    from exams.practical.material import material_load
    from exams.practical.models import BusinessAttempt, Passage, Scene, SceneRun, TypingAttempt
    from exams.written.models import Attempt
    from grading.marking.models import WrittenScore
    from grading.results.models import RoomSignOff

    material_load()
    now = timezone.now()
    done = sitting.written_start + timedelta(minutes=80)
    enrollments = list(Enrollment.objects.filter(sitting=sitting).select_related("paper"))
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(
                enrollment=e,
                paper=e.paper,
                status="submitted",
                started_at=sitting.written_start,
                deadline=sitting.written_end,
                submitted_at=done,
                submitted_by="candidate",
            )
            for e in enrollments
        ],
        batch_size=2000,
    )

    def score(low: int) -> Decimal:
        return Decimal(rng.randint(low * 100, 10000)) / 100

    WrittenScore.objects.bulk_create(
        [
            WrittenScore(
                attempt=a,
                objective=(objective := Decimal(rng.randint(70, 160)) / 2),
                situational=(situational := Decimal(rng.randint(0, 20))),
                total=objective + situational,
                complete=True,
                updated_at=now,
            )
            for a in attempts
        ],
        batch_size=2000,
    )
    passage = Passage.objects.first()
    scene = Scene.objects.first()
    start = sitting.practical_start
    TypingAttempt.objects.bulk_create(
        [
            TypingAttempt(
                enrollment=e,
                passage=passage,
                status="submitted",
                started_at=start,
                deadline=start + timedelta(minutes=10),
                submitted_at=start + timedelta(minutes=10),
                score=score(40),
            )
            for e in enrollments
        ],
        batch_size=2000,
    )
    BusinessAttempt.objects.bulk_create(
        [
            BusinessAttempt(
                enrollment=e,
                status="submitted",
                started_at=start,
                deadline=start + timedelta(minutes=10),
                submitted_at=start + timedelta(minutes=10),
                score=score(45),
            )
            for e in enrollments
        ],
        batch_size=2000,
    )
    SceneRun.objects.bulk_create(
        [
            SceneRun(
                enrollment=e,
                room_id=e.practical_room_id,
                scene=scene,
                started_at=start,
                result=score(50),
                result_at=start + timedelta(minutes=30),
            )
            for e in enrollments
        ],
        batch_size=2000,
    )
    sitting.status = SittingStatus.MARKING
    sitting.save(update_fields=["status"])
    chief = RoomExaminer.objects.filter(room__sitting=sitting, is_chief=True).first().examiner
    RoomSignOff.objects.bulk_create(
        [RoomSignOff(room=room, by=chief, at=now) for room in Room.objects.filter(sitting=sitting)]
    )


def render_share(ids: list[int]) -> int:
    """A child process: render the certificates ``ids`` (its own database connection; an id may repeat)."""
    from django.db import connection

    from grading.certificates.models import Certificate
    from grading.certificates.pdf import certificate_pdf

    connection.close()
    rows = Certificate.objects.filter(pk__in=set(ids)).select_related("candidate").in_bulk()
    return sum(len(certificate_pdf(rows[pk])) for pk in ids)


def run(args) -> dict:
    from collections import Counter

    from assembly import prepare
    from django.db import connection
    from django.utils import timezone

    from certify.people.models import User
    from exams.papers.services import papers_assemble
    from grading.certificates.models import Certificate
    from grading.certificates.pdf import certificate_pdf, font
    from grading.results.models import Result
    from grading.results.services import sitting_publish

    rng = random.Random(args.seed)
    progress(f"setting up {args.candidates} candidates")
    sitting, _items, setup_seconds, _schedule = prepare(args)
    papers_assemble(sitting_id=sitting.pk)
    sitting.refresh_from_db()
    played(sitting, rng)
    admin = User.objects.create(username="bench-admin", role="admin")

    progress("publishing")
    started = time.monotonic()
    published = sitting_publish(sitting=sitting, by=admin, now=timezone.now())
    publish_seconds = time.monotonic() - started
    certificates = list(Certificate.objects.filter(sitting=sitting).select_related("candidate").order_by("number"))

    batch = [certificates[k % len(certificates)] for k in range(args.pdfs)]
    progress(f"rendering {len(batch)} certificates in this process")
    font()
    certificate_pdf(certificates[0])  # warm-up: the font's first subset
    started = time.monotonic()
    size = sum(len(certificate_pdf(c)) for c in batch)
    serial_seconds = time.monotonic() - started

    progress(f"rendering them again in {args.processes} processes")
    ids = [c.pk for c in batch]
    shares = [ids[k :: args.processes] for k in range(args.processes)]
    connection.close()
    started = time.monotonic()
    with multiprocessing.get_context("fork").Pool(args.processes) as pool:
        pool.map(render_share, shares)
    parallel_seconds = time.monotonic() - started

    numbers = [c.number for c in certificates]
    return {
        "candidates": args.candidates,
        "setup_seconds": round(setup_seconds, 1),
        "publish_seconds": round(publish_seconds, 2),
        "results_published": published,
        "outcomes": dict(Counter(Result.objects.filter(sitting=sitting).values_list("outcome", flat=True))),
        "certificates_issued": len(certificates),
        "certificate_numbers_unique": len(set(numbers)) == len(numbers),
        "first_and_last_number": [numbers[0], numbers[-1]] if numbers else [],
        "pdfs_rendered": len(batch),
        "pdf_seconds_one_process": round(serial_seconds, 2),
        "pdfs_per_second_one_process": round(len(batch) / serial_seconds, 1),
        f"pdf_seconds_{args.processes}_processes": round(parallel_seconds, 2),
        f"pdfs_per_second_{args.processes}_processes": round(len(batch) / parallel_seconds, 1),
        "mean_pdf_kilobytes": round(size / max(1, len(batch)) / 1024, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


if __name__ == "__main__":
    main()
