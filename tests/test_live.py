"""Issue 15 (7): the exam day, live. The admin's view of a sitting (per room: not started, in
progress, submitted, absent, misconduct; last activity; incidents; practical progress) and the room
pages' live roster, both small JSON documents the pages poll instead of reloading."""

import html

import pytest

from exams.planning.models import Enrollment
from exams.written.console import attempt_grant_extra_time, enrollment_mark_absent, room_pause
from exams.written.models import Attempt
from exams.written.services import answer_save, attempt_start
from tests.conftest import client_for
from tests.security_helpers import day_open_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(org, standard):
    return day_open_now(org, candidates=4)


def test_the_admin_sees_every_room_of_the_sitting_as_it_stands(day, hr):
    enrollments = list(Enrollment.objects.filter(sitting=day.sitting).order_by("pk"))
    invigilator = day.invigilators[0]
    enrollment_mark_absent(room=day.written, enrollment=enrollments[3], by=invigilator, reason="未到场")
    second = attempt_start(enrollment=enrollments[1], user=enrollments[1].candidate.user)
    attempt_grant_extra_time(room=day.written, enrollment=enrollments[1], minutes=5, by=invigilator, reason="设备故障")
    Attempt.objects.filter(pk=second.pk).update(focus_losses=4)
    answer_save(attempt=day.attempt, position=1, value=["A"], seq=1)
    room_pause(room=day.written, by=invigilator, reason="考场停电")

    response = client_for(hr).get(f"/api/sittings/{day.sitting.pk}/live/")
    assert response.status_code == 200
    rooms = {room["name"]: room for room in response.json()["rooms"]}
    written = rooms["A101"]["written"]
    assert written["counts"] == {"not_started": 1, "in_progress": 2, "submitted": 0, "absent": 1, "misconduct": 0}
    assert written["paused"] is True and written["last_activity"] is not None
    texts = [i["text"] for i in written["incidents"]]
    assert any("暂停考场" in t and "考场停电" in t for t in texts)
    assert any("延长时间" in t and "设备故障" in t for t in texts)
    assert any(t == f"{enrollments[1].candidate.name} 离开答题页面 4 次" for t in texts)
    assert rooms["A101"]["console_url"] == f"/my/rooms/{day.written.pk}/"

    practical = rooms["实训室1"]["practical"]
    assert practical["typing"] == {"not_started": 3, "in_progress": 1, "submitted": 0}
    assert practical["business"] == {"not_started": 3, "in_progress": 1, "submitted": 0}
    assert practical["scenes"] == {"not_started": 3, "scoring": 1, "review": 0, "scored": 0}

    # Only the admin: examiners and candidates get nothing.
    assert client_for(invigilator).get(f"/api/sittings/{day.sitting.pk}/live/").status_code == 403
    assert client_for(day.candidate).get(f"/api/sittings/{day.sitting.pk}/live/").status_code == 403
    # The sitting page carries the live view (drawn by exams/live.js from that JSON).
    page = client_for(hr).get(f"/sittings/{day.sitting.pk}/").content.decode()
    assert f'data-live-sitting="/api/sittings/{day.sitting.pk}/live/"' in page and "考试实况" in page


def test_a_room_page_polls_one_signature_per_row_and_only_a_changed_row_changes(day):
    invigilator = day.invigilators[0]
    client = client_for(invigilator)
    url = f"/api/rooms/{day.written.pk}/live/"
    before = {row["admission_no"]: row["signature"] for row in client.get(url).json()["rows"]}
    page = client.get(f"/my/rooms/{day.written.pk}/").content.decode()
    for number, signature in before.items():  # the page starts from the same signatures
        assert f'data-row="{number}" data-signature="{html.escape(signature)}"' in page
    assert "data-auto-reload" not in page and f'data-live-room="{url}"' in page

    answer_save(attempt=day.attempt, position=1, value=["A"], seq=1)
    after = {row["admission_no"]: row["signature"] for row in client.get(url).json()["rows"]}
    changed = {number for number in before if before[number] != after[number]}
    assert changed == {day.enrollment.admission_no}
    page = client.get(f"/my/rooms/{day.written.pk}/").content.decode()
    for number, signature in after.items():  # a reload shows the rows the poll now signs
        assert f'data-row="{number}" data-signature="{html.escape(signature)}"' in page
    body = client.get(url).json()
    assert body["paused"] is False and body["events"] == 0
    room_pause(room=day.written, by=invigilator, reason="考场停电")
    body = client.get(url).json()
    assert body["paused"] is True and body["events"] == 1

    # The practical room page polls too; a stranger's room is 404.
    practical = client_for(day.panel[0])
    assert practical.get(f"/api/rooms/{day.practical.pk}/live/").status_code == 200
    assert "data-auto-reload" not in practical.get(f"/my/rooms/{day.practical.pk}/").content.decode()
    assert practical.get(url).status_code == 404
    assert client_for(day.candidate).get(url).status_code == 404


def test_the_admin_opens_every_rooms_console_read_only(day, hr):
    admin = client_for(hr)
    for room in (day.written, day.practical):
        page = admin.get(f"/my/rooms/{room.pk}/")
        assert page.status_code == 200
        body = page.content.decode()
        assert "只读查看" in body and body.count('method="post"') == 1  # 退出 (sign out) only
    refused = admin.post(f"/my/rooms/{day.written.pk}/", {"action": "pause", "reason": "试试"})
    assert refused.status_code == 403
    assert not day.written.events.exists()
