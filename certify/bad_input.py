"""Input a view cannot use is answered with 400 naming the field, never with a 500.

- ``posted_id(request.POST, "enrollment")``: an id posted by a form, or ``FieldProblem`` (a
  ``BadRequest``: Django answers 400 through ``bad_request`` below, which shows the message).
- ``whole_number(lo, hi)``: a DRF integer field whose every refusal says the range, so a
  sequence number of 2^63 is refused before the database overflows.
- ``serializer_problem(serializer)``: a refused serializer as ``{"detail": "seq：…", "field": "seq"}``.
"""

from __future__ import annotations

import re

from django.core.exceptions import BadRequest
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.response import Response

DIGITS = re.compile(r"[0-9]{1,18}")
MAX_JS_INTEGER = 2**53 - 1  # the largest integer a browser's JSON keeps exactly
MAX_INT32 = 2**31 - 1


class FieldProblem(BadRequest):
    def __init__(self, field: str, message: str):
        super().__init__(f"「{field}」{message}")
        self.field = field
        self.message = f"「{field}」{message}"


def posted_id(data, field: str, *, required: bool = True) -> int | None:
    """The positive whole number posted as ``field`` (ASCII digits only), or ``FieldProblem``."""
    raw = (data.get(field) or "").strip()
    if not raw and not required:
        return None
    if not DIGITS.fullmatch(raw) or int(raw) < 1:
        raise FieldProblem(field, _("应为整数编号"))
    return int(raw)


def whole_number(lo: int, hi: int, **kwargs) -> serializers.IntegerField:
    message = _("应为 %(lo)s–%(hi)s 的整数") % {"lo": lo, "hi": hi}
    codes = ("invalid", "min_value", "max_value", "max_string_length", "null")
    return serializers.IntegerField(min_value=lo, max_value=hi, error_messages=dict.fromkeys(codes, message), **kwargs)


def serializer_problem(serializer: serializers.Serializer) -> Response:
    """The first refused field, by name, with its first message."""
    field, errors = next(iter(serializer.errors.items()))
    message = errors[0] if isinstance(errors, list) and errors else str(errors)
    if isinstance(message, dict):
        message = _("格式不正确")
    body = {"detail": f"{field}：{message}", "field": field}
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


def bad_request(request, exception=None):
    """handler400: the message of a ``FieldProblem`` (as JSON for the API), a generic one otherwise."""
    message = getattr(exception, "message", None)
    if request.path.startswith("/api/"):
        body = {"detail": message or _("请求有误")}
        if getattr(exception, "field", None):
            body["field"] = exception.field
        return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
    return render(request, "400.html", {"message": message}, status=400)
