"""Benchmark: the marking of a large sitting over HTTP against the production server + PostgreSQL (issue 12).

    .venv/bin/python bench/marking.py [--candidates 5000] [--markers 40] [--think 10] [--seconds 180]
        [--burst-seconds 120] [--server postgres://postgres@127.0.0.1:5432]
        [--web granian|gunicorn] [--workers 3] [--threads 2]

Sets up a scratch database with one level-3 sitting of N candidates (the shipped bank, assembled
papers) whose written window is over: every attempt is submitted with an answer of about 300
characters to each of its 4 situational items. ``scripts_create`` turns them into N × 4 scripts
(timed). M markers from the sitting's halls (so the own-hall rule is in play), each with an API
token, join the marking team (double marking: 2 × 20,000 = 40,000 marks for 5,000 candidates,
plus the third marks of scripts whose two marks disagree). Then the web server (granian as in
production, or gunicorn gthread with ``--web gunicorn``) serves on 127.0.0.1 and
the M markers work at once: "下一份" (claim) → read → submit the key-point marks, moving to
another item when one has nothing left for them. Two phases, each bounded in time:

- paced: each marker reads a script for ``--think`` seconds (×0.5–1.5) before submitting, a
  compressed version of a real marker's 30–60 s: the latency a marker sees;
- burst: no reading at all: the most marks per second the server gives.

Prints: claim latency p50/p95, submit p50/p95, claim + submit p50/p95, marks per second, tasks
handed to two markers (must be 0), scripts marked twice by one marker (must be 0, checked in the
database), scripts final / waiting for arbitration, the load average, and the highlighting cost
of one 300-character answer after warm-up. Targets: claim + submit p95 ≤ 100 ms with 40
markers; highlighting ≤ 5 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
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

PHRASES = [
    "营业员应当先向客户致歉，安抚客户情绪，耐心倾听客户的诉求，",
    "对充值金额、电话号码、装机地址等重要信息进行复述确认，",
    "主动了解客户的服务需求，根据客户的使用习惯推荐合适的套餐，",
    "查询核实后向客户说明原因并提出解决方案，承诺处理时限，",
    "如属我方责任应按规定双倍返还并做好记录，",
    "办理完成后跟进回访，了解客户对处理结果是否满意，",
    "在服务过程中保持微笑，使用规范的服务用语，",
    "介绍携号转网的条件和办理流程，分析资费差异帮助客户保持，",
]


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


def answer_text(rng: random.Random, length: int = 300) -> str:
    parts = []
    while sum(map(len, parts)) < length:
        parts.append(rng.choice(PHRASES))
    return "".join(parts)[:length]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--markers", type=int, default=40)
    parser.add_argument("--think", type=float, default=10.0, help="paced phase: seconds a marker reads a script")
    parser.add_argument("--seconds", type=float, default=180.0, help="paced phase: how long it runs (0: skip)")
    parser.add_argument("--burst-seconds", type=float, default=120.0, help="burst phase (no reading): how long")
    parser.add_argument("--web", choices=["granian", "gunicorn"], default="granian", help="the WSGI server (README)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="certify_bench_marking")
    args = parser.parse_args()
    args.level, args.seed = 3, 11

    import psycopg

    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.server}/{args.database}",
        "SECRET_KEY": "bench-" + secrets.token_hex(8),
        "DJANGO_SETTINGS_MODULE": "certify.settings",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    env.pop("REDIS_URL", None)  # the claim and the submit enqueue nothing
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")})
    os.environ.pop("REDIS_URL", None)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    load_before = os.getloadavg()
    report = {"load_average_at_start": [round(x, 2) for x in load_before]}
    report.update(setup(args))
    report["highlight_ms_per_300_chars"] = highlight_cost()
    tokens, items = marking_team(args)
    progress(f"{len(tokens)} markers on {len(items)} items; starting {args.web}")
    report.update(asyncio.run(marking(args, env, tokens, items)))
    report.update(check())
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, ensure_ascii=False, indent=2))


def setup(args) -> dict:
    """The sitting, its papers, and every attempt submitted with its answers; then the scripts."""
    from datetime import timedelta
    from decimal import Decimal

    from assembly import prepare
    from django.utils import timezone

    from exams.papers.models import PaperItem
    from exams.papers.services import papers_assemble
    from exams.planning.models import Enrollment
    from exams.sittings import sitting_start
    from exams.written.models import Answer, Attempt
    from grading.marking.scripts import scripts_create

    progress(f"set-up: {args.candidates} level-{args.level} candidates, papers")
    now = timezone.now()
    sitting, *_ = prepare(args, written_start=now - timedelta(minutes=150))
    papers_assemble(sitting_id=sitting.pk)
    sitting_start(sitting=sitting)
    rng = random.Random(args.seed)
    enrollments = list(Enrollment.objects.filter(sitting=sitting).select_related("paper"))
    started = now - timedelta(minutes=140)
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(
                enrollment=e,
                paper=e.paper,
                status="submitted",
                started_at=started,
                deadline=started + timedelta(minutes=90),
                submitted_at=started + timedelta(minutes=80),
                submitted_by="candidate",
                objective_score=Decimal(rng.randint(30, 60)),
            )
            for e in enrollments
        ],
        batch_size=2000,
    )
    by_paper = {a.paper_id: a for a in attempts}
    situational = PaperItem.objects.filter(
        paper__enrollment__sitting=sitting, item_version__type="situational"
    ).values_list("paper_id", "position")
    answers = [
        Answer(attempt=by_paper[paper], position=position, response=answer_text(rng), seq=1, saved_at=now)
        for paper, position in situational
    ]
    Answer.objects.bulk_create(answers, batch_size=5000)
    progress(f"{len(attempts)} attempts with {len(answers)} situational answers; making the scripts")
    t0 = time.monotonic()
    scripts_create(attempt_ids=[a.pk for a in attempts])
    seconds = time.monotonic() - t0
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum keeps them on a live server
    return {
        "candidates": len(attempts),
        "situational_answers": len(answers),
        "scripts_create_seconds": round(seconds, 1),
        "scripts_per_second": round(len(answers) / seconds),
    }


def highlight_cost() -> list[float]:
    """Median and p95 milliseconds to highlight one 300-character answer against a shipped rubric."""
    from grading.marking.highlight import highlight
    from grading.marking.models import Script

    samples = list(Script.objects.select_related("item__item_version")[:300])
    for script in samples[:20]:  # warm-up: jieba's dictionary, the rubrics' words
        highlight(script.response, script.item.item_version.rubric)
    timings = []
    for script in samples:
        t0 = time.perf_counter()
        highlight(script.response, script.item.item_version.rubric)
        timings.append((time.perf_counter() - t0) * 1000)
    return [round(statistics.median(timings), 2), round(percentile(timings, 0.95), 2)]


def marking_team(args) -> tuple[list[str], list[int]]:
    from django.contrib.auth.hashers import make_password

    from certify.people.models import Hall, Role, User
    from certify.people.tokens import api_tokens_issue_bulk
    from exams.planning.models import Sitting
    from grading.marking.models import MarkingItem
    from grading.marking.services import team_member_add

    sitting = Sitting.objects.get()
    halls = list(Hall.objects.order_by("pk"))
    unusable = make_password(None)
    markers = User.objects.bulk_create(
        [
            User(
                username=f"M{k:03d}",
                full_name=f"阅卷员{k}",
                role=Role.EXAMINER,
                hall=halls[k % len(halls)],
                password=unusable,
            )
            for k in range(args.markers)
        ]
    )
    for user in markers:
        team_member_add(sitting=sitting, user=user)
    keys = api_tokens_issue_bulk(users=markers)
    return [keys[user.pk] for user in markers], list(
        MarkingItem.objects.filter(sitting=sitting).values_list("pk", flat=True)
    )


def start_web(env: dict, args, port: int, workdir: str) -> subprocess.Popen:
    from exam_day import web_command  # the production server as bench/exam_day.py runs it

    log = open(Path(workdir) / "web.log", "w")  # noqa: SIM115 - lives as long as the server
    command = web_command(args.web, args.workers, args.threads, port)
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def awards_for(task: dict, rng: random.Random) -> list[str]:
    """A marker's marks: the answer's "true" share of the points (from its text), give or take a step."""
    share = int(hashlib.sha256(task["answer"].encode()).hexdigest()[:4], 16) / 0xFFFF
    awards = []
    for point in task["rubric"]:
        choices = point["choices"]
        at = round(share * (len(choices) - 1)) + rng.choice([-1, 0, 0, 0, 0, 1])
        awards.append(choices[max(0, min(len(choices) - 1, at))])
    return awards


async def marking(args, env: dict, tokens: list[str], items: list[int]) -> dict:
    import aiohttp

    workdir = tempfile.mkdtemp(prefix="certify-bench-marking-")
    port = free_port()
    server = start_web(env, args, port, workdir)
    base = f"http://127.0.0.1:{port}"
    given: dict[str, int] = {}  # task code → marker: a code handed to two markers would be a double claim
    report = {
        "markers": args.markers,
        "web": f"{args.web}, {args.workers} workers × {args.threads} threads",
    }
    try:
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=60, sock_read=300)
        # Shorter than the server's keep-alive (gunicorn's is 2 s): a marker reading a script for seconds never
        # reuses a connection the server has just closed.
        connector = aiohttp.TCPConnector(limit=args.markers + 8, keepalive_timeout=1.0)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            for _ in range(120):
                try:
                    async with session.get(f"{base}/healthz") as response:
                        if response.status in (200, 503):
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.5)
            progress(f"{args.web} up at {base} (log: {workdir}/web.log); warming up every worker")
            # Warm-up, not measured: each web process loads jieba's dictionary on its first
            # highlighting (about a second), so open one claimed script many times over.
            headers = {"Authorization": f"Token {tokens[0]}"}
            async with session.post(f"{base}/api/marking/items/{items[0]}/claim/", headers=headers) as response:
                code = (await response.json())["code"]

            async def view() -> None:
                async with session.get(f"{base}/api/marking/tasks/{code}/", headers=headers) as response:
                    await response.read()

            await asyncio.gather(*(view() for _ in range(8 * args.workers * args.threads)))
            for name, think, seconds in (("paced", args.think, args.seconds), ("burst", 0.0, args.burst_seconds)):
                if seconds > 0:
                    progress(f"{name}: {args.markers} markers, {think} s reading per script, for up to {seconds} s")
                    report[name] = await phase(args, session, base, tokens, items, given, think, seconds)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return report


async def phase(args, session, base, tokens, items, given, think: float, seconds: float) -> dict:
    claim_ms: list[float] = []
    submit_ms: list[float] = []
    pair_ms: list[float] = []
    counts = {"marks": 0, "doubles": 0}
    stop_at = time.monotonic() + seconds

    async def marker(number: int, token: str) -> None:
        rng = random.Random(number * 7919 + int(think * 10))
        headers = {"Authorization": f"Token {token}"}
        queue = items[number % len(items) :] + items[: number % len(items)]
        await asyncio.sleep(rng.uniform(0, min(2.0, think or 0.5)))
        while queue and time.monotonic() < stop_at:
            item = queue[0]
            t0 = time.monotonic()
            async with session.post(f"{base}/api/marking/items/{item}/claim/", headers=headers) as response:
                if response.status == 204:
                    queue.pop(0)
                    continue
                task = await response.json()
                if response.status != 200:
                    raise RuntimeError(f"claim failed {response.status}: {task}")
            claimed = time.monotonic() - t0
            claim_ms.append(claimed * 1000)
            if given.get(task["code"], number) != number:
                counts["doubles"] += 1
            given[task["code"]] = number
            if think:
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))
            t1 = time.monotonic()
            async with session.post(
                f"{base}/api/marking/tasks/{task['code']}/mark/",
                json={"awards": awards_for(task, rng)},
                headers=headers,
            ) as response:
                body = await response.json()
                if response.status != 200:
                    raise RuntimeError(f"mark failed {response.status}: {body}")
            submitted = time.monotonic() - t1
            submit_ms.append(submitted * 1000)
            pair_ms.append((claimed + submitted) * 1000)
            counts["marks"] += 1
            if counts["marks"] % 1000 == 0:
                progress(f"{counts['marks']} marks")

    t0 = time.monotonic()
    await asyncio.gather(*(marker(n, token) for n, token in enumerate(tokens)))
    elapsed = time.monotonic() - t0
    return {
        "think_seconds": think,
        "marks": counts["marks"],
        "seconds": round(elapsed, 1),
        "marks_per_second": round(counts["marks"] / elapsed, 1),
        "claim_ms_p50_p95": [round(percentile(claim_ms, q), 1) for q in (0.5, 0.95)],
        "submit_ms_p50_p95": [round(percentile(submit_ms, q), 1) for q in (0.5, 0.95)],
        "claim_plus_submit_ms_p50_p95": [round(percentile(pair_ms, q), 1) for q in (0.5, 0.95)],
        "tasks_handed_to_two_markers": counts["doubles"],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def check() -> dict:
    """What the database says after the run."""
    from django.db import connection

    from grading.marking.models import Script, Task, WrittenScore

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT script_id, marker_id FROM grading_task WHERE kind = 'regular' "
            "AND marker_id IS NOT NULL GROUP BY script_id, marker_id HAVING count(*) > 1) AS twice"
        )
        twice = cursor.fetchone()[0]
    return {
        "scripts": Script.objects.count(),
        "scripts_final": Script.objects.filter(status="final").count(),
        "scripts_waiting_for_arbitration": Script.objects.filter(status="arbitration").count(),
        "third_marks": Task.objects.filter(slot=3, status="submitted").count(),
        "scripts_marked_twice_by_one_marker": twice,
        "tasks_still_claimed": Task.objects.filter(status="claimed").count(),
        "written_scores_complete": WrittenScore.objects.filter(complete=True).count(),
    }


if __name__ == "__main__":
    main()
