"""The written exam on the server: the clock, saving, submission, grading, integrity."""

import threading
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from exams.clock import AttemptClosed
from exams.papers.models import PaperItem
from exams.planning.models import Enrollment, Room
from exams.sittings import sitting_schedule, sitting_start
from exams.written.models import Answer, Attempt
from exams.written.services import (
    answer_save,
    attempt_clock,
    attempt_finalize_if_expired,
    attempt_start,
    attempt_submit,
    attempts_finalize_expired,
)
from question_bank.models import OPTION_LETTERS
from tests.conftest import client_for
from tests.exam_helpers import ready_sitting, synthetic_bank


@pytest.fixture
def running(org, standard, django_capture_on_commit_callbacks):
    """A level-5 sitting in progress (60-minute paper, window 09:00–10:30 on 10 December)."""
    synthetic_bank()
    sitting = ready_sitting(org, candidates=3)
    with django_capture_on_commit_callbacks(execute=True):
        sitting_schedule(sitting=sitting, by=None, seed=9)
    return sitting_start(sitting=sitting)


@pytest.fixture
def enrollment(running):
    return Enrollment.objects.filter(sitting=running).select_related("candidate__user").order_by("seat").first()


def start(enrollment, minutes_after_nine=5):
    now = enrollment.sitting.written_start + timedelta(minutes=minutes_after_nine)
    return attempt_start(enrollment=enrollment, user=enrollment.candidate.user, now=now), now


def key_letters(item: PaperItem) -> list[str]:
    """The key in the letters this candidate sees."""
    return sorted(OPTION_LETTERS[item.option_order.index(OPTION_LETTERS.index(k))] for k in item.item_version.answer)


def test_the_deadline_is_start_plus_duration(enrollment):
    attempt, now = start(enrollment)
    assert attempt.deadline == now + timedelta(minutes=60)


def test_the_deadline_never_passes_the_window_end(enrollment):
    attempt, _now = start(enrollment, minutes_after_nine=60)
    assert attempt.deadline == enrollment.sitting.written_end  # 10:00 + 60 min is cut to 10:30


def test_resuming_keeps_the_same_deadline_and_answers(enrollment):
    attempt, now = start(enrollment)
    answer_save(attempt=attempt, position=1, value=["A"], seq=1, now=now)
    again = attempt_start(enrollment=enrollment, user=enrollment.candidate.user, now=now + timedelta(minutes=20))
    assert again.pk == attempt.pk and again.deadline == attempt.deadline
    assert Answer.objects.get(attempt=again, position=1).response == ["A"]


def test_a_save_one_second_before_the_deadline_is_kept(enrollment):
    attempt, _ = start(enrollment)
    ack = answer_save(attempt=attempt, position=1, value=["B"], seq=1, now=attempt.deadline - timedelta(seconds=1))
    assert ack.applied and ack.remaining_seconds == 1


def test_a_save_inside_the_grace_is_kept_and_after_it_refused(enrollment, settings):
    settings.CERTIFY_SAVE_GRACE_SECONDS = 10
    attempt, _ = start(enrollment)
    assert answer_save(
        attempt=attempt, position=1, value=["B"], seq=1, now=attempt.deadline + timedelta(seconds=9)
    ).applied
    with pytest.raises(AttemptClosed) as refused:
        answer_save(attempt=attempt, position=2, value=["C"], seq=2, now=attempt.deadline + timedelta(seconds=11))
    assert refused.value.messages == ["考试时间已到，答卷已自动提交，本次修改未保存"]
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.submitted_by == "deadline"
    assert not Answer.objects.filter(attempt=attempt, position=2).exists()


def test_the_browser_clock_cannot_move_the_deadline(org, standard):
    """The save is accepted (checked: a refused save proves nothing), and whatever time the browser
    claims, the deadline, the remaining time and the save's time are the server's."""
    from django.utils import timezone

    from tests.exam_helpers import running_now

    synthetic_bank()
    sitting = running_now(org, candidates=1)
    enrollment = Enrollment.objects.select_related("candidate__user").get(sitting=sitting)
    attempt = attempt_start(enrollment=enrollment, user=enrollment.candidate.user)
    client = client_for(enrollment.candidate.user)
    before = Attempt.objects.get(pk=attempt.pk).deadline
    item = PaperItem.objects.get(paper=attempt.paper, position=1)
    value = key_letters(item)[:1]
    for claimed in ("2099-01-01T00:00:00Z", "2000-01-01T00:00:00Z"):  # far ahead, far behind
        seq = 1 if claimed.startswith("2099") else 2
        response = client.put(
            f"/api/attempts/{attempt.pk}/answers/1/",
            {"value": value, "seq": seq, "deadline": claimed, "now": claimed, "remaining_seconds": 99999},
            content_type="application/json",
            HTTP_DATE="Sat, 01 Jan 2000 00:00:00 GMT",
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["applied"] is True and body["seq"] == seq
        now = timezone.now()
        assert abs(datetime.fromisoformat(body["saved_at"]) - now) < timedelta(seconds=5)
        assert abs(body["remaining_seconds"] - (before - now).total_seconds()) <= 5
    assert Attempt.objects.get(pk=attempt.pk).deadline == before
    assert Attempt.objects.get(pk=attempt.pk).status == "in_progress"
    assert Answer.objects.get(attempt=attempt, position=1).response == value


def test_an_older_save_never_overwrites_a_newer_one(enrollment):
    attempt, now = start(enrollment)
    answer_save(attempt=attempt, position=3, value=["C"], seq=7, now=now)
    ack = answer_save(attempt=attempt, position=3, value=["A"], seq=5, now=now)  # a late tab
    assert not ack.applied and ack.seq == 7
    assert Answer.objects.get(attempt=attempt, position=3).response == ["C"]


def test_submitting_twice_gives_one_result(enrollment):
    attempt, now = start(enrollment)
    first = attempt_submit(attempt=attempt, now=now + timedelta(minutes=10))
    second = attempt_submit(attempt=attempt, now=now + timedelta(minutes=11))
    assert first.submitted_at == second.submitted_at and second.submitted_by == "candidate"


def test_the_sweep_and_the_next_request_finalise_expired_attempts(running):
    """A request that finds its attempt past its time submits its room's expired attempts with it
    (every page of a room asks at the deadline); the sweep does the other rooms'."""
    enrollments = list(Enrollment.objects.filter(sitting=running).select_related("candidate__user").order_by("seat"))
    rooms = [
        Room.objects.create(sitting=running, kind="written", number=number, name=f"B20{number}", capacity=30)
        for number in (91, 92)
    ]
    Enrollment.objects.filter(pk__in=[e.pk for e in enrollments[:2]]).update(written_room=rooms[0])
    Enrollment.objects.filter(pk=enrollments[2].pk).update(written_room=rooms[1])
    attempts = [start(e)[0] for e in enrollments]
    late = attempts[0].deadline + timedelta(seconds=30)
    assert not attempt_finalize_if_expired(attempt=attempts[0], now=attempts[0].deadline)  # within the grace
    assert attempt_finalize_if_expired(attempt=attempts[0], now=late)
    by_room = dict(Attempt.objects.values_list("enrollment__written_room", "status").filter(pk=attempts[1].pk))
    assert by_room == {rooms[0].pk: "submitted"}
    assert Attempt.objects.get(pk=attempts[2].pk).status == "in_progress"
    assert attempts_finalize_expired(now=late) == 1
    assert attempts_finalize_expired(now=late) == 0
    rows = Attempt.objects.values_list("status", "submitted_by", "submitted_at", "deadline")
    assert all(status == "submitted" and by == "deadline" and at == deadline for status, by, at, deadline in rows)


def test_objective_items_are_graded_strictly_by_default(enrollment):
    attempt, now = start(enrollment)
    items = list(PaperItem.objects.filter(paper=attempt.paper).select_related("item_version").order_by("position"))
    singles = [i for i in items if i.item_version.type == "single"]
    multiples = [i for i in items if i.item_version.type == "multiple"]
    seq = 0
    for item in singles[:10]:  # 10 right: 10 points
        seq += 1
        answer_save(attempt=attempt, position=item.position, value=key_letters(item), seq=seq, now=now)
    for item in multiples[:3]:  # 3 right: 6 points
        seq += 1
        answer_save(attempt=attempt, position=item.position, value=key_letters(item), seq=seq, now=now)
    for item in multiples[3:5]:  # only part of the key: 0 under the strict policy
        seq += 1
        answer_save(attempt=attempt, position=item.position, value=key_letters(item)[:1], seq=seq, now=now)
    attempt = attempt_submit(attempt=attempt, now=now + timedelta(minutes=30))
    assert attempt.objective_score == Decimal(16)


def test_partial_credit_gives_half_for_a_subset_without_wrong_options(enrollment):
    assembly = enrollment.sitting.assembly
    assembly.blueprint["multiple_policy"] = "partial"
    assembly.save(update_fields=["blueprint"])
    attempt, now = start(enrollment)
    multiple = next(
        i
        for i in PaperItem.objects.filter(paper=attempt.paper).select_related("item_version")
        if i.item_version.type == "multiple"
    )
    answer_save(attempt=attempt, position=multiple.position, value=key_letters(multiple)[:1], seq=1, now=now)
    assert attempt_submit(attempt=attempt, now=now).objective_score == Decimal(1)


@pytest.mark.parametrize(
    ("position", "value", "message"),
    [
        (999, ["A"], "第 999 题不在您的试卷上"),
        (1, ["Z"], "答案只能是本题的选项"),
        (1, ["A", "B"], "单选题只能选一个选项"),
        (1, "A", "选择题的答案应为选项字母列表"),
    ],
)
def test_bad_answers_are_refused_with_their_own_message(enrollment, position, value, message):
    attempt, _ = start(enrollment)
    client = client_for(enrollment.candidate.user)
    # Position 1 is a single-choice item: papers list single choice first.
    response = client.put(
        f"/api/attempts/{attempt.pk}/answers/{position}/", {"value": value, "seq": 1}, content_type="application/json"
    )
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Answer.objects.exists()


def test_a_submitted_attempt_refuses_answers(enrollment):
    attempt, _ = start(enrollment)
    client = client_for(enrollment.candidate.user)
    client.post(f"/api/attempts/{attempt.pk}/submit/")
    response = client.put(
        f"/api/attempts/{attempt.pk}/answers/1/", {"value": ["A"], "seq": 9}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "已交卷，不能再修改答案", "status": "submitted"}


def test_nobody_else_reaches_a_candidates_attempt_or_paper(running, enrollment, examiner):
    attempt, _ = start(enrollment)
    other = (
        Enrollment.objects.filter(sitting=running).exclude(pk=enrollment.pk).select_related("candidate__user").first()
    )
    for user in (other.candidate.user, examiner):
        client = client_for(user)
        assert client.get(f"/api/attempts/{attempt.pk}/").status_code == 404
        assert (
            client.put(
                f"/api/attempts/{attempt.pk}/answers/1/", {"value": ["A"], "seq": 1}, content_type="application/json"
            ).status_code
            == 404
        )
        assert client.post(f"/api/enrollments/{enrollment.pk}/attempt/").status_code == 404


def test_the_paper_reaches_the_browser_without_its_key(enrollment):
    attempt, _ = start(enrollment)
    body = client_for(enrollment.candidate.user).get(f"/api/attempts/{attempt.pk}/").content.decode()
    assert '"answer"' not in body and "rubric" not in body and "explanation" not in body and "依据" not in body
    assert '"questions"' in body


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite serialises writes")
@pytest.mark.django_db(transaction=True)
def test_a_save_racing_the_submit_leaves_one_consistent_result(org, standard):
    synthetic_bank()
    sitting = ready_sitting(org, candidates=1)
    sitting_schedule(sitting=sitting, by=None, seed=2)
    sitting_start(sitting=sitting)
    enrollment = Enrollment.objects.select_related("candidate__user").get(sitting=sitting)
    now = timezone.now()
    attempt = Attempt.objects.create(
        enrollment=enrollment, paper=enrollment.paper, started_at=now, deadline=now + timedelta(hours=1)
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def save():
        barrier.wait()
        try:
            outcomes.append(("saved", answer_save(attempt=attempt, position=1, value=["A"], seq=1).applied))
        except AttemptClosed:
            outcomes.append(("refused", None))
        finally:
            connection.close()

    def submit():
        barrier.wait()
        attempt_submit(attempt=attempt)
        connection.close()

    threads = [threading.Thread(target=save), threading.Thread(target=submit)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    attempt.refresh_from_db()
    assert attempt.status == "submitted"
    saved = Answer.objects.filter(attempt=attempt).exists()
    assert outcomes == [("saved", True)] if saved else outcomes == [("refused", None)]


def _race(*calls) -> list:
    """Run ``calls`` in threads released together; each returns (name, result or the exception)."""
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        barrier.wait()
        try:
            outcomes.append(call())
        except Exception as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def racing_attempt(org, standard):
    """An attempt with two answers, committed so that threads see it (PostgreSQL only)."""
    synthetic_bank()
    sitting = ready_sitting(org, candidates=1)
    sitting_schedule(sitting=sitting, by=None, seed=3)
    sitting_start(sitting=sitting)
    enrollment = Enrollment.objects.get(sitting=sitting)
    now = timezone.now()
    attempt = Attempt.objects.create(
        enrollment=enrollment, paper=enrollment.paper, started_at=now - timedelta(hours=1), deadline=now
    )
    answer_save(attempt=attempt, position=1, value=["A"], seq=1, now=now - timedelta(minutes=5))
    answer_save(attempt=attempt, position=2, value=["B"], seq=2, now=now - timedelta(minutes=5))
    return attempt


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite serialises writes")
@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_give_one_result(racing_attempt):
    Attempt.objects.filter(pk=racing_attempt.pk).update(deadline=timezone.now() + timedelta(minutes=30))
    first, second = _race(
        lambda: attempt_submit(attempt=racing_attempt), lambda: attempt_submit(attempt=racing_attempt)
    )
    assert not isinstance(first, Exception) and not isinstance(second, Exception)
    assert (first.submitted_at, first.objective_score) == (second.submitted_at, second.objective_score)
    attempt = Attempt.objects.get(pk=racing_attempt.pk)
    assert attempt.status == "submitted" and attempt.submitted_at == first.submitted_at


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite serialises writes")
@pytest.mark.django_db(transaction=True)
def test_a_submit_racing_the_sweep_gives_one_result(racing_attempt):
    late = racing_attempt.deadline + timedelta(seconds=30)
    outcomes = _race(
        lambda: attempt_submit(attempt=racing_attempt, now=late),
        lambda: attempts_finalize_expired(now=late),
    )
    assert not any(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    attempt = Attempt.objects.get(pk=racing_attempt.pk)
    # Whoever won, the attempt was submitted once, at its deadline, by the deadline, and graded once.
    assert attempt.status == "submitted" and attempt.submitted_at == racing_attempt.deadline
    assert attempt.submitted_by == "deadline" and attempt.objective_score is not None
    assert attempts_finalize_expired(now=late + timedelta(seconds=5)) == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite serialises writes")
@pytest.mark.django_db(transaction=True)
def test_a_whole_room_asking_at_the_deadline_submits_each_attempt_once(org, standard):
    """Every page of a room asks for the clock (or saves) just past the grace, at once: each gets
    its attempt submitted, graded once and dated at its deadline, whichever request's batch took it."""
    synthetic_bank()
    sitting = ready_sitting(org, candidates=6)
    sitting_schedule(sitting=sitting, by=None, seed=4)
    sitting_start(sitting=sitting)
    room = Room.objects.create(sitting=sitting, kind="written", number=93, name="B293", capacity=30)
    enrollments = list(Enrollment.objects.filter(sitting=sitting).select_related("candidate__user"))
    Enrollment.objects.filter(sitting=sitting).update(written_room=room)
    now = timezone.now()
    attempts = [
        Attempt.objects.create(enrollment=e, paper=e.paper, started_at=now - timedelta(hours=1), deadline=now)
        for e in enrollments
    ]
    late = now + timedelta(seconds=30)
    calls = [
        (lambda a=a, e=e: attempt_clock(attempt=a.pk, user=e.candidate.user, now=late).status)
        for a, e in zip(attempts[:4], enrollments[:4], strict=True)
    ]
    calls += [(lambda a=a: answer_save(attempt=a.pk, position=1, value=["A"], seq=1, now=late)) for a in attempts[4:]]
    outcomes = _race(*calls)  # in the order they finished
    assert outcomes.count("submitted") == 4, outcomes
    assert sum(isinstance(outcome, AttemptClosed) for outcome in outcomes) == 2, outcomes
    rows = Attempt.objects.filter(pk__in=[a.pk for a in attempts]).values_list(
        "status", "submitted_by", "submitted_at", "deadline", "objective_score"
    )
    assert all(
        (status, by, at) == ("submitted", "deadline", deadline) and score is not None
        for status, by, at, deadline, score in rows
    )
    assert not Answer.objects.filter(attempt__in=attempts).exists()  # past the grace: nothing saved
