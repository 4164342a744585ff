"""审证 services: every write of the hand-in workflow and the schedule goes through these."""

from .handins import (
    DISTRICT_OPEN_STATUSES,
    SCHOOL_OPEN_STATUSES,
    CheckResult,
    current_exclusions,
    hand_in_check,
    hand_in_return,
    hand_in_review,
    hand_in_submit,
    hand_ins_check,
    hand_ins_check_start,
    hand_ins_to_check,
)
from .schedule import AppointmentRow, schedule_copy_previous, schedule_save

__all__ = [
    "DISTRICT_OPEN_STATUSES", "SCHOOL_OPEN_STATUSES", "AppointmentRow", "CheckResult", "current_exclusions",
    "hand_in_check", "hand_in_return", "hand_in_review", "hand_in_submit", "hand_ins_check",
    "hand_ins_check_start", "hand_ins_to_check", "schedule_copy_previous", "schedule_save",
]
