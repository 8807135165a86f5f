"""Requesting, writing and purging export workbooks (the background job's services)."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certify.jobs import enqueue_on_commit
from certify.people.models import Branch, Hall, User
from certify.people.selectors import may_view_personal_data
from certify.standard.models import Level
from exams.planning.models import Enrollment, Sitting
from grading.exports.models import ExportJob, ExportKind, ExportStatus
from grading.exports.sources import SOURCES, Export
from grading.exports.workbook import workbook_write

logger = logging.getLogger(__name__)


def export_source(job: ExportJob) -> Export:
    """What ``job`` writes: one of ``grading.exports.sources``, or the statistics workbook (which
    builds on those sources' sheets, so it is looked up here, above both)."""
    if job.kind == ExportKind.STATISTICS:
        # Imported when needed: the statistics (numpy, jieba through the marking selectors, DRF)
        # add about 35 MB to the export process, which no other workbook needs.
        from grading.statistics.exports import statistics_export

        return statistics_export(job)
    return SOURCES[job.kind](job)


def export_path(job: ExportJob) -> Path:
    """Where the job's file lives: by id, never by a name a person chose."""
    return Path(settings.EXPORTS_DIR) / f"export-{job.pk}.xlsx"


def may_request(user: User, kind: str) -> bool:
    """Admins export everything; chief examiners the statistics of the sittings they chair."""
    if not user.is_authenticated:
        return False
    return user.is_cert_admin or (user.is_chief_examiner and kind == ExportKind.STATISTICS)


def may_download(user: User, job: ExportJob) -> bool:
    """Only the requester and certification admins."""
    return user.is_authenticated and (job.requested_by_id == user.pk or user.is_cert_admin)


def _clean_params(kind: str, params: dict, by: User) -> dict:
    """The parameters a kind needs, checked; a ``ValidationError`` naming the field otherwise."""
    if kind not in ExportKind.values:
        raise ValidationError({"kind": _("未知的导出内容「%(kind)s」") % {"kind": kind}})
    if kind == ExportKind.CANDIDATE_DETAILS:
        admission = str(params.get("admission_no") or "").strip()
        enrollment = Enrollment.objects.filter(admission_no=admission).first() if admission else None
        if enrollment is None:
            raise ValidationError({"admission_no": _("没有准考证号为「%(no)s」的考生") % {"no": admission}})
        return {"enrollment": enrollment.pk}
    if kind == ExportKind.RESULTS:
        return _clean_result_filters(params)
    if kind == ExportKind.STATISTICS:
        clean = {}
        if params.get("level") not in (None, ""):
            clean.update(_clean_result_filters({"level": params["level"]}))
        if params.get("sitting") in (None, ""):
            if not by.is_cert_admin:
                raise ValidationError({"sitting": _("请选择考试批次")})
            return clean
        clean["sitting"] = _clean_sitting(params, by)
        return clean
    if kind == ExportKind.CERTIFICATES:
        raw = str(params.get("expiring_days") or "").strip()
        if not raw:
            return {}
        if not raw.isdigit() or not 1 <= int(raw) <= 3650:
            raise ValidationError({"expiring_days": _("「到期天数」应为 1 到 3650 之间的整数")})
        return {"expiring_days": int(raw)}
    return {"sitting": _clean_sitting(params, by)}


def _clean_sitting(params: dict, by: User) -> int:
    # Imported here, not above: the export process (``grading/exports/runner.py``) never checks a
    # request and should not load the statistics and marking modules behind this selector.
    from grading.statistics.selectors import sittings_for

    raw = params.get("sitting")
    try:
        sitting = sittings_for(by).get(pk=int(raw))
    except (TypeError, ValueError, Sitting.DoesNotExist):
        raise ValidationError({"sitting": _("请选择考试批次")}) from None
    return sitting.pk


def _clean_result_filters(params: dict) -> dict:
    clean: dict = {}
    level = str(params.get("level") or "").strip()
    if level:
        if level not in {str(value) for value in Level.values}:
            raise ValidationError({"level": _("「级别」应为 5、4 或 3")})
        clean["level"] = int(level)
    for name, model, label in (("branch", Branch, _("分公司")), ("hall", Hall, _("营业厅"))):
        raw = str(params.get(name) or "").strip()
        if not raw:
            continue
        if not raw.isdigit() or not model.objects.filter(pk=int(raw)).exists():
            raise ValidationError({name: _("没有这个%(label)s") % {"label": label}})
        clean[name] = int(raw)
    for name, label in (("date_from", _("考试日期自")), ("date_to", _("考试日期至"))):
        raw = str(params.get(name) or "").strip()
        if not raw:
            continue
        try:
            clean[name] = date.fromisoformat(raw).isoformat()
        except ValueError:
            raise ValidationError({name: _("「%(label)s」应为日期，例如 2026-11-30") % {"label": label}}) from None
    if clean.get("date_from") and clean.get("date_to") and clean["date_from"] > clean["date_to"]:
        raise ValidationError({"date_to": _("「考试日期至」不能早于「考试日期自」")})
    return clean


def export_request(*, kind: str, params: dict, by: User, now: datetime | None = None) -> ExportJob:
    """Record the request and enqueue the job that writes the file (after the commit)."""
    if not may_request(by, kind):
        raise PermissionDenied(_("只有认证管理员可以导出"))
    clean = _clean_params(kind, params, by)
    with transaction.atomic():
        job = ExportJob.objects.create(
            kind=kind,
            params=clean,
            requested_by=by,
            show_personal_data=may_view_personal_data(by),
            created_at=now or timezone.now(),
        )
        enqueue_on_commit("grading.tasks.run_export", job.pk)
    return job


def export_run(*, job_id: int, now: datetime | None = None) -> ExportJob:
    """Write the job's workbook; progress (rows written / total) is saved every 1,000 rows.

    Idempotent: a job already done or failed is left alone. The file is written under a temporary
    name and renamed, so a download never sees half a file.
    """
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(status=ExportStatus.RUNNING)
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    if not claimed:
        return job
    path = export_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    try:
        source = export_source(job)
        total = source.total
        ExportJob.objects.filter(pk=job.pk).update(total=total, done=0)

        def progress(rows: int) -> None:
            ExportJob.objects.filter(pk=job.pk).update(done=min(rows, total))

        with open(partial, "wb") as target:
            workbook_write(
                target,
                title=source.title,
                by=job.requested_by.display_name,
                at=now or timezone.now(),
                filters=source.filters,
                sheets=source.sheets,
                on_progress=progress,
            )
        partial.replace(path)
    except Exception as error:
        logger.exception("export %s failed", job.pk)
        partial.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, error=_("导出失败：%(error)s") % {"error": error}, finished_at=timezone.now()
        )
        job.refresh_from_db()
        return job
    finished = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.DONE,
        done=total,
        file_name=source.file_name,
        size=path.stat().st_size,
        finished_at=finished,
        expires_at=finished + timedelta(days=settings.EXPORT_RETENTION_DAYS),
    )
    job.refresh_from_db()
    return job


def export_job_run(*, job_id: int) -> ExportJob:
    """What the background task runs: ``export_run`` in a process of its own
    (``export_run_in_child``) when ``EXPORT_IN_CHILD_PROCESS`` (the default), in this one otherwise."""
    if settings.EXPORT_IN_CHILD_PROCESS:
        return export_run_in_child(job_id=job_id)
    return export_run(job_id=job_id)


def _duration(seconds: int) -> str:
    """A time limit as a person reads it: 「30 分钟」, 「90 秒」."""
    if seconds % 60 == 0:
        return _("%(minutes)s 分钟") % {"minutes": seconds // 60}
    return _("%(seconds)s 秒") % {"seconds": seconds}


def export_run_in_child(*, job_id: int) -> ExportJob:
    """Run ``export_run`` for ``job_id`` in a child process (``grading/exports/runner.py``) and
    wait for it; the job as it then stands.

    The child loads only what an export needs (``certify/settings_export.py``): a 100,000-row
    workbook peaks under 100 MB there, its memory goes back to the system when it exits, and
    this process (the long-lived worker) does not grow. The child sees only committed rows: call
    this after the job's transaction has committed (the task runs on commit). Errors inside the
    export are recorded on the job by ``export_run`` itself; a child that dies (killed, out of
    memory, a broken installation) leaves the job failed here with a message saying so, and so
    does one still running after ``EXPORT_PROCESS_TIMEOUT_SECONDS`` (killed, with its session).
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "certify.settings_export",
        # The child opens the same database and folder as this process, whatever the environment
        # says (they differ only under pytest, which renames the database and moves the folder).
        "EXPORT_DATABASE_NAME": str(connection.settings_dict["NAME"]),
        "EXPORTS_DIR": str(settings.EXPORTS_DIR),
        "EXPORT_RETENTION_DAYS": str(settings.EXPORT_RETENTION_DAYS),
    }
    timeout = settings.EXPORT_PROCESS_TIMEOUT_SECONDS
    # A session of its own, so that on timeout the child and anything it started are killed together.
    child = subprocess.Popen(
        [sys.executable, "-m", "grading.exports.runner", str(job_id)],
        cwd=settings.BASE_DIR,
        env=env,
        start_new_session=True,
    )
    try:
        returncode = child.wait(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        timed_out = True
        with contextlib.suppress(ProcessLookupError):  # it ended in the meantime
            os.killpg(child.pid, signal.SIGKILL)
        returncode = child.wait()
    job = ExportJob.objects.get(pk=job_id)
    if timed_out or returncode != 0:
        if timed_out:
            logger.error("the export process for job %s ran past %s s and was killed", job_id, timeout)
        else:
            logger.error("the export process for job %s exited with %s", job_id, returncode)
        export_path(job).with_suffix(".part").unlink(missing_ok=True)
        if timed_out:
            error = _(
                "导出失败：生成文件超过时间上限（%(limit)s）仍未完成，进程已被终止；请稍后重新导出，如仍超时请联系管理员"
            )
        elif returncode < 0:
            # Killed by a signal: most often the system's out-of-memory killer.
            error = _(
                "导出失败：生成文件的进程被系统终止（信号 %(signal)s，可能内存不足），请重新导出；如仍失败请联系管理员"
            )
        else:
            error = _("导出失败：生成文件的进程意外退出（退出码 %(code)s），请重新导出；如仍失败请联系管理员")
        ExportJob.objects.filter(pk=job_id, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]).update(
            status=ExportStatus.FAILED,
            error=error % {"signal": -returncode, "code": returncode, "limit": _duration(timeout)},
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
    return job


def export_purge(*, now: datetime | None = None) -> int:
    """Delete the files of jobs past their retention; the job row stays, marked expired."""
    now = now or timezone.now()
    expired = list(ExportJob.objects.filter(status=ExportStatus.DONE, expires_at__lte=now))
    for job in expired:
        export_path(job).unlink(missing_ok=True)
    ExportJob.objects.filter(pk__in=[job.pk for job in expired]).update(status=ExportStatus.EXPIRED)
    return len(expired)


def export_file(*, job: ExportJob, by: User, now: datetime | None = None) -> Path:
    """The file to send ``by``; ``PermissionDenied`` for anyone but the requester and admins,
    ``ValidationError`` while it is not ready or once it has expired."""
    if not may_download(by, job):
        raise PermissionDenied(_("只有导出人和认证管理员可以下载此文件"))
    now = now or timezone.now()
    if job.status == ExportStatus.DONE and job.expires_at and job.expires_at <= now:
        export_purge(now=now)
        job.refresh_from_db()
    if job.status == ExportStatus.EXPIRED:
        raise ValidationError(
            _("文件已超过保留期限（%(days)s 天）并已删除，请重新导出") % {"days": settings.EXPORT_RETENTION_DAYS}
        )
    path = export_path(job)
    if job.status != ExportStatus.DONE or not path.exists():
        raise ValidationError(_("文件尚未生成完毕"))
    return path
