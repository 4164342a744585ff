"""Admin for the workflow data. The audit trail is read-only here as everywhere: no add,
change or delete permission, whatever the user's rights."""

from django.contrib import admin

from .models import EntryTransition, Evidence, FeedImport, ReviewAppointment, Roster, RosterRow, WindowExtension


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EntryTransition)
class EntryTransitionAdmin(ReadOnlyAdmin):
    list_display = ["at", "entry", "action", "actor", "role", "from_state", "to_state", "comment"]
    list_filter = ["action", "role"]
    search_fields = ["entry__teacher__name", "actor__username", "comment"]
    date_hierarchy = "at"
    list_select_related = ["entry__teacher", "entry__item", "entry__academic_year", "actor"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    # No file link here: downloads go through the scoped view, never a public media URL.
    list_display = ["original_name", "entry", "content_type", "size", "uploaded_by", "uploaded_at", "reviewed_at"]
    exclude = ["file"]
    readonly_fields = ["entry", "original_name", "content_type", "size", "sha256", "uploaded_by", "reviewed_at"]


class RosterRowInline(admin.TabularInline):
    model = RosterRow
    extra = 0
    can_delete = False
    fields = ["line", "seq", "school_name", "username", "name", "subject", "stage", "hours", "credits", "error",
              "entry"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Roster)
class RosterAdmin(ReadOnlyAdmin):
    """Rosters change only through the review services (which refuse a reviewed roster)."""

    list_display = ["school", "academic_year", "level", "status", "row_count", "error_count", "submitted_at"]
    list_filter = ["status", "level", "academic_year"]
    inlines = [RosterRowInline]


@admin.register(FeedImport)
class FeedImportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "channel", "item_code", "via", "filename", "created_count", "skipped_count",
                    "error_count", "imported_by"]
    list_filter = ["channel", "via"]


@admin.register(WindowExtension)
class WindowExtensionAdmin(ReadOnlyAdmin):
    """Created through window_extend (city staff, reason required); kept as a record."""

    list_display = ["academic_year", "window", "district", "until", "reason", "created_by", "created_at"]


@admin.register(ReviewAppointment)
class ReviewAppointmentAdmin(ReadOnlyAdmin):
    """The 审证时间安排 is published by the district (audits.services.schedule), with its checks."""

    list_display = ["school", "academic_year", "group", "sequence", "date", "registrar", "contact_phone"]
    list_filter = ["academic_year", "group"]
    search_fields = ["school__name"]
