"""Issue 11 (12): inputs that gave a 500 now give 400 naming the field."""

import json

import pytest

from exams.practical.models import SceneScore, TypingAttempt
from exams.written.models import Answer
from question_bank.models import Blueprint
from question_bank.services.blueprints import blueprints_load_defaults
from question_bank.services.items import knowledge_points_load
from tests.conftest import client_for
from tests.security_helpers import day_open_now, situational_position

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(org, standard):
    return day_open_now(org)


def put_json(client, url, body):
    return client.put(url, data=json.dumps(body), content_type="application/json")


def test_a_save_sequence_of_two_to_the_sixty_third_is_refused_naming_seq(day):
    client = client_for(day.candidate)
    position = situational_position(day.attempt)
    response = put_json(client, f"/api/attempts/{day.attempt.pk}/answers/{position}/", {"value": "答", "seq": 2**63})
    assert response.status_code == 400
    assert response.json() == {"detail": "seq：应为 1–9007199254740991 的整数", "field": "seq"}
    response = put_json(client, f"/api/practical/typing/{day.typing.pk}/", {"text": "您好", "seq": 2**63})
    assert response.status_code == 400
    assert response.json() == {"detail": "seq：应为 1–9007199254740991 的整数", "field": "seq"}
    assert not Answer.objects.exists()


def test_keystrokes_of_two_to_the_sixty_third_are_refused_naming_keystrokes(day):
    response = put_json(
        client_for(day.candidate),
        f"/api/practical/typing/{day.typing.pk}/",
        {"text": "您好", "seq": 1, "keystrokes": 2**63},
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "keystrokes：应为 0–2147483647 的整数", "field": "keystrokes"}
    assert TypingAttempt.objects.get(pk=day.typing.pk).seq == 0


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ({"action": "order", "addons": [{"a": 1}]}, "附加业务：格式不正确"),
        ({"action": "order", "payment": {"x": 1}}, "收费方式：格式不正确"),
        ({"action": "order", "broadband": {"tier": [1]}}, "宽带速率：格式不正确"),
        ({"action": "order", "bundle": 5}, "套餐：格式不正确"),
        ({"action": "order", "fixed_line": {"product": {"p": 1}}}, "固定电话：格式不正确"),
    ],
)
def test_order_fields_of_the_wrong_shape_are_refused_by_name(day, order, message):
    task = day.business.tasks.order_by("position").first()
    client = client_for(day.candidate)
    for url in [f"/api/practical/business/tasks/{task.pk}/", "/api/practical/fees/"]:
        response = client.post(url, data=json.dumps({"order": order}), content_type="application/json")
        assert response.status_code == 400, url
        assert message in response.json()["detail"]
    task.refresh_from_db()
    assert task.submitted_at is None


def test_an_order_action_that_is_not_text_is_refused(day):
    task = day.business.tasks.order_by("position").first()
    response = client_for(day.candidate).post(
        f"/api/practical/business/tasks/{task.pk}/",
        data=json.dumps({"order": {"action": ["order"]}}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "请选择“提交受理”或“不予受理”"


def test_an_enrollment_that_is_not_a_number_posted_to_a_room_page_is_refused(day):
    response = client_for(day.invigilators[0]).post(
        f"/my/rooms/{day.written.pk}/", {"action": "absent", "enrollment": "abc", "reason": "未到"}
    )
    assert response.status_code == 400
    assert "「enrollment」应为整数编号" in response.content.decode()
    response = client_for(day.panel[0]).post(
        f"/my/rooms/{day.practical.pk}/practical/", {"action": "scene", "enrollment": "abc"}
    )
    assert response.status_code == 400
    assert "「enrollment」应为整数编号" in response.content.decode()
    assert not day.written.events.exists()


def test_a_scene_mark_of_superscript_two_is_refused_by_dimension(day):
    marks = {"image": "²", "communication": "10", "marketing": "10", "retention": "10", "complaint": "10"}
    response = client_for(day.panel[1]).post(f"/scenes/{day.run.pk}/", marks)
    assert response.status_code == 200
    assert "“服务形象及接待规范”的分数应为 0–20 的整数" in response.content.decode()
    assert not SceneScore.objects.exists()


def test_multipart_chapter_quotas_null_on_the_blueprint_api_is_refused(standard, hr):
    knowledge_points_load()
    blueprints_load_defaults()
    before = Blueprint.objects.get(level=5).chapter_quotas
    response = client_for(hr).patch(
        "/api/bank/blueprints/5/",
        data=b'--B\r\nContent-Disposition: form-data; name="chapter_quotas"\r\n\r\nnull\r\n--B--\r\n',
        content_type="multipart/form-data; boundary=B",
    )
    assert response.status_code == 400
    assert "各章题量（chapter_quotas）" in json.dumps(response.json(), ensure_ascii=False)
    assert Blueprint.objects.get(level=5).chapter_quotas == before
