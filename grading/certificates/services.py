"""Writes of certificates: issuing (numbers and verification codes), revoking."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certify.people.models import User
from grading.certificates.models import Certificate, CertificateSerial, CertificateStatus
from grading.results.models import Result

# No 0/O, 1/I/L: a code read aloud or copied from paper is not mistaken.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
SERIAL_DIGITS = 6


def verification_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def certificate_number(*, province_code: str, year: int, level: int, serial: int) -> str:
    """``ZJ`` + ``2026`` + ``5`` + ``000001``: see ``grading.certificates.models``."""
    return f"{province_code.upper()}{year:04d}{level}{serial:0{SERIAL_DIGITS}d}"


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


def _serials(province_id: int, year: int, level: int, count: int) -> range:
    """Reserve ``count`` serials. Locks the counter row until the caller's transaction ends."""
    CertificateSerial.objects.bulk_create(
        [CertificateSerial(province_id=province_id, year=year, level=level)], ignore_conflicts=True
    )
    counter = CertificateSerial.objects.select_for_update().get(province_id=province_id, year=year, level=level)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return range(first, first + count)


def certificates_issue(*, results: Sequence[Result], now: dt.datetime, valid_years: int) -> list[Certificate]:
    """Issue one certificate per result (each a pass), numbered in order; run inside a transaction.

    Expects the caller's ``transaction.atomic()``: the serial counters stay locked until it commits,
    so concurrent publications of the same province, year and level queue on them.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("certificates_issue must run inside transaction.atomic()")
    issued_on = timezone.localdate(now)
    groups: dict[tuple[int, int], list[Result]] = defaultdict(list)
    for result in results:
        groups[(result.sitting.province_id, result.level)].append(result)
    certificates = []
    for (province_id, level), group in sorted(groups.items()):
        province_code = group[0].sitting.province.code
        serials = _serials(province_id, issued_on.year, level, len(group))
        for result, serial in zip(group, serials, strict=True):
            certificates.append(
                Certificate(
                    number=certificate_number(
                        province_code=province_code, year=issued_on.year, level=level, serial=serial
                    ),
                    verification_code=verification_code_new(),
                    candidate_id=result.candidate_id,
                    level=level,
                    sitting_id=result.sitting_id,
                    result=result,
                    issued_on=issued_on,
                    valid_until=add_years(issued_on, valid_years),
                )
            )
    return Certificate.objects.bulk_create(certificates, batch_size=1000)


def certificate_revoke(
    *, certificate: Certificate, by: User, reason: str, now: dt.datetime | None = None
) -> Certificate:
    """Revoke with a reason; the verification page shows it at once. Refused twice."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写撤销原因"))
    with transaction.atomic():
        updated = Certificate.objects.filter(pk=certificate.pk, status=CertificateStatus.VALID).update(
            status=CertificateStatus.REVOKED, revoked_at=now, revoked_reason=reason[:500], revoked_by=by
        )
        if not updated:
            raise ValidationError(_("证书 %(number)s 已撤销，不能再次撤销") % {"number": certificate.number})
    certificate.refresh_from_db()
    return certificate
