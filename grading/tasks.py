"""Background tasks of the grading app. A task takes ids, calls a service and holds no logic;
services never import this module (they enqueue by name through ``certify.jobs``)."""

from celery import shared_task

from grading.certificates.bundles import bundle_purge, bundle_run
from grading.exports.services import export_job_run, export_purge
from grading.marking.scripts import marking_sweep as sweep
from grading.marking.scripts import scripts_create


@shared_task(name="grading.tasks.create_scripts", acks_late=True)
def create_scripts(attempt_ids: list[int]) -> int:
    """Enqueued by the written submit path: the submitted attempts' situational answers become
    marking scripts. Idempotent; the sweep and the marking pages catch any it misses."""
    return scripts_create(attempt_ids=attempt_ids)


@shared_task(name="grading.tasks.marking_sweep", acks_late=True)
def marking_sweep() -> dict:
    """The periodic sweep (beat): sittings whose written window is over move to 阅卷中, and every
    submitted attempt still without scripts gets them."""
    return sweep()


@shared_task(name="grading.tasks.run_export", acks_late=True)
def run_export(job_id: int) -> str:
    """Write one export workbook, in a process of its own (idempotent: a job not queued any more
    is left alone)."""
    return export_job_run(job_id=job_id).status


@shared_task(name="grading.tasks.purge_exports", acks_late=True)
def purge_exports() -> dict:
    """Hourly: export files and certificate zips past their retention (``EXPORT_RETENTION_DAYS``)
    are deleted. One task for both, so one beat entry (its name kept from when it purged exports only)."""
    return {"exports": export_purge(), "certificate_bundles": bundle_purge()}


@shared_task(name="grading.tasks.certificate_bundle", acks_late=True)
def certificate_bundle(bundle_id: int) -> int:
    """A sitting's certificates zipped (grading.certificates.bundles). Idempotent by status."""
    return bundle_run(bundle_id=bundle_id).done
