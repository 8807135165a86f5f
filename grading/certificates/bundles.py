"""A sitting's certificates as one zip, made in the background with progress.

``bundle_start`` records the request (refused while the sitting has no valid certificate: an
empty zip helps nobody) and enqueues ``grading.tasks.certificate_bundle``; the task
calls ``bundle_run``, which renders each valid certificate's PDF into a zip under
``VAR_DIR/certificates/`` and writes its progress every 20 certificates. Idempotent: a bundle
already done or running is left alone. A zip is kept ``EXPORT_RETENTION_DAYS`` after it is
finished (the same retention as the export workbooks); then ``bundle_purge`` (the hourly purge
task) deletes it and the bundle is 已过期: the page offers to make it again.
"""

from __future__ import annotations

import zipfile
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from certify.jobs import enqueue_on_commit
from certify.people.models import User
from exams.planning.models import Sitting
from grading.certificates.models import BundleStatus, Certificate, CertificateBundle, CertificateStatus
from grading.certificates.pdf import certificate_pdf

PROGRESS_EVERY = 20


def bundle_dir() -> Path:
    path = Path(settings.VAR_DIR) / "certificates"
    path.mkdir(parents=True, exist_ok=True)
    return path


def bundle_path(bundle: CertificateBundle) -> Path:
    return bundle_dir() / bundle.file_name


def bundle_file_name(bundle: CertificateBundle) -> str:
    return f"证书_{bundle.sitting.code}_{bundle.pk}.zip"


def bundle_certificates(sitting: Sitting) -> QuerySet[Certificate]:
    """The certificates a bundle of ``sitting`` holds: its valid ones."""
    return Certificate.objects.filter(sitting=sitting, status=CertificateStatus.VALID)


def bundle_refusal(*, total: int) -> str:
    """Why a bundle of a sitting with ``total`` valid certificates cannot be started, in words for
    the page ("" when it can): the one place this rule is written (the page shows it and
    ``bundle_start`` enforces it)."""
    return "" if total else _("该批次尚无可打包的证书")


@transaction.atomic
def bundle_start(*, sitting: Sitting, by: User | None) -> CertificateBundle:
    """Record a bundle of ``sitting``'s valid certificates and enqueue it; a ValidationError, and
    nothing recorded, when there are none."""
    total = bundle_certificates(sitting).count()
    if refusal := bundle_refusal(total=total):
        raise ValidationError(refusal)
    bundle = CertificateBundle.objects.create(
        sitting=sitting, requested_by=by, requested_at=timezone.now(), total=total
    )
    enqueue_on_commit("grading.tasks.certificate_bundle", bundle.pk)
    return bundle


def bundle_run(*, bundle_id: int) -> CertificateBundle:
    updated = CertificateBundle.objects.filter(pk=bundle_id, status=BundleStatus.QUEUED).update(
        status=BundleStatus.RUNNING
    )
    bundle = CertificateBundle.objects.select_related("sitting").get(pk=bundle_id)
    if not updated:
        return bundle
    name = bundle_file_name(bundle)
    certificates = bundle_certificates(bundle.sitting).select_related("candidate").order_by("number")
    try:
        done = 0
        with zipfile.ZipFile(bundle_dir() / name, "w", compression=zipfile.ZIP_STORED) as archive:
            for certificate in certificates.iterator(chunk_size=200):
                archive.writestr(f"{certificate.number}_{certificate.candidate.name}.pdf", certificate_pdf(certificate))
                done += 1
                if done % PROGRESS_EVERY == 0:
                    CertificateBundle.objects.filter(pk=bundle.pk).update(done=done)
    except Exception:
        (bundle_dir() / name).unlink(missing_ok=True)  # a partial zip nobody can download
        CertificateBundle.objects.filter(pk=bundle.pk).update(status=BundleStatus.FAILED, finished_at=timezone.now())
        raise
    CertificateBundle.objects.filter(pk=bundle.pk).update(
        status=BundleStatus.DONE, done=done, total=done, file_name=name, finished_at=timezone.now()
    )
    bundle.refresh_from_db()
    return bundle


def bundle_expiry(bundle: CertificateBundle) -> datetime | None:
    """When a finished bundle's zip is deleted (None before it is finished)."""
    if bundle.finished_at is None:
        return None
    return bundle.finished_at + timedelta(days=settings.EXPORT_RETENTION_DAYS)


def bundle_purge(*, now: datetime | None = None) -> int:
    """Delete the zips of bundles finished more than ``EXPORT_RETENTION_DAYS`` ago; the bundle
    stays, marked 已过期. The number of bundles expired."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.EXPORT_RETENTION_DAYS)
    expired = list(CertificateBundle.objects.filter(status=BundleStatus.DONE, finished_at__lte=cutoff))
    for bundle in expired:
        if bundle.file_name:
            bundle_path(bundle).unlink(missing_ok=True)
    CertificateBundle.objects.filter(pk__in=[bundle.pk for bundle in expired], status=BundleStatus.DONE).update(
        status=BundleStatus.EXPIRED
    )
    return len(expired)


def bundle_unavailable(bundle: CertificateBundle, *, now: datetime | None = None) -> str:
    """Why ``bundle``'s zip cannot be downloaded, in words for the page ("" when it can). A bundle
    past its retention is purged here at once rather than at the next hourly run."""
    if bundle.status == BundleStatus.DONE and (expiry := bundle_expiry(bundle)) and expiry <= (now or timezone.now()):
        bundle_purge(now=now)
        bundle.refresh_from_db()
    if bundle.status == BundleStatus.EXPIRED:
        return _("已过期：证书压缩包超过保留期限（%(days)s 天）已删除，请重新生成") % {
            "days": settings.EXPORT_RETENTION_DAYS
        }
    if bundle.status != BundleStatus.DONE:
        return _("证书压缩包尚未生成完毕")
    if not bundle.file_name or not bundle_path(bundle).exists():
        return _("证书压缩包文件已不存在，请重新生成")
    return ""
