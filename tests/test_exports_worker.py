"""An export requested through the API runs on the real Celery worker (with REDIS_URL set; in-process
otherwise), which has it written by the export process as in production (grading/exports/runner.py),
and the file is served to the requester. Its own module: the worker writes to
the default EXPORTS_DIR, which the other export tests replace with a temporary folder."""

from __future__ import annotations

import io
import time

import pytest
from openpyxl import load_workbook

from certify.celery import app as celery_app
from grading.exports.models import ExportJob
from grading.exports.services import export_path
from tests.conftest import client_for
from tests.exam_helpers import make_sitting


@pytest.mark.django_db(transaction=True)
def test_an_export_requested_through_the_api_is_written_by_the_worker(org, hr, celery_worker):
    sitting = make_sitting(org)  # no room event yet: the log says so
    client = client_for(hr)
    response = client.post("/api/exports/", {"kind": "exam_day_log", "sitting": sitting.pk})
    assert response.status_code == 202
    job = response.json()
    deadline = time.monotonic() + 60
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
        job = client.get(job["progress_url"]).json()
    assert (job["status"], job["done"], job["total"]) == ("done", 0, 0)
    response = client.get(job["download_url"])
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["考场日志"]
    assert sheet["A3"].value == "本批次没有考场操作记录"
    export = ExportJob.objects.get(pk=job["id"])
    export_path(export).unlink()
    if celery_worker is not None:
        # The job is done once the export process has written the file; the task reads the job
        # again after that process exits. Let it finish before this test's rows are flushed.
        while time.monotonic() < deadline:
            if not any((celery_app.control.inspect(timeout=1).active() or {}).values()):
                break
            time.sleep(0.3)
