"""Text that is not valid Unicode is refused at the edge, before any view sees it.

A lone surrogate (``"\\ud800"`` in JSON), a NUL or another control character can be decoded
into a Python string but not stored (PostgreSQL refuses NUL and unpaired surrogates), not
encoded back to UTF-8 (the page that shows it fails) and not written to Excel. So every
request's text is checked once here, whatever the endpoint: the JSON body (keys and values,
at any depth), form fields and file names, and the query string. A refused request gets 400
naming the field (``order.realname.name``, ``reason``), as JSON for the API and as a page
otherwise.

The same pass refuses JSON nested deeper than ``MAX_JSON_DEPTH`` (Python's parser would
overflow its stack on a few thousand levels) and a multipart body that cannot be parsed.

Stored text that predates this guard is made safe where it is rendered: see
:mod:`certify.rendering`.
"""

from __future__ import annotations

import json
import re

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

# C0 controls except tab, newline and carriage return; UTF-16 surrogates (never valid alone in a
# Python string); the two non-characters U+FFFE and U+FFFF.
BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_JSON_DEPTH = 32
JSON_TYPES = re.compile(r"^application/([\w.+-]*\+)?json$")


class Refused(Exception):
    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None."""
    match = BAD_CHARACTER.search(value)
    if match is None:
        return None
    if "\ud800" <= match.group() <= "\udfff":
        return _("含有无效的 Unicode 字符（不成对的代理项）")
    return _("含有不可见的控制字符（U+%(code)04X）") % {"code": ord(match.group())}


def _check_text(value: str, field: str) -> None:
    problem = text_problem(value)
    if problem:
        raise Refused(
            _("「%(field)s」%(problem)s，请删除后重试") % {"field": field or _("请求"), "problem": problem}, field
        )


def check_json(data) -> None:
    """Every key and string of a parsed JSON document, iteratively (no recursion), with its depth."""
    stack = [(data, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise Refused(_("JSON 嵌套层数过多（最多 %(n)s 层）") % {"n": MAX_JSON_DEPTH}, path)
        if isinstance(value, str):
            _check_text(value, path)
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                _check_text(str(key), child)
                stack.append((item, child, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{index}]", depth + 1) for index, item in enumerate(value))


def _check_json_body(request: HttpRequest) -> None:
    body = request.body
    if not body:
        return
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(_("请求内容不是有效的 UTF-8 文本")) from None
    try:
        data = json.loads(text)
    except RecursionError:
        raise Refused(_("JSON 嵌套层数过多（最多 %(n)s 层）") % {"n": MAX_JSON_DEPTH}) from None
    except ValueError:
        return  # not JSON at all: the API's parser answers 400 with its own message
    check_json(data)


def _check_form(request: HttpRequest) -> None:
    try:
        fields, files = request.POST, request.FILES
    except MultiPartParserError:
        raise Refused(_("表单数据格式不正确，无法读取")) from None
    for key, values in fields.lists():
        _check_text(key, key)
        for value in values:
            _check_text(value, key)
    for key, uploads in files.lists():
        for upload in uploads:
            _check_text(upload.name or "", key)


def check_request(request: HttpRequest) -> None:
    for key, values in request.GET.lists():
        _check_text(key, key)
        for value in values:
            _check_text(value, key)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    content_type = (request.content_type or "").lower()
    if JSON_TYPES.match(content_type):
        _check_json_body(request)
    elif request.method == "POST" and content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        _check_form(request)


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or JSON_TYPES.match((request.content_type or "").lower()) is not None


class InputGuardMiddleware:
    """Refuse invalid text in any request with 400 naming the field (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request(request)
        except Refused as refused:
            if wants_json(request):
                body = {"detail": refused.message}
                if refused.field:
                    body["field"] = refused.field
                return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
            return render(request, "400.html", {"message": refused.message}, status=400)
        return self.get_response(request)
