"""审证 in the Django admin: read-only; every change goes through the pages and audits.services."""

from django.contrib import admin

from reviews.admin import ReadOnlyAdmin

from .models import HandInEvent, HandInExclusion, SchoolHandIn


@admin.register(SchoolHandIn)
class SchoolHandInAdmin(ReadOnlyAdmin):
    list_display = ["school", "academic_year", "status", "submitted_at", "reviewed_at", "checked_at"]
    list_filter = ["academic_year", "status"]
    search_fields = ["school__name"]


@admin.register(HandInEvent)
class HandInEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "hand_in", "action", "actor", "role", "from_state", "to_state", "comment"]
    list_filter = ["action", "role"]


@admin.register(HandInExclusion)
class HandInExclusionAdmin(ReadOnlyAdmin):
    list_display = ["event", "entry", "status", "reason"]
