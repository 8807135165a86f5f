"""The answer save's fast path over HTTP: ``PUT /api/attempts/<id>/answers/<position>/`` with an
API token (``Authorization: Token <key>``), answered before sessions, locale, CSRF, the user,
messages and DRF are reached.

An exam day is mostly saves, and a save needs none of those: the token names the owner and
:func:`exams.written.services.answer_save_fast` checks it (not revoked, not expired, an active
user who need not set a new password) with the attempt, the room and the clock in the
statement that writes the answer. This middleware sits just after the security, CSP and
static-file middleware, so the response carries the same security headers.

Everything this path does not recognise goes on down the stack unchanged, where the API view
answers as it always did: a session (the exam page in a browser), a body that is not a JSON
object of ``value``, ``seq`` and ``flagged``, text the input guard refuses, a query string, and
every save the statement does not write (a bad or expired token, another's attempt, submitted,
paused, past the grace, not on the paper, a value that does not fit, an older seq). So the
messages and status codes are the view's, written once.

The database connection: the statement is one round trip in autocommit. Django's per-request
health check (``CONN_HEALTH_CHECKS``, a ``SELECT 1`` before the first query) is skipped here;
if the kept connection turns out broken, it is closed and the request takes the full path,
which opens a new one (a save is idempotent by its seq).
"""

from __future__ import annotations

import json
import re

from django.db import InterfaceError, OperationalError, connection
from django.http import JsonResponse

from certify.input_guard import Refused, check_json
from certify.people.tokens import key_digest
from exams.written.services import answer_save_fast

# The path of exams.written.urls' "api-attempt-answer" under /api/ (tests/test_lean_save.py
# checks that they agree).
ANSWER_PATH = re.compile(r"^/api/attempts/([0-9]+)/answers/([0-9]+)/$")
FIELDS = frozenset(("value", "seq", "flagged"))


class AnswerSaveFastPath:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "PUT":
            response = fast_save(request)
            if response is not None:
                return response
        return self.get_response(request)


def fast_save(request) -> JsonResponse | None:
    """The save's acknowledgement as the API view gives it, or None: the full path decides."""
    match = ANSWER_PATH.match(request.path_info)
    if match is None or request.META.get("QUERY_STRING"):
        return None
    auth = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(auth) != 2 or auth[0] != "Token" or request.content_type != "application/json":
        return None
    data = _body(request.body)
    if data is None:
        return None
    seq, flagged = data["seq"], data.get("flagged", False)
    if not isinstance(flagged, bool):
        return None
    if connection.connection is not None and not connection.in_atomic_block:
        connection.health_check_done = True  # a broken connection is caught below instead
    try:
        ack = answer_save_fast(
            attempt_id=int(match[1]),
            position=int(match[2]),
            value=data["value"],
            seq=seq,
            flagged=flagged,
            token_digest=key_digest(auth[1]),
        )
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise
        connection.close()
        return None
    if ack is None:
        return None
    return JsonResponse(
        {
            "position": ack.position,
            "seq": ack.seq,
            "applied": ack.applied,
            "saved_at": ack.saved_at.isoformat(),
            "remaining_seconds": ack.remaining_seconds,
        }
    )


def _body(raw: bytes) -> dict | None:
    """The body as the view would accept it without question, or None."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or "value" not in data or "seq" not in data or not data.keys() <= FIELDS:
        return None
    try:
        check_json(data)
    except Refused:
        return None
    return data
