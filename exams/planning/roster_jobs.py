"""HR's roster imported in the background, with progress.

The page and the API store the upload (``RosterImport``) and enqueue ``exams.tasks.import_roster``;
the job parses and validates the whole file (certify.excel: in a child process under limits),
then writes it in batches (``roster_import``), reporting progress after each batch. A 10,000-row
roster never holds a request (or, on the embedded default, runs in-process after the request's
transaction, as every task does there). Progress during the write goes to the cache: the rows are
written in one transaction, invisible to the page until it commits.

An import whose report lists identity changes waits (``confirm``); ``roster_import_confirm``
runs it again with them applied.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from certify.jobs import enqueue_on_commit
from certify.people.models import User
from exams.planning.models import RosterImport, RosterImportStatus, Sitting
from exams.planning.roster import roster_import


def _progress_key(job_id: int) -> str:
    return f"roster-import-{job_id}"


@transaction.atomic
def roster_import_start(
    *, sitting: Sitting, content: bytes, size: int, file_name: str, by: User | None
) -> RosterImport:
    """Store the upload and queue its import."""
    job = RosterImport.objects.create(
        sitting=sitting,
        created_by=by,
        created_at=timezone.now(),
        file_name=file_name[:200],
        content=content,
        size=size,
    )
    enqueue_on_commit("exams.tasks.import_roster", job.pk)
    return job


@transaction.atomic
def roster_import_confirm(*, job: RosterImport) -> RosterImport:
    """The admin accepts the identity changes listed in the report: import again, applying them."""
    job = RosterImport.objects.select_for_update().get(pk=job.pk)
    if job.status != RosterImportStatus.NEEDS_CONFIRMATION:
        return job
    job.confirmed = True
    job.status = RosterImportStatus.QUEUED
    job.save(update_fields=["confirmed", "status"])
    enqueue_on_commit("exams.tasks.import_roster", job.pk)
    return job


def roster_import_run(*, job_id: int) -> RosterImport:
    """The job: idempotent (a job already finished is left as it is)."""
    claimed = RosterImport.objects.filter(pk=job_id, status=RosterImportStatus.QUEUED).update(
        status=RosterImportStatus.RUNNING
    )
    job = RosterImport.objects.select_related("sitting", "created_by").get(pk=job_id)
    if not claimed:
        return job

    def progress(done: int, total: int) -> None:
        cache.set(_progress_key(job_id), (done, total), 3600)

    report = roster_import(
        sitting=job.sitting,
        content=bytes(job.content),
        by=job.created_by,
        size=job.size,
        confirm_identity_changes=job.confirmed,
        progress=progress,
    )
    job.report = report.as_dict(show_personal_data=True)
    job.total = job.done = report.created + report.updated
    if report.needs_confirmation:
        job.status = RosterImportStatus.NEEDS_CONFIRMATION
    else:
        job.status = RosterImportStatus.DONE if report.ok else RosterImportStatus.FAILED
    job.finished_at = timezone.now()
    fields = ["report", "total", "done", "status", "finished_at"]
    if job.status != RosterImportStatus.NEEDS_CONFIRMATION:
        job.content = b""  # the file (personal data) is kept only while it may still be imported
        fields.append("content")
    job.save(update_fields=fields)
    cache.delete(_progress_key(job_id))
    return job


def roster_import_failed(*, job_id: int, error: str) -> None:
    RosterImport.objects.filter(pk=job_id).exclude(status=RosterImportStatus.DONE).update(
        status=RosterImportStatus.FAILED,
        report={
            "errors": [{"row": None, "column": "", "message": "导入时发生错误，请重新上传"}],
            "detail": error[:500],
        },
        finished_at=timezone.now(),
    )


def roster_import_progress(job: RosterImport) -> tuple[int, int]:
    """(rows written, rows to write) while running; the final counts after."""
    if job.status == RosterImportStatus.RUNNING:
        return cache.get(_progress_key(job.pk)) or (0, 0)
    return job.done, job.total
