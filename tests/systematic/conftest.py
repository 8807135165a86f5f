"""Personas and the exam day for the systematic tests."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client, TestCase
from django.utils import timezone

from certify.people.models import Role
from certify.people.services import staff_upsert
from exams.papers.models import PaperItem
from exams.planning.models import RoomExaminer, RosterImport
from exams.planning.services import examiner_assign, room_add
from exams.written.services import answer_save, attempt_start, attempt_submit
from grading.certificates.models import CertificateBundle
from grading.certificates.services import certificates_issue
from grading.exports.services import export_request, export_run
from grading.marking.models import TeamMember
from grading.marking.scripts import marking_prepare
from grading.marking.services import control_set, task_claim, task_submit, team_member_add
from grading.results.models import Outcome, Result
from question_bank.models import Item
from tests.conftest import PASSWORD, client_for
from tests.exam_helpers import make_sitting
from tests.marking_helpers import ANSWER, first_item, full, marker
from tests.security_helpers import day_open_now, situational_position
from tests.systematic.urls import Targets

PERSONAS = ("anonymous", "candidate", "other_candidate", "other_examiner", "chief", "admin")


@pytest.fixture
def exam_day(org, standard, hr, settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"
    day = day_open_now(org)
    other_sitting = make_sitting(org, day=20, name="另一批次")
    other_room = room_add(sitting=other_sitting, kind="written", name="B202", capacity=30)
    stranger = staff_upsert(
        username="stranger", full_name="外考场考评员", role=Role.EXAMINER, hall=org.hall, password=PASSWORD
    )[0]
    examiner_assign(room=other_room, examiner=stranger)
    job = RosterImport.objects.create(sitting=day.sitting, created_at=timezone.now(), content=b"", report={})
    marking = _marking(day)
    results = _results(day)
    targets = Targets(
        sitting=day.sitting.pk,
        written_room=day.written.pk,
        practical_room=day.practical.pk,
        assignment=RoomExaminer.objects.filter(room=day.written).first().pk,
        enrollment=day.enrollment.pk,
        attempt=day.attempt.pk,
        position=situational_position(day.attempt)
        or PaperItem.objects.filter(paper=day.attempt.paper).first().position,
        typing=day.typing.pk,
        business=day.business.pk,
        task=day.business.tasks.first().pk,
        run=day.run.pk,
        item=Item.objects.first().pk,
        candidate=day.enrollment.candidate_id,
        job=job.pk,
        export=export_run(job_id=export_request(kind="exam_day_log", params={"sitting": day.sitting.pk}, by=hr).pk).pk,
        **marking,
        **results,
    )
    clients = {
        "anonymous": Client(),
        "candidate": client_for(day.candidate),
        "other_candidate": client_for(day.other.candidate.user),
        "other_examiner": client_for(stranger),
        "chief": client_for(day.chief),
        "admin": client_for(hr),
    }
    return day, targets, clients


def _results(day) -> dict:
    """A published result of the day's candidate with a certificate, and a zip of the sitting's
    certificates not yet made: rows as the publication writes them (the sitting is not finished)."""
    now = timezone.now()
    with transaction.atomic():
        result = Result.objects.create(
            sitting=day.sitting,
            enrollment=day.enrollment,
            candidate=day.enrollment.candidate,
            level=day.sitting.level,
            objective=Decimal(50),
            situational=Decimal(20),
            written=Decimal(70),
            typing=Decimal(80),
            business=Decimal(80),
            scene=Decimal(80),
            practical=Decimal(80),
            written_pass_mark=60,
            practical_pass_mark=60,
            outcome=Outcome.PASSED,
            published=True,
            published_at=now,
            updated_at=now,
        )
        [certificate] = certificates_issue(results=[result], now=now, valid_years=3)
    bundle = CertificateBundle.objects.create(sitting=day.sitting, requested_at=now)
    return {
        "result": result.pk,
        "certificate": certificate.number,
        "certificate_code": certificate.verification_code,
        "bundle": bundle.pk,
    }


def _marking(day) -> dict:
    """The day's second candidate answers and submits; the day's chief leads a team of two markers
    (not personas) who finish the first script, which the chief makes a control script; one
    marker holds a claim on the next script."""
    enrollment = day.other
    attempt = attempt_start(enrollment=enrollment, user=enrollment.candidate.user)
    positions = PaperItem.objects.filter(paper=attempt.paper, item_version__type="situational").values_list(
        "position", flat=True
    )
    for seq, position in enumerate(positions, start=1):
        answer_save(attempt=attempt, position=position, value=ANSWER, seq=seq)
    with TestCase.captureOnCommitCallbacks(execute=True):
        attempt_submit(attempt=attempt)
    sitting = marking_prepare(sitting=day.sitting)
    first, second = marker("walkm1"), marker("walkm2")
    for user in (first, second):
        team_member_add(sitting=sitting, user=user)
    team_member_add(sitting=sitting, user=day.chief, is_chief=True)
    item = first_item(sitting)
    done = [task_submit(task=task_claim(marker=m, item=item), marker=m, awards=full(item, 6)) for m in (first, second)]
    script = done[0].script
    control = control_set(script=script, chief=day.chief, reference_mark=6)
    claimed = task_claim(marker=first, item=item) or task_claim(
        marker=first, item=item.__class__.objects.filter(sitting=sitting).exclude(pk=item.pk).first()
    )
    return {
        "marking_item": item.pk,
        "marking_task": claimed.code if claimed else done[0].code,
        "marking_script": script.code,
        "control": control.pk,
        "marker": first.pk,
        "member": TeamMember.objects.get(sitting=sitting, user=first).pk,
    }
