from celery import shared_task

from exams.services.papers import papers_assemble, papers_assembly_failed


@shared_task(name="exams.tasks.assemble_papers", acks_late=True, bind=True, max_retries=3)
def assemble_papers(self, sitting_id: int) -> dict:
    """Assemble a scheduled sitting's papers. Safe to run twice: each paper is written once."""
    try:
        return papers_assemble(sitting_id=sitting_id)
    except Exception as exc:
        papers_assembly_failed(sitting_id=sitting_id, error=repr(exc))
        raise


@shared_task(name="exams.tasks.finalize_attempt", acks_late=True)
def finalize_attempt(attempt_id: int) -> bool:
    """Runs at an attempt's deadline (plus grace). Idempotent; the sweep catches any it misses."""
    from exams.models import Attempt
    from exams.services.attempts import attempt_finalize_if_expired

    attempt = Attempt.objects.filter(pk=attempt_id).first()
    return attempt is not None and attempt_finalize_if_expired(attempt=attempt)


@shared_task(name="exams.tasks.finalize_expired_attempts", acks_late=True)
def finalize_expired_attempts() -> int:
    """The periodic sweep (beat): submit and grade every attempt whose time is over."""
    from exams.services.attempts import attempts_finalize_expired

    return attempts_finalize_expired()
