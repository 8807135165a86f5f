"""Personas and the exam day for the systematic tests."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from certify.people.models import Role
from certify.people.services import staff_upsert
from exams.papers.models import PaperItem
from exams.planning.models import RoomExaminer, RosterImport
from exams.planning.services import examiner_assign, room_add
from question_bank.models import Item
from tests.conftest import PASSWORD, client_for
from tests.exam_helpers import make_sitting
from tests.security_helpers import day_open_now, situational_position
from tests.systematic.urls import Targets

PERSONAS = ("anonymous", "candidate", "other_candidate", "other_examiner", "chief", "admin")


@pytest.fixture
def exam_day(org, standard, hr):
    day = day_open_now(org)
    other_sitting = make_sitting(org, day=20, name="另一批次")
    other_room = room_add(sitting=other_sitting, kind="written", name="B202", capacity=30)
    stranger = staff_upsert(
        username="stranger", full_name="外考场考评员", role=Role.EXAMINER, hall=org.hall, password=PASSWORD
    )[0]
    examiner_assign(room=other_room, examiner=stranger)
    job = RosterImport.objects.create(sitting=day.sitting, created_at=timezone.now(), content=b"", report={})
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
