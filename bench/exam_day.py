"""Benchmark: an exam day over HTTP against the production set-up (issue 5).

    .venv/bin/python bench/exam_day.py [--candidates 2000] [--ramp 60] [--pace burst|realistic]
        [--offline 0.05] [--answers N] [--web granian|gunicorn] [--workers 3] [--threads 2]
        [--server postgres://postgres@127.0.0.1:5432] [--redis redis://127.0.0.1:6379/9]
        [--database certify_bench_exam] [--keep-database]

Sets up a scratch database with one level-5 sitting in progress (the shipped bank,
assembled papers, an API token per candidate), then starts on 127.0.0.1 what
production runs: granian (``--web gunicorn``: gunicorn gthread), a Celery worker and
Celery beat, with PostgreSQL and Redis. N candidates start within --ramp seconds and
answer their whole paper (or their first --answers questions), a save per answer (burst:
no pause; realistic: 1–4 s between answers). A share of them (--offline) goes offline for
part of the paper, keeps its saves and replays them in order when back. Each candidate's
page asks for its clock every 15 s, as the exam page does. When half the candidates have
finished, every deadline is moved to now: the other half are still saving. A page whose save
or clock shows zero stops answering and does what the exam page does at zero (asks once, then
after the grace at a random moment, then every 3–7 s until submitted); a finished candidate's
page keeps asking every 15 s, so it too sees zero. The run then waits until every attempt is
submitted and graded, and compares every acknowledged save with the database. Finally
pgbench runs a one-row upsert on the same server for scale.

The client is this process: one asyncio loop over ``bench/lean_http.py`` (keep-alive
connections, request bytes built once per answer, replies not decoded as JSON), so it
takes as little as possible of the CPU the server needs; the report says how much it took.
The scratch database is dropped at the end unless --keep-database.

Prints: saves per second sustained, save latency p50/p95/p99, start latency p95, the clock
requests and their latency,
seconds from the deadline until every attempt is submitted and graded, lost
answers (must be 0), our saves per second as a share of pgbench's, and who used the
CPU while the candidates worked (the web server, Celery, our PostgreSQL backends, this
client, everyone else) with the client's share of the busy machine.
Targets: ≥ 1,000 saves/s with p99 ≤ 250 ms; start p95 ≤ 1 s; 5,000 attempts graded
within 30 s of the deadline; 0 lost.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--ramp", type=float, default=60.0)
    parser.add_argument("--pace", choices=["burst", "realistic"], default="burst")
    parser.add_argument("--offline", type=float, default=0.05)
    parser.add_argument(
        "--answers",
        type=int,
        default=0,
        help="answers each candidate saves (0: the whole paper); a small number "
        "measures the start minute without the saves of a whole paper behind it",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="offered saves per second once every candidate has started: each candidate waits "
        "uniformly 0.5–1.5 × candidates/rate seconds between answers (overrides --pace)",
    )
    parser.add_argument(
        "--client",
        choices=["api", "browser"],
        default="api",
        help="how candidates start: with an API token (POST /api/enrollments/<id>/attempt/), or as the "
        "exam page in a browser does (signed in, on the start page: 开始答题 asks the start API with "
        "the page's own token, which the page's saves and clock then carry)",
    )
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--profile", type=Path, help="write py-spy profiles of the web workers to this folder")
    parser.add_argument(
        "--web",
        choices=["granian", "granian-ports", "gunicorn"],
        default="granian",
        help="the WSGI server (README); granian-ports: --workers granian servers of one worker each on the same port",
    )
    parser.add_argument("--workers", "--gunicorn-workers", dest="workers", type=int, default=3)
    parser.add_argument("--threads", "--gunicorn-threads", dest="threads", type=int, default=2)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="certify_bench_exam")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--keep-database", action="store_true", help="do not drop the scratch database at the end")
    args = parser.parse_args()
    args.level, args.seed = 5, 7
    from procstat import stop_on_signals
    from scratch import scratch_database

    stop_on_signals()

    with scratch_database(args.server, args.database, keep=args.keep_database) as database_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": args.redis,
            "SECRET_KEY": "bench-" + secrets.token_hex(8),
            "DJANGO_SETTINGS_MODULE": "certify.settings",
            "CELERY_QUEUE": "bench-exam",
            "ALLOWED_HOSTS": "127.0.0.1",
        }
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")})
        os.environ.pop("REDIS_URL", None)  # the set-up runs in this process without the broker

        import django

        django.setup()
        from django.core.management import call_command

        try:
            call_command("migrate", verbosity=0)
            progress("set-up: sitting, papers, tokens")
            tokens, enrollments = setup(args)
            from exams.planning.models import Enrollment

            args.sitting_id = Enrollment.objects.get(pk=enrollments[0]).sitting_id
            progress(f"{len(enrollments)} candidates ready; starting the web server, worker and beat")
            report = asyncio.run(exam(args, env, tokens, enrollments))
            report["pgbench_upsert_tps"] = pgbench(args)
            report["saves_share_of_pgbench"] = round(report["saves_per_second"] / report["pgbench_upsert_tps"], 3)
        finally:
            from django.db import connections

            connections.close_all()
    print(json.dumps(report, ensure_ascii=False, indent=2))


def setup(args) -> tuple[dict[int, str], list[int]]:
    from datetime import timedelta

    from assembly import prepare
    from django.utils import timezone

    from certify.people.models import User
    from certify.people.tokens import api_tokens_issue_bulk
    from exams.papers.services import papers_assemble
    from exams.planning.models import Enrollment
    from exams.sittings import sitting_start

    sitting, *_ = prepare(args, written_start=timezone.now() - timedelta(minutes=5))
    papers_assemble(sitting_id=sitting.pk)
    sitting_start(sitting=sitting)
    pairs = list(Enrollment.objects.filter(sitting=sitting).values_list("pk", "candidate__user_id"))
    if getattr(args, "client", "api") == "browser":
        return browser_sessions(pairs, sitting.written_end), [pk for pk, _user in pairs]
    keys = api_tokens_issue_bulk(users=list(User.objects.filter(pk__in=[user for _pk, user in pairs])))
    return {pk: keys[user] for pk, user in pairs}, [pk for pk, _user in pairs]


def browser_sessions(pairs: list[tuple[int, int]], written_end) -> dict[int, tuple[bytes, str]]:
    """``--client browser``: each candidate signed in already and waiting on the start page, which
    holds its own page token (signing in and opening the start page are before the start minute:
    the password hash alone costs about 0.3 s of CPU; ``bench/request_cost.py`` measures the start
    page). A session, its cookie header and the page's token, by enrolment; the token is issued
    as the start page issues it (``page_token_issue``, bound to the session)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from certify.people.models import User
    from certify.people.tokens import page_token_issue

    users = User.objects.in_bulk([user for _pk, user in pairs])
    User.objects.filter(pk__in=list(users)).update(password_must_change=False)  # their first sign-in is done
    pages = {}
    for pk, user_id in pairs:
        session = SessionStore()
        session[SESSION_KEY] = str(user_id)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = users[user_id].get_session_auth_hash()
        key = page_token_issue(session=session, user=users[user_id], until=written_end)
        session.create()
        csrf = secrets.token_hex(16)  # a 32-character secret: what the CSRF cookie holds
        pages[pk] = f"Cookie: sessionid={session.session_key}; csrftoken={csrf}\r\n".encode(), key
    return pages


async def browser_start(http, enrollment: int, page) -> tuple[bytes, dict]:
    """What the start page does at 开始答题 (``written/exam.js``): the start API with the page's
    token (and, as any request from the page, the session's cookie), answered at the edge; the
    page draws the paper from the reply, and its requests then go with the same token."""
    cookie, key = page
    headers = cookie + f"Authorization: Token {key}\r\n".encode()
    status, state = await http.json(b"POST", f"/api/enrollments/{enrollment}/attempt/", headers)
    if status != 200:
        raise RuntimeError(f"start failed {status}: {state!r}"[:300])
    return headers, state


def web_command(web: str, workers: int, threads: int, port: int) -> list[str]:
    """The production server as the README's production section runs it."""
    python = sys.executable
    if web == "granian-ports":  # N granian servers of one worker each, a socket each (bench/granian_ports.py)
        ports = [str(ROOT / "bench" / "granian_ports.py"), str(workers), str(threads), str(port)]
        return [python, *ports, "certify.wsgi:application"]
    if web == "granian":
        listen = ["--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port), "--http", "1", "--no-ws"]
        pool = ["--workers", str(workers), "--blocking-threads", str(threads)]
        return [python, "-m", "granian", *listen, *pool, "certify.wsgi:application"]
    return [
        python,
        "-m",
        "gunicorn",
        "certify.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--timeout",
        "60",
        "--no-control-socket",  # its default path is shared by every gunicorn on the machine
    ]


def start_services(args, env: dict, port: int, workdir: str) -> list[subprocess.Popen]:
    python = sys.executable
    log = open(Path(workdir) / "services.log", "w")  # noqa: SIM115 - lives as long as the services
    commands = [
        web_command(args.web, args.workers, args.threads, port),
        [
            python,
            "-m",
            "celery",
            "-A",
            "certify",
            "worker",
            "-Q",
            "bench-exam",
            "--concurrency",
            "2",
            "--loglevel",
            "WARNING",
            "-n",
            f"bench-{port}@%h",
        ],
        [
            python,
            "-m",
            "celery",
            "-A",
            "certify",
            "beat",
            "--loglevel",
            "WARNING",
            "--schedule",
            str(Path(workdir) / "beat-schedule"),
        ],
    ]
    return [subprocess.Popen(c, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT) for c in commands]


async def exam(args, env: dict, tokens: dict[int, str], enrollments: list[int]) -> dict:
    from lean_http import HttpPool

    workdir = tempfile.mkdtemp(prefix="certify-bench-")
    port = free_port()
    processes = start_services(args, env, port, workdir)
    http = HttpPool("127.0.0.1", port, args.connections)
    try:
        for _ in range(120):
            try:
                status, _body = await http.request(b"GET", "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            await asyncio.sleep(0.5)
        progress(f"services up at 127.0.0.1:{port} (log: {workdir}/services.log)")
        # What the Celery task does when the sitting starts (the set-up ran without the broker):
        # every paper's JSON into Redis before the candidates arrive.
        t0 = time.monotonic()
        warm = f"from exams.papers.selectors import papers_json_warm; papers_json_warm(sitting_id={args.sitting_id})"
        command = [sys.executable, "manage.py", "shell", "-c", warm]
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
        args.warm_seconds = round(time.monotonic() - t0, 1)
        progress(f"papers in Redis in {args.warm_seconds} s")
        return await run_candidates(args, http, processes, tokens, enrollments)
    finally:
        http.close()
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


async def run_candidates(args, http, processes, tokens: dict[int, str], enrollments: list[int]) -> dict:
    import psycopg
    from asgiref.sync import sync_to_async
    from django.conf import settings
    from django.utils import timezone
    from procstat import CpuMeter, tree

    from exams.written.models import Answer, Attempt

    start_latency: list[float] = []
    save_latency: list[float] = []
    save_done: list[float] = []  # when each acknowledged save came back (monotonic)
    acked: dict[tuple[int, int], tuple[int, object]] = {}  # (attempt, position) -> (seq, value)
    refused_after_deadline = 0
    finished = 0
    clock_latency: list[float] = []
    grace = settings.CERTIFY_SAVE_GRACE_SECONDS
    saves_window = {"first": None, "last": None, "count": 0}
    rng = random.Random(1)

    async def save(attempt_id: int, headers: bytes, position: int, value, body: bytes, seq: int) -> bool:
        # The body is encoded once when the answer is chosen, and the reply is read without
        # decoding its JSON: the client shares the cores with the server it measures.
        nonlocal refused_after_deadline
        t0 = time.monotonic()
        status, reply = await http.request(b"PUT", f"/api/attempts/{attempt_id}/answers/{position}/", headers, body)
        now = time.monotonic()
        if status == 200:
            save_latency.append(now - t0)
            save_done.append(now)
            saves_window["first"] = saves_window["first"] or now
            saves_window["last"] = now
            saves_window["count"] += 1
            if b'"applied":true' in reply:
                acked[(attempt_id, position)] = (seq, value)
            # The clock shows zero: the page stops answering (saves in flight still count).
            return not reply.endswith(b'"remaining_seconds":0}')
        if status == 409:
            refused_after_deadline += 1
            return False
        raise RuntimeError(f"save failed {status}: {reply.decode(errors='replace')}")

    async def clock(attempt_id: int, headers: bytes) -> str:
        t0 = time.monotonic()
        status, state = await http.json(b"GET", f"/api/attempts/{attempt_id}/clock/", headers)
        clock_latency.append(time.monotonic() - t0)
        if status != 200:
            raise RuntimeError(f"clock failed {status}: {state}")
        return state["status"] if state["remaining_seconds"] or state["status"] != "in_progress" else "zero"

    async def page_until_submitted(attempt_id: int, headers: bytes, polled: float) -> None:
        """What the exam page does once the candidate stops answering (exams/written/static/written/
        exam.js): the clock every 15 s; at zero once, then after the grace at a random moment
        within 5 s, then every 3–7 s, until the server says submitted."""
        state = "in_progress"
        while state == "in_progress":
            await asyncio.sleep(max(0.0, polled + 15 - time.monotonic()))
            polled = time.monotonic()
            state = await clock(attempt_id, headers)
        if state == "zero":
            await asyncio.sleep(grace + 1 + rng.uniform(0, 5))
            while await clock(attempt_id, headers) != "submitted":
                await asyncio.sleep(rng.uniform(3, 7))

    async def candidate(index: int, enrollment: int) -> None:
        nonlocal finished
        await asyncio.sleep(args.ramp * index / len(enrollments))
        t0 = time.monotonic()
        if args.client == "browser":
            headers, state = await browser_start(http, enrollment, tokens[enrollment])
        else:
            headers = f"Authorization: Token {tokens[enrollment]}\r\n".encode()
            _status, state = await http.json(b"POST", f"/api/enrollments/{enrollment}/attempt/", headers)
        start_latency.append(time.monotonic() - t0)
        attempt_id = state["id"]
        page = {"headers": headers, "polled": time.monotonic() - rng.uniform(0, 15)}  # the page's 15-s clock
        try:
            await answer_paper(attempt_id, headers + b"Content-Type: application/json\r\n", state, page)
        finally:
            finished += 1
        await page_until_submitted(attempt_id, headers, page["polled"])

    async def answer_paper(attempt_id: int, headers: bytes, state: dict, page: dict) -> None:
        """Answer the paper until it is done, the clock shows zero or the attempt is closed."""
        offline = rng.random() < args.offline
        queue: list[tuple[int, object, int]] = []
        questions = state["questions"][: args.answers] if args.answers else state["questions"]
        for number, question in enumerate(questions):
            seq = number + 1
            if question["type"] == "situational":
                value = "先安抚客户情绪并致歉，复述确认需求，查询核实后提出解决方案并跟进。"
            elif question["type"] == "multiple":
                value = [o["letter"] for o in question["options"][:2]]
            else:
                value = [rng.choice(question["options"])["letter"]]
            body = json.dumps({"value": value, "seq": seq}, ensure_ascii=False).encode()
            if offline and len(questions) // 3 <= number < 2 * len(questions) // 3:
                queue.append((question["position"], value, body, seq))  # the network is cut: kept in the page
            else:
                for queued in queue:  # back online: replay in order first
                    if not await save(attempt_id, headers, *queued):
                        return
                queue.clear()
                if not await save(attempt_id, headers, question["position"], value, body, seq):
                    return
            if time.monotonic() - page["polled"] >= 15:
                page["polled"] = time.monotonic()
                if await clock(attempt_id, page["headers"]) != "in_progress":
                    return
            if args.rate:
                await asyncio.sleep(rng.uniform(0.5, 1.5) * len(enrollments) / args.rate)
            elif args.pace == "realistic":
                await asyncio.sleep(rng.uniform(1, 4))

    async def move_deadline() -> float:
        while finished < len(enrollments) // 2:
            await asyncio.sleep(0.2)
        moved_at = timezone.now()
        # An attempt started after ``moved_at`` (its start was in flight) keeps its deadline until
        # the late move below: a deadline before the start breaks the attempt's check constraint.
        moving = Attempt.objects.filter(status="in_progress", started_at__lt=moved_at)
        await sync_to_async(lambda: moving.update(deadline=moved_at))()
        moved = time.monotonic()
        progress("half the candidates finished: every deadline moved to now")
        # Candidates whose start was queued past the move began with a full deadline: end theirs too.
        while len(start_latency) < len(enrollments):
            await asyncio.sleep(0.2)
        late_at = timezone.now()
        late = await sync_to_async(
            lambda: Attempt.objects.filter(status="in_progress", deadline__gt=late_at).update(deadline=late_at)
        )()
        progress(f"{late} attempts started after the move: their deadlines moved too")
        return time.monotonic() if late else moved

    # Who uses the CPU while candidates are at work: this process is the client.
    web, worker, beat = processes
    monitor = psycopg.connect(f"{args.server}/{args.database}", autocommit=True)

    def backends() -> list[int]:
        rows = monitor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [args.database]
        )
        return [pid for (pid,) in rows]

    meter = CpuMeter(
        {
            "web": lambda: tree(web.pid),
            "celery_worker_and_beat": lambda: tree(worker.pid) + tree(beat.pid),
            "postgres_ours": backends,
        }
    )
    meter.start()
    wal_before = wal_counters(monitor)

    async def keep_polling() -> None:
        # Catches PostgreSQL backends that end when Django recycles a connection; a poll reads
        # /proc, a few milliseconds of this client's CPU, so not more often.
        while True:
            await asyncio.sleep(5)
            meter.poll()

    poller = asyncio.create_task(keep_polling())
    spies = start_profiles(args, web) if args.profile else []
    mover = asyncio.create_task(move_deadline())
    # The client's own garbage collector would stop its event loop for up to a second, every
    # 30-45 s as its lists of latencies grow, and every reply awaited then would count as a slow
    # save: the set-up's objects are frozen out of it and it is off while the candidates work
    # (a load generator without pauses, as wrk is; its memory is reported).
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        await asyncio.gather(*(candidate(i, e) for i, e in enumerate(enrollments)))
    finally:
        gc.enable()
    poller.cancel()
    cpu = meter.stop()
    wal = wal_delta(wal_before, wal_counters(monitor), saves_window["count"])
    profile = stop_profiles(args, spies) if spies else None
    monitor.close()
    moved = await mover
    progress("every page has seen its attempt submitted; waiting until every attempt is graded")
    # Until every attempt is submitted and graded (task at deadline + sweep + requests).
    while await sync_to_async(lambda: Attempt.objects.filter(status="in_progress").count())():
        await asyncio.sleep(0.5)
    graded_seconds = time.monotonic() - moved
    stored = await sync_to_async(
        lambda: {
            (a, p): (s, r) for a, p, s, r in Answer.objects.values_list("attempt_id", "position", "seq", "response")
        }
    )()
    lost = sum(
        1
        for key, (seq, value) in acked.items()
        if key not in stored or stored[key][0] < seq or (stored[key][0] == seq and stored[key][1] != value)
    )
    ungraded = await sync_to_async(lambda: Attempt.objects.filter(objective_score__isnull=True).count())()
    span = (saves_window["last"] or 0) - (saves_window["first"] or 0)
    busiest = busiest_minute(save_done, save_latency)
    return {
        "candidates": len(enrollments),
        "pace": args.pace,
        "acknowledged_saves": saves_window["count"],
        "saves_per_second": round(saves_window["count"] / span, 1) if span else 0,
        "save_latency_ms_p50_p95_p99": [round(percentile(save_latency, q) * 1000, 1) for q in (0.5, 0.95, 0.99)],
        "offered_saves_per_second": args.rate or None,
        "busiest_minute": busiest,
        "web_server": f"{args.web} {args.workers} processes × {args.threads} threads",
        "client": args.client,
        "papers_into_redis_seconds": args.warm_seconds,
        "start_latency_ms_p50_p95_p99": [round(percentile(start_latency, q) * 1000, 1) for q in (0.5, 0.95, 0.99)],
        "start_latency_ms_p95": round(percentile(start_latency, 0.95) * 1000, 1),
        "clock_requests": len(clock_latency),
        "clock_latency_ms_p50_p95_p99": [round(percentile(clock_latency, q) * 1000, 1) for q in (0.5, 0.95, 0.99)],
        "saves_refused_after_deadline": refused_after_deadline,
        "seconds_from_deadline_to_all_graded": round(graded_seconds, 1),
        "attempts_without_grade": ungraded,
        "lost_answers": lost,
        "mean_save_latency_ms": round(statistics.mean(save_latency) * 1000, 1) if save_latency else None,
        **({"profile": profile} if profile else {}),
        "wal_while_candidates_work": wal,
        "cpu_while_candidates_work": {
            **cpu,
            # The load generator's own share: this process against the whole machine's busy time.
            "client_share_of_busy_machine": round(
                cpu["cores_busy"]["bench_process"] / max(0.01, cpu["machine_cores_busy"]), 3
            ),
            "client_cpu_ms_per_request": round(
                cpu["cpu_seconds"]["bench_process"] * 1000 / max(1, saves_window["count"] + len(start_latency)), 3
            ),
            # Its peak memory (its garbage collector is off while the candidates work).
            "client_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        },
    }


WAL_COUNTERS = ("wal_records", "wal_fpi", "wal_bytes", "wal_write", "wal_sync", "checkpoints_timed", "checkpoints_req")


def wal_counters(monitor) -> dict:
    """The server's WAL and checkpoint counters (pg_stat_wal, PostgreSQL 14+; pg_stat_bgwriter)."""
    wal = monitor.execute("SELECT wal_records, wal_fpi, wal_bytes, wal_write, wal_sync FROM pg_stat_wal").fetchone()
    checkpoints = monitor.execute("SELECT checkpoints_timed, checkpoints_req FROM pg_stat_bgwriter").fetchone()
    return dict(zip(WAL_COUNTERS, [*wal, *checkpoints], strict=True))


def wal_delta(before: dict, after: dict, saves: int) -> dict:
    """What the server wrote to its WAL while the candidates worked (the whole server: others'
    databases too), and per acknowledged save. Full-page images (``wal_fpi``: a page's first change
    after a checkpoint is logged whole) are what make a save's WAL grow with the pages it touches."""
    delta = {name: int(after[name] - before[name]) for name in WAL_COUNTERS}
    per = max(1, saves)
    delta["wal_bytes_per_save"] = round(delta["wal_bytes"] / per)
    delta["wal_fpi_per_save"] = round(delta["wal_fpi"] / per, 3)
    delta["wal_syncs_per_save"] = round(delta["wal_sync"] / per, 3)
    return delta


def busiest_minute(done: list[float], latency: list[float], width: float = 60.0) -> dict:
    """The 60 s in which most saves came back: their rate and the latency of those saves.

    The whole run's rate includes the ramp and the last candidates' tail; this is the rate the
    server sustained while everyone was at work, and what those saves waited.
    """
    if not done:
        return {}
    pairs = sorted(zip(done, latency, strict=True))
    best, best_at, lo = 0, 0, 0
    for hi in range(len(pairs)):
        while pairs[hi][0] - pairs[lo][0] > width:
            lo += 1
        if hi - lo + 1 > best:
            best, best_at = hi - lo + 1, lo
    window = [lat for _at, lat in pairs[best_at : best_at + best]]
    return {
        "saves_per_second": round(best / width, 1),
        "save_latency_ms_p50_p95_p99": [round(percentile(window, q) * 1000, 1) for q in (0.5, 0.95, 0.99)],
    }


def start_profiles(args, web: subprocess.Popen) -> list[tuple[int, subprocess.Popen, Path]]:
    """py-spy (``--gil``: samples holding the GIL, what the Python code costs) on every web worker
    while the candidates work. Sampling pauses the worker briefly: a profiled run's latencies are
    not the benchmark's figures."""
    import shutil

    from procstat import tree

    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        progress("py-spy is not installed: no profile (pip install py-spy)")
        return []
    args.profile.mkdir(parents=True, exist_ok=True)
    spies = []
    for pid in [pid for pid in tree(web.pid) if pid != web.pid] or [web.pid]:
        raw = args.profile / f"web-{pid}.txt"
        command = [spy, "record", "--pid", str(pid), "--rate", "100", "--format", "raw", "--gil"]
        command += ["--nonblocking", "--output", str(raw)]
        spies.append((pid, subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), raw))
    return spies


def stop_profiles(args, spies) -> dict:
    from procstat import summarize_profile

    collapsed = []
    for _pid, spy, raw in spies:
        spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        spy.wait(timeout=60)
        if raw.exists():
            collapsed.append(raw.read_text())
    if not collapsed:
        return {"error": "py-spy wrote nothing (it needs ptrace: root or CAP_SYS_PTRACE)"}
    summary = summarize_profile("\n".join(collapsed), top=60)
    (args.profile / "web-top.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    return {"folder": str(args.profile), "samples": summary["samples"]}


def pgbench(args) -> float:
    url = f"{args.server}/{args.database}"
    subprocess.run(
        ["psql", url, "-q", "-c", "CREATE TABLE IF NOT EXISTS bench_upsert (id int PRIMARY KEY, v int, seq bigint)"],
        check=True,
    )
    script = Path(tempfile.mkdtemp()) / "upsert.sql"
    script.write_text(
        "\\set id random(1, 100000)\n"
        "INSERT INTO bench_upsert VALUES (:id, 1, 1) ON CONFLICT (id) "
        "DO UPDATE SET v = EXCLUDED.v, seq = bench_upsert.seq + 1;\n"
    )
    out = subprocess.run(
        ["pgbench", "-n", "-c", "16", "-j", "2", "-T", "15", "-f", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("tps"))
    return round(float(line.split("=")[1].split()[0]), 1)


if __name__ == "__main__":
    main()
