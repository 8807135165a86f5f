"""A sitting's certificates as one zip, made in the background with progress.

``bundle_start`` records the request and enqueues ``grading.tasks.certificate_bundle``; the task
calls ``bundle_run``, which renders each valid certificate's PDF into a zip under
``VAR_DIR/certificates/`` and writes its progress every 20 certificates. Idempotent: a bundle
already done or running is left alone.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

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


@transaction.atomic
def bundle_start(*, sitting: Sitting, by: User | None) -> CertificateBundle:
    certificates = Certificate.objects.filter(sitting=sitting, status=CertificateStatus.VALID)
    bundle = CertificateBundle.objects.create(
        sitting=sitting, requested_by=by, requested_at=timezone.now(), total=certificates.count()
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
    name = f"证书_{bundle.sitting.code}_{bundle.pk}.zip"
    certificates = (
        Certificate.objects.filter(sitting=bundle.sitting, status=CertificateStatus.VALID)
        .select_related("candidate")
        .order_by("number")
    )
    try:
        done = 0
        with zipfile.ZipFile(bundle_dir() / name, "w", compression=zipfile.ZIP_STORED) as archive:
            for certificate in certificates.iterator(chunk_size=200):
                archive.writestr(f"{certificate.number}_{certificate.candidate.name}.pdf", certificate_pdf(certificate))
                done += 1
                if done % PROGRESS_EVERY == 0:
                    CertificateBundle.objects.filter(pk=bundle.pk).update(done=done)
    except Exception:
        CertificateBundle.objects.filter(pk=bundle.pk).update(status=BundleStatus.FAILED, finished_at=timezone.now())
        raise
    CertificateBundle.objects.filter(pk=bundle.pk).update(
        status=BundleStatus.DONE, done=done, total=done, file_name=name, finished_at=timezone.now()
    )
    bundle.refresh_from_db()
    return bundle
