"""Writes to items and knowledge points."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certify.people.models import User
from certify.standard.models import Level
from certify.standard.selectors import standard_current
from question_bank.models import FindingReview, Item, ItemStatus, ItemVersion, KnowledgePoint
from question_bank.validation import (
    ItemData,
    RowError,
    item_from_cells,
    knowledge_point_lookup,
    rubric_text,
)

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


def situational_points_by_level() -> dict[int, int]:
    """What a situational item is worth at each level, by the standard in force (10 by default)."""
    current = standard_current()
    if current is None:
        return dict.fromkeys(Level.values, 10)
    return {rule.level: rule.situational_points for rule in current.rules.all()}


class DuplicateItem(ValidationError):
    pass


def _check_not_duplicate(data: ItemData, *, exclude: Item | None = None) -> None:
    clash = Item.objects.filter(stem_key=data.stem_key).exclude(pk=getattr(exclude, "pk", None)).first()
    if clash is not None:
        raise DuplicateItem(_("与题库中的第 %(id)s 题题干相同") % {"id": clash.pk})


@transaction.atomic
def item_create(*, data: ItemData, by: User | None, status: str = ItemStatus.ACTIVE) -> Item:
    """Create an item with its first version. Raises ``DuplicateItem`` when the stem is in the bank."""
    _check_not_duplicate(data)
    try:
        with transaction.atomic():
            item = Item.objects.create(status=status, stem_key=data.stem_key, enemy_group=data.enemy_group)
    except IntegrityError:
        raise DuplicateItem(_("题库中已有相同题干的题目")) from None
    version = ItemVersion.objects.create(item=item, number=1, created_by=by, **data.content())
    item.current = version
    item.save(update_fields=["current"])
    return item


@transaction.atomic
def item_update(*, item: Item, data: ItemData, by: User | None) -> ItemVersion:
    """Change an item's content.

    A current version that a paper has used is left intact and a new version is
    written; an unused one is edited in place. A change of the enemy group alone writes
    no version: the group belongs to the item. Locks the item row.
    """
    item = Item.objects.select_for_update().get(pk=item.pk)
    _check_not_duplicate(data, exclude=item)
    current = ItemVersion.objects.get(pk=item.current_id)
    item.enemy_group = data.enemy_group
    if _same_content(current, data):
        version = current
    elif current.is_used:
        version = ItemVersion.objects.create(item=item, number=current.number + 1, created_by=by, **data.content())
        item.current = version
    else:
        for field, value in data.content().items():
            setattr(current, field, value)
        current.created_by = by
        current.save()
        version = current
    item.stem_key = data.stem_key
    item.save(update_fields=["current", "stem_key", "enemy_group", "updated_at"])
    return version


def _same_content(version: ItemVersion, data: ItemData) -> bool:
    content = data.content()
    content["knowledge_point"] = data.knowledge_point.pk
    return all(
        getattr(version, "knowledge_point_id" if field == "knowledge_point" else field) == value
        for field, value in content.items()
    )


def item_set_status(*, item: Item, status: str) -> Item:
    if status not in ItemStatus.values:
        raise ValidationError(_("未知状态：%(status)s") % {"status": status})
    Item.objects.filter(pk=item.pk).update(status=status, updated_at=timezone.now())
    item.refresh_from_db()
    return item


def item_versions_mark_used(*, version_ids: Iterable[int], at: datetime | None = None) -> int:
    """Record that papers now show these versions; from then on they are never edited.

    Called by paper assembly. Idempotent: the first use is kept.
    """
    return ItemVersion.objects.filter(pk__in=list(version_ids), first_used_at__isnull=True).update(
        first_used_at=at or timezone.now()
    )


# --- knowledge points and the shipped bank -----------------------------------------------


def knowledge_points_load(*, path: Path = FIXTURES / "knowledge_points.json") -> int:
    """Create or rename the chapters and sections of the curriculum. Returns how many were created."""
    created = 0
    for order, chapter in enumerate(json.loads(path.read_text(encoding="utf-8")), start=1):
        parent, was_created = KnowledgePoint.objects.update_or_create(
            code=chapter["code"], defaults={"name": chapter["name"], "order": order * 100, "parent": None}
        )
        created += was_created
        for index, section in enumerate(chapter["sections"], start=1):
            _point, was_created = KnowledgePoint.objects.update_or_create(
                code=section["code"], defaults={"name": section["name"], "order": order * 100 + index, "parent": parent}
            )
            created += was_created
    return created


def fixture_item_cells(entry: dict) -> dict[str, str]:
    """A shipped-bank JSON entry as template cells, so it passes through the importer's validator."""
    type_names = {"single": "单选", "multiple": "多选", "situational": "情景分析"}
    cells = {
        "题型": type_names.get(entry.get("type"), str(entry.get("type"))),
        "级别": str(entry.get("level", "")),
        "知识点": str(entry.get("knowledge_point", "")),
        "难度": str(entry.get("difficulty", "")),
        "题干": entry.get("stem", ""),
        "案例": entry.get("case", ""),
        "答案": entry.get("answer", ""),
        "解析": entry.get("explanation", ""),
        "评分要点": rubric_text(entry.get("rubric") or []),
        "来源": entry.get("source", ""),
        "互斥组": entry.get("enemy_group", ""),
    }
    for letter, option in zip("ABCDEFGH", entry.get("options") or [], strict=False):
        cells[f"选项{letter}"] = option
    return cells


def shipped_bank_entries() -> list[tuple[str, int, dict]]:
    """(file name, index, entry) for every item in ``fixtures/bank/*.json``."""
    entries = []
    for path in sorted((FIXTURES / "bank").glob("*.json")):
        for index, entry in enumerate(json.loads(path.read_text(encoding="utf-8")), start=1):
            entries.append((path.name, index, entry))
    return entries


def shipped_bank_validate() -> tuple[list[ItemData], list[tuple[str, int, RowError]]]:
    """Run every shipped item through the importer's validation, duplicates included."""
    lookup = knowledge_point_lookup(list(KnowledgePoint.objects.all()))
    points = situational_points_by_level()
    items: list[ItemData] = []
    errors: list[tuple[str, int, RowError]] = []
    seen: dict[str, tuple[str, int]] = {}
    for name, index, entry in shipped_bank_entries():
        data, row_errors = item_from_cells(
            fixture_item_cells(entry), row=index, knowledge_points=lookup, situational_points=points
        )
        errors.extend((name, index, error) for error in row_errors)
        if data is None:
            continue
        if data.stem_key in seen:
            first = seen[data.stem_key]
            errors.append((name, index, RowError(index, "题干", f"与 {first[0]} 第 {first[1]} 题题干相同")))
            continue
        seen[data.stem_key] = (name, index)
        items.append(data)
    return items, errors


@transaction.atomic
def bank_load_shipped() -> int:
    """Load the curriculum, the shipped bank and the shipped reviews of health-check findings.

    Items already in the bank are not added again, but take the shipped enemy group.
    Returns how many items were added.
    """
    knowledge_points_load()
    items, errors = shipped_bank_validate()
    if errors:
        raise ValidationError([f"{name} #{index}: {error}" for name, index, error in errors[:20]])
    existing = dict(Item.objects.values_list("stem_key", "enemy_group"))
    added = 0
    for data in items:
        if data.stem_key not in existing:
            item_create(data=data, by=None)
            added += 1
        elif existing[data.stem_key] != data.enemy_group:
            Item.objects.filter(stem_key=data.stem_key).update(enemy_group=data.enemy_group)
    finding_reviews_load_shipped()
    return added


def finding_reviews_load_shipped(*, path: Path = FIXTURES / "bank_reviews.json") -> int:
    """Reviews of health-check findings shipped with the bank (key, rule, reason); existing ones are kept."""
    if not path.exists():
        return 0
    created = 0
    for entry in json.loads(path.read_text(encoding="utf-8")):
        _review, was_created = FindingReview.objects.get_or_create(
            key=entry["key"], defaults={"rule": entry["rule"], "reason": entry["reason"]}
        )
        created += was_created
    return created
