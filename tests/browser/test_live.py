"""Issue 15 (7) in Chromium: the examiner's console and the admin's sitting page follow the day
without reloading: a changed row is replaced, the scroll position and a half-typed reason stay."""

import pytest
from playwright.sync_api import expect

from exams.planning.models import Enrollment
from exams.written.services import attempt_start, attempt_submit
from tests.conftest import PASSWORD, login
from tests.security_helpers import day_open_now

pytestmark = pytest.mark.browser


@pytest.fixture
def day(org, standard, hr):
    day = day_open_now(org, candidates=4)
    for user in [*day.invigilators, hr]:
        user.set_password(PASSWORD)
        user.save()
    return day


def test_the_console_updates_a_row_in_place_and_keeps_a_half_typed_reason(page, live_server, day):
    enrollments = list(Enrollment.objects.filter(sitting=day.sitting).order_by("seat"))
    login(page, live_server, day.invigilators[0].username)
    page.set_viewport_size({"width": 1280, "height": 400})  # short: the roster scrolls
    page.goto(f"{live_server.url}/my/rooms/{day.written.pk}/")
    page.evaluate("window.notReloaded = true")
    starter, typist = enrollments[1], enrollments[2]
    reason = page.get_by_label(f"原因 {typist.candidate.name}")
    reason.fill("考生身体不适，正在")  # half-typed, not submitted
    page.evaluate("window.scrollTo(0, 120)")
    scrolled = page.evaluate("window.scrollY")

    attempt = attempt_start(enrollment=starter, user=starter.candidate.user)  # elsewhere, meanwhile
    row = page.get_by_test_id(f"row-{starter.admission_no}")
    expect(row).to_contain_text("答题中", timeout=15_000)
    expect(row.get_by_label(f"操作 {starter.candidate.name}")).to_contain_text("延长时间")
    attempt_submit(attempt=attempt)
    expect(row).to_contain_text("考生交卷", timeout=15_000)
    expect(row).to_contain_text("已交卷，无可执行的操作")

    assert page.evaluate("window.notReloaded") is True
    expect(page.get_by_label(f"原因 {typist.candidate.name}")).to_have_value("考生身体不适，正在")
    assert page.evaluate("window.scrollY") == scrolled


def test_the_admin_follows_every_room_on_the_sitting_page(page, live_server, day, hr):
    login(page, live_server, hr.username)
    page.goto(f"{live_server.url}/sittings/{day.sitting.pk}/")
    page.evaluate("window.notReloaded = true")
    live = page.get_by_test_id("live-rooms")
    written = live.locator(f"[data-live-room-id='{day.written.pk}']")
    expect(written.locator("td").nth(2)).to_have_text("1")  # in progress
    other = Enrollment.objects.filter(sitting=day.sitting).exclude(pk=day.enrollment.pk).order_by("pk").first()
    attempt_start(enrollment=other, user=other.candidate.user)
    expect(written.locator("td").nth(2)).to_have_text("2", timeout=15_000)
    expect(live.locator(f"[data-live-room-id='{day.practical.pk}']")).to_contain_text("情景模拟 已定分 0、评分中 1")
    assert page.evaluate("window.notReloaded") is True
    written.get_by_role("link", name="A101").click()
    expect(page.get_by_test_id("room-roster")).to_be_visible()
