"""The API list's scope (``entries_to_list_for_user``) is ``entries_for_user`` written on school_id
alone for a reviewer who is also a teacher: the same entries, their own at an earlier school
included, without the OR of the teacher that makes PostgreSQL walk the whole city's index."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from reviews.selectors import entries_for_user, entries_to_list_for_user
from tests.factories import CreditEntryFactory, SchoolFactory, TeacherProfileFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


def _ids(qs):
    return set(qs.values_list("pk", flat=True))


def test_a_reviewing_teacher_lists_the_same_entries_their_own_from_an_earlier_school_included():
    school, earlier, other = SchoolFactory(), SchoolFactory(), SchoolFactory()
    me = TeacherProfileFactory(school=school)
    user = grant(me.user, Role.SCHOOL_ADMIN, school=school)
    mine_here = CreditEntryFactory(teacher=me)
    mine_before = CreditEntryFactory(teacher=me, school=earlier)  # registered there before a transfer
    colleagues = CreditEntryFactory(teacher=TeacherProfileFactory(school=school))
    CreditEntryFactory(teacher=TeacherProfileFactory(school=other))
    listed = entries_to_list_for_user(user)
    assert _ids(listed) == _ids(entries_for_user(user)) == {mine_here.pk, mine_before.pk, colleagues.pk}
    with CaptureQueriesContext(connection) as queries:
        list(listed.order_by("-started_on", "-id")[:50])
    where = queries.captured_queries[-1]["sql"].split("WHERE", 1)[1]
    assert "teacher_id" not in where and "school_id" in where


def test_others_keep_the_scope_as_it_is():
    school = SchoolFactory()
    teacher = TeacherProfileFactory(school=school)
    admin = grant(UserFactory(), Role.SCHOOL_ADMIN, school=school)  # no teacher profile
    CreditEntryFactory(teacher=teacher)
    CreditEntryFactory()
    users = (teacher.user, admin, grant(TeacherProfileFactory().user, Role.CITY_STAFF))
    assert [len(_ids(entries_to_list_for_user(u))) for u in users] == [1, 1, 2]
    for user in users:
        assert _ids(entries_to_list_for_user(user)) == _ids(entries_for_user(user))
