"""Issue 17: the page's clock at the WSGI edge. Every exam page asks for its clock every 15
seconds and all at once at the deadline, so with an API token it is one statement before Django's
request handling; a clock past the time and grace submits the attempt with its room's. Every
other request (a session, a bad token, another's attempt) is answered by the API view as before.
On SQLite and on PostgreSQL."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certify.people.models import ApiToken
from certify.people.tokens import api_token_revoke
from exams.written.console import room_pause
from exams.written.fast_api import CLOCK_PATH
from exams.written.models import Attempt
from exams.written.services import attempt_start
from tests.conftest import client_for
from tests.security_helpers import day_open_now
from tests.test_lean_save import WsgiClient, token_client, token_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(org, standard):
    return day_open_now(org)


def clock_path(attempt) -> str:
    return f"/api/attempts/{attempt.pk}/clock/"


def test_the_edge_matches_the_api_url():
    assert CLOCK_PATH.match(reverse("api-attempt-clock", kwargs={"pk": 12}))


def test_the_edge_clock_is_one_statement_and_says_what_the_view_says(day):
    client, _token = token_client(day)
    with CaptureQueriesContext(connection) as queries:
        edge = client.get(clock_path(day.attempt))
    assert edge.status_code == 200
    assert len(queries) == 1 and "certify_apitoken" in queries[0]["sql"]
    assert "Set-Cookie" not in edge.headers and edge.headers["Content-Type"] == "application/json"
    view = client_for(day.candidate).get(clock_path(day.attempt))
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert edge.headers[header] == view.headers[header]
    ours, theirs = edge.json(), view.json()
    assert ours.keys() == theirs.keys() == {"status", "paused", "server_time", "remaining_seconds"}
    assert (ours["status"], ours["paused"]) == (theirs["status"], theirs["paused"]) == ("in_progress", False)
    assert abs(ours["remaining_seconds"] - theirs["remaining_seconds"]) <= 2
    assert ours["remaining_seconds"] == pytest.approx((day.attempt.deadline - timezone.now()).total_seconds(), abs=2)


def test_a_paused_room_freezes_the_edge_clock(day):
    client, _token = token_client(day)
    room_pause(room=day.written, by=day.invigilators[0], reason="考场停电")
    state = client.get(clock_path(day.attempt)).json()
    assert state["paused"] is True and state["status"] == "in_progress" and state["remaining_seconds"] > 0


def test_a_clock_past_the_grace_submits_the_attempt_and_its_rooms_at_their_deadline(day):
    client, _token = token_client(day)
    other = attempt_start(enrollment=day.other, user=day.other.candidate.user)
    now = timezone.now()
    deadline = now - timedelta(seconds=30)
    Attempt.objects.filter(pk__in=[day.attempt.pk, other.pk]).update(
        started_at=now - timedelta(minutes=60), deadline=deadline
    )
    state = client.get(clock_path(day.attempt)).json()
    assert state["status"] == "submitted" and state["remaining_seconds"] == 0
    rows = Attempt.objects.filter(pk__in=[day.attempt.pk, other.pk]).values_list(
        "status", "submitted_by", "submitted_at", "objective_score"
    )
    assert all((s, by, at) == ("submitted", "deadline", deadline) and score is not None for s, by, at, score in rows)
    assert client.get(clock_path(day.attempt)).json()["status"] == "submitted"  # and it stays so


def test_within_the_grace_the_edge_clock_shows_zero_and_submits_nothing(day):
    client, _token = token_client(day)
    now = timezone.now()
    Attempt.objects.filter(pk=day.attempt.pk).update(
        started_at=now - timedelta(minutes=60), deadline=now - timedelta(seconds=3)
    )
    state = client.get(clock_path(day.attempt)).json()
    assert (state["status"], state["remaining_seconds"]) == ("in_progress", 0)
    assert Attempt.objects.get(pk=day.attempt.pk).status == "in_progress"


def test_nobody_reads_anothers_clock_and_bad_tokens_get_the_views_answer(day):
    other_key = token_key(day.other.candidate.user)
    for client in (WsgiClient(other_key), Client(headers={"Authorization": f"Token {other_key}"})):
        assert client.get(clock_path(day.attempt)).status_code == 404
    assert WsgiClient(other_key).get("/api/attempts/99999999999/clock/").status_code == 404
    assert WsgiClient(other_key).get(f"/api/attempts/{2**70}/clock/").status_code == 404
    client, token = token_client(day)
    api_token_revoke(token=token)
    revoked = client.get(clock_path(day.attempt))
    assert revoked.status_code == 401 and revoked.json()["detail"] == "令牌已被撤销，请重新登录"
    client, token = token_client(day)
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(created_at=now - timedelta(hours=2), expires_at=now)
    expired = client.get(clock_path(day.attempt))
    assert expired.status_code == 401 and expired.json()["detail"] == "令牌已过期，请重新登录"
    assert WsgiClient("0123").get(clock_path(day.attempt)).status_code == 401


def test_a_clock_past_the_grace_read_by_another_submits_nothing(day):
    now = timezone.now()
    Attempt.objects.filter(pk=day.attempt.pk).update(
        started_at=now - timedelta(minutes=60), deadline=now - timedelta(seconds=30)
    )
    assert WsgiClient(token_key(day.other.candidate.user)).get(clock_path(day.attempt)).status_code == 404
    assert Attempt.objects.get(pk=day.attempt.pk).status == "in_progress"
