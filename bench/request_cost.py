"""Benchmark: the web CPU of one start and one save, in-process, without HTTP or contention (issue 17).

    .venv/bin/python bench/request_cost.py [--candidates 1000] [--saves 20] [--profile FILE]
        [--server postgres://postgres@127.0.0.1:5432] [--database certify_bench_cost]

The exam-day bench (``bench/exam_day.py``) measures the server from outside, on 2 cores shared
by the server, PostgreSQL, Celery and the client, where every figure moves with the others. This
one calls ``certify.wsgi.application`` (the production WSGI callable, the lean save at its edge)
directly in one thread, as the web server would, against PostgreSQL and a scratch database: a
level-5 sitting in progress with ``--candidates`` candidates, papers assembled and in the shared
cache, an API token each. It then times, per request, the process's own CPU (``time.thread_time``)
and wall time for

- **start page**: each candidate's exam page before the start (the page the browser's 开始答题
  is on, with its own API token), through Django's test client;
- **start**: each candidate's first ``POST /api/enrollments/<id>/attempt/`` (a new attempt);
- **first save**: each attempt's first save in this process (the attempt's paper layout not yet
  in this process's cache, as for the first save of an attempt in every web process);
- **save**: ``--saves`` further saves per attempt (the common case);
- **exam page**: each exam page reloaded in progress (the paper's JSON with the saved answers);
- **save past the grace**: every deadline is then moved past its grace, and half the candidates
  save once more: refused (409), and the request submits and grades its attempt;
- **sweep**: the periodic sweep (``parts_finalize_expired``) submits and grades the other half,
  per attempt;
- **scripts**: the marking scripts both of those enqueue (``grading.tasks.create_scripts``), run
  afterwards and timed apart, per attempt.

and PostgreSQL's CPU for the same requests (its backend's, from /proc). With ``--profile FILE`` it
writes cProfile's statistics of the starts and the saves. Prints JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="certify_bench_cost")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--keep-database", action="store_true", help="do not drop the scratch database at the end")
    args = parser.parse_args()
    args.level, args.seed = 5, 7

    from scratch import scratch_database

    with scratch_database(args.server, args.database, keep=args.keep_database) as database_url:
        os.environ.update(
            {
                "DATABASE_URL": database_url,
                "REDIS_URL": args.redis,
                "SECRET_KEY": "bench-only",
                "DJANGO_SETTINGS_MODULE": "certify.settings",
                "ALLOWED_HOSTS": "127.0.0.1",
                "CELERY_TASK_ALWAYS_EAGER": "1",
                # One backend for the whole run, so that its CPU is the requests' (production: 60 s).
                "DB_CONN_MAX_AGE": "86400",
            }
        )
        import django

        django.setup()
        from django.core.cache import cache
        from django.core.management import call_command
        from django.db import connection

        try:
            call_command("migrate", verbosity=0)
            cache.clear()
            from exam_day import setup

            tokens, enrollments = setup(args)
            from exams.papers.selectors import papers_json_warm
            from exams.planning.models import Enrollment

            papers_json_warm(sitting_id=Enrollment.objects.get(pk=enrollments[0]).sitting_id)
            report = measure(args, tokens, enrollments)
        finally:
            connection.close()
    print(json.dumps(report, ensure_ascii=False, indent=2))


def call(application, method: str, path: str, token: str, body: bytes = b"") -> tuple[str, bytes]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_AUTHORIZATION": f"Token {token}",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    status = []
    chunks = application(environ, lambda s, h, *a: status.append(s))
    data = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return status[0], data


def forget_process_caches() -> None:
    from exams.papers import selectors
    from exams.written import services

    for name in ("_attempt_papers", "_attempt_layouts"):
        getattr(services, name, {}).clear()
    for name in ("paper_slots", "attempt_layout"):
        if hasattr(getattr(services, name, None), "cache_clear"):
            getattr(services, name).cache_clear()
    selectors._paper_json.clear()


def backend_cpu(pid: int) -> float:
    from procstat import process_cpu

    return process_cpu(pid)


def measure(args, tokens: dict[int, str], enrollments: list[int]) -> dict:
    from django.db import connection

    from certify.wsgi import application

    profiler = cProfile.Profile() if args.profile else None
    call(application, "GET", "/healthz", "x")  # the first request loads what it loads
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    attempts: dict[int, tuple[int, list[dict]]] = {}
    figures: dict[str, dict] = {}

    def timed(name: str, requests) -> None:
        cpu, wall = [], []
        pg_before = backend_cpu(backend)
        for method, path, token, body, expect, *status_wanted in requests:
            if profiler:
                profiler.enable()
            c0, w0 = time.thread_time(), time.perf_counter()
            status, data = call(application, method, path, token, body)
            c1, w1 = time.thread_time(), time.perf_counter()
            if profiler:
                profiler.disable()
            if not status.startswith(status_wanted[0] if status_wanted else "200"):
                raise RuntimeError(f"{method} {path}: {status} {data[:300]!r}")
            if expect:
                expect(data)
            cpu.append(c1 - c0)
            wall.append(w1 - w0)
        figures[name] = {
            "requests": len(cpu),
            "web_cpu_ms_median": round(statistics.median(cpu) * 1000, 3),
            "web_cpu_ms_mean": round(statistics.mean(cpu) * 1000, 3),
            "wall_ms_median": round(statistics.median(wall) * 1000, 3),
            "postgres_cpu_ms_mean": round((backend_cpu(backend) - pg_before) * 1000 / len(cpu), 3),
        }

    def remember(enrollment: int):
        def keep(data: bytes) -> None:
            state = json.loads(data)
            attempts[enrollment] = (state["id"], state["questions"])

        return keep

    figures["start_page"] = exam_page(enrollments, backend, started=False)
    timed(
        "start",
        [("POST", f"/api/enrollments/{e}/attempt/", tokens[e], b"", remember(e)) for e in enrollments],
    )

    def save(enrollment: int, number: int):
        attempt, questions = attempts[enrollment]
        question = questions[number % len(questions)]
        if question["type"] == "situational":
            value = "先安抚客户情绪并致歉，复述确认需求，查询核实后提出解决方案并跟进。"
        elif question["type"] == "multiple":
            value = [o["letter"] for o in question["options"][:2]]
        else:
            value = [question["options"][0]["letter"]]
        body = json.dumps({"value": value, "seq": number + 1}, ensure_ascii=False).encode()
        path = f"/api/attempts/{attempt}/answers/{question['position']}/"
        return ("PUT", path, tokens[enrollment], body, None)

    forget_process_caches()  # as in a web process where these attempts did not start
    timed("first_save", [save(e, 0) for e in enrollments])
    timed("save", [save(e, n) for n in range(1, args.saves + 1) for e in enrollments])
    figures["exam_page"] = exam_page(enrollments, backend)
    figures.update(at_the_deadline(enrollments, tokens, attempts, timed, backend))
    if profiler:
        profiler.dump_stats(args.profile)
        figures["profile"] = str(args.profile)
    return figures


def exam_page(enrollments: list[int], backend: int, *, started: bool = True) -> dict:
    """The exam page as a browser loads it (``GET /exam/<id>/`` with a session) and the page's own
    API token: before the start (``started=False``, the start page, opened before the start
    minute) or reloaded in progress (the paper's JSON with the saved answers and the clock,
    embedded for exam.js to draw). Through Django's test client (the whole middleware stack,
    without the WSGI edge, which never answers pages)."""
    from django.test import Client

    from certify.people.models import User
    from exams.planning.models import Enrollment

    users = dict(Enrollment.objects.filter(pk__in=enrollments).values_list("pk", "candidate__user"))
    by_id = User.objects.in_bulk(list(users.values()))
    client = Client(HTTP_HOST="127.0.0.1")  # one handler, as in a web process; a session per candidate
    client.get("/healthz")
    cpu, wall, pg = [], [], 0.0
    for e in enrollments:
        client.force_login(by_id[users[e]])
        pg_before, c0, w0 = backend_cpu(backend), time.thread_time(), time.perf_counter()
        response = client.get(f"/exam/{e}/")
        cpu.append(time.thread_time() - c0)
        wall.append(time.perf_counter() - w0)
        pg += backend_cpu(backend) - pg_before
        wanted = b'data-status="in_progress"' if started else b'data-status="not_started"'
        if response.status_code != 200 or b"data-token" not in response.content or wanted not in response.content:
            raise RuntimeError(f"exam page {e}: {response.status_code}")
    return {
        "requests": len(cpu),
        "web_cpu_ms_median": round(statistics.median(cpu) * 1000, 3),
        "web_cpu_ms_mean": round(statistics.mean(cpu) * 1000, 3),
        "wall_ms_median": round(statistics.median(wall) * 1000, 3),
        "postgres_cpu_ms_mean": round(pg * 1000 / len(cpu), 3),
    }


def at_the_deadline(enrollments: list[int], tokens: dict[int, str], attempts: dict, timed, backend: int) -> dict:
    """What the deadline costs: half the attempts submitted by a save past the grace, half by the
    sweep, and the marking scripts both enqueue, timed apart (the tasks are kept, not run)."""
    from datetime import timedelta

    from django.utils import timezone

    from certify import jobs
    from exams.clock import grace
    from exams.sweep import parts_finalize_expired
    from exams.written.models import Attempt
    from grading.tasks import create_scripts

    queued: list[tuple[str, tuple]] = []
    jobs.enqueue = lambda name, *args, eta=None: queued.append((name, args))
    over = timezone.now() - grace() - timedelta(seconds=1)
    Attempt.objects.update(started_at=over - timedelta(minutes=60), deadline=over)
    half = enrollments[: len(enrollments) // 2]
    body = json.dumps({"value": ["A"], "seq": 10_000}).encode()
    timed(
        "save_past_the_grace",
        [
            (
                "PUT",
                f"/api/attempts/{attempts[e][0]}/answers/{attempts[e][1][0]['position']}/",
                tokens[e],
                body,
                None,
                "409",
            )
            for e in half
        ],
    )
    figures: dict[str, dict] = {}
    left = len(enrollments) - len(half)
    pg_before, c0, w0 = backend_cpu(backend), time.thread_time(), time.perf_counter()
    swept = parts_finalize_expired()
    figures["sweep"] = {
        "attempts": swept,
        "web_cpu_ms_per_attempt": round((time.thread_time() - c0) * 1000 / max(1, left), 3),
        "wall_ms_per_attempt": round((time.perf_counter() - w0) * 1000 / max(1, left), 3),
        "postgres_cpu_ms_per_attempt": round((backend_cpu(backend) - pg_before) * 1000 / max(1, left), 3),
        "wall_seconds": round(time.perf_counter() - w0, 2),
    }
    ids = [attempt_id for name, args in queued if name == "grading.tasks.create_scripts" for attempt_id in args[0]]
    pg_before, c0, w0 = backend_cpu(backend), time.thread_time(), time.perf_counter()
    for name, args in queued:
        if name == "grading.tasks.create_scripts":
            create_scripts(*args)
    figures["scripts"] = {
        "tasks": sum(1 for name, _ in queued if name == "grading.tasks.create_scripts"),
        "attempts": len(ids),
        "cpu_ms_per_attempt": round((time.thread_time() - c0) * 1000 / max(1, len(ids)), 3),
        "postgres_cpu_ms_per_attempt": round((backend_cpu(backend) - pg_before) * 1000 / max(1, len(ids)), 3),
        "wall_seconds": round(time.perf_counter() - w0, 2),
    }
    return figures


if __name__ == "__main__":
    main()
