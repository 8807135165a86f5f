"""Publication on PostgreSQL: a failure half-way leaves nothing published, and two publications at
once never draw the same certificate number."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from exams.planning.models import Sitting
from grading.certificates.models import Certificate
from grading.results import services
from grading.results.models import Result
from tests.results_helpers import Plan, after, played_sitting, sign_off_all

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real transactions: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


class Injected(Exception):
    pass


def test_a_failure_half_way_through_publication_leaves_nothing_published(org, standard, hr, monkeypatch):
    sitting = played_sitting(org, {n: Plan() for n in range(1, 5)}, candidates=4)
    sign_off_all(sitting, hr)
    real = services.certificates_issue

    def half_then_fail(*, results, now, valid_years):
        real(results=results[: len(results) // 2], now=now, valid_years=valid_years)
        assert Certificate.objects.count() == 2 and Result.objects.count() == 4  # inside the transaction
        raise Injected

    monkeypatch.setattr(services, "certificates_issue", half_then_fail)
    with pytest.raises(Injected):
        services.sitting_publish(sitting=sitting, by=hr, now=after(sitting))
    sitting.refresh_from_db()
    assert sitting.status == "marking"
    assert Result.objects.count() == 0 and Certificate.objects.count() == 0

    monkeypatch.setattr(services, "certificates_issue", real)
    assert services.sitting_publish(sitting=sitting, by=hr, now=after(sitting)) == 4
    assert Certificate.objects.count() == 4


def test_two_publications_at_once_never_share_a_certificate_number(org, standard, hr):
    first = played_sitting(org, {n: Plan() for n in range(1, 4)}, candidates=3)
    second = played_sitting(org, {n: Plan() for n in range(4, 7)}, candidates=3, start=4, staff="two")
    assert first.pk != second.pk
    for sitting in (first, second):
        sign_off_all(sitting, hr)
    barrier = threading.Barrier(2)
    errors = []

    def publish(sitting):
        try:
            barrier.wait()
            services.sitting_publish(sitting=sitting, by=hr, now=after(first))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    numbers = sorted(Certificate.objects.values_list("number", flat=True))
    year = timezone.localdate(after(first)).year  # the Beijing issue date's year
    assert numbers == [f"TEST{year}5{serial:06d}" for serial in range(1, 7)]
    assert set(Sitting.objects.values_list("status", flat=True)) == {"published"}
