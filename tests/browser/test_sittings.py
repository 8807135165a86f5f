"""An admin schedules a sitting from its page and watches assembly finish; a candidate opens their ticket."""

import pytest
from playwright.sync_api import expect

from exams.planning.models import Enrollment
from tests.conftest import login
from tests.exam_helpers import ready_sitting, synthetic_bank

pytestmark = pytest.mark.browser


@pytest.fixture
def sitting(org, standard):
    synthetic_bank()
    return ready_sitting(org, candidates=9)


def test_an_admin_schedules_a_sitting_and_watches_assembly_finish(page, live_server, hr, sitting, celery_worker):
    # With REDIS_URL set, the papers are assembled by the real Celery worker.
    login(page, live_server, "hr")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="考试批次").click()
    page.get_by_role("link", name=sitting.name).click()
    expect(page.get_by_test_id("status")).to_have_text("报名中")
    expect(page.get_by_test_id("rooms")).to_contain_text("符合")
    page.get_by_role("button", name="排考并组卷").click()
    expect(page.locator(".messages")).to_contain_text("已排考")
    expect(page.get_by_test_id("assembly-status")).to_have_text("已完成")
    expect(page.get_by_test_id("assembly-count")).to_have_text("9 / 9")
    expect(page.get_by_test_id("assembly-report")).to_contain_text("相同试卷 0 对")


def test_a_candidate_opens_their_admission_ticket(page, live_server, hr, sitting, django_capture_on_commit_callbacks):
    from exams.sittings import sitting_schedule

    with django_capture_on_commit_callbacks(execute=True):
        sitting_schedule(sitting=sitting, by=hr, seed=1)
    enrollment = Enrollment.objects.filter(sitting=sitting).select_related("candidate").order_by("seat").first()
    enrollment.candidate.user.set_password("Ticket-2026")
    enrollment.candidate.user.save()
    login(page, live_server, enrollment.candidate.employee_no, "Ticket-2026")
    page.get_by_role("link", name="查看准考证").click()
    ticket = page.get_by_test_id("ticket")
    expect(page.get_by_test_id("admission-no")).to_have_text(enrollment.admission_no)
    expect(ticket).to_contain_text(enrollment.candidate.name)
    expect(ticket).to_contain_text("第 1 座")
    expect(ticket).to_contain_text("两项均为百分制，笔试达到 60 分、实操达到 60 分为合格")
    expect(page.get_by_role("button", name="打印准考证")).to_be_visible()
