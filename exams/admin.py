from django.contrib import admin

from exams.papers.models import Assembly, Paper
from exams.planning.models import Enrollment, Room, RoomExaminer, Sitting
from exams.practical.models import (
    BusinessAttempt,
    BusinessTask,
    Passage,
    Product,
    Scenario,
    Scene,
    SceneReview,
    SceneRun,
    SceneScore,
    TypingAttempt,
)


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


class AssemblyInline(admin.StackedInline):
    model = Assembly
    extra = 0
    can_delete = False
    readonly_fields = ["blueprint", "item_pool", "seed", "status", "total", "done", "error", "report"]


@admin.register(Sitting)
class SittingAdmin(admin.ModelAdmin):
    """Raw data; plan sittings on their own pages, where the rules are checked."""

    list_display = ["code", "name", "level", "status", "written_start"]
    list_filter = ["status", "level"]
    readonly_fields = ["standard_version"]
    inlines = [AssemblyInline, RoomInline]


@admin.register(RoomExaminer)
class RoomExaminerAdmin(admin.ModelAdmin):
    list_display = ["room", "examiner", "is_chief"]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["admission_no", "candidate", "sitting", "written_room", "seat"]
    list_filter = ["sitting"]
    raw_id_fields = ["candidate"]


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["enrollment", "index", "salt", "mean_difficulty"]
    readonly_fields = ["enrollment", "index", "salt", "mean_difficulty", "fingerprint"]


# --- practical material: editable (the catalogue is a sample for each office to adapt) ---


@admin.register(Passage)
class PassageAdmin(admin.ModelAdmin):
    list_display = ["code", "level", "title", "active"]
    list_filter = ["level", "active"]
    search_fields = ["code", "title", "text"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "family", "name", "monthly_fee", "one_time_fee", "speed_mbps", "active"]
    list_filter = ["kind", "family", "active"]
    list_editable = ["monthly_fee", "one_time_fee", "active"]
    search_fields = ["code", "name"]


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "levels", "source"]
    search_fields = ["code", "title", "request"]


@admin.register(Scene)
class SceneAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "levels", "minutes"]
    search_fields = ["code", "title", "situation"]


# --- practical results: read-only records (scores change only through the services) ---


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TypingAttempt)
class TypingAttemptAdmin(ReadOnlyAdmin):
    list_display = ["enrollment", "passage", "status", "score", "pastes", "focus_losses", "submitted_at"]
    list_filter = ["status"]


class BusinessTaskInline(admin.TabularInline):
    model = BusinessTask
    extra = 0
    can_delete = False
    fields = ["position", "scenario", "submitted_at", "seconds_used", "score"]
    readonly_fields = fields


@admin.register(BusinessAttempt)
class BusinessAttemptAdmin(ReadOnlyAdmin):
    list_display = ["enrollment", "status", "score", "submitted_at"]
    list_filter = ["status"]
    inlines = [BusinessTaskInline]


class SceneScoreInline(admin.TabularInline):
    model = SceneScore
    extra = 0
    can_delete = False
    readonly_fields = ["round", "examiner", "marks", "comments", "total", "submitted_at"]
    fields = readonly_fields


class SceneReviewInline(admin.TabularInline):
    model = SceneReview
    extra = 0
    can_delete = False
    readonly_fields = ["round", "chief", "decision", "reason", "spread", "at"]
    fields = readonly_fields


@admin.register(SceneRun)
class SceneRunAdmin(ReadOnlyAdmin):
    list_display = ["enrollment", "room", "scene", "round", "result"]
    inlines = [SceneScoreInline, SceneReviewInline]
