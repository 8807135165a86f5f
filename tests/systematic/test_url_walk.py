"""Issue 11 (13a): every URL pattern of the project, as every persona, gives the status in the
table. The patterns come from the URL conf: a new page or endpoint fails this test until whoever
adds it says here who may reach it.

Personas: anonymous; the candidate whose exam day it is; another candidate of the same sitting;
an examiner of another sitting's room; the chief examiner of the candidate's practical room (an
examiner, not of the written room); the certification admin. GET requests; the object in the URL
always belongs to the candidate (their enrolment, attempt, typing test …) or their sitting."""

import pytest

from tests.systematic.urls import routes, url_for

pytestmark = pytest.mark.django_db

A, C, O, X, H, M = "anonymous", "candidate", "other_candidate", "other_examiner", "chief", "admin"  # noqa: E741


def row(anonymous, candidate, other, examiner, chief, admin) -> dict:
    return dict(zip((A, C, O, X, H, M), (anonymous, candidate, other, examiner, chief, admin), strict=True))


EXPECTED: dict[str, dict] = {
    "api-attempt": row(401, 200, 404, 404, 404, 404),
    "api-attempt-answer": row(401, 405, 405, 405, 405, 405),
    "api-attempt-clock": row(401, 200, 404, 404, 404, 404),
    "api-attempt-events": row(401, 405, 405, 405, 405, 405),
    "api-attempt-start": row(401, 405, 405, 405, 405, 405),
    "api-attempt-submit": row(401, 405, 405, 405, 405, 405),
    "api-bank-export": row(401, 403, 403, 403, 403, 200),
    "api-bank-health": row(401, 403, 403, 403, 403, 200),
    "api-bank-health-review": row(401, 403, 403, 403, 403, 405),
    "api-bank-import": row(401, 403, 403, 403, 403, 405),
    "api-bank-item": row(401, 403, 403, 403, 403, 200),
    "api-bank-items": row(401, 403, 403, 403, 403, 200),
    "api-bank-template": row(401, 403, 403, 403, 403, 200),
    "api-blueprint": row(401, 403, 403, 403, 403, 200),
    "api-blueprint-feasibility": row(401, 403, 403, 403, 403, 200),
    "api-blueprints": row(401, 403, 403, 403, 403, 200),
    "api-business": row(401, 200, 404, 404, 404, 404),
    "api-business-start": row(401, 405, 405, 405, 405, 405),
    "api-business-task": row(401, 405, 405, 405, 405, 405),
    "api-candidate": row(401, 200, 404, 404, 404, 200),
    "api-candidates": row(401, 403, 403, 403, 403, 200),
    "api-catalogue": row(401, 200, 200, 200, 200, 200),
    "api-customers": row(401, 400, 403, 403, 403, 403),
    "api-docs": row(200, 200, 200, 200, 200, 200),
    "api-export": row(401, 403, 403, 403, 403, 200),
    "api-export-file": row(401, 403, 403, 403, 403, 200),
    "api-exports": row(401, 403, 403, 405, 405, 405),
    "api-fees": row(401, 405, 405, 405, 405, 405),
    "api-marking-arbitrate": row(401, 403, 403, 404, 200, 404),
    "api-marking-arbitration": row(401, 403, 403, 404, 200, 200),
    "api-marking-claim": row(401, 403, 403, 405, 405, 405),
    "api-marking-control": row(401, 403, 403, 405, 405, 405),
    "api-marking-controls": row(401, 403, 403, 404, 200, 200),
    "api-marking-dashboard": row(401, 403, 403, 404, 200, 200),
    "api-marking-mark": row(401, 403, 403, 405, 405, 405),
    "api-marking-member": row(401, 403, 403, 405, 405, 405),
    "api-marking-pause": row(401, 403, 403, 405, 405, 405),
    "api-marking-progress": row(401, 403, 403, 404, 200, 200),
    "api-marking-settings": row(401, 403, 403, 404, 404, 200),
    "api-marking-task": row(401, 403, 403, 404, 404, 404),
    "api-marking-team": row(401, 403, 403, 404, 404, 200),
    "api-marking-team-examiners": row(401, 403, 403, 405, 405, 405),
    "api-marking-tolerance": row(401, 403, 403, 405, 405, 405),
    "api-marking-work": row(401, 403, 403, 200, 200, 200),
    "api-me": row(401, 200, 200, 200, 200, 200),
    "api-my-enrollments": row(401, 200, 200, 200, 200, 200),
    "api-my-rooms": row(401, 200, 200, 200, 200, 200),
    "api-organisation": row(401, 403, 403, 200, 200, 200),
    "api-room-examiners": row(401, 403, 403, 403, 403, 405),
    "api-roster-import": row(401, 403, 403, 403, 403, 202),
    "api-roster-import-confirm": row(401, 403, 403, 403, 403, 405),
    "api-room-live": row(401, 404, 404, 404, 404, 200),
    "api-schema": row(200, 200, 200, 200, 200, 200),
    "api-sitting": row(401, 403, 403, 403, 403, 200),
    "api-sitting-open": row(401, 403, 403, 403, 403, 405),
    "api-sitting-live": row(401, 403, 403, 403, 403, 200),
    "api-sitting-progress": row(401, 403, 403, 403, 403, 200),
    "api-sitting-rooms": row(401, 403, 403, 403, 403, 405),
    "api-sitting-roster": row(401, 403, 403, 403, 403, 405),
    "api-sitting-schedule": row(401, 403, 403, 403, 403, 405),
    "api-sitting-retry-assembly": row(401, 403, 403, 403, 403, 405),
    "api-sitting-start": row(401, 403, 403, 403, 403, 405),
    "api-sittings": row(401, 403, 403, 403, 403, 200),
    "api-standard-current": row(401, 403, 403, 200, 200, 200),
    "api-standard-version": row(401, 403, 403, 200, 200, 200),
    "api-standard-versions": row(401, 403, 403, 200, 200, 200),
    "api-token": row(405, 405, 405, 405, 405, 405),
    "api-token-revoke": row(401, 405, 405, 405, 405, 405),
    "api-typing": row(401, 200, 404, 404, 404, 404),
    "api-typing-events": row(401, 405, 405, 405, 405, 405),
    "api-typing-start": row(401, 405, 405, 405, 405, 405),
    "api-typing-submit": row(401, 405, 405, 405, 405, 405),
    "bank": row(302, 403, 403, 403, 403, 200),
    "bank-blueprint": row(302, 403, 403, 403, 403, 200),
    "bank-blueprints": row(302, 403, 403, 403, 403, 200),
    "bank-export": row(302, 403, 403, 403, 403, 200),
    "bank-health": row(302, 403, 403, 403, 403, 200),
    "bank-health-review": row(302, 403, 403, 403, 403, 405),
    "bank-import": row(302, 403, 403, 403, 403, 200),
    "bank-item": row(302, 403, 403, 403, 403, 200),
    "bank-item-edit": row(302, 403, 403, 403, 403, 200),
    "bank-item-new": row(302, 403, 403, 403, 403, 200),
    "bank-item-status": row(302, 403, 403, 403, 403, 405),
    "bank-template": row(302, 403, 403, 403, 403, 200),
    "business": row(302, 200, 404, 404, 404, 404),
    "candidates": row(302, 403, 403, 403, 403, 200),
    "exam": row(302, 200, 404, 404, 404, 404),
    "export-file": row(302, 403, 403, 403, 403, 200),
    "export-job": row(302, 403, 403, 403, 403, 200),
    "exports": row(302, 403, 403, 403, 200, 200),
    "healthz": row(200, 200, 200, 200, 200, 200),
    "home": row(302, 200, 200, 200, 200, 200),
    "login": row(200, 302, 302, 302, 302, 302),
    "logout": row(405, 405, 405, 405, 405, 405),
    "marking-arbitrate": row(302, 403, 403, 404, 200, 403),
    "marking-controls": row(302, 403, 403, 404, 200, 403),
    "marking-dashboard": row(302, 403, 403, 404, 200, 200),
    "marking-home": row(302, 403, 403, 200, 200, 403),
    "marking-next": row(302, 403, 403, 405, 405, 403),
    "marking-pause": row(302, 403, 403, 405, 405, 403),
    "marking-sitting": row(302, 403, 403, 403, 403, 200),
    "marking-task": row(302, 403, 403, 404, 404, 403),
    "my-profile": row(302, 200, 200, 200, 200, 200),
    "my-room": row(302, 403, 403, 404, 404, 200),
    "my-rooms": row(302, 403, 403, 200, 200, 403),
    "organisation": row(302, 403, 403, 403, 403, 200),
    "password-set": row(302, 200, 200, 200, 200, 200),
    "practical": row(302, 200, 404, 404, 404, 404),
    "practical-action": row(302, 403, 403, 405, 405, 403),
    "room-add": row(302, 403, 403, 403, 403, 405),
    "room-assign": row(302, 403, 403, 403, 403, 405),
    "room-unassign": row(302, 403, 403, 403, 403, 405),
    "roster-template": row(302, 403, 403, 403, 403, 200),
    "scene": row(302, 403, 403, 404, 200, 403),
    "sitting": row(302, 403, 403, 403, 403, 200),
    "sitting-action": row(302, 403, 403, 403, 403, 405),
    "sitting-enrol": row(302, 403, 403, 403, 403, 405),
    "sitting-roster": row(302, 403, 403, 403, 403, 200),
    "sittings": row(302, 403, 403, 403, 403, 200),
    "standard": row(302, 403, 403, 200, 200, 200),
    "statistics": row(302, 403, 403, 403, 200, 200),
    "statistics-items": row(302, 403, 403, 403, 200, 200),
    "statistics-sitting": row(302, 403, 403, 403, 200, 200),
    "ticket": row(302, 200, 404, 404, 404, 200),
    "typing": row(302, 200, 404, 404, 404, 404),
    # Results and certificates (issue 13).
    "api-certificate-verify": row(404, 404, 404, 404, 404, 404),
    "api-my-result-review": row(401, 405, 405, 403, 403, 403),
    "api-my-results": row(401, 200, 200, 403, 403, 403),
    "api-sitting-publication": row(401, 403, 403, 403, 403, 200),
    "certificate-pdf": row(302, 200, 404, 404, 404, 200),
    "certificates": row(302, 403, 403, 403, 403, 200),
    "my-result": row(302, 200, 404, 403, 403, 403),
    "result": row(302, 403, 403, 403, 200, 200),
    "sitting-certificates": row(302, 403, 403, 403, 403, 200),
    "sitting-certificates-download": row(302, 403, 403, 403, 403, 404),
    "sitting-certificates-progress": row(302, 403, 403, 403, 403, 200),
    "sitting-results": row(302, 403, 403, 404, 200, 200),
    "verify": row(200, 200, 200, 200, 200, 200),
    "verify-link": row(200, 200, 200, 200, 200, 200),
}


def observed_table(day, targets, clients) -> dict[str, dict]:
    table = {}
    for route in routes():
        if route.name.startswith("admin:"):
            continue
        url = url_for(route, targets)
        table[route.name] = {persona: client.get(url).status_code for persona, client in clients.items()}
    return table


def test_every_url_pattern_gives_each_persona_the_status_in_the_table(exam_day):
    day, targets, clients = exam_day
    observed = observed_table(day, targets, clients)
    missing = sorted(set(observed) - set(EXPECTED))
    assert not missing, "classify these patterns in EXPECTED:\n" + "\n".join(
        f'    "{name}": row({", ".join(str(observed[name][p]) for p in (A, C, O, X, H, M))}),' for name in missing
    )
    wrong = {name: (EXPECTED[name], observed[name]) for name in observed if observed[name] != EXPECTED[name]}
    assert not wrong
    assert not set(EXPECTED) - set(observed), "EXPECTED names patterns that no longer exist"


def test_every_admin_page_is_for_staff_only(exam_day):
    """The Django admin's patterns, as a group: everyone but the admin is sent to its login page."""
    from django.urls import reverse

    _day, _targets, clients = exam_day
    walked = 0
    for route in routes():
        if not route.name.startswith("admin:"):
            continue
        values = {"object_id": "999999", "app_label": "certify"}
        if not set(route.params) <= set(values):
            continue  # e.g. view_on_site (content type + object): no page of its own
        url = reverse(route.name, kwargs={param: values[param] for param in route.params})
        for persona, client in clients.items():
            status = client.get(url).status_code
            if persona == M:
                assert status in (200, 302, 403, 405), (
                    url,
                    status,
                )  # 405: POST only; 403: autocomplete without a field
            elif route.name not in ("admin:login", "admin:logout", "admin:password_change", "admin:jsi18n"):
                assert status == 302, (url, persona, status)
        walked += 1
    assert walked > 100
