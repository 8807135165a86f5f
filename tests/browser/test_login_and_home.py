"""Each role logs in through Chromium and sees its own home page, in Chinese."""

import pytest
from playwright.sync_api import expect

from tests.conftest import login

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("persona", "heading", "cards", "absent_menu"),
    [
        ("candidate", "张丽娜，您好", ["我的考试", "我的资料", "考试须知"], "后台管理"),
        ("examiner", "王建国，您好", ["我的考场", "待评分", "认证标准"], "考生"),
        ("chief", "刘文华，您好", ["我的考场", "待评分", "待裁定"], "后台管理"),
        ("hr", "认证管理", ["认证标准", "考生", "组织机构", "后台与接口"], None),
    ],
)
def test_each_role_logs_in_and_sees_its_home_page_in_chinese(
    page, live_server, request, persona, heading, cards, absent_menu
):
    user = request.getfixturevalue(persona)
    username = user.user.username if persona == "candidate" else user.username
    login(page, live_server, username)

    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    for card in cards:
        expect(page.get_by_role("heading", level=3, name=card)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    menu = page.get_by_role("navigation", name="主菜单")
    if absent_menu:
        expect(menu.get_by_role("link", name=absent_menu, exact=True)).to_have_count(0)

    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()


def test_a_wrong_password_is_explained_in_chinese(page, live_server, candidate):
    login(page, live_server, "E1001", "wrong-password")
    expect(page.locator(".errorlist")).to_contain_text("请输入一个正确的")
    expect(page.get_by_label("账号（工号）")).to_have_value("E1001")


def test_an_admin_revises_the_standard_in_the_browser(page, live_server, hr):
    login(page, live_server, "hr")
    page.get_by_role("link", name="认证标准").first.click()
    expect(page.get_by_test_id("standard-table")).to_contain_text("营业五级")
    page.locator("#id_level5_practical_minutes").fill("25")
    page.locator("#id_note").fill("五级实操延长到 25 分钟")
    page.get_by_role("button", name="保存为新版本").click()
    expect(page.locator(".messages")).to_contain_text("已保存为认证标准第 2 版。")
    expect(page.get_by_test_id("standard-table")).to_contain_text("25")

    page.locator("#id_level3_weight_scene").fill("70")
    page.locator("#id_note").fill("错误的权重")
    page.get_by_role("button", name="保存为新版本").click()
    expect(page.get_by_test_id("revise-errors")).to_contain_text("营业三级：实操三部分权重合计须为 100，当前为 110")


def test_a_candidate_sees_their_own_data_and_not_the_candidate_list(page, live_server, candidate, other_candidate):
    login(page, live_server, "E1001")
    page.get_by_role("link", name="我的资料").first.click()
    expect(page.locator("dl.facts")).to_contain_text("11010519491231002X")
    response = page.goto(f"{live_server.url}/candidates/")
    assert response.status == 403
