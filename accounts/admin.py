"""The Django admin (in Chinese) for city staff: organisations, users, roles and the account
audit trail. Audit rows are read-only; a profile edited here is recorded like any other change."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from guardian.admin import GuardedModelAdmin

from . import services
from .models import (
    AccountEvent,
    District,
    ExportDownload,
    Job,
    Notification,
    ProfileChangeRequest,
    RoleAssignment,
    School,
    TeacherProfile,
    User,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is never edited or deleted, not even by city staff."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "order")
    search_fields = ("code", "name")
    ordering = ("order", "code")


@admin.register(School)
class SchoolAdmin(GuardedModelAdmin):
    """Object permissions (代行区级审核) are granted from the school's 对象权限 page."""

    list_display = ("code", "name", "district", "category", "stages_display", "is_private", "base_level", "is_active")
    list_filter = ("district", "category", "base_level", "is_private", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("district",)

    @admin.display(description="学段")
    def stages_display(self, obj):
        return obj.get_stages_display()

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        """A delegation (代行区级审核, guardian's accounts.review_school) granted or taken back here
        is recorded like a role (services.delegation_recorded); a group's permissions are not used."""
        from guardian.shortcuts import get_user_perms

        school = School.objects.filter(pk=unquote(object_pk)).first()
        user = User.objects.filter(pk=unquote(user_id)).first()
        with transaction.atomic():
            before = set(get_user_perms(user, school)) if school and user else set()
            response = super().obj_perms_manage_user_view(request, object_pk, user_id)
            if request.method == "POST" and school and user:
                services.delegation_recorded(actor=request.user, user=user, school=school, before=before,
                                             after=set(get_user_perms(user, school)))
        return response

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        # Delegations are per account (and recorded); groups would grant them unrecorded.
        raise PermissionDenied("代行区级审核只授予具体账号，不授予用户组。")


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ("school",)
    fk_name = "user"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "is_active", "must_change_password", "is_staff", "last_login")
    list_filter = ("is_active", "must_change_password", "is_staff", "role_assignments__role")
    search_fields = ("username", "first_name", "last_name", "teacher_profile__name")
    fieldsets = BaseUserAdmin.fieldsets + (("账号安全", {"fields": ("must_change_password", "api_access")}),)
    inlines = [RoleAssignmentInline]
    AUDITED = ("username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser",
               "must_change_password", "api_access")

    @admin.display(description="姓名")
    def display_name(self, obj):
        return obj.display_name

    def user_change_password(self, request, id, form_url=""):
        """A password set here is audited, ends the user's API tokens and must be replaced by
        the user at the next sign-in (the admin knows it)."""
        with transaction.atomic():
            before = User.objects.filter(pk=unquote(id)).values_list("password", flat=True).first()
            response = super().user_change_password(request, id, form_url)
            user = User.objects.filter(pk=unquote(id)).first()
            if request.method == "POST" and user is not None and user.password != before:
                services.user_admin_password_set(actor=request.user, user=user)
        return response

    def save_model(self, request, obj, form, change):
        if not change:
            # An account added here has a password the admin chose: the user replaces it.
            obj.must_change_password = True
        fields = [f for f in form.changed_data if f in self.AUDITED]
        before = {}
        if change and fields:
            old = User.objects.get(pk=obj.pk)
            before = {f: getattr(old, f) for f in fields}
        super().save_model(request, obj, form, change)
        if change and fields:
            services.user_admin_changed(actor=request.user, user=obj, before=before,
                                        after={f: getattr(obj, f) for f in fields})

    def save_formset(self, request, form, formset, change):
        """Role rows added, edited or removed here are recorded like any other change."""
        if formset.model is not RoleAssignment:
            return super().save_formset(request, form, formset, change)
        before = {f.instance.pk: services.role_snapshot(RoleAssignment.objects.get(pk=f.instance.pk))
                  for f in formset.initial_forms if f.instance.pk and f.has_changed()}
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.role_revoke(actor=request.user, assignment=obj)
        for obj in instances:
            obj.save()
            services.role_recorded(actor=request.user, assignment=obj, before=before.get(obj.pk))
        formset.save_m2m()


@admin.register(TeacherProfile)
class TeacherProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "username", "school", "stage", "title", "status", "updated_at")
    list_filter = ("status", "stage", "title", "school__district", "is_head_teacher", "is_new_teacher")
    search_fields = ("name", "id_number", "user__username", "school__name")
    list_select_related = ("school", "user")
    autocomplete_fields = ("school",)
    readonly_fields = ("username", "created_at", "updated_at")
    exclude = ("user",)

    @admin.display(description="账号", ordering="user__username")
    def username(self, obj):
        return obj.user.username

    def has_add_permission(self, request):
        # Accounts are added by school admins (or imported), so that the audit starts there.
        return False

    def has_delete_permission(self, request, obj=None):
        # Leaving or retiring deactivates; nothing is deleted.
        return False

    def get_readonly_fields(self, request, obj=None):
        # The school (a transfer) and the status (approval, deactivation) change through their
        # own services and pages, with their checks and notifications.
        return (*self.readonly_fields, "school", "status")

    def save_model(self, request, obj, form, change):
        """Through the service, as the school admin's edit: its checks, the district's approval
        again after an identity change, and the audit row."""
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in services.PROFILE_FIELDS}
        # A refusal (AccountError, e.g. a stopped account) is the one error model's Chinese page.
        services.teacher_admin_update(actor=request.user, profile=TeacherProfile.objects.get(pk=obj.pk), **changes)
        obj.refresh_from_db()


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("account", "role", "school", "district", "created_at")
    list_filter = ("role", "district")
    search_fields = ("user__username", "user__teacher_profile__name", "school__name")
    autocomplete_fields = ("user", "school")
    list_select_related = ("user", "school", "district")

    @admin.display(description="账号", ordering="user__username")
    def account(self, obj):
        return obj.user

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "user" and field is not None:
            field.label = "账号"
        return field

    def save_model(self, request, obj, form, change):
        before = services.role_snapshot(RoleAssignment.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        services.role_recorded(actor=request.user, assignment=obj, before=before)

    def delete_model(self, request, obj):
        services.role_revoke(actor=request.user, assignment=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.role_revoke(actor=request.user, assignment=obj)


@admin.register(ExportDownload)
class ExportDownloadAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "roles", "export", "filename", "rows")
    list_filter = ("export",)
    search_fields = ("user__username", "export")
    list_select_related = ("user",)
    date_hierarchy = "at"


@admin.register(AccountEvent)
class AccountEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "action", "actor", "actor_role", "comment")
    list_filter = ("action", "actor_role")
    search_fields = ("user__username", "user__teacher_profile__name", "actor__username", "comment")
    date_hierarchy = "at"
    list_select_related = ("user", "actor")


@admin.register(ProfileChangeRequest)
class ProfileChangeRequestAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "profile", "status", "submitted_by", "checked_by", "decided_by", "decided_at")
    list_filter = ("status",)
    search_fields = ("profile__name", "profile__user__username")
    list_select_related = ("profile", "profile__school")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "title", "read_at")
    list_filter = ("read_at",)
    search_fields = ("recipient__username", "title")


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """The raw result is not shown: an import's report names teachers and its row errors quote
    cells; initial passwords never live there (accounts.InitialPassword, encrypted, not in the
    admin at all). The change page shows the counters only."""

    list_display = ("created_at", "kind", "owner", "status", "done", "total", "finished_at")
    list_filter = ("kind", "status")
    search_fields = ("owner__username",)
    fields = ("kind", "owner", "status", "done", "total", "summary", "error", "created_at", "heartbeat_at",
              "finished_at")
    readonly_fields = fields

    SUMMARY_KEYS = {"school": "学校", "created": "新建", "skipped": "已存在", "failed": "出错", "ok": "成功",
                    "made": "已生成", "refused": "被拒", "teachers": "教师数", "resumes": "中断后继续次数"}

    @admin.display(description="结果摘要")
    def summary(self, obj):
        result = obj.result or {}
        parts = [f"{label}：{result[key]}" for key, label in self.SUMMARY_KEYS.items()
                 if isinstance(result.get(key), (int, str)) and key in result]
        return "；".join(parts) or "—"


# API tokens: stored as digests, so there is nothing to read or edit; city staff see who holds
# one and until when, and revoke by deleting (the services revoke them on password changes).
from knox.admin import AuthTokenAdmin as _KnoxTokenAdmin  # noqa: E402
from knox.models import AuthToken  # noqa: E402

admin.site.unregister(AuthToken)
# knox ships English labels; the admin shows Chinese everywhere.
for _name, _label in {"token_key": "令牌前缀", "user": "账号", "created": "签发时间", "expiry": "到期时间"}.items():
    AuthToken._meta.get_field(_name).verbose_name = _label
AuthToken._meta.verbose_name = AuthToken._meta.verbose_name_plural = "API 令牌"


@admin.register(AuthToken)
class AuthTokenAdmin(_KnoxTokenAdmin):
    list_display = ["token_key", "user", "created", "expiry"]
    readonly_fields = ["token_key", "user", "created", "expiry"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
