"""Issue 11 (3): text that is not valid Unicode is refused at the edge, for every text input, and
pages showing text stored before the guard still load."""

import json

import pytest
from django.db import connection

from exams.practical.models import BusinessTask, SceneScore
from exams.written.models import Answer
from tests.conftest import client_for
from tests.security_helpers import day_open_now, situational_position

pytestmark = pytest.mark.django_db

LONE_SURROGATE = "情况说明\ud800"
NUL = "原因\x00"


@pytest.fixture
def day(org, standard):
    return day_open_now(org)


def put_json(client, url, body):
    return client.put(url, data=json.dumps(body), content_type="application/json")


def post_json(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def json_inputs(day):
    """Every JSON text input a candidate has: (how to send it, the field the refusal names)."""
    attempt, position = day.attempt, situational_position(day.attempt)
    task = day.business.tasks.order_by("position").first()
    return [
        (lambda c, v: put_json(c, f"/api/attempts/{attempt.pk}/answers/{position}/", {"value": v, "seq": 1}), "value"),
        (lambda c, v: put_json(c, f"/api/practical/typing/{day.typing.pk}/", {"text": v, "seq": 1}), "text"),
        (
            lambda c, v: post_json(
                c, f"/api/practical/business/tasks/{task.pk}/", {"order": {"action": "refuse", "advice": v}}
            ),
            "order.advice",
        ),
        (
            lambda c, v: post_json(
                c,
                f"/api/practical/business/tasks/{task.pk}/",
                {"order": {"action": "order", "realname": {"id_type": "身份证", "name": v}}},
            ),
            "order.realname.name",
        ),
        (
            lambda c, v: post_json(c, "/api/practical/fees/", {"order": {"fixed_line": {"address": v}}}),
            "order.fixed_line.address",
        ),
        (lambda c, v: post_json(c, f"/api/attempts/{attempt.pk}/events/", {"kind": v}), "kind"),
    ]


def test_a_lone_surrogate_is_refused_in_every_json_text_input_naming_the_field(day):
    client = client_for(day.candidate)
    for send, field in json_inputs(day):
        response = send(client, LONE_SURROGATE)
        assert response.status_code == 400, (field, response.content)
        assert response.json() == {
            "detail": f"「{field}」含有无效的 Unicode 字符（不成对的代理项），请删除后重试",
            "field": field,
        }
    assert not Answer.objects.filter(attempt=day.attempt).exists()
    day.typing.refresh_from_db()
    assert day.typing.text == "" and day.typing.seq == 0
    assert not BusinessTask.objects.filter(attempt=day.business, submitted_at__isnull=False).exists()


def test_a_nul_character_is_refused_in_json_keys_and_values(day):
    client = client_for(day.candidate)
    response = put_json(client, f"/api/practical/typing/{day.typing.pk}/", {"text": NUL, "seq": 1})
    assert response.status_code == 400
    assert response.json()["detail"] == "「text」含有不可见的控制字符（U+0000），请删除后重试"
    response = put_json(client, f"/api/practical/typing/{day.typing.pk}/", {"te\x01xt": "您好", "seq": 1})
    assert response.status_code == 400 and response.json()["field"] == "te\x01xt"


def test_control_characters_are_refused_in_every_form_text_input_naming_the_field(day):
    examiner, chief = day.invigilators[0], day.chief
    forms = [
        (examiner, f"/my/rooms/{day.written.pk}/", {"action": "pause", "reason": NUL}, "reason"),
        (
            examiner,
            f"/my/rooms/{day.written.pk}/",
            {"action": "extra_time", "enrollment": day.enrollment.pk, "minutes": "5", "reason": NUL},
            "reason",
        ),
        (
            day.panel[0],
            f"/my/rooms/{day.practical.pk}/practical/",
            {"action": "absent", "enrollment": day.other.pk, "reason": NUL},
            "reason",
        ),
        (day.panel[1], f"/scenes/{day.run.pk}/", {"image": "10", "comment_image": "很好\x1b"}, "comment_image"),
        (chief, f"/scenes/{day.run.pk}/", {"action": "review", "decision": "confirm", "reason": NUL}, "reason"),
    ]
    for user, url, data, field in forms:
        response = client_for(user).post(url, data)
        assert response.status_code == 400, (url, field)
        assert "请删除后重试" in response.content.decode()
        assert f"「{field}」" in response.content.decode()
    assert not SceneScore.objects.exists()
    assert not day.written.events.exists()


def test_json_nested_five_thousand_levels_deep_is_refused_with_400(day):
    body = '{"value": ' + "[" * 5000 + "]" * 5000 + ', "seq": 1}'
    position = situational_position(day.attempt)
    response = client_for(day.candidate).put(
        f"/api/attempts/{day.attempt.pk}/answers/{position}/", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "JSON 嵌套层数过多（最多 32 层）"


def test_a_body_that_is_not_utf8_is_refused(day):
    response = client_for(day.candidate).put(
        f"/api/practical/typing/{day.typing.pk}/", data=b'{"text": "\xff", "seq": 1}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "请求内容不是有效的 UTF-8 文本"


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL refuses to store a lone surrogate at all: nothing to show"
)
def test_pages_showing_a_lone_surrogate_stored_before_the_guard_still_load(day):
    """Written straight to the database, as a value stored before the guard existed would be."""
    position = situational_position(day.attempt)
    Answer.objects.create(
        attempt=day.attempt, position=position, response=LONE_SURROGATE, seq=1, saved_at=day.attempt.started_at
    )
    task = day.business.tasks.order_by("position").first()
    BusinessTask.objects.filter(pk=task.pk).update(order={"action": "refuse", "advice": LONE_SURROGATE})
    SceneScore.objects.create(
        run=day.run,
        round=1,
        examiner=day.panel[0],
        marks={"image": 10},
        comments={"image": LONE_SURROGATE},
        total=10,
        submitted_at=day.attempt.started_at,
    )
    candidate = client_for(day.candidate)
    for url in [f"/exam/{day.enrollment.pk}/", f"/practical/{day.enrollment.pk}/business/"]:
        response = candidate.get(url)
        assert response.status_code == 200, url
    page = candidate.get(f"/exam/{day.enrollment.pk}/").content.decode()
    assert "情况说明\ufffd" in page
    api = candidate.get(f"/api/attempts/{day.attempt.pk}/")
    assert api.status_code == 200
    assert api.json()["answers"][str(position)]["value"] == "情况说明\ufffd"
    assert client_for(day.panel[0]).get(f"/scenes/{day.run.pk}/").status_code == 200
    assert "情况说明\ufffd" in client_for(day.panel[0]).get(f"/scenes/{day.run.pk}/").content.decode()
    for user, url in [
        (day.invigilators[0], f"/my/rooms/{day.written.pk}/"),
        (day.panel[0], f"/my/rooms/{day.practical.pk}/"),
    ]:
        assert client_for(user).get(url).status_code == 200
