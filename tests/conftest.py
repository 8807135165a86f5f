"""Personas, the Celery worker and the browser, shared by every test.

Personas are built through the real services. With REDIS_URL set, the
``celery_worker`` fixture starts a real worker on the test database; without
it tasks run in-process (the embedded default) and the fixture is a no-op.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from certify.celery import app as celery_app
from certify.people.models import Branch, Hall, Province, Role, User
from certify.people.services import candidate_upsert, staff_upsert
from certify.standard.services import standard_load_defaults

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make next to it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "Test-pass-2026"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "certify.people.hashers.FirstLoginHasher",
    ]
    # Every test signs in from 127.0.0.1: the per-address throttle is tested on its own.
    settings.LOGIN_RATE_PER_ADDRESS = "100000/hour"
    # Likewise certificate lookups: the systematic tests reach the verification page many times a
    # minute (its limit is tested on its own, with override_settings).
    settings.VERIFY_RATE_PER_ADDRESS = "100000/hour"


@pytest.fixture(autouse=True)
def no_attempt_layouts_from_earlier_tests():
    """A web process keeps each attempt's paper layout by the attempt's id
    (``exams.written.statements``). Every test rolls back, so the next one reuses the ids: start
    each test as a process that has seen none of them, or the edge's first save of a reused id
    is handed on to the full path (correct, but not what a test of the edge means to see)."""
    from exams.written import statements

    statements._layouts.clear()


@pytest.fixture(autouse=True)
def exports_in_process(request, settings):
    """Exports run in the test's own process: a test's rows are not committed, so the export
    process that production starts (grading/exports/runner.py) could not see them. Tests marked
    ``export_process`` start it for real (with committed rows on PostgreSQL)."""
    if "export_process" not in request.keywords:
        settings.EXPORT_IN_CHILD_PROCESS = False


# --- personas --------------------------------------------------------------------------


@dataclass
class Org:
    province: Province
    east: Branch
    west: Branch
    hall: Hall
    other_hall: Hall


@pytest.fixture
def standard(db):
    return standard_load_defaults()[0]


@pytest.fixture
def org(db) -> Org:
    province = Province.objects.create(name="测试省公司", code="test")
    east = Branch.objects.create(province=province, name="城东分公司")
    west = Branch.objects.create(province=province, name="城西分公司")
    return Org(
        province=province,
        east=east,
        west=west,
        hall=Hall.objects.create(branch=east, name="城东中心营业厅"),
        other_hall=Hall.objects.create(branch=west, name="文三路营业厅"),
    )


@pytest.fixture
def hr(org, standard) -> User:
    """A certification admin (认证管理员) who may see personal data."""
    return staff_upsert(username="hr", full_name="周敏", role=Role.ADMIN, hall=org.hall, password=PASSWORD)[0]


@pytest.fixture
def examiner(org, standard) -> User:
    return staff_upsert(username="examiner1", full_name="王建国", role=Role.EXAMINER, hall=org.hall, password=PASSWORD)[
        0
    ]


@pytest.fixture
def chief(org, standard) -> User:
    return staff_upsert(
        username="chief", full_name="刘文华", role=Role.CHIEF_EXAMINER, hall=org.hall, password=PASSWORD
    )[0]


@pytest.fixture
def candidate(org, standard):
    return candidate_upsert(
        employee_no="E1001",
        name="张丽娜",
        id_number="11010519491231002X",
        phone="13812345678",
        hall=org.hall,
        level=5,
        password=PASSWORD,
    )[0]


@pytest.fixture
def other_candidate(org, standard):
    return candidate_upsert(
        employee_no="E1002",
        name="李伟",
        id_number="440524188001010014",
        phone="13987654321",
        hall=org.other_hall,
        level=4,
        password=PASSWORD,
    )[0]


def client_for(user: User) -> Client:
    """A signed-in session of ``user``; a roster candidate has done their first login (set a password)."""
    if user.password_must_change:
        User.objects.filter(pk=user.pk).update(password_must_change=False)
        user.password_must_change = False
    client = Client()
    client.force_login(user)
    return client


# --- Celery worker ---------------------------------------------------------------------


def _worker_database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker on the test database when REDIS_URL is set; in-process otherwise.

    Tests that use it must commit their data: mark them ``django_db(transaction=True)``.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield None
        return
    # A queue of this test run's own, so a developer's worker never takes its tasks.
    queue = f"certify-test-{os.getpid()}"
    celery_app.conf.task_default_queue = queue
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "celery-worker.log", "w")  # noqa: SIM115 - closed at teardown
    env = {**os.environ, "DATABASE_URL": _worker_database_url(), "CELERY_QUEUE": queue}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "certify",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail(f"The Celery worker exited with {process.returncode}; see {log.name}")
        replies = celery_app.control.ping(timeout=1)
        if any(name.startswith(f"{queue}@") for reply in replies for name in reply):
            break
        if time.monotonic() > deadline:
            process.terminate()
            pytest.fail(f"The Celery worker did not answer within 60 s; see {log.name}")
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(autouse=True)
def tasks_in_process_unless_a_worker_is_asked_for(request):
    """Tests run tasks in-process; those that take ``celery_worker`` go through the real one."""
    if "celery_worker" in request.fixturenames or settings.CELERY_TASK_ALWAYS_EAGER:
        yield
        return
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = False
        celery_app.conf.task_eager_propagates = False


# --- browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def login(page, live_server, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("账号（工号）").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
