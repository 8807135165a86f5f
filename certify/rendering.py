"""Pages and API responses that survive stored text which is not valid Unicode.

The edge refuses such text (:mod:`certify.input_guard`), but a value stored before that guard,
or written by a script, must not make a page fail for good: a lone surrogate in a candidate's
answer would otherwise turn their exam page into a 500 on every load. Both renderers replace
any lone surrogate with U+FFFD (�) when, and only when, the output cannot be encoded.
"""

from __future__ import annotations

import re

from django.template.backends.django import DjangoTemplates
from django.template.backends.django import Template as DjangoTemplate
from rest_framework.renderers import JSONRenderer

SURROGATE = re.compile("[\ud800-\udfff]")


def encodable(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD; unchanged (and fast) otherwise."""
    return SURROGATE.sub("\ufffd", text) if SURROGATE.search(text) else text


class Template:
    def __init__(self, template: DjangoTemplate):
        self.template = template

    def __getattr__(self, name):
        return getattr(self.template, name)

    def render(self, context=None, request=None) -> str:
        return encodable(self.template.render(context, request))


class SafeDjangoTemplates(DjangoTemplates):
    """Django's template engine whose output always encodes to UTF-8."""

    def from_string(self, template_code):
        return Template(super().from_string(template_code))

    def get_template(self, template_name):
        return Template(super().get_template(template_name))


class SafeJSONRenderer(JSONRenderer):
    """DRF's JSON renderer; a response holding a lone surrogate is written with it replaced."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return super().render(_replace(data), accepted_media_type, renderer_context)


def _replace(value):
    if isinstance(value, str):
        return encodable(value)
    if isinstance(value, dict):
        return {_replace(key): _replace(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_replace(item) for item in value]
    return value
