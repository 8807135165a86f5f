"""Results in Chromium, on the demo data as a new user finds it: the admin sees what blocks the demo
sitting's publication, the chief examiner signs its rooms off, the admin previews and publishes, a
candidate sees the result and downloads the certificate, and someone without an account verifies it."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from certify.site.demo import DEMO_PASSWORD
from exams.planning.models import Sitting
from tests.conftest import login

pytestmark = pytest.mark.browser


def test_the_demo_sitting_is_published_and_its_certificate_verified(page, live_server, tmp_path):
    call_command("load_demo")
    sitting = Sitting.objects.get(name="演示批次（已阅卷） 营业五级")

    login(page, live_server, "hr", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/sittings/{sitting.pk}/")
    blockers = page.get_by_test_id("publication-blockers")
    expect(blockers).to_contain_text("第二考场：考评组长尚未签认")
    expect(blockers).to_contain_text("第二实训室：考评组长尚未签认")

    page.context.clear_cookies()
    login(page, live_server, "chief", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/sittings/{sitting.pk}/results/")
    for room in ("第二考场", "第二实训室"):
        page.get_by_role("button", name=f"签认 {room}").click()
        expect(page.locator(".messages")).to_contain_text(f"{room} 已签认")

    page.context.clear_cookies()
    login(page, live_server, "hr", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/sittings/{sitting.pk}/")
    page.get_by_role("link", name="签认、预览与发布成绩").click()
    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("共 6 名考生")
    expect(preview).to_contain_text("合格 2 人")
    expect(preview).to_contain_text("营业五级合格率 33.3%")
    page.get_by_role("button", name="发布成绩").click()
    expect(page.locator(".messages")).to_contain_text("成绩已发布：共 6 名考生")
    expect(page.get_by_test_id("status")).to_have_text("已发布成绩")

    page.context.clear_cookies()
    login(page, live_server, "E0007", DEMO_PASSWORD)
    # A candidate's first sign-in asks for a password of their own.
    page.get_by_label("新密码", exact=True).fill("Zheng-shu-2026")
    page.get_by_label("再次输入新密码").fill("Zheng-shu-2026")
    page.get_by_role("button", name="保存新密码").click()
    page.goto(f"{live_server.url}/")
    result = page.get_by_test_id("my-result")
    expect(result).to_contain_text("合格")
    result.get_by_role("link", name="查看成绩详情").click()
    expect(page.get_by_test_id("outcome")).to_have_text("合格")
    expect(page.get_by_test_id("parts")).to_contain_text("情景模拟")
    number = page.get_by_test_id("certificate-number").inner_text()
    code = page.get_by_test_id("verification-code").inner_text()
    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    saved = tmp_path / "certificate.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == f"{number}.pdf" and saved.read_bytes().startswith(b"%PDF")

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/verify/")
    page.get_by_label("证书编号").fill(number)
    page.get_by_label("验证码").fill(code)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("verify-status")).to_have_text("有效")
    expect(page.get_by_test_id("verify-number")).to_have_text(number)
    expect(page.get_by_test_id("verify-name")).to_contain_text("*")
