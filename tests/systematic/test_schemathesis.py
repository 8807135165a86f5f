"""Issue 11 (13c): schemathesis generates requests from the OpenAPI schema (valid and invalid
against it) for every operation and sends them in-process to the WSGI application, anonymous and
as a candidate with an API token, asserting no 500. Path parameters are half the time the
candidate's own objects (so requests reach past the 404), half the time anything.
Bounded: ``SCHEMATHESIS_EXAMPLES`` per operation and mode (default 4)."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from certify.people.tokens import api_token_issue
from tests.systematic.urls import routes, url_for

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "4"))


def real_path_parameters(operation, targets) -> dict | None:
    """The candidate's own objects for the operation's path parameters, found through the URL conf."""
    probe = "".join("1" if part.startswith("{") else part for part in _split(operation.path))
    try:
        match = resolve(probe)
    except Resolver404:
        return None
    route = next((r for r in routes() if r.name == match.url_name), None)
    if route is None:
        return None
    real = resolve(url_for(route, targets)).kwargs
    return dict(real)


def _split(path: str) -> list[str]:
    out, buffer = [], ""
    for char in path:
        if char == "{":
            out.append(buffer)
            buffer = "{"
        elif char == "}":
            out.append(buffer + "}")
            buffer = ""
        else:
            buffer += char
    out.append(buffer)
    return out


def test_no_request_generated_from_the_openapi_schema_gives_a_500(exam_day):
    day, targets, _clients = exam_day
    day.candidate.set_password("Test-pass-2026")
    day.candidate.save()
    _token, key = api_token_issue(user=day.candidate)
    personas = {"anonymous": {}, "candidate": {"Authorization": f"Token {key}"}}
    # Like Django's test client: a request must not close the test's connection (and transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        failures = _run(targets, personas)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert failures == []


def _run(targets, personas) -> list:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 45
    failures = []
    for operation in operations:
        real = real_path_parameters(operation, targets)
        strategies = []
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies.append(operation.as_strategy(generation_mode=mode))
            if real:
                strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=real))

        @settings(
            max_examples=EXAMPLES * len(strategies),
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=st.one_of(strategies), persona=st.sampled_from(sorted(personas)))
        def check(case, persona):
            response = case.call(headers=personas[persona])
            if response.status_code >= 500:
                failures.append((case.operation.label, persona, case.path_parameters, case.body, response.status_code))

        check()
    return failures
