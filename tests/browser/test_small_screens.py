"""Issue 15 (8, 9): every candidate page on a phone (390 px) and every examiner page on a tablet
(820 px): nothing is wider than the screen, a table never spills out of its box (it fits or
scrolls inside it), the header folds its menu, the question navigator folds, the typing passage
and the input are on screen together; the navigator's answered/unanswered pass WCAG AA with a
second cue besides colour; the site has a favicon."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exams.planning.models import Enrollment
from exams.practical.models import BusinessTask, Scenario
from tests.conftest import PASSWORD, login
from tests.security_helpers import day_open_now

pytestmark = pytest.mark.browser

OVERFLOW = """() => {
  const problems = [];
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth > width) {
    problems.push("page is " + document.documentElement.scrollWidth + " px wide");
  }
  for (const table of document.querySelectorAll("main table")) {
    if (!table.offsetParent) continue;  // hidden
    const box = table.parentElement;
    const scrolls = /(auto|scroll)/.test(getComputedStyle(box).overflowX);
    const name = table.dataset.testid || table.className || "table";
    if (!scrolls && table.getBoundingClientRect().right > box.getBoundingClientRect().right + 1) {
      problems.push(name + " overflows its box");
    }
    if (box.getBoundingClientRect().right > width + 1) { problems.push(name + "'s box is wider than the screen"); }
  }
  return problems;
}"""


@pytest.fixture
def day(org, standard):
    day = day_open_now(org, candidates=3)
    for user in [day.candidate, *day.invigilators, *day.panel]:
        user.set_password(PASSWORD)
        user.save()
    return day


def phone(browser):
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def tablet(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 820, "height": 1180})
    context.set_default_timeout(15_000)
    return context.new_page()


def fits(page, url: str) -> None:
    page.goto(url)
    assert page.evaluate(OVERFLOW) == [], url


def check_header(page) -> None:
    width = page.viewport_size["width"]
    for part in (page.locator("header .brand"), page.get_by_role("button", name="退出")):
        box = part.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, "header cut off"
    page.get_by_test_id("menu-toggle").click()
    for link in page.locator("#main-menu a").all():
        assert link.bounding_box()["height"] < 48, "a menu item wraps (one character per line)"
        assert link.bounding_box()["x"] + link.bounding_box()["width"] <= width


def test_every_candidate_page_fits_a_phone(browser, live_server, day):
    page = phone(browser)
    fits(page, f"{live_server.url}/accounts/login/")
    login(page, live_server, day.candidate.username)
    check_header(page)
    base, e = live_server.url, day.enrollment
    for url in ("/", "/me/", f"/tickets/{e.pk}/", f"/practical/{e.pk}/", f"/practical/{e.pk}/business/"):
        fits(page, base + url)

    # The written paper: the 62-button navigator is folded, the first question is on the first screen.
    fits(page, f"{base}/exam/{e.pk}/")
    q1 = page.locator("#q1").bounding_box()
    assert q1["y"] < 844, "the first question is below the first screen"
    expect(page.locator("[data-nav='1']")).to_be_hidden()
    page.get_by_test_id("nav-toggle").click()
    expect(page.locator("[data-nav='62']")).to_be_visible()
    assert page.evaluate(OVERFLOW) == []

    # Typing: the passage and the input are on screen together.
    fits(page, f"{base}/practical/{e.pk}/typing/")
    passage, typed = page.get_by_test_id("passage").bounding_box(), page.get_by_test_id("typed").bounding_box()
    assert passage["y"] < 844 and typed["y"] + 40 < 844, "the input is below the first screen"
    page.context.close()


def test_every_examiner_page_fits_a_tablet(browser, live_server, day):
    page = tablet(browser)
    login(page, live_server, day.invigilators[0].username)
    check_header(page)
    base = live_server.url
    for url in ("/", "/my/rooms/", f"/my/rooms/{day.written.pk}/", "/marking/"):
        fits(page, base + url)
    page.context.close()

    page = tablet(browser)
    login(page, live_server, day.panel[0].username)
    for url in ("/", f"/my/rooms/{day.practical.pk}/", f"/scenes/{day.run.pk}/", "/marking/"):
        fits(page, base + url)
    # The practical room's 操作 column can be reached (inside its scrolling box).
    page.goto(f"{base}/my/rooms/{day.practical.pk}/")
    action = page.get_by_test_id(f"row-{day.enrollment.admission_no}").get_by_role("link").first
    action.scroll_into_view_if_needed()
    box = action.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 820
    page.context.close()


def _luminance(rgb: str) -> float:
    r, g, b = (int(v) / 255 for v in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_navigator_tells_answered_from_unanswered_without_colour_and_the_site_has_a_favicon(page, live_server, day):
    e = Enrollment.objects.get(pk=day.enrollment.pk)
    login(page, live_server, day.candidate.username)
    page.goto(f"{live_server.url}/exam/{e.pk}/")
    page.locator("#q1 .option").first.click()
    expect(page.get_by_test_id("save-state")).to_contain_text("已保存")
    style = """(el) => { const s = getComputedStyle(el), a = getComputedStyle(el, "::after");
      return {color: s.color, background: s.backgroundColor, border: s.borderTopColor, after: a.content}; }"""
    answered = page.locator("[data-nav='1']").evaluate(style)
    unanswered = page.locator("[data-nav='2']").evaluate(style)
    white = "rgb(255, 255, 255)"
    assert contrast(answered["color"], answered["background"]) >= 4.5
    assert contrast(unanswered["color"], unanswered["background"]) >= 4.5
    assert contrast(answered["background"], white) >= 3 and contrast(unanswered["border"], white) >= 3  # UI parts
    assert answered["after"] == '"✓"' and unanswered["after"] in ("none", "normal", "")  # a cue besides colour
    expect(page.locator("[data-nav='1']")).to_have_attribute("aria-label", "第 1 题（已答）")

    icon = page.locator("link[rel=icon]").get_attribute("href")
    response = page.request.get(live_server.url + icon)
    assert response.status == 200 and b"<svg" in response.body()


def test_business_entry_with_its_search_and_a_long_address_fits_a_phone_and_a_tablet(browser, live_server, day):
    # Issue: the customer search's table and the 办理号码 select (a line's address in each option)
    # widened the form past the screen; the B13 card (an add-on order that cancels one) shows both.
    task = BusinessTask.objects.filter(attempt__enrollment=day.enrollment).order_by("position").last()
    task.scenario = Scenario.objects.get(code="B13")
    task.save(update_fields=["scenario"])
    card = task.scenario
    base, e = live_server.url, day.enrollment
    for page in (phone(browser), tablet(browser)):
        login(page, live_server, day.candidate.username)
        fits(page, f"{base}/practical/{e.pk}/business/")
        page.get_by_role("button", name=f"任务 {task.position}").click()
        search = page.get_by_placeholder("证件号码 / 联系电话 / 姓名")
        # The search box is as wide as its placeholder (it was cut to 「证件号码 / 联系电话 / 姓」).
        assert search.evaluate("el => el.clientWidth") >= 280
        search.fill(card.customer["name"])
        page.get_by_role("button", name="查询").click()
        expect(page.locator("#results")).to_be_visible()
        assert page.evaluate(OVERFLOW) == [], "the search results"
        choose = page.locator("#results").get_by_role("button", name="选择")
        choose.scroll_into_view_if_needed()
        choose.click()
        page.get_by_label("加装附加业务").check()
        page.locator("#target-number").select_option(card.existing_lines[0]["number"])
        expect(page.get_by_text("取消小秘书（留言服务）")).to_be_visible()
        assert page.evaluate(OVERFLOW) == [], "the add-on order"
        # On a phone the layout viewport grows with the content: compare with the screen too.
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        label = page.locator("#sec-target label")
        assert label.bounding_box()["x"] + label.bounding_box()["width"] <= page.viewport_size["width"]
        # One line: 「办理号码」 beside its select, not folded into a column of single characters.
        assert label.bounding_box()["height"] <= page.locator("#target-number").bounding_box()["height"] + 4
        page.context.close()


def test_a_window_past_midnight_names_the_day_it_ends(browser, live_server, day):
    # 「18:07–02:07」 read as ending before it starts: the ticket says 「次日 02:07」.
    sitting = day.enrollment.sitting
    tomorrow = timezone.localdate() + timedelta(days=1)
    shanghai = timezone.get_current_timezone()
    sitting.written_start = datetime.combine(tomorrow, time(22, 30), tzinfo=shanghai)
    sitting.written_end = datetime.combine(tomorrow + timedelta(days=1), time(1, 30), tzinfo=shanghai)
    sitting.save(update_fields=["written_start", "written_end"])
    page = phone(browser)
    login(page, live_server, day.candidate.username)
    page.goto(f"{live_server.url}/tickets/{day.enrollment.pk}/")
    day_name = f"{tomorrow.year}年{tomorrow.month}月{tomorrow.day}日"
    expect(page.locator("main")).to_contain_text(f"{day_name} 22:30–次日 01:30")
    page.context.close()
