"""The room console: pause and extra time move the deadline exactly; every action needs a reason and is logged."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from exams.clock import AttemptPaused
from exams.planning.models import Enrollment, Room, RoomEvent
from exams.sittings import sitting_schedule, sitting_start
from exams.written.console import (
    attempt_end_for_misconduct,
    attempt_grant_extra_time,
    enrollment_mark_absent,
    room_pause,
    room_resume,
)
from exams.written.models import Attempt
from exams.written.services import answer_save, attempt_remaining_seconds, attempt_start, attempts_finalize_expired
from tests.conftest import client_for
from tests.exam_helpers import make_examiners, ready_sitting, synthetic_bank


@pytest.fixture
def room_running(org, standard, django_capture_on_commit_callbacks):
    synthetic_bank()
    sitting = ready_sitting(org, candidates=3)
    with django_capture_on_commit_callbacks(execute=True):
        sitting_schedule(sitting=sitting, by=None, seed=4)
    sitting = sitting_start(sitting=sitting)
    room = Room.objects.get(sitting=sitting, kind="written")
    examiner = room.assignments.first().examiner
    enrollments = list(Enrollment.objects.filter(sitting=sitting).select_related("candidate__user").order_by("seat"))
    t0 = sitting.written_start + timedelta(minutes=5)
    attempts = [attempt_start(enrollment=e, user=e.candidate.user, now=t0) for e in enrollments[:2]]
    return room, examiner, enrollments, attempts, t0


def test_pausing_stops_every_clock_and_resuming_moves_each_deadline_by_the_pause(room_running):
    room, examiner, _enrollments, attempts, t0 = room_running
    before = [a.deadline for a in attempts]
    room_pause(room=room, by=examiner, reason="考场停电", now=t0 + timedelta(minutes=10))
    frozen = attempt_remaining_seconds(attempts[0], t0 + timedelta(minutes=30))
    assert frozen == attempt_remaining_seconds(attempts[0], t0 + timedelta(minutes=10)) == 50 * 60
    with pytest.raises(AttemptPaused):
        answer_save(attempt=attempts[0], position=1, value=["A"], seq=1, now=t0 + timedelta(minutes=12))
    length = room_resume(room=room, by=examiner, reason="来电", now=t0 + timedelta(minutes=17, seconds=30))
    assert length == timedelta(minutes=7, seconds=30)
    for attempt, deadline in zip(attempts, before, strict=True):
        attempt.refresh_from_db()
        assert attempt.deadline == deadline + timedelta(minutes=7, seconds=30)
    assert [e.action for e in RoomEvent.objects.order_by("at")] == ["pause", "resume"]


def test_a_paused_room_is_not_swept_even_past_its_deadline(room_running):
    room, examiner, _e, _attempts, t0 = room_running
    room_pause(room=room, by=examiner, reason="停电", now=t0 + timedelta(minutes=10))
    assert attempts_finalize_expired(now=t0 + timedelta(hours=2)) == 0
    assert set(Attempt.objects.values_list("status", flat=True)) == {"in_progress"}


def test_extra_time_moves_one_candidates_deadline_exactly(room_running):
    room, examiner, enrollments, attempts, _t0 = room_running
    before = attempts[0].deadline
    attempt_grant_extra_time(room=room, enrollment=enrollments[0], minutes=7, by=examiner, reason="电脑故障")
    attempts[0].refresh_from_db()
    attempts[1].refresh_from_db()
    assert attempts[0].deadline == before + timedelta(minutes=7)
    assert attempts[0].extra_seconds == 420
    assert attempts[1].deadline == before
    event = RoomEvent.objects.get()
    assert (event.action, event.detail, event.reason, event.actor) == (
        "extra_time",
        "延长 7 分钟",
        "电脑故障",
        examiner,
    )


def test_absent_and_misconduct_are_explicit_outcomes(room_running):
    room, examiner, enrollments, _attempts, _t0 = room_running
    enrollment_mark_absent(room=room, enrollment=enrollments[2], by=examiner, reason="未到场")
    assert Enrollment.objects.get(pk=enrollments[2].pk).status == "absent"
    attempt = attempt_end_for_misconduct(room=room, enrollment=enrollments[0], by=examiner, reason="使用手机")
    assert (attempt.status, attempt.submitted_by) == ("submitted", "misconduct")
    with pytest.raises(ValidationError, match="该考生已开始答题，不能标记为缺考"):
        enrollment_mark_absent(room=room, enrollment=enrollments[1], by=examiner, reason="误操作")


def test_every_action_needs_a_reason(room_running):
    room, examiner, enrollments, _a, _t0 = room_running
    with pytest.raises(ValidationError, match="请填写原因"):
        room_pause(room=room, by=examiner, reason="  ")
    with pytest.raises(ValidationError, match="请填写原因"):
        attempt_grant_extra_time(room=room, enrollment=enrollments[0], minutes=5, by=examiner, reason="")
    assert not RoomEvent.objects.exists()


def test_an_examiner_of_another_room_cannot_run_this_one(org, room_running):
    room, _examiner, _e, _a, _t0 = room_running
    stranger = make_examiners(org, 1, prefix="stranger")[0]
    with pytest.raises(PermissionDenied):
        room_pause(room=room, by=stranger, reason="试试")
    assert client_for(stranger).get(f"/my/rooms/{room.pk}/").status_code == 404


def test_the_audit_log_cannot_be_edited(room_running):
    room, examiner, _e, _a, _t0 = room_running
    room_pause(room=room, by=examiner, reason="停电")
    event = RoomEvent.objects.get()
    event.reason = "改写"
    with pytest.raises(ValueError, match="never edited"):
        event.save()
    with pytest.raises(ValueError, match="never edited"):
        RoomEvent.objects.filter(pk=event.pk).update(reason="改写")
    with pytest.raises(ValueError, match="never edited"):
        RoomEvent.objects.update(reason="改写")
    with pytest.raises(ValueError, match="never deleted"):
        RoomEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(ValueError, match="never deleted"):
        RoomEvent.objects.all().delete()
    with pytest.raises(ValueError, match="never deleted"):
        RoomEvent.objects.get().delete()
    if connection.vendor == "postgresql":  # the database itself refuses, whatever the client
        for sql in ("UPDATE exams_roomevent SET reason = 'x'", "DELETE FROM exams_roomevent"):
            with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as c:
                c.execute(sql)
    stored = RoomEvent.objects.get()
    assert (stored.pk, stored.reason) == (event.pk, "停电")


def test_the_console_page_shows_status_and_logs_actions(room_running):
    room, examiner, _enrollments, _a, _t0 = room_running
    client = client_for(examiner)
    response = client.post(f"/my/rooms/{room.pk}/", {"action": "pause", "reason": "火警演练"}, follow=True)
    page = response.content.decode()
    assert "考场已暂停，所有考生的计时已停止。" in page
    assert "火警演练" in page and "已暂停" in page
    response = client.post(f"/my/rooms/{room.pk}/", {"action": "resume", "reason": ""}, follow=True)
    assert "请填写原因" in response.content.decode()


def test_the_console_offers_no_action_for_a_candidate_who_has_submitted(room_running):
    """Issue 15 (6): a submitted candidate's row had an empty drop-down and a reason box with no button."""
    import re

    from exams.written.services import attempt_submit

    room, examiner, enrollments, attempts, t0 = room_running
    attempt_submit(attempt=attempts[0], now=t0 + timedelta(minutes=20))
    page = client_for(examiner).get(f"/my/rooms/{room.pk}/").content.decode()

    def cell(enrollment) -> str:
        found = re.search(rf'data-testid="actions-{enrollment.admission_no}">(.*?)</td>', page, re.S)
        return found.group(1)

    submitted, answering, not_started = (cell(e) for e in enrollments[:3])
    assert "<select" not in submitted and 'name="reason"' not in submitted and "已交卷，无可执行的操作" in submitted
    assert "延长时间" in answering and "违纪终止" in answering and "执行" in answering
    assert "标记缺考" in not_started and "执行" in not_started
