"""Issue 11 (5, 6): nothing is shown still open past its deadline + grace, extra time cannot
reopen an attempt, the embedded default sweeps in-process, and typing scores only what was saved
by the deadline."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from exams.practical.models import BusinessAttempt, TypingAttempt
from exams.practical.typing import typing_save, typing_start, typing_submit
from exams.sweep import SweepThread, sweep_once
from exams.written.models import Attempt
from tests.conftest import client_for
from tests.security_helpers import day_open_now, day_over_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def over(org, standard):
    return day_over_now(org)


def status(model, pk) -> str:
    return model.objects.get(pk=pk).status


def test_opening_the_written_room_console_submits_an_attempt_past_its_deadline_and_grace(over):
    assert status(Attempt, over.attempt.pk) == "in_progress"  # no beat, no task: still open
    page = client_for(over.invigilators[0]).get(f"/my/rooms/{over.written.pk}/").content.decode()
    attempt = Attempt.objects.get(pk=over.attempt.pk)
    assert attempt.status == "submitted" and attempt.submitted_by == "deadline"
    assert attempt.submitted_at == attempt.deadline
    assert "时间到自动交卷" in page and "答题中" not in page


def test_opening_the_practical_room_submits_typing_and_business_past_their_time(over):
    client_for(over.panel[0]).get(f"/my/rooms/{over.practical.pk}/")
    assert status(TypingAttempt, over.typing.pk) == "submitted"
    assert status(BusinessAttempt, over.business.pk) == "submitted"


def test_the_sitting_page_and_api_submit_every_part_past_its_time(over, hr):
    client_for(hr).get(f"/sittings/{over.sitting.pk}/")
    assert status(Attempt, over.attempt.pk) == "submitted"
    assert status(TypingAttempt, over.typing.pk) == "submitted"


def test_the_sitting_api_submits_every_part_past_its_time(over, hr):
    assert client_for(hr).get(f"/api/sittings/{over.sitting.pk}/").status_code == 200
    assert status(Attempt, over.attempt.pk) == "submitted"
    assert status(BusinessAttempt, over.business.pk) == "submitted"


def test_extra_time_is_refused_after_the_deadline_and_grace_and_the_candidate_cannot_save(over):
    examiner = client_for(over.invigilators[0])
    # The console was opened before the deadline, the form is still on the screen.
    response = examiner.post(
        f"/my/rooms/{over.written.pk}/",
        {"action": "extra_time", "enrollment": over.enrollment.pk, "minutes": "5", "reason": "电脑死机"},
        follow=True,
    )
    assert "该考生的答题时间（含宽限）已结束，答卷将自动提交，不能再延长时间" in response.content.decode()
    attempt = Attempt.objects.get(pk=over.attempt.pk)
    assert attempt.extra_seconds == 0 and attempt.status == "submitted"
    save = client_for(over.candidate).put(
        f"/api/attempts/{attempt.pk}/answers/1/", data={"value": ["A"], "seq": 1}, content_type="application/json"
    )
    assert save.status_code == 409


def test_extra_time_before_the_deadline_is_still_granted(org, standard):
    day = day_open_now(org)
    response = client_for(day.invigilators[0]).post(
        f"/my/rooms/{day.written.pk}/",
        {"action": "extra_time", "enrollment": day.enrollment.pk, "minutes": "5", "reason": "电脑死机"},
        follow=True,
    )
    assert "延长 5 分钟。" in response.content.decode()
    assert Attempt.objects.get(pk=day.attempt.pk).extra_seconds == 300


@pytest.mark.django_db(transaction=True)  # the sweep works on committed rows, with its own connection
def test_the_in_process_sweep_submits_every_part_past_its_time(over):
    # Committed, the attempt's own deadline task may already have run; the other parts have none.
    open_parts = sum(
        model.objects.filter(status="in_progress").count() for model in (Attempt, TypingAttempt, BusinessAttempt)
    )
    assert open_parts >= 2
    assert sweep_once() == open_parts
    assert status(Attempt, over.attempt.pk) == "submitted"
    assert status(TypingAttempt, over.typing.pk) == "submitted"
    assert status(BusinessAttempt, over.business.pk) == "submitted"


def test_manage_py_serve_runs_the_sweep_thread_beside_the_server(monkeypatch):
    started = []
    monkeypatch.setattr(SweepThread, "start", lambda self: started.append(self.interval))
    calls = []
    monkeypatch.setattr(
        "exams.management.commands.serve.call_command", lambda *args, **kwargs: calls.append((args, kwargs))
    )
    call_command("serve", "127.0.0.1:8123")
    assert started == [5]
    assert calls == [(("runserver", "127.0.0.1:8123"), {"use_reloader": False})]


def test_typing_scores_only_the_text_saved_by_the_deadline(org, standard):
    day = day_open_now(org)
    attempt = TypingAttempt.objects.select_related("passage").get(pk=day.typing.pk)
    text = attempt.passage.text.replace("\n", "")
    typing_save(attempt=attempt, text=text[:100], seq=1, now=attempt.deadline - timedelta(seconds=1))
    late = typing_save(attempt=attempt, text=text[:300], seq=2, now=attempt.deadline + timedelta(seconds=8))
    assert late.applied  # a save in flight is kept …
    attempt = typing_submit(attempt=attempt, now=attempt.deadline + timedelta(seconds=20))
    assert attempt.text == text[:300]
    assert attempt.result["typed"] == "100"  # … but not scored


def test_a_typing_test_resumed_after_its_time_is_submitted(org, standard):
    day = day_over_now(org)
    again = typing_start(enrollment=day.enrollment, user=day.candidate)
    assert again.status == "submitted"


def test_starting_a_written_attempt_schedules_no_task_at_its_deadline(org, standard, monkeypatch):
    """Issue 15 (10): a task 60–90 minutes ahead is past Redis's one-hour visibility timeout;
    the 5-second sweep finalises on time, so no per-attempt ETA task is sent."""
    import certify.jobs

    sent, enqueue = [], certify.jobs.enqueue

    def recording(name, *args, eta=None):
        sent.append((name, eta))
        enqueue(name, *args, eta=eta)

    monkeypatch.setattr(certify.jobs, "enqueue", recording)
    day = day_open_now(org)
    assert Attempt.objects.filter(pk=day.attempt.pk).exists()
    from django.test import TestCase

    from exams.written.services import attempt_start

    with TestCase.captureOnCommitCallbacks(execute=True):
        attempt_start(enrollment=day.other, user=day.other.candidate.user)
    assert [name for name, eta in sent if name == "exams.tasks.finalize_attempt" or eta is not None] == []


def test_the_periodic_sweeps_expire_instead_of_piling_up_while_workers_are_down():
    from django.conf import settings

    crontab_periods = {"worker-heartbeat": 60, "exports-purge": 3600}  # every minute, hourly
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        period = crontab_periods[name] if name in crontab_periods else entry["schedule"]
        assert 0 < entry.get("options", {}).get("expires", 0) <= period, name


def test_the_typing_and_business_sweeps_work_in_batches(org, standard):
    day = day_over_now(org)
    user = day.other.candidate.user
    started = day.typing.started_at
    typing_start(enrollment=day.other, user=user, now=started)
    from exams.practical.business import business_finalize_expired, business_start
    from exams.practical.typing import typing_finalize_expired

    business_start(enrollment=day.other, user=user, now=started)
    assert typing_finalize_expired(batch=1) == 2
    assert business_finalize_expired(batch=1) == 2
    assert not TypingAttempt.objects.filter(status="in_progress").exists()
    assert not BusinessAttempt.objects.filter(status="in_progress").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite serialises writes")
@pytest.mark.django_db(transaction=True)
def test_the_typing_and_business_sweeps_skip_rows_another_transaction_holds(org, standard):
    """Like the written sweep: a row a save or another sweep holds is skipped, not waited for."""
    import threading

    from django.db import transaction

    from exams.practical.business import business_finalize_expired, business_start
    from exams.practical.typing import typing_finalize_expired

    day = day_over_now(org)
    user = day.other.candidate.user
    other_typing = typing_start(enrollment=day.other, user=user, now=day.typing.started_at)
    other_business = business_start(enrollment=day.other, user=user, now=day.typing.started_at)
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                list(TypingAttempt.objects.select_for_update().filter(pk=day.typing.pk))
                list(BusinessAttempt.objects.select_for_update().filter(pk=day.business.pk))
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        assert typing_finalize_expired() == 1  # returns at once: the held row is skipped
        assert business_finalize_expired() == 1
        assert status(TypingAttempt, other_typing.pk) == status(BusinessAttempt, other_business.pk) == "submitted"
        assert status(TypingAttempt, day.typing.pk) == status(BusinessAttempt, day.business.pk) == "in_progress"
    finally:
        release.set()
        holder.join()
    assert typing_finalize_expired() == business_finalize_expired() == 1
