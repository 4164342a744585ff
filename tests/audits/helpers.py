"""Entries in given states for the 审证 tests."""

from reviews import services as S
from tests.reviews.helpers import ACTIVITY_DAY, DISTRICT_DAY, REGISTRATION_DAY, pdf


def entry_at(world, state: str, *, city=False, title="培训"):
    """An entry of the 市直属 school (city=True) or the district school, walked to `state`."""
    teacher = world.city_teacher if city else world.teacher
    admin, leader = (world.city_admin, world.city_leader) if city else (world.school_admin, world.leader)
    reviewer = world.city if city else world.district_admin
    entry = S.entry_declare(teacher_user=teacher.user, item=world.item("admin_training"), title=title,
                            started_on=ACTIVITY_DAY, quantity="8", evidence_files=[pdf()], today=REGISTRATION_DAY)
    if state == "submitted":
        return entry
    if state == "returned":
        return S.entry_return(actor=admin, entry=entry, comment="请补充证明", today=REGISTRATION_DAY)
    entry = S.entry_school_review(actor=admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    if state == "school_verified":
        return entry
    entry = S.entry_leader_sign(actor=leader, entry=entry, today=REGISTRATION_DAY)
    if state == "school_approved":
        return entry
    entry = S.entry_district_review(actor=reviewer, entry=entry, approve=True, today=DISTRICT_DAY)
    assert entry.status == state == "district_reviewed"
    return entry
