"""Issue 17: the start of the written paper is lean. A whole sitting starts in the same minute, so a
new start reads the enrolment once (with the sitting, the paper, an attempt already started, the
level's minutes and the room's pause) and inserts the attempt: nothing enqueued, the paper's JSON
from the cache, no query for answers it cannot have yet. Through the production WSGI application
with an API token, as the exam-day client sends it, on SQLite and on PostgreSQL."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exams.papers.selectors import paper_questions, paper_questions_json
from exams.written.console import room_pause
from exams.written.models import Attempt
from tests.security_helpers import day_open_now
from tests.test_attempts import _race
from tests.test_lean_save import WsgiClient, token_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(org, standard):
    day = day_open_now(org)
    paper = day.other.paper
    paper_questions_json(paper.pk, paper.fingerprint)  # what starting the sitting warms
    return day


def start_path(enrollment) -> str:
    return f"/api/enrollments/{enrollment.pk}/attempt/"


def statements(queries) -> list[str]:
    """The statements sent, without the test transaction's savepoints (BEGIN/COMMIT in production)."""
    return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]


def test_a_new_start_is_three_statements_and_enqueues_nothing(day, django_capture_on_commit_callbacks):
    client = WsgiClient(token_key(day.other.candidate.user))
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
        response = client.post(start_path(day.other))
    assert response.status_code == 200
    sent = statements(queries.captured_queries)
    # The token (with its user), the enrolment with all the start reads, the insert.
    assert len(sent) == 3, "\n".join(sent)
    assert sent[2].startswith("INSERT INTO") and "exams_attempt" in sent[2]
    assert not any("exams_paperitem" in sql or "exams_answer" in sql for sql in sent)
    assert callbacks == []
    state = response.json()
    attempt = Attempt.objects.get(enrollment=day.other)
    assert state["id"] == attempt.pk and state["status"] == "in_progress" and state["answers"] == {}
    assert 3590 <= state["remaining_seconds"] <= 3600  # the level's 60 minutes, by the server's clock
    assert state["questions"] == paper_questions(attempt.paper_id)


def test_resuming_returns_the_same_attempt_with_its_answers(day):
    client = WsgiClient(token_key(day.other.candidate.user))
    first = client.post(start_path(day.other)).json()
    body = {"value": ["A"], "seq": 1}
    assert client.put(f"/api/attempts/{first['id']}/answers/1/", body).status_code == 200
    again = client.post(start_path(day.other)).json()
    assert again["id"] == first["id"] and again["deadline"] == first["deadline"]
    assert again["answers"] == {"1": {"value": ["A"], "seq": 1, "flagged": False}}


def test_a_start_in_a_paused_room_shows_the_same_clock_as_the_clock_api(day):
    room_pause(room=day.written, by=day.invigilators[0], reason="考场停电")
    client = WsgiClient(token_key(day.other.candidate.user))
    state = client.post(start_path(day.other)).json()
    clock = client._send("GET", f"/api/attempts/{state['id']}/clock/", "").json()
    assert clock["paused"] is True
    assert state["remaining_seconds"] == clock["remaining_seconds"]


def test_nobody_starts_anothers_paper_and_an_unknown_one_is_404(day):
    stranger = WsgiClient(token_key(day.candidate))  # the first candidate, with an attempt of their own
    assert stranger.post(start_path(day.other)).status_code == 404
    assert stranger.post("/api/enrollments/999999/attempt/").status_code == 404
    assert not Attempt.objects.filter(enrollment=day.other).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent starts need PostgreSQL's connections")
@pytest.mark.django_db(transaction=True)
def test_two_tabs_starting_at_once_get_one_attempt(org, standard):
    day = day_open_now(org)
    key = token_key(day.other.candidate.user)
    replies = _race(*[lambda: WsgiClient(key).post(start_path(day.other)) for _ in range(4)])
    assert [r.status_code for r in replies] == [200] * 4, replies
    states = [json.loads(r.content) for r in replies]
    assert len({(s["id"], s["deadline"]) for s in states}) == 1
    assert Attempt.objects.filter(enrollment=day.other).count() == 1
