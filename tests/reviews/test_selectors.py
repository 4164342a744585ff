"""Scope of entries and the review queues, as a matrix over the world's users."""

import pytest

from reviews import services as S
from reviews.selectors import entries_for_user, review_queue
from tests.reviews.helpers import ACTIVITY_DAY, REGISTRATION_DAY, pdf


@pytest.fixture
def entries(world):
    def declare(teacher):
        return S.entry_declare(teacher_user=teacher.user, item=world.item("admin_training"), title="培训",
                               started_on=ACTIVITY_DAY, quantity="8", evidence_files=[pdf()], today=REGISTRATION_DAY)

    return declare(world.teacher), declare(world.city_teacher)


@pytest.mark.parametrize("user,sees", [
    ("teacher", {0}), ("city_teacher", {1}), ("school_admin", {0}), ("leader", {0}), ("district_admin", {0}),
    ("other_district_admin", set()), ("city", {0, 1}), ("city_admin", {1}),
])
def test_entries_for_user(world, entries, user, sees):
    actor = getattr(world, user).user if user.endswith("teacher") else getattr(world, user)
    assert set(entries_for_user(actor).values_list("pk", flat=True)) == {entries[i].pk for i in sees}


def test_queues_follow_the_chain(world, entries):
    mine, city = entries
    assert list(review_queue(user=world.school_admin, step="school_review")) == [mine]
    assert not review_queue(user=world.leader, step="leader_sign").exists()
    for entry, admin, leader in ((mine, world.school_admin, world.leader), (city, world.city_admin, world.city_leader)):
        S.entry_school_review(actor=admin, entry=entry, approve=True, today=REGISTRATION_DAY)
        S.entry_leader_sign(actor=leader, entry=entry, today=REGISTRATION_DAY)
    assert list(review_queue(user=world.district_admin, step="district_review")) == [mine]
    # City staff take the district step for the 市直属 school only.
    assert list(review_queue(user=world.city, step="district_review")) == [city]
    assert not review_queue(user=world.district_admin, step="confirm").exists()


def test_available_steps_drive_the_buttons(world, entries):
    mine = entries[0]
    assert S.available_steps(world.school_admin, mine) == {"school_review", "return", "reject"}
    assert S.available_steps(world.teacher.user, mine) == {"withdraw", "edit"}
    assert S.available_steps(world.leader, mine) == set()


def test_leader_queue_leaves_out_what_the_user_verified(world, entries):
    from accounts.access import forget_roles
    from tests.factories import grant

    mine, _ = entries
    grant(world.school_admin, "school_leader", school=world.school)
    forget_roles(world.school_admin)
    S.entry_school_review(actor=world.school_admin, entry=mine, approve=True, today=REGISTRATION_DAY)
    assert not review_queue(user=world.school_admin, step="leader_sign").exists()
    assert list(review_queue(user=world.leader, step="leader_sign")) == [mine]
