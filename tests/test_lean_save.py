"""Issue 17: the answer save's lean path. An accepted save is one statement; a save with an API
token is answered at the WSGI edge, before Django's request handling; every other case is still
told apart by the full path with its own status and message. Every HTTP test runs with a browser
session, with a token through Django's handler, and with a token through the production WSGI
application (``certify.wsgi``), on SQLite and on PostgreSQL (the suite runs on both).
"""

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certify.people.models import ApiToken, User
from certify.people.tokens import api_token_issue, api_token_revoke
from certify.wsgi import application
from exams.papers.models import PaperItem
from exams.papers.selectors import paper_questions
from exams.written import fast_api
from exams.written.console import attempt_grant_extra_time, room_pause
from exams.written.fast_api import ANSWER_PATH
from exams.written.models import Answer, Attempt
from exams.written.services import answer_save
from tests.conftest import client_for
from tests.security_helpers import day_open_now

pytestmark = pytest.mark.django_db


@dataclass
class WsgiResponse:
    status_code: int
    headers: dict
    content: bytes

    def json(self):
        return json.loads(self.content)


class WsgiClient:
    """Requests sent to ``certify.wsgi.application`` as a server sends them (the fast path first).

    Like Django's test client, it keeps the test's connection open across the request."""

    def __init__(self, key: str):
        self.key = key

    def put(self, path, body, content_type="application/json"):
        return self._send("PUT", path, json.dumps(body, ensure_ascii=False) if not isinstance(body, str) else body)

    def post(self, path):
        return self._send("POST", path, "")

    def get(self, path):
        return self._send("GET", path, "")

    def _send(self, method, path, data) -> WsgiResponse:
        headers = {"Authorization": f"Token {self.key}"}
        environ = RequestFactory().generic(method, path, data, "application/json", headers=headers).environ
        seen = {}
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            chunks = application(environ, lambda status, headers: seen.update(status=status, headers=headers))
            content = b"".join(chunks)
            if hasattr(chunks, "close"):
                chunks.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return WsgiResponse(int(seen["status"].split()[0]), dict(seen["headers"]), content)


def spy_on_edge(monkeypatch, name: str = "fast_save") -> list[bytes]:
    """The replies of the requests the WSGI edge answers itself (not handed on to Django), from
    now on: its saves (``fast_save``), starts (``fast_start``) or clock polls (``fast_clock``)."""
    replies = []
    original = getattr(fast_api, name)

    def answered(*args):
        reply = original(*args)
        if reply is not None:
            replies.append(reply)
        return reply

    monkeypatch.setattr(fast_api, name, answered)
    return replies


def spy_on_edge_saves(monkeypatch) -> list[bytes]:
    return spy_on_edge(monkeypatch, "fast_save")


@pytest.fixture
def day(org, standard):
    return day_open_now(org)


def token_key(user) -> str:
    User.objects.filter(pk=user.pk).update(password_must_change=False)
    return api_token_issue(user=user)[1]


@pytest.fixture(params=["session", "token", "token-wsgi"])
def as_candidate(request, day):
    """The first candidate: signed in with a session, or holding an API token sent through Django's
    test client (the API view) or through the production WSGI application (the fast path)."""
    if request.param == "session":
        return client_for(day.candidate)
    key = token_key(day.candidate)
    if request.param == "token":
        return Client(headers={"Authorization": f"Token {key}"})
    return WsgiClient(key)


def put(client, attempt_id, position, body):
    return client.put(f"/api/attempts/{attempt_id}/answers/{position}/", body, content_type="application/json")


def position_of(attempt, kind: str) -> int:
    return PaperItem.objects.filter(paper=attempt.paper, item_version__type=kind).order_by("position")[0].position


def test_the_fast_path_matches_the_api_url():
    assert ANSWER_PATH.match(reverse("api-attempt-answer", kwargs={"pk": 12, "position": 3}))


def test_an_accepted_save_is_stored_and_acknowledged(day, as_candidate):
    single = position_of(day.attempt, "single")
    text = position_of(day.attempt, "situational")
    first = put(as_candidate, day.attempt.pk, single, {"value": ["B"], "seq": 1})
    second = put(as_candidate, day.attempt.pk, text, {"value": "先致歉，再核实。", "seq": 2, "flagged": True})
    assert first.status_code == second.status_code == 200
    ack = second.json()
    assert ack["position"] == text and ack["seq"] == 2 and ack["applied"] is True
    assert 0 < ack["remaining_seconds"] <= int((day.attempt.deadline - timezone.now()).total_seconds()) + 1
    stored = {a.position: (a.response, a.seq, a.flagged) for a in Answer.objects.filter(attempt=day.attempt)}
    assert stored == {single: (["B"], 1, False), text: ("先致歉，再核实。", 2, True)}


def test_an_older_save_is_acknowledged_but_never_overwrites(day, as_candidate):
    single = position_of(day.attempt, "single")
    assert put(as_candidate, day.attempt.pk, single, {"value": ["C"], "seq": 7}).status_code == 200
    late = put(as_candidate, day.attempt.pk, single, {"value": ["A"], "seq": 5})
    assert late.status_code == 200
    assert late.json()["applied"] is False and late.json()["seq"] == 7
    assert Answer.objects.get(attempt=day.attempt, position=single).response == ["C"]


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (None, ["A"], "第 999 题不在您的试卷上"),
        ("single", ["Z"], "答案只能是本题的选项"),
        ("single", ["A", "B"], "单选题只能选一个选项"),
        ("single", "A", "选择题的答案应为选项字母列表"),
        ("situational", ["A"], "情景分析题的答案应为文字"),
    ],
)
def test_answers_that_do_not_fit_are_refused_with_their_message(day, as_candidate, kind, value, message):
    position = position_of(day.attempt, kind) if kind else 999
    response = put(as_candidate, day.attempt.pk, position, {"value": value, "seq": 1})
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Answer.objects.filter(attempt=day.attempt).exists()


def test_a_paused_room_refuses_saves_with_423(day, as_candidate):
    room_pause(room=day.written, by=day.invigilators[0], reason="考场停电")
    response = put(as_candidate, day.attempt.pk, 1, {"value": ["A"], "seq": 1})
    assert response.status_code == 423
    assert response.json() == {"detail": "考场已暂停，请等待考评员恢复后继续作答", "paused": True}
    assert not Answer.objects.filter(attempt=day.attempt).exists()


def test_a_submitted_attempt_refuses_saves_with_409(day, as_candidate):
    as_candidate.post(f"/api/attempts/{day.attempt.pk}/submit/")
    response = put(as_candidate, day.attempt.pk, 1, {"value": ["A"], "seq": 9})
    assert response.status_code == 409
    assert response.json() == {"detail": "已交卷，不能再修改答案", "status": "submitted"}


def test_the_grace_accepts_a_late_save_and_after_it_the_attempt_is_submitted(day, as_candidate):
    now = timezone.now()
    started = now - timedelta(minutes=60)
    Attempt.objects.filter(pk=day.attempt.pk).update(started_at=started, deadline=now - timedelta(seconds=3))  # grace
    inside = put(as_candidate, day.attempt.pk, 1, {"value": ["A"], "seq": 1})
    assert inside.status_code == 200 and inside.json()["remaining_seconds"] == 0
    Attempt.objects.filter(pk=day.attempt.pk).update(deadline=now - timedelta(seconds=11))
    after = put(as_candidate, day.attempt.pk, 2, {"value": ["A"], "seq": 2})
    assert after.status_code == 409
    assert after.json() == {"detail": "考试时间已到，答卷已自动提交，本次修改未保存", "status": "submitted"}
    attempt = Attempt.objects.get(pk=day.attempt.pk)
    assert attempt.status == "submitted" and attempt.submitted_by == "deadline"
    assert list(Answer.objects.filter(attempt=attempt).values_list("position", flat=True)) == [1]


def test_extra_time_reopens_nothing_but_extends_saves(day, as_candidate):
    attempt_grant_extra_time(
        room=day.written, enrollment=day.enrollment, minutes=5, by=day.invigilators[0], reason="电脑死机"
    )
    response = put(as_candidate, day.attempt.pk, 1, {"value": ["A"], "seq": 1})
    assert response.status_code == 200
    assert response.json()["remaining_seconds"] > (day.attempt.deadline - timezone.now()).total_seconds() + 200


def test_nobody_else_saves_into_a_candidates_attempt(day):
    other_user = day.other.candidate.user
    key = token_key(other_user)
    for client in (client_for(other_user), Client(headers={"Authorization": f"Token {key}"}), WsgiClient(key)):
        assert put(client, day.attempt.pk, 1, {"value": ["A"], "seq": 1}).status_code == 404
    assert not Answer.objects.filter(attempt=day.attempt).exists()


def token_client(day) -> tuple[WsgiClient, ApiToken]:
    User.objects.filter(pk=day.candidate.pk).update(password_must_change=False)
    token, key = api_token_issue(user=day.candidate)
    return WsgiClient(key), token


def test_an_expired_or_revoked_token_saves_nothing(day):
    client, token = token_client(day)
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=now - timedelta(hours=2), expires_at=now - timedelta(seconds=1)
    )
    expired = put(client, day.attempt.pk, 1, {"value": ["A"], "seq": 1})
    assert expired.status_code == 401 and expired.json()["detail"] == "令牌已过期，请重新登录"
    client, token = token_client(day)
    api_token_revoke(token=token)
    revoked = put(client, day.attempt.pk, 1, {"value": ["A"], "seq": 2})
    assert revoked.status_code == 401 and revoked.json()["detail"] == "令牌已被撤销，请重新登录"
    unknown = put(WsgiClient("0123"), day.attempt.pk, 1, {"value": ["A"], "seq": 3})
    assert unknown.status_code == 401
    assert not Answer.objects.filter(attempt=day.attempt).exists()


def test_a_deactivated_account_saves_nothing(day):
    client, _token = token_client(day)
    User.objects.filter(pk=day.candidate.pk).update(is_active=False)
    response = put(client, day.attempt.pk, 1, {"value": ["A"], "seq": 1})
    assert response.status_code == 401
    assert not Answer.objects.filter(attempt=day.attempt).exists()


def test_invalid_text_is_refused_by_the_guard_on_the_token_path_too(day):
    client, _token = token_client(day)
    text = position_of(day.attempt, "situational")
    body = '{"value": "答\\ud800", "seq": 1}'
    response = client.put(f"/api/attempts/{day.attempt.pk}/answers/{text}/", body)
    assert response.status_code == 400 and "value" in response.json()["detail"]
    assert not Answer.objects.filter(attempt=day.attempt).exists()


def test_a_token_save_is_one_statement_with_the_security_headers_and_no_cookie(day):
    client, _token = token_client(day)
    put(client, day.attempt.pk, 1, {"value": ["A"], "seq": 1})  # this process learns the attempt's paper
    with CaptureQueriesContext(connection) as queries:
        response = put(client, day.attempt.pk, 2, {"value": ["B"], "seq": 2})
    assert response.status_code == 200 and response.json()["applied"] is True
    assert len(queries) == 1 and queries[0]["sql"].lstrip().upper().startswith("INSERT")
    assert "Set-Cookie" not in response.headers
    full = put(client_for(day.candidate), day.attempt.pk, 3, {"value": ["C"], "seq": 3})  # Django's whole stack
    for header in ("Content-Type", "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert response.headers[header] == full.headers[header]
    assert response.headers["Cross-Origin-Opener-Policy"] == full.headers["Cross-Origin-Opener-Policy"]


def test_an_accepted_save_through_the_service_is_one_statement(day):
    answer_save(attempt=day.attempt.pk, position=1, value=["A"], seq=1, user=day.candidate)
    with CaptureQueriesContext(connection) as queries:
        ack = answer_save(attempt=day.attempt.pk, position=2, value=["B"], seq=2, user=day.candidate)
    assert ack.applied and len(queries) == 1


def test_the_paper_is_built_once_and_only_the_answers_and_clock_per_request(day):
    client = client_for(day.candidate)
    put(client, day.attempt.pk, 1, {"value": ["B"], "seq": 1})
    first = client.get(f"/api/attempts/{day.attempt.pk}/").json()
    put(client, day.attempt.pk, 1, {"value": ["C"], "seq": 2})
    with CaptureQueriesContext(connection) as queries:
        again = client.get(f"/api/attempts/{day.attempt.pk}/").json()
        page = client.get(f"/exam/{day.enrollment.pk}/").content.decode()
    assert not [q for q in queries if PaperItem._meta.db_table in q["sql"]]  # the paper came from the cache
    assert again["questions"] == first["questions"] == paper_questions(day.attempt.paper_id)
    assert first["answers"]["1"]["value"] == ["B"] and again["answers"]["1"]["value"] == ["C"]
    assert again["remaining_seconds"] <= first["remaining_seconds"]
    assert first["questions"][0]["stem"] in page and '"answer"' not in json.dumps(again)


def test_starting_the_sitting_puts_every_paper_in_the_shared_cache(day):
    from django.core.cache import cache

    from exams.papers import selectors
    from exams.papers.models import Paper

    assert (
        selectors.papers_json_warm(sitting_id=day.sitting.pk)
        == Paper.objects.filter(enrollment__sitting=day.sitting).count()
    )
    for paper in Paper.objects.filter(enrollment__sitting=day.sitting):
        cached = cache.get(f"paper-questions:{paper.pk}:{paper.fingerprint}")
        assert json.loads(cached) == paper_questions(paper.pk)
    selectors._paper_json.clear()  # a fresh process: the shared cache has it
    with CaptureQueriesContext(connection) as queries:
        state = client_for(day.candidate).get(f"/api/attempts/{day.attempt.pk}/").json()
    assert state["questions"] == paper_questions(day.attempt.paper_id)
    assert not [q for q in queries if PaperItem._meta.db_table in q["sql"]]
