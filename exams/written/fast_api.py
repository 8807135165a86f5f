"""The exam day's three hot requests over HTTP with an API token (``Authorization: Token <key>``),
answered at the WSGI edge (``certify/wsgi.py``) before Django's request handling: no request
object, middleware, session, locale, CSRF, user, messages or DRF.

- The answer save, ``PUT /api/attempts/<id>/answers/<position>/``: the token names the owner
  and :func:`exams.written.services.answer_save_fast` checks it (not revoked, not expired, an
  active user who need not set a new password) with the attempt, the room and the clock in the
  one statement that writes the answer.
- The start of a new attempt, ``POST /api/enrollments/<id>/attempt/`` (no body): a whole sitting
  starts in the same minute. :func:`exams.written.services.attempt_start_fast` reads what the
  start decides on with the token in one statement, decides with the start's rules and inserts
  the attempt; the reply is the API view's (``attempt_state_body``: the cached paper's JSON with
  the clock).
- The clock, ``GET /api/attempts/<id>/clock/``: every page asks every 15 seconds, and all at once
  at the deadline. :func:`exams.written.services.attempt_clock` reads it with the token in one
  statement, and submits an attempt past its time with its room's.

The replies carry the headers the security and CSP middleware put on every response
(:func:`edge_headers`).

The exam page in a browser takes this path too: the paper of an attempt in progress carries a
token of its own, bound to the session (``exams.written.views.ExamView``,
``certify.people.tokens.page_token_issue``), and exam.js sends it with every save.

Everything this path does not recognise goes on to Django unchanged (the body it read is handed
on), where the API view answers as it always did: a session without a token (the practical
pages, an older page), a body that is not a JSON object of ``value``, ``seq`` and ``flagged``, text the input guard
refuses, a query string, plain HTTP when HTTPS is required, every save the statement does
not write (a bad, revoked or expired token, another's attempt, submitted, paused, past the
grace, not on the paper, a value that does not fit, an older seq), and every start that is not
a new attempt the rules allow (a resumed attempt, another's enrolment, before or after the
window, no paper). So the messages and status codes are the view's, written once.

The database connection is the thread's Django connection, kept (``CONN_MAX_AGE``): the
statement is one round trip in autocommit, without Django's per-request health check. If the
connection turns out broken, it is closed and the request takes the full path, which opens a
new one (a save is idempotent by its seq).
"""

from __future__ import annotations

import io
import json
import re
from functools import lru_cache

from csp.utils import build_policy
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

from certify.input_guard import Refused, check_json
from certify.people.tokens import key_digest
from exams.written.api import attempt_state_body, clock_body
from exams.written.models import Attempt
from exams.written.services import answer_save_fast, attempt_clock, attempt_start_fast

# The path of exams.written.urls' "api-attempt-answer" under /api/ (tests/test_lean_save.py
# checks that they agree).
ANSWER_PATH = re.compile(r"^/api/attempts/([0-9]+)/answers/([0-9]+)/$")
START_PATH = re.compile(r"^/api/enrollments/([0-9]+)/attempt/$")
CLOCK_PATH = re.compile(r"^/api/attempts/([0-9]+)/clock/$")
FIELDS = frozenset(("value", "seq", "flagged"))
MAX_BODY = 64 * 1024  # a 5,000-character answer escaped as \uXXXX is about 30 KB


def with_fast_save(app):
    """``app`` (Django's WSGI handler) with token-authenticated answer saves and starts answered first."""

    def application(environ, start_response):
        if environ.get("HTTP_AUTHORIZATION", "").startswith("Token ") and not environ.get("QUERY_STRING"):
            method = environ.get("REQUEST_METHOD")
            reply = None
            if method == "PUT" and (match := ANSWER_PATH.match(environ.get("PATH_INFO", ""))):
                body = _read_body(environ)
                if body is not None:
                    reply = fast_save(environ, match, body)
                    if reply is None:
                        environ["wsgi.input"] = io.BytesIO(body)  # the full path reads it again
            elif method == "GET" and (match := CLOCK_PATH.match(environ.get("PATH_INFO", ""))):
                reply = fast_clock(environ, match)
            elif (
                method == "POST"
                and environ.get("CONTENT_LENGTH", "0") in ("", "0")
                and (match := START_PATH.match(environ.get("PATH_INFO", "")))
            ):
                reply = fast_start(environ, match)
            if reply is not None:
                headers = [*edge_headers(_is_secure(environ)), ("Content-Length", str(len(reply)))]
                start_response("200 OK", headers)
                return [reply]
        return app(environ, start_response)

    return application


def _read_body(environ) -> bytes | None:
    """The whole body of a JSON request of a known, modest length; None otherwise (not read)."""
    if environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower() != "application/json":
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    if not 0 < length <= MAX_BODY:
        return None
    return environ["wsgi.input"].read(length)


def fast_save(environ, match, body: bytes) -> bytes | None:
    """The save's acknowledgement (the API view's JSON), or None: the full path decides."""
    key = _token(environ)
    if key is None:
        return None
    data = _data(body)
    if data is None:
        return None
    flagged = data.get("flagged", False)
    if not isinstance(flagged, bool):
        return None
    ack = _on_kept_connection(
        lambda: answer_save_fast(
            attempt_id=int(match[1]),
            position=int(match[2]),
            value=data["value"],
            seq=data["seq"],
            flagged=flagged,
            token_digest=key_digest(key),
        )
    )
    if ack is None:
        return None
    return json.dumps(
        {
            "position": ack.position,
            "seq": ack.seq,
            "applied": ack.applied,
            "saved_at": ack.saved_at.isoformat(),
            "remaining_seconds": ack.remaining_seconds,
        },
        separators=(",", ":"),
    ).encode()


def fast_start(environ, match) -> bytes | None:
    """A new attempt's state (the API view's JSON), or None: the full path decides."""
    key = _token(environ)
    if key is None:
        return None
    started = _on_kept_connection(lambda: attempt_start_fast(enrollment_id=int(match[1]), token_digest=key_digest(key)))
    return None if started is None else attempt_state_body(started.attempt, started)


def fast_clock(environ, match) -> bytes | None:
    """The attempt's clock (the API view's JSON), or None: the full path decides (an unknown,
    revoked or expired token, another's attempt). An attempt past its time is submitted here as
    there, with its room's (``attempt_clock``)."""
    key = _token(environ)
    if key is None:
        return None
    now = timezone.now()

    def clock():
        try:
            return attempt_clock(attempt=int(match[1]), token_digest=key_digest(key), now=now)
        except Attempt.DoesNotExist:
            return None

    state = _on_kept_connection(clock)
    return None if state is None else json.dumps(clock_body(state, now), separators=(",", ":")).encode()


def _token(environ) -> str | None:
    """The API key of a request this path may answer, or None."""
    auth = environ.get("HTTP_AUTHORIZATION", "").split()
    if len(auth) != 2 or auth[0] != "Token":
        return None
    if settings.SECURE_SSL_REDIRECT and not _is_secure(environ):
        return None
    return auth[1]


def _on_kept_connection(call):
    """``call()`` on the thread's kept connection (``CONN_MAX_AGE``) in autocommit, without Django's
    per-request health check: a broken connection is closed and None returned instead, and the
    request takes the full path, which opens a new one (a save is idempotent by its seq, a start
    by the one attempt per enrolment)."""
    if connection.connection is not None and not connection.in_atomic_block:
        connection.health_check_done = True  # a broken connection is caught below instead
    try:
        return call()
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise
        connection.close()
        return None


def _data(body: bytes) -> dict | None:
    """The body as the view would accept it without question, or None."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or "value" not in data or "seq" not in data or not data.keys() <= FIELDS:
        return None
    try:
        check_json(data)  # the input guard's rules; it answers with its message on the full path
    except Refused:
        return None
    return data


def _is_secure(environ) -> bool:
    if environ.get("wsgi.url_scheme") == "https":
        return True
    header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    return bool(header) and environ.get(header[0], "").split(",")[0].strip() == header[1]


@lru_cache(maxsize=2)
def edge_headers(secure: bool) -> tuple[tuple[str, str], ...]:
    """The headers Django's SecurityMiddleware and django-csp give a JSON response, built once."""
    headers = [("Content-Type", "application/json")]
    if policy := build_policy():
        headers.append(("Content-Security-Policy", policy))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        referrer = settings.SECURE_REFERRER_POLICY
        headers.append(("Referrer-Policy", referrer if isinstance(referrer, str) else ",".join(referrer)))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    if secure and settings.SECURE_HSTS_SECONDS:
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        hsts += "; includeSubDomains" if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS else ""
        hsts += "; preload" if settings.SECURE_HSTS_PRELOAD else ""
        headers.append(("Strict-Transport-Security", hsts))
    return tuple(headers)
