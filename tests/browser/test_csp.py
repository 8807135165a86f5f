"""Issue 11 (2): every page runs under the Content-Security-Policy without a violation: no inline
script, no event-handler attribute, no style attribute or style element (style-src 'self'),
nothing loaded from elsewhere. A remaining inline style shows up as a style-src-attr or
style-src-elem violation; the statistics charts draw under the policy (Chart.js sizes its
canvases through the CSSOM, which style-src does not govern)."""

import pytest
from django.urls import reverse

from certify.people.models import User
from question_bank.models import Item
from tests.conftest import PASSWORD, login
from tests.export_helpers import publish_results, sat_with_events
from tests.security_helpers import day_open_now

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


def violations_on(browser, live_server, visits) -> list[str]:
    """Each user signs in and opens their pages; what the policy refused, page by page."""
    violations = []
    for user, urls in visits.items():
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        console = []
        page.on("console", lambda message, sink=console: sink.append(message.text))
        login(page, live_server, user.username)
        for url in urls:
            response = page.goto(f"{live_server.url}{url}")
            assert response.status == 200, url
            policy = dict(d.strip().split(" ", 1) for d in response.headers["content-security-policy"].split(";"))
            assert policy["script-src"] == policy["style-src"] == "'self'", url
            page.wait_for_load_state("networkidle")
            if url.startswith("/statistics/sittings/"):
                charts = page.locator("canvas[data-chart]")
                assert charts.count() >= 4, url
                for canvas in charts.all():  # Chart.js drew every chart
                    assert canvas.get_attribute("data-rendered"), url
            found = page.evaluate("window.__csp")
            violations += [f"{user.username} {url}: {v}" for v in found]
        violations += [f"{user.username} console: {text}" for text in console if "Content Security Policy" in text]
        context.close()
    return violations


def test_the_recorder_reports_a_style_attribute_and_a_style_element(browser, live_server):
    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        """document.body.insertAdjacentHTML("beforeend", '<i style="color:red">x</i><style>i { color: red }</style>')"""
    )
    page.wait_for_function("window.__csp.length >= 2")
    found = page.evaluate("window.__csp")
    context.close()
    assert any(v.startswith("style-src-attr ") for v in found), found
    assert any(v.startswith("style-src-elem ") for v in found), found


def test_no_page_breaks_the_content_security_policy(browser, live_server, org, standard, hr):
    day = day_open_now(org)
    other = day.other.candidate.user  # nothing started: the exam page shows its start card
    for user in [day.candidate, other, day.invigilators[0], day.panel[0], day.chief]:
        user.set_password(PASSWORD)
        user.save()
    item = Item.objects.order_by("pk").first()
    visits = {
        day.candidate: [
            "/",
            f"/exam/{day.enrollment.pk}/",
            f"/practical/{day.enrollment.pk}/",
            f"/practical/{day.enrollment.pk}/typing/",
            f"/practical/{day.enrollment.pk}/business/",
            f"/tickets/{day.enrollment.pk}/",
            "/me/",
        ],
        other: [f"/exam/{day.other.pk}/"],
        day.invigilators[0]: ["/", f"/my/rooms/{day.written.pk}/", "/marking/"],
        day.panel[0]: [f"/my/rooms/{day.practical.pk}/", f"/scenes/{day.run.pk}/"],
        day.chief: [f"/scenes/{day.run.pk}/", f"/my/rooms/{day.practical.pk}/", "/marking/"],
        User.objects.get(pk=hr.pk): [
            "/",
            f"/sittings/{day.sitting.pk}/",
            f"/sittings/{day.sitting.pk}/roster/",
            "/sittings/",
            "/bank/",
            f"/bank/items/{item.pk}/",
            "/bank/import/",
            "/bank/blueprints/",
            "/bank/blueprints/5/",
            "/bank/health/",
            "/standard/",
            "/candidates/",
            "/organisation/",
            "/statistics/",
            "/statistics/items/",
            "/exports/",
            reverse("admin:index"),
            reverse("admin:certify_user_changelist"),
            "/api/docs/",
        ],
    }
    assert violations_on(browser, live_server, visits) == []


def test_the_statistics_results_and_marking_pages_of_a_sat_sitting_keep_the_policy(
    browser, live_server, org, standard, hr
):
    sitting = sat_with_events(org)
    publish_results(sitting)
    visits = {
        User.objects.get(pk=hr.pk): [
            f"/statistics/sittings/{sitting.pk}/",
            "/statistics/",
            f"/sittings/{sitting.pk}/",
            f"/sittings/{sitting.pk}/results/",
            f"/sittings/{sitting.pk}/certificates/",
            f"/marking/sittings/{sitting.pk}/",
        ],
    }
    assert violations_on(browser, live_server, visits) == []
