"""/healthz reports the database and the broker separately; non-200 when one is down."""

import shutil
import socket
import subprocess
import time

import pytest
from django.test import Client, override_settings

from tests.conftest import client_for


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_reports_both_parts(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["broker"]["status"] == "ok"


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_an_unreachable_broker_is_reported_down_while_pages_still_serve(candidate):
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0"):
        response = Client().get("/healthz")
        assert response.status_code == 503
        body = response.json()
        assert body["database"]["status"] == "ok"
        assert body["broker"]["status"] == "down"
        assert body["broker"]["error"]
        home = client_for(candidate.user).get("/")
        assert home.status_code == 200
        assert "我的考试" in home.content.decode()


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server binary")
@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_a_redis_that_stops_is_reported_down_and_the_site_keeps_serving(candidate, tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0"):
            for _ in range(50):
                if Client().get("/healthz").status_code == 200:
                    break
                time.sleep(0.1)
            assert Client().get("/healthz").json()["broker"] == {"status": "ok", "kind": "redis"}

            server.terminate()
            server.wait(timeout=10)

            response = Client().get("/healthz")
            assert response.status_code == 503
            assert response.json()["broker"]["status"] == "down"
            assert response.json()["database"]["status"] == "ok"
            assert client_for(candidate.user).get("/me/").status_code == 200
    finally:
        server.kill()
