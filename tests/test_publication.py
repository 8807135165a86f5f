"""Sign-off and publication: blocked with the exact reasons, one atomic act, candidates see nothing
before it; then re-scores (audited, certificates issued and revoked) and 复核 requests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from certify.people.models import Candidate
from certify.standard.services import standard_revise
from exams.planning.models import RoomKind
from grading.certificates.models import Certificate
from grading.certificates.services import add_years
from grading.results.models import Result, ReviewRequest
from grading.results.selectors import publication_blockers
from grading.results.services import (
    result_rescore,
    review_request_answer,
    review_request_create,
    room_sign_off,
    sitting_publish,
)
from tests.conftest import client_for
from tests.results_helpers import Plan, after, chief_of, played_sitting, sign_off_all


@pytest.fixture
def played(org, standard):
    return played_sitting(
        org, {1: Plan(), 2: Plan(objective_share=0.3, situational_share=0.2), 3: Plan()}, candidates=3
    )


def rooms(sitting):
    return {room.kind: room for room in sitting.rooms.all()}


def test_publication_is_blocked_until_every_room_is_signed_off(played, hr):
    assert publication_blockers(played) == ["A101：考评组长尚未签认", "实训室1：考评组长尚未签认"]
    with pytest.raises(ValidationError) as refused:
        sitting_publish(sitting=played, by=hr, now=after(played))
    assert refused.value.messages == ["A101：考评组长尚未签认", "实训室1：考评组长尚未签认"]
    assert Result.objects.count() == 0


def test_a_practical_room_with_an_unscored_scene_cannot_be_signed_off(org, standard, hr):
    sitting = played_sitting(org, {2: Plan(scene_scored=False)}, candidates=2)
    practical = rooms(sitting)[RoomKind.PRACTICAL]
    with pytest.raises(ValidationError) as refused:
        room_sign_off(room=practical, by=chief_of(practical), now=after(sitting))
    assert refused.value.messages == ["实训室1：1 个情景模拟待评分"]
    assert "实训室1：1 个情景模拟待评分" in publication_blockers(sitting)


def test_only_the_rooms_chief_signs_it_off(played, examiner):
    practical = rooms(played)[RoomKind.PRACTICAL]
    with pytest.raises(PermissionDenied):
        room_sign_off(room=practical, by=examiner, now=after(played))


def test_publication_writes_every_result_and_a_certificate_per_pass(played, hr):
    sign_off_all(played, hr)
    assert publication_blockers(played) == []
    assert sitting_publish(sitting=played, by=hr, now=after(played)) == 3
    played.refresh_from_db()
    assert played.status == "published"
    outcomes = dict(Result.objects.values_list("candidate__employee_no", "outcome"))
    assert outcomes == {"C00001": "passed", "C00002": "failed", "C00003": "passed"}
    certificates = Certificate.objects.order_by("number")
    assert [c.candidate.employee_no for c in certificates] == ["C00001", "C00003"]
    issued_on = timezone.localdate(after(played))  # Beijing's calendar (from 17:00 Beijing: tomorrow)
    assert [c.number for c in certificates] == [f"TEST{issued_on.year}5000001", f"TEST{issued_on.year}5000002"]
    assert all(len(c.verification_code) == 12 for c in certificates)
    assert all(c.issued_on == issued_on and c.valid_until == add_years(issued_on, 3) for c in certificates)
    with pytest.raises(ValidationError) as again:
        sitting_publish(sitting=played, by=hr, now=after(played))
    assert again.value.messages == ["成绩已发布"]


def test_a_certificate_is_of_beijings_year_and_date(played, hr):
    """Published at 00:30 on 1 January in Beijing, while it is still 31 December in UTC: the
    certificate is issued on 1 January and numbered in the new year."""
    sign_off_all(played, hr)
    new_year = datetime(after(played).year, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 January in Beijing
    if new_year <= after(played):
        new_year = new_year.replace(year=new_year.year + 1)
    sitting_publish(sitting=played, by=hr, now=new_year)
    certificate = Certificate.objects.order_by("number").first()
    year = new_year.year + 1
    assert certificate.issued_on == date(year, 1, 1) and certificate.number == f"TEST{year}5000001"


def test_a_certificate_issued_on_29_february_runs_to_28_february():
    assert add_years(date(2028, 2, 29), 3) == date(2031, 2, 28)
    assert add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)
    assert add_years(date(2026, 12, 1), 3) == date(2029, 12, 1)


def test_candidates_see_nothing_before_publication_and_everything_after(played, hr):
    candidate = Candidate.objects.get(employee_no="C00001").user
    client = client_for(candidate)
    assert client.get("/api/my/results/").json() == []
    assert "成绩发布后显示在这里" in client.get("/").content.decode()
    sign_off_all(played, hr)
    sitting_publish(sitting=played, by=hr, now=after(played))
    [result] = client.get("/api/my/results/").json()
    assert result["outcome"] == "passed" and result["outcome_display"] == "合格"
    assert result["written"] == "100.00" and result["written_pass_mark"] == 60 and result["practical_pass_mark"] == 60
    assert set(result) >= {"objective", "situational", "typing", "business", "scene", "practical"}
    assert result["certificates"][0]["status"] == "valid"
    home = client.get("/").content.decode()
    assert "合格" in home and "笔试 100.00 分（合格分 60）" in home


def test_a_standard_edited_after_scheduling_does_not_change_the_sittings_rules(played, hr):
    standard_revise(changes={5: {"written_pass_mark": 95, "practical_pass_mark": 95}}, note="提高合格分", by=hr)
    sign_off_all(played, hr)
    sitting_publish(sitting=played, by=hr, now=after(played))
    result = Result.objects.get(candidate__employee_no="C00001")
    assert result.outcome == "passed" and result.written_pass_mark == 60


def published(played, hr):
    sign_off_all(played, hr)
    sitting_publish(sitting=played, by=hr, now=after(played))
    return {r.candidate.employee_no: r for r in Result.objects.select_related("candidate")}


def test_a_rescore_is_audited_and_a_fail_turned_pass_gets_a_certificate(played, hr):
    results = published(played, hr)
    failed = results["C00002"]
    old = failed.objective
    rescore = result_rescore(
        result=failed, part="objective", new="80", reason="客观题答题卡识别错误", by=hr, now=after(played)
    )
    failed.refresh_from_db()
    assert (rescore.old, rescore.new, rescore.reason, rescore.by, rescore.at) == (
        old,
        Decimal("80.00"),
        "客观题答题卡识别错误",
        hr,
        after(played),
    )
    assert (rescore.outcome_before, rescore.outcome_after) == ("failed", "passed")
    assert failed.outcome == "passed" and failed.written == Decimal(80) + failed.situational
    assert Certificate.objects.filter(result=failed, status="valid").count() == 1


def test_a_pass_turned_fail_revokes_the_certificate_with_the_reason(played, hr):
    results = published(played, hr)
    passed = results["C00001"]
    result_rescore(result=passed, part="business", new="0", reason="业务受理录像复查发现代答", by=hr, now=after(played))
    certificate = Certificate.objects.get(result=passed)
    assert certificate.status == "revoked"
    assert certificate.revoked_reason == "成绩更正后不再合格：业务受理录像复查发现代答"
    passed.refresh_from_db()
    assert passed.outcome == "failed"


def test_a_rescore_with_bad_input_is_refused_and_writes_nothing(played, hr):
    results = published(played, hr)
    for new, reason, message in [
        ("101", "x", "新分数必须是 0–100 之间的数字，最多两位小数"),
        ("abc", "x", "新分数必须是 0–100 之间的数字"),
        ("50", "  ", "请填写更正原因"),
    ]:
        with pytest.raises(ValidationError) as refused:
            result_rescore(result=results["C00001"], part="typing", new=new, reason=reason, by=hr)
        assert refused.value.messages == [message]
    assert not results["C00001"].rescores.exists()


def test_a_review_request_within_the_window_is_answered_and_one_after_it_is_refused(played, hr):
    results = published(played, hr)
    result = results["C00002"]
    user = result.candidate.user
    request = review_request_create(result=result, by=user, reason="情景分析题分数偏低", now=after(played))
    with pytest.raises(ValidationError) as twice:
        review_request_create(result=result, by=user, reason="再次申请", now=after(played))
    assert twice.value.messages == ["已有一份复核申请正在处理，请等待答复"]
    review_request_answer(request=request, by=hr, answer="经复核，评分无误，维持原成绩。", now=after(played))
    page = client_for(user).get(f"/my/results/{result.pk}/").content.decode()
    assert "经复核，评分无误，维持原成绩。" in page
    late = after(played) + timedelta(days=7, minutes=1)
    with pytest.raises(ValidationError) as refused:
        review_request_create(result=result, by=user, reason="太晚了", now=late)
    assert refused.value.messages[0].startswith("复核申请期限已过：成绩发布后 7 天内可以申请")
    assert ReviewRequest.objects.filter(result=result).count() == 1


def test_a_candidate_cannot_request_a_review_of_someone_elses_result(played, hr):
    results = published(played, hr)
    with pytest.raises(PermissionDenied):
        review_request_create(result=results["C00002"], by=results["C00001"].candidate.user, reason="x")


# --- the pages ----------------------------------------------------------------------------------------


def test_the_chief_signs_off_and_the_admin_publishes_on_the_results_page(played, hr):
    practical = rooms(played)[RoomKind.PRACTICAL]
    written = rooms(played)[RoomKind.WRITTEN]
    chief = client_for(chief_of(practical))
    page = chief.get(f"/sittings/{played.pk}/results/").content.decode()
    assert "实训室1" in page and "签认本考场" in page
    assert (
        chief.post(f"/sittings/{played.pk}/results/", {"action": "sign_off", "room": practical.pk}).status_code == 302
    )
    refused = chief.post(f"/sittings/{played.pk}/results/", {"action": "publish"}, follow=True)
    assert "只有认证管理员可以发布成绩" in refused.content.decode()
    admin = client_for(hr)
    admin.post(f"/sittings/{played.pk}/results/", {"action": "sign_off", "room": written.pk})
    assert "A101：考评组长尚未签认" not in admin.get(f"/sittings/{played.pk}/").content.decode()
    published = admin.post(f"/sittings/{played.pk}/results/", {"action": "publish"}, follow=True)
    assert "成绩已发布：共 3 名考生" in published.content.decode()
    assert Result.objects.count() == 3


def test_the_result_page_records_a_rescore_answers_a_request_and_revokes(played, hr):
    result = published(played, hr)["C00001"]
    request = review_request_create(result=result, by=result.candidate.user, reason="实操分数疑问", now=after(played))
    admin = client_for(hr)
    url = f"/results/{result.pk}/"
    bad = admin.post(url, {"action": "rescore", "part": "typing", "new": "150", "reason": "录入错误"}, follow=True)
    assert "新分数必须是 0–100 之间的数字，最多两位小数" in bad.content.decode()
    admin.post(
        url, {"action": "rescore", "part": "typing", "new": "95.5", "reason": "核对原始记录", "request": request.pk}
    )
    admin.post(url, {"action": "answer", "request": request.pk, "answer": "已更正文字阅录成绩"})
    page = admin.get(url).content.decode()
    assert "核对原始记录" in page and "95.50" in page and "周敏" in page and "已更正文字阅录成绩" in page
    certificate = Certificate.objects.get(result=result)
    admin.post(url, {"action": "revoke", "certificate": certificate.pk, "reason": "冒名顶替"})
    certificate.refresh_from_db()
    assert certificate.status == "revoked" and certificate.revoked_reason == "冒名顶替"
    candidate_page = client_for(result.candidate.user).get(f"/my/results/{result.pk}/").content.decode()
    assert "已更正文字阅录成绩" in candidate_page and "已撤销" in candidate_page


def test_the_publication_api_lists_the_blockers_and_publishes(played, hr):
    client = client_for(hr)
    state = client.get(f"/api/sittings/{played.pk}/publication/").json()
    assert state["blockers"] == ["A101：考评组长尚未签认", "实训室1：考评组长尚未签认"]
    assert state["counts"] == {"合格": 2, "不合格": 1, "缺考": 0, "违纪": 0, "成绩未完成": 0}
    refused = client.post(f"/api/sittings/{played.pk}/publication/")
    assert refused.status_code == 400
    assert refused.json() == {"detail": "A101：考评组长尚未签认；实训室1：考评组长尚未签认"}
    sign_off_all(played, hr)
    done = client.post(f"/api/sittings/{played.pk}/publication/")
    assert done.status_code == 200 and done.json()["published"] == 3 and done.json()["status"] == "published"


def test_a_written_room_with_a_candidate_neither_present_nor_marked_absent_cannot_be_signed_off(org, standard, hr):
    sitting = played_sitting(org, {2: Plan(written_missed=True)}, candidates=2)
    written = rooms(sitting)[RoomKind.WRITTEN]
    with pytest.raises(ValidationError) as refused:
        room_sign_off(room=written, by=hr, now=after(sitting))
    assert "A101：1 名考生未参加笔试且未标记缺考" in refused.value.messages


def test_the_admins_results_page_names_the_blockers_checking_each_room_once(played, hr, monkeypatch):
    from grading.results import selectors

    real, checked = selectors.room_blockers, []
    monkeypatch.setattr(selectors, "room_blockers", lambda room: checked.append(room.pk) or real(room))
    page = client_for(hr).get(f"/sittings/{played.pk}/results/").content.decode()
    assert "A101：考评组长尚未签认" in page and "实训室1：考评组长尚未签认" in page
    assert sorted(checked) == sorted(room.pk for room in played.rooms.all())
