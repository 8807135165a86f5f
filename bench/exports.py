"""Benchmark: 100,000 result rows exported to Excel three ways (issue 14).

    .venv/bin/python bench/exports.py [--rows 100000] [--repeat 1]
        [--server postgres://postgres@127.0.0.1:5432] [--database certify_bench_exports] [--keep-database]

Creates a scratch PostgreSQL database (dropped and re-created each run), migrates it and writes
``--rows`` published ``Result`` rows of one sitting (candidates in 80 halls of 10 branches, 60 %
passed with a certificate each) in bulk. Then, each in its own child process so that memory
figures do not mix, it writes the sitting's results workbook:

- **ours**: the export job exactly as production runs it: HR's request (``export_request``) enqueues
  the Celery task (in-process here, as on the embedded default; a worker's process otherwise), whose
  ``export_job_run`` starts the lean export process ``python -m grading.exports.runner <job>``
  (``certify/settings_export.py``), which calls ``export_run``: the title row, typed and
  formula-safe cells, widths, autofilter, progress saved every 1,000 rows. The benchmark's child
  plays the worker: Django set up with every app and every task module loaded before the request;
- **floor**: the same query's rows appended as they come to a bare openpyxl write-only workbook
  (lxml installed): no title, no styles, no conversions;
- **tablib**: django-import-export's ``ModelResource.export()`` of the same columns and
  ``Dataset.export("xlsx")`` (tablib), what a Django developer would reach for.

Each child reports the export's wall time, its peak resident memory (``VmHWM``: ``ru_maxrss`` of a
process started by ``subprocess`` counts its parent's memory at the exec) and its resident memory
before the export started (Python, Django and the libraries loaded), the file's size, and the
export's CPU seconds (user + system, the export process's included: under other developers' load
the wall time waits for the CPU, the CPU time much less). For ours, ``peak_mb`` and
``before_export_mb`` are the export process's (from the line it logs), ``worker_peak_mb`` and
``worker_before_mb`` the worker's, which waits for it. Targets: ours ≤ 1.25 × the floor's time,
≤ 100 MB peak, ≥ 2 × faster than tablib at ≤ 1/6 of its memory. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb(field: str = "VmRSS") -> float:
    """``VmRSS`` (now) or ``VmHWM`` (the peak) of this process, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


# The line the export process logs (grading/exports/runner.py) when LOG_LEVEL=INFO.
EXPORT_LOG = re.compile(r"memory ([\d.]+) MB before the export, peak ([\d.]+) MB")


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["DJANGO_SETTINGS_MODULE"] = "certify.settings"
    import django

    django.setup()


def id_number(i: int) -> str:
    from certify.validators import id_number_check_char

    first17 = f"{110000 + i // 10000:06d}{1970 + i % 30:04d}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    return first17 + id_number_check_char(first17)


def seed(rows: int) -> dict:
    """``rows`` published results of one sitting, in bulk; returns the sitting and the admin."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from certify.people.models import Branch, Candidate, Hall, Province, Role, User
    from certify.people.services import staff_upsert
    from certify.standard.services import standard_load_defaults
    from exams.planning.models import Enrollment
    from exams.planning.services import sitting_create
    from grading.certificates.models import Certificate
    from grading.results.models import Outcome, Result

    standard_load_defaults()
    province = Province.objects.create(name="压测省公司", code="bench")
    halls = [
        Hall.objects.create(
            branch=Branch.objects.get_or_create(province=province, name=f"分公司{b}")[0], name=f"营业厅{b}-{h}"
        )
        for b in range(10)
        for h in range(8)
    ]
    start = timezone.now() - timedelta(days=30)
    sitting = sitting_create(
        name="压测批次",
        level=5,
        province=province,
        written_start=start,
        written_end=start + timedelta(minutes=90),
        practical_start=start + timedelta(hours=4),
        practical_end=start + timedelta(hours=8),
        by=None,
    )
    admin = staff_upsert(username="hr", full_name="周敏", role=Role.ADMIN, password="bench-only-2026")[0]
    now = timezone.now()
    batch = 5000
    for low in range(0, rows, batch):
        numbers = range(low, min(rows, low + batch))
        users = User.objects.bulk_create(
            [User(username=f"B{i:07d}", full_name=f"考生{i}", role=Role.CANDIDATE, password="!") for i in numbers]
        )
        candidates = Candidate.objects.bulk_create(
            [
                Candidate(
                    user=user,
                    employee_no=f"B{i:07d}",
                    name=f"考生{i}",
                    id_number=id_number(i),
                    phone=f"139{i:08d}",
                    hall=halls[i % len(halls)],
                    level=5,
                )
                for i, user in zip(numbers, users, strict=True)
            ]
        )
        enrollments = Enrollment.objects.bulk_create(
            [
                Enrollment(sitting=sitting, candidate=candidate, admission_no=f"{i:010d}")
                for i, candidate in zip(numbers, candidates, strict=True)
            ]
        )
        results = []
        for i, enrollment in zip(numbers, enrollments, strict=True):
            passed = i % 5 < 3
            objective = Decimal(40 + i % 30)
            situational = Decimal(i % 20) + Decimal("0.5")
            results.append(
                Result(
                    sitting=sitting,
                    enrollment=enrollment,
                    candidate_id=enrollment.candidate_id,
                    level=5,
                    objective=objective,
                    situational=situational,
                    written=objective + situational,
                    typing=Decimal(60 + i % 40),
                    business=Decimal(55 + i % 45),
                    scene=Decimal(50 + i % 50),
                    practical=Decimal(60 + i % 40) if passed else Decimal(50),
                    written_pass_mark=60,
                    practical_pass_mark=60,
                    outcome=Outcome.PASSED if passed else Outcome.FAILED,
                    published=True,
                    published_at=now,
                    updated_at=now,
                )
            )
        results = Result.objects.bulk_create(results)
        Certificate.objects.bulk_create(
            [
                Certificate(
                    number=f"2026-5-{i:07d}",
                    verification_code=f"V{i:09d}",
                    candidate_id=result.candidate_id,
                    level=5,
                    sitting=sitting,
                    result=result,
                    issued_on=now.date(),
                    valid_until=now.date() + timedelta(days=3 * 365),
                )
                for i, result in zip(numbers, results, strict=True)
                if result.outcome == Outcome.PASSED
            ]
        )
    return {"sitting": sitting.pk, "admin": admin.pk}


# --- the three writers, each run in a child process ------------------------------------------------


def write_ours(sitting: int, admin: int, target: Path) -> int:
    from django.conf import settings

    from certify.people.models import User
    from grading.exports.models import ExportJob
    from grading.exports.services import export_path, export_request

    assert settings.EXPORT_IN_CHILD_PROCESS
    settings.EXPORTS_DIR = target.parent
    # The task runs when the request's transaction commits (in-process: no REDIS_URL here).
    job = export_request(kind="sitting_results", params={"sitting": sitting}, by=User.objects.get(pk=admin))
    job = ExportJob.objects.get(pk=job.pk)
    assert job.status == "done", job.error
    export_path(job).replace(target)
    return job.done


def write_floor(sitting: int, admin: int, target: Path) -> int:
    from django.db.models import OuterRef, Subquery
    from openpyxl import Workbook

    from grading.certificates.models import Certificate
    from grading.exports.sources import RESULT_COLUMNS, RESULT_FIELDS
    from grading.results.models import Result

    certificate = Certificate.objects.filter(result=OuterRef("pk"), status="valid").values("number")
    rows = (
        Result.objects.filter(sitting_id=sitting)
        .order_by("enrollment__admission_no", "pk")
        .annotate(certificate_number=Subquery(certificate[:1]))
        .values_list(*RESULT_FIELDS)
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("成绩")
    sheet.append([column.header for column in RESULT_COLUMNS])
    count = 0
    for row in rows.iterator(2000):
        sheet.append(row)
        count += 1
    workbook.save(target)
    return count


def write_tablib(sitting: int, admin: int, target: Path) -> int:
    from django.db.models import OuterRef, Subquery
    from import_export import fields, resources

    from grading.certificates.models import Certificate
    from grading.results.models import Result

    columns = [
        ("candidate__employee_no", "工号"),
        ("candidate__name", "姓名"),
        ("candidate__id_number", "身份证号"),
        ("candidate__hall__branch__name", "分公司"),
        ("candidate__hall__name", "营业厅"),
        ("level", "级别"),
        ("enrollment__admission_no", "准考证号"),
        ("objective", "客观题"),
        ("situational", "情景分析"),
        ("written", "笔试成绩"),
        ("typing", "文字阅录"),
        ("business", "业务受理"),
        ("scene", "情景模拟"),
        ("practical", "实操成绩"),
        ("outcome", "结果"),
    ]
    attributes = {
        f"c{index}": fields.Field(attribute=attribute, column_name=header)
        for index, (attribute, header) in enumerate(columns)
    }

    # The certificate number annotated, as in ours: with prefetch_related instead, import-export
    # pages through the queryset 100 rows at a time with OFFSET, quadratic on 100,000 rows.
    attributes["certificate"] = fields.Field(attribute="certificate_number", column_name="证书编号")
    meta = type("Meta", (), {"model": Result, "fields": tuple(attributes), "chunk_size": 2000})
    resource_class = type("ResultResource", (resources.ModelResource,), {**attributes, "Meta": meta})
    certificate = Certificate.objects.filter(result=OuterRef("pk"), status="valid").values("number")
    queryset = (
        Result.objects.filter(sitting_id=sitting)
        .order_by("enrollment__admission_no", "pk")
        .select_related("candidate__hall__branch", "enrollment")
        .annotate(certificate_number=Subquery(certificate[:1]))
    )
    dataset = resource_class().export(queryset=queryset)
    target.write_bytes(dataset.export("xlsx"))
    return len(dataset)


WRITERS = {"ours": write_ours, "floor": write_floor, "tablib": write_tablib}


def cpu_seconds() -> float:
    """User + system CPU of this process and of its finished children (the export process)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def child(args) -> None:
    setup_django(f"{args.server}/{args.database}")
    import django.db  # noqa: F401 - loaded before the baseline
    import openpyxl  # noqa: F401
    import tablib  # noqa: F401

    import grading.exports.services  # noqa: F401

    if args.child == "ours":
        # What a Celery worker has loaded before its first task: every app's task module.
        from celery import current_app

        current_app.loader.import_default_modules()
    baseline = rss_mb()
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"{args.child}.xlsx"
        cpu_before = cpu_seconds()
        started = time.perf_counter()
        rows = WRITERS[args.child](args.sitting, args.admin, target)
        seconds = time.perf_counter() - started
        cpu = cpu_seconds() - cpu_before
        size = target.stat().st_size
    peak = rss_mb("VmHWM")
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 2),
                "peak_mb": round(peak, 1),
                "before_export_mb": round(baseline, 1),
                "export_mb": round(peak - baseline, 1),
                "file_mb": round(size / 1048576, 2),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each writer (the median is reported)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="certify_bench_exports")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--child", choices=sorted(WRITERS), help=argparse.SUPPRESS)
    parser.add_argument("--sitting", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--admin", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    import psycopg

    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    try:
        load = os.getloadavg()
        seeded = subprocess.run(
            [sys.executable, __file__, "--database", args.database, "--server", args.server, "--rows", str(args.rows)],
            env={**os.environ, "BENCH_EXPORTS_SEED": "1"},
            capture_output=True,
            text=True,
            check=True,
        )
        ids = json.loads(seeded.stdout.strip().splitlines()[-1])
        runs: dict[str, list[dict]] = {name: [] for name in ("floor", "ours", "tablib")}
        for _ in range(args.repeat):
            for name in runs:
                done = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--child",
                        name,
                        "--database",
                        args.database,
                        "--server",
                        args.server,
                        "--sitting",
                        str(ids["sitting"]),
                        "--admin",
                        str(ids["admin"]),
                    ],
                    # INFO: the export process logs its memory (grading/exports/runner.py).
                    env={**os.environ, "LOG_LEVEL": "INFO"},
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode:
                    raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
                run = json.loads(done.stdout.strip().splitlines()[-1])
                if name == "ours":
                    # The process that wrote the file is the export process, not the worker.
                    logged = EXPORT_LOG.search(done.stderr)
                    if logged is None:
                        raise SystemExit(f"the export process logged no memory line:\n{done.stderr[-3000:]}")
                    run["worker_peak_mb"], run["worker_before_mb"] = run["peak_mb"], run["before_export_mb"]
                    run["before_export_mb"], run["peak_mb"] = (round(float(x), 1) for x in logged.groups())
                    run["export_mb"] = round(run["peak_mb"] - run["before_export_mb"], 1)
                    run["worker_and_export_peak_mb"] = round(run["worker_peak_mb"] + run["peak_mb"], 1)
                runs[name].append(run)
        report = {name: sorted(values, key=lambda r: r["seconds"])[len(values) // 2] for name, values in runs.items()}
        ours, floor, tab = report["ours"], report["floor"], report["tablib"]
        report["rows"] = args.rows
        report["seed_seconds"] = ids["seconds"]
        report["ratios"] = {
            "ours_time_over_floor": round(ours["seconds"] / floor["seconds"], 2),
            "ours_cpu_over_floor": round(ours["cpu_seconds"] / floor["cpu_seconds"], 2),
            "tablib_cpu_over_ours": round(tab["cpu_seconds"] / ours["cpu_seconds"], 2),
            "tablib_time_over_ours": round(tab["seconds"] / ours["seconds"], 2),
            "ours_peak_over_tablib_peak": round(ours["peak_mb"] / tab["peak_mb"], 3),
            "ours_worker_and_export_over_tablib_peak": round(ours["worker_and_export_peak_mb"] / tab["peak_mb"], 3),
            "ours_export_memory_over_tablib": round(ours["export_mb"] / max(tab["export_mb"], 0.1), 3),
        }
        report["targets_met"] = {
            "time_within_1.25_floor": ours["seconds"] <= 1.25 * floor["seconds"],
            "peak_at_most_100_mb": ours["peak_mb"] <= 100,
            "twice_as_fast_as_tablib": tab["seconds"] >= 2 * ours["seconds"],
            "a_sixth_of_tablib_memory": ours["peak_mb"] <= tab["peak_mb"] / 6,
        }
        report["load_average_before"] = [round(x, 2) for x in load]
        report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        print(json.dumps(report, ensure_ascii=False, indent=2))
    finally:
        if not args.keep_database:
            with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


def seed_main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int)
    parser.add_argument("--server")
    parser.add_argument("--database")
    args = parser.parse_args()
    setup_django(f"{args.server}/{args.database}")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    ids = seed(args.rows)
    print(json.dumps({**ids, "seconds": round(time.perf_counter() - started, 1)}))


if __name__ == "__main__":
    if os.environ.pop("BENCH_EXPORTS_SEED", None):
        seed_main()
    else:
        main()
