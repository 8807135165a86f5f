"""Issue 11 (13b): arbitrary JSON, form and multipart bodies and query strings, sent to every
page and endpoint of the URL conf by a candidate, an examiner (the chief) and the admin, never
give a 500. Bounded: ``FUZZ_EXAMPLES`` requests in all (default 600), a few minutes per database.

The test client re-raises a view's exception, so a 500 fails the test with its traceback, and
hypothesis shrinks the body that caused it."""

import json
import os
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import client_for
from tests.systematic.urls import routes, url_for

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "600"))
# Field names the views read, so bodies reach past "missing field" into the validation; and any.
FIELDS = [
    "value", "seq", "flagged", "text", "keystrokes", "kind", "order", "action", "advice", "realname",
    "fixed_line", "broadband", "addons", "payment", "bundle", "reason", "enrollment", "minutes", "decision",
    "image", "communication", "marketing", "retention", "complaint", "comment_image", "cells", "status",
    "chapter_quotas", "difficulty_min", "difficulty_max", "target_difficulty", "difficulty_tolerance",
    "multiple_policy", "examiner", "is_chief", "employee_no", "kind", "name", "capacity", "level", "province",
    "written_start", "written_end", "practical_start", "practical_end", "username", "password", "q", "page",
    "import", "confirm", "new_password1", "new_password2", "file", "type", "stem", "answer", "options",
]  # fmt: skip
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
KEYS = st.sampled_from(FIELDS) | st.text(min_size=1, max_size=8)
FORM = st.dictionaries(KEYS, st.text(max_size=40) | st.lists(st.text(max_size=12), max_size=3), max_size=6)
NAMES = st.text(alphabet="ab名单.xlsx \u202e", min_size=1, max_size=12).filter(lambda n: n.strip(" .") != "")
ROUTES = [route for route in routes() if not route.name.startswith("admin:") and route.name not in ("logout",)]


@st.composite
def requests(draw):
    route = draw(st.sampled_from(ROUTES))
    method = draw(st.sampled_from(["get", "post", "put", "patch", "delete"]))
    persona = draw(st.sampled_from(["candidate", "chief", "admin"]))
    kind = draw(st.sampled_from(["json", "form", "multipart", "query"]))
    if kind == "json":
        body = draw(st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=5) | JSON)
    elif kind == "multipart":
        body = draw(FORM)
        body["file"] = SimpleUploadedFile(draw(NAMES), draw(st.binary(max_size=300)))
    else:
        body = draw(FORM)
    return route, method, persona, kind, body


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",  # the same bodies in every CI run
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(request=requests())
def test_no_body_or_query_string_gives_a_500(exam_day, request):
    day, targets, _clients = exam_day
    route, method, persona, kind, body = request
    user = {"candidate": day.candidate, "chief": day.chief, "admin": _admin()}[persona]
    client = client_for(user)
    url = url_for(route, targets)
    send = getattr(client, method)
    if method == "get" or kind == "query":
        pairs = body if isinstance(body, dict) else {}
        query = urlencode({k: "x" if hasattr(v, "read") else str(v) for k, v in pairs.items()}, doseq=False)
        response = client.generic(method.upper(), f"{url}?{query}")
    elif kind == "json":
        response = send(url, data=json.dumps(body), content_type="application/json")
    elif kind == "multipart" and method == "post":
        response = send(url, data=body)
    else:
        flat = urlencode({k: "x" if hasattr(v, "read") else v for k, v in body.items()}, doseq=True)
        response = send(url, data=flat, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500, (route.name, method, persona, body)


def _admin():
    from certify.people.models import User

    return User.objects.get(username="hr")
