"""Writes to the certification standard. Versions are never edited in place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from certify.standard.models import (
    PRACTICAL_MIN_EXAMINERS_FLOOR,
    PRACTICAL_MINUTES_RANGE,
    WRITTEN_MIN_EXAMINERS_FLOOR,
    WRITTEN_MINUTES_RANGE,
    WRITTEN_RATIO_CEILING,
    Level,
    LevelRule,
    StandardVersion,
)
from certify.standard.selectors import standard_current

STANDARD_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "standard.json"

RULE_FIELDS = [field.name for field in LevelRule._meta.concrete_fields if field.name not in {"id", "version", "level"}]


def level_rule_errors(values: dict[str, Any], *, level: int) -> list[str]:
    """Every way ``values`` break the standard, each as a sentence naming the level."""
    name = Level(level).label
    errors: list[str] = []
    missing = [field for field in RULE_FIELDS if values.get(field) is None]
    if missing:
        labels = "、".join(str(LevelRule._meta.get_field(field).verbose_name) for field in missing)
        return [_("%(level)s：缺少 %(fields)s") % {"level": name, "fields": labels}]
    for field in RULE_FIELDS:
        value = values[field]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            label = LevelRule._meta.get_field(field).verbose_name
            errors.append(_("%(level)s：%(field)s 必须是不小于 0 的整数") % {"level": name, "field": label})
    if errors:
        return errors

    written_total = (
        values["single_count"] * values["single_points"]
        + values["multiple_count"] * values["multiple_points"]
        + values["situational_count"] * values["situational_points"]
    )
    if written_total != 100:
        errors.append(
            _(
                "%(level)s：笔试题型分值合计须为 100 分，当前为 %(total)s 分"
                "（单选 %(sc)s×%(sp)s + 多选 %(mc)s×%(mp)s + 情景分析 %(tc)s×%(tp)s）"
            )
            % {
                "level": name,
                "total": written_total,
                "sc": values["single_count"],
                "sp": values["single_points"],
                "mc": values["multiple_count"],
                "mp": values["multiple_points"],
                "tc": values["situational_count"],
                "tp": values["situational_points"],
            }
        )
    if values["single_count"] and values["single_points"] == 0:
        errors.append(_("%(level)s：单选题每题分值不能为 0") % {"level": name})
    weights = values["weight_typing"] + values["weight_business"] + values["weight_scene"]
    if weights != 100:
        errors.append(
            _(
                "%(level)s：实操三部分权重合计须为 100，当前为 %(total)s"
                "（文字阅录 %(t)s + 业务受理 %(b)s + 情景模拟 %(s)s）"
            )
            % {
                "level": name,
                "total": weights,
                "t": values["weight_typing"],
                "b": values["weight_business"],
                "s": values["weight_scene"],
            }
        )
    low, high = WRITTEN_MINUTES_RANGE
    if not low <= values["written_minutes"] <= high:
        errors.append(
            _("%(level)s：笔试时长须在 %(low)s–%(high)s 分钟之间，当前为 %(value)s 分钟")
            % {"level": name, "low": low, "high": high, "value": values["written_minutes"]}
        )
    low, high = PRACTICAL_MINUTES_RANGE
    if not low <= values["practical_minutes"] <= high:
        errors.append(
            _("%(level)s：实操时长须在 %(low)s–%(high)s 分钟之间，当前为 %(value)s 分钟")
            % {"level": name, "low": low, "high": high, "value": values["practical_minutes"]}
        )
    for field in (
        "written_pass_mark",
        "practical_pass_mark",
        "typing_accuracy_floor",
        "business_unasked_bundle_cap",
        "business_refusal_base",
    ):
        if values[field] > 100:
            label = LevelRule._meta.get_field(field).verbose_name
            errors.append(_("%(level)s：%(field)s 不能超过 100") % {"level": name, "field": label})
    if sum(values[field] for field in RULE_FIELDS if field.startswith("business_weight_")) < 1:
        errors.append(_("%(level)s：业务受理评分各项分值不能全为 0") % {"level": name})
    if values["certificate_valid_years"] < 1:
        errors.append(_("%(level)s：证书有效期至少 1 年") % {"level": name})
    if values["typing_minutes"] < 1 or values["typing_target_cpm"] < 1:
        errors.append(_("%(level)s：文字阅录限时和目标速度都必须大于 0") % {"level": name})
    if not 1 <= values["written_examiner_ratio"] <= WRITTEN_RATIO_CEILING:
        errors.append(
            _("%(level)s：笔试考评员配比不得低于 1:%(ceiling)s，当前为 1:%(value)s")
            % {"level": name, "ceiling": WRITTEN_RATIO_CEILING, "value": values["written_examiner_ratio"]}
        )
    if values["written_min_examiners"] < WRITTEN_MIN_EXAMINERS_FLOOR:
        errors.append(
            _("%(level)s：笔试每个考场不少于 %(floor)s 名考评员，当前设置为 %(value)s")
            % {"level": name, "floor": WRITTEN_MIN_EXAMINERS_FLOOR, "value": values["written_min_examiners"]}
        )
    if values["practical_examiner_ratio"] < 1:
        errors.append(_("%(level)s：实操考评员配比必须至少为 1:1") % {"level": name})
    if values["practical_min_examiners"] < PRACTICAL_MIN_EXAMINERS_FLOOR:
        errors.append(
            _("%(level)s：实操每个考场不少于 %(floor)s 名考评员，当前设置为 %(value)s")
            % {"level": name, "floor": PRACTICAL_MIN_EXAMINERS_FLOOR, "value": values["practical_min_examiners"]}
        )
    return errors


def rule_values(rule: LevelRule) -> dict[str, int]:
    return {field: getattr(rule, field) for field in RULE_FIELDS}


@transaction.atomic
def standard_version_create(*, rules: dict[int, dict[str, Any]], note: str, by: AbstractUser | None) -> StandardVersion:
    """Write a new version of the standard holding ``rules`` for all three levels.

    Raises ``ValidationError`` listing every broken rule of every level; nothing
    is written then. Two admins revising at once both succeed in turn: the
    version number is retried on a unique-constraint clash.
    """
    errors: list[str] = []
    if set(rules) != set(Level.values):
        errors.append(_("认证标准必须同时包含营业五级、四级、三级的规则"))
    for level in Level.values:
        if level in rules:
            errors.extend(level_rule_errors(rules[level], level=level))
    if not note.strip():
        errors.append(_("请填写修订说明"))
    if errors:
        raise ValidationError(errors)

    for _attempt in range(3):
        latest = StandardVersion.objects.order_by("-number").first()
        number = (latest.number + 1) if latest else 1
        try:
            with transaction.atomic():
                version = StandardVersion.objects.create(number=number, note=note.strip(), created_by=by)
        except IntegrityError:
            continue
        LevelRule.objects.bulk_create(
            LevelRule(version=version, level=level, **{field: rules[level][field] for field in RULE_FIELDS})
            for level in Level.values
        )
        return version
    raise ValidationError(_("认证标准正在被其他人修订，请稍后重试"))


def standard_revise(*, changes: dict[int, dict[str, Any]], note: str, by: AbstractUser | None) -> StandardVersion:
    """Write a new version: the current rules with ``changes`` applied per level."""
    current = standard_current()
    if current is None:
        raise ValidationError(_("尚未载入认证标准，请先运行 load_standard"))
    rules = {rule.level: rule_values(rule) for rule in current.rules.all()}
    unknown = sorted({field for level_changes in changes.values() for field in level_changes} - set(RULE_FIELDS))
    if unknown:
        raise ValidationError(_("未知的规则字段：%(fields)s") % {"fields": "、".join(unknown)})
    for level, level_changes in changes.items():
        if level not in rules:
            raise ValidationError(_("未知的级别：%(level)s") % {"level": level})
        rules[level].update(level_changes)
    return standard_version_create(rules=rules, note=note, by=by)


def standard_load_defaults(*, path: Path = STANDARD_FIXTURE) -> tuple[StandardVersion, bool]:
    """Load the standard's defaults from the fixture unless a version exists.

    Returns the current version and whether it was created now.
    """
    current = standard_current()
    if current is not None:
        return current, False
    data = json.loads(path.read_text(encoding="utf-8"))
    rules = {int(level): values for level, values in data["levels"].items()}
    return standard_version_create(rules=rules, note=data["note"], by=None), True
