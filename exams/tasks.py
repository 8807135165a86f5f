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
