from django.contrib import admin

from exams.models import Enrollment, Paper, Room, RoomExaminer, Sitting


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


@admin.register(Sitting)
class SittingAdmin(admin.ModelAdmin):
    """Raw data; plan sittings on their own pages, where the rules are checked."""

    list_display = ["code", "name", "level", "status", "written_start", "assembly_status"]
    list_filter = ["status", "level"]
    readonly_fields = ["standard_version", "blueprint", "item_pool", "assembly_seed", "assembly_report"]
    inlines = [RoomInline]


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
