"""Workflow services: every write of the review chain goes through these functions."""

from ..calendar import window_open
from ._common import describe_transition, ensure_seen, entry_version
from .entries import (
    BULK_JOB_THRESHOLD,
    BULK_STEPS,
    BulkResult,
    available_steps,
    entries_bulk_review,
    entries_bulk_review_start,
    entry_admin_register,
    entry_confirm,
    entry_declare,
    entry_district_review,
    entry_leader_sign,
    entry_resubmit,
    entry_return,
    entry_review,
    entry_school_review,
    entry_update,
    entry_withdraw,
)
from .evidence import evidence_attach, evidence_remove
from .feeds import FEED_ITEM_CODES, feed_import_file, feed_import_file_start, feed_import_records
from .rosters import roster_city_review, roster_district_review, roster_submit, roster_template_workbook
from .windows import deadline_reminders_send, window_extend

__all__ = [
    "BULK_JOB_THRESHOLD", "BULK_STEPS", "BulkResult", "FEED_ITEM_CODES", "available_steps",
    "deadline_reminders_send", "describe_transition", "ensure_seen", "entry_version", "entries_bulk_review", "entries_bulk_review_start", "entry_admin_register",
    "entry_confirm", "entry_declare", "entry_district_review", "entry_leader_sign", "entry_resubmit",
    "entry_return", "entry_review", "entry_school_review", "entry_update", "entry_withdraw", "evidence_attach",
    "evidence_remove", "window_open", "feed_import_file", "feed_import_file_start", "feed_import_records",
    "roster_city_review",
    "roster_district_review", "roster_submit", "roster_template_workbook", "window_extend",
]
