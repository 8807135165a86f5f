"""Export fixtures: a small sitting sat through the real services, exports run as HR would, and
the workbook read back with openpyxl."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from django.test import TestCase
from django.utils import timezone
from openpyxl import load_workbook

from certify.people.models import Role
from certify.people.services import staff_upsert
from exams.papers.models import PaperItem
from exams.planning.models import Enrollment, Room
from exams.written.console import room_pause, room_resume
from exams.written.services import answer_save, attempt_start, attempt_submit
from grading.certificates.models import Certificate
from grading.exports.models import ExportJob
from grading.marking.scripts import marking_prepare
from grading.results.models import Outcome, Result
from tests.conftest import PASSWORD, client_for
from tests.exam_helpers import running_now, synthetic_bank

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sat_with_events(org, *, candidates: int = 3, reason: str = "停电"):
    """A level-5 sitting whose candidates answered their first choice item with A (one left it
    blank), lost focus once each and submitted; the written room was paused and resumed."""
    synthetic_bank()
    sitting = running_now(org, candidates=candidates)
    now = timezone.now()
    room = Room.objects.get(sitting=sitting, kind="written")
    invigilator = room.assignments.first().examiner
    room_pause(room=room, by=invigilator, reason=reason, now=now - timedelta(minutes=3))
    room_resume(room=room, by=invigilator, reason="来电，恢复考试", now=now - timedelta(minutes=2))
    enrollments = Enrollment.objects.filter(sitting=sitting).select_related("candidate__user").order_by("pk")
    for number, enrollment in enumerate(enrollments):
        attempt = attempt_start(enrollment=enrollment, user=enrollment.candidate.user, now=now)
        client = client_for(enrollment.candidate.user)
        assert client.post(f"/api/attempts/{attempt.pk}/events/", {"kind": "focus_loss"}).status_code == 204
        first = PaperItem.objects.filter(paper=attempt.paper, item_version__type="single").order_by("position").first()
        if number:
            answer_save(attempt=attempt, position=first.position, value=["A"], seq=1, now=now)
        with TestCase.captureOnCommitCallbacks(execute=True):
            attempt_submit(attempt=attempt, now=now)
    marking_prepare(sitting=sitting)
    return sitting


def publish_results(sitting) -> list[Result]:
    """Result rows as the publication writes them (issue 13's service is not on this branch yet)
    and a certificate for the first candidate, who passed."""
    now = timezone.now()
    results = []
    for number, enrollment in enumerate(
        Enrollment.objects.filter(sitting=sitting).select_related("candidate", "attempt").order_by("admission_no")
    ):
        passed = number == 0
        results.append(
            Result.objects.create(
                sitting=sitting,
                enrollment=enrollment,
                candidate=enrollment.candidate,
                level=sitting.level,
                objective=enrollment.attempt.objective_score,
                situational=Decimal("12.50"),
                written=enrollment.attempt.objective_score + Decimal("12.50") + (60 if passed else 0),
                typing=Decimal("80"),
                business=Decimal("70.5") if number != 2 else None,
                scene=Decimal("66"),
                practical=Decimal("72.15") if number != 2 else None,
                written_pass_mark=60,
                practical_pass_mark=60,
                outcome=Outcome.PASSED if passed else (Outcome.FAILED if number == 1 else Outcome.ABSENT),
                published=True,
                published_at=now,
                updated_at=now,
            )
        )
    first = results[0]
    Certificate.objects.create(
        number="2026-5-000001",
        verification_code="ABCD1234",
        candidate=first.candidate,
        level=first.level,
        sitting=sitting,
        result=first,
        issued_on=timezone.localdate(),
        valid_until=timezone.localdate() + timedelta(days=20),
    )
    return results


def admin_without_personal_data(org):
    """A certification admin whose account lacks the permission to see ID numbers and phones."""
    user = staff_upsert(username="hr2", full_name="钱明", role=Role.ADMIN, hall=org.hall, password=PASSWORD)[0]
    user.groups.clear()
    return user


def run_export(client, **form) -> ExportJob:
    """Ask for an export on the page (the job runs when the request commits) and follow it."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/exports/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ExportJob.objects.order_by("-pk").first()


def download(client, job: ExportJob):
    response = client.get(f"/exports/{job.pk}/file/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    content = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(content)), content


def table(sheet) -> list[list]:
    """The data rows (row 3 on) of an export sheet."""
    return [list(row) for row in sheet.iter_rows(min_row=3, values_only=True)]
