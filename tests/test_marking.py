"""Marking situational answers (issue 12): scripts, the blind queue, double marking, 三评,
arbitration, 回评, control scripts and drift, the written score, and who may see what."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client, TestCase
from django.utils import timezone

from certify.people.tokens import api_token_issue
from exams.planning.models import Enrollment
from exams.written.models import Attempt
from exams.written.services import attempt_start, attempt_submit
from grading.marking.models import Script, ScriptStatus, Task, TaskStatus, WrittenScore
from grading.marking.scripts import marking_prepare, marking_settings, marking_sweep, scripts_create
from grading.marking.selectors import marker_stats, sitting_progress, written_scores
from grading.marking.services import (
    control_set,
    marker_pause,
    marker_resume,
    marking_settings_update,
    script_arbitrate,
    task_claim,
    task_submit,
    team_member_add,
)
from tests.conftest import client_for
from tests.exam_helpers import running_now, synthetic_bank
from tests.marking_helpers import attempts_of, first_item, full, mark, marker, sat_sitting, team

pytestmark = pytest.mark.django_db


@pytest.fixture
def sitting(org, standard):
    synthetic_bank()
    return sat_sitting(org, candidates=4)


@pytest.fixture
def markers(sitting):
    return team(sitting, "m1", "m2", "m3")


def busiest_item(sitting):
    from django.db.models import Count

    from grading.marking.models import MarkingItem

    return MarkingItem.objects.filter(sitting=sitting).annotate(n=Count("scripts")).order_by("-n", "pk").first()


# --- scripts ---------------------------------------------------------------------------------


def test_a_submitted_attempt_becomes_one_script_per_situational_answer_at_once(org, standard):
    synthetic_bank()
    live = running_now(org, candidates=1)
    enrollment = Enrollment.objects.select_related("candidate__user").get(sitting=live)
    attempt = attempt_start(enrollment=enrollment, user=enrollment.candidate.user)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the submit path enqueues the job after commit
        attempt_submit(attempt=attempt)
    scripts = list(Script.objects.filter(attempt=attempt))
    assert len(scripts) == 2  # a level-5 paper has two situational items
    # Nothing was answered: each empty answer is a script marked 0 by the system, with no task.
    assert {(s.status, s.final_mark, s.rule) for s in scripts} == {("final", Decimal(0), "empty")}
    assert not Task.objects.filter(script__attempt=attempt).exists()
    score = WrittenScore.objects.get(attempt=attempt)
    assert score.complete and score.total == score.objective


def test_making_scripts_twice_changes_nothing_and_the_sweep_makes_missed_ones(sitting):
    before = (Script.objects.count(), Task.objects.count())
    assert scripts_create(attempt_ids=attempts_of(sitting).values_list("pk", flat=True)) == 0
    assert marking_sweep()["attempts"] == 0
    assert (Script.objects.count(), Task.objects.count()) == before
    codes = set(Script.objects.values_list("code", flat=True))
    assert len(codes) == before[0] and all(len(code) == 10 for code in codes)
    # Lost scripts (as if the job never ran) are made again by the sweep.
    attempt = attempts_of(sitting).first()
    Task.objects.filter(script__attempt=attempt).delete()
    Script.objects.filter(attempt=attempt).delete()
    WrittenScore.objects.filter(attempt=attempt).delete()
    assert marking_sweep()["attempts"] == 1
    assert Script.objects.count() == before[0]
    assert Task.objects.filter(script__attempt=attempt).count() == 2 * Script.objects.filter(attempt=attempt).count()


def test_the_sitting_moves_to_marking_when_the_written_window_is_over(org, standard):
    synthetic_bank()
    live = running_now(org, candidates=2)
    enrollment = Enrollment.objects.select_related("candidate__user").filter(sitting=live).first()
    attempt = attempt_start(enrollment=enrollment, user=enrollment.candidate.user)
    assert marking_prepare(sitting=live).status == "in_progress"
    after = live.written_end + timedelta(minutes=1)
    live = marking_prepare(sitting=live, now=after)
    attempt.refresh_from_db()
    assert live.status == "marking" and attempt.status == "submitted"  # finalised on the way
    assert Script.objects.filter(attempt=attempt).count() == 2


# --- blindness and access ---------------------------------------------------------------------


def identifying(sitting) -> list[str]:
    out = []
    for e in Enrollment.objects.filter(sitting=sitting).select_related("candidate__hall", "written_room"):
        out += [e.candidate.name, e.candidate.employee_no, e.admission_no, e.candidate.hall.name, e.written_room.name]
    return out


def test_the_marker_sees_nothing_of_the_candidate_nor_a_co_markers_mark(sitting, markers):
    (a, b, _c), _chief = markers
    item = busiest_item(sitting)
    first = task_claim(marker=a, item=item)
    task_submit(task=first, marker=a, awards=full(item, 3), comment="同事的评语：要点不全")
    second = task_claim(marker=b, item=item)
    assert second.script_id == first.script_id  # the same script, independently
    page = client_for(b).get(f"/marking/t/{second.code}/").content.decode()
    api = client_for(b).get(f"/api/marking/tasks/{second.code}/").content.decode()
    for body in (page, api):
        for secret in identifying(sitting):
            assert secret not in body
        assert first.code not in body and second.script.code not in body and "同事的评语" not in body
        assert "阅卷员m1" not in body
    assert '"mine":null' in api.replace(" ", "")
    # After submitting their own, still no one else's mark or comment.
    response = client_for(b).post(
        f"/api/marking/tasks/{second.code}/mark/", {"awards": full(item, 9)}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.content.decode()
    flat = body.replace(" ", "")
    assert "同事的评语" not in body and '"total":"9"' in flat
    assert '"total":"3"' not in flat and '"awards":["3"]' not in flat and "final" not in flat


def test_no_mark_is_ever_filled_in_for_the_marker(sitting, markers):
    (a, *_), _chief = markers
    item = busiest_item(sitting)
    rubric = [{"point": "复述确认", "points": 4, "phrasings": ["复述"]}, {"point": "服务需求", "points": 6}]
    item.item_version.rubric = rubric
    item.item_version.save(update_fields=["rubric"])
    task = task_claim(marker=a, item=item)
    body = client_for(a).get(f"/marking/t/{task.code}/").content.decode()
    assert 'class="hint hint-hit" data-testid="hint-0"' in body  # the answer says 复述: a hint…
    assert "checked" not in body  # …and still no key point has a mark chosen
    assert 'data-testid="total">—<' in body
    data = client_for(a).get(f"/api/marking/tasks/{task.code}/").json()
    assert data["mine"] is None and data["rubric"][0]["hint"] == "hit"
    with pytest.raises(ValidationError, match="请为第 2 个要点"):
        task_submit(task=task, marker=a, awards=["4", ""])


def test_outsiders_get_403_or_404_on_every_marking_url(sitting, markers, candidate, examiner):
    (a, _b, _c), _chief = markers
    item = busiest_item(sitting)
    task = task_claim(marker=a, item=item)
    script = task.script
    s = sitting.pk
    pages = [
        ("get", f"/marking/t/{task.code}/"),
        ("post", f"/marking/t/{task.code}/"),
        ("post", f"/marking/items/{item.pk}/next/"),
        ("get", f"/marking/s/{script.code}/arbitrate/"),
        ("get", f"/marking/sittings/{s}/"),
        ("get", f"/marking/sittings/{s}/dashboard/"),
        ("get", f"/marking/sittings/{s}/controls/"),
        ("post", f"/marking/sittings/{s}/markers/{a.pk}/pause/"),
        ("get", f"/api/marking/tasks/{task.code}/"),
        ("post", f"/api/marking/tasks/{task.code}/mark/"),
        ("put", f"/api/marking/tasks/{task.code}/mark/"),
        ("post", f"/api/marking/items/{item.pk}/claim/"),
        ("put", f"/api/marking/items/{item.pk}/tolerance/"),
        ("get", f"/api/marking/scripts/{script.code}/arbitration/"),
        ("post", f"/api/marking/scripts/{script.code}/arbitration/"),
        ("get", f"/api/marking/sittings/{s}/progress/"),
        ("get", f"/api/marking/sittings/{s}/dashboard/"),
        ("get", f"/api/marking/sittings/{s}/arbitration/"),
        ("get", f"/api/marking/sittings/{s}/controls/"),
        ("post", f"/api/marking/sittings/{s}/controls/"),
        ("post", f"/api/marking/sittings/{s}/markers/{a.pk}/pause/"),
        ("get", f"/api/marking/sittings/{s}/team/"),
        ("post", f"/api/marking/sittings/{s}/team/"),
        ("get", f"/api/marking/sittings/{s}/settings/"),
        ("put", f"/api/marking/sittings/{s}/settings/"),
    ]
    outsider_marker = marker("outsider")  # an examiner, not on this sitting's team
    for user, allowed in ((candidate.user, {403}), (examiner, {403, 404}), (outsider_marker, {403, 404})):
        client = client_for(user)
        for method, url in pages:
            response = getattr(client, method)(url, {}, content_type="application/json")
            assert response.status_code in allowed, (user.username, method, url, response.status_code)
    # A candidate may not even open the marking home; an examiner outside the team sees it empty.
    for url in ("/marking/", "/api/marking/work/"):
        assert client_for(candidate.user).get(url).status_code == 403
    assert client_for(outsider_marker).get("/api/marking/work/").json() == {
        "items": [],
        "recent": [],
        "arbitration": [],
    }
    # A team marker may not open another marker's task, nor arbitrate.
    assert client_for(markers[0][1]).get(f"/marking/t/{task.code}/").status_code == 404
    assert client_for(markers[0][1]).get(f"/marking/s/{script.code}/arbitrate/").status_code == 404


# --- the queue ----------------------------------------------------------------------------------


def test_a_marker_never_gets_the_same_script_twice_and_asking_again_returns_the_held_one(sitting, markers):
    (a, b, _c), _chief = markers
    item = busiest_item(sitting)
    held = task_claim(marker=a, item=item)
    assert task_claim(marker=a, item=item).pk == held.pk
    seen = []
    task = held
    while task is not None:
        seen.append(task.script_id)
        task_submit(task=task, marker=a, awards=full(item, 5))
        task = task_claim(marker=a, item=item)
    assert len(seen) == len(set(seen)) == item.scripts.count()
    # Each script still has its second slot, for someone else.
    assert task_claim(marker=b, item=item).script_id in seen


def test_a_claim_and_a_submit_each_cost_a_handful_of_queries(sitting, markers, django_assert_max_num_queries):
    """The marking benchmark's hot path (issue 12: claim + submit p95 ≤ 100 ms with 40 markers):
    every query is a round trip on a busy server, so their number is held here, not their time.
    The second marker's submit settles the script (final mark, written score) and costs more."""
    (a, b, _c), _chief = markers
    item = busiest_item(sitting)
    awards = full(item, 5)
    # Counted as the test sees them: the transaction's SAVEPOINT and RELEASE are two of them.
    for marker_, submit_limit in ((a, 8), (b, 13)):
        _token, key = api_token_issue(user=marker_)
        client = Client(HTTP_AUTHORIZATION=f"Token {key}")  # as the benchmark's markers call it
        client.post(f"/api/marking/items/{item.pk}/claim/")  # the first request also prepares the sitting
        # token, item, membership + pause, held claim, lock, claim
        with django_assert_max_num_queries(8):
            task = client.post(f"/api/marking/items/{item.pk}/claim/").json()
        with django_assert_max_num_queries(submit_limit):
            response = client.post(
                f"/api/marking/tasks/{task['code']}/mark/", {"awards": awards}, content_type="application/json"
            )
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "submitted"


def test_an_expired_lease_returns_the_script_to_the_queue(sitting, markers):
    (a, b, _c), _chief = markers
    item = busiest_item(sitting)
    now = timezone.now()
    held = task_claim(marker=a, item=item, now=now)
    assert held.lease_until == now + timedelta(minutes=20)
    # Before the lease runs out b gets the script's other slot, after it the same task.
    other = task_claim(marker=b, item=item, now=now + timedelta(minutes=19))
    assert other.pk != held.pk
    task_submit(task=other, marker=b, awards=full(item, 5))
    m4 = marker("m4")
    team_member_add(sitting=sitting, user=m4)
    late = task_claim(marker=m4, item=item, now=now + timedelta(minutes=21))
    assert late.pk == held.pk
    with pytest.raises(ValidationError, match="领取已超时，这份试卷已交给其他阅卷员"):
        task_submit(task=held, marker=a, awards=full(item, 5))


def test_the_own_hall_rule_keeps_a_marker_from_their_halls_candidates(sitting, org):
    same_hall = marker("local", hall=org.hall)
    team_member_add(sitting=sitting, user=same_hall)
    item = busiest_item(sitting)
    got = []
    while (task := task_claim(marker=same_hall, item=item)) is not None:
        got.append(task.script)
        task_submit(task=task, marker=same_hall, awards=full(item, 5))
    assert got and all(script.hall_id != org.hall.pk for script in got)
    assert item.scripts.filter(hall=org.hall).exists()  # there were some: never given
    problems = " ".join(sitting_progress(sitting).problems)
    assert "同属一个营业厅" in problems  # no one else may mark them: the admin is told


# --- double marking, 三评, arbitration, single marking ---------------------------------------------


@pytest.mark.parametrize(("second", "status", "final"), [(8, "final", Decimal("7")), (9, "marking", None)])
def test_double_marking_at_the_tolerance_boundary(sitting, markers, second, status, final):
    """Tolerance 20 % of 10 points = 2: a difference of exactly 2 takes the mean, 3 goes to 三评."""
    (a, b, _c), _chief = markers
    item = busiest_item(sitting)
    one = mark(a, item, 6)
    mark(b, item, second)
    script = Script.objects.get(pk=one.script_id)
    assert (script.status, script.final_mark) == (status, final)
    assert script.tasks.filter(slot=3).exists() is (status == "marking")
    if final is not None:
        assert script.rule == "two_within" and script.decided_by is None and len(script.basis) == 2


def test_a_third_mark_is_averaged_with_the_closer_one(sitting, markers):
    (a, b, c), _chief = markers
    item = busiest_item(sitting)
    one, two = mark(a, item, 4), mark(b, item, 8)
    third = task_claim(marker=c, item=item)
    assert third.script_id == one.script_id and third.slot == 3  # 三评 comes first in the queue
    task_submit(task=third, marker=c, awards=full(item, 7))
    script = Script.objects.get(pk=one.script_id)
    assert (script.status, script.final_mark, script.rule) == ("final", Decimal("7.5"), "third_closest")
    assert script.basis == [two.code, third.code]
    assert Task.objects.filter(script=script, status=TaskStatus.SUBMITTED).count() == 3  # every mark kept


def test_the_chief_arbitrates_with_a_reason_when_the_three_disagree(sitting, markers):
    (a, b, c), chief = markers
    item = busiest_item(sitting)
    one = mark(a, item, 2)
    mark(b, item, 8)
    mark(c, item, 5)
    script = Script.objects.get(pk=one.script_id)
    assert script.status == ScriptStatus.ARBITRATION
    view = client_for(chief).get(f"/api/marking/scripts/{script.code}/arbitration/").json()
    assert sorted(m["total"] for m in view["marks"]) == ["2", "5", "8"]  # the chief sees every mark
    with pytest.raises(PermissionDenied):
        script_arbitrate(script=script, chief=a, awards=full(item, 5), reason="我觉得 5 分")
    response = client_for(chief).post(
        f"/api/marking/scripts/{script.code}/arbitration/",
        {"awards": full(item, 6), "reason": "  "},
        "application/json",
    )
    assert response.status_code == 400 and response.json()["detail"] == "请填写仲裁理由"
    script_arbitrate(script=script, chief=chief, awards=full(item, 6), reason="要点二表述不完整，给 6 分")
    script.refresh_from_db()
    assert (script.status, script.final_mark, script.rule, script.decided_by) == (
        "final",
        Decimal(6),
        "arbitration",
        chief,
    )
    assert script.arbitration.reason == "要点二表述不完整，给 6 分" and len(script.basis) == 3
    assert written_scores([script.attempt_id])[script.attempt_id].situational >= Decimal(6)


def test_single_marking_needs_one_mark_and_the_mode_is_fixed_once_marks_are_in(sitting, markers):
    (a, _b, _c), _chief = markers
    marking_settings_update(sitting=sitting, double_marking=False)
    item = busiest_item(sitting)
    assert Task.objects.filter(script__item=item).count() == item.scripts.count()  # one slot each
    task = mark(a, item, 7)
    script = Script.objects.get(pk=task.script_id)
    assert (script.status, script.final_mark, script.rule) == ("final", Decimal(7), "single")
    with pytest.raises(ValidationError, match="不能再更改评阅方式或误差阈值"):
        marking_settings_update(sitting=sitting, double_marking=True)
    with pytest.raises(ValidationError, match="领取后保留时间"):
        marking_settings_update(sitting=sitting, lease_minutes=0)


def test_a_marker_revises_their_mark_before_the_script_is_final(sitting, markers):
    (a, b, _c), _chief = markers
    item = busiest_item(sitting)
    one = mark(a, item, 2)
    client = client_for(a)
    response = client.put(f"/api/marking/tasks/{one.code}/mark/", {"awards": full(item, 7)}, "application/json")
    assert response.status_code == 200 and response.json()["mine"]["total"] == "7"
    one.refresh_from_db()
    assert one.total == 7 and one.history[0]["total"] == "2"  # the old mark is kept
    mark(b, item, 8)
    script = Script.objects.get(pk=one.script_id)
    assert (script.status, script.final_mark) == ("final", Decimal("7.5"))
    response = client.put(f"/api/marking/tasks/{one.code}/mark/", {"awards": full(item, 9)}, "application/json")
    assert response.status_code == 400 and response.json()["detail"] == "这份试卷已定分，不能再修改"


def test_the_written_score_is_the_objective_points_plus_the_final_marks(sitting, markers):
    (a, b, _c), _chief = markers
    attempt = attempts_of(sitting).first()
    Attempt.objects.filter(pk=attempt.pk).update(objective_score=Decimal("41.0"))
    scores = written_scores([attempt.pk])
    assert not scores[attempt.pk].complete and len(scores[attempt.pk].missing) == 2
    assert scores[attempt.pk].missing[0].endswith("待一评")
    marks = {}
    for script in Script.objects.filter(attempt=attempt).select_related("item"):
        for user, total in ((a, 6), (b, 7)):
            task = Task.objects.get(script=script, slot=1 if user == a else 2)
            Task.objects.filter(pk=task.pk).update(marker=user, status="claimed", lease_until=timezone.now())
            task_submit(task=task, marker=user, awards=full(script.item, total))
        marks[script.pk] = Decimal("6.5")
    view = written_scores([attempt.pk])[attempt.pk]
    assert view.complete and view.missing == []
    assert view.total == Decimal("41.0") + sum(marks.values()) == Decimal("54.0")
    assert (view.objective, view.situational) == (Decimal("41.0"), Decimal("13.0"))


# --- control scripts, drift, pauses --------------------------------------------------------------


def test_control_scripts_are_served_blind_and_a_drifting_marker_is_flagged_and_paused(sitting, markers):
    (a, b, c), chief = markers
    item = busiest_item(sitting)
    finals = []
    for _ in range(2):
        task = mark(a, item, 6)
        mark(b, item, 6)
        finals.append(Script.objects.get(pk=task.script_id))
    for script in finals:
        control_set(script=script, chief=chief, reference_mark="6")
    with pytest.raises(PermissionDenied):
        control_set(script=finals[0], chief=a, reference_mark="6")
    settings = marking_settings(sitting)
    settings.control_rate_percent = 50
    settings.save()
    import random

    random.seed(3)
    served = []
    for _ in range(6):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(random, "random", lambda: 0.0)  # always draw a control while one is left
            task = task_claim(marker=c, item=item)
        if task is None:
            break
        body = client_for(c).get(f"/api/marking/tasks/{task.code}/").content.decode()
        assert "自测" not in body and "control" not in body and task.script.code not in body  # blind
        if task.kind == "control":
            served.append(task.control_id)
        task_submit(task=task, marker=c, awards=full(item, 9))  # three points above the reference
    assert len(served) == 2 == len(set(served))
    for script in finals:
        script.refresh_from_db()
        assert script.final_mark == 6  # a control mark never changes the script's mark
    stats = {s.user.username: s for s in marker_stats(sitting)}
    assert stats["m3"].control_count == 2 and stats["m3"].control_mean == Decimal("30.00")
    assert stats["m3"].drift.flagged and not stats["m1"].drift.flagged
    dashboard = client_for(chief).get(f"/marking/sittings/{sitting.pk}/dashboard/").content.decode()
    assert 'data-testid="flag-m3"' in dashboard
    with pytest.raises(ValidationError, match="请填写暂停原因"):
        marker_pause(sitting=sitting, marker=c, chief=chief, reason="")
    marker_pause(sitting=sitting, marker=c, chief=chief, reason="自测卷偏高 30%，请先与组长沟通")
    with pytest.raises(ValidationError, match="阅卷组长已暂停您的阅卷：自测卷偏高"):
        task_claim(marker=c, item=item)
    marker_resume(sitting=sitting, marker=c, chief=chief)
    task_claim(marker=c, item=item)


# --- the API and the pages ------------------------------------------------------------------------


def test_a_bad_mark_is_refused_with_the_key_point_named_and_nothing_is_written(sitting, markers):
    (a, *_), _chief = markers
    item = busiest_item(sitting)
    client = client_for(a)
    task = client.post(f"/api/marking/items/{item.pk}/claim/").json()
    assert [p["choices"][-1] for p in task["rubric"]] == ["10"]
    for body, message in (
        ({"awards": ["11"]}, "第 1 个要点“要点”的得分应为 0、1、2"),
        ({"awards": ["x"]}, "第 1 个要点“要点”的得分应为"),
        ({"awards": []}, "本题有 1 个评分要点，请逐一给分"),
        ({"awards": "7"}, "“各要点得分”"),
        ({}, "“各要点得分”"),
    ):
        response = client.post(f"/api/marking/tasks/{task['code']}/mark/", body, "application/json")
        assert response.status_code == 400 and message in response.json()["detail"], response.json()
    assert not Task.objects.filter(status=TaskStatus.SUBMITTED).exists()


def test_the_marking_pages_take_a_marker_from_one_script_to_the_next(sitting, markers):
    (a, *_), _chief = markers
    item = busiest_item(sitting)
    client = client_for(a)
    home = client.get("/marking/").content.decode()
    assert f'data-testid="waiting-{item.pk}">{item.scripts.count()}<' in home
    response = client.post(f"/marking/items/{item.pk}/next/")
    first = Task.objects.get(marker=a)
    assert response.status_code == 302 and response["Location"] == f"/marking/t/{first.code}/"
    response = client.post(f"/marking/t/{first.code}/", {"award-0": "8", "comment": "要点齐全"})
    second = Task.objects.get(marker=a, status="claimed")
    assert response["Location"] == f"/marking/t/{second.code}/"  # the next one at once
    first.refresh_from_db()
    assert (first.total, first.comment) == (8, "要点齐全")
    page = client.post(f"/marking/t/{second.code}/", {"award-0": "12"})
    assert page.status_code == 400 and "的得分应为" in page.content.decode()


def test_the_admin_sets_the_team_and_settings_and_sees_the_progress(sitting, hr, examiner):
    client = client_for(hr)
    page = client.get(f"/marking/sittings/{sitting.pk}/").content.decode()
    assert "还没有阅卷员" in page
    client.post(f"/marking/sittings/{sitting.pk}/", {"action": "add", "user": examiner.pk})
    assert sitting.marking_team.filter(user=examiner, is_chief=False).exists()
    response = client.post(
        f"/marking/sittings/{sitting.pk}/",
        {"action": "settings", "double_marking": "on", "tolerance_percent": "150", "lease_minutes": "20"},
        follow=True,
    )
    assert "“误差阈值（%）”应为 0–100 的整数" in response.content.decode()
    assert marking_settings(sitting).tolerance_percent == 20
    data = client.get(f"/api/marking/sittings/{sitting.pk}/progress/").json()
    assert data["scripts"] == Script.objects.filter(item__sitting=sitting).count() and data["final"] == 0
    response = client.post(f"/api/marking/sittings/{sitting.pk}/team/", {"username": "nobody"}, "application/json")
    assert response.status_code == 400 and "nobody" in response.json()["detail"]
    response = client.post(f"/api/marking/sittings/{sitting.pk}/team/", {"is_chief": "x"}, "application/json")
    assert (
        response.status_code == 400
        and "“账号”" in response.json()["detail"]
        and "“阅卷组长”" in response.json()["detail"]
    )
    for form in ({"action": "add", "user": "abc"}, {"action": "remove", "member": "1; drop"}, {"action": "tolerance"}):
        assert client.post(f"/marking/sittings/{sitting.pk}/", form).status_code == 404  # never a 500
    response = client.put(f"/api/marking/sittings/{sitting.pk}/settings/", {"lease_minutes": "abc"}, "application/json")
    assert response.status_code == 400 and "“领取后保留时间（分钟）”" in response.json()["detail"]
    sitting_page = client.get(f"/sittings/{sitting.pk}/").content.decode()
    assert f'href="/marking/sittings/{sitting.pk}/"' in sitting_page


def test_the_examiners_home_lists_marking_waiting_for_them(sitting, markers):
    (a, *_), _chief = markers
    page = client_for(a).get("/").content.decode()
    assert 'data-testid="to-mark"' in page and "待领取" in page


# --- concurrency (PostgreSQL) ------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite serialises writes")
@pytest.mark.django_db(transaction=True)
def test_markers_claiming_at_the_same_time_never_get_the_same_task(org, standard):
    synthetic_bank()
    sitting = sat_sitting(org, candidates=6)
    users = [marker(f"race{n}") for n in range(8)]
    for user in users:
        team_member_add(sitting=sitting, user=user)
    item = first_item(sitting)
    barrier = threading.Barrier(len(users))
    claims, errors = [], []

    def claim(user):
        try:
            barrier.wait()
            for _ in range(3):
                task = task_claim(marker=user, item=item)
                if task is None:
                    return
                claims.append((task.pk, task.script_id, user.pk))
                task_submit(task=task, marker=user, awards=full(item, 5))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    tasks = [pk for pk, _script, _user in claims]
    assert len(tasks) == len(set(tasks)) == 2 * item.scripts.count()  # every slot once, none twice
    pairs = [(script, user) for _pk, script, user in claims]
    assert len(pairs) == len(set(pairs))  # no marker marked a script twice
    assert all(s.status == "final" for s in Script.objects.filter(item=item))
