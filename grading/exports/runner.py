"""The export process: ``python -m grading.exports.runner <job id>`` writes one export job's workbook.

Started by ``grading.exports.services.export_run_in_child`` (the Celery task's path) so that a
large export runs in a process of its own: lean (``certify/settings_export.py`` loads only the
apps an export reads, and openpyxl is kept from importing numpy), its memory returned to the
system when it exits, and the long-lived worker never grows. It calls the one ``export_run``;
a failure inside the export is recorded on the job there, as in any process. Exit status 0
once the job has been handled (done or failed), 2 for a bad command line.
"""

from __future__ import annotations

import logging
import os
import sys
import time

logger = logging.getLogger(__name__)


def memory_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (the peak) of this process, in MB. Read from /proc rather than
    ``getrusage``, whose peak for a child started by ``subprocess`` counts its parent's memory
    at the moment of the exec."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: python -m grading.exports.runner <job id>", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certify.settings_export")
    # openpyxl imports numpy when it is installed, only to recognise numpy numbers (no export
    # writes any: the item analysis hands over Python floats). Kept out, that is 12 MB less.
    # Removed again afterwards, so the statistics workbook can still import numpy itself.
    sys.modules["numpy"] = None  # type: ignore[assignment]
    try:
        import openpyxl  # noqa: F401
    finally:
        del sys.modules["numpy"]
    import django

    django.setup()
    from grading.exports.services import export_run

    before, started = memory_mb("VmRSS"), time.monotonic()
    job = export_run(job_id=int(argv[0]))
    # One line in the worker's log per export (LOG_LEVEL=INFO): what it cost.
    logger.info(
        "export job %s (%s) %s: %s rows in %.1f s; memory %.1f MB before the export, peak %.1f MB",
        job.pk,
        job.kind,
        job.status,
        job.done,
        time.monotonic() - started,
        before,
        memory_mb("VmHWM"),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
