"""Exports as production writes them: the task starts a lean process of its own
(``python -m grading.exports.runner <job>``), which writes the file, saves the progress and
records a failure on the job; a process that dies leaves the job failed with a message saying so.

The export process opens the database itself, so it only sees committed rows: the tests that
let it write need ``django_db(transaction=True)`` and PostgreSQL (the SQLite test database lives
in this process's memory, out of a child's reach). CI's PostgreSQL pass runs them."""

from __future__ import annotations

import re
import stat
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import TestCase
from django.utils import timezone

from exams.planning.models import Enrollment
from grading.exports.models import ExportJob, ExportStatus
from grading.exports.services import _duration, export_job_run, export_path, export_request
from tests.conftest import client_for
from tests.export_helpers import download, publish_results, sat_with_events, table

pytestmark = pytest.mark.export_process

needs_shared_database = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="the SQLite test database lives in this process's memory: a child process cannot open it "
    "(the PostgreSQL pass runs this test)",
)


@pytest.fixture(autouse=True)
def exports_dir(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"


@needs_shared_database
@pytest.mark.django_db(transaction=True)
def test_the_export_process_writes_the_workbook_and_saves_the_progress(org, hr, monkeypatch, capfd):
    sitting = sat_with_events(org)
    publish_results(sitting)
    # Not this process: an export written here would fail.
    monkeypatch.setattr("grading.exports.services.export_run", lambda **kwargs: pytest.fail("ran in-process"))
    # The export process logs its memory on INFO (its stderr is this test's, captured by capfd).
    monkeypatch.setenv("LOG_LEVEL", "INFO")
    job = export_request(kind="sitting_results", params={"sitting": sitting.pk}, by=hr)  # runs on commit
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.error) == (ExportStatus.DONE, 3, 3, "")
    assert export_path(job).exists() and not export_path(job).with_suffix(".part").exists()
    workbook, _ = download(client_for(hr), job)
    rows = table(workbook["成绩"])
    assert [row[6] for row in rows] == sorted(
        Enrollment.objects.filter(sitting=sitting).values_list("admission_no", flat=True)
    )
    logged = re.search(
        rf"export job {job.pk} \(sitting_results\) done: 3 rows in [\d.]+ s; "
        r"memory ([\d.]+) MB before the export, peak ([\d.]+) MB",
        capfd.readouterr().err,
    )
    assert logged, "the export process logs what it cost"
    # Lean: without the admin, DRF, the statistics and numpy (a full process starts at about 110 MB).
    assert float(logged.group(2)) < 100


@needs_shared_database
@pytest.mark.django_db(transaction=True)
def test_an_error_inside_the_export_process_marks_the_job_failed_with_the_reason(hr):
    # A job whose sitting is not there (the request's checks bypassed): the source's query fails.
    broken = ExportJob.objects.create(
        kind="sitting_results", params={"sitting": 0}, requested_by=hr, created_at=timezone.now()
    )
    broken = export_job_run(job_id=broken.pk)
    assert broken.status == ExportStatus.FAILED
    assert broken.error.startswith("导出失败：")
    assert not export_path(broken).exists() and not export_path(broken).with_suffix(".part").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("script", "message"),
    [
        (
            "exit 3",
            "导出失败：生成文件的进程意外退出（退出码 3），请重新导出；如仍失败请联系管理员",
        ),
        (
            "kill -9 $$",
            "导出失败：生成文件的进程被系统终止（信号 9，可能内存不足），请重新导出；如仍失败请联系管理员",
        ),
    ],
)
def test_an_export_process_that_dies_leaves_the_job_failed_with_a_message(
    org, hr, monkeypatch, tmp_path, script, message
):
    sitting = sat_with_events(org)
    # A Python that dies at once, as a process killed by the out-of-memory killer would.
    dying = tmp_path / "python"
    dying.write_text(f"#!/bin/sh\n{script}\n")
    dying.chmod(dying.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(sys, "executable", str(dying))
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = export_request(kind="exam_day_log", params={"sitting": sitting.pk}, by=hr)
    job.refresh_from_db()
    assert (job.status, job.error) == (ExportStatus.FAILED, message)
    assert job.finished_at is not None
    body = client_for(hr).get(f"/api/exports/{job.pk}/").json()
    assert (body["status"], body["download_url"]) == ("failed", None)


@needs_shared_database
@pytest.mark.django_db(transaction=True)
def test_the_statistics_workbook_with_its_item_analysis_is_written_by_the_export_process(org, hr):
    # openpyxl is kept from importing numpy there; the item analysis still imports it itself.
    sitting = sat_with_events(org)
    publish_results(sitting)
    job = export_request(kind="statistics", params={"sitting": sitting.pk}, by=hr)
    job.refresh_from_db()
    assert (job.status, job.error) == (ExportStatus.DONE, "")
    workbook, _ = download(client_for(hr), job)
    assert table(workbook["合格率-批次"]) == [[sitting.name, 3, 1, 2, 1, 50]]
    assert table(workbook["信度"])[0][0] == "考生人数"


@pytest.mark.django_db
def test_an_export_process_past_its_time_limit_is_killed_and_the_job_failed(org, hr, settings, monkeypatch, tmp_path):
    sitting = sat_with_events(org)
    settings.EXPORT_PROCESS_TIMEOUT_SECONDS = 1
    # A Python that hangs; the shell's child (sleep) must go with it, so it writes its pid down.
    sleeper = tmp_path / "sleeper.pid"
    hung = tmp_path / "python"
    hung.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {sleeper}\nwait\n")
    hung.chmod(hung.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(sys, "executable", str(hung))
    started = time.monotonic()
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = export_request(kind="exam_day_log", params={"sitting": sitting.pk}, by=hr)
    assert time.monotonic() - started < 30
    job.refresh_from_db()
    assert (job.status, job.error) == (
        ExportStatus.FAILED,
        "导出失败：生成文件超过时间上限（1 秒）仍未完成，进程已被终止；请稍后重新导出，如仍超时请联系管理员",
    )
    assert job.finished_at is not None
    # The whole session was killed, not only the shell: its sleep is gone (or a zombie left to init).
    status = Path(f"/proc/{int(sleeper.read_text())}/status")
    assert not status.exists() or "\nState:\tZ" in status.read_text()


def test_the_time_limit_reads_in_minutes_when_whole():
    assert _duration(30 * 60) == "30 分钟"
    assert _duration(90) == "90 秒"
