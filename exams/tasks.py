"""Background tasks of the exams app. A task takes ids, calls a service and holds no logic; services
never import this module (they enqueue by name through ``certify.jobs``)."""

from celery import shared_task
from django.utils import timezone

from exams.papers.selectors import papers_json_warm
from exams.papers.services import papers_assemble, papers_assembly_failed
from exams.planning.roster_jobs import roster_import_failed, roster_import_run
from exams.sweep import parts_finalize_expired
from exams.written.models import Attempt, AttemptStatus
from exams.written.services import attempts_finalize_expired, is_expired


@shared_task(name="exams.tasks.assemble_papers", acks_late=True, bind=True, max_retries=3)
def assemble_papers(self, sitting_id: int) -> dict:
    """Assemble a scheduled sitting's papers. Safe to run twice: each paper is written once."""
    try:
        return papers_assemble(sitting_id=sitting_id)
    except Exception as exc:
        papers_assembly_failed(sitting_id=sitting_id, error=repr(exc))
        raise


@shared_task(name="exams.tasks.warm_papers", acks_late=True)
def warm_papers(sitting_id: int) -> int:
    """When a sitting starts: every paper's JSON into the shared cache before candidates ask."""
    return papers_json_warm(sitting_id=sitting_id)


@shared_task(name="exams.tasks.finalize_attempt", acks_late=True)
def finalize_attempt(attempt_id: int) -> bool:
    """Nothing enqueues this any more (issue 15: a task 60–90 minutes ahead outlived Redis's
    visibility timeout and was redelivered); it stays so messages queued by an earlier release
    still resolve. Idempotent: the 5-second sweep finalises every attempt on time."""
    attempt = Attempt.objects.select_related("enrollment").filter(pk=attempt_id).first()
    if attempt is None or attempt.status == AttemptStatus.SUBMITTED:
        return attempt is not None
    if is_expired(attempt, timezone.now()):
        attempts_finalize_expired()
    return Attempt.objects.filter(pk=attempt_id, status=AttemptStatus.SUBMITTED).exists()


@shared_task(name="exams.tasks.finalize_expired_attempts", acks_late=True)
def finalize_expired_attempts() -> int:
    """The periodic sweep (beat): submit and grade every written paper, typing test and
    business-entry part whose time is over."""

    return parts_finalize_expired()


@shared_task(name="exams.tasks.import_roster", acks_late=True)
def import_roster(job_id: int) -> str:
    """Import an uploaded roster (exams.planning.roster_jobs). Idempotent: a job runs once."""
    try:
        return roster_import_run(job_id=job_id).status
    except Exception as exc:
        roster_import_failed(job_id=job_id, error=repr(exc))
        raise
