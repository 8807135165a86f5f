"""An admin filters the bank, opens an item, and imports a file with errors, in Chromium."""

import pytest
from playwright.sync_api import expect

from question_bank.services.items import knowledge_points_load
from tests.bank_helpers import make_item, multiple, single, situational, xlsx
from tests.conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def bank(standard):
    knowledge_points_load()
    make_item(single())
    make_item(multiple())
    return make_item(situational())


def test_an_admin_filters_the_bank_and_opens_an_item(page, live_server, hr, bank):
    login(page, live_server, "hr")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="题库").click()
    expect(page.get_by_test_id("bank-items").locator("tbody tr")).to_have_count(3)

    page.get_by_label("题型").select_option(label="情景分析")
    page.get_by_role("button", name="筛选").click()
    rows = page.get_by_test_id("bank-items").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("营业员应如何处理")

    rows.first.get_by_role("link", name=f"#{bank.pk}").click()
    expect(page.get_by_test_id("candidate-view")).to_contain_text("客户称话费余额无故过期被清零")
    expect(page.get_by_test_id("key")).to_contain_text("安抚客户情绪并致歉")
    expect(page.get_by_test_id("versions")).to_contain_text("第 1 版")


def test_an_admin_imports_a_file_with_errors_and_reads_the_report(page, live_server, hr, bank, tmp_path):
    path = tmp_path / "题目.xlsx"
    path.write_bytes(xlsx([single(题干="新的单选题？", 答案="AB"), multiple(题干="新的多选题？", 知识点="第九章")]))
    login(page, live_server, "hr")
    page.goto(f"{live_server.url}/bank/import/")
    expect(page.get_by_role("link", name="下载导入模板")).to_be_visible()
    page.get_by_label("Excel 文件（.xlsx）").set_input_files(path)
    page.get_by_role("button", name="校验并导入").click()

    report = page.get_by_test_id("import-report")
    expect(report).to_contain_text("发现 2 处错误，未导入任何题目")
    errors = page.get_by_test_id("import-errors").locator("tbody tr")
    expect(errors.nth(0)).to_contain_text("单选题只能有一个答案，填写了 AB")
    expect(errors.nth(0).locator("td").nth(0)).to_have_text("2")
    expect(errors.nth(1)).to_contain_text("未知知识点「第九章」")
    expect(errors.nth(1).locator("td").nth(1)).to_have_text("知识点")

    path.write_bytes(xlsx([single(题干="新的单选题？")]))
    page.get_by_label("Excel 文件（.xlsx）").set_input_files(path)
    page.get_by_role("button", name="校验并导入").click()
    expect(page.get_by_test_id("import-report")).to_contain_text("导入成功：新增 1 道题目。")
