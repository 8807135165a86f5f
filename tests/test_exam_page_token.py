"""Issue 17: the exam page in a browser takes the lean edge path. The paper of an attempt in
progress carries an API token of its own (``data-token``), bound to the session: its saves are
answered at the WSGI edge without the session; signing out revokes it; a reload or a second tab
does not revoke the one before, only the newest ten stay valid; the page is never cached; a
handed-in paper gets none. Through the production WSGI application, on SQLite and PostgreSQL."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from certify.people.models import ApiToken
from certify.people.tokens import PAGE_TOKEN_MARGIN, PAGE_TOKENS_KEPT, PAGE_TOKENS_SESSION_KEY, key_digest
from exams.written.models import Answer
from exams.written.services import attempt_start, attempt_submit
from tests.conftest import client_for
from tests.security_helpers import day_open_now
from tests.test_lean_save import WsgiClient, put, spy_on_edge, spy_on_edge_saves

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(org, standard):
    return day_open_now(org)


@pytest.fixture
def edge_replies(monkeypatch):
    """The saves the WSGI edge answered itself (not handed on to Django)."""
    return spy_on_edge_saves(monkeypatch)


def page_key(client, enrollment) -> str:
    response = client.get(f"/exam/{enrollment.pk}/")
    assert response.status_code == 200
    match = re.search(r'data-token="([0-9a-f]+)"', response.content.decode())
    assert match, "the page carries no token"
    return match[1]


def token_of(key: str) -> ApiToken:
    return ApiToken.objects.get(key_hash=key_digest(key))


def test_the_pages_token_saves_at_the_edge_without_the_session(day, edge_replies):
    key = page_key(client_for(day.candidate), day.enrollment)
    edge = WsgiClient(key)  # the key alone: no session cookie
    response = put(edge, day.attempt.pk, 1, {"value": ["B"], "seq": 1})
    assert response.status_code == 200 and response.json()["applied"] is True
    assert len(edge_replies) == 1
    assert Answer.objects.get(attempt=day.attempt, position=1).response == ["B"]
    clock = edge.get(f"/api/attempts/{day.attempt.pk}/clock/")  # Django's API view, with the token
    assert clock.status_code == 200 and clock.json()["status"] == "in_progress"


def test_the_pages_token_lasts_past_the_deadline_by_the_margin_and_no_longer_than_any_token(day, settings):
    token = token_of(page_key(client_for(day.candidate), day.enrollment))
    assert token.user == day.candidate
    assert token.expires_at == day.attempt.deadline + PAGE_TOKEN_MARGIN
    settings.API_TOKEN_SECONDS = 1800  # shorter than the exam: the longest a token may last wins
    before = timezone.now()
    token = token_of(page_key(client_for(day.candidate), day.enrollment))
    assert before + timedelta(seconds=1800) <= token.expires_at <= timezone.now() + timedelta(seconds=1800)


def test_the_page_is_never_cached(day):
    response = client_for(day.candidate).get(f"/exam/{day.enrollment.pk}/")
    assert "no-store" in response.headers["Cache-Control"]


def test_signing_out_revokes_the_pages_tokens(day):
    client = client_for(day.candidate)
    keys = [page_key(client, day.enrollment), page_key(client, day.enrollment)]
    other_session = page_key(client_for(day.candidate), day.enrollment)
    assert client.post("/accounts/logout/").status_code in (200, 302)
    for seq, key in enumerate(keys, start=1):
        response = put(WsgiClient(key), day.attempt.pk, 1, {"value": ["A"], "seq": seq})
        assert response.status_code == 401 and response.json()["detail"] == "令牌已被撤销，请重新登录"
    assert not Answer.objects.filter(attempt=day.attempt).exists()
    # Another session's page (another computer, another browser) is not signed out.
    assert put(WsgiClient(other_session), day.attempt.pk, 1, {"value": ["A"], "seq": 3}).status_code == 200


def test_a_second_tab_keeps_the_first_tabs_token_and_only_the_newest_ten_stay_valid(day, edge_replies):
    client = client_for(day.candidate)
    keys = [page_key(client, day.enrollment) for _ in range(PAGE_TOKENS_KEPT + 2)]
    revoked = [token_of(key).revoked_at is not None for key in keys]
    assert revoked == [True, True] + [False] * PAGE_TOKENS_KEPT
    assert client.session[PAGE_TOKENS_SESSION_KEY] == [token_of(key).pk for key in keys[2:]]
    assert put(WsgiClient(keys[0]), day.attempt.pk, 1, {"value": ["A"], "seq": 1}).status_code == 401
    for seq, key in enumerate(keys[2:], start=2):
        assert put(WsgiClient(key), day.attempt.pk, 1, {"value": ["B"], "seq": seq}).status_code == 200
    assert len(edge_replies) == PAGE_TOKENS_KEPT


def test_a_handed_in_paper_carries_no_token(day):
    attempt_submit(attempt=day.attempt, by="candidate")
    count = ApiToken.objects.count()
    page = client_for(day.candidate).get(f"/exam/{day.enrollment.pk}/").content.decode()
    assert "data-token" not in page and 'data-status="submitted"' in page
    assert ApiToken.objects.count() == count


def test_another_candidates_page_token_saves_nothing_into_this_attempt(day, edge_replies):
    other = day.other.candidate.user
    attempt_start(enrollment=day.other, user=other)
    key = page_key(client_for(other), day.other)
    response = put(WsgiClient(key), day.attempt.pk, 1, {"value": ["A"], "seq": 1})
    assert response.status_code == 404 and edge_replies == []
    assert not Answer.objects.filter(attempt=day.attempt).exists()


def test_the_start_pages_token_starts_at_the_edge_and_its_saves_are_answered_there(day, edge_replies, monkeypatch):
    """开始答题 asks the start API with the start page's token: the edge starts the attempt and
    replies with the paper, which the page draws; its saves then take the edge as well."""
    enrollment = day.other
    starts = spy_on_edge(monkeypatch, "fast_start")
    key = page_key(client_for(enrollment.candidate.user), enrollment)
    edge = WsgiClient(key)
    response = edge.post(f"/api/enrollments/{enrollment.pk}/attempt/")
    assert response.status_code == 200 and len(starts) == 1
    state = response.json()
    assert state["status"] == "in_progress" and state["answers"] == {} and len(state["questions"]) > 50
    save = put(edge, state["id"], 1, {"value": ["A"], "seq": 1})
    assert save.status_code == 200 and len(edge_replies) == 1
