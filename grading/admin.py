"""Raw marking data for the Django admin: read it here, change it through the marking pages, where
the rules (blindness, the own-hall rule, the decision rule) are applied."""

from django.contrib import admin

from grading.marking.models import (
    Arbitration,
    ControlScript,
    MarkerPause,
    MarkingSettings,
    Script,
    Task,
    TeamMember,
    WrittenScore,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0
    fields = ["code", "kind", "slot", "status", "marker", "total", "awards", "comment", "submitted_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Script)
class ScriptAdmin(ReadOnly):
    list_display = ["code", "item", "position", "status", "final_mark", "rule", "final_at"]
    list_filter = ["status", "rule"]
    search_fields = ["code"]
    inlines = [TaskInline]


@admin.register(Arbitration)
class ArbitrationAdmin(ReadOnly):
    list_display = ["script", "chief", "mark", "at"]


@admin.register(WrittenScore)
class WrittenScoreAdmin(ReadOnly):
    list_display = ["attempt", "objective", "situational", "total", "final_scripts", "scripts", "complete"]
    list_filter = ["complete"]


@admin.register(ControlScript)
class ControlScriptAdmin(ReadOnly):
    list_display = ["script", "reference_mark", "by", "active"]


@admin.register(MarkerPause)
class MarkerPauseAdmin(ReadOnly):
    list_display = ["marker", "sitting", "by", "at", "resumed_at"]


@admin.register(TeamMember)
class TeamMemberAdmin(ReadOnly):
    list_display = ["sitting", "user", "item", "is_chief"]


@admin.register(MarkingSettings)
class MarkingSettingsAdmin(ReadOnly):
    list_display = ["sitting", "double_marking", "tolerance_percent", "lease_minutes", "control_rate_percent"]
