"""The typing test on the server (clock, saves, submission) and the practical score."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from exams.clock import AttemptClosed
from exams.planning.models import Enrollment
from exams.practical.material import material_load
from exams.practical.models import BusinessAttempt, Passage, SceneRun, TypingAttempt
from exams.practical.selectors import practical_score
from exams.practical.typing import typing_finalize_expired, typing_save, typing_start, typing_submit
from grading.scoring.practical import weighted_total
from tests.conftest import client_for
from tests.exam_helpers import running_now, synthetic_bank

pytestmark = pytest.mark.django_db


@pytest.fixture
def sitting(org, standard):
    synthetic_bank()
    material_load()
    return running_now(org, candidates=3, practical=True)


@pytest.fixture
def enrollment(sitting):
    return Enrollment.objects.filter(sitting=sitting).select_related("candidate__user").order_by("pk").first()


def test_typing_starts_with_a_passage_of_the_level_and_a_ten_minute_clock(enrollment, sitting):
    attempt = typing_start(enrollment=enrollment, user=enrollment.candidate.user)
    assert attempt.passage.level == 5
    assert attempt.deadline - attempt.started_at == timedelta(minutes=10)
    again = typing_start(enrollment=enrollment, user=enrollment.candidate.user)
    assert again.pk == attempt.pk and again.deadline == attempt.deadline
    others = Enrollment.objects.filter(sitting=sitting).exclude(pk=enrollment.pk).order_by("pk")
    passages = {typing_start(enrollment=e, user=e.candidate.user).passage_id for e in others}
    assert attempt.passage_id not in passages  # neighbours type different passages


def test_only_the_candidate_starts_their_typing_test(enrollment, other_candidate):
    with pytest.raises(PermissionDenied):
        typing_start(enrollment=enrollment, user=other_candidate.user)


def test_typing_cannot_start_outside_the_practical_window(org, standard):
    synthetic_bank()
    material_load()
    sitting = running_now(org, candidates=1)  # the written window is open, the practical is in 3 hours
    enrollment = Enrollment.objects.get(sitting=sitting)
    with pytest.raises(ValidationError, match="实操考试将于"):
        typing_start(enrollment=enrollment, user=enrollment.candidate.user)


def test_saves_carry_a_sequence_and_the_newer_wins(enrollment):
    attempt = typing_start(enrollment=enrollment, user=enrollment.candidate.user)
    now = attempt.started_at + timedelta(minutes=1)
    assert typing_save(attempt=attempt, text="营业员", seq=2, keystrokes=9, now=now).applied
    late = typing_save(attempt=attempt, text="营", seq=1, keystrokes=3, now=now)
    assert not late.applied and late.seq == 2
    attempt.refresh_from_db()
    assert attempt.text == "营业员" and attempt.keystrokes == 9


def test_a_save_after_the_deadline_and_grace_is_refused_and_the_test_submitted(enrollment):
    attempt = typing_start(enrollment=enrollment, user=enrollment.candidate.user)
    ok = typing_save(attempt=attempt, text="您好", seq=1, now=attempt.deadline - timedelta(seconds=1))
    assert ok.applied and ok.remaining_seconds == 1
    assert typing_save(attempt=attempt, text="您好请", seq=2, now=attempt.deadline + timedelta(seconds=9)).applied
    with pytest.raises(AttemptClosed, match="时间已到"):
        typing_save(attempt=attempt, text="您好请问", seq=3, now=attempt.deadline + timedelta(seconds=11))
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.text == "您好请" and attempt.submitted_by == "deadline"
    assert attempt.submitted_at == attempt.deadline


def test_submission_scores_with_the_server_time_used(enrollment):
    """The whole passage typed: speed over the server time used (DESIGN.md §6 as amended by issue 15)."""
    attempt = typing_start(enrollment=enrollment, user=enrollment.candidate.user)
    passage = attempt.passage.text
    typing_save(attempt=attempt, text=passage, seq=1, now=attempt.started_at + timedelta(minutes=2))
    done = typing_submit(attempt=attempt, now=attempt.started_at + timedelta(minutes=2))
    assert done.result["minutes"] == "2.0000"
    reached = int(done.result["reached"])
    assert done.result["errors"] == "0" and Decimal(done.result["net_cpm"]) == Decimal(reached) / 2
    assert done.score == min(Decimal(100), (Decimal(reached) / 2 / 30 * 100).quantize(Decimal("0.01")))
    again = typing_submit(attempt=attempt, now=attempt.started_at + timedelta(minutes=5))
    assert again.submitted_at == done.submitted_at and again.score == done.score  # idempotent


def test_an_unfinished_passage_submitted_early_is_scored_over_the_whole_limit(enrollment):
    """Issue 15 (1): 150 characters submitted after two minutes are not 75 字/分."""
    attempt = typing_start(enrollment=enrollment, user=enrollment.candidate.user)
    typing_save(attempt=attempt, text=attempt.passage.text[:150], seq=1, now=attempt.started_at + timedelta(minutes=2))
    done = typing_submit(attempt=attempt, now=attempt.started_at + timedelta(minutes=2))
    reached = int(done.result["reached"])
    assert done.result["minutes"] == "10.0000" and Decimal(done.result["net_cpm"]) == Decimal(reached) / 10


def test_the_sweep_submits_expired_typing_tests(enrollment):
    attempt = typing_start(enrollment=enrollment, user=enrollment.candidate.user)
    assert typing_finalize_expired(now=attempt.deadline) == 0
    assert typing_finalize_expired(now=attempt.deadline + timedelta(seconds=11)) == 1
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.score == 0


def test_the_typing_api_refuses_someone_elses_attempt_and_bad_input(enrollment, other_candidate):
    attempt = typing_start(enrollment=enrollment, user=enrollment.candidate.user)
    url = f"/api/practical/typing/{attempt.pk}/"
    stranger = client_for(other_candidate.user)
    assert stranger.put(url, {"text": "x", "seq": 1}, content_type="application/json").status_code == 404
    own = client_for(enrollment.candidate.user)
    response = own.put(url, {"text": "x", "seq": 0}, content_type="application/json")
    assert response.status_code == 400 and "seq" in response.json()["detail"]
    response = own.put(url, {"text": "x" * 5000, "seq": 1}, content_type="application/json")
    assert response.status_code == 400 and "过长" in response.json()["detail"]
    response = own.put(url, {"text": "营业", "seq": 1, "keystrokes": 4}, content_type="application/json")
    assert response.status_code == 200 and response.json()["applied"]
    assert own.post(f"{url}events/", {"kind": "paste"}, content_type="application/json").status_code == 204
    attempt.refresh_from_db()
    assert attempt.pastes == 1 and attempt.text == "营业"


def test_the_shipped_passages_cover_every_level():
    material_load()
    for level in (5, 4, 3):
        assert Passage.objects.filter(level=level).count() >= 6


# --- the practical score ----------------------------------------------------------------


def set_parts(enrollment, *, typing=None, business=None, scene=None):
    now = enrollment.sitting.practical_start
    if typing is not None:
        TypingAttempt.objects.create(
            enrollment=enrollment,
            passage=Passage.objects.first(),
            started_at=now,
            deadline=now + timedelta(minutes=10),
            status="submitted",
            submitted_at=now,
            score=Decimal(typing),
        )
    if business is not None:
        BusinessAttempt.objects.create(
            enrollment=enrollment,
            started_at=now,
            deadline=now + timedelta(minutes=10),
            status="submitted",
            submitted_at=now,
            score=Decimal(business),
        )
    if scene is not None:
        from exams.planning.models import RoomExaminer
        from exams.practical.models import Scene, SceneScore

        run = SceneRun.objects.create(
            enrollment=enrollment,
            room=enrollment.practical_room,
            scene=Scene.objects.first(),
            started_at=now,
            result=Decimal(scene),
        )
        # The panel's marks behind the result (a member who has not scored would see nothing).
        for assignment in RoomExaminer.objects.filter(room=run.room, is_chief=False):
            SceneScore.objects.create(
                run=run, round=1, examiner=assignment.examiner, marks={}, total=int(scene), submitted_at=now
            )


def test_the_level_weights_are_applied(enrollment):
    set_parts(enrollment, typing="80", business="70", scene="90")
    score = practical_score(enrollment)
    assert score.weights == {"typing": 30, "business": 40, "scene": 30}  # level 5
    assert score.total == Decimal("79.00")  # 0.3 × 80 + 0.4 × 70 + 0.3 × 90
    assert score.passes(60) is True


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ({"typing": 30, "business": 40, "scene": 30}, "79.00"),  # 营业五级
        ({"typing": 20, "business": 40, "scene": 40}, "80.00"),  # 营业四级
        ({"typing": 10, "business": 30, "scene": 60}, "83.00"),  # 营业三级
    ],
)
def test_the_weights_of_each_level(weights, expected):
    parts = {"typing": Decimal(80), "business": Decimal(70), "scene": Decimal(90)}
    assert weighted_total(parts, weights) == Decimal(expected)


def test_a_missing_part_leaves_the_total_open_until_the_session_is_closed(enrollment):
    set_parts(enrollment, typing="80", scene="90")
    open_ = practical_score(enrollment)
    assert open_.total is None and open_.missing == ["business"] and open_.passes(60) is None
    closed = practical_score(enrollment, closed=True)
    assert closed.total == Decimal("51.00") and closed.passes(60) is False  # business counts 0


def test_an_absent_candidate_has_no_practical_score(enrollment):
    set_parts(enrollment, typing="80", business="70", scene="90")
    Enrollment.objects.filter(pk=enrollment.pk).update(practical_absent=True)
    enrollment.refresh_from_db()
    score = practical_score(enrollment, closed=True)
    assert score.absent and score.total is None and score.passes(60) is None


def test_the_practical_room_shows_each_part_and_the_weighted_score_in_a_fixed_number_of_queries(sitting):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from exams.planning.models import RoomExaminer

    first, *others = Enrollment.objects.filter(sitting=sitting).order_by("pk")
    room = first.practical_room
    member = client_for(RoomExaminer.objects.filter(room=room, is_chief=False).first().examiner)
    set_parts(first, typing="80", business="70", scene="90")
    with CaptureQueriesContext(connection) as one:
        page = member.get(f"/my/rooms/{room.pk}/")
    assert page.status_code == 200 and "79.00" in page.content.decode()
    for enrollment in others:
        set_parts(enrollment, typing="60", business="60", scene="60")
    with CaptureQueriesContext(connection) as three:
        page = member.get(f"/my/rooms/{room.pk}/")
    assert page.content.decode().count("<strong>60.00</strong>") == 4  # the scene result and the total, twice
    assert len(three) == len(one)  # no query per candidate


def test_a_candidate_is_marked_absent_from_the_practical_with_a_reason_in_the_room_log(sitting, examiner, hr):
    from exams.planning.models import RoomEvent, RoomExaminer
    from exams.practical.session import practical_mark_absent

    first, second, _third = Enrollment.objects.filter(sitting=sitting).select_related("candidate__user").order_by("pk")
    room = first.practical_room
    member = RoomExaminer.objects.filter(room=room).first().examiner
    with pytest.raises(PermissionDenied):
        practical_mark_absent(room=room, enrollment=first, by=examiner, reason="未到")  # not of this room
    with pytest.raises(ValidationError, match="请填写原因"):
        practical_mark_absent(room=room, enrollment=first, by=member, reason=" ")
    with pytest.raises(ValidationError, match="只有实操考场"):
        practical_mark_absent(room=first.written_room, enrollment=first, by=hr, reason="未到")
    practical_mark_absent(room=room, enrollment=first, by=member, reason="开考 30 分钟未到场")
    first.refresh_from_db()
    assert first.practical_absent and practical_score(first, closed=True).absent
    event = RoomEvent.objects.get(room=room, enrollment=first)
    assert (event.action, event.reason, event.actor) == ("absent", "开考 30 分钟未到场", member)
    assert "开考 30 分钟未到场" in client_for(member).get(f"/my/rooms/{room.pk}/").content.decode()  # the room's log
    with pytest.raises(ValidationError, match="缺考"):
        typing_start(enrollment=first, user=first.candidate.user)
    typing_start(enrollment=second, user=second.candidate.user)
    with pytest.raises(ValidationError, match="已开始实操"):
        practical_mark_absent(room=room, enrollment=second, by=member, reason="未到")


def test_the_practical_page_states_the_accuracy_floor_of_the_sittings_rules(enrollment, sitting):
    """The floor is a level rule (issue 13); the page read it from a sentence that said 90 %."""
    from certify.standard.models import LevelRule
    from tests.conftest import client_for

    LevelRule.objects.filter(version=sitting.standard_version, level=sitting.level).update(typing_accuracy_floor=95)
    page = client_for(enrollment.candidate.user).get(f"/practical/{enrollment.pk}/").content.decode()
    assert "准确率低于 95% 不得分" in page and "90%" not in page
