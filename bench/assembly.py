"""Benchmark: paper assembly for a whole sitting on the shipped bank (issue 4).

    .venv/bin/python bench/assembly.py [--candidates 10000] [--level 4]
        [--server postgres://postgres@127.0.0.1:5432] [--database certify_bench]

Creates a scratch PostgreSQL database (dropped and re-created each run), migrates
it, loads the standard, the shipped bank and the default blueprints, bulk-creates
the candidates, rooms and examiners of one sitting and schedules it (seats,
admission numbers, frozen rules). Then it times ``papers_assemble`` alone: building
every paper and writing it (papers and their items) to the database.

Prints total seconds, papers per second, the spread of paper mean difficulty, the
maximum item exposure and the number of pairwise-identical papers (checked in the
database, must be 0). Target: 10,000 level-4 papers in at most 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--level", type=int, default=4, choices=[3, 4, 5])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="certify_bench")
    parser.add_argument("--seed", type=int, default=20261124)
    args = parser.parse_args()

    import psycopg

    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    os.environ["DATABASE_URL"] = f"{args.server}/{args.database}"
    os.environ.pop("REDIS_URL", None)  # tasks in-process; we call the service directly anyway
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["DJANGO_SETTINGS_MODULE"] = "certify.settings"

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    report = run(args)
    print(json.dumps(report, ensure_ascii=False, indent=2))


def prepare(args, *, written_start=None):
    """Standard, shipped bank, blueprints; ``args.candidates`` candidates in one scheduled sitting of
    ``args.level`` (papers not yet assembled). Returns the sitting and the setup's timings."""
    from datetime import datetime, timedelta
    from unittest import mock
    from zoneinfo import ZoneInfo

    from django.contrib.auth.hashers import make_password

    from certify.people.models import Branch, Candidate, Hall, Province, Role, User
    from certify.standard.services import standard_load_defaults
    from certify.validators import id_number_check_char
    from exams import sittings
    from exams.planning import services as planning_services
    from exams.planning.models import Enrollment, Room, RoomExaminer
    from question_bank.services.blueprints import blueprints_load_defaults
    from question_bank.services.items import bank_load_shipped

    setup_started = time.monotonic()
    standard_load_defaults()
    bank_items = bank_load_shipped()
    blueprints_load_defaults()
    province = Province.objects.create(name="压测省公司", code="bench")
    halls = [
        Hall.objects.create(
            branch=Branch.objects.get_or_create(province=province, name=f"分公司{b}")[0], name=f"营业厅{b}-{h}"
        )
        for b in range(10)
        for h in range(8)
    ]
    unusable = make_password(None)
    n = args.candidates
    users = User.objects.bulk_create(
        [User(username=f"B{i:06d}", full_name=f"考生{i}", role=Role.CANDIDATE, password=unusable) for i in range(n)],
        batch_size=2000,
    )
    candidates = []
    for i, user in enumerate(users):
        # A valid, unique ID number: region code + birthday + serial, with its check character.
        first17 = f"{110000 + i // 1000:06d}{1970 + i % 30:04d}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
        candidates.append(
            Candidate(
                user=user,
                employee_no=user.username,
                name=user.full_name,
                id_number=first17 + id_number_check_char(first17),
                phone=f"13{i:09d}",
                hall=halls[i % len(halls)],
                level=args.level,
            )
        )
    Candidate.objects.bulk_create(candidates, batch_size=2000)

    shanghai = ZoneInfo("Asia/Shanghai")
    start = written_start or datetime(2027, 3, 1, 9, 0, tzinfo=shanghai)
    sitting = planning_services.sitting_create(
        name="压测批次",
        level=args.level,
        province=province,
        written_start=start,
        written_end=start + timedelta(minutes=120),
        practical_start=start + timedelta(hours=5),
        practical_end=start + timedelta(hours=8),
        by=None,
    )
    sitting = planning_services.sitting_open_enrolment(sitting=sitting)
    Enrollment.objects.bulk_create(
        [Enrollment(sitting=sitting, candidate=c) for c in Candidate.objects.all()], batch_size=2000
    )
    written_rooms = math.ceil(n / 999)
    practical_rooms = math.ceil(n / 999)
    rooms = [
        Room.objects.create(sitting=sitting, kind=kind, number=k + 1, name=f"{kind}-{k + 1}", capacity=999)
        for kind, count in (("written", written_rooms), ("practical", practical_rooms))
        for k in range(count)
    ]
    examiners, assignments = [], []
    for room in rooms:
        per_room = 34 if room.kind == "written" else 334
        for k in range(per_room + (1 if room.kind == "practical" else 0)):
            chief = room.kind == "practical" and k == per_room
            examiners.append(
                User(
                    username=f"E{room.pk}-{k}",
                    full_name="考评员",
                    role=Role.CHIEF_EXAMINER if chief else Role.EXAMINER,
                    password=unusable,
                )
            )
            assignments.append((room, chief))
    examiners = User.objects.bulk_create(examiners, batch_size=2000)
    RoomExaminer.objects.bulk_create(
        [
            RoomExaminer(room=room, examiner=user, is_chief=chief)
            for user, (room, chief) in zip(examiners, assignments, strict=True)
        ],
        batch_size=2000,
    )
    schedule_started = time.monotonic()
    with mock.patch.object(sittings, "enqueue_on_commit"):  # time the assembly on its own below
        sitting = sittings.sitting_schedule(sitting=sitting, by=None, seed=args.seed)
    schedule_seconds = time.monotonic() - schedule_started
    setup_seconds = time.monotonic() - setup_started
    return sitting, bank_items, setup_seconds, schedule_seconds


def run(args) -> dict:
    from django.db import connection

    from exams.papers.models import Paper, PaperItem
    from exams.papers.services import papers_assemble

    sitting, bank_items, setup_seconds, schedule_seconds = prepare(args)
    n = args.candidates
    started = time.monotonic()
    report = papers_assemble(sitting_id=sitting.pk)
    seconds = time.monotonic() - started
    blueprint = sitting.assembly.blueprint

    papers = Paper.objects.filter(enrollment__sitting=sitting)
    distinct_fingerprints = papers.values("fingerprint").distinct().count()
    with connection.cursor() as cursor:
        # Identical papers checked on what was stored: the sorted item lists, not the fingerprints.
        cursor.execute(
            """
            SELECT count(*) - count(DISTINCT items) FROM (
              SELECT paper_id, array_agg(item_version_id ORDER BY item_version_id) AS items
              FROM exams_paperitem GROUP BY paper_id) AS per_paper
            """
        )
        identical_in_db = cursor.fetchone()[0]
    return {
        "candidates": n,
        "level": args.level,
        "bank_items": bank_items,
        "setup_seconds": round(setup_seconds, 1),
        "schedule_seconds (seats, admission numbers, freeze)": round(schedule_seconds, 2),
        "assembly_seconds": round(seconds, 2),
        "build_seconds (in memory)": report["build_seconds"],
        "papers_per_second": round(n / seconds, 1),
        "papers_written": papers.count(),
        "paper_items_written": PaperItem.objects.filter(paper__enrollment__sitting=sitting).count(),
        "mean_difficulty_spread": [report["mean_difficulty_min"], report["mean_difficulty_max"]],
        "target_difficulty": f"{blueprint['target_difficulty']} ± {blueprint['difficulty_tolerance']}",
        "max_item_exposure": report["max_exposure"],
        "max_item_exposure_rate": report["max_exposure_rate"],
        "items_used": report["items_used"],
        "identical_pairs (fingerprints)": papers.count() - distinct_fingerprints,
        "identical_pairs (stored item lists)": identical_in_db,
        "papers_rebuilt_for_duplicates": report["rebuilt_for_duplicates"],
    }


if __name__ == "__main__":
    main()
