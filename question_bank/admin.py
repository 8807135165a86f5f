from django.contrib import admin

from question_bank.models import Blueprint, Item, ItemVersion, KnowledgePoint


@admin.register(KnowledgePoint)
class KnowledgePointAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "order"]


class ItemVersionInline(admin.TabularInline):
    model = ItemVersion
    extra = 0
    fields = ["number", "type", "level", "knowledge_point", "difficulty", "stem", "answer", "first_used_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    """Raw view; edit content on the bank's own pages so versioning and validation apply."""

    list_display = ["id", "status", "current"]
    list_filter = ["status"]
    readonly_fields = ["current", "stem_key"]
    inlines = [ItemVersionInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # items are retired, never deleted: papers point at their versions


@admin.register(Blueprint)
class BlueprintAdmin(admin.ModelAdmin):
    list_display = [
        "level",
        "single_count",
        "multiple_count",
        "situational_count",
        "target_difficulty",
        "multiple_policy",
    ]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # edited on the bank's blueprint page, where the feasibility check runs
