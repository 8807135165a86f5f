"""Reads of certificates: public verification, the register for HR, a candidate's own."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from grading.certificates.models import Certificate, CertificateStatus
from grading.certificates.services import CODE_ALPHABET, CODE_LENGTH


def mask_name(name: str) -> str:
    """张*明 · 李* · 欧阳**明: the first and the last character, the rest starred."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name + "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def clean_code(code: str) -> str:
    """Upper-cased, spaces and dashes removed: how people copy a code from paper."""
    return "".join(ch for ch in (code or "").upper() if ch not in " -\t")


@dataclass(frozen=True)
class Verified:
    """Everything the public verification page shows: nothing else about the person."""

    number: str
    masked_name: str
    level: str
    issued_on: dt.date
    valid_until: dt.date
    status: str  # CertificateStatus value
    status_label: str
    revoked_on: dt.date | None


def certificate_verify(number: str, code: str, *, today: dt.date | None = None) -> Verified | None:
    """The certificate with this number *and* code, or None: an unknown number and a wrong code
    answer alike (the code is compared in constant time, also against a dummy when the number is
    unknown)."""
    today = today or timezone.localdate()
    number = (number or "").strip().upper()[:24]
    code = clean_code(code)[:32]
    certificate = (
        Certificate.objects.select_related("candidate").filter(number=number).first() if number and code else None
    )
    expected = certificate.verification_code if certificate else CODE_ALPHABET[:CODE_LENGTH]
    if not hmac.compare_digest(expected.encode(), code.encode()) or certificate is None:
        return None
    status = certificate.status_on(today)
    return Verified(
        number=certificate.number,
        masked_name=mask_name(certificate.candidate.name),
        level=certificate.get_level_display(),
        issued_on=certificate.issued_on,
        valid_until=certificate.valid_until,
        status=status,
        status_label=CertificateStatus(status).label,
        revoked_on=timezone.localdate(certificate.revoked_at) if certificate.revoked_at else None,
    )


def certificate_register(
    *,
    level: int | None = None,
    branch_id: int | None = None,
    status: str | None = None,
    expiring_within: int | None = None,
    today: dt.date | None = None,
) -> QuerySet[Certificate]:
    """The register for HR, filtered: level, branch, status (有效/已撤销/已过期), expiring within N days."""
    today = today or timezone.localdate()
    rows = Certificate.objects.select_related("candidate__hall__branch", "sitting").order_by("-issued_on", "number")
    if level:
        rows = rows.filter(level=level)
    if branch_id:
        rows = rows.filter(candidate__hall__branch_id=branch_id)
    if status == CertificateStatus.REVOKED:
        rows = rows.filter(status=CertificateStatus.REVOKED)
    elif status == CertificateStatus.EXPIRED:
        rows = rows.filter(status=CertificateStatus.VALID, valid_until__lt=today)
    elif status == CertificateStatus.VALID:
        rows = rows.filter(status=CertificateStatus.VALID, valid_until__gte=today)
    if expiring_within is not None:
        rows = rows.filter(
            status=CertificateStatus.VALID,
            valid_until__gte=today,
            valid_until__lte=today + dt.timedelta(days=expiring_within),
        )
    return rows
