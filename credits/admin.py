"""The rule catalogue in the Django admin, for city staff (市教科院教师发展研究所).

A value of an item that already has entries is never edited in place: the form asks for the
学年 from which the new value applies and saves a new version (credits.services), so credits
already registered keep their item row and their stored value.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count

from .models import AcademicYear, CapGroup, CreditItem
from .services import (
    CatalogueError,
    cap_group_has_entries,
    cap_group_new_version_problem,
    cap_group_save_new_version,
    item_changed_values,
    item_has_entries,
    item_save_new_version,
    items_confirm_values,
    new_version_problem,
)


class CreditItemForm(forms.ModelForm):
    new_version_from = forms.IntegerField(
        label="另存为新版本，自学年起适用",
        required=False,
        min_value=2000,
        max_value=2100,
        help_text="填学年起始年（如 2019 表示 2019-2020 学年）。已有登记记录的项目修改数值时必须填写："
        "原版本及其已登记的学分保持不变，新数值自该学年起适用。",
    )

    class Meta:
        model = CreditItem
        fields = "__all__"  # noqa: DJ007 - the catalogue admin edits every field of the item

    def _post_clean(self):
        # The edited values reach self.instance only here (construct_instance), not in clean().
        super()._post_clean()
        year = self.cleaned_data.get("new_version_from")
        instance = self.instance
        if not instance.pk:
            if year:
                self.add_error("new_version_from", "新项目直接保存即可，无需另存为新版本。")
            return
        changed = item_changed_values(instance)
        if changed and item_has_entries(instance) and not year:
            names = "、".join(str(CreditItem._meta.get_field(f).verbose_name) for f in changed)
            self.add_error(None, f"该项目已有学分登记，修改{names}须“另存为新版本”并填写适用的起始学年，已登记的学分不会改变。")
        if year:
            problem = new_version_problem(CreditItem.objects.get(pk=instance.pk), year)
            if problem:
                self.add_error("new_version_from", problem)


class VersionedAdmin(admin.ModelAdmin):
    """Catalogue rows are versions (code + valid_from). A value changed with the form's
    "new version from 学年" is saved as a new row by the service; the edited row stays as it was."""

    # (row, start_year) -> the new version; message: what stays unchanged for earlier 学年.
    save_new_version = None
    unchanged_message = ""

    def get_readonly_fields(self, request, obj=None):
        # The code and start 学年 identify a version; other versions are made with new_version_from.
        return ("code", "valid_from") if obj and obj.pk else ()

    def save_model(self, request, obj, form, change):
        year = form.cleaned_data.get("new_version_from")
        if change and year:
            try:
                new = self.save_new_version(obj, year)
            except CatalogueError as exc:
                # The form checked the same; only a concurrent entry or version gets here.
                messages.error(request, str(exc))
                return
            obj.pk, obj.valid_from = new.pk, new.valid_from
            messages.success(request, f"已另存为新版本：自 {year}-{year + 1} 学年起适用；{self.unchanged_message}")
            return
        super().save_model(request, obj, form, change)


@admin.register(CreditItem)
class CreditItemAdmin(VersionedAdmin):
    form = CreditItemForm
    list_display = ("name", "code", "category", "kind", "clause", "conversion_summary", "cap", "cap_group",
                    "valid_from", "unconfirmed_badge", "entry_count", "is_active")
    list_filter = ("category", "kind", "conversion", "flow", "unconfirmed", "valid_from", "is_active")
    search_fields = ("code", "name", "clause", "note")
    ordering = ("category", "order", "code", "-valid_from")
    actions = ["confirm_values"]
    unchanged_message = "原版本及已登记的学分不变。"
    fieldsets = (
        (None, {"fields": ("code", "name", "category", "kind", "clause", "flow", "evidence", "evidence_required", "note", "order", "is_active")}),
        ("折算与上限（改动已有登记的项目须另存为新版本）",
         {"fields": ("conversion", "rate", "unit_size", "unit_label", "options", "cap", "cap_group")}),
        ("版本与确认", {"fields": ("valid_from", "unconfirmed", "new_version_from")}),
        ("合规统计", {"fields": ("head_teacher_topic", "principal_qualification")}),
    )

    @staticmethod
    def save_new_version(item, year):
        return item_save_new_version(item=item, valid_from=year)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_entries=Count("entries"))

    @admin.display(description="登记条数", ordering="_entries")
    def entry_count(self, obj):
        return obj._entries

    @admin.display(description="折算")
    def conversion_summary(self, obj):
        return obj.conversion_text()

    @admin.display(description="数值待确认", boolean=True)
    def unconfirmed_badge(self, obj):
        return obj.has_unconfirmed_values

    @admin.action(description="确认所选项目的数值（清除“待确认”标记）")
    def confirm_values(self, request, queryset):
        n = items_confirm_values(items=list(queryset))
        messages.success(request, f"已确认 {n} 个项目的数值。")


class CapGroupForm(forms.ModelForm):
    new_version_from = forms.IntegerField(
        label="另存为新版本，自学年起适用", required=False, min_value=2000, max_value=2100,
        help_text="已有登记的上限组修改上限时必须填写：此前学年仍按原上限统计。",
    )

    class Meta:
        model = CapGroup
        fields = "__all__"  # noqa: DJ007 - the catalogue admin edits every field of the item

    def _post_clean(self):
        super()._post_clean()
        year = self.cleaned_data.get("new_version_from")
        group = self.instance
        if not group.pk:
            return
        stored = CapGroup.objects.get(pk=group.pk)
        if stored.cap != group.cap and cap_group_has_entries(stored) and not year:
            self.add_error(None, "该上限组已有学分登记，修改上限须“另存为新版本”并填写适用的起始学年。")
        if year:
            problem = cap_group_new_version_problem(stored, year)
            if problem:
                self.add_error("new_version_from", problem)


@admin.register(CapGroup)
class CapGroupAdmin(VersionedAdmin):
    form = CapGroupForm
    list_display = ("name", "code", "cap", "clause", "valid_from")
    ordering = ("code", "-valid_from")
    unchanged_message = "此前学年仍按原上限统计。"

    @staticmethod
    def save_new_version(group, year):
        return cap_group_save_new_version(group=group, valid_from=year)


@admin.register(AcademicYear)
class AcademicYearAdmin(admin.ModelAdmin):
    list_display = ("year_label", "registration_closes", "district_review_opens", "district_review_closes", "sealed_at")
    readonly_fields = ("sealed_at", "sealer")
    exclude = ("sealed_by",)

    @admin.display(description="学年", ordering="start_year")
    def year_label(self, obj):
        return obj.label

    @admin.display(description="封存人")
    def sealer(self, obj):
        return obj.sealed_by.display_name if obj.sealed_by_id else "—"

    def get_readonly_fields(self, request, obj=None):
        # A sealed 学年 changes no more, its calendar included.
        if obj is not None and obj.is_sealed:
            return [f.name for f in obj._meta.fields if f.name not in ("id", "sealed_by")] + ["sealer"]
        return self.readonly_fields

    # View only. A 学年 is created by credits.services.academic_year_ensure with the notice's
    # calendar; its windows are widened with a recorded reason (审证 → 工作日历, reviews window
    # extensions), never edited in place: the reminders, the refusals and the seal read them.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
