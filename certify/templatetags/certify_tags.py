from django import template
from django.utils import timezone

from certify.validators import mask_id_number, mask_phone

register = template.Library()


@register.filter
def id_number(value: str, show: bool = False) -> str:
    """``{{ c.id_number|id_number:show_personal_data }}``: masked unless ``show``."""
    return value if show else mask_id_number(value or "")


@register.filter
def phone(value: str, show: bool = False) -> str:
    return value if show else mask_phone(value or "")


@register.filter
def local(value):
    """A UTC datetime in Asia/Shanghai (the active time zone)."""
    return timezone.localtime(value) if value else value


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template, or "" when absent."""
    return (mapping or {}).get(key, "")


@register.filter
def cert_status(certificate, today):
    """A certificate's status on ``today``: 有效 / 已撤销 / 已过期."""
    return certificate.display_status(today)
