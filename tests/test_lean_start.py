"""Issue 17: the start of the written paper is lean. A whole sitting starts in the same minute, so a
new start reads the enrolment once (with the token, the sitting, the paper, an attempt already
started, the level's minutes and the room's pause) and inserts the attempt, at the WSGI edge:
nothing enqueued, the paper's JSON from the cache, no query for answers it cannot have yet.
Every other start goes on to the API view, with its messages. Through the production WSGI
application with an API token, as the exam-day client sends it, on SQLite and on PostgreSQL."""

import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certify.people.models import ApiToken, User
from certify.people.tokens import api_token_revoke, key_digest
from exams.papers.models import Paper
from exams.papers.selectors import paper_questions, paper_questions_json
from exams.planning.models import Enrollment, EnrollmentStatus, Sitting, SittingStatus
from exams.written import api, fast_api
from exams.written.console import room_pause
from exams.written.models import Attempt
from tests.conftest import client_for
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


@dataclass
class Deciders:
    edge: list = field(default_factory=list)  # the edge's reply to each start it was asked, None: not its own
    view: int = 0  # starts the API view decided

    @property
    def edge_answered(self) -> bool:
        return len(self.edge) == 1 and self.edge[0] is not None and self.view == 0

    @property
    def edge_passed_it_on(self) -> bool:
        return self.edge == [None]


@pytest.fixture
def deciders(monkeypatch) -> Deciders:
    """Who decided the starts sent: the edge (``fast_api.fast_start``, which answers or returns None
    and leaves the request to Django) and the API view (its call of ``attempt_start_state``). The
    replies alone cannot tell: the view answers every start the edge may answer, the same way."""
    seen = Deciders()
    edge, view = fast_api.fast_start, api.attempt_start_state

    def edge_spy(environ, match):
        seen.edge.append(reply := edge(environ, match))
        return reply

    def view_spy(**kwargs):
        seen.view += 1
        return view(**kwargs)

    monkeypatch.setattr(fast_api, "fast_start", edge_spy)
    monkeypatch.setattr(api, "attempt_start_state", view_spy)
    return seen


def start_path(enrollment) -> str:
    return f"/api/enrollments/{enrollment.pk}/attempt/"


def statements(queries) -> list[str]:
    """The statements sent, without the test transaction's savepoints (BEGIN/COMMIT in production)."""
    return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]


def test_a_new_start_is_two_statements_and_enqueues_nothing(day, django_capture_on_commit_callbacks, deciders):
    client = WsgiClient(token_key(day.other.candidate.user))
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
        response = client.post(start_path(day.other))
    assert response.status_code == 200
    assert deciders.edge_answered
    sent = statements(queries.captured_queries)
    # The enrolment with the token and all the start reads, the insert.
    assert len(sent) == 2, "\n".join(sent)
    assert "certify_apitoken" in sent[0] and "exams_sitting" in sent[0]
    assert sent[1].startswith("INSERT INTO") and "exams_attempt" in sent[1]
    assert "Set-Cookie" not in response.headers
    assert response.headers["Content-Type"] == "application/json"
    assert "Content-Security-Policy" in response.headers and response.headers["X-Content-Type-Options"] == "nosniff"
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


def test_the_view_answers_a_start_through_a_session_the_same_way(day):
    """The browser's start (a session, Django's whole stack) and the token's (the edge) agree."""
    by_session = client_for(day.other.candidate.user).post(start_path(day.other))
    assert by_session.status_code == 200
    by_token = WsgiClient(token_key(day.other.candidate.user)).post(start_path(day.other)).json()
    assert by_token["id"] == by_session.json()["id"] and by_token["deadline"] == by_session.json()["deadline"]


def _withdrawn(day):
    Enrollment.objects.filter(pk=day.other.pk).update(status=EnrollmentStatus.WITHDRAWN)


def _not_started(day):
    Sitting.objects.filter(pk=day.other.sitting_id).update(status=SittingStatus.SCHEDULED)


def _before_window(day):
    later = timezone.now() + timedelta(hours=1)
    Sitting.objects.filter(pk=day.other.sitting_id).update(written_start=later, written_end=later + timedelta(hours=1))


def _after_window(day):
    Sitting.objects.filter(pk=day.other.sitting_id).update(written_end=timezone.now() - timedelta(seconds=1))


def _no_paper(day):
    Paper.objects.filter(enrollment=day.other).delete()


@pytest.mark.parametrize(
    "arrange, message",
    [
        (_withdrawn, "您的报名已撤销"),
        (_not_started, "考试尚未开始"),
        (_before_window, "考试将于"),
        (_after_window, "笔试时间段已结束"),
        (_no_paper, "您的试卷尚未生成"),
    ],
    ids=["withdrawn", "sitting-not-started", "before-window", "after-window", "no-paper"],
)
def test_a_start_the_rules_refuse_gets_the_views_message_and_no_attempt(day, arrange, message, deciders):
    arrange(day)
    response = WsgiClient(token_key(day.other.candidate.user)).post(start_path(day.other))
    assert response.status_code == 400 and message in response.json()["detail"]
    assert deciders.edge_passed_it_on and deciders.view == 1
    assert not Attempt.objects.filter(enrollment=day.other).exists()


def test_a_bad_token_or_account_starts_nothing(day, deciders):
    user = day.other.candidate.user
    expired, revoked = token_key(user), token_key(user)
    now = timezone.now()
    ApiToken.objects.filter(key_hash=key_digest(expired)).update(
        created_at=now - timedelta(hours=2), expires_at=now - timedelta(seconds=1)
    )
    api_token_revoke(token=ApiToken.objects.get(key_hash=key_digest(revoked)))
    for key in (expired, revoked, "not-a-key"):
        assert WsgiClient(key).post(start_path(day.other)).status_code == 401
    inactive = token_key(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert WsgiClient(inactive).post(start_path(day.other)).status_code == 401
    assert not Attempt.objects.filter(enrollment=day.other).exists()
    # The edge was asked each time and left it to Django, whose authentication refused before the view.
    assert deciders.edge == [None] * 4 and deciders.view == 0


def test_odd_start_requests_go_to_the_view(day, deciders):
    client = WsgiClient(token_key(day.other.candidate.user))
    assert client.post("/api/enrollments/99999999999999999999999/attempt/").status_code == 404
    assert deciders.edge_passed_it_on and deciders.view == 1  # asked, beyond any key: not its own
    assert client._send("POST", start_path(day.other) + "?x=1", "").status_code == 200  # the view starts it
    again = client._send("POST", start_path(day.other), '{"anything": 1}')  # a body: the view resumes it
    assert again.status_code == 200 and again.json()["status"] == "in_progress"
    assert deciders.edge == [None] and deciders.view == 3  # a query string or a body: the edge is not asked
