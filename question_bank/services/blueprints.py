"""Blueprints (组卷规则): their defaults, validation, and whether the bank can satisfy them."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from certify.people.models import User
from certify.standard.models import Level
from certify.standard.selectors import standard_current
from question_bank.models import (
    Blueprint,
    ItemStatus,
    ItemType,
    ItemVersion,
    KnowledgePoint,
    MultiplePolicy,
    chapter_label,
)

BLUEPRINT_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "blueprints.json"
COUNT_FIELDS = [f"{t}_{what}" for t in ItemType.values for what in ("count", "points")]


def levels_phrase(level: int) -> str:
    """Which items a paper of ``level`` may draw on, in words."""
    if level == Level.FIVE:
        return _("营业五级")
    return _("%(level)s及以下级别") % {"level": Level(level).label}


def blueprint_errors(values: dict[str, Any], *, level: int) -> list[str]:
    """Every way ``values`` (a blueprint's fields) are inconsistent, as sentences."""
    name = Level(level).label
    errors: list[str] = []
    total = sum(values[f"{t}_count"] * values[f"{t}_points"] for t in ItemType.values)
    if total != 100:
        errors.append(_("%(level)s：各题型分值合计须为 100 分，当前为 %(total)s 分") % {"level": name, "total": total})
    chapters = set(KnowledgePoint.objects.filter(parent__isnull=True).values_list("code", flat=True))
    quotas = values.get("chapter_quotas")
    if quotas is None:
        return [*errors, _("%(level)s：各章题量（chapter_quotas）不能为空") % {"level": name}]
    if not isinstance(quotas, dict):
        return [*errors, _("%(level)s：各章题量格式不正确") % {"level": name}]
    for item_type, per_chapter in quotas.items():
        if item_type not in ItemType.values:
            errors.append(_("%(level)s：各章题量中有未知题型 %(type)s") % {"level": name, "type": item_type})
            continue
        if not per_chapter:
            continue
        if not isinstance(per_chapter, dict) or not all(
            isinstance(count, int) and not isinstance(count, bool) and count >= 0 for count in per_chapter.values()
        ):
            errors.append(
                _("%(level)s：%(type)s题的各章题量必须是不小于 0 的整数")
                % {"level": name, "type": ItemType(item_type).label}
            )
            continue
        unknown = sorted(set(map(str, per_chapter)) - chapters)
        if unknown:
            errors.append(
                _("%(level)s：%(type)s题的各章题量中有不存在的章：%(chapters)s")
                % {"level": name, "type": ItemType(item_type).label, "chapters": "、".join(unknown)}
            )
        quota_total = sum(per_chapter.values())
        if quota_total != values[f"{item_type}_count"]:
            errors.append(
                _("%(level)s：%(type)s题各章题量合计 %(sum)s 道，应等于题量 %(count)s 道")
                % {
                    "level": name,
                    "type": ItemType(item_type).label,
                    "sum": quota_total,
                    "count": values[f"{item_type}_count"],
                }
            )
    low, high = values["difficulty_min"], values["difficulty_max"]
    if not 1 <= low <= high <= 5:
        errors.append(_("%(level)s：难度范围须在 1–5 之间且最低不高于最高") % {"level": name})
    target, tolerance = Decimal(values["target_difficulty"]), Decimal(values["difficulty_tolerance"])
    if not low <= target <= high:
        errors.append(
            _("%(level)s：目标平均难度 %(target)s 不在难度范围 %(low)s–%(high)s 之内")
            % {"level": name, "target": target, "low": low, "high": high}
        )
    if not Decimal("0.1") <= tolerance <= Decimal("2"):
        errors.append(_("%(level)s：平均难度允许偏差须在 0.1–2 之间") % {"level": name})
    if values["multiple_policy"] not in MultiplePolicy.values:
        errors.append(_("%(level)s：未知的多选题计分方式") % {"level": name})
    return errors


def standard_counts(level: int) -> dict[str, int] | None:
    """Counts and points per type for ``level`` in the standard in force."""
    standard = standard_current()
    if standard is None:
        return None
    rule = standard.rule_for(level)
    return {field_name: getattr(rule, field_name) for field_name in COUNT_FIELDS}


@transaction.atomic
def blueprint_update(*, blueprint: Blueprint, values: dict[str, Any], by: User | None) -> Blueprint:
    """Save quotas, difficulty and scoring policy; counts and points always follow the standard in force."""
    merged = {field: getattr(blueprint, field) for field in BLUEPRINT_FIELDS}
    merged.update({key: value for key, value in values.items() if key not in COUNT_FIELDS})
    merged.update(standard_counts(blueprint.level) or {})
    errors = blueprint_errors(merged, level=blueprint.level)
    if errors:
        raise ValidationError(errors)
    for field_name, value in merged.items():
        setattr(blueprint, field_name, value)
    blueprint.updated_by = by
    blueprint.save()
    return blueprint


BLUEPRINT_FIELDS = [
    *COUNT_FIELDS,
    "chapter_quotas",
    "difficulty_min",
    "difficulty_max",
    "target_difficulty",
    "difficulty_tolerance",
    "multiple_policy",
]


def blueprints_load_defaults(*, path: Path = BLUEPRINT_FIXTURE) -> int:
    """Create the blueprint of each level that has none: counts and points from the standard in force,
    quotas and difficulty from the fixture. Returns how many were created."""
    standard = standard_current()
    if standard is None:
        raise ValidationError(_("尚未载入认证标准"))
    defaults = json.loads(path.read_text(encoding="utf-8"))
    created = 0
    for rule in standard.rules.all():
        if Blueprint.objects.filter(level=rule.level).exists():
            continue
        values = {field_name: getattr(rule, field_name) for field_name in COUNT_FIELDS}
        values.update(defaults[str(rule.level)])
        values["target_difficulty"] = Decimal(str(values["target_difficulty"]))
        values["difficulty_tolerance"] = Decimal(str(values["difficulty_tolerance"]))
        errors = blueprint_errors(values, level=rule.level)
        if errors:
            raise ValidationError(errors)
        Blueprint.objects.create(level=rule.level, **values)
        created += 1
    return created


# --- feasibility -------------------------------------------------------------------------


@dataclass
class PoolReport:
    """One group a paper draws from: a type, and a chapter when the blueprint sets quotas."""

    item_type: str
    chapter: str | None
    needed: int
    available: int
    difficulties: list[int] = field(default_factory=list, repr=False)
    # Items a paper can take from the pool at once: one per enemy group plus every ungrouped item.
    independent: int | None = None
    groups: set[str] = field(default_factory=set, repr=False)

    @property
    def label(self) -> str:
        type_label = ItemType(self.item_type).label
        return f"{chapter_label(self.chapter)} {type_label}题" if self.chapter else f"{type_label}题"

    @property
    def usable(self) -> int:
        return self.available if self.independent is None else self.independent

    @property
    def short(self) -> bool:
        return self.usable < self.needed

    @property
    def exposure(self) -> float | None:
        """The share of papers an ungrouped item of this pool appears on when use is spread evenly
        (items of one enemy group share a place); None when short."""
        return None if self.short else self.needed / self.usable

    @property
    def exposure_percent(self) -> int | None:
        return None if self.exposure is None else round(100 * self.exposure)


@dataclass
class Feasibility:
    blueprint: Blueprint
    pools: list[PoolReport]
    problems: list[str]
    distinct_papers: int
    mean_range: tuple[float, float] | None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def distinct_papers_display(self) -> str:
        if self.distinct_papers >= 10**12:
            return _("超过 10^%(exp)s 种") % {"exp": len(str(self.distinct_papers)) - 1}
        return _("%(count)s 种") % {"count": f"{self.distinct_papers:,}"}


def eligible_versions(*, blueprint: Blueprint):
    """Current versions of active items a paper of this blueprint may use."""
    return ItemVersion.objects.filter(
        item__current=F("pk"),
        item__status=ItemStatus.ACTIVE,
        level__in=Level.included_in(blueprint.level),
        difficulty__gte=blueprint.difficulty_min,
        difficulty__lte=blueprint.difficulty_max,
    )


def _pool_report(item_type: str, chapter: str | None, needed: int, rows: list[tuple[int, str]]) -> PoolReport:
    """``rows`` are (difficulty, enemy group) of the pool's items."""
    groups = {group for _d, group in rows if group}
    ungrouped = sum(1 for _d, group in rows if not group)
    return PoolReport(
        item_type,
        chapter,
        needed,
        len(rows),
        sorted(d for d, _group in rows),
        independent=ungrouped + len(groups),
        groups=groups,
    )


def enemy_groups_fill(pools: list[PoolReport]) -> bool:
    """Can every pool be filled at once when each enemy group gives one item to one pool only?

    Ungrouped items serve their own pool; the places left are matched to groups (augmenting paths).
    """
    slots = [
        pool_index
        for pool_index, pool in enumerate(pools)
        for _ in range(max(0, pool.needed - (pool.usable - len(pool.groups))))
    ]
    if not slots:
        return True
    groups_of_pool = [pool.groups for pool in pools]
    owner: dict[int, str] = {}  # slot → group

    def place(group: str, visited: set[int]) -> bool:
        for slot, pool_index in enumerate(slots):
            if slot in visited or group not in groups_of_pool[pool_index]:
                continue
            visited.add(slot)
            if slot not in owner or place(owner[slot], visited):
                owner[slot] = group
                return True
        return False

    for group in sorted(set().union(*groups_of_pool)):
        place(group, set())
    return len(owner) == len(slots)


def blueprint_feasibility(*, blueprint: Blueprint) -> Feasibility:
    """Can the active bank fill this blueprint? Says exactly what is short and how many different papers exist.

    Enemy groups count: a paper takes at most one item of a group, so a pool offers one place per
    group plus its ungrouped items, and a group shared by several pools fills only one of them.
    """
    rows = list(
        eligible_versions(blueprint=blueprint).values_list(
            "type", "knowledge_point__code", "difficulty", "item__enemy_group"
        )
    )
    pools: list[PoolReport] = []
    for item_type in ItemType.values:
        needed = blueprint.count_for(item_type)
        if needed == 0:
            continue
        quotas = blueprint.quotas_for(item_type)
        of_type = [(code.split(".")[0], difficulty, group) for t, code, difficulty, group in rows if t == item_type]
        if quotas:
            for chapter, count in sorted(quotas.items()):
                if count:
                    pools.append(
                        _pool_report(item_type, chapter, count, [(d, g) for c, d, g in of_type if c == chapter])
                    )
        else:
            pools.append(_pool_report(item_type, None, needed, [(d, g) for _c, d, g in of_type]))

    problems = []
    counts = standard_counts(blueprint.level)
    if counts is not None:
        differing = [
            _("%(type)s %(mine)s×%(mine_points)s 分（标准为 %(std)s×%(std_points)s 分）")
            % {
                "type": ItemType(t).label,
                "mine": blueprint.count_for(t),
                "mine_points": blueprint.points_for(t),
                "std": counts[f"{t}_count"],
                "std_points": counts[f"{t}_points"],
            }
            for t in ItemType.values
            if (blueprint.count_for(t), blueprint.points_for(t)) != (counts[f"{t}_count"], counts[f"{t}_points"])
        ]
        if differing:
            problems.append(
                _("组卷规则的题量与现行认证标准不一致：%(list)s。请调整各章题量后保存组卷规则")
                % {"list": "；".join(differing)}
            )
    problems += [
        _("%(pool)s需要 %(needed)s 道（%(levels)s、难度 %(low)s–%(high)s），题库中只有 %(available)s 道启用的题目")
        % {
            "pool": pool.label,
            "needed": pool.needed,
            "levels": levels_phrase(blueprint.level),
            "low": blueprint.difficulty_min,
            "high": blueprint.difficulty_max,
            "available": pool.available,
        }
        for pool in pools
        if pool.available < pool.needed
    ]
    problems += [
        _(
            "%(pool)s需要 %(needed)s 道，题库中有 %(available)s 道，但同一互斥组的题目不能同卷，"
            "每份试卷最多只能从中抽出 %(usable)s 道"
        )
        % {"pool": pool.label, "needed": pool.needed, "available": pool.available, "usable": pool.usable}
        for pool in pools
        if pool.available >= pool.needed and pool.short
    ]
    if not any(pool.short for pool in pools) and not enemy_groups_fill(pools):
        problems.append(
            _("互斥组跨多个抽题范围：同一组的题目只能有一道上卷，各范围无法同时抽满。请拆分互斥组或补充题目")
        )
    mean_range = None
    if pools and not any(pool.short for pool in pools):
        total = sum(pool.needed for pool in pools)
        lowest = sum(sum(pool.difficulties[: pool.needed]) for pool in pools) / total
        highest = sum(sum(pool.difficulties[-pool.needed :]) for pool in pools) / total
        mean_range = (lowest, highest)
        target, tolerance = float(blueprint.target_difficulty), float(blueprint.difficulty_tolerance)
        if highest < target - tolerance or lowest > target + tolerance:
            problems.append(
                _("平均难度目标 %(target)s±%(tol)s 无法达到：题库能组出的平均难度在 %(low).2f–%(high).2f 之间")
                % {
                    "target": f"{target:g}",
                    "tol": f"{tolerance:g}",
                    "low": lowest,
                    "high": highest,
                }
            )
    # One item per place: counting places rather than items keeps the estimate on the safe side.
    distinct = 0 if any(pool.short for pool in pools) else math.prod(math.comb(p.usable, p.needed) for p in pools)
    return Feasibility(
        blueprint=blueprint, pools=pools, problems=problems, distinct_papers=distinct, mean_range=mean_range
    )
