"""Issue 11 (2): every page runs under the Content-Security-Policy without a violation: no inline
script, no event-handler attribute, nothing loaded from elsewhere."""

import pytest
from django.urls import reverse

from certify.people.models import User
from tests.conftest import PASSWORD, login
from tests.security_helpers import day_open_now

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


def test_no_page_breaks_the_content_security_policy(browser, live_server, org, standard, hr):
    day = day_open_now(org)
    for user in [day.candidate, day.invigilators[0], day.panel[0], day.chief]:
        user.set_password(PASSWORD)
        user.save()
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
        day.invigilators[0]: ["/", f"/my/rooms/{day.written.pk}/"],
        day.panel[0]: [f"/my/rooms/{day.practical.pk}/", f"/scenes/{day.run.pk}/"],
        day.chief: [f"/scenes/{day.run.pk}/"],
        User.objects.get(pk=hr.pk): [
            "/",
            f"/sittings/{day.sitting.pk}/",
            f"/sittings/{day.sitting.pk}/roster/",
            "/sittings/",
            "/bank/",
            "/bank/import/",
            "/bank/blueprints/",
            "/standard/",
            "/candidates/",
            reverse("admin:index"),
            reverse("admin:certify_user_changelist"),
            "/api/docs/",
        ],
    }
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
            assert "script-src 'self'" in response.headers["content-security-policy"], url
            page.wait_for_load_state("networkidle")
            found = page.evaluate("window.__csp")
            violations += [f"{user.username} {url}: {v}" for v in found]
        violations += [f"{user.username} console: {text}" for text in console if "Content Security Policy" in text]
        context.close()
    assert violations == []
