"""Throwaway services for the fault tests: a redis-server, gunicorn, a Celery worker and beat.

Each runs on a free port of its own against the test database, so a test can stop
and restart it without touching the machine's shared Redis or a developer's worker.
The database is PostgreSQL's test database: these processes must see the test's
committed data, which SQLite's in-memory test database cannot offer.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, *, timeout: float, what: str, every: float = 0.2):
    """Poll ``condition`` until it returns something truthy; fail naming ``what`` after ``timeout`` s."""
    give_up = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > give_up:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(every)


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Stack:
    """redis-server + gunicorn + Celery worker + beat, all throwaway, on the test database."""

    def __init__(self, name: str, *, gunicorn_workers: int = 2):
        self.name = name
        self.redis_port = free_port()
        self.web_port = free_port()
        self.queue = f"fault-{name}-{os.getpid()}"
        self.gunicorn_workers = gunicorn_workers
        self.workdir = Path(tempfile.mkdtemp(prefix=f"certify-fault-{name}-"))
        ARTIFACTS.mkdir(exist_ok=True)
        self.log = open(ARTIFACTS / f"fault-{name}.log", "w")  # noqa: SIM115 - closed in stop_all
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CELERY_QUEUE": self.queue,
            "SECRET_KEY": "fault-test-secret-key",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SETTINGS_MODULE": "certify.settings",
        }
        self.base = f"http://127.0.0.1:{self.web_port}"

    # --- processes --------------------------------------------------------------

    def _spawn(self, key: str, command: list[str]) -> subprocess.Popen:
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[key] = process
        return process

    def start_redis(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            raise AssertionError("the fault tests need redis-server on PATH (Debian's redis-server)")
        self._spawn(
            "redis",
            [server, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        )
        wait_for(self._redis_answers, timeout=10, what="the throwaway redis-server")

    def _redis_answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start_web(self) -> None:
        self._spawn(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "certify.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                str(self.gunicorn_workers),
                "--timeout",
                "30",
            ],
        )
        wait_for(lambda: self.request("GET", "/healthz", expect=None)[0] in (200, 503), timeout=30, what="gunicorn")

    def start_worker(self) -> None:
        self._spawn(
            "worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "certify",
                "worker",
                "--pool=solo",
                "-Q",
                self.queue,
                "-n",
                f"{self.queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
        )

    def start_beat(self) -> None:
        self._spawn(
            "beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "certify",
                "beat",
                "--loglevel=INFO",
                "--schedule",
                str(self.workdir / "beat-schedule"),
            ],
        )

    def stop(self, key: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(key)
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def gunicorn_worker_pids(self) -> list[int]:
        master = self.processes["web"].pid
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def stop_all(self) -> None:
        for key in list(self.processes):
            self.stop(key)
        self.log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # --- HTTP -------------------------------------------------------------------

    def request(self, method: str, path: str, *, token: str | None = None, body=None, expect: int | None = 200):
        """One HTTP request to the throwaway gunicorn; returns (status, parsed JSON or None)."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except OSError:
            status, raw = 0, b""
        payload = json.loads(raw) if raw[:1] in (b"{", b"[") else None
        if expect is not None and status != expect:
            raise AssertionError(f"{method} {path}: expected {expect}, got {status}: {payload or raw[:200]!r}")
        return status, payload
