"""Faults on exam day, with the real services: each test runs its own throwaway redis-server,
gunicorn, Celery worker and beat (tests/faults.py) and stops that one, never the shared ones.

The candidates work over HTTP exactly as the exam page does; the database is checked
directly. Deadlines are moved by writing the attempt row, as an examiner's clock would.
"""

from __future__ import annotations

import os
import signal
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from certify.people.tokens import api_tokens_issue_bulk
from exams.planning.models import Enrollment, Room
from exams.written.models import Answer, Attempt
from tests.exam_helpers import running_now, synthetic_bank
from tests.faults import Stack, wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="the throwaway services must share the test database: run with DATABASE_URL (PostgreSQL), as CI does",
    ),
]


@pytest.fixture
def candidates(org, standard):
    """Three candidates of a sitting in progress right now, each with an API token."""
    synthetic_bank()
    sitting = running_now(org, candidates=3)
    enrollments = list(Enrollment.objects.filter(sitting=sitting).select_related("candidate__user").order_by("seat"))
    keys = api_tokens_issue_bulk(users=[e.candidate.user for e in enrollments])
    return [(e, keys[e.candidate.user_id]) for e in enrollments]


@pytest.fixture
def stack(request):
    stack = Stack(request.node.name[:20].replace("_", "-"))
    yield stack
    stack.stop_all()


def start(stack: Stack, enrollment, token) -> dict:
    return stack.request("POST", f"/api/enrollments/{enrollment.pk}/attempt/", token=token)[1]


def answer(stack: Stack, attempt: dict, token: str, number: int, *, seq: int, expect: int = 200):
    question = attempt["questions"][number]
    value = "先安抚客户情绪" if question["type"] == "situational" else [question["options"][0]["letter"]]
    path = f"/api/attempts/{attempt['id']}/answers/{question['position']}/"
    return stack.request("PUT", path, token=token, body={"value": value, "seq": seq}, expect=expect)


def end_time(attempt_id: int, *, seconds_ago: int = 30) -> None:
    """The attempt's time ran out ``seconds_ago`` (past the 10-second grace)."""
    deadline = timezone.now() - timedelta(seconds=seconds_ago)
    Attempt.objects.filter(pk=attempt_id).update(started_at=deadline - timedelta(hours=1), deadline=deadline)


def submitted(attempt_id: int) -> Attempt | None:
    attempt = Attempt.objects.get(pk=attempt_id)
    return attempt if attempt.status == "submitted" and attempt.objective_score is not None else None


def test_worker_stopped_during_the_deadline_the_next_request_and_the_sweep_finalise(stack, candidates):
    stack.start_redis()
    stack.start_web()
    stack.start_worker()
    stack.start_beat()
    (first, first_token), (second, second_token), _ = candidates
    a = start(stack, first, first_token)
    b = start(stack, second, second_token)
    for number in range(3):
        answer(stack, a, first_token, number, seq=number + 1)
        answer(stack, b, second_token, number, seq=number + 1)

    # The second candidate sits in another room (a request past the time submits its room's).
    room = second.written_room
    other_room = Room.objects.create(
        sitting=room.sitting, kind=room.kind, number=room.number + 50, name="B2", capacity=30
    )
    Enrollment.objects.filter(pk=second.pk).update(written_room=other_room)
    stack.stop("worker")  # the worker dies; its deadline tasks and the sweep go nowhere
    end_time(a["id"])
    end_time(b["id"])

    # The candidate's next request finalises their own attempt (and its room's), worker or not.
    _, clock = stack.request("GET", f"/api/attempts/{a['id']}/clock/", token=first_token)
    assert clock["status"] == "submitted" and clock["remaining_seconds"] == 0
    graded = submitted(a["id"])
    assert graded.submitted_by == "deadline" and graded.answers.count() == 3
    _status, refusal = answer(stack, a, first_token, 4, seq=9, expect=409)
    assert "已交卷" in refusal["detail"]

    # Nobody in the second's room asks: when a worker is back, the sweep (beat) finalises it.
    assert submitted(b["id"]) is None
    stack.start_worker()
    graded = wait_for(lambda: submitted(b["id"]), timeout=60, what="the sweep finalising the silent attempt")
    assert graded.submitted_by == "deadline"
    assert graded.submitted_at <= graded.deadline


def test_redis_stopped_mid_exam_candidates_keep_saving_and_submitting_and_finalisation_catches_up(stack, candidates):
    stack.start_redis()
    stack.start_web()
    stack.start_worker()
    stack.start_beat()
    (first, first_token), (second, second_token), (third, third_token) = candidates
    a = start(stack, first, first_token)
    answer(stack, a, first_token, 0, seq=1)

    stack.stop("redis")  # the broker, result backend and cache are gone

    # Saving, starting and submitting do not need Redis.
    for number in range(1, 6):
        _, ack = answer(stack, a, first_token, number, seq=number + 1)
        assert ack["applied"]
    b = start(stack, second, second_token)  # its deadline task cannot be queued: logged, not fatal
    answer(stack, b, second_token, 0, seq=1)
    c = start(stack, third, third_token)
    answer(stack, c, third_token, 0, seq=1)
    _, done = stack.request("POST", f"/api/attempts/{a['id']}/submit/", token=first_token)
    assert done["status"] == "submitted"
    assert submitted(a["id"]).answers.count() == 6

    # Time runs out while Redis is down; nobody asks. Nothing can finalise it yet.
    end_time(b["id"])
    assert submitted(b["id"]) is None

    stack.start_redis()  # same port, empty: every queued task is lost; the sweep catches up
    graded = wait_for(lambda: submitted(b["id"]), timeout=90, what="finalisation after Redis returned")
    assert graded.submitted_by == "deadline"
    assert Answer.objects.filter(attempt_id=b["id"]).count() == 1
    assert submitted(c["id"]) is None  # still has time: untouched
    assert stack.request("GET", f"/api/attempts/{c['id']}/clock/", token=third_token)[1]["status"] == "in_progress"


def test_a_gunicorn_worker_killed_mid_exam_the_candidate_resumes_with_the_same_answers_and_time(stack, candidates):
    stack.gunicorn_workers = 1
    stack.start_redis()
    stack.start_web()
    (first, first_token), *_ = candidates
    a = start(stack, first, first_token)
    for number in range(5):
        answer(stack, a, first_token, number, seq=number + 1)
    before = Attempt.objects.get(pk=a["id"])

    [worker] = stack.gunicorn_worker_pids()
    os.kill(worker, signal.SIGKILL)  # the process serving the candidate dies
    wait_for(
        lambda: (pids := stack.gunicorn_worker_pids()) and worker not in pids, timeout=30, what="a new gunicorn worker"
    )

    # The page reloads (or another computer opens it): the same attempt, answers and clock.
    _status, resumed = wait_for(
        lambda: (
            (r := stack.request("GET", f"/api/attempts/{a['id']}/", token=first_token, expect=None))[0] == 200 and r
        ),
        timeout=30,
        what="the attempt after the restart",
    )
    assert resumed["id"] == a["id"] and resumed["status"] == "in_progress"
    assert resumed["deadline"] == a["deadline"]
    assert a["remaining_seconds"] - 30 <= resumed["remaining_seconds"] <= a["remaining_seconds"]
    expected = {
        str(q["position"]): ("先安抚客户情绪" if q["type"] == "situational" else [q["options"][0]["letter"]])
        for q in a["questions"][:5]
    }
    assert {position: saved["value"] for position, saved in resumed["answers"].items()} == expected
    assert Attempt.objects.get(pk=a["id"]).deadline == before.deadline
    # Starting again returns the same attempt, never a fresh one.
    assert start(stack, first, first_token)["id"] == a["id"]
    _, ack = answer(stack, a, first_token, 5, seq=6)
    assert ack["applied"]
