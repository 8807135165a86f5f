"""Benchmark: the answer save against its own floor, side by side (issue 17).

    .venv/bin/python bench/floor.py [--server gthread[,sync,granian,bjoern]] [--variants F0,F1,P]
        [--workers 3] [--threads 2] [--rounds 3] [--duration 10] [--connections 64]
        [--candidates 1000] [--positions 20] [--profile DIR]

Three WSGI apps under the same server and settings, one after the other in each round,
against one scratch database:

- F0: a bare WSGI app that reads the body and answers 200 (``bench/floor_apps.py:f0``);
- F1: a bare WSGI app doing the save's whole semantics in one SQL statement with psycopg
  (``bench/floor_apps.py:f1``);
- P: the project (``certify.wsgi:application``), ``PUT /api/attempts/<id>/answers/<pos>/``.

The database is seeded through the project's own services, as ``bench/exam_day.py`` does:
a level-5 sitting of --candidates, scheduled, papers assembled, started, every attempt
started and an API token per candidate. Load comes from Debian's ``wrk`` (a compiled client,
so it does not take the CPU the server needs) with ``bench/floor.lua``: 64 keep-alive
connections, each request a different candidate and position, seq rising per answer,
valid values for the question. Each case starts its server, warms it up, empties the
answers table, measures for --duration seconds, checks that the database holds the
highest acknowledged seq of every answer (F1 and P) and stops the server.

--server takes a comma-separated list (gthread, sync, granian, bjoern) and --workers a
list of process counts (``--workers 1,2`` shows whether a second web process scales the
save rate). gthread runs --workers processes × --threads threads, granian --workers ×
--threads blocking threads; sync and bjoern have one thread a process, so they run
workers × threads processes for the same concurrency. granian and bjoern are not in
requirements.txt: a server whose package is missing is skipped with a note
(``.venv/bin/pip install granian``; ``apt-get install -y libev-dev && .venv/bin/pip install bjoern``).
With --profile DIR, py-spy (``.venv/bin/pip install py-spy``) samples one P worker of the
first server during the first round's measurement and writes the top frames there.

Prints JSON: per run requests/s, p50/p99 latency, non-2xx and socket errors, lost
answers, who used the CPU (server, wrk, our PostgreSQL backends, everyone else) and the
server's CPU milliseconds per request; per server and process count the medians over the
rounds and P ÷ F1 (per round and median). On a machine shared with other work the ratio
and the CPU per request are the figures to compare; requests/s move with the load.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from procstat import CpuMeter, load_average, process_cpu, stop_on_signals, summarize_profile, tree  # noqa: E402

APPS = {"F0": "floor_apps:f0", "F1": "floor_apps:f1", "P": "certify.wsgi:application"}
SERVERS = ("gthread", "sync", "granian", "bjoern")
# Two answers per question, alternated by seq parity, so the check also sees the right value stored.
TEXTS = (
    "先安抚客户情绪并致歉，复述确认需求，查询核实后提出解决方案并跟进。",
    "耐心倾听客户诉求，按业务规定核实身份与资料，说明办理流程并请客户确认。",
)
# Models whose tables F1's SQL names; passed by label so the SQL follows the project's models.
FLOOR_MODELS = (
    "certify.ApiToken",
    "certify.User",
    "certify.Candidate",
    "exams.Enrollment",
    "exams.Attempt",
    "exams.RoomPause",
    "exams.PaperItem",
    "exams.Answer",
    "question_bank.ItemVersion",
)


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def comma_list(choices=None, kind=str):
    def parse(text: str) -> list:
        values = [kind(v.strip()) for v in text.split(",") if v.strip()]
        if not values or (choices and any(v not in choices for v in values)):
            raise argparse.ArgumentTypeError(f"expected a comma-separated list of {', '.join(map(str, choices or []))}")
        return values

    return parse


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--server", type=comma_list(SERVERS), default=["gthread"], help="gthread,sync,granian,bjoern")
    p.add_argument("--variants", type=comma_list(tuple(APPS)), default=list(APPS), help="comma-separated: F0,F1,P")
    p.add_argument("--workers", type=comma_list(kind=int), default=[3], help="processes; a list runs each (1,2)")
    p.add_argument("--threads", type=int, default=2, help="threads per process (gthread, granian)")
    p.add_argument("--rounds", type=int, default=3, help="repeat every case this many times, interleaved")
    p.add_argument("--duration", type=int, default=10, help="seconds measured per case")
    p.add_argument("--warmup", type=int, default=3, help="seconds per warm-up chunk (until the rate is steady)")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--wrk-threads", type=int, default=1, help="one is enough for the rates here and costs least")
    p.add_argument("--candidates", type=int, default=1000)
    p.add_argument("--positions", type=int, default=20, help="questions per candidate the load cycles through")
    p.add_argument("--profile", type=Path, help="write a py-spy profile of one P worker to this folder")
    p.add_argument("--dbserver", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--database", default="certify_speed_floor")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/5")
    return p


def main() -> None:
    args = parser().parse_args()
    args.level, args.seed = 5, 7
    stop_on_signals()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    servers, skipped = available_servers(args.server)
    if not servers:
        sys.exit(f"no server available: {skipped}")

    import psycopg

    with psycopg.connect(f"{args.dbserver}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    try:
        report = run(args, servers)
        report["servers_skipped"] = skipped
    finally:
        with psycopg.connect(f"{args.dbserver}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    print(json.dumps(report, ensure_ascii=False, indent=2))


def available_servers(wanted: list[str]) -> tuple[list[str], dict[str, str]]:
    import importlib.util

    modules = {"gthread": "gunicorn", "sync": "gunicorn", "granian": "granian", "bjoern": "bjoern"}
    servers, skipped = [], {}
    for server in wanted:
        if importlib.util.find_spec(modules[server]) is None:
            skipped[server] = f"{modules[server]} is not installed in this environment"
        else:
            servers.append(server)
    return servers, skipped


def run(args, servers: list[str]) -> dict:
    url = f"{args.dbserver}/{args.database}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": args.redis,
        "SECRET_KEY": "bench-" + secrets.token_hex(8),
        "DJANGO_SETTINGS_MODULE": "certify.settings",
        "CELERY_QUEUE": "bench-speed",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT)]),
        "FLOOR_DSN": url,
    }
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")})
    os.environ.pop("REDIS_URL", None)  # the set-up runs in this process without the broker

    import django

    django.setup()
    from django.apps import apps
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    env["FLOOR_TABLES"] = json.dumps({label: apps.get_model(label)._meta.db_table for label in FLOOR_MODELS})
    progress(f"set-up: sitting of {args.candidates}, papers, started attempts, tokens")
    workdir = Path(tempfile.mkdtemp(prefix="certify-floor-"))
    keys = seed(args, workdir / "keys.tsv")
    progress(f"{len(keys)} answers to cycle through; log and files in {workdir}")

    import psycopg

    monitor = psycopg.connect(url, autocommit=True)
    started = datetime.now().astimezone()
    load_before = load_average()
    runs = []
    invocation = 0
    for round_no in range(1, args.rounds + 1):
        for server in servers:
            for workers in args.workers:
                for variant in args.variants:
                    invocation += 1
                    case = {"round": round_no, "server": server, "workers": workers, "variant": variant}
                    progress(f"round {round_no}: {variant} under {server}, {shape(server, workers, args.threads)}")
                    profile = args.profile if (args.profile and variant == "P" and round_no == 1) else None
                    if profile and server != servers[0]:
                        profile = None
                    result = measure(args, env, monitor, workdir, keys, server, workers, variant, invocation, profile)
                    runs.append({**case, **result})
                    progress(
                        f"  {result['requests_per_second']} req/s, p50 {result['latency_ms']['p50']} ms, "
                        f"p99 {result['latency_ms']['p99']} ms, non-2xx {result['non_2xx']}, "
                        f"lost {result.get('lost_answers', '-')}, server {result['server_cpu_ms_per_request']} "
                        f"CPU-ms/req, others {result['cpu']['others_cores_busy']} cores"
                    )
    monitor.close()
    return {
        "date": started.isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": load_average(),
        },
        "settings": {
            "candidates": args.candidates,
            "answers_cycled": len(keys),
            "connections": args.connections,
            "wrk_threads": args.wrk_threads,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "rounds": args.rounds,
            "threads": args.threads,
        },
        "summary": summarize(runs, args),
        "runs": runs,
    }


def seed(args, path: Path) -> list[tuple[int, int, object, object]]:
    """The sitting, its attempts and tokens through the project's services; writes wrk's key file.

    Returns per key line (attempt, position, value for even seq, value for odd seq).
    """
    from django.apps import apps
    from exam_day import setup

    from exams.written.services import attempt_start

    Enrollment = apps.get_model("exams", "Enrollment")
    PaperItem = apps.get_model("exams", "PaperItem")
    tokens, enrollment_ids = setup(args)
    attempts = {}
    for enrollment in Enrollment.objects.filter(pk__in=enrollment_ids).select_related("candidate__user"):
        attempts[enrollment.pk] = attempt_start(enrollment=enrollment, user=enrollment.candidate.user)
    layout: dict[int, list[tuple[int, str, int]]] = {}
    rows = PaperItem.objects.filter(paper_id__in=[a.paper_id for a in attempts.values()]).order_by("position")
    rows = rows.values_list("paper_id", "position", "item_version__type", "option_order")
    for paper_id, position, kind, order in rows:
        layout.setdefault(paper_id, []).append((position, kind, len(order)))
    per_candidate = []
    for enrollment in enrollment_ids:
        attempt = attempts[enrollment]
        items = layout[attempt.paper_id]
        count = min(args.positions, len(items))
        chosen = [items[i * len(items) // count] for i in range(count)]  # spread over the paper: every type
        per_candidate.append((attempt.pk, tokens[enrollment], chosen))
    keys, lines = [], []
    for slot in range(args.positions):  # position-major: consecutive lines are different candidates
        for index, (attempt_id, token, chosen) in enumerate(per_candidate):
            if slot >= len(chosen):
                continue
            position, kind, options = chosen[slot]
            values = answer_values(kind, options)
            keys.append((attempt_id, position, *values))
            encoded = [json.dumps(v, ensure_ascii=False, separators=(",", ":")) for v in values]
            lines.append(f"{index}\t{attempt_id}\t{token}\t{position}\t{encoded[0]}\t{encoded[1]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return keys


def answer_values(kind: str, options: int) -> tuple[object, object]:
    """Two different valid answers, already in the form the server stores (sorted letters or text)."""
    if kind == "situational":
        return TEXTS
    if kind == "multiple":
        return ["A", "B"], ["A", "C"] if options > 2 else ["B"]
    return ["A"], ["B"]


def shape(server: str, workers: int, threads: int) -> str:
    if server in ("sync", "bjoern"):
        return f"{workers * threads} processes × 1 thread"
    return f"{workers} processes × {threads} threads"


def server_command(server: str, app: str, port: int, workers: int, threads: int) -> list[str]:
    python = sys.executable
    # No control socket: its default path is shared by every gunicorn of the user, and other
    # runs on the machine (tests, other benches) would take it over from each other.
    bind = ["--bind", f"127.0.0.1:{port}", "--no-control-socket"]
    if server == "gthread":
        gthread = ["--worker-class", "gthread", "--threads", str(threads), "--timeout", "60"]
        return [python, "-m", "gunicorn", app, *bind, "--workers", str(workers), *gthread]
    if server == "sync":
        return [python, "-m", "gunicorn", app, *bind, "--workers", str(workers * threads), "--worker-class", "sync"]
    if server == "granian":
        listen = ["--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port), "--http", "1", "--no-ws"]
        return [python, "-m", "granian", *listen, "--workers", str(workers), "--blocking-threads", str(threads), app]
    return [python, str(BENCH / "bjoern_serve.py"), app, str(port), str(workers * threads)]


def start_server(env: dict, command: list[str], port: int, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "a")  # noqa: SIM115 - closed with the server
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    process.log = log
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}); see {log_path}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    stop_server(process)
    raise RuntimeError(f"server did not listen within 60 s; see {log_path}")


def stop_server(process: subprocess.Popen) -> None:
    """SIGTERM to the server's own process group (master and workers), then SIGKILL if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    process.log.close()


def wrk(args, env: dict, workdir: Path, port: int, seconds: int, invocation: int) -> dict:
    acks = workdir / "acks.txt"
    acks.unlink(missing_ok=True)
    wrk_env = {
        **env,
        "FLOOR_KEYS": str(workdir / "keys.tsv"),
        "FLOOR_ACKS": str(acks),
        "FLOOR_THREADS": str(args.wrk_threads),
        # Every invocation's seq is above every earlier one's, so a save still in flight from
        # the warm-up can never overwrite a measured one.
        "FLOOR_SEQ_BASE": str(invocation * 1_000_000_000),
    }
    command = ["wrk", "-t", str(args.wrk_threads), "-c", str(args.connections), "-d", f"{seconds}s"]
    command += ["--timeout", "10s", "-s", str(BENCH / "floor.lua"), f"http://127.0.0.1:{port}"]
    out = subprocess.run(command, env=wrk_env, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    line = next((line for line in out.splitlines() if line.startswith("FLOOR_RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    result = json.loads(line.removeprefix("FLOOR_RESULT "))
    result["acks"] = {}
    for ack in acks.read_text().splitlines():
        key_line, seq = ack.split()
        result["acks"][int(key_line) - 1] = int(seq)
    return result


def wait_idle(process: subprocess.Popen, timeout: float = 90) -> None:
    """Until the server's processes use (almost) no CPU: every worker has loaded the app.

    A server listens as soon as its master has bound the socket, while its workers may still
    be importing Django for seconds on a busy machine; measuring then would time the imports.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = sum(process_cpu(pid) for pid in tree(process.pid))
        time.sleep(0.5)
        if sum(process_cpu(pid) for pid in tree(process.pid)) - before < 0.03:
            return
    raise RuntimeError("the server kept busy for 90 s without load")


def warm_up(args, env, workdir: Path, port: int, process: subprocess.Popen, invocation: int) -> None:
    """Load until the rate is steady: connections open, lazy imports done, per-process caches
    (the paper layouts) filled. Chunks of --warmup seconds until two in a row agree within 10 %,
    at most 8 chunks."""
    wait_idle(process)
    previous = None
    for chunk in range(8):
        result = wrk(args, env, workdir, port, args.warmup, invocation * 20 + chunk)
        rate = result["requests"] / max(1e-6, result["duration_us"] / 1e6)
        if previous and abs(rate - previous) <= 0.1 * previous:
            break
        previous = rate
    time.sleep(1)  # let the warm-up's last requests finish before the table is emptied


def our_backends(monitor, database: str):
    def pids() -> list[int]:
        rows = monitor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database]
        ).fetchall()
        return [pid for (pid,) in rows]

    return pids


def measure(args, env, monitor, workdir, keys, server, workers, variant, invocation, profile) -> dict:
    port = free_port()
    command = server_command(server, APPS[variant], port, workers, args.threads)
    process = start_server(env, command, port, workdir / f"{server}-{variant}.log")
    try:
        warm_up(args, env, workdir, port, process, invocation)
        monitor.execute(f"TRUNCATE {env_table(env, 'exams.Answer')}")
        meter = CpuMeter(
            {"server": lambda: tree(process.pid), "postgres_ours": our_backends(monitor, args.database)},
            reaped="wrk",
        )
        meter.start()
        result = wrk(args, env, workdir, port, args.duration, invocation * 20 + 9)
        cpu = meter.stop()
        time.sleep(0.5)  # the server may still answer requests wrk gave up on when it stopped
        check = verify(monitor, env, keys, result["acks"]) if variant != "F0" else {}
        # Sampling pauses the worker, so profiles come from extra runs after the measured one.
        profile_report = profile_runs(args, env, workdir, port, process, invocation, profile) if profile else None
    finally:
        stop_server(process)
    seconds = result["duration_us"] / 1e6
    non_2xx = sum(count for status, count in result["statuses"].items() if not status.startswith("2"))
    errors = {k: v for k, v in result["errors"].items() if k != "status"}
    out = {
        "processes_threads": shape(server, workers, args.threads),
        "requests": result["requests"],
        "requests_per_second": round(result["requests"] / seconds, 1),
        "latency_ms": {q: round(result["latency_us"][q] / 1000, 1) for q in ("p50", "p90", "p99", "max")},
        "non_2xx": non_2xx,
        "statuses": result["statuses"],
        "socket_errors": errors,
        "server_cpu_ms_per_request": round(cpu["cpu_seconds"]["server"] * 1000 / max(1, result["requests"]), 3),
        "postgres_cpu_ms_per_request": round(
            cpu["cpu_seconds"]["postgres_ours"] * 1000 / max(1, result["requests"]), 3
        ),
        "cpu": cpu,
        **check,
    }
    if profile_report:
        out["profile"] = profile_report
    return out


def env_table(env: dict, label: str) -> str:
    return '"' + json.loads(env["FLOOR_TABLES"])[label] + '"'


def verify(monitor, env: dict, keys, acks: dict[int, int]) -> dict:
    """Every acknowledged save is in the database: the stored seq is at least the highest
    acknowledged one, and the stored value is the one sent with the stored seq."""
    stored = {
        (attempt, position): (seq, response)
        for attempt, position, seq, response in monitor.execute(
            f"SELECT attempt_id, position, seq, response FROM {env_table(env, 'exams.Answer')}"
        )
    }
    lost = wrong = 0
    for index, seq in acks.items():
        attempt, position, even, odd = keys[index]
        row = stored.get((attempt, position))
        if row is None or row[0] < seq:
            lost += 1
        elif row[1] != (even if row[0] % 2 == 0 else odd):
            wrong += 1
    return {"answers_acknowledged": len(acks), "lost_answers": lost, "wrong_values": wrong}


def profile_runs(args, env, workdir: Path, port: int, process: subprocess.Popen, invocation: int, folder: Path):
    """py-spy on the busiest worker (its own process, not the master) during two extra runs:
    ``cpu`` keeps only samples holding the GIL (what the Python code costs), ``wall`` every
    sample of a busy thread (so waiting for PostgreSQL shows too)."""
    spy_binary = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy_binary).exists():
        progress("py-spy is not installed: no profile (.venv/bin/pip install py-spy)")
        return None
    folder.mkdir(parents=True, exist_ok=True)
    workers = [pid for pid in tree(process.pid) if pid != process.pid] or [process.pid]
    target = max(workers, key=process_cpu)
    report = {}
    for k, mode in enumerate(("cpu", "wall")):
        raw = folder / f"p-{mode}.txt"
        command = [spy_binary, "record", "--pid", str(target), "--duration", str(args.duration), "--rate", "200"]
        command += ["--format", "raw", "--output", str(raw), *(["--gil"] if mode == "cpu" else [])]
        spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # attached before the load starts
        wrk(args, env, workdir, port, args.duration, invocation * 20 + 10 + k)
        spy.wait(timeout=60)
        if not raw.exists():
            return {"error": "py-spy wrote nothing (it needs ptrace: root or CAP_SYS_PTRACE)"}
        report[mode] = summarize_profile(raw.read_text())
    (folder / "p-top.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    return {"worker_pid": target, "files": [str(folder / n) for n in ("p-cpu.txt", "p-wall.txt", "p-top.json")]}


def summarize(runs: list[dict], args) -> dict:
    summary = {}
    groups: dict[tuple, list[dict]] = {}
    for run in runs:
        groups.setdefault((run["server"], run["workers"]), []).append(run)
    for (server, workers), group in groups.items():
        name = f"{server} {shape(server, workers, args.threads)}"
        entry = {}
        for variant in args.variants:
            of = [r for r in group if r["variant"] == variant]
            if not of:
                continue
            entry[variant] = {
                "requests_per_second_median": statistics.median(r["requests_per_second"] for r in of),
                "requests_per_second_each_round": [r["requests_per_second"] for r in of],
                "p50_ms_median": statistics.median(r["latency_ms"]["p50"] for r in of),
                "p99_ms_median": statistics.median(r["latency_ms"]["p99"] for r in of),
                "non_2xx": sum(r["non_2xx"] for r in of),
                "socket_errors": sum(sum(r["socket_errors"].values()) for r in of),
                "server_cpu_ms_per_request_median": statistics.median(r["server_cpu_ms_per_request"] for r in of),
                "others_cores_busy_median": statistics.median(r["cpu"]["others_cores_busy"] for r in of),
                "wrk_cores_busy_median": statistics.median(r["cpu"]["cores_busy"]["wrk"] for r in of),
            }
            if variant != "F0":
                entry[variant]["lost_answers"] = sum(r["lost_answers"] for r in of)
                entry[variant]["wrong_values"] = sum(r["wrong_values"] for r in of)
        if "P" in entry and "F1" in entry:
            by_round = {r["round"]: r for r in group if r["variant"] == "F1"}
            ratios = [
                round(r["requests_per_second"] / by_round[r["round"]]["requests_per_second"], 3)
                for r in group
                if r["variant"] == "P" and r["round"] in by_round
            ]
            entry["P_over_F1_each_round"] = ratios
            entry["P_over_F1_median"] = statistics.median(ratios)
        summary[name] = entry
    return summary


if __name__ == "__main__":
    main()
