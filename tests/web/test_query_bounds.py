"""Each main page issues a bounded number of SQL queries, whatever the number of rows:
the same bound holds with 5 and with 50 entries / teachers."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import AccountStatus, ProfileChangeRequest
from credits.models import EntryStatus
from reviews.models import ReviewAppointment
from tests.factories import CreditEntryFactory, TeacherProfileFactory
from tests.web.conftest import login

pytestmark = pytest.mark.django_db


def _populate(world, n):
    """n teachers at the school, each with one entry in every review state, one proof file
    and one notification for the teacher; an appointment per teacher-school for the schedule."""
    flex = world.item("school_based_training")
    reg = world.item("admin_training")
    for i in range(n):
        t = TeacherProfileFactory(school=world.school, stage="senior" if i % 2 else "junior")
        for status in (EntryStatus.SUBMITTED, EntryStatus.SCHOOL_VERIFIED, EntryStatus.SCHOOL_APPROVED,
                       EntryStatus.DISTRICT_REVIEWED):
            CreditEntryFactory(teacher=t, academic_year=world.year, item=flex if i % 2 else reg, status=status,
                               started_on=datetime.date(2018, 3, 1), credits=10)
        CreditEntryFactory(teacher=world.teacher, academic_year=world.year, item=flex, status=EntryStatus.DISTRICT_REVIEWED,
                           started_on=datetime.date(2018, 3, 2), credits=5)
        world.teacher.user.notifications.create(title=f"通知{i}")
        # Account pages: a pending account and a change request in each state a list shows.
        pending = TeacherProfileFactory(school=world.school, status=AccountStatus.PENDING)
        for status in (ProfileChangeRequest.Status.PENDING, ProfileChangeRequest.Status.SCHOOL_CHECKED):
            ProfileChangeRequest.objects.create(profile=t if status == "pending" else pending, changes={"subject": "数学"},
                                                original={"subject": "语文"}, status=status, submitted_by=t.user)


PAGES = [
    ("teacher", "home", ()),
    ("teacher", "reviews:my_entries", ()),
    ("teacher", "reviews:form2", ()),
    ("teacher", "notifications", ()),
    ("school_admin", "home", ()),
    ("school_admin", "reviews:queue", ("school_review",)),
    ("school_admin", "reports:compliance", ()),
    ("leader", "reviews:queue", ("leader_sign",)),
    ("district_admin", "home", ()),
    ("district_admin", "reviews:queue", ("district_review",)),
    ("district_admin", "reports:dashboard", ()),
    ("district_admin", "reviews:schedule", ()),
    ("district_admin", "reviews:rosters", ()),
    ("city", "home", ()),
    ("city", "reviews:queue", ("confirm",)),
    ("city", "reports:dashboard", ()),
    ("school_admin", "accounts:teacher_list", ()),
    ("school_admin", "accounts:change_requests", ()),
    ("district_admin", "accounts:teacher_list", ()),
    ("district_admin", "accounts:account_approvals", ()),
    ("district_admin", "accounts:change_requests", ()),
    ("city", "accounts:change_requests", ()),
    ("teacher", "reports:form2", ()),
    ("school_admin", "reports:index", ()),
    ("school_admin", "reports:precheck", ()),
    ("district_admin", "reports:index", ()),
]


def _user(world, who):
    return world.teacher.user if who == "teacher" else getattr(world, who)


def _queries(client, django_assert_max_num_queries, url, bound):
    with django_assert_max_num_queries(bound) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who,name,args", PAGES, ids=[f"{w}-{n}" for w, n, _ in PAGES])
def test_same_bound_with_5_and_50_rows(world, client, django_assert_max_num_queries, who, name, args):
    url = reverse(name, args=args)
    login(client, _user(world, who))
    _populate(world, 5)
    ReviewAppointment.objects.create(academic_year=world.year, school=world.school, group="高中", sequence=1,
                                     date=datetime.date(2018, 9, 11))
    small = _queries(client, django_assert_max_num_queries, url, 40)
    _populate(world, 45)
    large = _queries(client, django_assert_max_num_queries, url, 40)
    # Not only under the ceiling: the count does not grow with the rows.
    assert large <= small + 1, (small, large)
