"""Reads of the question bank: filtered item lists and counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from question_bank.models import Item, ItemStatistics, ItemType, ItemVersion, KnowledgePoint


@dataclass
class ItemFilters:
    type: str = ""
    level: str = ""
    knowledge_point: str = ""  # a chapter ("4") or section ("4.2") code
    difficulty: str = ""
    status: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, params) -> ItemFilters:
        return cls(**{name: (params.get(name) or "").strip() for name in cls.__dataclass_fields__})


def item_list(*, filters: ItemFilters) -> QuerySet[Item]:
    items = Item.objects.select_related("current__knowledge_point").order_by("id")
    if filters.type:
        items = items.filter(current__type=filters.type)
    if filters.level.isdigit():
        items = items.filter(current__level=int(filters.level))
    if filters.knowledge_point:
        code = filters.knowledge_point
        items = items.filter(
            Q(current__knowledge_point__code=code) | Q(current__knowledge_point__code__startswith=f"{code}.")
        )
    if filters.difficulty.isdigit():
        items = items.filter(current__difficulty=int(filters.difficulty))
    if filters.status:
        items = items.filter(status=filters.status)
    if filters.q:
        items = items.filter(
            Q(current__stem__icontains=filters.q)
            | Q(current__case__icontains=filters.q)
            | Q(current__explanation__icontains=filters.q)
        )
    return items


def enemy_group_members(*, item: Item) -> list[Item]:
    """The other items of ``item``'s enemy group (互斥组), with their current versions."""
    if not item.enemy_group:
        return []
    return list(
        Item.objects.filter(enemy_group=item.enemy_group)
        .exclude(pk=item.pk)
        .select_related("current__knowledge_point")
        .order_by("pk")
    )


def current_versions(*, items: QuerySet[Item]) -> QuerySet[ItemVersion]:
    return (
        ItemVersion.objects.filter(item__in=items, item__current=F("pk"))
        .select_related("knowledge_point", "item")
        .order_by("item_id")
    )


@dataclass
class ChapterCounts:
    chapter: KnowledgePoint
    by_type: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_type.values())


def bank_counts(*, items: QuerySet[Item]) -> list[ChapterCounts]:
    """Items per chapter and type among ``items``."""
    counts = Counter(
        (code.split(".")[0], item_type)
        for code, item_type in items.values_list("current__knowledge_point__code", "current__type")
    )
    return [
        ChapterCounts(chapter=chapter, by_type={t: counts[(chapter.code, t)] for t in ItemType.values})
        for chapter in KnowledgePoint.objects.filter(parent__isnull=True).order_by("order")
    ]


def item_statistics(*, item: Item) -> list[ItemStatistics]:
    """The item analysis figures of every version of ``item``, flagged ones first, newest first."""
    rows = list(ItemStatistics.objects.filter(item_version__item=item).select_related("item_version"))
    return sorted(rows, key=lambda row: (not row.flags, -row.computed_at.timestamp(), row.pk))
