from axes.utils import reset as axes_reset
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certify.heartbeat import Heartbeat
from certify.people.models import ApiToken, Branch, Candidate, Hall, Province, User
from certify.people.selectors import may_view_personal_data
from certify.standard.models import LevelRule, StandardVersion
from certify.standard.selectors import standard_current
from certify.standard.services import RULE_FIELDS, level_rule_errors, standard_revise
from certify.validators import mask_id_number, mask_phone


class LevelRuleInline(admin.TabularInline):
    model = LevelRule
    extra = 0
    can_delete = False
    fields = ["level", *RULE_FIELDS]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StandardVersion)
class StandardVersionAdmin(admin.ModelAdmin):
    """Versions are history: read-only here. Edit a level rule to write a new version."""

    list_display = ["number", "note", "created_by", "created_at"]
    readonly_fields = ["number", "note", "created_by", "created_at"]
    inlines = [LevelRuleInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LevelRule)
class LevelRuleAdmin(admin.ModelAdmin):
    """Saving a rule of the current version writes a new version of the whole standard."""

    list_display = ["level", "version", "written_minutes", "practical_minutes", "typing_target_cpm"]
    list_filter = ["version", "level"]
    fields = ["level", *RULE_FIELDS]
    readonly_fields = ["level"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.version_id != getattr(standard_current(), "id", None):
            return False  # old versions are frozen
        return super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        level = obj.level if obj else None

        class RevisionForm(form):
            def clean(self):
                cleaned = super().clean()
                values = {field: cleaned.get(field) for field in RULE_FIELDS}
                if level is not None:
                    for error in level_rule_errors(values, level=level):
                        self.add_error(None, error)
                return cleaned

        return RevisionForm

    def save_model(self, request, obj, form, change):
        changed = {field: form.cleaned_data[field] for field in form.changed_data if field in RULE_FIELDS}
        if not changed:
            return
        try:
            version = standard_revise(
                changes={obj.level: changed},
                note=str(_("后台修改 %(level)s：%(fields)s"))
                % {"level": obj.get_level_display(), "fields": "、".join(changed)},
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return
        # The admin logs and redirects to ``obj``: point it at the new version's rule.
        new_rule = version.rules.get(level=obj.level)
        obj.pk, obj.version = new_rule.pk, version
        messages.info(request, _("已生成认证标准第 %(number)s 版，旧版本保持不变。") % {"number": version.number})


class HallInline(admin.TabularInline):
    model = Hall
    extra = 0


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "practical_examiner_ratio"]


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["name", "province"]
    list_filter = ["province"]
    inlines = [HallInline]


@admin.register(Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = ["name", "branch"]
    list_filter = ["branch"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "role", "hall", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("认证"), {"fields": ["role", "full_name", "hall", "password_must_change"]}),
    )
    actions = ["unlock", "revoke_tokens"]

    @admin.action(description=_("解除登录锁定"))
    def unlock(self, request, queryset):
        for user in queryset:
            axes_reset(username=user.username)
        messages.success(request, _("已解除 %(n)s 个账号的登录锁定。") % {"n": queryset.count()})

    @admin.action(description=_("撤销全部 API 令牌"))
    def revoke_tokens(self, request, queryset):
        count = ApiToken.objects.filter(user__in=queryset, revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, _("已撤销 %(n)s 个 API 令牌。") % {"n": count})


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by the API only; here they are read and revoked."""

    list_display = ["user", "created_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "user__full_name"]
    fields = ["user", "created_at", "expires_at", "revoked_at"]
    readonly_fields = ["user", "created_at", "expires_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("撤销所选令牌"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, _("已撤销 %(n)s 个 API 令牌。") % {"n": count})


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["employee_no", "name", "masked_id_number", "masked_phone", "hall"]
    search_fields = ["employee_no", "name"]
    list_filter = ["hall__branch"]
    raw_id_fields = ["user"]

    def get_fields(self, request, obj=None):
        if may_view_personal_data(request.user):
            return ["user", "employee_no", "name", "id_number", "phone", "hall"]
        return ["user", "employee_no", "name", "masked_id_number", "masked_phone", "hall"]

    def get_readonly_fields(self, request, obj=None):
        if may_view_personal_data(request.user):
            return []
        return ["masked_id_number", "masked_phone"]

    # The list is always masked; the change form shows the raw values only to
    # users with certify.view_personal_data.
    @admin.display(description=_("身份证号（脱敏）"))
    def masked_id_number(self, obj) -> str:
        return mask_id_number(obj.id_number)

    @admin.display(description=_("手机号（脱敏）"))
    def masked_phone(self, obj) -> str:
        return mask_phone(obj.phone)


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "last_seen", "detail"]
