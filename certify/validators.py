"""Validation and masking of personal data: ID-card numbers and mobile phones."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_SHAPE = re.compile(r"^1\d{10}$")


def id_number_check_char(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def id_number_problem(value: str) -> str | None:
    """Why ``value`` is not a valid 18-digit resident ID number, or None when it is."""
    if not _ID_SHAPE.match(value):
        return _("身份证号应为 18 位：前 17 位为数字，最后一位为数字或 X")
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return _("身份证号中的出生日期 %(date)s 不存在") % {"date": value[6:14]}
    if id_number_check_char(value[:17]) != value[17]:
        return _("身份证号校验位不正确")
    return None


def normalize_id_number(value: str) -> str:
    """Full-width digits and letters (３３０…Ｘ) become ASCII before validating and comparing."""
    return unicodedata.normalize("NFKC", value).strip().upper()


# Bidirectional controls: text that reads differently from how it is stored (a name spoofing another).
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
# Characters that show nothing although they are not spaces (Hangul fillers, the braille blank).
BLANK_LOOKING = set("\u115f\u1160\u3164\uffa0\u2800")


def clean_text_cell(value: str, *, nfkc: bool = False) -> str:
    """An imported text cell as stored: zero-width characters removed, spaces trimmed; with
    ``nfkc`` (codes and numbers: 工号, 身份证号, 手机号) full-width digits and letters become ASCII.
    Names keep their full-width punctuation: 员工（改名） is not 员工(改名)."""
    if nfkc:
        value = unicodedata.normalize("NFKC", value)
    return ZERO_WIDTH.sub("", value).strip()


def name_problem(value: str) -> str | None:
    """Why ``value`` cannot be a person's name, or None."""
    if BIDI_CONTROLS.search(value):
        return _("姓名中含有文字方向控制符，显示出来会与实际内容不同，请删除后重新填写")
    visible = [
        ch for ch in value if not ch.isspace() and ch not in BLANK_LOOKING and unicodedata.category(ch)[0] not in "CZ"
    ]
    if not visible:
        return _("姓名不能为空，也不能只由空白或不可见字符组成")
    return None


def validate_id_number(value: str) -> None:
    problem = id_number_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_id_number")


def validate_mobile(value: str) -> None:
    if not _MOBILE_SHAPE.match(value):
        raise ValidationError(_("手机号应为以 1 开头的 11 位数字"), code="invalid_mobile")


def mask_id_number(value: str) -> str:
    """Keep the first 3 and last 4 characters: 110***********123X."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    """Keep the first 3 and last 4 digits: 138****5678."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
