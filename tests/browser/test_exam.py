"""A candidate sits the written exam in Chromium: answers survive reloads and network cuts; time runs out."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from certify.people.models import ApiToken
from certify.people.tokens import api_token_revoke, key_digest
from exams.planning.models import Enrollment
from exams.written import fast_api
from exams.written.models import Answer, Attempt
from tests.conftest import login
from tests.exam_helpers import running_now, synthetic_bank
from tests.test_lean_save import spy_on_edge

pytestmark = pytest.mark.browser
PASSWORD = "Exam-pass-2026"


@pytest.fixture
def candidate_on_exam(org, standard):
    synthetic_bank()
    sitting = running_now(org)
    enrollment = Enrollment.objects.filter(sitting=sitting).select_related("candidate__user").order_by("seat").first()
    enrollment.candidate.user.set_password(PASSWORD)
    enrollment.candidate.user.save()
    return enrollment


def open_exam(page, live_server, enrollment):
    login(page, live_server, enrollment.candidate.employee_no, PASSWORD)
    page.get_by_role("link", name="进入笔试").click()
    page.get_by_role("button", name="开始答题").click()
    expect(page.locator("#q1")).to_be_visible()


def test_answers_are_saved_and_survive_a_reload(page, live_server, candidate_on_exam):
    open_exam(page, live_server, candidate_on_exam)
    expect(page.get_by_test_id("clock")).to_have_text(re.compile(r"^(60:00|59:5\d)$"))
    page.locator("#q1 .option").nth(1).click()
    page.locator("#q2 .option").nth(0).click()
    expect(page.get_by_test_id("save-state")).to_contain_text("已保存")
    page.reload()
    expect(page.locator("#q1 input[value=B]")).to_be_checked()
    expect(page.locator("#q2 input[value=A]")).to_be_checked()
    expect(page.locator("[data-nav='1']")).to_have_class("answered")
    attempt = Attempt.objects.get(enrollment=candidate_on_exam)
    assert dict(Answer.objects.filter(attempt=attempt).values_list("position", "response")) == {1: ["B"], 2: ["A"]}


def test_answers_made_offline_are_queued_and_saved_when_the_network_returns(page, live_server, candidate_on_exam):
    open_exam(page, live_server, candidate_on_exam)
    page.context.set_offline(True)
    page.locator("#q3 .option").nth(2).click()
    expect(page.get_by_test_id("save-state")).to_have_text("未保存，正在重试")
    attempt = Attempt.objects.get(enrollment=candidate_on_exam)
    assert not Answer.objects.filter(attempt=attempt, position=3).exists()
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.get_by_test_id("save-state")).to_contain_text("已保存")
    assert Answer.objects.get(attempt=attempt, position=3).response == ["C"]


def test_the_clock_reaching_zero_shows_the_submitted_state(page, live_server, candidate_on_exam, settings):
    settings.CERTIFY_SAVE_GRACE_SECONDS = 4
    open_exam(page, live_server, candidate_on_exam)
    attempt = Attempt.objects.get(enrollment=candidate_on_exam)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=3))
    clock_requests = []
    page.on("request", lambda request: "/clock/" in request.url and clock_requests.append(request.url))
    page.reload()
    expect(page.get_by_test_id("submitted")).to_be_visible(timeout=25_000)
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.submitted_by == "deadline"
    # At zero the page asks once, then after the grace at a random moment (not every second): a
    # whole sitting reaches zero together.
    assert 1 <= len(clock_requests) <= 3, clock_requests
    expect(page.get_by_test_id("written-summary")).to_contain_text("答案不能再修改")
    expect(page.locator(".question")).to_have_count(0)  # the summary is served without the paper


def test_the_submit_dialog_names_the_unanswered_questions(page, live_server, candidate_on_exam):
    open_exam(page, live_server, candidate_on_exam)
    page.locator("#q1 .option").nth(0).click()
    expect(page.get_by_test_id("save-state")).to_contain_text("已保存")
    page.get_by_role("button", name="交卷").click()
    expect(page.get_by_test_id("unanswered")).to_contain_text("还有 61 题未作答：第 2、3、4")
    page.get_by_role("button", name="确认交卷").click()
    expect(page.get_by_test_id("submitted")).to_be_visible()
    attempt = Attempt.objects.get(enrollment=candidate_on_exam)
    assert attempt.submitted_by == "candidate"

    # Issue 15 (3): one clear state, the same after a reload and on the home page: when it was
    # handed in, how much was answered, what comes next; no clock, no 尚未作答, no 逐题显示.
    at = timezone.localtime(attempt.submitted_at).strftime("%H:%M")
    for _ in range(2):
        expect(page.get_by_test_id("written-summary")).to_have_text(
            f"您的答卷已于 {at} 提交，共作答 1 / 62 题。答案不能再修改。"
        )
        expect(page.get_by_test_id("written-state")).to_have_text(f"已交卷 {at}")
        expect(page.get_by_test_id("next-step")).to_contain_text("技能操作考试")
        for gone in ("剩余时间", "尚未作答", "逐题显示"):
            expect(page.locator("#exam")).not_to_contain_text(gone)
        expect(page.get_by_test_id("clock")).to_have_count(0)
        page.reload()
    page.goto(live_server.url + "/")
    expect(page.get_by_test_id("written-state")).to_have_text(f"笔试已交卷 {at}（已答 1 / 62 题）")
    expect(page.get_by_role("link", name="进入笔试")).to_have_count(0)


def test_the_examiner_pauses_the_room_and_the_candidates_clock_stops(page, browser, live_server, candidate_on_exam):
    from exams.planning.models import Room

    open_exam(page, live_server, candidate_on_exam)
    room = Room.objects.get(sitting=candidate_on_exam.sitting, kind="written")
    examiner = room.assignments.first().examiner
    examiner.set_password(PASSWORD)
    examiner.save()

    console = browser.new_context(locale="zh-CN").new_page()
    login(console, live_server, examiner.username, PASSWORD)
    console.goto(f"{live_server.url}/my/rooms/{room.pk}/")
    console.get_by_test_id("room-control").get_by_label("原因").fill("考场停电")
    console.get_by_role("button", name="暂停考场").click()
    expect(console.get_by_test_id("room-paused")).to_be_visible()

    expect(page.get_by_test_id("paused")).to_be_visible(timeout=40_000)  # within one clock resync
    stopped = page.get_by_test_id("clock").inner_text()
    page.wait_for_timeout(2500)
    expect(page.get_by_test_id("clock")).to_have_text(stopped)
    expect(page.locator("#q1 input").first).to_be_disabled()

    console.get_by_test_id("room-control").get_by_label("原因").fill("来电")
    console.get_by_role("button", name="恢复考场").click()
    expect(page.get_by_test_id("paused")).to_be_hidden(timeout=10_000)
    expect(page.locator("#q1 input").first).to_be_enabled()
    console.context.close()


# --- issue 17: the page's own token, and the WSGI edge in front of the live server ---


@pytest.fixture
def edge(live_server, monkeypatch):
    """The live server behind the production edge (``with_fast_save``, as ``certify.wsgi``);
    yields the replies of the saves and the starts the edge answered itself."""
    server = live_server.thread.httpd
    django_app = server.get_app()
    replies = SimpleNamespace(
        saves=spy_on_edge(monkeypatch, "fast_save"), starts=spy_on_edge(monkeypatch, "fast_start")
    )
    server.set_app(fast_api.with_fast_save(django_app))
    yield replies
    server.set_app(django_app)


def page_token(page) -> str:
    key = page.locator("#exam").get_attribute("data-token")
    assert key
    return key


def test_the_pages_saves_and_clock_polls_carry_its_token_and_the_edge_answers_the_saves(
    page, live_server, candidate_on_exam, edge
):
    sent = []
    page.on(
        "request",
        lambda r: sent.append((r.method, r.url, r.headers.get("authorization"))) if "/api/" in r.url else None,
    )
    open_exam(page, live_server, candidate_on_exam)
    key = page_token(page)
    page.locator("#q1 .option").nth(1).click()
    expect(page.get_by_test_id("save-state")).to_contain_text("已保存")
    with page.expect_response(re.compile(r"/clock/$")) as clock:
        page.evaluate("window.dispatchEvent(new Event('online'))")  # a clock resync now
    assert clock.value.status == 200
    attempt = Attempt.objects.get(enrollment=candidate_on_exam)
    assert Answer.objects.get(attempt=attempt, position=1).response == ["B"]
    assert {(m, u.split(live_server.url)[1]) for m, u, _auth in sent} == {
        ("POST", f"/api/enrollments/{candidate_on_exam.pk}/attempt/"),
        ("PUT", f"/api/attempts/{attempt.pk}/answers/1/"),
        ("GET", f"/api/attempts/{attempt.pk}/clock/"),
    }
    assert {auth for _m, _u, auth in sent} == {f"Token {key}"}
    assert len(edge.saves) == 1
    assert len(edge.starts) == 1  # 开始答题 was answered at the edge: the paper drawn from its reply


def test_a_revoked_token_loses_no_answer_the_page_reloads_once_and_saves_it(page, live_server, candidate_on_exam, edge):
    open_exam(page, live_server, candidate_on_exam)
    page.locator("#q1 .option").nth(1).click()
    expect(page.get_by_test_id("save-state")).to_contain_text("已保存")
    first = page_token(page)
    api_token_revoke(token=ApiToken.objects.get(key_hash=key_digest(first)))

    page.locator("#q2 .option").nth(2).click()  # refused with 401: kept, the page reloads for a new token
    expect(page.locator("#exam")).not_to_have_attribute("data-token", first)
    expect(page.get_by_test_id("save-state")).to_contain_text("已保存")
    expect(page.locator("#q2 input[value=C]")).to_be_checked()
    attempt = Attempt.objects.get(enrollment=candidate_on_exam)
    assert dict(Answer.objects.filter(attempt=attempt).values_list("position", "response")) == {1: ["B"], 2: ["C"]}
    assert page.evaluate(f"localStorage.getItem('certify-queue-{attempt.pk}')") == "[]"
    assert len(edge.saves) == 2  # the save with the new token was answered at the edge too


def test_when_the_reload_does_not_help_the_candidate_is_told_and_the_answer_stays_queued(
    page, live_server, candidate_on_exam
):
    open_exam(page, live_server, candidate_on_exam)
    page.wait_for_load_state("load")
    loads = []
    page.on("load", lambda p: loads.append(p.url))
    refused = {"status": 401, "content_type": "application/json", "body": '{"detail": "令牌已被撤销，请重新登录"}'}
    saves = re.compile(r"/answers/\d+/$")
    page.route(saves, lambda route: route.fulfill(**refused))
    page.locator("#q3 .option").nth(0).click()
    expect(page.get_by_test_id("signed-out")).to_be_visible()
    expect(page.get_by_test_id("signed-out")).to_contain_text("登录已失效 请重新登录后继续作答，已作答内容保存在本机。")
    expect(page.get_by_test_id("save-state")).to_have_text("登录已失效，请重新登录后继续作答，已作答内容保存在本机")
    expect(page.locator("#q3 input[value=A]")).to_be_checked()  # shown from the queue after the reload
    assert len(loads) == 1  # one reload, no loop
    attempt = Attempt.objects.get(enrollment=candidate_on_exam)
    queued = page.evaluate(f"JSON.parse(localStorage.getItem('certify-queue-{attempt.pk}'))")
    assert [(e["position"], e["value"]) for e in queued] == [(3, ["A"])]
    assert not Answer.objects.filter(attempt=attempt, position=3).exists()

    page.unroute(saves)
    page.get_by_role("link", name="重新登录").click()  # still signed in: straight back to the paper
    expect(page.get_by_test_id("save-state")).to_contain_text("已保存")
    assert Answer.objects.get(attempt=attempt, position=3).response == ["A"]


# --- issue 17: the paper is drawn in the browser from the attempt's JSON ---

HOSTILE = '<img src=x onerror="window.pwned=1"></script><script>window.pwned=2</script> & </textarea>'


@pytest.fixture
def hostile_paper(monkeypatch):
    """Every paper's texts carry markup (a stem, an option, a case): the page must show it as text."""
    import json

    from exams.written import api

    original = api.paper_questions_json

    def with_markup(paper_id, fingerprint):
        questions = json.loads(original(paper_id, fingerprint))
        questions[0]["stem"] = f"客户投诉{HOSTILE}\n第二行"
        questions[0]["options"][0]["text"] = f"甲{HOSTILE}"
        questions[1]["case"] = f"案例{HOSTILE}"
        return json.dumps(questions, ensure_ascii=False).encode()

    monkeypatch.setattr(api, "paper_questions_json", with_markup)
    return HOSTILE


def test_the_paper_shows_markup_as_text_and_a_reload_shows_answers_flags_and_the_navigator(
    page, live_server, candidate_on_exam, hostile_paper
):
    open_exam(page, live_server, candidate_on_exam)
    situational = page.locator(".question[data-type=situational]").first
    position = situational.get_attribute("data-position")
    for _ in range(2):  # drawn from the start's reply, then from the state embedded in the reloaded page
        expect(page.locator("#q1 fieldset > p").last).to_have_text(f"客户投诉{HOSTILE}第二行")
        expect(page.locator("#q1 fieldset > p br")).to_have_count(1)
        expect(page.locator("#q1 .option").first).to_have_text(f"A. 甲{HOSTILE}")
        expect(page.locator("#q2 .case")).to_have_text(f"案例{HOSTILE}")
        expect(page.locator(".questions img, .questions script")).to_have_count(0)
        assert page.evaluate("window.pwned") is None
        expect(page.locator(".question")).to_have_count(62)
        if page.locator("#q1 input[value=B]").is_checked():
            break
        page.locator("#q1 .option").nth(1).click()
        page.locator("#q2 .flag-box").check()
        situational.locator("textarea").fill(f"我的回答{HOSTILE}")
        expect(page.get_by_test_id("save-state")).to_contain_text("已保存")
        expect(page.locator(f"[data-nav='{position}']")).to_have_class("answered")
        page.wait_for_timeout(1000)  # the textarea's save is sent 0.8 s after the last keystroke
        expect(page.get_by_test_id("save-state")).to_contain_text("已保存")
        page.reload()
    expect(page.locator("#q1 input[value=B]")).to_be_checked()
    expect(page.locator("#q2 .flag-box")).to_be_checked()
    expect(situational.locator("textarea")).to_have_value(f"我的回答{HOSTILE}")
    expect(page.locator("[data-nav='1']")).to_have_class("answered")
    expect(page.locator("[data-nav='1']")).to_have_attribute("aria-label", "第 1 题（已答）")
    expect(page.locator("[data-nav='2']")).to_have_class("flagged")
    expect(page.locator(f"[data-nav='{position}']")).to_have_class("answered")
    expect(page.get_by_test_id("nav-toggle")).to_contain_text("2 / 62")
    expect(page.get_by_test_id("save-state")).to_have_text("已答 2 / 62 题")


def test_a_start_refused_says_why_on_the_page_and_starts_nothing(page, live_server, candidate_on_exam):
    from exams.planning.models import Sitting

    login(page, live_server, candidate_on_exam.candidate.employee_no, PASSWORD)
    page.goto(f"{live_server.url}/exam/{candidate_on_exam.pk}/")
    later = timezone.now() + timedelta(hours=1)
    Sitting.objects.filter(pk=candidate_on_exam.sitting_id).update(
        written_start=later, written_end=later + timedelta(hours=2)
    )
    page.get_by_role("button", name="开始答题").click()
    expect(page.get_by_test_id("start-error")).to_have_text(f"考试将于 {timezone.localtime(later):%H:%M} 开始")
    expect(page.get_by_role("button", name="开始答题")).to_be_enabled()
    expect(page.locator(".exam-bar")).to_be_hidden()
    assert not Attempt.objects.filter(enrollment=candidate_on_exam).exists()


def test_a_start_with_a_refused_token_falls_back_to_the_signed_in_form(page, live_server, candidate_on_exam):
    login(page, live_server, candidate_on_exam.candidate.employee_no, PASSWORD)
    page.get_by_role("link", name="进入笔试").click()
    api_token_revoke(token=ApiToken.objects.get(key_hash=key_digest(page_token(page))))
    page.get_by_role("button", name="开始答题").click()
    expect(page.locator("#q1")).to_be_visible()  # started by the form with the session; the page reloaded
    assert Attempt.objects.filter(enrollment=candidate_on_exam, status="in_progress").exists()
