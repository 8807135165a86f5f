"""Benchmark: HR's roster of 10,000 candidates imported into one sitting (issue 11).

    .venv/bin/python bench/roster_import.py [--rows 10000] [--existing 2000]
        [--server postgres://postgres@127.0.0.1:5432] [--database certify_bench_roster]

Creates a scratch PostgreSQL database (dropped and re-created each run), migrates it, loads the
standard and a province of 10 branches × 8 halls, and (``--existing``) puts some of the roster's
people on file already (so the import both creates and updates). Writes a valid roster workbook
of ``--rows`` rows with openpyxl, then times the import as the background job runs it
(``roster_import_run``): the child-process parse, the validation and the batched writes, and
reports the queries it made.

Prints JSON: seconds (parse, the whole import), rows per second, created / updated / enrolled,
queries in all and per 1,000 rows, the workbook's size. Target: 10,000 rows in at most 30 s.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--existing", type=int, default=2_000, help="how many of the roster's people are on file")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="certify_bench_roster")
    args = parser.parse_args()

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


def id_number(i: int) -> str:
    from certify.validators import id_number_check_char

    first17 = f"{110000 + i // 1000:06d}{1970 + i % 30:04d}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    return first17 + id_number_check_char(first17)


def run(args) -> dict:
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from openpyxl import Workbook

    from certify.excel import parse_sheet
    from certify.people.models import Branch, Hall, Province
    from certify.people.services import candidate_upsert
    from certify.standard.services import standard_load_defaults
    from exams.planning import roster_jobs
    from exams.planning.models import RosterImport
    from exams.planning.services import sitting_create, sitting_open_enrolment

    standard_load_defaults()
    province = Province.objects.create(name="压测省公司", code="bench")
    halls = [
        Hall.objects.create(
            branch=Branch.objects.get_or_create(province=province, name=f"分公司{b}")[0], name=f"营业厅{b}-{h}"
        )
        for b in range(10)
        for h in range(8)
    ]
    start = timezone.now() + timedelta(days=7)
    sitting = sitting_open_enrolment(
        sitting=sitting_create(
            name="压测批次",
            level=5,
            province=province,
            written_start=start,
            written_end=start + timedelta(minutes=90),
            practical_start=start + timedelta(hours=4),
            practical_end=start + timedelta(hours=8),
            by=None,
        )
    )
    for i in range(args.existing):  # people already on file (their phone changes: an update)
        candidate_upsert(
            employee_no=f"B{i:06d}", name=f"考生{i}", id_number=id_number(i), phone=f"15{i:09d}", hall=halls[0]
        )

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("考生名单")
    sheet.append(["工号", "姓名", "身份证号", "手机号", "分公司", "营业厅", "报考级别"])
    for i in range(args.rows):
        hall = halls[i % len(halls)]
        sheet.append([f"B{i:06d}", f"考生{i}", id_number(i), f"13{i:09d}", hall.branch.name, hall.name, "营业五级"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = buffer.getvalue()

    started = time.monotonic()
    parse_sheet(content, sheet_name="考生名单")
    parse_seconds = time.monotonic() - started

    job = RosterImport.objects.create(sitting=sitting, created_at=timezone.now(), content=content, size=len(content))
    with CaptureQueriesContext(connection) as queries:
        started = time.monotonic()
        job = roster_jobs.roster_import_run(job_id=job.pk)
        seconds = time.monotonic() - started
    report = job.report
    return {
        "rows": args.rows,
        "on_file_before": args.existing,
        "workbook_bytes": len(content),
        "status": job.status,
        "errors": report.get("errors", [])[:5],
        "created": report.get("created"),
        "updated": report.get("updated"),
        "enrolled": report.get("enrolled"),
        "parse_seconds_child_process": round(parse_seconds, 2),
        "import_seconds": round(seconds, 2),
        "rows_per_second": round(args.rows / seconds),
        "queries": len(queries),
        "queries_per_1000_rows": round(len(queries) * 1000 / args.rows, 1),
        "target_seconds": 30,
    }


if __name__ == "__main__":
    main()
