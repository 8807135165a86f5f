from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

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
def end_time(end, start):
    """The end of a window that began at ``start``, in Asia/Shanghai: ``{{ s.written_start|local|date:"n月j日 H:i" }}–{{
    s.written_end|end_time:s.written_start }}``. 「02:07」 alone would read as before the start when the
    window runs past midnight: the day is said then (「次日 02:07」, later 「12月3日 02:07」)."""
    if not end:
        return ""
    end_local = timezone.localtime(end)
    clock = date_format(end_local, "H:i")
    if not start:
        return clock
    days = (end_local.date() - timezone.localtime(start).date()).days
    if days == 0:
        return clock
    if days == 1:
        return _("次日 %(time)s") % {"time": clock}
    return date_format(end_local, "n月j日 H:i")


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template, or "" when absent."""
    return (mapping or {}).get(key, "")


@register.filter
def cert_status(certificate, today):
    """A certificate's status on ``today``: 有效 / 已撤销 / 已过期."""
    return certificate.display_status(today)
