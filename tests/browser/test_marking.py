"""Marking in Chromium: two markers disagree on a script, a third marker (with the keyboard) still
disagrees, the chief arbitrates with a reason, and the dashboard shows the counts."""

import re

import pytest
from playwright.sync_api import expect

from grading.marking.models import Script
from tests.conftest import login
from tests.exam_helpers import synthetic_bank
from tests.marking_helpers import first_item, sat_sitting, team

pytestmark = pytest.mark.browser


def tap(page, value: str) -> None:
    page.locator("[data-testid=point-0] label.tap").filter(has_text=re.compile(rf"^{re.escape(value)}$")).click()


def mark_next(page, live_server, username: str, item, value: str) -> None:
    page.context.clear_cookies()
    login(page, live_server, username)
    page.goto(f"{live_server.url}/marking/")
    page.get_by_test_id(f"work-{item.pk}").get_by_role("button", name="下一份").click()
    expect(page.get_by_test_id("code")).to_contain_text("评阅编号")
    expect(page.get_by_test_id("total")).to_have_text("—")  # nothing chosen for the marker
    tap(page, value)
    expect(page.get_by_test_id("total")).to_have_text(value)
    page.get_by_test_id("submit").click()
    expect(page.locator(".messages")).to_contain_text("已提交评阅编号")


def test_two_markers_disagree_a_third_marks_and_the_chief_arbitrates(page, live_server, org, standard):
    synthetic_bank()
    sitting = sat_sitting(org, candidates=1)
    _markers, chief = team(sitting, "m1", "m2", "m3")
    item = first_item(sitting)
    script = Script.objects.get(item=item)

    mark_next(page, live_server, "m1", item, "2")
    expect(page.locator(".messages")).to_contain_text("已为您转到下一题")  # never the same script again
    mark_next(page, live_server, "m2", item, "8")

    # The third marker works with the keyboard: 5 on the selected key point, Enter to submit.
    page.context.clear_cookies()
    login(page, live_server, "m3")
    page.goto(f"{live_server.url}/marking/")
    page.get_by_test_id(f"work-{item.pk}").get_by_role("button", name="下一份").click()
    expect(page.get_by_test_id("answer")).to_be_visible()
    page.wait_for_load_state()  # the shortcuts are bound once the page's script has run
    page.keyboard.press("5")
    expect(page.get_by_test_id("total")).to_have_text("5")
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("已提交评阅编号")
    script.refresh_from_db()
    assert script.status == "arbitration"

    page.context.clear_cookies()
    login(page, live_server, chief.username)
    page.goto(f"{live_server.url}/marking/")
    page.get_by_test_id(f"arbitrate-{script.code}").click()
    marks = page.get_by_test_id("marks")
    for name, total in (("阅卷员m1", "2"), ("阅卷员m2", "8"), ("阅卷员m3", "5")):
        expect(marks.get_by_role("row").filter(has_text=name)).to_contain_text(total)
    tap(page, "6")
    page.get_by_test_id("arbitrate").click()
    expect(page.locator(".messages")).to_contain_text("请填写仲裁理由")
    tap(page, "6")
    page.get_by_label("仲裁理由（必填）").fill("要点表述基本完整但不够具体，给 6 分")
    page.get_by_test_id("arbitrate").click()
    expect(page.locator(".messages")).to_contain_text("最终得分 6")
    expect(page.get_by_test_id(f"total-{item.pk}")).to_have_text("1")
    expect(page.get_by_test_id(f"twice-{item.pk}")).to_have_text("1")
    expect(page.get_by_test_id(f"arbitration-{item.pk}")).to_have_text("0")
    expect(page.get_by_test_id(f"final-{item.pk}")).to_have_text("1")
    expect(page.get_by_test_id("count-m1")).to_have_text("1")
    script.refresh_from_db()
    assert (script.status, script.final_mark, script.decided_by_id) == ("final", 6, chief.pk)
